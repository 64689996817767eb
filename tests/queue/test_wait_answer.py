"""The wait answer: what a caller queued for a desk hears, as golden TwiML."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from ivr.core.queue.wait import DeskWait, parse_number, position_text, spoken_digits
from tests.helpers import Caller, assert_valid_twiml, assert_valid_wait_twiml

SAY = 'language="es-MX" voice="Polly.Mia-Neural"'
WAIT = "/voice/wait/help-desk?s=3&t=principal.estudiantes"
KEY = "/voice/wait/help-desk/key?s=3&amp;t=principal.estudiantes&amp;st=option"
MUSIC = "https://s3.amazonaws.com/com.twilio.music.classical/BusyStrings.mp3"
CALLBACK = "Si prefiere que le devolvamos la llamada, marque 1."


def golden(said: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Gather action="{KEY}" actionOnEmptyResult="false" finishOnKey="" input="dtmf" '
        'method="POST" numDigits="1" timeout="2">'
        f"<Say {SAY}>{said}</Say>"
        f'<Play loop="1">{MUSIC}</Play></Gather></Response>'
    )


@pytest.mark.parametrize(
    ("position", "average", "said"),
    [
        ("1", None, f"Usted es la primera persona en espera. {CALLBACK}"),
        ("3", None, f"Usted es la tercera persona en espera. {CALLBACK}"),
        ("12", None, f"Usted es la persona número doce en espera. {CALLBACK}"),
        # Twilio's AvgQueueTime (the callers already waiting) is no forecast: never said
        ("1", "20", f"Usted es la primera persona en espera. {CALLBACK}"),
        ("12", "1290", f"Usted es la persona número doce en espera. {CALLBACK}"),
    ],
    ids=["1", "3", "12", "1-avg", "12-avg"],
)
def test_wait_answer_golden(caller: Caller, position: str, average: str | None, said: str) -> None:
    params = {"QueuePosition": position, "QueueTime": "30", "CurrentQueueSize": "12"}
    if average is not None:
        params["AvgQueueTime"] = average
    response = caller.post(WAIT, **params)
    assert response.status_code == 200
    assert response.data.decode() == golden(said)
    assert_valid_wait_twiml(response.data)


def test_every_enqueue_names_our_wait_url(caller: Caller) -> None:
    response = caller.post("/voice")
    for key in ("2", "1"):
        response = caller.follow(response, Digits=key)
    assert_valid_twiml(response.data)
    assert (
        b'waitUrl="/voice/wait/help-desk?s=3&amp;t=principal.estudiantes&amp;h=4"' in response.data
    )
    assert b'waitUrlMethod="POST"' in response.data


def test_a_desk_configured_with_its_audio_interval_and_both_ways_out(
    config_dir: Path, make_app: Callable[..., Flask]
) -> None:
    (config_dir / "queues.yaml").write_text(
        "defaults:\n  options: [callback]\ncallback:\n  enabled: true\n"
        "sms:\n  from: '+15005550006'\n"
        "desks:\n  helpdesk:\n    interval: 60\n"
        "    audio: https://audio.example.edu/espera.mp3\n    audio_seconds: 20\n"
        "    options: [callback, sms]\n",
        encoding="utf-8",
    )
    # an account to send texts from: without one, the SMS is not offered
    with make_app(TWILIO_ACCOUNT_SID="AC" + "1" * 32).test_client() as client:
        data = Caller(client).post(WAIT, QueuePosition="2").data.decode()
    assert data == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Gather action="{KEY}" actionOnEmptyResult="false" finishOnKey="" input="dtmf" '
        'method="POST" numDigits="1" timeout="2">'
        f"<Say {SAY}>Usted es la segunda persona en espera. {CALLBACK} Si prefiere recibir por "
        "mensaje de texto nuestro WhatsApp y el enlace para registrar un ticket, marque 2.</Say>"
        '<Play loop="3">https://audio.example.edu/espera.mp3</Play></Gather></Response>'
    )


def test_a_desk_without_ways_out_says_the_place_and_plays(
    config_dir: Path, make_app: Callable[..., Flask]
) -> None:
    (config_dir / "queues.yaml").write_text("defaults:\n  interval: 30\n", encoding="utf-8")
    with make_app().test_client() as client:
        data = Caller(client).post(WAIT, QueuePosition="4", AvgQueueTime="95").data
    assert data.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f"<Say {SAY}>Usted es la cuarta persona en espera.</Say>"
        f'<Play loop="1">{MUSIC}</Play></Response>'
    )
    assert_valid_wait_twiml(data)


@pytest.mark.parametrize(
    ("position", "said"),
    [(2, "segunda"), (5, "quinta"), (7, "séptima"), (10, "décima")],
)
def test_position_ordinals(position: int, said: str) -> None:
    assert position_text(position) == f"Usted es la {said} persona en espera."


@pytest.mark.parametrize(
    ("keyed", "number"),
    [
        ("987654321", "+51987654321"),
        ("987654321#", "+51987654321"),
        ("16044700", "+5116044700"),
        ("016044700", "+5116044700"),
        ("044606200", "+5144606200"),
        ("51987654321", "+51987654321"),
        ("98765432", None),  # a digit short
        ("9876543210", None),  # a digit too many
        ("1604470", None),
        ("30123456", None),  # no such area code
        ("", None),
        ("98765*321", None),
    ],
)
def test_callback_numbers_keyed(keyed: str, number: str | None) -> None:
    assert parse_number(keyed) == number


def test_numbers_are_read_back_in_the_groups_peruvians_write_them() -> None:
    assert spoken_digits("+51987654321") == "nueve ocho siete, seis cinco cuatro, tres dos uno"
    # (01) 604-4700: the Lima area code with its 0, then 3 + 4 (it was "uno seis cero, ...")
    assert spoken_digits("+5116044700") == "cero uno, seis cero cuatro, cuatro siete cero cero"
    # (044) 606-200: a provincial area code with its 0, then 3 + 3
    assert spoken_digits("+5144606200") == "cero cuatro cuatro, seis cero seis, dos cero cero"


def test_clip_repeats_to_fill_the_interval() -> None:
    assert DeskWait(interval=45, audio_seconds=20).loops == 3
    assert DeskWait(interval=45).loops == 1
