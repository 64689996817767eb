"""A YAML-driven Twilio IVR for a university's student-service lines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application (see ``ivr.app.create_app``)."""
    from ivr.app import create_app as _create_app

    return _create_app(config)
