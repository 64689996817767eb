"""The demo students' statements by phone: overdue first, the first option within 70 words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from flask import Flask
from lxml import etree

from ivr.clock import LIMA
from ivr.core.say import word_count, words_before_option
from ivr.storage.ledger.demo import generate
from tests.helpers import Caller, Clock

STATEMENT_LEAD_IN = 70  # words a verified caller hears before the statement's first option
STUDENTS = {"N00012345": "2468", "N00054321": "1357"}
DATES = [
    datetime(2026, 9, 3, 10, 0, tzinfo=LIMA),  # cuota 1 just fell due
    datetime(2026, 10, 5, 10, 0, tzinfo=LIMA),  # cuota 2 late by five days, no fee yet
    datetime(2026, 11, 21, 10, 0, tzinfo=LIMA),  # the demo's own day
    datetime(2026, 12, 21, 10, 0, tzinfo=LIMA),  # cuota 4 overdue too
    datetime(2027, 1, 15, 10, 0, tzinfo=LIMA),  # the term's last cuota overdue
]


def says(data: bytes) -> list[str]:
    return [el.text or "" for el in etree.fromstring(data).iter("Say")]


def statement(app: Flask, code: str) -> list[str]:
    """Return what a caller hears once verified: the statement, then its options."""
    with app.test_client() as client:
        caller = Caller(client)
        students = caller.follow(caller.post("/voice"), Digits="2")
        asked_code = caller.follow(students, Digits="5")
        asked_dni = caller.follow(asked_code, Digits=code[1:])
        return says(caller.follow(asked_dni, Digits=STUDENTS[code]).data)


@pytest.mark.parametrize("code", list(STUDENTS))
@pytest.mark.parametrize("moment", DATES, ids=[f"{d:%Y-%m-%d}" for d in DATES])
def test_the_statement_comes_within_70_words_overdue_first_then_the_total(
    make_app: Callable[..., Flask], clock: Clock, code: str, moment: datetime
) -> None:
    clock.set(moment)
    app = make_app()
    generate(app.extensions["ivr"].ledger, students=20)
    heard = statement(app, code)
    lead = words_before_option(heard)
    assert lead is not None and lead <= STATEMENT_LEAD_IN, heard
    assert lead == word_count(heard[:1])  # the statement is one <Say>, then the options
    sentences = heard[0].split(". ")
    assert sentences[0].startswith(("Tiene ", "No tiene montos vencidos", "No tiene deuda"))
    if sentences[0].startswith("Tiene "):  # something is overdue: then by when to pay it
        assert sentences[1].startswith(("Páguelo hasta el", "Si paga la cuota", "Tiene deuda"))
    if not heard[0].startswith("No tiene deuda"):
        assert sentences[-1].startswith("En total, debe") or "Su próxima cuota" in heard[0]


def test_after_the_options_what_to_do_if_already_paid(
    make_app: Callable[..., Flask], clock: Clock
) -> None:
    clock.set(DATES[2])
    app = make_app()
    generate(app.extensions["ivr"].ledger, students=20)
    options = statement(app, "N00054321")[-1]
    assert options.index("marque 4.") < options.index("Si ya pagó y su pago no aparece")
    assert options.endswith(
        "Si ya pagó y su pago no aparece, registre un ticket de Facturación en Mi Mundo u pe "
        "ene, opción Servicios, Contacto u pe ene, y adjunte su voucher de pago. Para repetir "
        "estas opciones, marque asterisco. Para volver, marque numeral. Para el menú principal, "
        "marque 0."
    )
