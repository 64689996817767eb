"""Console sessions against the real server: gunicorn with two workers on loopback, SQLite.

A cookie copied before «Salir» opens nothing afterwards on either worker; simultaneous wrong
passwords sent over real connections are checked exactly five times; a ``next`` with CR/LF is
answered 400 with no Location header.
"""

from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.console.conftest import PASSWORD, TOKEN_FIELD
from tests.served import ivr_command, server_env, serving

COOKIE = "ivr_console"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Browser:
    """Requests to the server carrying the console's cookie, as a browser would."""

    port: int
    cookie: str = ""
    token: str = field(default="", repr=False)

    def send(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        headers = {**FORM, "Cookie": f"{COOKIE}={self.cookie}"} if self.cookie else dict(FORM)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=urlencode(form) if form else None, headers=headers)
            response = conn.getresponse()
            body = response.read().decode("utf-8")
            for value in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie(value)
                if COOKIE in jar:
                    self.cookie = jar[COOKIE].value
            found = TOKEN_FIELD.search(body)
            if found:
                self.token = found[1]
            return response.status, dict(response.getheaders()), body
        finally:
            conn.close()

    def log_in(self, password: str = PASSWORD, **extra: str) -> tuple[int, dict[str, str], str]:
        self.send("GET", "/console/login")
        form = {"name": "ana", "password": password, "csrf_token": self.token, **extra}
        return self.send("POST", "/console/login", form)


def test_console_sessions_on_the_real_server(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    for command in (("db", "upgrade"), ("users", "add", "ana", "--role", "operator")):
        made = ivr_command(env, *command, stdin=f"{PASSWORD}\n{PASSWORD}\n")
        assert made.returncode == 0, made.stderr
    with serving("app", env, tmp_path) as (server, _):
        # «Salir» ends the session on the server: a copied cookie opens nothing afterwards
        browser = Browser(server.port)
        assert browser.log_in()[0] == 302
        copy = Browser(server.port, cookie=browser.cookie)
        assert all(copy.send("GET", "/console/audit")[0] == 200 for _ in range(6))  # both workers
        browser.send("GET", "/console/")
        assert browser.send("POST", "/console/logout", {"csrf_token": browser.token})[0] == 302
        for _ in range(6):
            status, headers, _ = Browser(server.port, cookie=copy.cookie).send("GET", "/console/")
            assert status == 302
            assert headers["Location"].startswith("/console/login")

        # a next with CR/LF: 400, no header made of it (it was a 500)
        status, headers, body = Browser(server.port).log_in(next="/console/\r\nSet-Cookie: x=1")
        assert status == 400
        assert "Location" not in headers and "x=1" not in headers.get("Set-Cookie", "")
        assert "no es válida" in body

        # 24 wrong passwords at once, over 24 connections: exactly five are checked
        browsers = [Browser(server.port) for _ in range(24)]
        for each in browsers:
            each.send("GET", "/console/login")
        start = threading.Barrier(len(browsers))
        statuses: list[int] = []

        def guess(each: Browser) -> None:
            form = {"name": "ana", "password": "no-es-la-clave-123", "csrf_token": each.token}
            start.wait()
            statuses.append(each.send("POST", "/console/login", form)[0])

        threads = [threading.Thread(target=guess, args=(each,)) for each in browsers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200] * 5 + [429] * 19
