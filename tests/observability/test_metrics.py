"""Prometheus metrics: names and values in the exposition, the token, several workers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask, Response
from prometheus_client import REGISTRY

from ivr.observability import metrics
from ivr.observability.metrics import (
    count_event,
    count_reload,
    count_verification,
    instrument,
    metrics_blueprint,
    observe_request,
)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "s3cret-metrics-token"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def metrics_app(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Flask]:
    monkeypatch.delenv("IVR_METRICS_TOKEN", raising=False)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)

    def factory(**config: str) -> Flask:
        app = Flask("metrics-test")
        app.config.update(config)
        app.register_blueprint(metrics_blueprint)
        return app

    return factory


def test_exposition_after_observe_calls(metrics_app: Callable[..., Flask]) -> None:
    reloads, failures = value("ivr_config_reloads_total"), value("ivr_config_reload_failures_total")
    observe_request("test.exposition", 0.003, 200)
    observe_request("test.exposition", 0.2, 403)
    count_event("transfer")
    count_reload(True)
    count_reload(False)
    count_reload(False)
    count_verification("locked")
    response = metrics_app().test_client().get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    text = response.get_data(as_text=True)
    for name, kind in [
        ("ivr_webhook_request_duration_seconds", "histogram"),
        ("ivr_webhook_requests_total", "counter"),
        ("ivr_call_events_total", "counter"),
        ("ivr_config_reloads_total", "counter"),
        ("ivr_config_reload_failures_total", "counter"),
        ("ivr_selfservice_verifications_total", "counter"),
        ("ivr_call_records_dropped_total", "counter"),
    ]:
        assert f"# TYPE {name} {kind}\n" in text
    lines = set(text.splitlines())
    assert {
        'ivr_webhook_request_duration_seconds_bucket{endpoint="test.exposition",le="0.002"} 0.0',
        'ivr_webhook_request_duration_seconds_bucket{endpoint="test.exposition",le="0.005"} 1.0',
        'ivr_webhook_request_duration_seconds_bucket{endpoint="test.exposition",le="0.25"} 2.0',
        'ivr_webhook_request_duration_seconds_count{endpoint="test.exposition"} 2.0',
        'ivr_webhook_requests_total{endpoint="test.exposition",status="200"} 1.0',
        'ivr_webhook_requests_total{endpoint="test.exposition",status="403"} 1.0',
    } <= lines
    assert value("ivr_call_events_total", event="transfer") >= 1
    assert value("ivr_selfservice_verifications_total", result="locked") >= 1
    assert value("ivr_config_reloads_total") - reloads == 1
    assert value("ivr_config_reload_failures_total") - failures == 2


@pytest.mark.parametrize(
    ("given", "label"),
    [
        pytest.param("after_hours", "after_hours", id="event"),
        pytest.param("voice.menu", "voice.menu", id="endpoint"),
        pytest.param("Weird Event!", "other", id="not-a-name"),
        pytest.param("x" * 60, "other", id="too-long"),
    ],
)
def test_labels_are_names_or_other(given: str, label: str) -> None:
    before = value("ivr_call_events_total", event=label)
    count_event(given)
    assert value("ivr_call_events_total", event=label) - before == 1


def test_instrument_times_every_request_by_route_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IVR_METRICS_TOKEN", raising=False)
    app = Flask("instrumented")

    @app.before_request
    def refuse_some() -> Response | None:  # like the voice blueprint's signature check
        from flask import request

        return Response("Forbidden", 403) if request.args.get("deny") else None

    @app.route("/probe/<name>")
    def probe(name: str) -> str:
        return name

    instrument(app)
    client = app.test_client()
    before = {
        key: value("ivr_webhook_requests_total", endpoint=endpoint, status=status)
        for key, (endpoint, status) in {
            "ok": ("probe", "200"),
            "denied": ("probe", "403"),
            "missing": ("unmatched", "404"),
        }.items()
    }
    count_before = value("ivr_webhook_request_duration_seconds_count", endpoint="probe")
    assert client.get("/probe/a").status_code == 200
    assert client.get("/probe/b").status_code == 200
    assert client.get("/probe/c?deny=1").status_code == 403
    assert client.get("/nowhere").status_code == 404
    assert value("ivr_webhook_requests_total", endpoint="probe", status="200") - before["ok"] == 2
    assert (
        value("ivr_webhook_requests_total", endpoint="probe", status="403") - before["denied"] == 1
    )
    assert (
        value("ivr_webhook_requests_total", endpoint="unmatched", status="404") - before["missing"]
        == 1
    )
    assert value("ivr_webhook_request_duration_seconds_count", endpoint="probe") - count_before == 3
    assert client.get("/metrics").status_code == 200


@pytest.mark.parametrize(
    ("header", "status"),
    [
        pytest.param(None, 401, id="missing"),
        pytest.param("Bearer wrong", 401, id="wrong"),
        pytest.param(f"Basic {TOKEN}", 401, id="not-bearer"),
        pytest.param(f"Bearer {TOKEN}x", 401, id="longer"),
        pytest.param(f"Bearer {TOKEN}", 200, id="right"),
        pytest.param(f"bearer {TOKEN}", 200, id="scheme-any-case"),
    ],
)
@pytest.mark.parametrize("where", ["config", "environment"])
def test_metrics_token(
    metrics_app: Callable[..., Flask],
    monkeypatch: pytest.MonkeyPatch,
    header: str | None,
    status: int,
    where: str,
) -> None:
    if where == "environment":
        monkeypatch.setenv("IVR_METRICS_TOKEN", TOKEN)
        app = metrics_app()
    else:
        app = metrics_app(IVR_METRICS_TOKEN=TOKEN)
    headers = {"Authorization": header} if header else {}
    response = app.test_client().get("/metrics", headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert response.get_data(as_text=True) == (
            "Unauthorized: send Authorization: Bearer <IVR_METRICS_TOKEN>\n"
        )


def test_no_token_means_open(metrics_app: Callable[..., Flask]) -> None:
    assert metrics_app().test_client().get("/metrics").status_code == 200


def test_several_workers_add_up(tmp_path: Path) -> None:
    """Multiprocess mode: two forked workers count, one dies, a scrape in the master sums all."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_99999.db").write_bytes(b"stale")  # from a previous run
    script = textwrap.dedent(
        """
        import os
        from types import SimpleNamespace
        from ivr.observability import metrics

        metrics.gunicorn_on_starting(None)
        workers = []
        for n in range(2):
            pid = os.fork()
            if pid == 0:
                metrics.count_event("transfer")
                metrics.observe_request("voice.menu", 0.004, 200)
                os._exit(0)
            workers.append(pid)
        for pid in workers:
            os.waitpid(pid, 0)
        metrics.gunicorn_child_exit(None, SimpleNamespace(pid=workers[0]))
        print(metrics.exposition().decode())
        """
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    lines = set(done.stdout.splitlines())
    assert 'ivr_call_events_total{event="transfer"} 2.0' in lines
    assert 'ivr_webhook_requests_total{endpoint="voice.menu",status="200"} 2.0' in lines
    assert 'ivr_webhook_request_duration_seconds_count{endpoint="voice.menu"} 2.0' in lines
    assert not (folder / "counter_99999.db").exists()


def test_hooks_do_nothing_without_multiprocess_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    metrics.gunicorn_on_starting(None)
    metrics.gunicorn_child_exit(None, object())  # no pid needed: nothing to mark
