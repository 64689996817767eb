"""Leaving a desk's queue: a callback, an SMS, the line closing, the maximum wait."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from lxml import etree

from ivr.clock import LIMA
from ivr.runtime import Runtime
from ivr.storage.callbacks import Callback
from tests.helpers import Caller, Clock, assert_valid_twiml, assert_valid_wait_twiml
from tests.queue.standin import SID, SMS_TEXT, FakeTwilio, press, says, settled

WAIT = "/voice/wait/help-desk?s=3&t=principal.estudiantes"
ACTION = "/voice/transfer/help-desk?s=3&t=principal.estudiantes"


def verbs(data: bytes) -> list[str]:
    return [el.tag for el in etree.fromstring(data)]


def callbacks(app: Flask) -> list[Callback]:
    runtime = app.extensions["ivr"]
    assert isinstance(runtime, Runtime)
    return runtime.callbacks.list()


def step_events(app: Flask) -> list[tuple[str, str]]:
    runtime: Runtime = app.extensions["ivr"]
    runtime.calls.flush()
    start = datetime(2026, 1, 1, tzinfo=LIMA)
    end = datetime(2027, 1, 1, tzinfo=LIMA)
    return [(s.event, s.detail) for call in runtime.calls.calls(start, end) for s in call.steps]  # type: ignore[attr-defined]


# -- the callback --------------------------------------------------------------------------------
def test_callback_to_the_calling_number(app: Flask, caller: Caller) -> None:
    waiting = caller.post(WAIT, QueuePosition="3")
    confirm = press(caller, waiting, "1")
    assert_valid_wait_twiml(confirm.data)
    assert says(confirm.data)[0] == (
        "Le devolveremos la llamada al nueve nueve nueve, ocho ocho ocho, siete siete siete. "
        "Si es correcto, marque 1. Para indicar otro número, marque 2. Para seguir esperando, "
        "marque asterisco."
    )
    left = press(caller, confirm, "1")
    assert (
        left.data.decode() == '<?xml version="1.0" encoding="UTF-8"?><Response><Leave /></Response>'
    )
    assert_valid_wait_twiml(left.data)
    [stored] = callbacks(app)
    assert (stored.number, stored.desk, stored.campus, stored.status) == (
        "+51999888777",
        "helpdesk",
        "Breña",
        "pending",
    )
    assert stored.requested_at == datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)
    after = caller.post(ACTION, QueueResult="leave", QueueTime="95")
    assert_valid_twiml(after.data)
    assert says(after.data)[0] == (
        "Registramos su pedido. Le devolveremos la llamada al nueve nueve nueve, ocho ocho ocho, "
        "siete siete siete en cuanto un asesor esté disponible."
    )
    assert says(after.data)[-1] == "Gracias por llamar. Hasta pronto."
    assert verbs(after.data)[-1] == "Hangup"
    # the number is masked in the call records
    events = step_events(app)
    assert ("queue_left", "helpdesk callback 95") in events
    assert all("999888777" not in detail for _, detail in events)


def test_callback_to_another_number_keyed_and_read_back(app: Flask, caller: Caller) -> None:
    confirm = press(caller, caller.post(WAIT, QueuePosition="2"), "1")
    ask = press(caller, confirm, "2")
    assert_valid_wait_twiml(ask.data)
    gather = etree.fromstring(ask.data).find("Gather")
    assert gather is not None and gather.get("finishOnKey") == "#"
    assert says(ask.data)[0].startswith("Marque el número al que debemos llamarle")
    # the university's own central, (01) 604-4700, is never called back
    again = press(caller, ask, "016044700")
    assert says(again.data)[0] == "Ese número no está completo o no es válido."
    read_back = press(caller, again, "012345678")
    # (01) 234-5678, as Peruvians say it
    assert says(read_back.data)[0].startswith(
        "Le devolveremos la llamada al cero uno, dos tres cuatro, cinco seis siete ocho."
    )
    assert press(caller, read_back, "1").data.endswith(b"<Leave /></Response>")
    assert [c.number for c in callbacks(app)] == ["+5112345678"]


@pytest.mark.parametrize("keyed", ["98765", "30123456", "9876543210"])
def test_a_short_or_malformed_number_is_asked_again_and_nothing_stored(
    app: Flask, caller: Caller, keyed: str
) -> None:
    ask = press(caller, press(caller, caller.post(WAIT, QueuePosition="2"), "1"), "2")
    again = press(caller, ask, keyed)
    assert_valid_wait_twiml(again.data)
    assert says(again.data)[:2] == [
        "Ese número no está completo o no es válido.",
        "Marque el número al que debemos llamarle: un celular de nueve dígitos, o un teléfono "
        "fijo con su código de ciudad. Al final, marque la tecla numeral.",
    ]
    assert "Leave" not in verbs(again.data)
    assert callbacks(app) == []
    # the third wrong number: back to waiting, still nothing stored
    third = press(caller, press(caller, again, keyed), keyed)
    assert says(third.data) == ["Lo sentimos, no pudimos registrar su pedido. Sigue en espera."]
    assert callbacks(app) == []


def test_silence_keeps_the_caller_waiting(app: Flask, caller: Caller) -> None:
    confirm = press(caller, caller.post(WAIT, QueuePosition="2"), "1")
    # Twilio falls through the <Gather> on silence: the caller hears this, then the wait URL again
    assert verbs(confirm.data) == ["Gather", "Say"]
    assert says(confirm.data)[-1] == "No recibimos ninguna opción. Sigue en espera."
    kept = press(caller, confirm, "*")
    assert says(kept.data) == ["Sigue en espera."]
    assert callbacks(app) == []


def test_confirming_twice_stores_one_request(app: Flask, caller: Caller) -> None:
    confirm = press(caller, caller.post(WAIT, QueuePosition="2"), "1")
    press(caller, confirm, "1")
    press(caller, confirm, "1")  # Twilio retried the webhook
    assert len(callbacks(app)) == 1


def test_caller_without_a_peruvian_number_is_asked_for_one(app: Flask, caller: Caller) -> None:
    caller.call["From"] = "anonymous"
    ask = press(caller, caller.post(WAIT, QueuePosition="2"), "1")
    assert says(ask.data)[0].startswith("Marque el número al que debemos llamarle")


# -- closing time and the maximum wait -----------------------------------------------------------
def test_the_line_closing_takes_the_caller_out_and_offers_a_callback(
    app: Flask, caller: Caller, clock: Clock
) -> None:
    clock.set(datetime(2026, 11, 21, 13, 59, tzinfo=LIMA))  # Saturday, closing at 14:00
    assert verbs(caller.post(WAIT, QueuePosition="1", QueueTime="10").data) == ["Gather"]
    clock.set(datetime(2026, 11, 21, 14, 0, 20, tzinfo=LIMA))
    out = caller.post(WAIT, QueuePosition="1", QueueTime="90")
    assert verbs(out.data) == ["Leave"]
    after = caller.post(ACTION, QueueResult="leave", QueueTime="92")
    assert_valid_twiml(after.data)
    assert says(after.data) == [
        "La central acaba de cerrar y ya no podemos comunicarle con Help Desk.",
        "Volvemos a atender el lunes 23 de noviembre a las 9 de la mañana.",
        "Si desea que le devolvamos la llamada al nueve nueve nueve, ocho ocho ocho, siete "
        "siete siete, marque 1. Si no, puede colgar.",
    ]
    accepted = caller.follow(after, Digits="1")
    assert_valid_twiml(accepted.data)
    assert says(accepted.data)[0].startswith("Registramos su pedido.")
    assert verbs(accepted.data)[-1] == "Hangup"
    assert [(c.number, c.desk) for c in callbacks(app)] == [("+51999888777", "helpdesk")]
    assert ("queue_left", "helpdesk closing 92") in step_events(app)


def test_an_emergency_override_takes_waiting_callers_out(
    app: Flask, caller: Caller, clock: Clock
) -> None:
    runtime: Runtime = app.extensions["ivr"]
    runtime.override_store.set("Cerrado por emergencia.", None, clock())
    assert verbs(caller.post(WAIT, QueuePosition="1").data) == ["Leave"]
    after = caller.post(ACTION, QueueResult="leave", QueueTime="30")
    assert says(after.data)[0] == (
        "La central acaba de cerrar y ya no podemos comunicarle con Help Desk."
    )


def test_the_maximum_wait_takes_the_caller_out(app: Flask, caller: Caller) -> None:
    assert verbs(caller.post(WAIT, QueuePosition="4", QueueTime="599").data) == ["Gather"]
    assert verbs(caller.post(WAIT, QueuePosition="4", QueueTime="600").data) == ["Leave"]
    after = caller.post(ACTION, QueueResult="leave", QueueTime="601")
    assert_valid_twiml(after.data)
    assert says(after.data)[0] == (
        "Lamentamos la demora: todos los asesores de Help Desk siguen ocupados."
    )
    assert says(after.data)[1].startswith("Si desea que le devolvamos la llamada")
    declined = caller.follow(after)  # silence: the redirect, no digits
    assert verbs(declined.data)[-1] == "Hangup"
    assert callbacks(app) == []


def test_maximum_wait_is_configurable(config_dir: Path, make_app: Callable[..., Flask]) -> None:
    (config_dir / "queues.yaml").write_text(
        "defaults:\n  max_wait: 2\ncallback: {enabled: true}\n", encoding="utf-8"
    )
    with make_app().test_client() as client:
        caller = Caller(client)
        assert verbs(caller.post(WAIT, QueuePosition="4", QueueTime="119").data) == ["Gather"]
        assert verbs(caller.post(WAIT, QueuePosition="4", QueueTime="120").data) == ["Leave"]


# -- the SMS, through a local stand-in for Twilio's REST API (tests/queue/conftest.py) ----
def test_sms_with_the_channels(sms_app: Flask, twilio_api: FakeTwilio) -> None:
    with sms_app.test_client() as client:
        caller = Caller(client)
        waiting = caller.post(WAIT, QueuePosition="5")
        assert "marque 2." in says(waiting.data)[0]
        sending = press(caller, waiting, "2")
        assert_valid_wait_twiml(sending.data)
        # on its way, and the caller keeps their place: the wait URL comes again after this
        assert verbs(sending.data) == ["Say"]
        assert says(sending.data) == [
            "Le enviaremos en unos momentos un mensaje de texto con nuestro WhatsApp y el enlace "
            "para registrar un ticket. Sigue en espera."
        ]
        message = settled(sms_app, caller.call["CallSid"])
        assert (message.status, message.number, message.sid) == ("sent", "***777", "SM" + "2" * 32)
        [(path, body)] = twilio_api.requests
        assert path == f"/2010-04-01/Accounts/{SID}/Messages.json"
        assert body == {"To": ["+51999888777"], "From": ["+5116044799"], "Body": [SMS_TEXT]}
        again = press(caller, waiting, "2")  # pressed again
        assert says(again.data) == ["Ya le enviamos el mensaje de texto. Sigue en espera."]
        assert len(twilio_api.requests) == 1
    assert ("queue_sms", "sending") in step_events(sms_app)
    assert callbacks(sms_app) == []


@pytest.mark.parametrize("status", [400, 500])
def test_sms_refused_by_twilio_is_recorded_and_the_channels_said_when_asked_again(
    sms_app: Flask, twilio_api: FakeTwilio, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    twilio_api.status = status
    with sms_app.test_client() as client:
        caller = Caller(client)
        waiting = caller.post(WAIT, QueuePosition="5")
        answer = press(caller, waiting, "2")
        assert_valid_wait_twiml(answer.data)
        assert "Leave" not in verbs(answer.data)  # still waiting for the desk
        assert says(answer.data)[0].startswith("Le enviaremos en unos momentos")
        message = settled(sms_app, caller.call["CallSid"])
        assert message.status == "failed"
        assert message.detail is not None and message.detail.startswith(str(status))
        assert len(twilio_api.requests) == 1  # the library does not retry on its own
        again = press(caller, waiting, "2")
        assert says(again.data)[0].startswith("Lo sentimos, no pudimos enviarle el mensaje.")
        assert "nueve uno cuatro, ocho cero cero, ocho cero cero" in says(again.data)[0]
        assert len(twilio_api.requests) == 1  # one text per call, whatever the retries
    assert ("queue_sms", "failed") in step_events(sms_app)
    assert any("SMS to ***777 not sent" in r.getMessage() for r in caplog.records)
    assert callbacks(sms_app) == []


def test_sms_is_not_offered_without_a_sending_number(caller: Caller) -> None:
    waiting = caller.post(WAIT, QueuePosition="5")
    assert "marque 2" not in says(waiting.data)[0]
    answer = press(caller, waiting, "2")
    assert says(answer.data) == ["Esa opción no es válida. Sigue en espera."]
