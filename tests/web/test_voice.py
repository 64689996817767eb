"""What Twilio receives: golden TwiML for the key answers, and the walk through the menus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from freezegun import freeze_time
from lxml import etree

from ivr.clock import LIMA
from ivr.observability.logs import CallSidFilter
from tests.helpers import Caller, Clock, assert_valid_twiml

SAY = 'language="es-MX" voice="Polly.Mia-Neural"'
MAIN_MENU_GATHER = (
    '<Gather action="/voice/menu/principal?s=1&amp;h=4" actionOnEmptyResult="false" '
    'finishOnKey="" '
    'hints="información y canales de atención, información, canales, canales de atención, '
    'estudiantes, estudiante, alumno, alumnos" input="dtmf speech" language="es-PE" '
    'method="POST" numDigits="1" speechTimeout="auto" timeout="6">'
)
MAIN_MENU_PROMPT = (
    f"<Say {SAY}>Para información y canales de atención, marque 1. "
    "Para estudiantes, marque 2. Puede marcar la opción o decirla. "
    "Para repetir, marque asterisco.</Say></Gather>"
    '<Redirect method="POST">/voice/menu/principal?s=1&amp;h=4</Redirect>'
)


def says(response_data: bytes) -> list[str]:
    doc = etree.fromstring(response_data)
    return [el.text or "" for el in doc.iter("Say")]


def verbs(response_data: bytes) -> list[str]:
    return [el.tag for el in etree.fromstring(response_data)]


def walk(caller: Caller, *keys: str) -> bytes:
    response = caller.post("/voice")
    assert_valid_twiml(response.data)
    for key in keys:
        response = caller.follow(response, Digits=key)
        assert response.status_code == 200
        assert_valid_twiml(response.data)
    return bytes(response.data)


# -- greeting ------------------------------------------------------------------------------------
def test_greeting_golden_twiml(caller: Caller) -> None:
    response = caller.post("/voice")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.data.decode() == (
        # the greeting is inside the <Gather>: a key interrupts it (barge-in); the main menu
        # says once that options may be said as well as pressed (h=4 remembers it)
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f"{MAIN_MENU_GATHER}"
        f"<Say {SAY}>Bienvenido a la central telefónica de la universidad, sede Breña.</Say>"
        f"{MAIN_MENU_PROMPT}</Response>"
    )


@pytest.mark.parametrize(
    ("number", "campus"),
    [
        ("+5176602500", "sede Cajamarca."),
        ("+5116259600", "sede Los Olivos y Chorrillos."),
        ("+5116015700", "sede Comas."),
        ("+5116044700", "sede Breña."),
        ("+5116184660", "sede San Juan de Lurigancho."),
        ("+5144606200", "sede Trujillo El Molino y Trujillo San Isidro."),
    ],
    ids=["cajamarca", "shared-lima", "comas", "brena", "sjl", "shared-trujillo"],
)
def test_greeting_names_the_campuses_of_the_number_called(
    caller: Caller, number: str, campus: str
) -> None:
    caller.call["To"] = number
    first = says(caller.post("/voice").data)[0]
    assert first == f"Bienvenido a la central telefónica de la universidad, {campus}"


@pytest.mark.parametrize("to", ["+15005550006", "", "client:anonymous", "x" * 5000])
def test_unknown_number_gets_the_general_greeting_and_menu(caller: Caller, to: str) -> None:
    caller.call["To"] = to
    response = caller.post("/voice")
    assert response.status_code == 200
    assert says(response.data)[0] == "Bienvenido a la central telefónica de la universidad."
    assert verbs(response.data) == ["Gather", "Redirect"]


# -- the student menu ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "queue", "said"),
    [
        ("1", "helpdesk", "Le comunicamos con Help Desk."),
        ("2", "aula-virtual", "Le comunicamos con Aula Virtual."),
        ("3", "orientacion-estudiantes", "Le comunicamos con orientación a estudiantes."),
        ("4", "orientacion-padres", "Le comunicamos con orientación a padres."),
    ],
    ids=["help-desk", "aula-virtual", "orientacion-estudiantes", "orientacion-padres"],
)
def test_student_options_transfer_to_their_queue_when_open(
    caller: Caller, key: str, queue: str, said: str
) -> None:
    data = walk(caller, "2", key).decode()
    node = {"1": "help-desk", "2": "aula-virtual", "3": "orientacion-estudiantes"}.get(
        key, "orientacion-padres"
    )
    assert data == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f"<Say {SAY}>{said}</Say>"
        f'<Enqueue action="/voice/transfer/{node}?s=3&amp;t=principal.estudiantes&amp;h=4" '
        f'method="POST" waitUrl="/voice/wait/{node}?s=3&amp;t=principal.estudiantes&amp;h=4" '
        f'waitUrlMethod="POST">{queue}</Enqueue></Response>'
    )


def test_student_option_5_asks_for_the_student_code(caller: Caller) -> None:
    data = walk(caller, "2", "5")
    doc = etree.fromstring(data)
    gather = doc.find("Gather")
    assert gather is not None
    assert gather.get("input") == "dtmf"
    assert gather.get("finishOnKey") == "#"
    assert "código de estudiante" in says(data)[0]


def test_sunday_walk_ends_in_after_hours_message_with_whatsapp(
    caller: Caller, clock: Clock
) -> None:
    clock.set(datetime(2026, 11, 22, 11, 0, tzinfo=LIMA))  # Sunday
    greeting = says(caller.post("/voice").data)
    # closed and when it opens again, in one sentence; the channels are an option, not a preamble
    assert greeting[:2] == [
        "Gracias por llamar a la universidad.",
        "La central está cerrada hasta mañana a las 9 de la mañana.",
    ]
    assert "WhatsApp" not in " ".join(greeting)
    data = walk(caller, "2", "1")
    assert "Enqueue" not in verbs(data)
    # asking for a desk says its hours and when it opens again, then offers the channels
    assert says(data) == [
        "Help Desk atiende de lunes a viernes de 9 de la mañana a 9 de la noche; vuelve a "
        "atender mañana a las 9 de la mañana.",
        "Para información y canales de atención, marque 1. Para repetir, marque asterisco. "
        "Para volver, marque numeral. Para el menú principal, marque 0.",
    ]
    gather = etree.fromstring(data).find("Gather")
    assert gather is not None and gather.get("action", "").startswith("/voice/menu/fuera-de")
    # the channels, when asked for; '#' returns to the student menu
    channels = " ".join(says(walk(caller, "2", "1", "1")))
    assert "Para WhatsApp del estudiante, marque 1." in channels
    gather = etree.fromstring(walk(caller, "2", "1", "#")).find("Gather")
    assert gather is not None and gather.get("action", "").startswith("/voice/menu/estudiantes")


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime(2026, 11, 18, 8, 59, 59, tzinfo=LIMA), False),
        (datetime(2026, 11, 18, 9, 0, 0, tzinfo=LIMA), True),
        (datetime(2026, 11, 18, 20, 59, 59, tzinfo=LIMA), True),
        (datetime(2026, 11, 18, 21, 0, 0, tzinfo=LIMA), False),
        (datetime(2026, 11, 21, 13, 59, 59, tzinfo=LIMA), True),
        (datetime(2026, 11, 21, 14, 0, 0, tzinfo=LIMA), False),
        (datetime(2026, 11, 21, 12, 0, 0, tzinfo=LIMA), True),
        (datetime(2026, 11, 22, 12, 0, 0, tzinfo=LIMA), False),
        (datetime(2026, 11, 19, 1, 59, 59, tzinfo=UTC), True),
        (datetime(2026, 11, 19, 2, 0, 0, tzinfo=UTC), False),
    ],
    ids=[
        "wed-08:59:59",
        "wed-09:00:00",
        "wed-20:59:59",
        "wed-21:00:00",
        "sat-13:59:59",
        "sat-14:00:00",
        "sat-noon",
        "sunday",
        "utc-next-day-lima-20:59:59",
        "utc-next-day-lima-21:00",
    ],
)
def test_open_and_closed_instants(
    caller: Caller, clock: Clock, moment: datetime, is_open: bool
) -> None:
    clock.set(moment)
    data = walk(caller, "2", "1")
    assert ("Enqueue" in verbs(data)) is is_open


def test_server_in_utc_uses_lima_time_through_the_clock_seam(make_app: object) -> None:
    # 2026-11-19 01:30 UTC is still Wednesday 20:30 in Lima: open.
    with freeze_time("2026-11-19 01:30:00", tz_offset=0):
        app = make_app(CLOCK=None)  # type: ignore[operator]
        with app.test_client() as client:
            data = walk(Caller(client), "2", "1")
    assert "Enqueue" in verbs(data)


def test_central_closing_while_caller_is_in_the_menu(caller: Caller, clock: Clock) -> None:
    clock.set(datetime(2026, 11, 18, 20, 59, 50, tzinfo=LIMA))
    in_menu = caller.follow(caller.post("/voice"), Digits="2")
    clock.set(datetime(2026, 11, 18, 21, 0, 5, tzinfo=LIMA))
    data = caller.follow(in_menu, Digits="1").data
    assert "Enqueue" not in verbs(data)
    assert says(data)[0].startswith(
        "Help Desk atiende de lunes a viernes de 9 de la mañana a 9 de la noche; vuelve a "
        "atender mañana a las 9 de la mañana."
    )


# -- retries ---------------------------------------------------------------------------------
def test_invalid_key_says_so_and_reprompts_until_the_limit(caller: Caller) -> None:
    response = caller.follow(caller.post("/voice"), Digits="2")
    for attempt in (1, 2):
        response = caller.follow(response, Digits="7")
        assert says(response.data)[0] == "Esa opción no es válida."
        gather = etree.fromstring(response.data).find("Gather")
        assert gather is not None and f"iv={attempt}" in gather.get("action", "")
    response = caller.follow(response, Digits="7")
    spoken = says(response.data)
    assert spoken[:2] == [
        "No pudimos entender su elección.",
        "Le comunicamos con un asesor de orientación.",
    ]
    assert verbs(response.data)[-1] == "Enqueue"


def test_silence_reprompts_then_goes_to_the_failure_desk_or_goodbye_when_closed(
    caller: Caller, clock: Clock
) -> None:
    clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=LIMA))  # Sunday: closed
    response = caller.post("/voice")
    for _ in range(2):
        # Twilio follows the <Redirect> after a silent <Gather>: same URL, no Digits.
        redirect = etree.fromstring(response.data).find("Redirect")
        assert redirect is not None and redirect.text
        response = caller.post(redirect.text)
        assert says(response.data)[0] == "No recibimos ninguna opción."
    redirect = etree.fromstring(response.data).find("Redirect")
    assert redirect is not None and redirect.text
    response = caller.post(redirect.text)
    assert says(response.data)[0] == "No pudimos entender su elección."
    assert says(response.data)[-1] == "Gracias por llamar. Hasta pronto."
    assert verbs(response.data)[-1] == "Hangup"


@pytest.mark.parametrize(
    "digits", ["", "abc", "12", "9" * 5000, "ñ", "1 OR 1=1"], ids=lambda d: repr(d[:6])
)
def test_garbage_digits_get_ordinary_menu_handling(caller: Caller, digits: str) -> None:
    response = caller.post("/voice/menu/estudiantes?s=2&t=principal", Digits=digits)
    assert response.status_code == 200
    assert verbs(response.data) == ["Gather", "Redirect"]
    assert says(response.data)[0] in ("Esa opción no es válida.", "No recibimos ninguna opción.")


def test_star_repeats_hash_goes_back_zero_to_main_menu(caller: Caller) -> None:
    in_students = caller.follow(caller.post("/voice"), Digits="2")
    repeated = caller.follow(in_students, Digits="*")
    assert says(repeated.data) == says(in_students.data)
    back = caller.follow(in_students, Digits="#")
    assert "Para estudiantes, marque 2." in says(back.data)[0]
    info = caller.follow(caller.post("/voice"), Digits="1")
    main = caller.follow(info, Digits="0")
    assert "Para estudiantes, marque 2." in says(main.data)[0]


# -- speech ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("speech", "queue"),
    [
        ("Aula virtual, por favor.", "aula-virtual"),
        ("BLACKBOARD", "aula-virtual"),
        ("orientacion a padres", "orientacion-padres"),
        ("orientación para estudiantes", "orientacion-estudiantes"),
        ("orientación para padres", "orientacion-padres"),
        ("opción uno", "helpdesk"),
        ("soporte técnico", "helpdesk"),
    ],
)
def test_speech_selects_options_by_name_and_synonyms(
    caller: Caller, speech: str, queue: str
) -> None:
    in_students = caller.follow(caller.post("/voice"), Digits="2")
    data = caller.follow(in_students, SpeechResult=speech, Confidence="0.9").data
    enqueue = etree.fromstring(data).find("Enqueue")
    assert enqueue is not None and enqueue.text == queue


def test_speech_that_matches_nothing_is_not_understood_and_hears_the_options(
    caller: Caller,
) -> None:
    in_students = caller.follow(caller.post("/voice"), Digits="2")
    data = caller.follow(in_students, SpeechResult="quiero una pizza").data
    assert says(data)[0] == "No le entendí."
    assert says(data)[1].startswith("Para Help Desk, marque 1.")


def test_a_word_two_options_share_asks_the_caller_to_choose_by_key(caller: Caller) -> None:
    in_students = caller.follow(caller.post("/voice"), Digits="2")
    data = caller.follow(in_students, SpeechResult="orientación", Confidence="0.92").data
    # st= names the two destinations asked about (ivr.core.speech.question_step)
    question = "/voice/menu/estudiantes?s=3&amp;t=principal&amp;st=q90e0f6.bb3c1a&amp;h=4"
    assert data.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Gather action="{question}" '
        'actionOnEmptyResult="false" finishOnKey="" '
        f'hints="{etree.fromstring(in_students.data).find("Gather").get("hints")}" '
        'input="dtmf speech" language="es-PE" method="POST" numDigits="1" '
        'speechTimeout="auto" timeout="6">'
        f"<Say {SAY}>¿Quiso decir orientación a estudiantes u orientación a padres? "
        "Para orientación a estudiantes, marque 3. Para orientación a padres, marque 4.</Say>"
        "</Gather>"
        f'<Redirect method="POST">{question}</Redirect>'
        "</Response>"
    )
    chosen = caller.follow(caller.post("/voice"), Digits="2")
    enqueue = etree.fromstring(caller.follow(chosen, Digits="4").data).find("Enqueue")
    assert enqueue is not None and enqueue.text == "orientacion-padres"


def test_low_speech_confidence_asks_to_confirm_by_key(caller: Caller) -> None:
    in_students = caller.follow(caller.post("/voice"), Digits="2")
    asked = caller.follow(in_students, SpeechResult="aula virtual", Confidence="0.21")
    assert "Enqueue" not in verbs(asked.data)
    assert says(asked.data) == ["¿Quiso decir Aula Virtual? Para Aula Virtual, marque 2."]
    enqueue = etree.fromstring(caller.follow(asked, SpeechResult="sí", Confidence="0.8").data)
    assert enqueue.findtext("Enqueue") == "aula-virtual"


@pytest.mark.parametrize(
    ("answer", "queue"),
    [
        ({"SpeechResult": "la primera"}, "helpdesk"),
        ({"SpeechResult": "la segunda, por favor"}, "orientacion-estudiantes"),
        ({"SpeechResult": "orientación"}, "orientacion-estudiantes"),
        ({"SpeechResult": "help desk"}, "helpdesk"),
        ({"SpeechResult": "dos"}, "orientacion-estudiantes"),
        ({"Digits": "1"}, "helpdesk"),
    ],
)
def test_a_question_from_the_main_menu_is_answered_by_place_name_or_key(
    caller: Caller, answer: dict[str, str], queue: str
) -> None:
    asked = caller.follow(caller.post("/voice"), SpeechResult="necesito ayuda", Confidence="0.9")
    assert says(asked.data) == [
        "¿Quiso decir Help Desk u orientación a estudiantes? Para Help Desk, marque 1. "
        "Para orientación a estudiantes, marque 2."
    ]
    chosen = etree.fromstring(caller.follow(asked, Confidence="0.9", **answer).data)
    assert chosen.findtext("Enqueue") == queue


def test_no_to_a_question_hears_the_menu_again(caller: Caller) -> None:
    asked = caller.follow(caller.post("/voice"), SpeechResult="necesito ayuda", Confidence="0.9")
    again = caller.follow(asked, SpeechResult="no", Confidence="0.9")
    assert says(again.data) == [
        "Para información y canales de atención, marque 1. Para estudiantes, marque 2. "
        "Para repetir, marque asterisco."
    ]


@pytest.mark.parametrize(
    ("speech", "queue"),
    [
        ("quiero saber cuánto debo", None),  # self-service: asks for the student code
        ("mi hijo estudia ahí", "orientacion-padres"),
        ("ayuda con la matrícula", "orientacion-estudiantes"),
        ("aula birtual", "aula-virtual"),
        ("black board", "aula-virtual"),
        ("con un asesor por favor", "orientacion-estudiantes"),
        ("no sé", "orientacion-estudiantes"),
    ],
)
def test_a_phrase_at_the_main_menu_reaches_a_desk_anywhere_in_the_tree(
    caller: Caller, speech: str, queue: str | None
) -> None:
    data = caller.follow(caller.post("/voice"), SpeechResult=speech, Confidence="0.9").data
    if queue is None:
        assert says(data)[0].startswith("Para conocer su estado de cuenta, marque su código")
    else:
        assert etree.fromstring(data).findtext("Enqueue") == queue


def test_a_second_silence_reaches_a_person_when_one_is_open(caller: Caller) -> None:
    first = caller.follow(caller.post("/voice"))
    assert says(first.data)[0] == "No recibimos ninguna opción."
    second = caller.follow(first)
    assert says(second.data) == ["Le comunicamos con un asesor de orientación."]
    assert etree.fromstring(second.data).findtext("Enqueue") == "orientacion-estudiantes"


# -- transfers ending --------------------------------------------------------------------------
def test_transfer_that_never_connected_apologises_and_says_goodbye(caller: Caller) -> None:
    data = caller.post("/voice/transfer/help-desk?s=3", QueueResult="queue-full").data
    assert says(data)[0] == "En este momento no podemos comunicarle."
    assert verbs(data)[-1] == "Hangup"


def test_transfer_after_a_conversation_hangs_up(caller: Caller) -> None:
    data = caller.post("/voice/transfer/help-desk?s=3", QueueResult="bridged").data
    assert verbs(data) == ["Hangup"]


# -- security --------------------------------------------------------------------------------
def test_unsigned_request_is_forbidden(app: Flask) -> None:
    response = app.test_client().post("/voice", data={"To": "+5116044700"})
    assert response.status_code == 403


def test_wrong_signature_is_forbidden(app: Flask) -> None:
    response = app.test_client().post(
        "/voice", data={"To": "+5116044700"}, headers={"X-Twilio-Signature": "bm90LXJpZ2h0"}
    )
    assert response.status_code == 403


def test_signature_over_other_parameters_is_forbidden(caller: Caller) -> None:
    from tests.helpers import sign

    signature = sign("http://localhost/voice", {"To": "+5116044700"})
    response = caller.client.post(
        "/voice", data={"To": "+5116259600"}, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_signature_behind_an_https_proxy_with_trusted_proxy(make_app: object) -> None:
    from tests.helpers import sign

    app = make_app(IVR_TRUSTED_PROXIES="1")  # type: ignore[operator]
    params = {"To": "+5116044700", "CallSid": "CA1"}
    signature = sign("https://ivr.example.edu/voice", params)
    headers = {
        "X-Twilio-Signature": signature,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "ivr.example.edu",
    }
    client = app.test_client()
    assert client.post("/voice", data=params, headers=headers).status_code == 200
    # The same request without the proxy's headers does not match what Twilio signed.
    plain = {"X-Twilio-Signature": signature}
    assert client.post("/voice", data=params, headers=plain).status_code == 403


def test_signature_against_a_configured_public_url(make_app: object) -> None:
    from tests.helpers import sign

    app = make_app(IVR_PUBLIC_URL="https://ivr.example.edu/")  # type: ignore[operator]
    params = {"To": "+5116044700", "Digits": "2"}
    path = "/voice/menu/principal?s=1"
    signature = sign("https://ivr.example.edu" + path, params)
    response = app.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200


def test_app_refuses_to_start_without_token_or_dev_setting(make_app: object) -> None:
    with pytest.raises(RuntimeError, match="TWILIO_AUTH_TOKEN is not set"):
        make_app(TWILIO_AUTH_TOKEN="")  # type: ignore[operator]


def test_dev_setting_skips_validation_and_warns(
    make_app: object, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(TWILIO_AUTH_TOKEN="", IVR_SKIP_SIGNATURE="1")  # type: ignore[operator]
    assert "IVR_SKIP_SIGNATURE is set" in caplog.text
    assert app.test_client().post("/voice").status_code == 200


# -- errors ----------------------------------------------------------------------------------
def test_exception_in_a_webhook_answers_an_apology_in_twiml(
    caller: Caller, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from ivr.core import flow

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(flow, "handle_input", broken)
    caplog.handler.addFilter(CallSidFilter())  # what configure_logging puts on its handler
    response = caller.post("/voice/menu/estudiantes?s=2", Digits="1")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert says(response.data)[:2] == [
        "Lo sentimos, tuvimos un problema técnico.",
        "Le comunicamos con un asesor de orientación.",
    ]
    [error] = [r for r in caplog.records if r.exc_info]
    assert error.call_sid == "CA" + "0" * 32  # type: ignore[attr-defined]


def test_unknown_path_and_method_still_get_twiml(caller: Caller) -> None:
    response = caller.post("/voice/no-such-step")
    assert response.status_code == 200
    # an apology, then the guidance desk (open at 10:00 on a Wednesday), not the main menu
    assert says(response.data)[0] == "Lo sentimos, tuvimos un problema técnico."
    assert "Gather" not in verbs(response.data)


@pytest.mark.parametrize("path", ["/voice/menu//0", "/voice/menu/0/", "/voice//"])
def test_doubled_or_trailing_slashes_get_twiml_not_a_redirect(caller: Caller, path: str) -> None:
    response = caller.post(path)
    assert response.status_code == 200
    assert response.mimetype == "application/xml"


def test_menu_node_that_vanished_continues_at_the_main_menu(caller: Caller) -> None:
    response = caller.post("/voice/menu/gone-node?s=4&t=principal", Digits="1")
    assert response.status_code == 200
    assert says(response.data)[0] == "Nuestro menú acaba de cambiar. Le llevamos al menú principal."
    assert "Para estudiantes, marque 2." in says(response.data)[1]


def test_fallback_is_static_twiml(caller: Caller) -> None:
    response = caller.post("/voice/fallback", ErrorCode="11200")
    assert response.status_code == 200
    assert verbs(response.data) == ["Say", "Hangup"]


def test_status_callback_and_health(caller: Caller) -> None:
    status = caller.post("/voice/status", CallStatus="completed", CallDuration="42")
    assert status.status_code == 204
    health = caller.client.get("/healthz")
    assert health.status_code == 200 and health.json and health.json["status"] == "ok"


def test_too_many_steps_end_the_call_politely(caller: Caller) -> None:
    response = caller.post("/voice/menu/estudiantes?s=61", Digits="*")
    assert verbs(response.data)[-1] == "Hangup"
    assert says(response.data)[-1] == "Gracias por llamar. Hasta pronto."


def test_a_request_an_hour_later_is_still_answered(caller: Caller, clock: Clock) -> None:
    clock.set(clock() + timedelta(hours=1))
    assert caller.post("/voice").status_code == 200


def test_holiday_message_is_said_at_the_greeting(caller: Caller, clock: Clock) -> None:
    clock.set(datetime(2026, 7, 28, 10, 0, tzinfo=LIMA))  # Fiestas Patrias, a Tuesday
    spoken = says(caller.post("/voice").data)
    # the holiday's name, and when the central opens again (29 July is a holiday too)
    assert spoken[1] == (
        "La central está cerrada por feriado, Día de la Independencia, hasta el jueves 30 de "
        "julio a las 9 de la mañana."
    )


def test_emergency_override_is_said_at_the_greeting_and_closes_desks(
    caller: Caller, clock: Clock, app: Flask
) -> None:
    app.extensions["ivr"].override_store.set("Cerrado por emergencia.", None, clock())
    spoken = says(caller.post("/voice").data)
    # an override with no end names no date; the channels are an option, not a preamble
    assert spoken[1:3] == [
        "Cerrado por emergencia.",
        "Por ahora no podemos indicarle cuándo volveremos a atender.",
    ]
    assert not any("WhatsApp" in text for text in spoken)
    data = walk(caller, "2", "1")
    assert "Enqueue" not in verbs(data)
    assert says(data)[:2] == [
        "Help Desk atiende de lunes a viernes de 9 de la mañana a 9 de la noche; por ahora no "
        "podemos indicarle cuándo volverá a atender.",
        "Para información y canales de atención, marque 1. Para repetir, marque asterisco. "
        "Para volver, marque numeral. Para el menú principal, marque 0.",
    ]


# -- what a call hears once ----------------------------------------------------------------------
def test_a_holiday_call_hears_the_closure_and_the_channels_once(
    caller: Caller, clock: Clock
) -> None:
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=LIMA))  # Inmaculada Concepción, a Tuesday
    heard: list[str] = []
    response = caller.post("/voice")
    heard += says(response.data)
    # two desks, the channels offered after the second, then the WhatsApp information
    for key in ("2", "1", "#", "2", "1", "1", "#", "#"):
        response = caller.follow(response, Digits=key)
        heard += says(response.data)
    call = " ".join(heard)
    assert call.count("La central está cerrada") == 1
    assert heard[1] == (
        "La central está cerrada por feriado, Inmaculada Concepción, hasta el jueves 10 de "
        "diciembre a las 9 de la mañana."
    )
    # each desk asked for says its hours and when it opens again, and offers the channels
    hours = "atiende de lunes a viernes de 9 de la mañana a 9 de la noche; vuelve a atender el "
    assert call.count(f"Help Desk {hours}jueves a las 9 de la mañana.") == 1
    assert call.count(f"Aula Virtual {hours}jueves a las 9 de la mañana.") == 1
    # offered in the main menu (twice) and after each closed desk
    assert call.count("Para información y canales de atención, marque 1.") == 4
    # the WhatsApp number only when the caller asks for it
    assert call.count("nueve uno cuatro, ocho cero cero, ocho cero cero") == 1
    # back in the main menu, the hint that options may be said is not repeated
    assert sum("Puede marcar la opción o decirla." in text for text in heard) == 1


def test_the_whatsapp_number_golden_twiml(caller: Caller) -> None:
    data = walk(caller, "1", "1").decode()
    assert data == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Gather action="/voice/menu/canales?s=3&amp;t=principal&amp;h=4" '
        'actionOnEmptyResult="false" finishOnKey="" '
        'hints="WhatsApp del estudiante, whatsapp, guasap, wasap, registrar o seguir un ticket, '
        "ticket, tickets, registrar ticket, contacto upn, Contacto UPN en su campus, campus, "
        "sede, contacto en campus, quejas y reclamos, queja, quejas, reclamo, reclamos, libro "
        'de reclamaciones" '
        'input="dtmf speech" language="es-PE" method="POST" numDigits="1" '
        'speechTimeout="auto" timeout="6">'
        f"<Say {SAY}>Escríbanos por WhatsApp al nueve uno cuatro, ocho cero cero, ocho cero "
        "cero. Le pediremos su código de estudiante para identificarle.</Say>"
        f"<Say {SAY}>Para WhatsApp del estudiante, marque 1. Para registrar o seguir un ticket, "
        "marque 2. Para Contacto u pe ene en su campus, marque 3. Para quejas y reclamos, marque "
        "4. Para repetir, marque asterisco. Para volver, marque numeral. Para el menú principal, "
        "marque 0.</Say></Gather>"
        '<Redirect method="POST">/voice/menu/canales?s=3&amp;t=principal&amp;h=4</Redirect>'
        "</Response>"
    )


def test_the_last_words_before_a_hangup_are_outside_any_gather(
    caller: Caller, clock: Clock
) -> None:
    clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=LIMA))  # Sunday: the failure desk is closed
    data = caller.post("/voice/menu/estudiantes?s=4&iv=2", Digits="9").data
    assert verbs(data) == ["Say", "Say", "Say", "Say", "Hangup"]
    assert says(data)[1] == (
        "Un asesor de orientación atiende de lunes a viernes de 9 de la mañana a 9 de la noche; "
        "vuelve a atender mañana a las 9 de la mañana."
    )
    assert says(data)[-1] == "Gracias por llamar. Hasta pronto."
