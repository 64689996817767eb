"""Closures and special hours from the console or the CLI: checked as `ivr check` checks the
YAML's, stored, audited, and merged into the schedules every answer uses."""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Any

import pytest

from ivr.actions.closures import add_closure, add_special_hours, remove_closure
from ivr.clock import LIMA
from ivr.core.schedule import evaluation
from ivr.runtime import Runtime
from ivr.storage.console import ConsoleStore
from tests.actions.conftest import ANA, ROOT, audited, logged, refusal

STRIKE = "Por una huelga, la central está cerrada."
CLOSURE: dict[str, str] = {
    "line": "central",
    "first": "2026-11-20",
    "last": "",
    "label": "Huelga",
    "message": STRIKE,
}
HOURS: dict[str, str] = {
    "line": "",
    "day": "2026-11-21",
    "opens": "14:00",
    "closes": "18:00",
    "label": "Matrícula",
    "message": "",
}


@pytest.mark.parametrize(
    ("changes", "field", "en", "es"),
    [
        pytest.param(
            {"line": "admision"},
            "line",
            "unknown line 'admision' (the lines are the files in schedules/: central)",
            "La línea «admision» no existe; las líneas son: central.",
            id="unknown-line",
        ),
        pytest.param(
            {"first": "2026-11-31"},
            "first",
            "'2026-11-31' is not a date (write it as YYYY-MM-DD, e.g. 2026-07-28)",
            "Escriba la fecha como AAAA-MM-DD, por ejemplo 2026-07-28.",
            id="not-a-date",
        ),
        pytest.param(
            {"first": "2026-11-17"},
            "first",
            "2026-11-17 is past (today is 2026-11-18 in Lima)",
            "El martes 17 de noviembre ya pasó: hoy es miércoles 18 de noviembre.",
            id="yesterday",
        ),
        pytest.param(
            {"last": "2026-11-19"},
            "last",
            "2026-11-19 is before the first day, 2026-11-20",
            "El último día (jueves 19 de noviembre) es anterior al primero "
            "(viernes 20 de noviembre).",
            id="ends-before-it-starts",
        ),
        pytest.param(
            {"last": "2027-02-20"},
            "last",
            "the closure spans 93 days; at most 92 at once "
            "(a longer one belongs in schedules/LINE.yaml)",
            "El cierre abarca 93 días; caben 92 a la vez.",
            id="longer-than-a-term",
        ),
        pytest.param(
            {"message": "  "},
            "message",
            "must not be empty",
            "Escriba el mensaje que oirán quienes llamen.",
            id="no-message",
        ),
        pytest.param(
            {"message": "ñ" * 1501},
            "message",
            "is 3002 bytes long; one <Say> speaks at most 3000 "
            "(shorten it or split it into two messages)",
            "El mensaje es demasiado largo: tiene 3002 bytes y caben 3000.",
            id="longer-than-one-say",
        ),
        pytest.param(
            {"message": "La central está cerrada. Escríbenos por WhatsApp."},
            "message",
            "'Escríbenos' addresses the caller as tú "
            "(callers are addressed as usted: write 'escríbanos')",
            "«Escríbenos» trata de tú a quien llama: escriba «escríbanos».",
            id="tu-not-usted",
        ),
    ],
)
def test_a_closure_is_refused_by_field_and_nothing_is_stored(
    runtime: Runtime,
    console: ConsoleStore,
    caplog: pytest.LogCaptureFixture,
    changes: dict[str, str],
    field: str,
    en: str,
    es: str,
) -> None:
    values = {**CLOSURE, **changes}
    with caplog.at_level(logging.INFO, logger="ivr.actions"):
        assert refusal(lambda: add_closure(runtime, ANA, **values)) == (field, en, es)
    assert runtime.closures.all() == ()
    assert audited(console) == []
    assert logged(caplog) == []


def test_a_day_already_closed_is_refused(runtime: Runtime) -> None:
    add_closure(runtime, ANA, **CLOSURE)
    # every line includes the central, closed on the 20th already
    again = {**CLOSURE, "line": "", "first": "2026-11-19", "last": "2026-11-21"}
    assert refusal(lambda: add_closure(runtime, ROOT, **again)) == (
        "first",
        "2026-11-20 is already a closure of line central (Huelga)",
        "El viernes 20 de noviembre la línea central ya está cerrada (Huelga).",
    )
    assert len(runtime.closures.all()) == 1


@pytest.mark.parametrize(
    ("changes", "field", "en", "es"),
    [
        pytest.param(
            {"opens": "9"},
            "opens",
            "'9' is not a time of day (write it as 'HH:MM', e.g. '09:00')",
            "Escriba la hora como HH:MM, por ejemplo 09:00.",
            id="not-a-time",
        ),
        pytest.param(
            {"closes": "24:00"},
            "closes",
            "'24:00' is not a time of day (to stay open until midnight write '23:59:59')",
            "Escriba la hora como HH:MM, por ejemplo 13:00.",
            id="midnight",
        ),
        pytest.param(
            {"opens": "18:00", "closes": "14:00"},
            "closes",
            "closes at 14:00, before it opens at 18:00 (put the opening time in 'from' "
            "and the closing time in 'until'; an interval cannot cross midnight)",
            "La hora de cierre (14:00) debe ser posterior a la de apertura (18:00).",
            id="closes-before-it-opens",
        ),
        pytest.param(
            {"label": ""},
            "label",
            "must not be empty",
            "Escriba un nombre, por ejemplo «Matrícula».",
            id="no-label",
        ),
        pytest.param(
            {"day": "2026-12-08"},
            "day",
            "2026-12-08 is a national holiday (Inmaculada Concepción), so these "
            "special hours never apply (to open that day, add it to holidays.keep_open)",
            "El martes 8 de diciembre es feriado (Inmaculada Concepción) y la línea "
            "central está cerrada: este horario no se aplicaría.",
            id="holiday",
        ),
        pytest.param(
            {"day": "2026-12-24"},
            "day",
            "2026-12-24 already has special hours on line central (Nochebuena)",
            "El jueves 24 de diciembre la línea central ya tiene un horario especial (Nochebuena).",
            id="the-yaml-gives-hours-that-day",
        ),
    ],
)
def test_special_hours_are_refused_as_ivr_check_refuses_them(
    runtime: Runtime,
    console: ConsoleStore,
    changes: dict[str, str],
    field: str,
    en: str,
    es: str,
) -> None:
    values = {**HOURS, **changes}
    assert refusal(lambda: add_special_hours(runtime, ANA, **values)) == (field, en, es)
    assert runtime.closures.all() == ()
    assert audited(console) == []


def test_special_hours_on_a_stored_closure_are_refused(runtime: Runtime) -> None:
    add_closure(runtime, ANA, **{**CLOSURE, "first": "2026-11-21"})
    assert refusal(lambda: add_special_hours(runtime, ANA, **HOURS)) == (
        "day",
        "2026-11-21 is a closure of line central (Huelga), so these special hours never "
        "apply (remove one of the two)",
        "El sábado 21 de noviembre la línea central está cerrada (Huelga): este horario no se "
        "aplicaría. Quite antes el cierre.",
    )


def _status(runtime: Runtime, moment: datetime) -> evaluation.LineStatus:
    return evaluation.status(runtime.schedules, moment)


def test_a_closure_is_stored_audited_logged_and_closes_the_line(
    runtime: Runtime, console: ConsoleStore, caplog: pytest.LogCaptureFixture
) -> None:
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=LIMA)
    assert _status(runtime, friday).open
    values: dict[str, Any] = {**CLOSURE, "last": "2026-11-21"}
    with caplog.at_level(logging.INFO, logger="ivr.actions"):
        entry = add_closure(runtime, ANA, **values)
    assert (entry.line, entry.first, entry.last, entry.label, entry.message) == (
        "central",
        date(2026, 11, 20),
        date(2026, 11, 21),
        "Huelga",
        STRIKE,
    )
    assert (entry.added_by, entry.added_at) == ("ana", datetime(2026, 11, 18, 10, tzinfo=LIMA))
    closed = _status(runtime, friday)
    assert (closed.open, closed.reason, closed.label, closed.message) == (
        False,
        "closure",
        "Huelga",
        STRIKE,
    )
    # closed through Saturday: it opens on Monday at nine (Sunday has no hours)
    assert closed.next_change == datetime(2026, 11, 23, 9, 0, tzinfo=LIMA)
    assert audited(console) == [
        (
            "ana",
            "closure_add",
            f"#{entry.id} línea central, cerrada del viernes 20 de noviembre al sábado 21 de "
            f"noviembre «Huelga»; mensaje: «{STRIKE}»",
        )
    ]
    # the log says what and by whom, not the message
    assert logged(caplog) == [
        f"closure_add: #{entry.id} central 2026-11-20..2026-11-21; by ana through the console"
    ]


def test_special_hours_for_every_line_replace_the_weekly_ones(
    runtime: Runtime, console: ConsoleStore
) -> None:
    entry = add_special_hours(runtime, ROOT, **HOURS)
    assert entry.line is None
    saturday = datetime(2026, 11, 21, 15, 0, tzinfo=LIMA)  # weekly hours end at 14:00
    status = _status(runtime, saturday)
    assert (status.open, status.reason, status.label) == (True, "special_hours", "Matrícula")
    assert not _status(runtime, datetime(2026, 11, 21, 10, 0, tzinfo=LIMA)).open
    assert audited(console) == [
        (
            "cli:root",
            "hours_add",
            f"#{entry.id} todas las líneas, el sábado 21 de noviembre de 14:00 a 18:00 «Matrícula»",
        )
    ]


def test_remove_reopens_and_is_audited(runtime: Runtime, console: ConsoleStore) -> None:
    entry = add_closure(runtime, ANA, **CLOSURE)
    removed = remove_closure(runtime, ROOT, entry.id)
    assert removed == entry
    assert runtime.closures.all() == ()
    assert _status(runtime, datetime(2026, 11, 20, 10, 0, tzinfo=LIMA)).open
    assert audited(console)[0] == (
        "cli:root",
        "closure_remove",
        f"#{entry.id} línea central, cerrada el viernes 20 de noviembre «Huelga»; "
        f"mensaje: «{STRIKE}»",
    )
    assert refusal(lambda: remove_closure(runtime, ROOT, entry.id)) == (
        None,
        f"there is no stored closure or special hours #{entry.id} (see 'ivr closures list')",
        f"El cierre u horario especial #{entry.id} ya no existe.",
    )
    assert len(audited(console)) == 2


def test_time_values_keep_their_seconds(runtime: Runtime) -> None:
    entry = add_special_hours(runtime, ANA, **{**HOURS, "closes": "23:59:59"})
    assert entry.hours[0].end == time(23, 59, 59)
