"""What a verified caller hears, sentence by sentence (on the shipped 2026-2/2027-1 calendar)."""

from __future__ import annotations

from datetime import date

import pytest

from ivr.config.billing import parse_billing
from ivr.config.source import Collector
from ivr.core.fees import Account, Enrolment, Payment, Statement, Student, statement
from ivr.core.say import SAY_LIMIT
from ivr.core.selfservice import script
from ivr.storage.ledger.demo import DEMO_BILLING
from tests.helpers import ROOT

SHIPPED = parse_billing(Collector(), ROOT)
assert SHIPPED is not None
POLICY = SHIPPED.policy  # billing/policy.yaml as shipped: the wording callers hear


def summary(result: Statement) -> tuple[str, ...]:
    return script.summary(result, POLICY)


def detail(result: Statement) -> tuple[str, ...]:
    return script.detail(result, POLICY)


def early_payment(result: Statement) -> tuple[str, ...]:
    return script.early_payment(result, POLICY)


TODAY = date(2026, 11, 21)  # a Saturday
# 2026-2: matrícula due 15 Aug; cuotas 31 Aug, 30 Sep, 30 Oct, 30 Nov, 30 Dec;
# insurance S/ 38.50 on cuotas 2-5; S/ 950.00 tuition -> S/ 988.50 with insurance.


def pay(concept: str, cuota: int | None, amount: int, on: date, term: str = "2026-2") -> Payment:
    return Payment(concept, cuota, amount, on, term)  # type: ignore[arg-type]


def owed(
    *payments: Payment,
    as_of: date = TODAY,
    student: Student | None = None,
    enrolments: tuple[Enrolment, ...] = (Enrolment("2026-2", 95000, 20),),
) -> Statement:
    account = Account(student or Student("N00012345"), enrolments, payments)
    return statement(account, DEMO_BILLING, as_of)


MATRICULA = pay("matricula", None, 39000, date(2026, 8, 10))
CUOTA_1 = pay("cuota", 1, 95000, date(2026, 8, 28))
LATE_CUOTA_2 = pay("cuota", 2, 98850, date(2026, 10, 12))  # 12 days late: fee stays
CUOTA_2 = pay("cuota", 2, 98850, date(2026, 9, 28))
CUOTA_3 = pay("cuota", 3, 98850, date(2026, 10, 28))


def behind() -> Statement:
    return owed(MATRICULA, CUOTA_1, LATE_CUOTA_2)


def test_summary_of_a_student_behind_on_payments() -> None:
    # what is overdue with its fees and by when (policy 5.1.3: the oldest unpaid amount, cuota
    # 2's fee due 8 October, is reportable after 7 December), the next cuota, then the total
    assert summary(behind()) == (
        "Tiene mil dieciocho soles con cincuenta céntimos vencidos, incluidos treinta soles de "
        "gastos administrativos.",
        "Páguelo hasta el lunes 7 de diciembre para evitar el reporte a centrales de riesgo.",
        "Su próxima cuota, la cuatro, vence el lunes 30 de noviembre, por novecientos ochenta y "
        "ocho soles con cincuenta céntimos.",
        "En total, debe dos mil novecientos noventa y cinco soles con cincuenta céntimos.",
    )
    # after the statement's options: what the debt blocks, then what to do if already paid
    assert script.notes(behind(), POLICY) == (
        "Mientras tenga deuda vencida, no podrá obtener certificados de estudios.",
        "Para matricularse debe estar al día en sus pagos.",
        "Si ya pagó y su pago no aparece, registre un ticket de Facturación en MiMundoUPN, "
        "opción Servicios, Contacto UPN, y adjunte su voucher de pago.",
    )


def test_a_cuota_late_by_days_says_by_when_it_avoids_the_late_fee() -> None:
    # policy 5.9.2: cuota 3, due Friday 30 October, carries no fee if paid by 6 November
    result = owed(MATRICULA, CUOTA_1, CUOTA_2, as_of=date(2026, 11, 3))
    assert summary(result)[:2] == (
        "Tiene novecientos ochenta y ocho soles con cincuenta céntimos vencidos.",
        "Si paga la cuota tres hasta el viernes 6 de noviembre, evita los gastos administrativos.",
    )


def test_detail_of_a_student_behind_on_payments() -> None:
    # only what is unpaid: the matrícula and cuota 1, paid, are not read
    assert detail(behind()) == (
        "Cuota dos: pagada fuera de plazo; debe quince soles de gastos administrativos.",
        "Cuota tres: vencida el viernes 30 de octubre, hace veintidós días. Debe mil tres "
        "soles con cincuenta céntimos, incluidos quince soles de gastos administrativos.",
        "Cuota cuatro: novecientos ochenta y ocho soles con cincuenta céntimos, incluye "
        "treinta y ocho soles con cincuenta céntimos de seguro; vence el lunes 30 de noviembre.",
        "Cuota cinco: novecientos ochenta y ocho soles con cincuenta céntimos, incluye "
        "treinta y ocho soles con cincuenta céntimos de seguro; vence el miércoles 30 de "
        "diciembre.",
    )


def test_summary_warns_of_the_credit_bureau_after_60_days() -> None:
    result = owed(MATRICULA)  # cuota 1, due 31 August, is 82 days overdue
    assert (
        "Tiene deuda vencida hace más de sesenta días, que puede ser reportada a las centrales "
        "de riesgo."
    ) in summary(result)


def test_summary_of_an_up_to_date_student_enrolled_in_the_next_term() -> None:
    result = owed(
        MATRICULA,
        CUOTA_1,
        CUOTA_2,
        CUOTA_3,
        enrolments=(Enrolment("2026-2", 95000, 22), Enrolment("2027-1", 95000, 22)),
    )
    assert summary(result) == (
        "No tiene montos vencidos.",
        "Su próxima cuota, la cuatro, vence el lunes 30 de noviembre, por novecientos ochenta y "
        "ocho soles con cincuenta céntimos.",
        "En total, debe siete mil doscientos setenta y un soles.",
    )
    assert early_payment(result) == (
        "El descuento por pronto pago es del cinco por ciento de las cuotas y se solicita "
        "registrando un ticket de Facturación en MiMundoUPN, opción Servicios, Contacto UPN, "
        "hasta el martes 30 de marzo de 2027.",
        "Cuando se le aprueba, tiene dos días hábiles para pagar todas las cuotas del ciclo dos "
        "mil veintisiete uno: pagaría cuatro mil seiscientos sesenta y seis soles con cincuenta "
        "céntimos, con un descuento de doscientos treinta y siete soles con cincuenta céntimos.",
        "No se aplica a la matrícula, al seguro ni a los gastos administrativos.",
    )


def test_a_student_with_no_debt() -> None:
    # S/ 10,000.00 on cuota 1's due date (too late for the discount) against S/ 4,904.00
    everything = [pay("cuota", None, 100000 * 10, date(2026, 8, 31))]
    result = owed(MATRICULA, *everything)
    assert summary(result) == (
        "No tiene deuda pendiente, y tiene un saldo a favor de cinco mil noventa y seis soles.",
    )
    assert detail(result) == ("No tiene cuotas ni pagos pendientes.",)


def test_the_next_payment_due_today_and_a_matricula() -> None:
    result = owed(as_of=date(2026, 8, 15))
    assert summary(result) == (
        "No tiene montos vencidos.",
        "Su próximo pago, la matrícula, vence hoy, sábado 15 de agosto, por trescientos "
        "noventa soles.",
        "En total, debe cinco mil doscientos noventa y cuatro soles.",
    )


def test_detail_of_a_partial_payment_and_one_day_late() -> None:
    result = owed(MATRICULA, pay("cuota", 1, 50000, date(2026, 8, 20)), as_of=date(2026, 9, 1))
    assert detail(result)[0] == (
        "Cuota uno: vencida el lunes 31 de agosto, hace un día. Debe cuatrocientos cincuenta soles."
    )
    result = owed(MATRICULA, pay("cuota", 1, 50000, date(2026, 8, 20)), as_of=date(2026, 8, 30))
    assert detail(result)[0] == (
        "Cuota uno: novecientos cincuenta soles, ya pagó quinientos soles y le faltan "
        "cuatrocientos cincuenta soles; vence el lunes 31 de agosto."
    )
    result = owed(MATRICULA, as_of=date(2026, 9, 21))
    assert "hace veintiún días" in detail(result)[0]


def test_detail_names_the_terms_when_more_than_one_owes() -> None:
    result = owed(enrolments=(Enrolment("2026-2", 95000, 22), Enrolment("2027-1", 95000, 22)))
    sentences = detail(result)
    assert sentences[0] == "Ciclo dos mil veintiséis dos."
    assert "Ciclo dos mil veintisiete uno." in sentences
    assert "Matrícula: trescientos noventa soles; vence el sábado 13 de marzo de 2027." in sentences
    assert "Derecho" not in " ".join(sentences)


def test_detail_of_an_extemporaneous_enrolment() -> None:
    result = owed(enrolments=(Enrolment("2026-2", 95000, 22, extemporaneous=True),))
    assert detail(result)[1] == (
        "Derecho de matrícula extemporánea: vencida el sábado 22 de agosto, hace noventa y un "
        "días. Debe ochenta soles."
    )


GRANTED_2026_2 = Enrolment("2026-2", 95000, 20, early_payment_granted_on=date(2026, 8, 20))


def test_early_payment_already_applied() -> None:
    result = owed(
        MATRICULA,
        pay("cuota", None, 5 * 95000 - 23750 + 4 * 3850, date(2026, 8, 20)),
        as_of=date(2026, 9, 1),
        enrolments=(GRANTED_2026_2,),
    )
    assert early_payment(result) == (
        "Ya tiene aplicado el descuento por pronto pago, de doscientos treinta y siete soles "
        "con cincuenta céntimos, en sus cuotas.",
    )


def test_early_payment_paid_early_without_a_grant_is_not_applied_and_leaves_no_credit() -> None:
    result = owed(
        MATRICULA,
        pay("cuota", None, 5 * 95000 + 4 * 3850, date(2026, 8, 20)),
        as_of=date(2026, 9, 1),
    )
    assert summary(result)[0] == "No tiene deuda pendiente."
    assert "saldo a favor" not in " ".join(summary(result))


def test_early_payment_granted_and_waiting_for_the_payment() -> None:
    # granted Thursday 20 August 2026: two business days to pay, until Monday 24 August
    result = owed(MATRICULA, as_of=date(2026, 8, 21), enrolments=(GRANTED_2026_2,))
    assert early_payment(result) == (
        "Tiene aprobado el descuento por pronto pago del ciclo dos mil veintiséis dos. Para "
        "conservarlo, pague cuatro mil seiscientos sesenta y seis soles con cincuenta céntimos "
        "por todas las cuotas hasta el lunes 24 de agosto; si no, vuelve la tarifa regular.",
    )


def test_early_payment_granted_but_not_paid_in_time() -> None:
    result = owed(MATRICULA, as_of=date(2026, 8, 25), enrolments=(GRANTED_2026_2,))
    assert early_payment(result)[0].startswith(
        "El descuento por pronto pago que se le aprobó ya no aplica"
    )


def test_early_payment_after_the_deadline() -> None:
    assert early_payment(behind()) == (
        "El descuento por pronto pago ya no está disponible para este ciclo: se solicita y se "
        "paga antes del vencimiento de la primera cuota.",
    )


@pytest.mark.parametrize(
    "student",
    [
        pytest.param(Student("N1", has_agreement=True), id="convenio"),
        pytest.param(Student("N1", has_benefit=True), id="benefit"),
        pytest.param(Student("N1", is_staff_or_family=True), id="staff"),
        pytest.param(Student("N1", tariff_category="internado"), id="tariff"),
    ],
)
def test_early_payment_ineligible_is_said_generically(student: Student) -> None:
    result = owed(student=student, as_of=date(2026, 8, 1))
    assert early_payment(result) == (
        "El descuento por pronto pago no aplica en su caso. Es solo para estudiantes con "
        "tarifa regular, sin convenio ni otro beneficio.",
    )


def test_early_payment_without_an_enrolment() -> None:
    assert early_payment(owed(enrolments=())) == (
        "No tiene un ciclo por pagar en el que pueda aplicarse el descuento por pronto pago.",
    )


def test_every_sentence_fits_one_say() -> None:
    enrolments = tuple(
        Enrolment(t.code, 9999999, 20, extemporaneous=True) for t in DEMO_BILLING.terms
    )
    result = owed(as_of=date(2027, 12, 31), enrolments=enrolments)
    sentences = summary(result) + detail(result) + early_payment(result)
    # overdue, reportable, total (nothing left to fall due); a term's name and its seven
    # unpaid obligations, for each of three terms; the early payment
    assert len(sentences) == 3 + 3 * 8 + 1
    assert max(len(s) for s in sentences) < SAY_LIMIT


def test_the_statement_fits_70_words_before_its_options() -> None:
    # overdue and by when, the next cuota, the total: at most 70 words, even with amounts of
    # eleven words (S/ 1,977.77 a cuota), two terms, reportable debt or a matrícula due
    cases = [
        behind(),
        owed(MATRICULA, as_of=date(2026, 12, 1)),
        owed(MATRICULA, CUOTA_1, CUOTA_2, as_of=date(2026, 11, 3)),
        owed(
            as_of=date(2026, 9, 10),
            enrolments=(
                Enrolment("2026-2", 197777, 22, extemporaneous=True),
                Enrolment("2027-1", 197777, 22),
            ),
        ),
    ]
    for result in cases:
        sentences = summary(result)
        assert sentences[0].startswith(("Tiene", "No tiene"))
        assert sentences[-1].startswith("En total, debe")
        assert len(" ".join(sentences).split()) <= 70, sentences
    assert summary(cases[1])[:2] == (
        "Tiene tres mil novecientos sesenta soles con cincuenta céntimos vencidos, incluidos "
        "cuarenta y cinco soles de gastos administrativos.",
        "Tiene deuda vencida hace más de sesenta días, que puede ser reportada a las centrales "
        "de riesgo.",
    )
