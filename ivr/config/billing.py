"""Parse ``billing/``: the term calendars, the price list and the policy's rules.

Amounts are written in soles as quoted decimal strings with a dot, e.g. ``late_fee: "15.00"``.
A bare ``15`` is refused (soles or céntimos?) and so is an unquoted ``15.00``: YAML reads it as
a floating-point number, which cannot hold every amount of céntimos exactly.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from ivr.config.register import check_spoken
from ivr.config.source import Collector, YNode
from ivr.core.fees.model import (
    EARLY_PAYMENT_EXCLUSIONS,
    MAX_CUOTAS,
    Billing,
    CreditShare,
    EarlyPayment,
    FeePolicy,
    PriceList,
    StatementTexts,
    TermCalendar,
    business_day_before,
)
from ivr.core.fees.money import parse_amount

BILLING_DIR = "billing"
TERMS_FILE = f"{BILLING_DIR}/terms.yaml"
PRICES_FILE = f"{BILLING_DIR}/prices.yaml"
POLICY_FILE = f"{BILLING_DIR}/policy.yaml"

_TERM_CODE = re.compile(r"^\d{4}-\d{1,2}$")
PRICE_KEYS = (
    "late_fee",
    "insurance_instalment",
    "credit_price",
    "extemporaneous_enrolment_fee",
    "matricula",
)
TERM_REQUIRED = ("cuotas", "midterms_start", "enrolment_closes", "late_enrolment_closes")
TERM_OPTIONAL = ("withdrawal_deadline",)
POLICY_KEYS = (
    "cuotas",
    "late_fee_day",
    "reportable_after_days",
    "credit_shares",
    "insured_cuotas",
    "early_payment",
)
EARLY_PAYMENT_KEYS = ("percent", "business_days", "excluded", "request")
STATEMENT_KEYS = ("where_to_pay", "already_paid")


def parse_billing(collector: Collector, config_dir: Path) -> Billing | None:
    """Read both billing files, recording every problem; None when they cannot be used."""
    before = len(collector.problems)
    prices_root = collector.load(config_dir / PRICES_FILE, PRICES_FILE)
    terms_root = collector.load(config_dir / TERMS_FILE, TERMS_FILE)
    policy_root = collector.load(config_dir / POLICY_FILE, POLICY_FILE)
    policy = parse_policy(collector, policy_root) if policy_root is not None else None
    prices = parse_prices(collector, prices_root) if prices_root is not None else None
    terms = (
        parse_terms(collector, terms_root, policy.cuotas if policy else None)
        if terms_root is not None
        else None
    )
    if len(collector.problems) > before or prices is None or terms is None or policy is None:
        return None
    return Billing(prices, terms, policy)


def parse_policy(collector: Collector, root: YNode) -> FeePolicy | None:
    """Read billing/policy.yaml: the policy's numbers, each checked where it is written."""
    before = len(collector.problems)
    fields = collector.mapping(
        root, required=POLICY_KEYS, optional=("statement",), what="the payment policy"
    )
    if fields is None or any(key not in fields for key in POLICY_KEYS):
        return None
    # policy 5.1.2 (seed: 5): a semester's cuotas
    cuotas = collector.integer(fields["cuotas"], minimum=1, maximum=MAX_CUOTAS)
    # policy 5.9.2 (seed: 8): the day after the due date the late fee accrues on
    late_fee_day = collector.integer(fields["late_fee_day"], minimum=1, maximum=90)
    # policy 5.1.3 (seed: 60): calendar days overdue after which debt is reportable
    reportable = collector.integer(fields["reportable_after_days"], minimum=1, maximum=3650)
    shares = _credit_shares(collector, fields["credit_shares"])
    insured = _insured_cuotas(collector, fields["insured_cuotas"], cuotas)
    early = _early_payment(collector, fields["early_payment"])
    texts = _statement_texts(collector, fields["statement"]) if "statement" in fields else None
    if (
        len(collector.problems) > before
        or cuotas is None
        or late_fee_day is None
        or reportable is None
        or shares is None
        or insured is None
        or early is None
    ):
        return None
    return FeePolicy(
        cuotas, late_fee_day, reportable, shares, insured, early, texts or StatementTexts()
    )


def _statement_texts(collector: Collector, node: YNode) -> StatementTexts:
    """Read ``statement``: where to pay and what to do if already paid, as callers hear them."""
    fields = collector.mapping(node, optional=STATEMENT_KEYS, what="statement") or {}
    found: dict[str, str] = {}
    for key, item in fields.items():
        blank = item.kind == "scalar" and item.value in ("", None)  # shipped empty: nothing said
        text = "" if blank else collector.text(item, max_length=400)
        if text:
            check_spoken(collector, item, text)
        found[key] = text or ""
    return StatementTexts(**found)


def _credit_shares(collector: Collector, node: YNode) -> tuple[CreditShare, ...] | None:
    """Read the credit brackets (policy 5.3.4 c), by ascending credits."""
    items = collector.sequence(node, what="the credit shares")
    if items is None:
        return None
    shares: list[CreditShare] = []
    for item in items:
        fields = collector.mapping(item, required=("up_to", "percent"), what="a credit share")
        if fields is None or "up_to" not in fields or "percent" not in fields:
            return None
        up_to = collector.integer(fields["up_to"], minimum=1, maximum=100)
        percent = collector.integer(fields["percent"], minimum=1, maximum=100)
        if up_to is None or percent is None:
            return None
        if shares and up_to <= shares[-1].up_to:
            collector.add(
                fields["up_to"],
                f"{up_to} credits is not above the previous bracket's {shares[-1].up_to}",
                "list the brackets by ascending up_to",
            )
            return None
        shares.append(CreditShare(up_to, percent))
    return tuple(shares)


def _insured_cuotas(
    collector: Collector, node: YNode, cuotas: int | None
) -> tuple[int, ...] | None:
    """Read which cuotas carry an insurance instalment (policy 5.6.1)."""
    items = collector.sequence(node, what="the insured cuotas")
    if items is None:
        return None
    numbers: list[int] = []
    for item in items:
        number = collector.integer(item, minimum=1)
        if number is None:
            return None
        if cuotas is not None and number > cuotas:
            collector.add(
                item,
                f"cuota {number} does not exist: a term has {cuotas} cuotas",
                f"use cuota numbers from 1 to {cuotas}",
            )
            return None
        if numbers and number <= numbers[-1]:
            collector.add(
                item, f"cuota {number} is not after cuota {numbers[-1]}", "list each once, in order"
            )
            return None
        numbers.append(number)
    return tuple(numbers)


def _early_payment(collector: Collector, node: YNode) -> EarlyPayment | None:
    """Read the early-payment discount's rules (policy 5.2.2)."""
    fields = collector.mapping(node, required=EARLY_PAYMENT_KEYS, what="early_payment")
    if fields is None or any(key not in fields for key in EARLY_PAYMENT_KEYS):
        return None
    # policy 5.2.2 a (seed: 5): percent of the cuotas' tuition
    percent = collector.integer(fields["percent"], minimum=1, maximum=99)
    # policy 5.2.2 d (seed: 2): business days to pay the whole cycle once granted
    days = collector.integer(fields["business_days"], minimum=0, maximum=30)
    # policy 5.2.1, 5.2.2 a, 5.2.3, 5.2.4: who cannot have it
    excluded = {
        value
        for item, value in collector.texts(fields["excluded"])
        if collector.choice(item, EARLY_PAYMENT_EXCLUSIONS) is not None
    }
    # policy 5.2.2 c: how it is requested, through this institution's own channel
    request = collector.text(fields["request"], max_length=200)
    if request is not None:
        check_spoken(collector, fields["request"], request)
    if percent is None or days is None or request is None:
        return None
    return EarlyPayment(percent, days, frozenset(excluded), request)


def parse_prices(collector: Collector, root: YNode) -> PriceList | None:
    fields = collector.mapping(root, required=PRICE_KEYS, what="the price list")
    if fields is None:
        return None
    values = [amount(collector, fields[key]) if key in fields else None for key in PRICE_KEYS]
    late_fee, insurance, credit, extemporaneous, matricula = values
    if (
        late_fee is None
        or insurance is None
        or credit is None
        or extemporaneous is None
        or matricula is None
    ):
        return None
    return PriceList(
        late_fee=late_fee,
        insurance_instalment=insurance,
        credit_price=credit,
        extemporaneous_enrolment_fee=extemporaneous,
        matricula=matricula,
    )


def parse_terms(
    collector: Collector, root: YNode, cuotas: int | None
) -> tuple[TermCalendar, ...] | None:
    """Read the term calendars; each lists ``cuotas`` due dates (None: policy.yaml is broken)."""
    top = collector.mapping(root, required=["terms"], what="the term calendars")
    if top is None or "terms" not in top:
        return None
    node = top["terms"]
    entries = collector.mapping(node, optional=list(node.mapping), what="terms")
    if entries is None:
        return None
    calendars: list[TermCalendar] = []
    for code, term_node in entries.items():
        if not _TERM_CODE.match(code):
            collector.add(term_node, f"'{code}' is not a term code", "write it like 2026-1")
        calendar = _term(collector, code, term_node, cuotas)
        if calendar is not None:
            calendars.append(calendar)
    if not entries:
        collector.add(node, "lists no term", "add at least the current term")
        return None
    return tuple(sorted(calendars, key=lambda c: c.first_due))


def _term(collector: Collector, code: str, node: YNode, count: int | None) -> TermCalendar | None:
    fields = collector.mapping(node, TERM_REQUIRED, TERM_OPTIONAL, what=f"term {code}")
    if fields is None or any(key not in fields for key in TERM_REQUIRED):
        return None
    cuotas = _cuotas(collector, fields["cuotas"], count)
    midterms = collector.day(fields["midterms_start"])
    closes = collector.day(fields["enrolment_closes"])
    late_closes = collector.day(fields["late_enrolment_closes"])
    deadline: date | None = None
    if "withdrawal_deadline" in fields:
        deadline = collector.day(fields["withdrawal_deadline"])
        if deadline is not None and midterms is not None and deadline >= midterms:
            collector.add(
                fields["withdrawal_deadline"],
                f"{deadline} is not before the midterms ({midterms})",
                "policy 5.4.1: the business day before the midterms start",
            )
            return None
    elif midterms is not None:
        # policy 5.4.1: "hasta el día hábil previo al inicio de exámenes parciales"
        deadline = business_day_before(midterms)
    if closes is not None and late_closes is not None and late_closes < closes:
        collector.add(
            fields["late_enrolment_closes"],
            f"{late_closes} is before the end of regular enrolment ({closes})",
            "extemporaneous enrolment comes after regular enrolment (policy 5.3.2)",
        )
        return None
    if cuotas is None or midterms is None or closes is None or late_closes is None:
        return None
    assert deadline is not None
    return TermCalendar(
        code=code,
        cuota_due_dates=cuotas,
        midterms_start=midterms,
        withdrawal_deadline=deadline,
        enrolment_closes=closes,
        late_enrolment_closes=late_closes,
    )


def _cuotas(collector: Collector, node: YNode, count: int | None) -> tuple[date, ...] | None:
    items = collector.sequence(node, what="the cuota due dates")
    if items is None:
        return None
    if count is not None and len(items) != count:
        collector.add(
            node,
            f"lists {len(items)} due dates; a term has {count} cuotas",
            f"{POLICY_FILE} sets cuotas: {count}; policy 5.1.2",
        )
        return None
    days: list[date] = []
    for item in items:
        day = collector.day(item)
        if day is None:
            return None
        if days and day <= days[-1]:
            collector.add(
                item,
                f"{day} is not after the previous cuota's due date ({days[-1]})",
                "list the due dates in order",
            )
            return None
        days.append(day)
    return tuple(days)


def amount(collector: Collector, node: YNode) -> int | None:
    """Return céntimos from an amount of soles written as a quoted decimal ("15.00")."""
    value = node.value
    if node.kind == "scalar" and isinstance(value, float):
        collector.add(
            node,
            f"{node.raw} was read as a floating-point number, which cannot hold money exactly",
            f"quote it: '{node.raw}'",
        )
        return None
    if node.kind == "scalar" and isinstance(value, int) and not isinstance(value, bool):
        collector.add(
            node,
            f"{node.raw} is a bare number: amounts are soles written as quoted decimals",
            f"write '{value}.00' for {value} soles",
        )
        return None
    if node.kind != "scalar" or not isinstance(value, str):
        collector.add(node, f"expected an amount in soles like '15.00', found {node.describe()}")
        return None
    cents = parse_amount(value)
    if cents is None:
        collector.add(
            node,
            f"'{value}' is not an amount in soles",
            "write it like '1234.50': a dot before the céntimos, no thousands separator",
        )
        return None
    return cents
