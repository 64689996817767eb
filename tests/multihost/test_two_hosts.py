"""Two app servers on one PostgreSQL: any host answers any step of any call.

Two real gunicorn instances (separate processes and IVR_DATA_DIR, the same token, public URL
and database), and one call's webhooks alternating between them, as a round-robin balancer
sends them. The processes run on the real clock, so the checks avoid what the hour decides.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from bench.calls import call_params, keys
from bench.server import Server, free_port
from ivr.core.selfservice.phone import ASK_DNI, LOCKED, MISMATCH
from ivr.core.spoken import for_voice
from tests.helpers import ROOT, SECRET_KEY, copy_config
from tests.pgcluster import Cluster

TOKEN = "two-hosts-token-0123456789abcdef"
PUBLIC = "https://ivr.example.edu"  # what Twilio calls: the balancer's address
OVERRIDE = "Por una emergencia la central está cerrada."


@dataclass
class Deployment:
    hosts: list[Server]
    envs: list[dict[str, str]]
    folder: Path
    sids: count[int] = field(default_factory=lambda: count(1))
    calls: set[str] = field(default_factory=set)

    def ivr(self, host: int, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run ``flask --app app ivr ARGS`` as an operator on host ``host``."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "ivr", *args],
            cwd=ROOT,
            env={**os.environ, **self.envs[host]},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def new_call(self) -> Call:
        sid = f"CA{next(self.sids):032x}"
        self.calls.add(sid)
        return Call(self, sid)


@dataclass
class Call:
    """One caller; each webhook goes to the next host in turn, like a round-robin balancer."""

    deployment: Deployment
    sid: str
    turn: int = 0
    hosts_used: list[int] = field(default_factory=list)

    def post(self, path: str, extra: dict[str, str] | None = None) -> ET.Element:
        host = self.turn % 2
        self.turn += 1
        self.hosts_used.append(host)
        return signed_post(self.deployment.hosts[host].port, self.sid, path, extra or {})

    def press(self, answer: ET.Element, digits: str) -> ET.Element:
        gather = answer.find("Gather")
        assert gather is not None, said(answer)
        action = gather.get("action")
        assert action is not None
        return self.post(action.removeprefix(PUBLIC), keys(digits))


def signed_post(port: int, sid: str, path: str, extra: dict[str, str]) -> ET.Element:
    """Post one webhook as Twilio signs it (for the public URL) to 127.0.0.1:``port``."""
    params = {**call_params(sid, "+51999000111"), **extra}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)  # one per webhook
    try:
        conn.request(
            "POST",
            path,
            body=urlencode(params),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
        )
        response = conn.getresponse()
        body = response.read().decode()
    finally:
        conn.close()
    assert response.status == 200, (port, path, response.status, body)
    return ET.fromstring(body)


def said(answer: ET.Element) -> str:
    return " ".join((say.text or "").strip() for say in answer.iter("Say"))


def host_envs(config: Path, folder: Path, url: str, **extra: str) -> list[dict[str, str]]:
    """The environments of hosts a and b: the same files, token and database, own data dirs."""
    return [
        {
            "IVR_CONFIG_DIR": str(config),
            "IVR_DATA_DIR": str(folder / f"host-{name}"),
            "IVR_DATABASE_URL": url,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "IVR_SECRET_KEY": SECRET_KEY,
            "IVR_PUBLIC_URL": PUBLIC,
            "IVR_WORKERS": "2",
            "IVR_LOG_JSON": "",
            **extra,
        }
        for name in ("a", "b")
    ]


@pytest.fixture(scope="module")
def deployment(
    postgres_cluster: Cluster | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    if postgres_cluster is None:
        pytest.skip("IVR_TEST_DATABASE_URL is set: this test makes a database of its own")
    folder = tmp_path_factory.mktemp("two-hosts")
    config = copy_config(folder / "config")
    url = postgres_cluster.create_database("two_hosts")
    envs = host_envs(config, folder, url)
    hosts = [
        Server(f"host-{name}", "app:app", env, folder) for name, env in zip("ab", envs, strict=True)
    ]
    deployment = Deployment(hosts, envs, folder)
    # A fresh PostgreSQL: the hosts refuse to start until someone upgrades it, from any host.
    refused = subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=ROOT,
        env={**os.environ, **envs[0]},
        capture_output=True,
        text=True,
    )
    assert "run 'flask --app app ivr db upgrade' once, from any host" in refused.stderr
    upgraded = deployment.ivr(1, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    demo = deployment.ivr(0, "ledger", "demo", "--students", "50")
    assert demo.returncode == 0, demo.stderr
    try:
        for host in hosts:
            host.start(workers=2)
        yield deployment
    finally:
        for host in hosts:
            host.stop()


def test_a_menu_walk_alternating_hosts(deployment: Deployment) -> None:
    call = deployment.new_call()
    greeting = call.post("/voice")
    assert said(greeting).endswith(
        "Para estudiantes, marque 2. Puede marcar la opción o decirla. "
        "Para repetir, marque asterisco."
    )
    students = call.press(greeting, "2")
    assert "Para su estado de cuenta y fechas de pago, marque 5." in said(students)
    back = call.press(students, "#")
    assert "Para estudiantes, marque 2." in said(back)
    assert call.hosts_used == [0, 1, 0]


def test_self_service_from_code_to_statement_across_hosts(deployment: Deployment) -> None:
    call = deployment.new_call()
    students = call.press(call.post("/voice"), "2")
    ask_code = call.press(students, "5")
    ask_dni = call.press(ask_code, "00012345")  # host B keeps the code in the shared session
    assert said(ask_dni) == for_voice(ASK_DNI)  # as the voice reads it: DNI is 'de ene i'
    statement = call.press(ask_dni, "2468")  # host A reads it
    assert "soles" in said(statement), said(statement)
    assert call.hosts_used == [0, 1, 0, 1, 0]


def _wrong_guesses(deployment: Deployment, tries: int) -> list[str]:
    call = deployment.new_call()
    answer = call.press(call.press(call.post("/voice"), "2"), "5")
    heard = []
    for _ in range(tries):
        answer = call.press(call.press(answer, "00054321"), "0000")
        heard.append(said(answer))
    return heard


def test_the_lockout_falls_at_the_fifth_failure_spread_over_both_hosts(
    deployment: Deployment,
) -> None:
    first = _wrong_guesses(deployment, 3)  # a call gets three tries
    assert [text.startswith(MISMATCH) for text in first] == [True, True, False]
    second = _wrong_guesses(deployment, 2)  # another call: the 4th and the 5th failure
    assert second[0].startswith(MISMATCH)
    assert second[1].startswith(LOCKED)
    call = deployment.new_call()  # the right DNI, on either host: locked
    answer = call.press(call.press(call.post("/voice"), "2"), "5")
    answer = call.press(call.press(answer, "00054321"), "1357")
    assert said(answer).startswith(LOCKED)


def test_an_override_set_through_one_host_is_heard_on_the_other(deployment: Deployment) -> None:
    result = deployment.ivr(0, "override", "set", "--message", OVERRIDE)
    assert result.returncode == 0, result.stderr
    time.sleep(1.2)  # each process reads the override at most once a second
    try:
        for _ in range(4):  # every worker of both hosts
            call = deployment.new_call()
            call.turn = 1
            assert OVERRIDE in said(call.post("/voice"))
    finally:
        cleared = deployment.ivr(1, "override", "clear")
        assert cleared.returncode == 0, cleared.stderr
    time.sleep(1.2)
    call = deployment.new_call()
    assert OVERRIDE not in said(call.post("/voice"))


def test_the_report_on_either_host_counts_each_call_once(deployment: Deployment) -> None:
    expected = f": {len(deployment.calls)}"
    deadline = time.monotonic() + 15
    while True:  # each worker writes its buffered steps about once a second
        time.sleep(1.5)
        reports = [deployment.ivr(host, "report").stdout for host in (0, 1)]
        first_line = reports[0].splitlines()[0]
        done = first_line.endswith(expected) and reports[0] == reports[1]
        if done or time.monotonic() > deadline:
            break
    assert first_line.endswith(expected), (first_line, deployment.calls)
    assert reports[0] == reports[1]


def _scheduler(deployment: Deployment, host: int) -> tuple[subprocess.Popen[str], Path]:
    log = deployment.folder / f"scheduler-{host}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "ivr", "scheduler"],
            cwd=ROOT,
            env={**os.environ, **deployment.envs[host]},
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    return process, log


def _wait_for(log: Path, text: str, seconds: float) -> float:
    started = time.monotonic()
    while text not in log.read_text():
        assert time.monotonic() - started < seconds, log.read_text()
        time.sleep(0.2)
    return time.monotonic() - started


def test_one_scheduler_leads_and_the_other_takes_over_when_it_dies(
    deployment: Deployment,
) -> None:
    leader, leader_log = _scheduler(deployment, 0)
    follower, follower_log = None, None
    try:
        _wait_for(leader_log, "this process leads the scheduler", 60)
        follower, follower_log = _scheduler(deployment, 1)
        _wait_for(follower_log, "Waiting to lead: another host's scheduler leads", 60)
        leader.send_signal(signal.SIGKILL)
        leader.wait(timeout=10)
        took = _wait_for(follower_log, "this process leads the scheduler now", 30)
        assert took < 30
    finally:
        for process in (leader, follower):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)


# -- last in this module: it kills a host -------------------------------------------------------
def nginx_config(folder: Path, port: int, upstreams: list[int]) -> Path:
    """Return nginx.conf around docs/deploy.md's example, pointed at loopback ports."""
    doc = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    example = doc[doc.index("upstream ivr {") :]
    example = example[: example.index("```")]
    example = example.replace("10.0.0.11:8000", f"127.0.0.1:{upstreams[0]}")
    example = example.replace("10.0.0.12:8000", f"127.0.0.1:{upstreams[1]}")
    example = example.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")
    assert "10.0.0." not in example
    temp = folder / "nginx-temp"
    temp.mkdir()
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"} info;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    access_log {folder / "nginx-access.log"};
    client_body_temp_path {temp};
    proxy_temp_path {temp};
    fastcgi_temp_path {temp};
    uwsgi_temp_path {temp};
    scgi_temp_path {temp};
    {example}
}}
""",
        encoding="utf-8",
    )
    return conf


def _self_service_call(port: int, sid: str) -> list[str]:
    """A whole self-service call through the balancer; return what each step said."""
    heard = []
    answer = signed_post(port, sid, "/voice", {})
    for digits in ("2", "5", "00054321", "1357"):
        gather = answer.find("Gather")
        assert gather is not None, (sid, heard, said(answer))
        action = str(gather.get("action")).removeprefix(PUBLIC)
        answer = signed_post(port, sid, action, keys(digits))
        heard.append(said(answer))
    return heard


def test_a_host_killed_under_load_loses_no_step(deployment: Deployment) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must run the failover test: apt-get install nginx-light")
        pytest.skip("no nginx on this machine")
    port = free_port()
    conf = nginx_config(deployment.folder, port, [h.port for h in deployment.hosts])
    proxy = subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"], cwd=deployment.folder)
    # the locked code of the lockout test is free again: a right DNI now hears the statement
    deployment.ivr(0, "ledger", "demo", "--students", "50", "--reset")
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                signed_post(port, "CA" + "f" * 32, "/voice", {})
                break
            except (OSError, AssertionError):
                assert time.monotonic() < deadline, deployment.folder / "nginx-error.log"
                time.sleep(0.1)
        results: dict[str, list[str] | BaseException] = {}
        killed = threading.Event()
        workers_of_a: list[int] = []

        def caller(n: int) -> None:
            for k in range(6):  # bounded: 6 calls of 5 steps per caller
                sid = f"CA{n:02d}{k:02d}" + "e" * 28
                try:
                    results[sid] = _self_service_call(port, sid)
                except BaseException as error:
                    results[sid] = error
                if n == 0 and k == 1:
                    workers_of_a.extend(deployment.hosts[0].workers())
                    for pid in deployment.hosts[0].pids():  # host A dies mid-load
                        os.kill(pid, signal.SIGKILL)
                    killed.set()

        threads = [threading.Thread(target=caller, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert killed.is_set()
        # webhooks were in flight on host A when it died, and nginx sent them to host B
        log = (deployment.folder / "nginx-error.log").read_text()
        assert "while reading response header from upstream" in log
        # An answer host A had begun to send when it died reaches nginx as headers without
        # their body; nginx retries only what it has not started to pass on, so such a webhook
        # fails (Twilio would then fetch the fallback URL). At most one per worker of host A.
        cut = {sid for sid, r in results.items() if isinstance(r, http.client.IncompleteRead)}
        failed = {
            sid: r for sid, r in results.items() if isinstance(r, BaseException) and sid not in cut
        }
        assert failed == {}
        assert len(cut) <= len(workers_of_a)
        assert len(results) == 36
        for sid, heard in results.items():
            if sid in cut:
                continue
            assert isinstance(heard, list)
            assert heard[2] == for_voice(ASK_DNI), (sid, heard)
            assert "soles" in heard[3], (sid, heard)
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
