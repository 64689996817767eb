"""Exact money helpers: decimal strings in and out, percentages, exact spreading."""

from __future__ import annotations

import pytest

from ivr.core.fees.money import format_amount, parse_amount, percent_of, spread


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        pytest.param("15", 1500, id="whole-soles"),
        pytest.param("15.5", 1550, id="one-decimal"),
        pytest.param("1234.50", 123450, id="two-decimals"),
        pytest.param(" 0.01 ", 1, id="spaces"),
        pytest.param("0", 0, id="zero"),
        pytest.param("1,234.50", None, id="thousands-separator"),
        pytest.param("15,00", None, id="decimal-comma"),
        pytest.param("1.234", None, id="three-decimals"),
        pytest.param("-15.00", None, id="negative"),
        pytest.param("", None, id="empty"),
        pytest.param("S/ 15.00", None, id="currency-sign"),
    ],
)
def test_parse_amount(text: str, cents: int | None) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("cents", "text"), [(0, "0.00"), (1, "0.01"), (123450, "1234.50"), (-1500, "-15.00")]
)
def test_format_amount(cents: int, text: str) -> None:
    assert format_amount(cents) == text


@pytest.mark.parametrize(
    ("cents", "percent", "result"),
    [(85033, 75, 63775), (85033, 50, 42517), (100, 5, 5), (10, 5, 1), (9, 5, 0), (0, 5, 0)],
)
def test_percent_of_rounds_halves_up(cents: int, percent: int, result: int) -> None:
    assert percent_of(cents, percent) == result


def test_spread_is_exact_and_front_loaded() -> None:
    assert spread(100004, 5) == (20001, 20001, 20001, 20001, 20000)
    assert spread(100000, 5) == (20000,) * 5
    assert spread(3, 5) == (1, 1, 1, 0, 0)


def test_spread_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="at least one part"):
        spread(100, 0)
