"""A deterministic demo ledger: synthetic students across every tariff case, around 2026-11-21.

``generate(ledger, students=300, seed=2026)`` always writes the same rows for the same
arguments (re-running it changes nothing). Two named students are there to call in with:

- ``N00012345``, DNI ending ``2468``: behind on 2026-2. Cuota 2 was paid twelve days late (its
  S/ 15 fee is still unpaid) and cuota 3 (due Friday 30 October) is unpaid with its fee; the next
  cuota is cuota 4, due Monday 30 November. Certificates blocked, cannot enrol.
- ``N00054321``, DNI ending ``1357``: up to date on 2026-2 (next: cuota 4 on Monday 30
  November) and already enrolled in 2027-1 at the regular tariff, so the early-payment quote
  applies: pay the five 2027-1 cuotas by Tuesday 30 March 2027 and save 5% of the tuition.

The synthetic students cycle through every case the policy distinguishes: each credit band and
the last regular cycle, insurance contracted/exonerated/not contracted, convenio, other
benefit, staff, a non-regular tariff, paid early with the discount, one and two cuotas overdue,
more than 60 days overdue, partial payments, a cuota paid late, no debt at all, withdrawn
before and after the midterms, extemporaneous enrolment, and enrolled in the next term.
Their DNI digits are random (only the named two are documented).

The rows are made as they are written (``generate``), a batch at a time: students, then
enrolments, then payments, each a fresh pass over the same seeded generator, so memory holds
one student's rows whatever ``students`` is.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from ivr.core.fees.model import (
    INSURANCE_VALUES,
    Billing,
    CreditShare,
    EarlyPayment,
    Enrolment,
    FeePolicy,
    Insurance,
    Payment,
    PaymentConcept,
    PriceList,
    Student,
    TermCalendar,
)
from ivr.core.fees.money import percent_of
from ivr.core.fees.policy import insurance_instalments, tuition_cuotas
from ivr.storage.ledger.base import (
    EXPORT_KINDS,
    AnyRecord,
    EnrolmentRecord,
    ExportKind,
    ImportResult,
    Ledger,
    PaymentRecord,
    Progress,
    StudentRecord,
    import_records,
)

DEMO_TODAY = date(2026, 11, 21)  # the dates below make the demo interesting around this day
DEMO_SEED = 2026
PREVIOUS_TERM, CURRENT_TERM, NEXT_TERM = "2026-1", "2026-2", "2027-1"


@dataclass(frozen=True, slots=True)
class DemoStudent:
    code: str
    dni_last4: str
    story: str


OVERDUE_STUDENT = DemoStudent(
    "N00012345",
    "2468",
    "2026-2: cuota 2 paid late (fee unpaid), cuota 3 overdue with its fee; next cuota 4",
)
UP_TO_DATE_STUDENT = DemoStudent(
    "N00054321",
    "1357",
    "2026-2 up to date (next cuota 4); enrolled in 2027-1 with the early-payment quote",
)
DEMO_STUDENTS = (OVERDUE_STUDENT, UP_TO_DATE_STUDENT)


def _calendar(code: str, cuotas: str, **days: str) -> TermCalendar:
    return TermCalendar(
        code=code,
        cuota_due_dates=tuple(date.fromisoformat(d) for d in cuotas.split()),
        **{name: date.fromisoformat(value) for name, value in days.items()},
    )


# The shipped billing/*.yaml, for when no configuration is at hand (a test checks they agree;
# only the early-payment request's wording, the university's channel, is left out).
DEMO_BILLING = Billing(
    PriceList(
        late_fee=1500,
        insurance_instalment=3850,
        credit_price=14500,
        extemporaneous_enrolment_fee=8000,
        matricula=39000,
    ),
    (
        _calendar(
            "2026-1",
            "2026-03-16 2026-04-15 2026-05-15 2026-06-15 2026-07-15",
            midterms_start="2026-05-04",
            withdrawal_deadline="2026-04-30",
            enrolment_closes="2026-03-07",
            late_enrolment_closes="2026-03-14",
        ),
        _calendar(
            "2026-2",
            "2026-08-31 2026-09-30 2026-10-30 2026-11-30 2026-12-30",
            midterms_start="2026-10-12",
            withdrawal_deadline="2026-10-09",
            enrolment_closes="2026-08-15",
            late_enrolment_closes="2026-08-22",
        ),
        _calendar(
            "2027-1",
            "2027-03-31 2027-04-30 2027-05-31 2027-06-30 2027-07-30",
            midterms_start="2027-05-10",
            withdrawal_deadline="2027-05-07",
            enrolment_closes="2027-03-13",
            late_enrolment_closes="2027-03-20",
        ),
    ),
    FeePolicy(
        cuotas=5,
        late_fee_day=8,
        reportable_after_days=60,
        credit_shares=(CreditShare(6, 50), CreditShare(11, 75)),
        insured_cuotas=(2, 3, 4, 5),
        early_payment=EarlyPayment(
            percent=5,
            business_days=2,
            excluded=frozenset(
                {"not_regular_tariff", "agreement", "other_benefit", "staff_or_family"}
            ),
            # the shipped file names the university's channel; the demo needs none
            request="por los canales de atención de la universidad",
        ),
    ),
)

PROFILES = (
    "up_to_date",
    "overdue_one",
    "overdue_two",
    "over_60_days",
    "partial",
    "paid_late",
    "early_paid",
    "no_debt",
    "withdrawn_before_midterms",
    "withdrawn_after_midterms",
    "extemporaneous",
    "next_term",
)
LOADS = ("full", "half", "three_quarters", "last_cycle")
STANDINGS = ("regular", "agreement", "benefit", "staff", "other_tariff")
TARIFFS = (68000, 79050, 85033, 95000, 112075, 134000)  # per cuota, céntimos


@dataclass(frozen=True, slots=True)
class DemoResult:
    students: int
    enrolments: int
    payments: int


class _Builder:
    """Collects the records, numbering payments in the order they are made up.

    A stream takes the records out after each student, so the lists hold one student's.
    """

    def __init__(self, billing: Billing) -> None:
        self.billing = billing
        self.prices = billing.prices
        self.policy = billing.policy
        self.students: list[StudentRecord] = []
        self.enrolments: list[EnrolmentRecord] = []
        self.payments: list[PaymentRecord] = []
        self.paid = 0  # payments made up so far, for their ids
        self._calendars = {c.code: c for c in billing.terms}
        self._amounts: dict[Enrolment, list[int]] = {}  # a few hundred tariff cases at most

    def calendar(self, term: str) -> TermCalendar:
        calendar = self._calendars.get(term)
        if calendar is None:
            raise ValueError(
                f"the demo needs the terms {PREVIOUS_TERM}, {CURRENT_TERM} and {NEXT_TERM} "
                "in billing/terms.yaml"
            )
        return calendar

    def pay(
        self,
        code: str,
        concept: PaymentConcept,
        amount: int,
        on: date,
        term: str | None,
        cuota: int | None = None,
    ) -> None:
        self.paid += 1
        payment_id = f"DEMO-{self.paid:08d}"
        payment = Payment(concept, cuota, amount, on, term, payment_id)
        self.payments.append(PaymentRecord(code, payment))

    def cuota_amounts(self, enrolment: Enrolment) -> list[int]:
        amounts = self._amounts.get(enrolment)
        if amounts is None:
            tuition = tuition_cuotas(enrolment, self.prices, self.policy)
            insurance = insurance_instalments(enrolment, self.prices, self.policy)
            amounts = [t + i for t, i in zip(tuition, insurance, strict=True)]
            self._amounts[enrolment] = amounts
        return amounts

    def enrol(self, code: str, enrolment: Enrolment) -> list[int]:
        self.enrolments.append(EnrolmentRecord(code, enrolment))
        return self.cuota_amounts(enrolment)

    def pay_matricula(self, code: str, enrolment: Enrolment, days_before: int) -> None:
        calendar = self.calendar(enrolment.term)
        closes = (
            calendar.late_enrolment_closes
            if enrolment.extemporaneous
            else calendar.enrolment_closes
        )
        on = closes - timedelta(days=days_before)
        self.pay(code, "matricula", self.prices.matricula, on, enrolment.term)
        if enrolment.extemporaneous:
            fee = self.prices.extemporaneous_enrolment_fee
            self.pay(code, "matricula_extemporanea", fee, on, enrolment.term)

    def pay_cuotas(
        self, code: str, enrolment: Enrolment, numbers: range | list[int], rng: random.Random
    ) -> None:
        amounts = self.cuota_amounts(enrolment)
        calendar = self.calendar(enrolment.term)
        for number in numbers:
            on = calendar.cuota_due_dates[number - 1] - timedelta(days=rng.randint(0, 6))
            self.pay(code, "cuota", amounts[number - 1], on, enrolment.term, number)


@dataclass(frozen=True, slots=True)
class DemoData:
    """The demo rows, held in memory (``build``; small ledgers and tests)."""

    students: tuple[StudentRecord, ...]
    enrolments: tuple[EnrolmentRecord, ...]
    payments: tuple[PaymentRecord, ...]


class DemoStream:
    """The demo rows of one kind at a time, made up as they are read.

    Each ``records(kind)`` is a fresh pass over the seeded generator, so every pass sees the
    same students; a pass also counts the other kinds' rows, for progress bars.
    """

    def __init__(
        self, students: int = 300, seed: int = DEMO_SEED, *, billing: Billing = DEMO_BILLING
    ) -> None:
        self.students = students
        self.seed = seed
        self.billing = billing
        self._counts: dict[ExportKind, int] = {}
        builder = _Builder(billing)
        for term in (PREVIOUS_TERM, CURRENT_TERM, NEXT_TERM):
            builder.calendar(term)  # a missing term is refused before any row is made

    def count(self, kind: ExportKind) -> int:
        """Return how many rows of ``kind`` the demo has (a counting pass the first time)."""
        if kind == "students":
            return max(self.students, len(DEMO_STUDENTS))
        if kind not in self._counts:
            for _ in self.records(kind):
                pass
        return self._counts[kind]

    def records(self, kind: ExportKind) -> Iterator[AnyRecord]:
        """Yield the demo's rows of ``kind`` in order."""
        rng = random.Random(self.seed)
        builder = _Builder(self.billing)
        counts = dict.fromkeys(EXPORT_KINDS, 0)
        made: tuple[list[Any], ...] = (builder.students, builder.enrolments, builder.payments)
        wanted = made[EXPORT_KINDS.index(kind)]
        for _ in _students(builder, self.students, rng):
            for each, rows in zip(EXPORT_KINDS, made, strict=True):
                counts[each] += len(rows)
            yield from wanted
            for rows in made:
                rows.clear()
        self._counts.update(counts)


def build(
    students: int = 300, seed: int = DEMO_SEED, *, billing: Billing = DEMO_BILLING
) -> DemoData:
    """Return the demo rows in memory: the named two and synthetic ones, ``students`` in all."""
    stream = DemoStream(students, seed, billing=billing)
    return DemoData(
        tuple(r for r in stream.records("students") if isinstance(r, StudentRecord)),
        tuple(r for r in stream.records("enrolments") if isinstance(r, EnrolmentRecord)),
        tuple(r for r in stream.records("payments") if isinstance(r, PaymentRecord)),
    )


def import_kind(
    ledger: Ledger, stream: DemoStream, kind: ExportKind, progress: Progress | None = None
) -> ImportResult:
    """Write the demo's rows of ``kind`` as they are made (one transaction, in batches)."""
    return import_records(ledger, kind, stream.records(kind), progress)


def generate(
    ledger: Ledger,
    students: int = 300,
    seed: int = DEMO_SEED,
    *,
    billing: Billing = DEMO_BILLING,
    progress: Progress | None = None,
) -> DemoResult:
    """Make and write the demo ledger; the same arguments always give the same rows.

    Re-running it changes nothing: the rows go through the ledger's importers.
    """
    stream = DemoStream(students, seed, billing=billing)
    return _checked(tuple(import_kind(ledger, stream, kind, progress) for kind in EXPORT_KINDS))


def _checked(results: tuple[ImportResult, ...]) -> DemoResult:
    for result in results:
        if not result.ok:  # the generator's own rows: a failure here is a bug
            raise RuntimeError(f"demo {result.kind} rejected: {result.problems[:3]}")
    students, enrolments, payments = (result.rows for result in results)
    return DemoResult(students, enrolments, payments)


def _students(builder: _Builder, students: int, rng: random.Random) -> Iterator[None]:
    """Make up one student's rows into ``builder`` at each step: the named two, then the rest."""
    _named(builder, rng)
    yield
    for index in range(max(students - len(DEMO_STUDENTS), 0)):
        _synthetic(builder, index, rng)
        yield


def _named(builder: _Builder, rng: random.Random) -> None:
    current = builder.calendar(CURRENT_TERM)
    # N00012345: behind on 2026-2.
    code = OVERDUE_STUDENT.code
    builder.students.append(StudentRecord(Student(code), OVERDUE_STUDENT.dni_last4))
    enrolment = Enrolment(CURRENT_TERM, 95000, 20)
    amounts = builder.enrol(code, enrolment)
    builder.pay_matricula(code, enrolment, days_before=5)
    builder.pay(
        code, "cuota", amounts[0], current.cuota_due_dates[0] - timedelta(days=3), CURRENT_TERM, 1
    )
    # cuota 2 paid 12 days after its due date: the S/ 15 fee stays (policy 5.9.2) and is unpaid
    late = current.cuota_due_dates[1] + timedelta(days=12)
    builder.pay(code, "cuota", amounts[1], late, CURRENT_TERM, 2)

    # N00054321: up to date, and enrolled in the next term at the regular tariff.
    code = UP_TO_DATE_STUDENT.code
    builder.students.append(StudentRecord(Student(code), UP_TO_DATE_STUDENT.dni_last4))
    enrolment = Enrolment(CURRENT_TERM, 95000, 22)
    builder.enrol(code, enrolment)
    builder.pay_matricula(code, enrolment, days_before=5)
    builder.pay_cuotas(code, enrolment, _past_cuotas(current), rng)
    builder.enrol(code, Enrolment(NEXT_TERM, 95000, 22))


def _past_cuotas(calendar: TermCalendar) -> list[int]:
    return [n for n, due in enumerate(calendar.cuota_due_dates, start=1) if due < DEMO_TODAY]


def _synthetic(builder: _Builder, index: int, rng: random.Random) -> None:
    profile = PROFILES[index % len(PROFILES)]
    load = LOADS[(index // len(PROFILES)) % len(LOADS)]
    insurance: Insurance = INSURANCE_VALUES[(index // (len(PROFILES) * len(LOADS))) % 3]
    standing = "regular" if profile == "early_paid" else STANDINGS[index % len(STANDINGS)]
    code = f"N{200000 + index:08d}"
    student = Student(
        code,
        tariff_category="internado" if standing == "other_tariff" else "regular",
        has_agreement=standing == "agreement",
        has_benefit=standing == "benefit",
        is_staff_or_family=standing == "staff",
    )
    builder.students.append(StudentRecord(student, f"{rng.randrange(10_000):04d}"))
    credits, last_cycle = _credits(load, rng)
    base = Enrolment(CURRENT_TERM, rng.choice(TARIFFS), credits, last_cycle, insurance, False, None)
    if index % 2 == 0 or profile == "no_debt":
        previous = replace(base, term=PREVIOUS_TERM, last_regular_cycle=False)
        builder.enrol(code, previous)
        builder.pay_matricula(code, previous, rng.randint(1, 10))
        builder.pay_cuotas(code, previous, range(1, 6), rng)
    if profile == "no_debt":
        return
    _current_term(builder, code, profile, base, rng)


def _credits(load: str, rng: random.Random) -> tuple[int, bool]:
    if load == "full":
        return rng.randint(12, 24), False  # policy 5.3.4 c: 12+ credits, 100%
    if load == "half":
        return rng.randint(1, 6), False  # 50%
    if load == "three_quarters":
        return rng.randint(7, 11), False  # 75%
    return rng.randint(1, 11), True  # last regular cycle: priced per credit


def _current_term(
    builder: _Builder, code: str, profile: str, base: Enrolment, rng: random.Random
) -> None:
    calendar = builder.calendar(CURRENT_TERM)
    past = _past_cuotas(calendar)
    enrolment = base
    if profile == "extemporaneous":
        enrolment = replace(base, extemporaneous=True)
    elif profile == "withdrawn_before_midterms":
        span = (calendar.withdrawal_deadline - calendar.first_due).days
        enrolment = replace(base, withdrawn_on=calendar.first_due + timedelta(rng.randint(1, span)))
    elif profile == "withdrawn_after_midterms":
        enrolment = replace(base, withdrawn_on=calendar.midterms_start + timedelta(days=8))
    elif profile == "early_paid":
        # policy 5.2.2 c: requested and granted by the billing office before cuota 1 falls due
        granted = calendar.first_due - timedelta(days=rng.randint(5, 12))
        enrolment = replace(base, early_payment_granted_on=granted)
    amounts = builder.enrol(code, enrolment)
    builder.pay_matricula(code, enrolment, rng.randint(1, 6))
    if profile == "early_paid":
        # policy 5.2.2 d: the whole cycle, less 5% of the tuition, on the day it was granted
        tuition = sum(tuition_cuotas(enrolment, builder.prices, builder.policy))
        total = sum(amounts) - percent_of(tuition, builder.policy.early_payment.percent)
        assert enrolment.early_payment_granted_on is not None
        builder.pay(code, "cuota", total, enrolment.early_payment_granted_on, CURRENT_TERM)
        return
    paid = {
        "overdue_one": past[:-1],
        "overdue_two": past[:-2],
        "over_60_days": [],
        "partial": past[:-1],
        "paid_late": [n for n in past if n != 2],
    }.get(profile, past)
    if profile == "withdrawn_before_midterms":
        withdrawn = enrolment.withdrawn_on
        assert withdrawn is not None
        paid = [n for n in past if calendar.cuota_due_dates[n - 1] <= withdrawn]
    builder.pay_cuotas(code, enrolment, paid, rng)
    if profile == "partial" and past:
        last = past[-1]
        part = amounts[last - 1] * rng.randint(30, 70) // 100
        on = calendar.cuota_due_dates[last - 1] - timedelta(days=2)
        builder.pay(code, "cuota", part, on, CURRENT_TERM, last)
    if profile == "paid_late":
        # cuota 2 paid 8 to 20 days late: it carries the fee (5.9.2)
        on = calendar.cuota_due_dates[1] + timedelta(days=rng.randint(8, 20))
        builder.pay(code, "cuota", amounts[1], on, CURRENT_TERM, 2)
        if rng.random() < 0.5:
            builder.pay(
                code, "gastos_administrativos", builder.prices.late_fee, on, CURRENT_TERM, 2
            )
    if profile == "next_term":
        builder.enrol(code, replace(base, term=NEXT_TERM, last_regular_cycle=False))
