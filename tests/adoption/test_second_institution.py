"""A second university runs the IVR from its own files: callers hear only its words and policy.

The files are tests/adoption/second.py's, written into a temporary folder; the calls are signed
webhooks as Twilio sends them. Every text heard on every walk is collected and checked for
anything of the shipped institution (its campuses, numbers, portal, acronym, pronunciations).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from freezegun import freeze_time
from lxml import etree
from werkzeug.test import TestResponse

from ivr.cli.fallback import fallback_command, fallback_twiml
from ivr.clock import LIMA
from ivr.config.loader import Config, load_config
from ivr.core.fees import Account, Enrolment, Payment, Student, statement
from ivr.core.selfservice import script
from ivr.core.spoken import for_voice
from ivr.storage.ledger.base import EnrolmentRecord, PaymentRecord, StudentRecord, import_records
from tests.adoption.second import write_second
from tests.helpers import ROOT, Caller, Clock, assert_valid_twiml

AREQUIPA = "+5154300111"
CODE, DNI = "A20261234", "4321"
MONDAY_10AM = datetime(2026, 11, 9, 10, 0, tzinfo=LIMA)  # open; cuota 3 (due 2 Nov) is late


def shipped_words() -> list[str]:
    """Return what callers of the shipped institution hear that is its own, lower-cased."""
    shipped = load_config(ROOT)
    settings = shipped.menus.settings
    words = {"u pe ene", "upn", "wiener", "mimundo", "contacto"}
    words |= {campus.name.casefold() for campus in shipped.directory.campuses}
    # each campus number and the WhatsApp as they are spoken, and as written
    numbers = {campus.local for campus in shipped.directory.campuses}
    numbers |= {campus.number for campus in shipped.directory.campuses}
    numbers.add(settings.contacts.whatsapp)
    for number in numbers:
        words.add(number.casefold())
        words.add(for_voice(number).casefold())
    words.add(for_voice(settings.contacts.web, settings.voice.pronunciations).casefold())
    return sorted(words)


SHIPPED_WORDS = shipped_words()


def says(data: bytes) -> list[str]:
    return [el.text or "" for el in etree.fromstring(data).iter("Say")]


class Listener:
    """A caller that keeps everything it hears, and checks each answer is valid TwiML."""

    def __init__(self, caller: Caller) -> None:
        self.caller = caller
        self.heard: list[str] = []

    def _keep(self, response: TestResponse) -> TestResponse:
        assert response.status_code == 200
        assert_valid_twiml(response.data)
        self.heard.extend(says(response.data))
        return response

    def post(self, path: str, **params: str) -> TestResponse:
        return self._keep(self.caller.post(path, **params))

    def follow(self, response: TestResponse, **params: str) -> TestResponse:
        return self._keep(self.caller.follow(response, **params))


@pytest.fixture
def second_dir(tmp_path: Path) -> Path:
    return write_second(tmp_path / "uep")


@pytest.fixture
def second_config(second_dir: Path) -> Config:
    return load_config(second_dir)


@pytest.fixture
def app(make_app: Callable[..., Flask], second_dir: Path, clock: Clock) -> Flask:
    clock.set(MONDAY_10AM)
    application = make_app(IVR_CONFIG_DIR=str(second_dir))
    ledger = application.extensions["ivr"].ledger
    import_records(ledger, "students", [StudentRecord(Student(CODE), DNI)])
    import_records(ledger, "enrolments", [EnrolmentRecord(c, e) for c, e in ENROLMENTS])
    import_records(ledger, "payments", [PaymentRecord(CODE, p) for p in PAYMENTS])
    return application


ENROLMENTS = [
    (CODE, Enrolment("2026-2", 100000, 20, insurance="contracted")),
    (CODE, Enrolment("2027-1", 100000, 20, insurance="contracted")),
]
PAYMENTS = [
    Payment("matricula", None, 30000, date(2026, 8, 5), "2026-2", "U-1"),
    Payment("cuota", 1, 100000, date(2026, 8, 30), "2026-2", "U-2"),
]


@pytest.fixture
def listener(app: Flask) -> Iterator[Listener]:
    with app.test_client() as client:
        caller = Caller(client)
        caller.call["To"] = AREQUIPA
        listener = Listener(caller)
        yield listener
        heard = " ".join(listener.heard).casefold()
        found = [word for word in SHIPPED_WORDS if word in heard]
        assert found == [], f"the shipped institution was heard: {found}"


def test_the_second_set_passes_ivr_check(second_config: Config) -> None:
    assert second_config.warnings == ()
    assert second_config.billing is not None
    assert second_config.billing.policy.cuotas == 4


def test_greeting_channels_and_the_second_pronunciations(listener: Listener) -> None:
    start = listener.post("/voice")
    assert says(start.data)[0] == (
        "Bienvenido a la Universidad Ejemplo del Pacífico, campus Arequipa Centro."
    )
    channels = listener.follow(start, Digits="1")
    assert says(channels.data)[0] == (
        "Escríbanos por WhatsApp al nueve cinco cinco, uno uno uno, dos dos dos, o visite "
        "ayuda punto u e pe punto edu punto pe."
    )


def test_a_closed_central_names_the_second_channels(listener: Listener, clock: Clock) -> None:
    clock.set(datetime(2026, 11, 9, 20, 0, tzinfo=LIMA))  # Monday 20:00: closed until 08:00
    spoken = says(listener.post("/voice").data)
    assert "La central está cerrada hasta mañana a las 8 de la mañana." in spoken
    # a desk asked for while closed: its hours by the second schedule, then the second channels
    students = listener.follow(listener.post("/voice"), Digits="2")
    desk = says(listener.follow(students, Digits="1").data)
    assert desk[:2] == [
        "Soporte de sistemas atiende de lunes a viernes de 8 de la mañana a 6 de la tarde; "
        "vuelve a atender mañana a las 8 de la mañana.",
        "Puede escribirnos por WhatsApp al nueve cinco cinco, uno uno uno, dos dos dos, o "
        "entrar a ayuda punto u e pe punto edu punto pe y abrir una solicitud en Portal u e pe.",
    ]


def test_the_statement_follows_the_second_policy(listener: Listener, second_config: Config) -> None:
    students = listener.follow(listener.post("/voice"), Digits="2")
    asked_code = listener.follow(students, Digits="5")
    asked_dni = listener.follow(asked_code, Digits=CODE[1:])
    heard = listener.follow(asked_dni, Digits=DNI)
    billing = second_config.billing
    assert billing is not None
    account = Account(Student(CODE), tuple(e for _, e in ENROLMENTS), tuple(PAYMENTS))
    expected = statement(account, billing, MONDAY_10AM.date())
    # four cuotas; the S/ 20 fee on the 5th day: cuota 3, due Monday 2 November, has it
    # already (the shipped policy's 8th day would not charge it until 10 November)
    cuotas = [o for o in expected.obligations if o.term == "2026-2" and o.concept == "cuota"]
    assert [(o.cuota, o.insurance, o.late_fee) for o in cuotas] == [
        (1, 0, 0),
        (2, 0, 2000),
        (3, 2500, 2000),
        (4, 2500, 0),
    ]
    spoken = " ".join(says(heard.data))
    assert " ".join(script.summary(expected, billing.policy)) in spoken
    assert "vencidos, incluidos cuarenta soles de gastos administrativos." in spoken
    assert "Para hablar con Caja, marque 4." in spoken  # the second set's billing desk
    # where to pay and what to do if already paid: the second set's words
    assert (
        "Puede pagar en Portal u e pe, opción Pagos, con tarjeta o transferencia. Si ya pagó, "
        "envíe su constancia por WhatsApp al nueve cinco cinco, uno uno uno, dos dos dos."
    ) in spoken

    detail = " ".join(says(listener.follow(heard, Digits="2").data))
    assert "Cuota cuatro" in detail and "Cuota cinco" not in detail
    early = " ".join(says(listener.follow(heard, Digits="3").data))
    assert (
        "El descuento por pronto pago es del ocho por ciento de las cuotas y se solicita en "
        "Portal u e pe, opción Pagos, Solicitudes, hasta el martes 30 de marzo de 2027."
    ) in early
    assert "tiene tres días hábiles para pagar todas las cuotas" in early


def test_failing_verification_names_the_second_channels(listener: Listener) -> None:
    students = listener.follow(listener.post("/voice"), Digits="2")
    asked = listener.follow(students, Digits="5")
    for _ in range(3):
        asked_dni = listener.follow(asked, Digits=CODE[1:])
        asked = listener.follow(asked_dni, Digits="0000")
    spoken = says(asked.data)
    assert spoken[:2] == [
        "No pudimos verificar sus datos.",
        "Puede pedir su estado de cuenta en Portal u e pe, opción Pagos, o por WhatsApp al "
        "nueve cinco cinco, uno uno uno, dos dos dos.",
    ]


def test_an_unsent_sms_names_the_second_whatsapp(listener: Listener) -> None:
    students = listener.follow(listener.post("/voice"), Digits="2")
    put_through = listener.follow(students, Digits="1")
    enqueue = etree.fromstring(put_through.data).find("Enqueue")
    assert enqueue is not None and enqueue.text == "soporte"
    wait_url = enqueue.get("waitUrl")
    assert wait_url is not None
    waiting = listener.caller.post(wait_url, QueuePosition="2")
    listener.heard.extend(says(waiting.data))
    gather = etree.fromstring(waiting.data).find("Gather")
    assert gather is not None
    key_url = gather.get("action")
    assert key_url is not None
    # no Twilio account here: the SMS cannot be sent, the caller hears the channels instead
    unsent = listener.caller.post(key_url, Digits="2")
    listener.heard.extend(says(unsent.data))
    assert says(unsent.data)[0] == (
        "Lo sentimos, no pudimos enviarle el mensaje. Escríbanos por WhatsApp al nueve cinco "
        "cinco, uno uno uno, dos dos dos. Sigue en espera."
    )


def test_the_fallback_url_answers_the_second_apology(listener: Listener) -> None:
    response = listener.caller.post("/voice/fallback", ErrorCode="11200")
    listener.heard.extend(says(response.data))
    assert says(response.data) == [
        "Lo sentimos, no podemos atenderle ahora. Escríbanos por WhatsApp al nueve cinco "
        "cinco, uno uno uno, dos dos dos. Gracias por llamar."
    ]


def test_the_twiml_bin_is_made_of_the_second_files(
    second_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_CONFIG_DIR", str(second_dir))
    with freeze_time("2026-11-09 15:00:00"):
        result = CliRunner().invoke(fallback_command, [])
    assert result.exit_code == 0, result.output
    spoken = " ".join(says(result.output.encode())).casefold()
    assert "la central atiende de lunes a viernes de 8 de la mañana a 6 de la tarde" in spoken
    assert "portal u e pe" in spoken
    assert [word for word in SHIPPED_WORDS if word in spoken] == []


def test_the_shipped_words_are_really_heard_from_the_shipped_files() -> None:
    """The tripwire is not vacuous: the shipped institution's own fallback trips it."""
    with freeze_time("2026-11-09 15:00:00"):
        spoken = " ".join(says(fallback_twiml(load_config(ROOT)).encode())).casefold()
    assert "nueve uno cuatro, ocho cero cero, ocho cero cero" in SHIPPED_WORDS
    assert [word for word in SHIPPED_WORDS if word in spoken] != []
