"""Parse ``billing/terms.yaml`` and ``billing/prices.yaml``: term calendars and the price list.

Amounts are written in soles as quoted decimal strings with a dot, e.g. ``late_fee: "15.00"``.
A bare ``15`` is refused (soles or céntimos?) and so is an unquoted ``15.00``: YAML reads it as
a floating-point number, which cannot hold every amount of céntimos exactly.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from ivr.config.source import Collector, YNode
from ivr.core.fees.model import (
    CUOTAS_PER_TERM,
    Billing,
    PriceList,
    TermCalendar,
    business_day_before,
)
from ivr.core.fees.money import parse_amount

BILLING_DIR = "billing"
TERMS_FILE = f"{BILLING_DIR}/terms.yaml"
PRICES_FILE = f"{BILLING_DIR}/prices.yaml"

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


def parse_billing(collector: Collector, config_dir: Path) -> Billing | None:
    """Read both billing files, recording every problem; None when they cannot be used."""
    before = len(collector.problems)
    prices_root = collector.load(config_dir / PRICES_FILE, PRICES_FILE)
    terms_root = collector.load(config_dir / TERMS_FILE, TERMS_FILE)
    prices = parse_prices(collector, prices_root) if prices_root is not None else None
    terms = parse_terms(collector, terms_root) if terms_root is not None else None
    if len(collector.problems) > before or prices is None or terms is None:
        return None
    return Billing(prices, terms)


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


def parse_terms(collector: Collector, root: YNode) -> tuple[TermCalendar, ...] | None:
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
        calendar = _term(collector, code, term_node)
        if calendar is not None:
            calendars.append(calendar)
    if not entries:
        collector.add(node, "lists no term", "add at least the current term")
        return None
    return tuple(sorted(calendars, key=lambda c: c.first_due))


def _term(collector: Collector, code: str, node: YNode) -> TermCalendar | None:
    fields = collector.mapping(node, TERM_REQUIRED, TERM_OPTIONAL, what=f"term {code}")
    if fields is None or any(key not in fields for key in TERM_REQUIRED):
        return None
    cuotas = _cuotas(collector, fields["cuotas"])
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


def _cuotas(collector: Collector, node: YNode) -> tuple[date, ...] | None:
    items = collector.sequence(node, what="the cuota due dates")
    if items is None:
        return None
    if len(items) != CUOTAS_PER_TERM:
        collector.add(
            node,
            f"lists {len(items)} due dates; a term has {CUOTAS_PER_TERM} cuotas",
            "policy 5.1.2: five monthly cuotas per semester",
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
