"""Callbacks and texts cannot be a weapon or a bill (issue 21), over signed webhooks.

Texts go through the local stand-in for Twilio's REST API (tests/queue/standin.py).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from werkzeug.test import TestResponse

from ivr.runtime import Runtime
from tests.helpers import Caller, assert_valid_wait_twiml
from tests.queue.standin import FakeTwilio, press, says, settled

WAIT = "/voice/wait/help-desk?s=3&t=principal.estudiantes"
VICTIM = "987654321"  # keyed by every caller: +51987654321
CHANNELS = "Puede escribirnos por WhatsApp al nueve uno cuatro, ocho cero cero, ocho cero cero"


def caller_of(client: FlaskClient, n: int) -> Caller:
    caller = Caller(client)
    caller.call = {**caller.call, "CallSid": f"CA{n:032d}", "From": f"+51999{n:06d}"}
    return caller


def ask_callback_to(app: Flask, n: int, keyed: str | None) -> TestResponse:
    """Call n waits, asks for a callback (to ``keyed``, or its own number) and confirms it."""
    with app.test_client() as client:
        caller = caller_of(client, n)
        confirm = press(caller, caller.post(WAIT, QueuePosition="2"), "1")
        if keyed is not None:
            confirm = press(caller, press(caller, confirm, "2"), keyed)
        return press(caller, confirm, "1")


def refused(kind: str, scope: str) -> float:
    labels = {"kind": kind, "scope": scope}
    return REGISTRY.get_sample_value("ivr_outbound_refused_total", labels) or 0.0


def test_forty_callers_aiming_callbacks_at_one_number(app: Flask) -> None:
    """40 calls from 40 caller IDs asking callbacks to one victim leave at most 3 pending."""
    before = refused("callback", "per_number")
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda n: ask_callback_to(app, n, VICTIM), range(40)))
    runtime: Runtime = app.extensions["ivr"]
    pending = runtime.callbacks.list(status="pending")
    assert 1 <= len(pending) <= 3
    assert {c.number for c in pending} == {"+51987654321"}
    left = [a for a in answers if a.data.endswith(b"<Leave /></Response>")]
    assert len(left) == len(pending)
    refusals = [a for a in answers if a not in left]
    for answer in refusals:
        assert_valid_wait_twiml(answer.data)
        [text] = says(answer.data)
        assert text.startswith(
            "Lo sentimos, por ahora no podemos registrar más pedidos de llamada a ese número."
        )
        assert CHANNELS in text and text.endswith("Sigue en espera.")
    assert refused("callback", "per_number") - before == len(refusals)


def test_thirty_calls_from_one_number(app: Flask) -> None:
    """30 calls from one number asking callbacks to itself leave at most its limit."""

    def ask(n: int) -> TestResponse:
        with app.test_client() as client:
            caller = Caller(client)
            caller.call = {**caller.call, "CallSid": f"CA{n:032d}"}
            return press(caller, press(caller, caller.post(WAIT, QueuePosition="2"), "1"), "1")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(ask, range(30)))
    runtime: Runtime = app.extensions["ivr"]
    assert len(runtime.callbacks.list()) == 2  # 2 an hour per calling number (queues.yaml)


def test_six_simultaneous_copies_of_one_key_press_send_one_text(
    sms_app: Flask, twilio_api: FakeTwilio
) -> None:
    with sms_app.test_client() as client:
        waiting = Caller(client).post(WAIT, QueuePosition="5")

    def retry(_: int) -> TestResponse:
        with sms_app.test_client() as client:
            return press(Caller(client), waiting, "2")

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(retry, range(6)))
    heard = sorted(says(a.data)[0] for a in answers)
    assert heard.count("Ya le enviamos el mensaje de texto. Sigue en espera.") == 5
    assert heard[0].startswith("Le enviaremos en unos momentos un mensaje de texto")
    assert settled(sms_app, "CA" + "0" * 32).status == "sent"
    assert len(twilio_api.requests) == 1


def test_a_slow_twilio_never_makes_the_caller_hear_a_failure(
    sms_app: Flask, twilio_api: FakeTwilio
) -> None:
    """Twilio's API taking 8 s: the caller hears at once that the text is on its way."""
    twilio_api.delay = 8.0
    with sms_app.test_client() as client:
        caller = Caller(client)
        answer = press(caller, caller.post(WAIT, QueuePosition="5"), "2")
        # answered while the stand-in still holds Twilio's answer
        assert twilio_api.answered == 0
        assert says(answer.data) == [
            "Le enviaremos en unos momentos un mensaje de texto con nuestro WhatsApp y el enlace "
            "para registrar un ticket. Sigue en espera."
        ]
        runtime: Runtime = sms_app.extensions["ivr"]
        recorded = runtime.outbound.message(caller.call["CallSid"], "channels")
        assert recorded is not None and recorded.status == "sending"  # recorded, then sent
        assert settled(sms_app, caller.call["CallSid"]).status == "sent"
    assert twilio_api.answered == 1


def test_one_text_a_day_per_number_across_calls(sms_app: Flask, twilio_api: FakeTwilio) -> None:
    before = refused("sms", "per_number")
    with sms_app.test_client() as client:
        first = Caller(client)
        press(first, first.post(WAIT, QueuePosition="5"), "2")
        settled(sms_app, first.call["CallSid"])
        second = Caller(client)
        second.call = {**second.call, "CallSid": "CA" + "9" * 32}
        answer = press(second, second.post(WAIT, QueuePosition="5"), "2")
    [text] = says(answer.data)
    assert text.startswith(
        "Lo sentimos, por ahora no podemos enviarle más mensajes de texto a este número."
    )
    assert CHANNELS in text and text.endswith("Sigue en espera.")
    assert len(twilio_api.requests) == 1
    assert refused("sms", "per_number") - before == 1


@pytest.mark.parametrize(
    "caller_id",
    ["+5112345678", "+5144606201", "+51808123456", "+14155550100", "anonymous"],
    ids=["lima-landline", "provincial-landline", "premium-rate", "international", "withheld"],
)
def test_no_text_is_offered_or_sent_but_to_a_peruvian_mobile(
    sms_app: Flask, twilio_api: FakeTwilio, caller_id: str
) -> None:
    with sms_app.test_client() as client:
        caller = Caller(client)
        caller.call["From"] = caller_id
        waiting = caller.post(WAIT, QueuePosition="5")
        assert "mensaje de texto" not in says(waiting.data)[0]
        answer = press(caller, waiting, "2")
        assert says(answer.data) == ["Esa opción no es válida. Sigue en espera."]
    assert twilio_api.requests == []
