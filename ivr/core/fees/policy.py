"""The undergraduate payment policy as a pure function of an account.

The policy's numbers (cuotas per term, the late fee's day, the credit shares, the discount...)
are the operator's ``billing/policy.yaml``, handed in as ``Billing.policy`` (a ``FeePolicy``);
the comments below cite the seed policy's clauses (UPNW-CCO-POL-001 v07) that the shipped file
takes them from, and the examples use its values.

``statement(account, billing, as_of)`` bills every enrolment on its term's calendar, applies the
payments received up to ``as_of`` in the order they were made, and attaches the late fees and
the flags the policy derives from what is left. Every rule names the clause it follows.

Conventions where the policy is silent (see also ``docs/domain.md``):

- Amounts are rounded to the céntimo per cuota, halves up (75% of S/ 850.33 is S/ 637.75).
- The matrícula is due on the term's last day of regular enrolment, or of extemporaneous
  enrolment for a student enrolled then, together with the extemporaneous fee (5.3.3).
- Payments are applied in the order they were made (by date, then as listed). A payment that
  names a term and a cuota (concepts ``cuota``, ``seguro``) pays that cuota's amount and then
  its late fee; ``gastos_administrativos`` for a cuota pays its late fee first. ``matricula``
  and ``matricula_extemporanea`` with a term pay that charge. What is left over, and any
  payment that names no such target, pays the oldest obligations first (by due date; the
  named term's before the rest of the account when the payment names a term), each one's
  amount and then its late fee if that fee has already accrued on the payment date. Money
  left over after everything billed is a credit (saldo a favor).
- The late fee is only for the tuition cuotas (5.9.2 "cada cuota de pensión"), never for the
  matrícula or the extemporaneous fee; a cuota includes its insurance instalment (5.6.1), so
  the fee is charged when tuition plus insurance is not fully paid by the end of D+7.
- The early-payment discount (5.2.2) is never inferred from payments. It must be requested
  (5.2.2 c) and exists only when the billing export says it was granted for a term
  (``Enrolment.early_payment_granted_on``). From that day the term's cuotas are at 95% of
  their tuition; once the discount shows in the schedule the student has 2 business days
  (Monday to Friday, not national holidays) to pay the whole cycle (5.2.2 d): the payments
  naming that term's cuotas (concepts ``cuota`` and ``seguro``) received by the end of the
  2nd business day after the grant must cover the discounted cuotas, or the regular tariff
  applies again from the 3rd. A student without a grant who paid the full price early owes
  nothing and has no credit: nothing is refunded (5.10). It is 5% of the term's tuition,
  shared among the five cuotas with ``spread``.
- Every amount ages from the day it fell due: a cuota from its due date, its late fee from
  the 8th day after that date, the day it accrues (5.9.2). An obligation is overdue while
  an unpaid part is past its own due day, and ``days_overdue`` counts from the oldest such
  day. "Reportable" (5.1.3, "deuda vencida mayor a 60 días calendario") means some unpaid
  amount is more than 60 days past its own due day: a cuota from D+61, a late fee left alone
  from D+69.
- A withdrawal (5.4.1) on or before the term's withdrawal deadline keeps the matrícula (5.10.1)
  and the cuotas due on or before the withdrawal date; the later cuotas are annulled. Later
  withdrawals owe the whole term on its calendar.
- Enrolment eligibility (5.3.1 a) is ``can_enroll``: no overdue amount. Paying the matrícula
  and cuota 1 of the new term is what completes the enrolment (``TermSummary``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ivr.core.fees.model import (
    CUOTA_CONCEPTS,
    Account,
    Billing,
    Enrolment,
    FeePolicy,
    Payment,
    PriceList,
    Student,
    TermCalendar,
    business_days_after,
)
from ivr.core.fees.money import percent_of, spread
from ivr.core.fees.statement import (
    EarlyPaymentQuote,
    EarlyPaymentStatus,
    NextDue,
    Obligation,
    ObligationConcept,
    Statement,
    Status,
    TermSummary,
)

EARLY_PAYMENT_CONCEPTS = frozenset({"cuota", "seguro"})
REGULAR_TARIFF = "regular"

_CONCEPT_RANK: dict[ObligationConcept, int] = {
    "matricula": 0,
    "matricula_extemporanea": 1,
    "cuota": 2,
}


class UnknownTermError(ValueError):
    """An enrolment names a term that billing/terms.yaml does not describe."""


def tuition_cuotas(enrolment: Enrolment, prices: PriceList, policy: FeePolicy) -> tuple[int, ...]:
    """Return the tuition of each cuota of the term, in céntimos (policies 5.1.2, 5.3.4 c)."""
    count = policy.cuotas
    if enrolment.credits >= policy.full_load_credits:
        return (enrolment.tariff,) * count
    if enrolment.last_regular_cycle:
        # policy 5.3.4 c: last regular cycle under the full load (12 credits) -> credits x
        # price per credit, spread over the cuotas; the first cuotas carry the odd céntimos.
        return spread(enrolment.credits * prices.credit_price, count)
    # policy 5.3.4 c: a share of the assigned regular tariff by credits (up to 6: 50%; 7-11: 75%)
    return (percent_of(enrolment.tariff, policy.share(enrolment.credits)),) * count


def insurance_instalments(
    enrolment: Enrolment, prices: PriceList, policy: FeePolicy
) -> tuple[int, ...]:
    """Return the insurance added to each cuota (policies 5.6.1, 5.6.3, 5.6.4)."""
    if enrolment.insurance != "contracted":
        # policy 5.6.3-5.6.4: exonerated students (and those who did not take it) pay none
        return (0,) * policy.cuotas
    # policy 5.6.1: one instalment added to each insured cuota (cuotas 2 to 5)
    insured = set(policy.insured_cuotas)
    return tuple(
        prices.insurance_instalment if number in insured else 0
        for number in range(1, policy.cuotas + 1)
    )


def early_payment_ineligibility(
    student: Student, enrolment: Enrolment, policy: FeePolicy
) -> EarlyPaymentStatus | None:
    """Return why the early-payment discount cannot apply to this enrolment, or None."""
    if enrolment.withdrawn_on is not None:
        return "withdrawn"
    reasons: tuple[tuple[bool, EarlyPaymentStatus], ...] = (
        # policy 5.2.2 a: only the regular tariff
        (student.tariff_category != REGULAR_TARIFF, "not_regular_tariff"),
        (student.has_agreement, "agreement"),  # policy 5.2.3: a convenio excludes others
        (student.has_benefit, "other_benefit"),  # policy 5.2.1: benefits are not cumulative
        (student.is_staff_or_family, "staff_or_family"),  # policy 5.2.4 c
    )
    excluded = policy.early_payment.excluded
    for applies, reason in reasons:
        if applies and reason in excluded:
            return reason
    return None


@dataclass
class _Row:
    """An obligation while payments are applied to it."""

    term: str
    concept: ObligationConcept
    cuota: int | None
    due: date
    tuition: int
    insurance: int
    discount: int
    fee_price: int  # the late fee this row can carry: the price list's for a cuota, else 0
    fee_day: int  # the day after ``due`` the late fee accrues on (policy 5.9.2: the 8th)
    sort_key: tuple[date, int, int]
    principal_paid: int = 0
    fee_paid: int = 0
    paid_in_full_on: date | None = None

    @property
    def amount(self) -> int:
        return self.tuition - self.discount + self.insurance

    @property
    def fee_due(self) -> date:
        # policy 5.9.2: the fee "se devengará al octavo día": it falls due on D+8
        return self.due + timedelta(days=self.fee_day)

    def fee_accrued(self, on: date) -> bool:
        # policy 5.9.2: not fully paid by the end of D+7 -> one fee, from D+8 on, and a later
        # payment does not remove it; never more than one per cuota.
        if self.fee_price == 0 or on < self.fee_due:
            return False
        grace_end = self.fee_due - timedelta(days=1)
        return self.paid_in_full_on is None or self.paid_in_full_on > grace_end

    def pay_amount(self, on: date, money: int) -> int:
        take = min(money, self.amount - self.principal_paid)
        if take <= 0:
            return money
        self.principal_paid += take
        if self.principal_paid == self.amount:
            self.paid_in_full_on = on
        return money - take

    def pay_fee(self, on: date, money: int) -> int:
        if not self.fee_accrued(on):
            return money
        take = min(money, self.fee_price - self.fee_paid)
        self.fee_paid += max(take, 0)
        return money - max(take, 0)

    def pay(self, on: date, money: int) -> int:
        return self.pay_fee(on, self.pay_amount(on, money))


def statement(account: Account, billing: Billing, as_of: date) -> Statement:
    """Return what the student owes as of the end of ``as_of``, by the payment policy."""
    prices = billing.prices
    policy = billing.policy
    student = account.student
    payments = sorted(
        (p for p in account.payments if p.paid_on <= as_of and p.amount > 0),
        key=lambda p: p.paid_on,  # stable: same-day payments keep the ledger's order
    )
    calendars: dict[str, TermCalendar] = {}
    rows: list[_Row] = []
    grants: dict[str, _Grant] = {}
    for enrolment in account.enrolments:
        calendar = billing.term(enrolment.term)
        if calendar is None:
            raise UnknownTermError(f"term {enrolment.term} is not in billing/terms.yaml")
        calendars[enrolment.term] = calendar
        grant = _grant(enrolment, prices, policy, payments, as_of)
        rows.extend(_bill_term(enrolment, calendar, prices, policy, grant))
        if grant is not None:
            grants[enrolment.term] = grant
    rows.sort(key=lambda r: r.sort_key)

    credit = _apply_payments(rows, payments)
    obligations = tuple(_settle(row, as_of, policy.reportable_after_days) for row in rows)

    overdue_total = sum(o.overdue_amount for o in obligations)
    upcoming = [o for o in obligations if o.outstanding > 0 and o.due >= as_of]
    next_due = (
        None
        if not upcoming
        else NextDue(
            upcoming[0].term,
            upcoming[0].concept,
            upcoming[0].cuota,
            upcoming[0].due,
            upcoming[0].outstanding,
        )
    )
    early_status, quote = _early_payment(account, calendars, obligations, grants, policy, as_of)
    return Statement(
        code=student.code,
        as_of=as_of,
        obligations=obligations,
        balance=sum(o.outstanding for o in obligations),
        overdue=overdue_total,
        late_fees=sum(o.late_fee_outstanding for o in obligations),
        credit=credit,
        next_due=next_due,
        # policy 5.1.3: some amount overdue more than 60 calendar days past its own due day
        reportable=any(o.reportable for o in obligations),
        # policy 5.1.4: a pending obligation (here: any overdue, unpaid amount) blocks them
        certificates_blocked=overdue_total > 0,
        # policy 5.3.1 a: regular enrolment proceeds only if the student has no debt
        can_enroll=overdue_total == 0,
        early_payment_status=early_status,
        early_payment_quote=quote,
        terms=tuple(_term_summary(e, obligations) for e in _by_term_order(account, calendars)),
    )


@dataclass(frozen=True, slots=True)
class _Grant:
    """An early-payment discount the billing office granted for one term (policy 5.2.2 c-d)."""

    granted_on: date
    pay_by: date  # the policy's business days after the grant (5.2.2 d: the 2nd)
    discounts: tuple[int, ...]  # per cuota
    paid_in_time: bool  # the whole discounted cycle received by ``pay_by``
    lapsed: bool  # ``pay_by`` is over without the whole cycle paid: regular tariff again

    @property
    def in_force(self) -> bool:
        return not self.lapsed


def _grant(
    enrolment: Enrolment,
    prices: PriceList,
    policy: FeePolicy,
    payments: list[Payment],
    as_of: date,
) -> _Grant | None:
    """Return the term's early-payment grant as of ``as_of``, or None when there is none.

    Policy 5.2.2 c: the discount exists only when requested and granted, which the billing
    export records; it is never inferred from payments. 5.2.2 d: once granted, the whole cycle
    is due within 2 business days, or the regular tariff returns.
    """
    granted_on = enrolment.early_payment_granted_on
    if granted_on is None or granted_on > as_of:
        return None
    tuition = tuition_cuotas(enrolment, prices, policy)
    insurance = insurance_instalments(enrolment, prices, policy)
    # policy 5.2.2 a-b: 5% off the cuotas (tuition only, never insurance, matrícula or fees)
    rules = policy.early_payment
    discounts = spread(percent_of(sum(tuition), rules.percent), policy.cuotas)
    pay_by = business_days_after(granted_on, rules.business_days)
    owed = sum(tuition) - sum(discounts) + sum(insurance)
    received = sum(
        p.amount
        for p in payments
        if p.term == enrolment.term and p.concept in EARLY_PAYMENT_CONCEPTS and p.paid_on <= pay_by
    )
    paid = owed > 0 and received >= owed
    return _Grant(granted_on, pay_by, discounts, paid, lapsed=not paid and as_of > pay_by)


def _bill_term(
    enrolment: Enrolment,
    calendar: TermCalendar,
    prices: PriceList,
    policy: FeePolicy,
    grant: _Grant | None,
) -> list[_Row]:
    """Return the obligations one enrolment creates (a grant in force discounts its cuotas)."""
    term = enrolment.term
    # policy 5.3.1, 5.3.2: the matrícula is paid on enrolling; due when that period closes
    enrolled_by = (
        calendar.late_enrolment_closes if enrolment.extemporaneous else calendar.enrolment_closes
    )
    rows = [_row(term, "matricula", None, enrolled_by, prices.matricula, 0, 0, 0, 0)]
    if enrolment.extemporaneous:
        # policy 5.3.3: the extemporaneous enrolment adds the administrative fee
        rows.append(
            _row(
                term,
                "matricula_extemporanea",
                None,
                calendar.late_enrolment_closes,
                prices.extemporaneous_enrolment_fee,
                0,
                0,
                0,
                0,
            )
        )
    tuition = tuition_cuotas(enrolment, prices, policy)
    insurance = insurance_instalments(enrolment, prices, policy)
    # policy 5.2.2 d: the discount holds while the grant is in force or was paid in time
    discounts = grant.discounts if grant is not None and grant.in_force else (0,) * len(tuition)
    for index, due in enumerate(calendar.cuota_due_dates):
        withdrawn = enrolment.withdrawn_on
        if withdrawn is not None and withdrawn <= calendar.withdrawal_deadline and due > withdrawn:
            # policy 5.4.1: withdrawn up to the business day before the midterms -> only the
            # cuotas due by then are owed; later withdrawals owe the whole term.
            continue
        rows.append(
            _row(
                term,
                "cuota",
                index + 1,
                due,
                tuition[index],
                insurance[index],
                discounts[index],
                prices.late_fee,  # policy 5.9.2-5.9.3: S/ 15 per overdue cuota
                policy.late_fee_day,  # policy 5.9.2: on the 8th day
            )
        )
    return rows


def _row(
    term: str,
    concept: ObligationConcept,
    cuota: int | None,
    due: date,
    tuition: int,
    insurance: int,
    discount: int,
    fee_price: int,
    fee_day: int,
) -> _Row:
    row = _Row(
        term,
        concept,
        cuota,
        due,
        tuition,
        insurance,
        discount,
        fee_price,
        fee_day,
        sort_key=(due, _CONCEPT_RANK[concept], cuota or 0),
    )
    if row.amount == 0:
        row.paid_in_full_on = date.min  # nothing to pay: never late
    return row


def _apply_payments(rows: list[_Row], payments: list[Payment]) -> int:
    """Apply payments in the order made (see the module's conventions); return the credit."""
    targets: dict[tuple[str, str, int | None], _Row] = {
        (r.term, r.concept, r.cuota): r for r in rows
    }
    credit = 0
    for payment in payments:
        on = payment.paid_on
        money = payment.amount
        target = _target(targets, payment)
        if target is not None:
            if payment.concept == "gastos_administrativos":
                money = target.pay_amount(on, target.pay_fee(on, money))
            else:
                money = target.pay(on, money)
        if money and payment.term is not None:
            for row in rows:
                if not money:
                    break
                if row.term == payment.term:
                    money = row.pay(on, money)
        for row in rows:
            if not money:
                break
            money = row.pay(on, money)
        credit += money
    return credit


def _target(targets: dict[tuple[str, str, int | None], _Row], payment: Payment) -> _Row | None:
    if payment.term is None:
        return None
    if payment.concept in CUOTA_CONCEPTS and payment.cuota is not None:
        return targets.get((payment.term, "cuota", payment.cuota))
    if payment.concept in ("matricula", "matricula_extemporanea"):
        return targets.get((payment.term, payment.concept, None))
    return None


def _settle(row: _Row, as_of: date, reportable_after: int) -> Obligation:
    late_fee = row.fee_price if row.fee_accrued(as_of) else 0
    paid = row.principal_paid + row.fee_paid
    outstanding = row.amount + late_fee - paid
    principal_left = row.amount - row.principal_paid
    fee_left = late_fee - row.fee_paid
    # Every amount ages from its own due day: the cuota from its due date (the last day to
    # pay it), its late fee from the 8th day after (policy 5.9.2).
    principal_days = (as_of - row.due).days if principal_left and row.due < as_of else 0
    fee_days = (as_of - row.fee_due).days if fee_left and row.fee_due < as_of else 0
    days_overdue = max(principal_days, fee_days)
    status: Status
    if outstanding == 0:
        status = "paid"
    elif days_overdue:
        status = "overdue"
    else:
        status = "pending"
    return Obligation(
        term=row.term,
        concept=row.concept,
        cuota=row.cuota,
        due=row.due,
        amount=row.amount,
        paid=paid,
        outstanding=outstanding,
        late_fee=late_fee,
        status=status,
        days_overdue=days_overdue,
        tuition=row.tuition if row.concept == "cuota" else 0,
        insurance=row.insurance,
        discount=row.discount,
        # policy 5.1.3: an unpaid amount more than 60 calendar days past its own due day
        reportable=days_overdue > reportable_after,
        late_fee_outstanding=fee_left,
        overdue_amount=(principal_left if principal_days else 0) + (fee_left if fee_days else 0),
    )


def _by_term_order(account: Account, calendars: dict[str, TermCalendar]) -> list[Enrolment]:
    return sorted(account.enrolments, key=lambda e: calendars[e.term].first_due)


def _term_summary(enrolment: Enrolment, obligations: tuple[Obligation, ...]) -> TermSummary:
    # policy 5.3.1 a, 5.3.3: the enrolment is complete once the matrícula, cuota 1 and any
    # extemporaneous fee are paid.
    needed = [
        o
        for o in obligations
        if o.term == enrolment.term and (o.concept != "cuota" or o.cuota == 1)
    ]
    return TermSummary(
        term=enrolment.term,
        enrolment_confirmed=all(o.outstanding == 0 for o in needed),
        withdrawn_on=enrolment.withdrawn_on,
    )


def _early_payment(
    account: Account,
    calendars: dict[str, TermCalendar],
    obligations: tuple[Obligation, ...],
    grants: dict[str, _Grant],
    policy: FeePolicy,
    as_of: date,
) -> tuple[EarlyPaymentStatus, EarlyPaymentQuote | None]:
    """Say where the newest term stands with the early-payment discount (policy 5.2)."""
    if not account.enrolments:
        return "no_term", None
    enrolment = _by_term_order(account, calendars)[-1]
    calendar = calendars[enrolment.term]
    cuotas = [o for o in obligations if o.term == enrolment.term and o.concept == "cuota"]
    grant = grants.get(enrolment.term)
    if grant is not None:
        if grant.paid_in_time:
            return "applied", None
        if grant.lapsed:
            return "lapsed", None  # policy 5.2.2 d: the regular tariff applies again
        # policy 5.2.2 d: granted; the whole cycle is due by the 2nd business day after
        return "granted", EarlyPaymentQuote(
            term=enrolment.term,
            discount=sum(o.discount for o in cuotas),
            amount=sum(o.outstanding for o in cuotas),
            deadline=grant.pay_by,
        )
    reason = early_payment_ineligibility(account.student, enrolment, policy)
    if reason is not None:
        return reason, None
    if as_of >= calendar.first_due:
        # policy 5.2.2 a: "antes del vencimiento de la primera cuota"
        return "deadline_passed", None
    # policy 5.2.2 c: it must be requested; the quote says what paying early would cost
    discount = percent_of(sum(o.tuition for o in cuotas), policy.early_payment.percent)
    to_pay = max(sum(o.outstanding for o in cuotas) - discount, 0)
    return "available", EarlyPaymentQuote(
        term=enrolment.term,
        discount=discount,
        amount=to_pay,
        deadline=calendar.first_due - timedelta(days=1),
    )
