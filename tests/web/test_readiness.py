"""`/readyz` follows the database; `/healthz` (liveness) does not."""

from __future__ import annotations

from pathlib import Path

from flask import Flask


def test_readiness_follows_the_database_and_liveness_does_not(app: Flask) -> None:
    client = app.test_client()
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json) == (200, {"status": "ready", "database": True})
    path = Path(app.extensions["ivr"].engine.url.database)
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        file.unlink(missing_ok=True)  # the database goes
    gone = client.get("/readyz")
    assert (gone.status_code, gone.json) == (503, {"status": "unavailable", "database": False})
    alive = client.get("/healthz")
    assert alive.status_code == 200
    assert alive.json is not None and alive.json["status"] == "ok"
