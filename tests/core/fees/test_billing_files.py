"""billing/: terms.yaml, prices.yaml and policy.yaml: the shipped files, and located errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from ivr.config.billing import parse_billing
from ivr.config.source import Collector
from ivr.core.fees import Billing, PriceList
from ivr.storage.ledger.demo import DEMO_BILLING

ROOT = Path(__file__).resolve().parents[3]

PRICES = """\
late_fee: "15.00"
insurance_instalment: "38.50"
credit_price: "145.00"
extemporaneous_enrolment_fee: "80.00"
matricula: "390.00"
"""
TERMS = """\
terms:
  2026-2:
    enrolment_closes: 2026-08-15
    late_enrolment_closes: 2026-08-22
    midterms_start: 2026-10-12
    cuotas: [2026-08-31, 2026-09-30, 2026-10-30, 2026-11-30, 2026-12-30]
"""


POLICY = (ROOT / "billing" / "policy.yaml").read_text(encoding="utf-8")


def load(
    tmp_path: Path, prices: str = PRICES, terms: str = TERMS, policy: str = POLICY
) -> tuple[Billing | None, list[str]]:
    folder = tmp_path / "billing"
    folder.mkdir(exist_ok=True)
    (folder / "prices.yaml").write_text(prices, encoding="utf-8")
    (folder / "terms.yaml").write_text(terms, encoding="utf-8")
    (folder / "policy.yaml").write_text(policy, encoding="utf-8")
    collector = Collector()
    billing = parse_billing(collector, tmp_path)
    return billing, [str(p) for p in collector.problems]


def test_the_shipped_files_load_and_match_the_demo_billing() -> None:
    collector = Collector()
    billing = parse_billing(collector, ROOT)
    assert [str(p) for p in collector.problems] == []
    assert billing is not None
    # the demo says no channel: the request's wording and the statement's texts are the
    # university's
    demo_policy = replace(
        DEMO_BILLING.policy,
        early_payment=replace(
            DEMO_BILLING.policy.early_payment, request=billing.policy.early_payment.request
        ),
        texts=billing.policy.texts,
    )
    assert billing == replace(DEMO_BILLING, policy=demo_policy)
    # where to pay is shipped empty (the seeds name no bank); what to do if already paid is
    # the contact seed's own example
    assert billing.policy.texts.where_to_pay == ""
    assert billing.policy.texts.already_paid == (
        "Si ya pagó y su pago no aparece, registre un ticket de Facturación en MiMundoUPN, "
        "opción Servicios, Contacto UPN, y adjunte su voucher de pago."
    )
    assert [t.code for t in billing.terms] == ["2026-1", "2026-2", "2027-1"]
    assert billing.prices.late_fee == 1500  # policy 5.9.3


def test_a_good_pair_of_files(tmp_path: Path) -> None:
    billing, problems = load(tmp_path)
    assert problems == []
    assert billing is not None
    assert billing.prices == PriceList(1500, 3850, 14500, 8000, 39000)
    term = billing.term("2026-2")
    assert term is not None
    assert term.withdrawal_deadline == date(2026, 10, 9)  # the Friday before the midterms
    assert term.cuota_due_dates[0] == date(2026, 8, 31)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        pytest.param(
            "late_fee: 15.00",
            "billing/prices.yaml:1: late_fee: 15.00 was read as a floating-point number, which "
            "cannot hold money exactly (quote it: '15.00')",
            id="float",
        ),
        pytest.param(
            "late_fee: 15",
            "billing/prices.yaml:1: late_fee: 15 is a bare number: amounts are soles written as "
            "quoted decimals (write '15.00' for 15 soles)",
            id="int",
        ),
        pytest.param(
            'late_fee: "15,00"',
            "billing/prices.yaml:1: late_fee: '15,00' is not an amount in soles (write it like "
            "'1234.50': a dot before the céntimos, no thousands separator)",
            id="comma",
        ),
        pytest.param(
            'late_fe: "15.00"',
            "billing/prices.yaml:1: late_fe: unknown key 'late_fe' (did you mean 'late_fee'?)",
            id="typo",
        ),
    ],
)
def test_price_problems_are_located(tmp_path: Path, line: str, message: str) -> None:
    prices = PRICES.replace('late_fee: "15.00"', line)
    billing, problems = load(tmp_path, prices=prices)
    assert billing is None
    assert message in problems


def test_a_missing_price(tmp_path: Path) -> None:
    billing, problems = load(tmp_path, prices=PRICES.replace('matricula: "390.00"\n', ""))
    assert billing is None
    assert problems == ["billing/prices.yaml:1: missing required key 'matricula'"]


def test_four_cuotas(tmp_path: Path) -> None:
    terms = TERMS.replace(", 2026-12-30]", "]")
    billing, problems = load(tmp_path, terms=terms)
    assert billing is None
    assert problems == [
        "billing/terms.yaml:6: terms.2026-2.cuotas: lists 4 due dates; a term has 5 cuotas "
        "(billing/policy.yaml sets cuotas: 5; policy 5.1.2)"
    ]


def test_cuotas_out_of_order_and_a_bad_date_all_reported(tmp_path: Path) -> None:
    terms = TERMS.replace("2026-10-30, 2026-11-30", "2026-11-30, 2026-10-30").replace(
        "midterms_start: 2026-10-12", "midterms_start: 2026-13-12"
    )
    billing, problems = load(tmp_path, terms=terms)
    assert billing is None
    assert sorted(problems) == [
        "billing/terms.yaml:5: terms.2026-2.midterms_start: '2026-13-12' is not a date "
        "(write it as YYYY-MM-DD, e.g. 2026-07-28)",
        "billing/terms.yaml:6: terms.2026-2.cuotas.3: 2026-10-30 is not after the previous "
        "cuota's due date (2026-11-30) (list the due dates in order)",
    ]


def test_late_enrolment_before_regular_enrolment(tmp_path: Path) -> None:
    terms = TERMS.replace("late_enrolment_closes: 2026-08-22", "late_enrolment_closes: 2026-08-01")
    _, problems = load(tmp_path, terms=terms)
    assert problems == [
        "billing/terms.yaml:4: terms.2026-2.late_enrolment_closes: 2026-08-01 is before the end "
        "of regular enrolment (2026-08-15) (extemporaneous enrolment comes after regular "
        "enrolment (policy 5.3.2))"
    ]


def test_withdrawal_deadline_written_by_hand(tmp_path: Path) -> None:
    terms = TERMS.replace("    cuotas:", "    withdrawal_deadline: 2026-10-08\n    cuotas:")
    billing, _ = load(tmp_path, terms=terms)
    assert billing is not None
    assert billing.terms[0].withdrawal_deadline == date(2026, 10, 8)
    late = TERMS.replace("    cuotas:", "    withdrawal_deadline: 2026-10-12\n    cuotas:")
    _, problems = load(tmp_path, terms=late)
    assert problems == [
        "billing/terms.yaml:6: terms.2026-2.withdrawal_deadline: 2026-10-12 is not before the "
        "midterms (2026-10-12) (policy 5.4.1: the business day before the midterms start)"
    ]


def test_a_bad_term_code_and_a_missing_file(tmp_path: Path) -> None:
    _, problems = load(tmp_path, terms=TERMS.replace("2026-2:", "2026-II:"))
    bad_code = "'2026-II' is not a term code (write it like 2026-1)"
    assert f"billing/terms.yaml:2: terms.2026-II: {bad_code}" in problems
    (tmp_path / "billing" / "prices.yaml").unlink()
    collector = Collector()
    assert parse_billing(collector, tmp_path) is None
    assert str(collector.problems[0]) == "billing/prices.yaml: file not found"


# -- billing/policy.yaml: the policy's numbers, each checked where it is written ---------------
COMPACT_POLICY = """\
cuotas: 5
late_fee_day: 8
reportable_after_days: 60
credit_shares:
  - {up_to: 6, percent: 50}
  - {up_to: 11, percent: 75}
insured_cuotas: [2, 3, 4, 5]
early_payment:
  percent: 5
  business_days: 2
  excluded: [not_regular_tariff, agreement]
  request: "con un ticket de Facturación"
"""


def test_a_compact_policy_file(tmp_path: Path) -> None:
    billing, problems = load(tmp_path, policy=COMPACT_POLICY)
    assert problems == []
    assert billing is not None
    assert billing.policy.share(6) == 50 and billing.policy.share(7) == 75
    assert billing.policy.full_load_credits == 12
    assert billing.policy.early_payment.excluded == {"not_regular_tariff", "agreement"}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "late_fee_day: 8",
            "late_fee_day: '8'",
            "billing/policy.yaml:2: late_fee_day: expected a whole number, found '8'",
            id="5.9.2-quoted",
        ),
        pytest.param(
            "reportable_after_days: 60",
            "reportable_after_days: 0",
            "billing/policy.yaml:3: reportable_after_days: 0 is out of range (use a number "
            "from 1 to 3650)",
            id="5.1.3-zero",
        ),
        pytest.param(
            "  - {up_to: 11, percent: 75}",
            "  - {up_to: 6, percent: 75}",
            "billing/policy.yaml:6: credit_shares.1.up_to: 6 credits is not above the previous "
            "bracket's 6 (list the brackets by ascending up_to)",
            id="5.3.4c-order",
        ),
        pytest.param(
            "insured_cuotas: [2, 3, 4, 5]",
            "insured_cuotas: [2, 3, 4, 6]",
            "billing/policy.yaml:7: insured_cuotas.3: cuota 6 does not exist: a term has 5 "
            "cuotas (use cuota numbers from 1 to 5)",
            id="5.6.1-no-such-cuota",
        ),
        pytest.param(
            "  percent: 5",
            "  percent: 100",
            "billing/policy.yaml:9: early_payment.percent: 100 is out of range (use a number "
            "from 1 to 99)",
            id="5.2.2a-percent",
        ),
        pytest.param(
            "excluded: [not_regular_tariff, agreement]",
            "excluded: [not_regular_tariff, agreements]",
            "billing/policy.yaml:11: early_payment.excluded.1: 'agreements' is not one of the "
            "accepted values (did you mean 'agreement'?)",
            id="5.2.3-misspelt",
        ),
    ],
)
def test_policy_problems_are_located(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in COMPACT_POLICY
    billing, problems = load(tmp_path, policy=COMPACT_POLICY.replace(old, new))
    assert billing is None
    assert problems == [message]


def test_a_policy_of_four_cuotas_wants_four_due_dates(tmp_path: Path) -> None:
    four = COMPACT_POLICY.replace("cuotas: 5", "cuotas: 4").replace("[2, 3, 4, 5]", "[2, 3, 4]")
    billing, problems = load(tmp_path, policy=four)
    assert billing is None
    assert problems == [
        "billing/terms.yaml:6: terms.2026-2.cuotas: lists 5 due dates; a term has 4 cuotas "
        "(billing/policy.yaml sets cuotas: 4; policy 5.1.2)"
    ]
    four_dates = TERMS.replace(", 2026-12-30]", "]")
    billing, problems = load(tmp_path, terms=four_dates, policy=four)
    assert problems == []
    assert billing is not None and billing.policy.cuotas == 4


def test_a_missing_policy_file_is_named(tmp_path: Path) -> None:
    load(tmp_path)
    (tmp_path / "billing" / "policy.yaml").unlink()
    collector = Collector()
    assert parse_billing(collector, tmp_path) is None
    [problem] = [str(p) for p in collector.problems]
    assert problem.startswith("billing/policy.yaml: ")
