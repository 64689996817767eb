"""The pure rules: the permitted windows, which reminder goes when, the caps, the text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from ivr.clock import LIMA
from ivr.config.loader import load_config
from ivr.core.reminders import (
    History,
    Reminder,
    ReminderSettings,
    decide,
    is_stop,
    next_permitted,
    parse_mobile,
    permitted,
    text_of,
)
from ivr.core.schedule.model import Schedules, default_schedules
from tests.reminders.conftest import CLOSURE, enable_reminders

SCHEDULES = default_schedules()


def lima(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LIMA)


@pytest.fixture
def with_closure(config_dir: Path) -> Schedules:
    enable_reminders(config_dir)
    return load_config(config_dir).schedules


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        pytest.param(lima(2026, 11, 20, 6, 59), False, id="friday-06:59"),
        pytest.param(lima(2026, 11, 20, 7, 0), True, id="friday-07:00-opens"),
        pytest.param(lima(2026, 11, 20, 19, 59), True, id="friday-19:59"),
        pytest.param(lima(2026, 11, 20, 20, 0), False, id="friday-20:00-closed"),
        pytest.param(lima(2026, 11, 21, 10), False, id="saturday"),
        pytest.param(lima(2026, 11, 22, 10), False, id="sunday"),
        pytest.param(lima(2026, 12, 8, 10), False, id="holiday-8-december"),
        pytest.param(lima(2026, 12, 25, 10), False, id="holiday-christmas"),
        # a server on UTC: 00:30 UTC on Thursday is still Wednesday 19:30 in Lima
        pytest.param(datetime(2026, 11, 19, 0, 30, tzinfo=UTC), True, id="utc-server-lima-1930"),
        pytest.param(datetime(2026, 11, 19, 1, 0, tzinfo=UTC), False, id="utc-server-lima-2000"),
    ],
)
def test_the_permitted_window(moment: datetime, allowed: bool) -> None:
    assert permitted(moment, SCHEDULES) is allowed


def test_a_closure_of_the_central_holds_them(with_closure: Schedules) -> None:
    assert not permitted(lima(CLOSURE.year, CLOSURE.month, CLOSURE.day), with_closure)
    assert next_permitted(lima(2026, 11, 30, 20), with_closure) == lima(2026, 12, 2, 7)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(lima(2026, 11, 20, 20), lima(2026, 11, 23, 7), id="friday-night-to-monday"),
        pytest.param(lima(2026, 11, 23, 5), lima(2026, 11, 23, 7), id="dawn-to-seven"),
        pytest.param(lima(2026, 11, 23, 12), lima(2026, 11, 23, 12), id="inside-is-now"),
        pytest.param(lima(2026, 12, 7, 21), lima(2026, 12, 10, 7), id="over-8-and-9-december"),
        pytest.param(lima(2026, 12, 31, 20), lima(2027, 1, 4, 7), id="new-year-weekend"),
    ],
)
def test_the_next_permitted_moment(moment: datetime, expected: datetime) -> None:
    assert next_permitted(moment, SCHEDULES) == expected


def reminder(kind: str = "before", cuota: int = 4, amount: int = 98850, last: int = 30) -> Reminder:
    due = date(2026, 11, 30)
    return Reminder("N00200001", "2026-2", cuota, kind, due, date(2026, 11, 27),  # type: ignore[arg-type]
                    date(2026, 11, last if last <= 30 else 30), amount)  # fmt: skip


DAY = date(2026, 11, 27)
SETTINGS = ReminderSettings(enabled=True, channels="WhatsApp 914 800 800")


NOTHING_YET = History()


def verdicts(reminders: list[Reminder], history: History = NOTHING_YET, **kw: bool) -> list[str]:
    decided = decide(reminders, DAY, history, opted_out=kw.get("opted_out", False),
                     settings=SETTINGS)  # fmt: skip
    return [f"{d.reminder.cuota}:{d.verdict}" for d in decided]


def test_one_a_day_the_one_that_stops_serving_first() -> None:
    soon, later = reminder(cuota=4, last=28), reminder(cuota=5, last=30)
    assert verdicts([later, soon]) == ["4:send", "5:one_a_day"]


def test_one_sent_today_holds_the_rest() -> None:
    assert verdicts([reminder()], History(sent_on=(DAY,))) == ["4:sent_today"]


def test_the_weekly_cap_counts_the_last_seven_days() -> None:
    two = History(sent_on=(date(2026, 11, 21), date(2026, 11, 25)))
    assert verdicts([reminder()], two) == ["4:weekly_cap"]
    a_week_ago = History(sent_on=(date(2026, 11, 20), date(2026, 11, 25)))
    assert verdicts([reminder()], a_week_ago) == ["4:send"]


def test_paid_passed_opted_out_and_recorded() -> None:
    assert verdicts([reminder(amount=0)]) == ["4:paid"]
    assert verdicts([reminder(last=26)]) == ["4:expired"]
    assert verdicts([reminder()], opted_out=True) == ["4:opted_out"]
    assert verdicts([reminder()], History(recorded={reminder().key})) == []


def test_the_text_names_the_cuota_amount_date_channels_and_baja_never_the_code() -> None:
    text = text_of(reminder(amount=123450), SETTINGS)
    assert text == (
        "Recordatorio: su cuota 4 del ciclo 2026-2 vence el 30 de noviembre. Monto a pagar: "
        "S/ 1,234.50. Pagos y consultas: WhatsApp 914 800 800. Para no recibir estos mensajes "
        "responda BAJA."
    )
    assert "N00200001" not in text and "200001" not in text


@pytest.mark.parametrize(
    ("typed", "mobile"),
    [
        ("987654321", "+51987654321"),
        ("987 654 321", "+51987654321"),
        ("+51 987-654-321", "+51987654321"),
        ("51987654321", "+51987654321"),
        ("(01) 604-4700", None),  # a Lima landline
        ("887654321", None),
        ("98765432", None),
        ("+1 987654321", None),
    ],
)
def test_a_peruvian_mobile(typed: str, mobile: str | None) -> None:
    assert parse_mobile(typed) == mobile


@pytest.mark.parametrize(
    ("body", "stop"),
    [("BAJA", True), (" baja. ", True), ("Stop", True), ("baja por favor", False), ("", False)],
)
def test_baja_or_stop(body: str, stop: bool) -> None:
    assert is_stop(body) is stop


def test_the_windows_do_not_depend_on_the_central_hours() -> None:
    # the central opens at 09:00; reminders may go from 07:00
    assert permitted(datetime.combine(date(2026, 11, 23), time(7, 30), tzinfo=LIMA), SCHEDULES)
