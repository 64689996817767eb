"""TwiML out and back: ``render`` builds what Twilio receives; ``reader`` reads it for tools."""

from __future__ import annotations

from ivr.twiml.messaging import render_reply
from ivr.twiml.render import STATIC_APOLOGY, UrlFor, apology, render, render_wait

__all__ = ["STATIC_APOLOGY", "UrlFor", "apology", "render", "render_reply", "render_wait"]
