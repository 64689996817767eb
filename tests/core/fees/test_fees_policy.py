"""The payment policy, rule by rule, on hand-built accounts (clause numbers in the test names).

The calendar: cuota 1 falls due on Tuesday 10 March 2026, then 10 April, 11 May, 10 June and
10 July; midterms start Monday 4 May, so the withdrawal deadline is Friday 1 May.
"""

from __future__ import annotations

from datetime import date

import pytest

from ivr.core.fees import (
    Account,
    Billing,
    Enrolment,
    Payment,
    PriceList,
    Statement,
    Student,
    TermCalendar,
    UnknownTermError,
    business_day_before,
    statement,
    statement_to_json,
)
from ivr.core.fees.model import business_days_after
from tests.core.fees.policies import SHIPPED_POLICY

PRICES = PriceList(
    late_fee=1500,
    insurance_instalment=4500,
    credit_price=15001,
    extemporaneous_enrolment_fee=10000,
    matricula=40000,
)
DUE = (
    date(2026, 3, 10),
    date(2026, 4, 10),
    date(2026, 5, 11),
    date(2026, 6, 10),
    date(2026, 7, 10),
)
TERM = TermCalendar(
    code="2026-1",
    cuota_due_dates=DUE,
    midterms_start=date(2026, 5, 4),
    withdrawal_deadline=date(2026, 5, 1),
    enrolment_closes=date(2026, 3, 1),
    late_enrolment_closes=date(2026, 3, 7),
)
NEXT_TERM = TermCalendar(
    code="2026-2",
    cuota_due_dates=(
        date(2026, 8, 31),
        date(2026, 9, 30),
        date(2026, 10, 30),
        date(2026, 11, 30),
        date(2026, 12, 30),
    ),
    midterms_start=date(2026, 10, 12),
    withdrawal_deadline=date(2026, 10, 9),
    enrolment_closes=date(2026, 8, 15),
    late_enrolment_closes=date(2026, 8, 22),
)
BILLING = Billing(PRICES, (TERM, NEXT_TERM), SHIPPED_POLICY)  # billing/policy.yaml
TARIFF = 100000  # S/ 1,000.00 per cuota
REGULAR = Student("N00123456")


def owed(
    as_of: date,
    *payments: Payment,
    student: Student = REGULAR,
    enrolments: tuple[Enrolment, ...] | None = None,
    credits: int = 20,
    insurance: str = "not_contracted",
    tariff: int = TARIFF,
    **more: object,
) -> Statement:
    """Return the statement of one student enrolled in 2026-1 (no insurance unless asked)."""
    enrolment = Enrolment(
        "2026-1",
        tariff,
        credits,
        insurance=insurance,  # type: ignore[arg-type]
        **more,  # type: ignore[arg-type]
    )
    account = Account(student, enrolments or (enrolment,), payments)
    return statement(account, BILLING, as_of)


def pay(
    number: int | None, amount: int, on: date, concept: str = "cuota", term: str | None = "2026-1"
) -> Payment:
    return Payment(concept, number, amount, on, term, f"P{number}-{on}")  # type: ignore[arg-type]


def matricula(on: date = date(2026, 2, 20)) -> Payment:
    return pay(None, 40000, on, "matricula")


def row(result: Statement, number: int, term: str = "2026-1"):  # type: ignore[no-untyped-def]
    (found,) = [o for o in result.obligations if o.term == term and o.cuota == number]
    return found


# -- 5.1.2: five cuotas on the term calendar ------------------------------------------------


def test_5_1_2_five_cuotas_on_the_term_calendars_due_dates() -> None:
    result = owed(date(2026, 2, 1))
    assert [(o.concept, o.cuota, o.due, o.amount) for o in result.obligations] == [
        ("matricula", None, date(2026, 3, 1), 40000),
        ("cuota", 1, date(2026, 3, 10), 100000),
        ("cuota", 2, date(2026, 4, 10), 100000),
        ("cuota", 3, date(2026, 5, 11), 100000),
        ("cuota", 4, date(2026, 6, 10), 100000),
        ("cuota", 5, date(2026, 7, 10), 100000),
    ]
    assert result.balance == 540000
    assert result.overdue == 0


# -- 5.3.4 c: credit bands and the last regular cycle ---------------------------------------


@pytest.mark.parametrize(
    ("credits", "per_cuota"),
    [
        pytest.param(1, 42517, id="1-credit-50pct-half-up"),
        pytest.param(6, 42517, id="6-credits-50pct"),
        pytest.param(7, 63775, id="7-credits-75pct"),
        pytest.param(11, 63775, id="11-credits-75pct"),
        pytest.param(12, 85033, id="12-credits-100pct"),
        pytest.param(24, 85033, id="24-credits-100pct"),
    ],
)
def test_5_3_4_c_credit_bands(credits: int, per_cuota: int) -> None:
    result = owed(date(2026, 2, 1), credits=credits, tariff=85033)
    assert [o.amount for o in result.obligations if o.concept == "cuota"] == [per_cuota] * 5


def test_5_3_4_c_last_regular_cycle_is_credits_times_price_spread_exactly() -> None:
    # 7 credits x S/ 150.01 = S/ 1,050.07: the two odd céntimos go to the first cuotas
    result = owed(date(2026, 2, 1), credits=7, last_regular_cycle=True)
    amounts = [o.amount for o in result.obligations if o.concept == "cuota"]
    assert amounts == [21002, 21002, 21001, 21001, 21001]
    assert sum(amounts) == 7 * 15001


def test_5_3_4_c_last_regular_cycle_with_12_credits_pays_the_full_tariff() -> None:
    result = owed(date(2026, 2, 1), credits=12, last_regular_cycle=True)
    assert [o.amount for o in result.obligations if o.concept == "cuota"] == [TARIFF] * 5


# -- 5.6: insurance ---------------------------------------------------------------------------


def test_5_6_1_insurance_in_four_instalments_added_to_cuotas_2_to_5() -> None:
    result = owed(date(2026, 2, 1), insurance="contracted")
    cuotas = [o for o in result.obligations if o.concept == "cuota"]
    assert [(o.tuition, o.insurance, o.amount) for o in cuotas] == [
        (100000, 0, 100000),
        (100000, 4500, 104500),
        (100000, 4500, 104500),
        (100000, 4500, 104500),
        (100000, 4500, 104500),
    ]


@pytest.mark.parametrize("insurance", ["exonerated", "not_contracted"])
def test_5_6_3_no_insurance_when_exonerated_or_not_contracted(insurance: str) -> None:
    result = owed(date(2026, 2, 1), insurance=insurance)
    assert [o.amount for o in result.obligations if o.concept == "cuota"] == [TARIFF] * 5
    assert all(o.insurance == 0 for o in result.obligations)


# -- 5.9.2-5.9.3: the late fee ----------------------------------------------------------------


def test_5_9_2_late_fee_not_on_day_7() -> None:
    cuota_1 = row(owed(date(2026, 3, 17), matricula()), 1)
    assert (cuota_1.status, cuota_1.days_overdue, cuota_1.late_fee) == ("overdue", 7, 0)
    assert cuota_1.outstanding == 100000


def test_5_9_2_late_fee_on_day_8() -> None:
    result = owed(date(2026, 3, 18), matricula())
    cuota_1 = row(result, 1)
    assert (cuota_1.status, cuota_1.days_overdue, cuota_1.late_fee) == ("overdue", 8, 1500)
    assert cuota_1.outstanding == 101500
    # the fee falls due on D+8 (the day it accrues) and, like a cuota on its due date, is
    # owed but not yet overdue that day; it is overdue from D+9
    assert (result.overdue, result.late_fees) == (100000, 1500)
    assert owed(date(2026, 3, 19), matricula()).overdue == 101500


def test_5_9_2_paid_in_full_on_day_7_has_no_fee() -> None:
    cuota_1 = row(owed(date(2026, 4, 1), matricula(), pay(1, 100000, date(2026, 3, 17))), 1)
    assert (cuota_1.status, cuota_1.late_fee, cuota_1.outstanding) == ("paid", 0, 0)


def test_5_9_2_paid_late_keeps_fee() -> None:
    result = owed(date(2026, 4, 1), matricula(), pay(1, 100000, date(2026, 3, 18)))
    cuota_1 = row(result, 1)
    assert (cuota_1.late_fee, cuota_1.paid, cuota_1.outstanding) == (1500, 100000, 1500)
    assert cuota_1.status == "overdue"
    assert (result.overdue, result.late_fees) == (1500, 1500)


def test_5_9_2_paying_the_cuota_with_its_fee_settles_both() -> None:
    cuota_1 = row(owed(date(2026, 4, 1), pay(1, 101500, date(2026, 3, 20))), 1)
    assert (cuota_1.late_fee, cuota_1.paid, cuota_1.outstanding, cuota_1.status) == (
        1500,
        101500,
        0,
        "paid",
    )


def test_5_9_2_a_gastos_administrativos_payment_pays_the_fee_first() -> None:
    result = owed(
        date(2026, 3, 25), pay(1, 1500, date(2026, 3, 20), concept="gastos_administrativos")
    )
    cuota_1 = row(result, 1)
    assert (cuota_1.late_fee, cuota_1.paid, cuota_1.outstanding) == (1500, 1500, 100000)
    assert cuota_1.late_fee_outstanding == 0
    assert result.late_fees == 0


def test_5_9_2_partly_paid_by_day_7_still_carries_the_fee() -> None:
    cuota_1 = row(owed(date(2026, 3, 18), pay(1, 99999, date(2026, 3, 10))), 1)
    assert (cuota_1.late_fee, cuota_1.outstanding) == (1500, 1501)


def test_5_9_2_two_overdue_cuotas_two_fees_not_compounding() -> None:
    result = owed(date(2026, 4, 18), matricula())
    assert [(o.cuota, o.late_fee, o.outstanding) for o in result.overdue_obligations] == [
        (1, 1500, 101500),
        (2, 1500, 101500),
    ]
    # cuota 2's fee falls due on 18 April (D+8): owed that day, overdue from the next
    assert (result.overdue, result.late_fees) == (201500, 3000)
    months_later = owed(date(2026, 4, 30), matricula())
    assert [o.late_fee for o in months_later.overdue_obligations] == [1500, 1500]


def test_5_9_2_the_fee_is_for_cuotas_not_the_matricula() -> None:
    result = owed(date(2026, 3, 9))  # matrícula due 1 March, unpaid
    (enrolment_fee,) = [o for o in result.obligations if o.concept == "matricula"]
    assert (enrolment_fee.status, enrolment_fee.days_overdue, enrolment_fee.late_fee) == (
        "overdue",
        8,
        0,
    )


def test_5_9_3_the_fee_comes_from_the_price_list() -> None:
    dearer = Billing(PriceList(2000, 4500, 15001, 10000, 40000), (TERM, NEXT_TERM), SHIPPED_POLICY)
    account = Account(REGULAR, (Enrolment("2026-1", TARIFF, 20, insurance="not_contracted"),))
    assert row(statement(account, dearer, date(2026, 3, 18)), 1).late_fee == 2000


def test_5_9_2_insurance_unpaid_by_day_7_is_the_cuota_unpaid() -> None:
    # cuota 2 is tuition plus insurance (5.6.1): paying only the tuition leaves it unpaid
    result = owed(
        date(2026, 4, 18),
        pay(1, 100000, date(2026, 3, 1)),
        pay(2, 100000, date(2026, 4, 1)),
        insurance="contracted",
    )
    cuota_2 = row(result, 2)
    assert (cuota_2.amount, cuota_2.late_fee, cuota_2.outstanding) == (104500, 1500, 6000)


# -- payment application (the module's conventions) ----------------------------------------------


def test_a_payment_naming_a_cuota_pays_that_cuota() -> None:
    result = owed(date(2026, 3, 5), pay(3, 100000, date(2026, 3, 1)))
    assert [(o.cuota, o.outstanding) for o in result.obligations] == [
        (None, 40000),
        (1, 100000),
        (2, 100000),
        (3, 0),
        (4, 100000),
        (5, 100000),
    ]


def test_a_payment_naming_nothing_pays_the_oldest_first() -> None:
    result = owed(date(2026, 3, 5), pay(None, 150000, date(2026, 3, 1), "abono", term=None))
    assert [(o.cuota, o.paid, o.outstanding) for o in result.obligations[:3]] == [
        (None, 40000, 0),
        (1, 100000, 0),
        (2, 10000, 90000),
    ]


def test_an_abono_after_a_fee_accrued_pays_the_amount_then_its_fee() -> None:
    result = owed(
        date(2026, 3, 20), matricula(), pay(None, 100800, date(2026, 3, 19), "abono", term=None)
    )
    cuota_1 = row(result, 1)
    assert (cuota_1.paid, cuota_1.late_fee, cuota_1.outstanding) == (100800, 1500, 700)


def test_partial_payments_add_up() -> None:
    result = owed(
        date(2026, 3, 12),
        matricula(),
        pay(1, 30000, date(2026, 3, 1)),
        pay(1, 45050, date(2026, 3, 9)),
    )
    cuota_1 = row(result, 1)
    assert (cuota_1.paid, cuota_1.outstanding, cuota_1.status) == (75050, 24950, "overdue")
    assert result.balance == 24950 + 4 * TARIFF


def test_a_cuota_overpaid_spills_over_to_the_next_and_past_everything_is_credit() -> None:
    result = owed(date(2026, 3, 5), matricula(), pay(1, 120000, date(2026, 3, 1)))
    assert (row(result, 1).outstanding, row(result, 2).outstanding) == (0, 80000)
    # paid on cuota 1's due date: too late for the early-payment discount
    everything = owed(date(2026, 3, 10), matricula(), pay(1, 510000, date(2026, 3, 10)))
    assert (everything.balance, everything.credit) == (0, 10000)


def test_payments_after_the_statement_date_are_not_counted() -> None:
    result = owed(date(2026, 3, 5), pay(1, 100000, date(2026, 3, 6)))
    assert row(result, 1).outstanding == 100000


# -- 5.2: the early-payment discount ------------------------------------------------------------


def test_5_2_2_quote_when_eligible_and_in_time() -> None:
    result = owed(date(2026, 3, 1), insurance="contracted")
    assert result.early_payment_status == "available"
    quote = result.early_payment_quote
    assert quote is not None
    # 5% of the five tuition cuotas (S/ 5,000.00), not of the insurance (5.2.2 b)
    assert (quote.term, quote.discount, quote.amount, quote.deadline) == (
        "2026-1",
        25000,
        5 * TARIFF + 4 * 4500 - 25000,
        date(2026, 3, 9),
    )


def test_5_2_2_quote_on_the_last_day_before_cuota_1_is_due() -> None:
    result = owed(date(2026, 3, 9))
    assert result.early_payment_quote is not None
    assert result.early_payment_quote.deadline == date(2026, 3, 9)


def test_5_2_2_no_quote_once_cuota_1_is_due() -> None:
    result = owed(date(2026, 3, 10))
    assert (result.early_payment_status, result.early_payment_quote) == ("deadline_passed", None)


@pytest.mark.parametrize(
    ("student", "withdrawn_on", "status"),
    [
        pytest.param(
            Student("N1", tariff_category="internado"), None, "not_regular_tariff", id="5.2.2a"
        ),
        pytest.param(Student("N1", has_agreement=True), None, "agreement", id="5.2.3-convenio"),
        pytest.param(Student("N1", has_benefit=True), None, "other_benefit", id="5.2.1-benefit"),
        pytest.param(
            Student("N1", is_staff_or_family=True), None, "staff_or_family", id="5.2.4c-staff"
        ),
        pytest.param(REGULAR, date(2026, 2, 20), "withdrawn", id="5.4.1-withdrawn"),
    ],
)
def test_5_2_ineligible_students_get_no_quote(
    student: Student, withdrawn_on: date | None, status: str
) -> None:
    result = owed(date(2026, 3, 1), student=student, withdrawn_on=withdrawn_on)
    assert (result.early_payment_status, result.early_payment_quote) == (status, None)


def test_5_2_2_c_paying_the_whole_cycle_early_without_a_grant_gets_no_discount() -> None:
    # 5.2.2 c: the discount must be requested; paying early alone never earns it
    result = owed(
        date(2026, 4, 20),
        matricula(),
        pay(None, 5 * TARIFF + 4 * 4500 - 25000, date(2026, 3, 9)),
        insurance="contracted",
    )
    assert result.early_payment_status == "deadline_passed"
    assert all(o.discount == 0 for o in result.obligations)
    assert (result.balance, result.credit) == (25000, 0)


def test_5_10_full_price_paid_early_without_a_grant_owes_nothing_and_has_no_credit() -> None:
    result = owed(date(2026, 3, 9), matricula(), pay(None, 5 * TARIFF, date(2026, 3, 2)))
    assert (result.balance, result.credit, result.early_payment_status) == (0, 0, "available")


GRANTED = date(2026, 3, 5)  # a Thursday: the 2nd business day after it is Monday 9 March


def test_5_2_2_d_granted_the_cuotas_are_at_95_percent_until_the_window_ends() -> None:
    result = owed(date(2026, 3, 6), matricula(), early_payment_granted_on=GRANTED)
    assert result.early_payment_status == "granted"
    assert [o.amount for o in result.obligations if o.concept == "cuota"] == [95000] * 5
    quote = result.early_payment_quote
    assert quote is not None
    assert (quote.discount, quote.amount, quote.deadline) == (25000, 475000, date(2026, 3, 9))


@pytest.mark.parametrize(
    ("paid_on", "status", "balance"),
    [
        pytest.param(date(2026, 3, 5), "applied", 0, id="paid-the-day-granted"),
        pytest.param(date(2026, 3, 9), "applied", 0, id="paid-on-the-2nd-business-day"),
        pytest.param(date(2026, 3, 10), "lapsed", 25000, id="paid-on-the-3rd-business-day"),
    ],
)
def test_5_2_2_d_the_whole_cycle_within_2_business_days_of_the_grant(
    paid_on: date, status: str, balance: int
) -> None:
    result = owed(
        date(2026, 4, 20),
        matricula(),
        pay(None, 475000, paid_on),
        early_payment_granted_on=GRANTED,
    )
    assert (result.early_payment_status, result.balance, result.credit) == (status, balance, 0)
    discounts = [o.discount for o in result.obligations if o.concept == "cuota"]
    assert discounts == ([5000] * 5 if status == "applied" else [0] * 5)


@pytest.mark.parametrize(
    ("as_of", "status", "cuota_1"),
    [
        pytest.param(date(2026, 3, 9), "granted", 95000, id="last-day-of-the-window"),
        pytest.param(date(2026, 3, 10), "lapsed", 100000, id="the-day-after"),
    ],
)
def test_5_2_2_d_unpaid_the_regular_tariff_returns_after_the_2nd_business_day(
    as_of: date, status: str, cuota_1: int
) -> None:
    result = owed(as_of, matricula(), early_payment_granted_on=GRANTED)
    assert (result.early_payment_status, row(result, 1).amount) == (status, cuota_1)


def test_5_2_2_d_business_days_skip_weekends_and_national_holidays() -> None:
    # granted Wednesday 1 April 2026: Thursday 2 and Friday 3 April are Jueves and Viernes
    # Santo (national holidays), so the two business days are Monday 6 and Tuesday 7 April
    assert business_days_after(date(2026, 4, 1), 2) == date(2026, 4, 7)
    assert business_days_after(GRANTED, 2) == date(2026, 3, 9)


def test_5_2_2_paid_on_cuota_1_due_date_is_too_late_for_the_discount() -> None:
    result = owed(date(2026, 4, 20), matricula(), pay(None, 475000, date(2026, 3, 10)))
    assert result.early_payment_status == "deadline_passed"
    assert result.balance == 25000
    assert all(o.discount == 0 for o in result.obligations)


def test_5_2_3_convenio_paying_early_gets_no_discount() -> None:
    result = owed(
        date(2026, 3, 9),
        pay(None, 475000, date(2026, 3, 1)),
        student=Student("N1", has_agreement=True),
    )
    assert result.early_payment_status == "agreement"
    assert result.balance == 40000 + 25000


# -- 5.1.3: credit bureau -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "reportable"),
    [
        pytest.param(date(2026, 5, 9), False, id="60-days"),
        pytest.param(date(2026, 5, 10), True, id="61-days"),
    ],
)
def test_5_1_3_reportable_only_after_60_days(as_of: date, reportable: bool) -> None:
    result = owed(as_of, matricula(), *(pay(n, TARIFF, date(2026, 3, 1)) for n in (2, 3, 4, 5)))
    assert row(result, 1).days_overdue == (as_of - DUE[0]).days
    assert row(result, 1).reportable is reportable
    assert result.reportable is reportable


def test_5_1_3_paid_debt_is_not_reportable() -> None:
    result = owed(
        date(2026, 5, 10),
        matricula(),
        pay(1, 101500, date(2026, 4, 1)),
        pay(2, TARIFF, date(2026, 4, 1)),
    )
    assert row(result, 1).status == "paid"
    assert result.reportable is False
    assert result.overdue == 0


@pytest.mark.parametrize(
    ("as_of", "days", "reportable"),
    [
        pytest.param(date(2026, 5, 9), 52, False, id="cuota+60-fee+52"),
        pytest.param(date(2026, 5, 10), 53, False, id="cuota+61-fee+53"),
        pytest.param(date(2026, 5, 17), 60, False, id="fee+60"),
        pytest.param(date(2026, 5, 18), 61, True, id="fee+61"),
    ],
)
def test_5_1_3_a_late_fee_ages_from_the_8th_day_after_its_cuota(
    as_of: date, days: int, reportable: bool
) -> None:
    # cuota 1 paid on day 9 (late): only its S/ 15 fee, due 18 March (5.9.2), is left
    result = owed(
        as_of,
        matricula(),
        pay(1, TARIFF, date(2026, 3, 19)),
        *(pay(n, TARIFF, date(2026, 3, 1)) for n in (2, 3, 4, 5)),
    )
    cuota_1 = row(result, 1)
    assert (cuota_1.outstanding, cuota_1.status, cuota_1.days_overdue) == (1500, "overdue", days)
    assert (cuota_1.reportable, result.reportable) == (reportable, reportable)


def test_5_9_2_the_fee_alone_is_overdue_from_the_day_after_it_falls_due() -> None:
    paid_late = (matricula(), pay(1, TARIFF, date(2026, 3, 18)))
    on_day_8 = row(owed(date(2026, 3, 18), *paid_late), 1)
    assert (on_day_8.status, on_day_8.outstanding, on_day_8.days_overdue) == ("pending", 1500, 0)
    on_day_9 = row(owed(date(2026, 3, 19), *paid_late), 1)
    assert (on_day_9.status, on_day_9.days_overdue) == ("overdue", 1)


# -- 5.1.4 and 5.3.1: certificates and enrolment ---------------------------------------------


def test_5_1_4_and_5_3_1_an_overdue_amount_blocks_certificates_and_enrolment() -> None:
    result = owed(date(2026, 3, 11), matricula())
    assert (result.certificates_blocked, result.can_enroll) == (True, False)


def test_5_1_4_and_5_3_1_amounts_not_yet_due_block_nothing() -> None:
    result = owed(date(2026, 3, 10), matricula())  # cuota 1 due today: pending
    assert row(result, 1).status == "pending"
    assert (result.certificates_blocked, result.can_enroll) == (False, True)


def test_5_3_1_enrolment_is_confirmed_with_matricula_and_cuota_1_paid() -> None:
    before = owed(date(2026, 3, 5), matricula())
    after = owed(date(2026, 3, 5), matricula(), pay(1, TARIFF, date(2026, 3, 5)))
    assert [t.enrolment_confirmed for t in before.terms] == [False]
    assert [t.enrolment_confirmed for t in after.terms] == [True]


# -- 5.3.3: extemporaneous enrolment --------------------------------------------------------------


def test_5_3_3_extemporaneous_enrolment_adds_the_fee() -> None:
    result = owed(date(2026, 3, 8), extemporaneous=True)
    assert [(o.concept, o.due, o.amount, o.status) for o in result.obligations[:2]] == [
        ("matricula", date(2026, 3, 7), 40000, "overdue"),
        ("matricula_extemporanea", date(2026, 3, 7), 10000, "overdue"),
    ]
    assert result.overdue == 50000


# -- 5.4.1: withdrawal --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("withdrawn_on", "cuotas"),
    [
        pytest.param(date(2026, 3, 9), [], id="before-cuota-1"),
        pytest.param(date(2026, 4, 20), [1, 2], id="before-the-deadline"),
        pytest.param(date(2026, 5, 1), [1, 2], id="on-the-deadline"),
        pytest.param(date(2026, 5, 4), [1, 2, 3, 4, 5], id="midterms-started"),
    ],
)
def test_5_4_1_withdrawal(withdrawn_on: date, cuotas: list[int]) -> None:
    result = owed(date(2026, 8, 1), matricula(), withdrawn_on=withdrawn_on)
    assert [o.cuota for o in result.obligations if o.concept == "cuota"] == cuotas
    assert result.balance == len(cuotas) * (TARIFF + 1500)
    assert result.terms[0].withdrawn_on == withdrawn_on


def test_5_4_1_the_deadline_is_the_business_day_before_midterms() -> None:
    assert business_day_before(date(2026, 5, 4)) == date(2026, 5, 1)  # Monday -> Friday
    assert business_day_before(date(2026, 5, 6)) == date(2026, 5, 5)


# -- the statement as a whole -------------------------------------------------------------------


def test_a_student_with_no_debt() -> None:
    paid = [pay(n, TARIFF, DUE[n - 1]) for n in range(1, 6)]
    result = owed(date(2026, 8, 1), matricula(), *paid)
    assert (result.balance, result.overdue, result.late_fees, result.credit) == (0, 0, 0, 0)
    assert result.next_due is None
    assert (result.reportable, result.certificates_blocked, result.can_enroll) == (
        False,
        False,
        True,
    )
    assert {o.status for o in result.obligations} == {"paid"}


def test_next_due_is_the_first_unpaid_obligation_not_yet_due() -> None:
    result = owed(date(2026, 4, 11), matricula(), pay(1, TARIFF, date(2026, 3, 1)))
    assert result.next_due is not None
    assert (result.next_due.cuota, result.next_due.date, result.next_due.amount) == (
        3,
        date(2026, 5, 11),
        TARIFF,
    )


def test_a_second_term_adds_its_obligations_and_counts_for_enrolment() -> None:
    enrolments = (
        Enrolment("2026-1", TARIFF, 20, insurance="not_contracted"),
        Enrolment("2026-2", TARIFF, 20, insurance="not_contracted"),
    )
    result = owed(date(2026, 9, 1), enrolments=enrolments)
    assert [t.term for t in result.terms] == ["2026-1", "2026-2"]
    # every 2026-1 cuota carries its fee; 2026-2 cuota 1 is one day late, no fee yet
    assert result.balance == 2 * (40000 + 5 * TARIFF) + 5 * 1500
    assert result.can_enroll is False
    assert result.early_payment_status == "deadline_passed"


def test_an_unknown_term_is_an_error() -> None:
    account = Account(REGULAR, (Enrolment("2030-1", TARIFF, 20),))
    with pytest.raises(UnknownTermError, match=r"term 2030-1 is not in billing/terms\.yaml"):
        statement(account, BILLING, date(2026, 1, 1))


def test_statement_to_json() -> None:
    result = owed(date(2026, 3, 18), matricula(), pay(1, 30000, date(2026, 3, 1)), credits=9)
    assert statement_to_json(result) == {
        "balance": "3465.00",
        "overdue": "450.00",  # the S/ 15 fee falls due on D+8, this very day: not yet overdue
        "late_fees": "15.00",
        "next_due": {
            "concept": "cuota",
            "term": "2026-1",
            "cuota": 2,
            "date": "2026-04-10",
            "amount": "750.00",
        },
        "reportable": False,
        "certificates_blocked": True,
        "can_enroll": False,
        "early_payment_quote": None,
        "obligations": [
            {
                "concept": "matricula",
                "term": "2026-1",
                "cuota": None,
                "due": "2026-03-01",
                "amount": "400.00",
                "paid": "400.00",
                "outstanding": "0.00",
                "late_fee": "0.00",
                "status": "paid",
                "days_overdue": 0,
            },
            {
                "concept": "cuota",
                "term": "2026-1",
                "cuota": 1,
                "due": "2026-03-10",
                "amount": "750.00",
                "paid": "300.00",
                "outstanding": "465.00",
                "late_fee": "15.00",
                "status": "overdue",
                "days_overdue": 8,
            },
            *(
                {
                    "concept": "cuota",
                    "term": "2026-1",
                    "cuota": n,
                    "due": due,
                    "amount": "750.00",
                    "paid": "0.00",
                    "outstanding": "750.00",
                    "late_fee": "0.00",
                    "status": "pending",
                    "days_overdue": 0,
                }
                for n, due in [
                    (2, "2026-04-10"),
                    (3, "2026-05-11"),
                    (4, "2026-06-10"),
                    (5, "2026-07-10"),
                ]
            ),
        ],
    }


def test_statement_to_json_with_a_quote() -> None:
    quote = statement_to_json(owed(date(2026, 3, 1)))["early_payment_quote"]
    assert quote == {"discount": "250.00", "amount": "4750.00", "deadline": "2026-03-09"}
