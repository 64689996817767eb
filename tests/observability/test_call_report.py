"""``ivr report``: exact numbers for hand-made calls and for a simulated day, CSV, date ranges."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import text

from ivr.cli.report import report_command
from ivr.cli.simulate_calls import simulate_calls_command
from ivr.clock import LIMA
from ivr.core.directory import Campus, Directory
from ivr.observability.aggregates import sql_report
from ivr.observability.calls import NullCallRecorder, SqlCallRecorder, SqliteCallRecorder
from ivr.observability.demo import simulate_day
from ivr.observability.report import (
    QueueFigures,
    QueueTransfers,
    Report,
    self_service_result,
    summarise,
    summarise_call,
)
from ivr.storage.calls import CallRecord, Step
from ivr.storage.database import make_engine, sqlite_url
from tests.helpers import ROOT, Clock, shipped_callers
from tests.observability.conftest import MakeRecorder

DAY = date(2026, 11, 18)  # a Wednesday
T0 = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # 10:00 in Lima

Invoke = Callable[..., Result]


def call(*steps: tuple[str, ...], duration: int | None = None, sid: str = "CA1") -> CallRecord:
    """A call from (node, event[, detail[, said]]) tuples, one second apart."""
    return CallRecord(
        call_sid=sid,
        campus="Breña",
        steps=tuple(Step(T0 + timedelta(seconds=n), *step) for n, step in enumerate(steps)),
        call_status="completed" if duration is not None else None,
        duration_s=duration,
    )


START = ("principal", "call_start")


# -- one call ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("steps", "ending", "self_service"),
    [
        pytest.param(
            (START, ("estudiantes", "entered", "", "2"), ("help-desk", "transfer", "helpdesk")),
            "transferred",
            None,
            id="transfer",
        ),
        pytest.param(
            (
                START,
                ("estado-de-cuenta", "selfservice"),
                ("estado-de-cuenta", "selfservice_code"),
                ("estado-de-cuenta", "selfservice_rejected"),
                ("estado-de-cuenta", "selfservice_code"),
                ("estado-de-cuenta", "selfservice_verified", "***456"),
                ("estado-de-cuenta", "selfservice_heard", "2", "2"),
            ),
            "self_service",
            "success",
            id="verified-on-second-try",
        ),
        pytest.param(
            (
                START,
                ("estado-de-cuenta", "selfservice_code"),
                ("estudiantes", "selfservice_locked"),
            ),
            "gave_up",
            "failure",
            id="locked",
        ),
        pytest.param(
            (
                START,
                ("estado-de-cuenta", "selfservice_unavailable"),
                ("facturacion", "transfer_done"),
            ),
            "transferred",
            "failure",
            id="ledger-down-then-billing-desk",
        ),
        pytest.param(
            (START, ("estado-de-cuenta", "selfservice")),
            "gave_up",
            "no_result",
            id="self-service-no-result",
        ),
        pytest.param(
            (START, ("help-desk", "after_hours", "help-desk", "1")),
            "after_hours",
            None,
            id="after-hours",
        ),
        pytest.param(
            (START, ("principal", "invalid"), ("principal", "failed", "invalid")),
            "flow_ended",
            None,
            id="too-many-invalid",
        ),
        pytest.param((START, ("despedida", "hangup")), "flow_ended", None, id="hangup-node"),
        pytest.param(
            (START, ("canales", "entered"), ("whatsapp", "message", "canales", "1")),
            "informed",
            None,
            id="heard-a-message",
        ),
        pytest.param((START, ("principal", "no_input")), "gave_up", None, id="silent"),
    ],
)
def test_how_a_call_ends(
    steps: tuple[tuple[str, ...], ...], ending: str, self_service: str | None
) -> None:
    summary = summarise_call(call(*steps))
    assert (summary.ending, summary.self_service) == (ending, self_service)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        pytest.param("selfservice_verified", True, id="verified"),
        pytest.param("selfservice_rejected", False, id="rejected"),
        pytest.param("selfservice_locked", False, id="locked"),
        pytest.param("selfservice_failed", False, id="three-failures"),
        pytest.param("selfservice_unavailable", False, id="ledger-down"),
        pytest.param("unconfigured", False, id="no-billing-config"),
        pytest.param("selfservice", None, id="entering"),
        pytest.param("selfservice_code", None, id="code-keyed"),
        pytest.param("selfservice_heard", None, id="statement-heard"),
        pytest.param("option", None, id="other-event"),
    ],
)
def test_self_service_result(event: str, expected: bool | None) -> None:
    assert self_service_result(event) is expected


def test_transfers_are_matched_with_their_result() -> None:
    summary = summarise_call(
        call(
            START,
            ("help-desk", "transfer", "helpdesk"),
            ("help-desk", "transfer_failed"),
            ("aula-virtual", "transfer", "aula-virtual"),
            ("aula-virtual", "transfer_done"),
            ("orientacion-padres", "transfer", "orientacion-padres"),
            ("orientacion-padres", "transfer_done"),
            ("facturacion", "transfer_failed"),  # its start was not recorded
            ("help-desk", "transfer", "helpdesk"),
        )
    )
    assert summary.queues == (
        "helpdesk",
        "aula-virtual",
        "orientacion-padres",
        "facturacion",
        "helpdesk",
    )
    assert summary.connected == (False, True, True, False, None)


# -- many calls ----------------------------------------------------------------------------------
def test_summarise_hand_made_calls() -> None:
    calls = [
        call(
            START,
            ("estudiantes", "entered", "", "2"),
            ("estudiantes", "invalid", "", "9"),
            ("help-desk", "transfer", "helpdesk", "1"),
            ("help-desk", "transfer_done"),
            duration=200,
            sid="CA1",
        ),
        call(START, ("estudiantes", "entered"), duration=30, sid="CA2"),
        call(
            START,
            ("estudiantes", "entered"),
            ("principal", "main_menu", "", "0"),
            ("estudiantes", "entered"),
            sid="CA3",
        ),
        call(START, ("help-desk", "after_hours", "help-desk"), duration=25, sid="CA4"),
        call(
            START,
            ("estado-de-cuenta", "selfservice"),
            ("estado-de-cuenta", "selfservice_code"),
            ("estado-de-cuenta", "selfservice_verified", "***123"),
            duration=95,
            sid="CA5",
        ),
        call(START, ("estado-de-cuenta", "selfservice", "", "5"), sid="CA6"),
    ]
    report = summarise(calls, DAY, DAY)
    assert report == Report(
        first_day=DAY,
        last_day=DAY,
        calls=6,
        per_campus=(("Breña", 6),),
        node_visits=(
            ("principal", 7, 6),
            ("estudiantes", 4, 3),
            ("estado-de-cuenta", 2, 2),
            ("help-desk", 2, 2),
        ),
        endings=(
            ("transferred", 1),
            ("self_service", 1),
            ("after_hours", 1),
            ("flow_ended", 0),
            ("informed", 0),
            ("gave_up", 3),
        ),
        gave_up_at=(("estudiantes", 2), ("estado-de-cuenta", 1)),
        after_hours=1,
        after_hours_at=(("help-desk", 1),),
        transfers=(QueueTransfers("helpdesk", 1, 1, 0),),
        self_service=(("success", 1), ("failure", 0), ("no_result", 1)),
        self_service_events=(("selfservice_verified", 1),),
        with_duration=4,
        total_duration_s=350,
        queues=(
            QueueFigures(
                desk="helpdesk",
                offered=1,
                answered=0,
                abandoned=0,
                left=(),
                failed=0,
                redirected=0,
                timed=0,
                total_wait_s=0,
                longest_wait_s=0,
            ),
        ),
    )
    assert report.average_duration_s == 87.5
    assert report.self_service_rate == 1.0


def test_an_empty_range() -> None:
    report = summarise([], DAY, DAY)
    assert (report.calls, report.average_duration_s, report.self_service_rate) == (0, None, None)


# -- the command ---------------------------------------------------------------------------------
@pytest.fixture
def invoke(make_app: Callable[..., Flask], make_recorder: MakeRecorder) -> Invoke:
    """Run ``ivr report`` on an app whose runtime holds a fresh recorder; 2026-11-19 in Lima."""

    def run(*args: str, recorder: object = None, **simulate: int) -> Result:
        app = make_app(CLOCK=Clock(datetime(2026, 11, 19, 9, 0, tzinfo=LIMA)))
        records = recorder if recorder is not None else make_recorder()
        if simulate and isinstance(records, SqlCallRecorder):
            config = app.extensions["ivr"].config
            simulate_day(records, DAY, config.menus, config.directory, **simulate)
        runtime = app.extensions["ivr"]
        runtime.calls.close()
        runtime.calls = records
        return app.test_cli_runner().invoke(report_command, list(args))

    return run


GOLDEN_DAY = (
    "Calls on 2026-11-18 (America/Lima): 200\n"
    "Average duration: 163.6 s over 200 calls\n"
    "\n"
    "Calls per campus\n"
    "  campus                                    calls  share\n"
    "  Los Olivos y Chorrillos                      51  25.5%\n"
    "  Trujillo El Molino y Trujillo San Isidro     48  24.0%\n"
    "  Breña                                        28  14.0%\n"
    "  Cajamarca                                    27  13.5%\n"
    "  Comas                                        23  11.5%\n"
    "  San Juan de Lurigancho                       21  10.5%\n"
    "  unknown                                       2   1.0%\n"
    "\n"
    "Node visits\n"
    "  node                     visits  calls\n"
    "  principal                   204    200\n"
    "  estudiantes                 132    132\n"
    "  aula-virtual                 46     46\n"
    "  canales                      38     38\n"
    "  help-desk                    29     29\n"
    "  estado-de-cuenta             21     21\n"
    "  orientacion-estudiantes      19     19\n"
    "  tickets                      17     17\n"
    "  quejas-reclamos               8      8\n"
    "  orientacion-padres            6      6\n"
    "  contacto-campus               4      4\n"
    "  whatsapp                      4      4\n"
    "  facturacion                   1      1\n"
    "\n"
    "How calls end\n"
    "  ending        calls  share\n"
    "  transferred      93  46.5%\n"
    "  self_service     15   7.5%\n"
    "  after_hours       8   4.0%\n"
    "  flow_ended       13   6.5%\n"
    "  informed         29  14.5%\n"
    "  gave_up          42  21.0%\n"
    "\n"
    "Where callers give up (42 calls hung up while being asked)\n"
    "  last node         calls  share\n"
    "  principal            21  50.0%\n"
    "  estudiantes          11  26.2%\n"
    "  canales               5  11.9%\n"
    "  estado-de-cuenta      5  11.9%\n"
    "\n"
    "After hours: 8 calls (4.0%)\n"
    "  closed transfer  times\n"
    "  aula-virtual         7\n"
    "  help-desk            1\n"
    "\n"
    "Transfers per queue\n"
    "  queue                    transfers  connected  not connected\n"
    "  aula-virtual                    39         31              8\n"
    "  helpdesk                        28         25              3\n"
    "  orientacion-estudiantes         19         16              3\n"
    "  orientacion-padres               6          5              1\n"
    "  facturacion                      1          1              0\n"
    "\n"
    "Queues: callers waiting for a desk\n"
    "  desk                     offered  answered  abandoned  lef"
    "t  failed  abandon rate  average wait  longest wait\n"
    "  aula-virtual                  39        31          3     "
    "3       2          7.7%         145 s         387 s\n"
    "  facturacion                    1         1          0     "
    "0       0          0.0%          66 s          66 s\n"
    "  helpdesk                      28        25          0     "
    "2       1          0.0%         164 s         600 s\n"
    "  orientacion-estudiantes       19        16          0     "
    "2       1          0.0%         144 s         380 s\n"
    "  orientacion-padres             6         5          0     "
    "1       0          0.0%         237 s         600 s\n"
    "\n"
    "Left the queue, by reason\n"
    "  desk                       reason  callers\n"
    "  aula-virtual             callback        3\n"
    "  helpdesk                 callback        1\n"
    "  helpdesk                 max_wait        1\n"
    "  orientacion-estudiantes  callback        2\n"
    "  orientacion-padres       max_wait        1\n"
    "\n"
    "Desks: the figures of the field (docs/operators.md)\n"
    "  desk                     offered  answered  abandoned  short abandons  left with callb"
    "ack  avg speed of answer  service level  callbacks requested  placed  reached  within es"
    "timate\n"
    "  aula-virtual                  39        31          3               0                 "
    "  3                129 s          12.8%                    0       0        0           "
    "     -\n"
    "  facturacion                    1         1          0               0                 "
    "  0                 66 s           0.0%                    0       0        0           "
    "     -\n"
    "  helpdesk                      28        25          0               0                 "
    "  1                141 s          10.7%                    0       0        0           "
    "     -\n"
    "  orientacion-estudiantes       19        16          0               0                 "
    "  2                123 s          26.3%                    0       0        0           "
    "     -\n"
    "  orientacion-padres             6         5          0               0                 "
    "  0                165 s          16.7%                    0       0        0           "
    "     -\n"
    "\n"
    "Desks per half hour\n"
    "  desk                            half hour  offered  answered  abandoned  short abandon"
    "s  left with callback  avg speed of answer  service level  callbacks requested  placed  "
    "reached  within estimate\n"
    "  aula-virtual             2026-11-18 09:30        2         1          1               "
    "0                   0                 75 s           0.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 10:00        4         2          1               "
    "0                   1                 92 s           0.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 10:30        1         1          0               "
    "0                   0                221 s           0.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 11:00        5         4          0               "
    "0                   1                119 s          20.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 11:30        4         4          0               "
    "0                   0                116 s          25.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 12:00        1         1          0               "
    "0                   0                143 s           0.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 12:30        2         2          0               "
    "0                   0                190 s           0.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 14:00        3         2          1               "
    "0                   0                138 s           0.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 15:00        4         2          0               "
    "0                   1                105 s          25.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 15:30        4         4          0               "
    "0                   0                160 s           0.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 16:00        3         3          0               "
    "0                   0                123 s           0.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 17:00        1         1          0               "
    "0                   0                 30 s         100.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 17:30        2         2          0               "
    "0                   0                 78 s          50.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 18:30        1         1          0               "
    "0                   0                222 s           0.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 20:00        1         0          0               "
    "0                   0                    -           0.0%                    0       0  "
    "      0                -\n"
    "  aula-virtual             2026-11-18 20:30        1         1          0               "
    "0                   0                153 s           0.0%                    0       0  "
    "      0                -\n"
    "  facturacion              2026-11-18 11:00        1         1          0               "
    "0                   0                 66 s           0.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 10:00        3         2          0               "
    "0                   0                122 s           0.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 10:30        2         2          0               "
    "0                   0                183 s           0.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 11:00        2         2          0               "
    "0                   0                 20 s         100.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 11:30        2         2          0               "
    "0                   0                172 s           0.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 12:30        2         2          0               "
    "0                   0                198 s           0.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 13:30        2         2          0               "
    "0                   0                 70 s          50.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 14:30        1         0          0               "
    "0                   1                    -           0.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 15:00        2         2          0               "
    "0                   0                 84 s           0.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 15:30        2         2          0               "
    "0                   0                204 s           0.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 16:00        2         2          0               "
    "0                   0                183 s           0.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 16:30        2         2          0               "
    "0                   0                156 s           0.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 17:00        3         2          0               "
    "0                   0                134 s           0.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 17:30        2         2          0               "
    "0                   0                190 s           0.0%                    0       0  "
    "      0                -\n"
    "  helpdesk                 2026-11-18 18:00        1         1          0               "
    "0                   0                 85 s           0.0%                    0       0  "
    "      0                -\n"
    "  orientacion-estudiantes  2026-11-18 09:00        1         1          0               "
    "0                   0                184 s           0.0%                    0       0  "
    "      0                -\n"
    "  orientacion-estudiantes  2026-11-18 10:00        1         0          0               "
    "0                   1                    -           0.0%                    0       0  "
    "      0                -\n"
    "  orientacion-estudiantes  2026-11-18 10:30        3         2          0               "
    "0                   1                168 s           0.0%                    0       0  "
    "      0                -\n"
    "  orientacion-estudiantes  2026-11-18 11:00        2         2          0               "
    "0                   0                 28 s         100.0%                    0       0  "
    "      0                -\n"
    "  orientacion-estudiantes  2026-11-18 11:30        3         2          0               "
    "0                   0                190 s           0.0%                    0       0  "
    "      0                -\n"
    "  orientacion-estudiantes  2026-11-18 12:00        2         2          0               "
    "0                   0                 78 s          50.0%                    0       0  "
    "      0                -\n"
    "  orientacion-estudiantes  2026-11-18 12:30        2         2          0               "
    "0                   0                 62 s          50.0%                    0       0  "
    "      0                -\n"
    "  orientacion-estudiantes  2026-11-18 13:30        1         1          0               "
    "0                   0                155 s           0.0%                    0       0  "
    "      0                -\n"
    "  orientacion-estudiantes  2026-11-18 14:00        1         1          0               "
    "0                   0                163 s           0.0%                    0       0  "
    "      0                -\n"
    "  orientacion-estudiantes  2026-11-18 15:00        1         1          0               "
    "0                   0                189 s           0.0%                    0       0  "
    "      0                -\n"
    "  orientacion-estudiantes  2026-11-18 16:30        1         1          0               "
    "0                   0                 55 s         100.0%                    0       0  "
    "      0                -\n"
    "  orientacion-estudiantes  2026-11-18 18:30        1         1          0               "
    "0                   0                172 s           0.0%                    0       0  "
    "      0                -\n"
    "  orientacion-padres       2026-11-18 09:30        1         0          0               "
    "0                   0                    -           0.0%                    0       0  "
    "      0                -\n"
    "  orientacion-padres       2026-11-18 10:30        1         1          0               "
    "0                   0                174 s           0.0%                    0       0  "
    "      0                -\n"
    "  orientacion-padres       2026-11-18 15:00        1         1          0               "
    "0                   0                162 s           0.0%                    0       0  "
    "      0                -\n"
    "  orientacion-padres       2026-11-18 15:30        1         1          0               "
    "0                   0                 28 s         100.0%                    0       0  "
    "      0                -\n"
    "  orientacion-padres       2026-11-18 17:00        1         1          0               "
    "0                   0                221 s           0.0%                    0       0  "
    "      0                -\n"
    "  orientacion-padres       2026-11-18 19:00        1         1          0               "
    "0                   0                239 s           0.0%                    0       0  "
    "      0                -\n"
    "\n"
    "Self-service: 80.0% success (16 calls verified, 4 failed, 1 hung up before a result)\n"
    "  result                   times\n"
    "  selfservice_verified        16\n"
    "  selfservice_rejected         4\n"
    "  selfservice_failed           1\n"
    "  selfservice_locked           1\n"
    "  selfservice_unavailable      1\n"
)


def test_report_of_a_simulated_day(invoke: Invoke) -> None:
    result = invoke("--from", "2026-11-18", "--to", "2026-11-18", calls=200, seed=24)
    assert result.exit_code == 0, result.output
    assert result.output == GOLDEN_DAY


def test_the_report_agrees_with_the_raw_records(make_recorder: MakeRecorder) -> None:
    """Count a simulated day straight from SQL, independently of the report's code."""
    recorder = make_recorder()
    simulate_day(recorder, DAY, *shipped_callers(), calls=300, seed=11)
    start = datetime(2026, 11, 18, tzinfo=LIMA)
    report = summarise(recorder.calls(start, start + timedelta(days=1)), DAY, DAY)
    db = recorder.engine.connect()

    def sql(query: str) -> list[tuple[object, ...]]:
        return [tuple(row) for row in db.execute(text(query))]

    try:
        assert sql("SELECT count(DISTINCT call_sid) FROM call_steps") == [(report.calls,)]
        assert report.calls == 300
        assert sql(
            "SELECT campus, count(*) FROM call_steps WHERE event = 'call_start' "
            "GROUP BY campus ORDER BY 1"
        ) == sorted(report.per_campus)
        assert sql(
            "SELECT detail, count(*) FROM call_steps WHERE event = 'transfer' "
            "GROUP BY detail ORDER BY 1"
        ) == sorted((t.queue, t.transfers) for t in report.transfers)
        assert sql(
            "SELECT count(DISTINCT call_sid) FROM call_steps WHERE event = 'after_hours'"
        ) == [(report.after_hours,)]
        assert sql(
            "SELECT count(DISTINCT call_sid) FROM call_steps WHERE event = 'selfservice_verified'"
        ) == [(dict(report.self_service)["success"],)]
        assert sql(
            "SELECT event, count(*) FROM call_steps WHERE event IN ('selfservice_verified',"
            " 'selfservice_rejected', 'selfservice_locked', 'selfservice_failed',"
            " 'selfservice_unavailable') GROUP BY event ORDER BY 1"
        ) == sorted(report.self_service_events)
        texts = sql("SELECT detail || ' ' || said FROM call_steps")
        assert not [text for (text,) in texts if re.search(r"\d{4}", str(text))]  # no codes
        assert sql("SELECT sum(duration_s), count(*) FROM call_statuses") == [
            (report.total_duration_s, report.with_duration)
        ]
    finally:
        db.close()
    assert sum(n for _, n in report.endings) == 300


def test_simulation_is_deterministic() -> None:
    first = simulate_day(NullCallRecorder(), DAY, *shipped_callers(), calls=50, seed=3)
    assert simulate_day(NullCallRecorder(), DAY, *shipped_callers(), calls=50, seed=3) == first
    assert simulate_day(NullCallRecorder(), DAY, *shipped_callers(), calls=50, seed=4) != first
    assert first[:2] == ("CAf6e6222e6b2042225dc707aba930a5f5", "CA42f8de56182a628e7efe1b2bd284a889")


def test_summary_csv(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    result = invoke(
        "--from", "2026-11-18", "--to", "2026-11-18", "--csv", str(out), calls=200, seed=24
    )
    assert result.exit_code == 0, result.output
    assert result.output.endswith(f"Wrote {out}\n")
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[:6] == [
        ["section", "key", "value"],
        ["range", "from", "2026-11-18"],
        ["range", "to", "2026-11-18"],
        ["calls", "total", "200"],
        ["calls", "with_duration", "200"],
        ["calls", "average_duration_s", "163.6"],
    ]
    assert ["transfers", "helpdesk", "28"] in rows
    assert ["transfers_connected", "helpdesk", "25"] in rows
    assert ["gave_up_at", "principal", "21"] in rows
    assert ["after_hours", "calls", "8"] in rows
    assert rows[-9:] == [
        ["selfservice_event", "selfservice_verified", "16"],
        ["selfservice_event", "selfservice_rejected", "4"],
        ["selfservice_event", "selfservice_failed", "1"],
        ["selfservice_event", "selfservice_locked", "1"],
        ["selfservice_event", "selfservice_unavailable", "1"],
        ["selfservice", "success", "16"],
        ["selfservice", "failure", "4"],
        ["selfservice", "no_result", "1"],
        ["selfservice", "success_rate", "0.800"],
    ]


def test_calls_csv(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "calls.csv"
    result = invoke("--to", "2026-11-18", "--calls-csv", str(out), calls=200, seed=24)
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 201
    assert rows[:3] == [
        [
            "call_sid", "started_at", "campus", "steps", "path", "last_node", "ending",
            "queues", "after_hours", "selfservice", "call_status", "duration_s",
        ],
        [
            "CA21dc4e407096ddfa238503fece6939cc", "2026-11-18T07:04:29-05:00", "Comas", "4",
            "principal", "principal", "flow_ended", "", "no", "", "completed", "44",
        ],
        [
            "CA04c70e1fbabbf72d1c4288bb56ef08b6", "2026-11-18T08:05:08-05:00",
            "San Juan de Lurigancho", "3", "principal>estudiantes>aula-virtual", "aula-virtual",
            "after_hours", "", "yes", "", "completed", "33",
        ],
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("lima_time", "counted_on"),
    [
        pytest.param(datetime(2026, 11, 18, 0, 0, tzinfo=LIMA), "2026-11-18", id="midnight"),
        pytest.param(
            datetime(2026, 11, 18, 23, 59, 59, tzinfo=LIMA), "2026-11-18", id="last-second"
        ),
        pytest.param(
            datetime(2026, 11, 19, 4, 30, tzinfo=UTC), "2026-11-18", id="utc-next-day-lima-same"
        ),
        pytest.param(datetime(2026, 11, 19, 0, 0, tzinfo=LIMA), "2026-11-19", id="next-midnight"),
    ],
)
def test_calls_belong_to_their_lima_day(
    invoke: Invoke, make_recorder: MakeRecorder, lima_time: datetime, counted_on: str
) -> None:
    recorder = make_recorder()
    recorder.step("CA1", lima_time, "Comas", "principal", "call_start", "")
    recorder.flush()
    for day in ("2026-11-18", "2026-11-19"):
        result = invoke("--from", day, "--to", day, recorder=recorder)
        expected = 1 if day == counted_on else 0
        assert result.output.startswith(f"Calls on {day} (America/Lima): {expected}\n")


def test_default_range_is_today_in_lima(invoke: Invoke, make_recorder: MakeRecorder) -> None:
    recorder = make_recorder()
    recorder.step(
        "CA1", datetime(2026, 11, 19, 8, 0, tzinfo=LIMA), None, "principal", "call_start", ""
    )
    recorder.flush()
    result = invoke(recorder=recorder)
    assert result.exit_code == 0
    assert result.output.splitlines()[:6] == [
        "Calls on 2026-11-19 (America/Lima): 1",
        "Average duration: -",
        "",
        "Calls per campus",
        "  campus   calls   share",
        "  unknown      1  100.0%",
    ]


def test_a_range_of_days(invoke: Invoke) -> None:
    result = invoke("--from", "2026-11-17", calls=10, seed=1)
    assert result.output.startswith("Calls from 2026-11-17 to 2026-11-19 (America/Lima): 10\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ("--from", "2026-11-20", "--to", "2026-11-18"),
            "Invalid value for --from: 2026-11-20 is after --to 2026-11-18",
            id="reversed",
        ),
        pytest.param(
            ("--from", "18/11/2026"),
            "Invalid value for '--from': '18/11/2026' is not a date: write it as YYYY-MM-DD",
            id="bad-date",
        ),
    ],
)
def test_bad_dates(invoke: Invoke, args: tuple[str, ...], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: {message}"


class _WriteOnly:
    """A recorder that cannot read its calls back (what ``ivr report`` refuses)."""

    def close(self) -> None:
        return None


def test_without_call_records(invoke: Invoke) -> None:
    result = invoke(recorder=_WriteOnly())
    assert result.exit_code == 1
    assert result.output == "Error: this deployment keeps no call records\n"


def test_records_option_reads_another_file(invoke: Invoke, tmp_path: Path) -> None:
    demo = SqliteCallRecorder(tmp_path / "demo.sqlite3", flush_seconds=60)
    simulate_day(demo, DAY, *shipped_callers(), calls=7, seed=2)
    demo.close()
    result = invoke("--from", "2026-11-18", "--to", "2026-11-18", "--records", str(demo.path))
    assert result.output.startswith("Calls on 2026-11-18 (America/Lima): 7\n")


def test_simulate_calls_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_CONFIG_DIR", str(ROOT))  # the callers walk the shipped files
    into = tmp_path / "demo-calls.sqlite3"
    result = CliRunner().invoke(
        simulate_calls_command,
        ["--day", "2026-11-18", "--calls", "25", "--seed", "9", "--into", str(into)],
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"Recorded 25 simulated calls on 2026-11-18 in {into}\n"
    engine = make_engine(sqlite_url(into))
    with engine.connect() as db:
        assert db.execute(text("SELECT count(DISTINCT call_sid) FROM call_steps")).all() == [(25,)]
    engine.dispose()


def test_simulate_calls_without_operator_files_says_so(tmp_path: Path) -> None:
    into = tmp_path / "demo-calls.sqlite3"
    args = ["--day", "2026-11-18", "--into", str(into)]
    result = CliRunner().invoke(simulate_calls_command, args)
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot simulate calls: campuses.yaml: file not found")
    assert not into.exists()


def test_the_simulated_callers_dial_the_directorys_lines(make_recorder: MakeRecorder) -> None:
    menus, _ = shipped_callers()
    north = Campus("norte", "Norte", "Lima", "+5110000001", "(01) 000-0001")
    south = Campus("sur", "Sur", "Lima", "+5110000002", "(01) 000-0002")
    east = Campus("este", "Este", "Lima", "+5110000002", "(01) 000-0002")
    recorder = make_recorder()
    simulate_day(recorder, DAY, menus, Directory.build((north, south, east)), calls=90, seed=1)
    report = sql_report(recorder.engine, DAY, DAY, datetime(2026, 11, 19, 9, 0, tzinfo=LIMA))
    shares = dict(report.per_campus)
    assert set(shares) == {"Norte", "Sur y Este", "unknown"}
    assert shares["Sur y Este"] > shares["Norte"]  # two campuses on one number: twice the calls


def test_unreadable_call_records(invoke: Invoke, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "missing" / "calls.sqlite3"))
    result = invoke("--to", "2026-11-18", recorder=SqlCallRecorder(engine))
    engine.dispose()
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot read the call records: ")


def test_a_call_in_progress_is_not_a_caller_who_gave_up(
    invoke: Invoke, make_recorder: MakeRecorder
) -> None:
    recorder = make_recorder()
    now = datetime(2026, 11, 19, 9, 0, tzinfo=LIMA)  # the invoke fixture's clock
    recorder.step("CA1", now - timedelta(minutes=3), "Comas", "principal", "call_start", "")
    recorder.step("CA2", now - timedelta(hours=2), "Comas", "principal", "call_start", "")
    recorder.flush()
    result = invoke(recorder=recorder)
    assert "  gave_up           1  50.0%\n  in_progress       1  50.0%\n" in result.output
    assert "Where callers give up (1 calls hung up while being asked)" in result.output
