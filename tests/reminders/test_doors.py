"""Every door to the reminders: BAJA by SMS, key 5 in the IVR, the CLI, the console, the report."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from lxml import etree
from sqlalchemy import select

from ivr.actions.reminders import DayPlan, plan_day
from ivr.clock import LIMA
from ivr.runtime import Runtime
from ivr.storage.console import ConsoleStore, hash_password
from ivr.storage.reminders import ReminderStore
from ivr.storage.schema import console_audit
from tests.console.conftest import PASSWORD, log_in
from tests.helpers import TOKEN, Caller, Clock, sign
from tests.reminders.conftest import (
    OPTED_OUT,
    SID,
    FakeTwilio,
    enable_reminders,
    load_ledger,
    texts,
)

FRIDAY_9AM = datetime(2026, 11, 27, 9, 0, tzinfo=LIMA)  # cuota 4's reminders to A and E
MESSAGING_STOPPED = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Listo: ya no le enviaremos '
    "recordatorios de pago por mensaje de texto. Para volver a recibirlos, comuníquese con "
    "nosotros.</Message></Response>"
)


@pytest.fixture
def app(
    config_dir: Path,
    make_app: Callable[..., Flask],
    twilio_api: FakeTwilio,
    clock: Clock,
    tmp_path: Path,
) -> Flask:
    enable_reminders(config_dir)
    clock.set(FRIDAY_9AM)
    application = make_app(TWILIO_ACCOUNT_SID=SID, IVR_TWILIO_API_URL=twilio_api.url)
    runtime = runtime_of(application)
    load_ledger(runtime, tmp_path / "exports")
    ReminderStore(runtime.engine).opt_out(FRIDAY_9AM, "cli", number=OPTED_OUT)
    return application


def runtime_of(app: Flask) -> Runtime:
    runtime = app.extensions["ivr"]
    assert isinstance(runtime, Runtime)
    return runtime


def plan(app: Flask) -> DayPlan:
    return plan_day(runtime_of(app), FRIDAY_9AM.date())


def audit(app: Flask) -> list[tuple[str, str, str]]:
    with runtime_of(app).engine.connect() as conn:
        rows = conn.execute(
            select(console_audit.c.actor, console_audit.c.action, console_audit.c.detail)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _script_info(app: Flask) -> object:
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def cli(app: Flask, *args: str) -> Result:
    from ivr.cli import ivr

    return CliRunner().invoke(ivr, list(args), obj=_script_info(app))


# -- BAJA by SMS --------------------------------------------------------------------------------
def text_in(app: Flask, body: str, *, signed: bool = True) -> tuple[int, str]:
    data = {"MessageSid": "SM" + "3" * 32, "From": "+51987654321", "To": "+5116044799",
            "Body": body}  # fmt: skip
    headers = {"X-Twilio-Signature": sign("http://localhost/sms/inbound", data, TOKEN)}
    with app.test_client() as client:
        answer = client.post("/sms/inbound", data=data, headers=headers if signed else {})
    return answer.status_code, answer.get_data(as_text=True)


def test_baja_by_sms_opts_the_number_out(app: Flask) -> None:
    assert text_in(app, " Baja ") == (200, MESSAGING_STOPPED)
    assert ReminderStore(runtime_of(app).engine).opted_out(number="+51987654321")
    assert audit(app) == [("sms:***321", "reminder_optout", "***321")]
    verdicts = {p.number: p.decision.verdict for p in plan(app).planned}
    assert verdicts["+51987654321"] == "opted_out"


def test_any_other_text_gets_an_empty_answer_and_a_forged_one_403(app: Flask) -> None:
    status, body = text_in(app, "hola, cuanto debo?")
    assert status == 200 and etree.fromstring(body.encode()).tag == "Response"
    assert not len(etree.fromstring(body.encode()))
    assert text_in(app, "BAJA", signed=False)[0] == 403
    assert not ReminderStore(runtime_of(app).engine).opted_out(number="+51987654321")


# -- key 5 after verification -----------------------------------------------------------------
def says(data: bytes) -> list[str]:
    return [el.text or "" for el in etree.fromstring(data).iter("Say")]


def test_key_5_after_verification_stops_them(app: Flask) -> None:
    with app.test_client() as client:
        caller = Caller(client)
        asked_dni = caller.post(caller.code_prompt(), Digits="00200005")
        statement = caller.follow(asked_dni, Digits="1235")
        assert (
            "Para dejar de recibir recordatorios de pago por mensaje de texto, marque 5."
            in says(statement.data)[-1]
        )
        stopped = caller.follow(statement, Digits="5")
    assert says(stopped.data)[0] == (
        "Listo. Ya no le enviaremos recordatorios de pago por mensaje de texto."
    )
    verdicts = {p.number: p.decision.verdict for p in plan(app).planned}
    assert verdicts["+51987654325"] == "opted_out"
    assert audit(app) == [("ivr:***005", "reminder_optout", "***005")]


def test_key_5_is_not_offered_while_they_are_off(app: Flask, config_dir: Path) -> None:
    (config_dir / "billing" / "reminders.yaml").write_text("enabled: false\n", encoding="utf-8")
    assert runtime_of(app).reload()
    with app.test_client() as client:
        caller = Caller(client)
        statement = caller.follow(caller.post(caller.code_prompt(), Digits="00200005"),
                                  Digits="1235")  # fmt: skip
        assert "marque 5" not in " ".join(says(statement.data))
        assert "no es válida" in says(caller.follow(statement, Digits="5").data)[0]


# -- the CLI ------------------------------------------------------------------------------------
def test_preview_explains_each_one_and_sends_nothing(app: Flask, twilio_api: FakeTwilio) -> None:
    result = cli(app, "reminders", "preview", "--date", "2026-11-27")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == ["Reminders for 2026-11-27", "2 to send, 2 skipped"]
    assert lines[2] == (
        "  send       ***001 ***321 2026-2 cuota 4 before   due 2026-11-30 S/ 988.50: se envía"
    )
    assert "opted_out  ***003 ***323 2026-2 cuota 4 before" in result.output
    assert "pidió no recibirlos" in result.output
    assert "paid       ***002 ***322 2026-2 cuota 4 before" in result.output
    assert "S/ 488.50" in result.output  # E paid 500.00 of cuota 4 on 25 November
    as_json = json.loads(cli(app, "reminders", "preview", "--date", "2026-11-28", "--json").output)
    assert as_json["closed"] == "sábado"
    assert twilio_api.requests == []


def test_send_only_inside_the_window_and_once(
    app: Flask, twilio_api: FakeTwilio, clock: Clock
) -> None:
    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=LIMA))
    held = cli(app, "reminders", "send")
    assert held.output == (
        "Nothing sent: outside the permitted window (Monday to Friday 07:00-20:00, not on "
        "holidays or closures); next: Mon 2026-11-30 07:00.\n"
    )
    clock.set(FRIDAY_9AM)
    first = cli(app, "reminders", "send")
    assert first.output == (
        "2 sent, 0 failed, 0 waiting, 0 sent by another run; dropped: 1 opted_out, 1 paid.\n"
    )
    assert cli(app, "reminders", "send").output.startswith("0 sent, 0 failed, 0 waiting")
    assert sorted(t["To"] for t in texts(twilio_api)) == ["+51987654321", "+51987654325"]
    report = cli(app, "report", "--from", "2026-11-27", "--to", "2026-11-27").output
    assert report.endswith(
        "Reminders by SMS\n  sent 2 · failed 0 · skipped 2 (1 opted_out, 1 paid) · opted out 1\n"
    )


def test_optout_and_optin_by_number(app: Flask) -> None:
    bad = cli(app, "reminders", "optout", "01 604 4700")
    assert bad.exit_code == 2
    assert "'01 604 4700' is not a Peruvian mobile" in bad.output
    added = cli(app, "reminders", "optout", "987 654 321")
    assert added.output == "***321 gets no more reminders.\n"
    assert cli(app, "reminders", "optout", "987654321").output == "***321 had opted out already.\n"
    assert cli(app, "reminders", "optin", "987654321").output == "***321 gets reminders again.\n"
    again = cli(app, "reminders", "optin", "987654321")
    assert again.exit_code == 2 and "***321 is not on the opt-out list" in again.output


def test_send_refuses_when_twilio_is_not_configured(
    config_dir: Path, make_app: Callable[..., Flask], clock: Clock
) -> None:
    enable_reminders(config_dir)
    clock.set(FRIDAY_9AM)
    result = cli(make_app(), "reminders", "send")
    assert result.exit_code == 1
    assert result.output == (
        "Error: Twilio is not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN\n"
    )


# -- the console ---------------------------------------------------------------------------------
def test_the_console_shows_each_day(app: Flask) -> None:
    cli(app, "reminders", "send")
    ConsoleStore(runtime_of(app).engine).add("beto", "viewer", hash_password(PASSWORD), FRIDAY_9AM)
    with app.test_client() as client:
        assert log_in(client, "beto").status_code == 302
        page = client.get("/console/reminders").get_data(as_text=True)
    assert ">Recordatorios</a>" in page
    row = page.split('<th scope="row">viernes 27 de noviembre de 2026</th>')[1].split("</tr>")[0]
    assert row == (
        "<td>2</td><td>0</td><td>2</td><td>1 pidió no recibirlos, 1 cuota pagada</td><td>1</td>"
    )
    assert "987654" not in page and "N00200" not in page
