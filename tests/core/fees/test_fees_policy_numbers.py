"""The policy's numbers come from billing/policy.yaml: each rule on the shipped set and a second.

The shipped set is the seed's (5 cuotas, the fee on the 8th day, 60 days, 6/11 credits at
50/75%, insurance on cuotas 2-5, 5% within 2 business days, four exclusions); the second
(tests/adoption/second.py) has 4 cuotas, the 5th day, 90 days, 8/14 credits at 40/80%,
insurance on cuotas 3-4, 8% within 3 business days and only a convenio excluded.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ivr.core.fees import (
    EARLY_PAYMENT_EXCLUSIONS,
    Account,
    Billing,
    Enrolment,
    FeePolicy,
    Obligation,
    Payment,
    PriceList,
    Statement,
    Student,
    TermCalendar,
    statement,
)
from ivr.core.fees.model import business_days_after
from ivr.core.fees.money import percent_of
from tests.core.fees.policies import SECOND_POLICY, SHIPPED_POLICY

POLICIES = [
    pytest.param(SHIPPED_POLICY, id="shipped"),
    pytest.param(SECOND_POLICY, id="second"),
]
PRICES = PriceList(
    late_fee=1700,
    insurance_instalment=4000,
    credit_price=10000,
    extemporaneous_enrolment_fee=5000,
    matricula=30000,
)
TARIFF = 100000
FIRST_DUE = date(2026, 3, 10)  # a Tuesday; the next cuotas on the 10th of each month
GRANTED = date(2026, 2, 2)  # a Monday of a week without national holidays


def billing(policy: FeePolicy) -> Billing:
    """Return one term with as many monthly cuotas as the policy gives."""
    term = TermCalendar(
        code="2026-1",
        cuota_due_dates=tuple(FIRST_DUE.replace(month=3 + i) for i in range(policy.cuotas)),
        midterms_start=date(2026, 5, 4),
        withdrawal_deadline=date(2026, 5, 1),
        enrolment_closes=date(2026, 3, 1),
        late_enrolment_closes=date(2026, 3, 7),
    )
    return Billing(PRICES, (term,), policy)


def owed(
    policy: FeePolicy,
    as_of: date,
    *payments: Payment,
    student: Student | None = None,
    credits: int = 30,
    **more: object,
) -> Statement:
    enrolment = Enrolment("2026-1", TARIFF, credits, insurance="not_contracted")
    if more:
        enrolment = Enrolment("2026-1", TARIFF, credits, **more)  # type: ignore[arg-type]
    account = Account(student or Student("N1"), (enrolment,), payments)
    return statement(account, billing(policy), as_of)


def cuotas(result: Statement) -> list[Obligation]:
    return [o for o in result.obligations if o.concept == "cuota"]


@pytest.mark.parametrize("policy", POLICIES)
def test_5_1_2_a_term_has_the_policys_cuotas(policy: FeePolicy) -> None:
    result = owed(policy, date(2026, 2, 1))
    assert [o.cuota for o in result.obligations if o.concept == "cuota"] == list(
        range(1, policy.cuotas + 1)
    )


@pytest.mark.parametrize("policy", POLICIES)
def test_5_9_2_the_late_fee_accrues_on_the_policys_day(policy: FeePolicy) -> None:
    day_before = FIRST_DUE + timedelta(days=policy.late_fee_day - 1)
    on_the_day = FIRST_DUE + timedelta(days=policy.late_fee_day)
    assert cuotas(owed(policy, day_before))[0].late_fee == 0
    assert cuotas(owed(policy, on_the_day))[0].late_fee == PRICES.late_fee


@pytest.mark.parametrize("policy", POLICIES)
def test_5_9_2_paid_the_day_before_the_fee_day_carries_none(policy: FeePolicy) -> None:
    paid = Payment(
        "cuota", 1, TARIFF, FIRST_DUE + timedelta(days=policy.late_fee_day - 1), "2026-1"
    )
    late = Payment("cuota", 1, TARIFF, FIRST_DUE + timedelta(days=policy.late_fee_day), "2026-1")
    later = FIRST_DUE + timedelta(days=40)
    assert cuotas(owed(policy, later, paid))[0].late_fee == 0
    assert cuotas(owed(policy, later, late))[0].late_fee == PRICES.late_fee


@pytest.mark.parametrize("policy", POLICIES)
def test_5_1_3_reportable_after_the_policys_days(policy: FeePolicy) -> None:
    # the matrícula (due 1 March) is unpaid too: it is older than cuota 1
    oldest = date(2026, 3, 1)
    days = policy.reportable_after_days
    assert not owed(policy, oldest + timedelta(days=days)).reportable
    assert owed(policy, oldest + timedelta(days=days + 1)).reportable


@pytest.mark.parametrize("policy", POLICIES)
def test_5_3_4_c_each_credit_bracket_pays_its_share(policy: FeePolicy) -> None:
    for bracket in policy.credit_shares:
        result = owed(policy, date(2026, 2, 1), credits=bracket.up_to)
        expected = percent_of(TARIFF, bracket.percent)
        assert {o.amount for o in cuotas(result)} == {expected}, bracket
    full = owed(policy, date(2026, 2, 1), credits=policy.full_load_credits)
    assert {o.amount for o in cuotas(full)} == {TARIFF}


@pytest.mark.parametrize("policy", POLICIES)
def test_5_6_1_insurance_on_the_policys_cuotas(policy: FeePolicy) -> None:
    result = owed(policy, date(2026, 2, 1), insurance="contracted")
    insured = [o.cuota for o in cuotas(result) if o.insurance == PRICES.insurance_instalment]
    assert insured == list(policy.insured_cuotas)
    assert sum(o.insurance for o in cuotas(result)) == (
        len(policy.insured_cuotas) * PRICES.insurance_instalment
    )


@pytest.mark.parametrize("policy", POLICIES)
def test_5_2_2_a_the_quote_takes_the_policys_percent(policy: FeePolicy) -> None:
    result = owed(policy, date(2026, 3, 1))
    quote = result.early_payment_quote
    assert result.early_payment_status == "available" and quote is not None
    tuition = policy.cuotas * TARIFF
    assert quote.discount == percent_of(tuition, policy.early_payment.percent)
    assert quote.amount == tuition - quote.discount


@pytest.mark.parametrize("policy", POLICIES)
def test_5_2_2_d_the_window_is_the_policys_business_days(policy: FeePolicy) -> None:
    pay_by = business_days_after(GRANTED, policy.early_payment.business_days)
    granted = owed(policy, pay_by, early_payment_granted_on=GRANTED, insurance="not_contracted")
    assert granted.early_payment_status == "granted"
    assert granted.early_payment_quote is not None
    assert granted.early_payment_quote.deadline == pay_by
    after = pay_by + timedelta(days=1)
    lapsed = owed(policy, after, early_payment_granted_on=GRANTED, insurance="not_contracted")
    assert lapsed.early_payment_status == "lapsed"


STUDENTS = {
    "not_regular_tariff": Student("N1", tariff_category="internado"),
    "agreement": Student("N1", has_agreement=True),
    "other_benefit": Student("N1", has_benefit=True),
    "staff_or_family": Student("N1", is_staff_or_family=True),
}


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("reason", EARLY_PAYMENT_EXCLUSIONS)
def test_5_2_only_the_policys_exclusions_keep_a_student_from_the_discount(
    policy: FeePolicy, reason: str
) -> None:
    result = owed(policy, date(2026, 3, 1), student=STUDENTS[reason])
    expected = reason if reason in policy.early_payment.excluded else "available"
    assert result.early_payment_status == expected
