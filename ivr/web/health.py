"""Readiness for load balancers: ``GET /readyz`` answers 200 only while the database answers.

``/healthz`` (liveness, in ``ivr.web.voice``) says the process serves and which configuration
it loaded, without touching the database: a balancer that restarted hosts on it would restart
every host during a database outage, when menus still work. ``/readyz`` runs one trivial
statement within ``READY_SECONDS``: a balancer takes a host out of rotation while its database
cannot be used (a host of its own, on SQLite: the file deleted) and back once it answers.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import Select, literal_column, select

from ivr.runtime import current_runtime
from ivr.storage.database import STORE_ERRORS, answer_within
from ivr.storage.quickread import QuickRead

blueprint = Blueprint("health", __name__)

READY_SECONDS = 2.0  # a probe's own timeout is usually 5 s: answer well within it
_PROBE: Select[tuple[int]] = select(literal_column("1"))


@blueprint.route("/readyz", methods=["GET"])
def readyz() -> Response:
    """200 ``{"status": "ready"}`` when the database answers; 503 ``unavailable`` otherwise."""
    try:
        with answer_within(READY_SECONDS):
            QuickRead(current_runtime().engine, _PROBE).value({})
    except STORE_ERRORS:
        # Why is in the log (ivr.outage); a probe's answer is public: no driver text here.
        response = jsonify({"status": "unavailable", "database": False})
        response.status_code = 503
        return response
    return jsonify({"status": "ready", "database": True})
