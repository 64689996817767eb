"""Student menu option 5 by phone: verification, the spoken statement, lockout, failures."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from ivr.clock import LIMA
from ivr.core.say import words_before_option
from ivr.storage.ledger.demo import generate
from ivr.storage.schema import call_steps, verification_failures
from tests.helpers import CODE_PROMPT, Caller, Clock

ENTRY = CODE_PROMPT


@pytest.fixture
def app(make_app: object, clock: Clock) -> Flask:
    clock.set(datetime(2026, 11, 21, 10, 0, tzinfo=LIMA))  # Saturday morning: open
    application: Flask = make_app()  # type: ignore[operator]
    generate(application.extensions["ivr"].ledger, students=20)
    return application


def says(data: bytes) -> list[str]:
    return [el.text or "" for el in etree.fromstring(data).iter("Say")]


def identify(caller: Caller, code: str, dni: str) -> bytes:
    asked_dni = caller.post(caller.code_prompt(), Digits=code)
    assert "cuatro últimos dígitos de su de ene i" in says(asked_dni.data)[0]
    return bytes(caller.follow(asked_dni, Digits=dni).data)


def test_walk_2_5_code_and_dni_reads_the_statement(caller: Caller) -> None:
    asked_code = caller.follow(caller.follow(caller.post("/voice"), Digits="2"), Digits="5")
    assert "código de estudiante" in says(asked_code.data)[0]
    asked_dni = caller.follow(asked_code, Digits="00012345")
    statement = caller.follow(asked_dni, Digits="2468").data
    spoken = says(statement)
    # The whole summary is one <Say>: one synthesis, no gaps between sentences.
    # overdue with its fees and by when, the next cuota, the total: the first option follows
    assert spoken[0] == (
        "Tiene mil dieciocho soles con cincuenta céntimos vencidos, incluidos treinta soles de "
        "gastos administrativos. "
        "Páguelo hasta el lunes 7 de diciembre para evitar el reporte a centrales de riesgo. "
        "Su próxima cuota, la cuatro, vence el lunes 30 de noviembre, por novecientos ochenta y "
        "ocho soles con cincuenta céntimos. "
        "En total, debe dos mil novecientos noventa y cinco soles con cincuenta céntimos."
    )
    assert words_before_option(spoken) == 62
    # the options, then what the debt blocks and what to do if already paid (billing files)
    assert spoken[1] == (
        "Para escuchar de nuevo su estado de cuenta, marque 1. Para el detalle cuota por cuota, "
        "marque 2. Para información sobre el descuento por pronto pago, marque 3. Para hablar "
        "con Facturación, marque 4. "
        "Mientras tenga deuda vencida, no podrá obtener certificados de estudios. "
        "Para matricularse debe estar al día en sus pagos. "
        "Si ya pagó y su pago no aparece, registre un ticket de Facturación en Mi Mundo u pe "
        "ene, opción Servicios, Contacto u pe ene, y adjunte su voucher de pago. "
        "Para repetir estas opciones, marque asterisco. Para volver, marque numeral. Para el "
        "menú principal, marque 0."
    )
    assert len(spoken) == 2
    # barge-in: the statement is inside the <Gather>, so a key interrupts it
    doc = etree.fromstring(statement)
    assert [el.tag for el in doc] == ["Gather", "Redirect"]
    assert [el.tag for el in doc.find("Gather")] == ["Say", "Say"]


def test_code_with_its_letter_prefix_typed_as_digits_only(caller: Caller) -> None:
    spoken = says(identify(caller, "00054321", "1357"))
    assert spoken[0].startswith("No tiene montos vencidos.")


def test_unknown_code_and_wrong_dni_sound_the_same(caller: Caller) -> None:
    unknown = says(identify(caller, "99999999", "2468"))
    caller.call["CallSid"] = "CA" + "1" * 32
    wrong = says(identify(caller, "00012345", "0000"))
    assert unknown == wrong
    assert unknown[0] == "Los datos ingresados no coinciden con nuestros registros."


def test_three_failures_end_the_attempt_naming_the_channels(caller: Caller) -> None:
    for _ in range(2):
        identify(caller, "00012345", "0000")
    spoken = says(identify(caller, "00012345", "0000"))
    assert spoken[0] == "No pudimos verificar sus datos."
    assert "WhatsApp del Estudiante" in spoken[1]
    # Back at the student menu; a fourth try in the same call is refused outright.
    assert "Para Help Desk, marque 1." in spoken[2]
    again = says(caller.post(ENTRY, Digits="00012345").data)
    assert again[0] == "No pudimos verificar sus datos."


def test_repeated_failures_across_calls_lock_the_code(caller: Caller) -> None:
    for call in range(5):
        caller.call["CallSid"] = f"CA{call:032d}"
        identify(caller, "00054321", "0000")
    caller.call["CallSid"] = "CA" + "f" * 32
    spoken = says(identify(caller, "00054321", "1357"))  # the right DNI, but locked
    assert spoken[0].startswith("Por su seguridad, la consulta telefónica de este código")


def test_menu_after_the_statement_detail_and_early_payment(caller: Caller) -> None:
    menu = caller.post(ENTRY, Digits="00012345")
    after = caller.follow(menu, Digits="2468")
    detail = says(caller.follow(after, Digits="2").data)[0]
    # only the unpaid: the matrícula and cuota 1 are paid
    assert detail.startswith("Cuota dos: pagada fuera de plazo")
    assert "Cuota tres: vencida el viernes 30 de octubre, hace veintidós días." in detail
    back = says(caller.follow(after, Digits="#").data)
    assert "Para Help Desk, marque 1." in back[0]


def test_facturacion_only_offered_while_open(caller: Caller, clock: Clock) -> None:
    clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=LIMA))  # Sunday
    spoken = says(identify(caller, "00012345", "2468"))
    assert "Para hablar con Facturación" not in spoken[-1]


def test_logs_never_hold_the_code_dni_or_balance(
    caller: Caller, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    identify(caller, "00012345", "2468")
    assert "00012345" not in caplog.text
    assert "2468" not in caplog.text
    assert "2995" not in caplog.text and "2,995" not in caplog.text
    assert "345" in caplog.text  # the masked code: its last three characters


def test_ledger_down_apologises_and_offers_the_desk(
    caller: Caller, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(app.extensions["ivr"].ledger, "verify", down)
    data = identify(caller, "00012345", "2468")
    assert says(data)[0] == "En este momento no podemos consultar su estado de cuenta."
    enqueue = etree.fromstring(data).find("Enqueue")
    assert enqueue is not None and enqueue.text == "facturacion"


def test_silence_at_the_code_prompt_reprompts_then_leaves(caller: Caller) -> None:
    data = caller.post(ENTRY).data
    assert says(data)[0] == "No recibimos ninguna opción."
    data = caller.post(ENTRY + "&ni=1").data
    data = caller.post(ENTRY + "&ni=2").data
    assert "WhatsApp del Estudiante" in says(data)[0]


def test_a_retried_step_gets_the_same_answer_and_counts_once(caller: Caller, app: Flask) -> None:
    """A balancer sends a webhook again (its first host died): same answer, no double count."""
    runtime = app.extensions["ivr"]
    asked_dni = caller.post(caller.code_prompt(), Digits="00012345")
    wrong = caller.follow(asked_dni, Digits="0000")
    assert caller.follow(asked_dni, Digits="0000").data == wrong.data
    asked_dni = caller.post(caller.code_prompt(), Digits="00012345")
    right = caller.follow(asked_dni, Digits="2468")
    assert says(right.data)[0].startswith("Tiene mil dieciocho soles")
    assert caller.follow(asked_dni, Digits="2468").data == right.data  # the code is not used up
    runtime.calls.flush()
    with runtime.engine.connect() as conn:
        failures = conn.execute(select(func.count()).select_from(verification_failures))
        assert failures.scalar_one() == 0  # the one failure, cleared by the success
        events = conn.execute(select(call_steps.c.event).order_by(call_steps.c.id)).scalars()
        assert list(events) == [
            "selfservice_code",
            "selfservice_rejected",
            "selfservice_code",
            "selfservice_verified",
        ]
