"""Under gunicorn (preloaded app, forked workers) each worker's watcher brings an edit in."""

from __future__ import annotations

import http.client
import os
import threading
from pathlib import Path
from urllib.parse import urlencode

from lxml import etree

from bench.calls import call_params, call_sid, caller_number, keys
from bench.server import Server
from tests.helpers import sign
from tests.served import ivr_command, server_env, serving

PATH = "/voice/menu/principal?s=1"  # key 2: the students menu, open or closed


def _said(server: Server, base: str, n: int) -> str:
    params = {**call_params(call_sid(n), caller_number(n)), **keys("2")}
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(base + PATH, params),
    }
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("POST", PATH, body=urlencode(params), headers=headers)
        response = conn.getresponse()
        assert response.status == 200
        return " ".join(say.text or "" for say in etree.fromstring(response.read()).iter("Say"))
    finally:
        conn.close()


def test_every_worker_serves_an_edit_without_a_restart(tmp_path: Path) -> None:
    env = {**server_env(tmp_path), "IVR_RELOAD_SECONDS": "0.2", "IVR_PRELOAD": "1"}
    made = ivr_command(env, "db", "upgrade")
    assert made.returncode == 0, made.stderr
    with serving("app", env, tmp_path) as (server, base):
        assert "Para Help Desk, marque 1." in _said(server, base, 1)
        students = Path(env["IVR_CONFIG_DIR"]) / "menus" / "students.yaml"
        draft = students.with_name("students.yaml.new")
        text = students.read_text(encoding="utf-8")
        draft.write_text(text.replace("label: Help Desk", "label: Mesa de Ayuda"), "utf-8")
        os.utime(draft, ns=(10**18, 10**18))
        draft.replace(students)
        # Either worker may answer: wait until 20 answers in a row are the new one.
        heard: list[str] = []
        pause = threading.Event()
        for n in range(2, 400):
            heard.append(
                "new" if "Para Mesa de Ayuda, marque 1." in _said(server, base, n) else "old"
            )
            if heard[-20:] == ["new"] * 20:
                break
            pause.wait(0.02)
        assert heard[-20:] == ["new"] * 20, heard
    assert "configuration reloaded" in (tmp_path / "app-output.log").read_text("utf-8")
