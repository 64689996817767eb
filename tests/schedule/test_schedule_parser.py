"""parse_schedules(): the shipped files, the format, and every problem by its exact message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import pytest

from ivr.clock import LIMA
from ivr.config.schedules import parse_schedules
from ivr.config.source import Collector
from ivr.core.schedule import (
    Closure,
    HolidayPolicy,
    Interval,
    LineSchedule,
    MessageSwap,
    Schedules,
    SpecialHours,
    WeeklyHours,
    default_schedules,
)

# The parse_folder fixture (conftest.py) writes this central.yaml unless told otherwise.
CENTRAL = """\
weekly:
  lunes-viernes: {from: '09:00', until: '21:00'}
  sábado: {from: '09:00', until: '14:00'}
"""
Parse = Callable[..., tuple[Schedules | None, list[str]]]


def test_shipped_files(shipped: Schedules) -> None:
    central = shipped.line("central")
    assert shipped.line_names == ("central",)
    assert central.weekly == default_schedules().line("central").weekly
    assert central.holidays.closed is True
    assert central.holidays.keep_open == ()
    assert central.closures == ()
    assert [(s.day, s.intervals, s.label) for s in central.special_hours] == [
        (date(2026, 12, 24), (Interval(time(9), time(13)),), "Nochebuena"),
        (date(2026, 12, 31), (Interval(time(9), time(13)),), "Fin de año"),
    ]
    assert [(m.name, m.slot, m.when, m.starts, m.ends) for m in shipped.messages] == [
        ("saludo_fuera_de_horario", "greeting", "closed", None, None),
        (
            "cuota_5_diciembre",
            "announcement",
            None,
            datetime(2026, 12, 1, tzinfo=LIMA),
            datetime(2026, 12, 6, tzinfo=LIMA),
        ),
    ]


def test_full_format(parse_folder: Parse) -> None:
    schedules, problems = parse_folder(
        central="""\
        weekly:
          Mon-Wed:
            - {from: '09:00', until: '13:00'}
            - {from: '14:00', until: '18:30'}
          jueves: {from: '08:00', until: '12:00'}
          VIERNES: cerrado
          Sábado: []
        holidays:
          closed: true
          keep_open: [2026-06-29]
          message: Hoy es feriado.
        closures:
          - date: 2026-10-09
            label: Día no laborable
            message: Hoy no atendemos.
          - date: '2026-11-20'
        special_hours:
          - date: 2026-12-24
            label: Nochebuena
            hours: {from: '09:00', until: '13:00'}
        """,
        messages="""\
        messages:
          aviso:
            slot: announcement
            text: La cuota 5 vence el 5 de diciembre.
            from: '2026-12-01 00:00'
            until: '2026-12-06 00:00'
            days: [lun-vie, sabado]
            times: {from: '08:00', until: '12:00'}
          fuera:
            slot: after_hours
            text: Escríbenos.
            when: closed
            line: admisiones
        """,
        **{"admisiones.yaml": "weekly:\n  mon: {from: '10:00', until: '11:00'}\n"},
    )
    assert problems == []
    split = (Interval(time(9), time(13)), Interval(time(14), time(18, 30)))
    assert schedules == Schedules(
        lines=(
            LineSchedule(
                "central",
                WeeklyHours((split, split, split, (Interval(time(8), time(12)),), (), (), ())),
                HolidayPolicy(True, (date(2026, 6, 29),), "Hoy es feriado."),
                (
                    Closure(date(2026, 10, 9), "Día no laborable", "Hoy no atendemos."),
                    Closure(date(2026, 11, 20)),
                ),
                (SpecialHours(date(2026, 12, 24), (Interval(time(9), time(13)),), "Nochebuena"),),
            ),
            LineSchedule("admisiones", WeeklyHours(((Interval(time(10), time(11)),),) + ((),) * 6)),
        ),
        messages=(
            MessageSwap(
                "aviso",
                "announcement",
                "La cuota 5 vence el 5 de diciembre.",
                starts=datetime(2026, 12, 1, tzinfo=LIMA),
                ends=datetime(2026, 12, 6, tzinfo=LIMA),
                weekdays=(0, 1, 2, 3, 4, 5),
                times=Interval(time(8), time(12)),
            ),
            MessageSwap("fuera", "after_hours", "Escríbenos.", when="closed", line="admisiones"),
        ),
    )


def test_messages_file_is_optional_and_may_be_empty(parse_folder: Parse) -> None:
    assert parse_folder()[1] == []
    schedules, problems = parse_folder(messages="messages:\n")
    assert problems == []
    assert schedules is not None
    assert schedules.messages == ()


def test_a_wrapping_range(parse_folder: Parse) -> None:
    schedules, problems = parse_folder(
        central="weekly:\n  vie-lun: {from: '10:00', until: '12:00'}\n"
    )
    assert problems == []
    assert schedules is not None
    opened = [day for day in range(7) if schedules.line("central").weekly.on(day)]
    assert opened == [0, 4, 5, 6]


# -- every problem, by its exact message --------------------------------------------------------

C = "schedules/central.yaml"
M = "schedules/messages.yaml"


@pytest.mark.parametrize(
    ("central", "messages", "expected"),
    [
        pytest.param(
            "weekly:\n  lunes: {from: 9:30, until: '18:00'}\n",
            None,
            [
                f"{C}:2: weekly.lunes.from: 9:30 was read as the number 570, not a time "
                "(quote times: '09:30')"
            ],
            id="unquoted-time",
        ),
        pytest.param(
            "weekly:\n  lunes: {from: '24:00', until: '18:00'}\n",
            None,
            [
                f"{C}:2: weekly.lunes.from: '24:00' is not a time of day "
                "(to stay open until midnight write '23:59:59')"
            ],
            id="time-24:00",
        ),
        pytest.param(
            CENTRAL + "special_hour: []\n",
            None,
            [f"{C}:4: special_hour: unknown key 'special_hour' (did you mean 'special_hours'?)"],
            id="unknown-top-level-key",
        ),
        pytest.param(
            "weekly:\n  lunes: {form: '09:00', until: '18:00'}\n",
            None,
            [
                f"{C}:2: weekly.lunes.form: unknown key 'form' (did you mean 'from'?)",
                f"{C}:2: weekly.lunes: missing required key 'from'",
            ],
            id="unknown-interval-key",
        ),
        pytest.param(
            "weekly:\n  lunes: {from: '21:00', until: '09:00'}\n",
            None,
            [
                f"{C}:2: weekly.lunes.until: closes at 09:00, before it opens at 21:00 "
                "(put the opening time in 'from' and the closing time in 'until'; "
                "an interval cannot cross midnight)"
            ],
            id="closing-before-opening",
        ),
        pytest.param(
            "weekly:\n  lunes: {from: '09:00', until: '09:00'}\n",
            None,
            [
                f"{C}:2: weekly.lunes.until: closes at 09:00, the same time it opens "
                "(put the opening time in 'from' and the closing time in 'until'; "
                "an interval cannot cross midnight)"
            ],
            id="closing-when-opening",
        ),
        pytest.param(
            "weekly:\n"
            "  lunes:\n"
            "    - {from: '09:00', until: '13:00'}\n"
            "    - {from: '12:00', until: '18:00'}\n",
            None,
            [
                f"{C}:4: weekly.lunes.1: 12:00-18:00 overlaps 09:00-13:00 "
                "(merge them into one interval or correct the times)"
            ],
            id="overlapping-intervals",
        ),
        pytest.param(
            "weekly:\n  lunex: {from: '09:00', until: '13:00'}\n",
            None,
            [f"{C}:2: weekly.lunex: unknown weekday 'lunex' (did you mean 'lunes'?)"],
            id="unknown-weekday",
        ),
        pytest.param(
            "weekly:\n  lunes-viernez: {from: '09:00', until: '13:00'}\n",
            None,
            [f"{C}:2: weekly.lunes-viernez: unknown weekday 'viernez' (did you mean 'viernes'?)"],
            id="unknown-weekday-in-a-range",
        ),
        pytest.param(
            "weekly:\n  festivo: {from: '09:00', until: '13:00'}\n",
            None,
            [
                f"{C}:2: weekly.festivo: unknown weekday 'festivo' (use mon..sun, "
                "monday..sunday or lunes..domingo, or a range like lunes-viernes)"
            ],
            id="unknown-weekday-no-close-match",
        ),
        pytest.param(
            "weekly:\n"
            "  lunes-viernes: {from: '09:00', until: '21:00'}\n"
            "  miércoles: {from: '09:00', until: '13:00'}\n",
            None,
            [
                f"{C}:3: weekly.miércoles: 'miércoles' repeats wednesday, already given by "
                "'lunes-viernes' (give each day once)"
            ],
            id="weekday-given-twice",
        ),
        pytest.param(
            "weekly:\n  lunes: los lunes\n",
            None,
            [f"{C}:2: weekly.lunes: expected a list for opening hours, found 'los lunes'"],
            id="hours-not-a-list",
        ),
        pytest.param(
            CENTRAL + "special_hours:\n"
            "  - date: 2026-12-24\n"
            "    hours: {from: '09:00', until: '13:00'}\n"
            "  - date: 2026-12-24\n"
            "    hours: {from: '15:00', until: '18:00'}\n",
            None,
            [
                f"{C}:7: special_hours.1.date: 2026-12-24 is given twice (first on line 5) "
                "(put all the hours of that day in one entry)"
            ],
            id="special-hours-date-twice",
        ),
        pytest.param(
            CENTRAL + "special_hours:\n  - date: 2026-12-24\n    hours: []\n",
            None,
            [
                f"{C}:6: special_hours.0.hours: a special-hours day needs at least one interval "
                "(to close the whole day, list it under closures)"
            ],
            id="special-hours-without-hours",
        ),
        pytest.param(
            CENTRAL + "closures:\n  - date: 2026-11-02\n"
            "special_hours:\n  - date: 2026-11-02\n    hours: {from: '09:00', until: '13:00'}\n",
            None,
            [
                f"{C}:7: special_hours.0.date: 2026-11-02 is also a closure, so these special "
                "hours never apply (remove one of the two)"
            ],
            id="special-hours-on-a-closure",
        ),
        pytest.param(
            CENTRAL
            + "special_hours:\n  - date: 2026-07-28\n    hours: {from: '09:00', until: '13:00'}\n",
            None,
            [
                f"{C}:5: special_hours.0.date: 2026-07-28 is a national holiday (Día de la "
                "Independencia), so these special hours never apply (to open that day, add it "
                "to holidays.keep_open)"
            ],
            id="special-hours-on-a-closed-holiday",
        ),
        pytest.param(
            CENTRAL + "closures:\n  - date: 2026-11-02\n  - {date: 2026-11-02, label: Otra}\n",
            None,
            [
                f"{C}:6: closures.1.date: 2026-11-02 is given twice (first on line 5) "
                "(remove one of them)"
            ],
            id="closure-date-twice",
        ),
        pytest.param(
            # Quoted: unquoted, PyYAML raises ValueError inside Collector (reported to the lead).
            CENTRAL + "closures:\n  - date: '2026-02-30'\n",
            None,
            [
                f"{C}:5: closures.0.date: '2026-02-30' is not a date "
                "(write it as YYYY-MM-DD, e.g. 2026-07-28)"
            ],
            id="closure-impossible-date",
        ),
        pytest.param(
            CENTRAL + "holidays:\n  keep_open: [2026-07-27]\n",
            None,
            [
                f"{C}:5: holidays.keep_open.0: 2026-07-27 is not a national holiday in Peru "
                "(national holidays that month: 2026-07-23 Día de la Fuerza Aérea del Perú, "
                "2026-07-28 Día de la Independencia, 2026-07-29 Día de la Gran Parada Militar)"
            ],
            id="keep-open-not-a-holiday",
        ),
        pytest.param(
            CENTRAL + "holidays:\n  closed: 'no'\n",
            None,
            [f"{C}:5: holidays.closed: expected true or false, found 'no'"],
            id="holidays-closed-not-a-boolean",
        ),
        pytest.param(
            CENTRAL,
            "messages:\n"
            "  aviso:\n"
            "    slot: announcement\n"
            "    text: Hola.\n"
            "    from: '2026-12-05 00:00'\n"
            "    until: '2026-12-01 00:00'\n",
            [
                f"{M}:6: messages.aviso.until: the window ends at 2026-12-01 00:00, before it "
                "starts at 2026-12-05 00:00 ('until' must be later than 'from')"
            ],
            id="window-ends-before-it-starts",
        ),
        pytest.param(
            CENTRAL,
            "messages:\n"
            "  aviso:\n"
            "    slot: announcement\n"
            "    text: Hola.\n"
            "    from: '2026-12-01'\n"
            "    until: 2026-12-06 00:00:00\n",
            [
                f"{M}:5: messages.aviso.from: '2026-12-01' is not a date and time "
                "(write it as 'YYYY-MM-DD HH:MM' in quotes, e.g. '2026-12-01 00:00')",
                f"{M}:6: messages.aviso.until: '2026-12-06 00:00:00' is not a date and time "
                "(write it as 'YYYY-MM-DD HH:MM' in quotes, e.g. '2026-12-01 00:00')",
            ],
            id="window-not-a-date-and-time",
        ),
        pytest.param(
            CENTRAL,
            "messages:\n"
            "  fuera:\n"
            "    slot: greeting\n"
            "    text: Hola.\n"
            "    when: closed\n"
            "    line: centrall\n",
            [f"{M}:6: messages.fuera.line: unknown line 'centrall' (did you mean 'central'?)"],
            id="unknown-line",
        ),
        pytest.param(
            CENTRAL,
            "messages:\n"
            "  fuera:\n"
            "    slot: greeting\n"
            "    text: Hola.\n"
            "    when: closed\n"
            "    line: biblioteca\n",
            [
                f"{M}:6: messages.fuera.line: unknown line 'biblioteca' "
                "(the lines are the files in schedules/: central)"
            ],
            id="unknown-line-no-close-match",
        ),
        pytest.param(
            CENTRAL,
            "messages:\n  fuera:\n    slot: greeting\n    text: Hola.\n    line: central\n",
            [
                f"{M}:5: messages.fuera.line: 'line' only matters together with 'when' "
                "(add 'when: open' or 'when: closed', or remove 'line')"
            ],
            id="line-without-when",
        ),
        pytest.param(
            CENTRAL,
            "messages:\n  fuera:\n    slot: greting\n    text: Hola.\n    when: abierto\n",
            [
                f"{M}:3: messages.fuera.slot: 'greting' is not one of the accepted values "
                "(did you mean 'greeting'?)",
                f"{M}:5: messages.fuera.when: 'abierto' is not one of the accepted values "
                "(one of: open, closed)",
            ],
            id="unknown-slot-and-when",
        ),
        pytest.param(
            CENTRAL,
            "messages:\n"
            "  aviso:\n"
            "    slot: announcement\n"
            "    text: Hola.\n"
            "    days: [lunes, domingoo]\n",
            [f"{M}:5: messages.aviso.days.1: unknown weekday 'domingoo' (did you mean 'domingo'?)"],
            id="unknown-weekday-in-days",
        ),
        pytest.param(
            CENTRAL,
            "messages:\n"
            "  aviso:\n"
            "    slot: announcement\n"
            "    text: Hola.\n"
            "    times: {from: '12:00', until: 8:00}\n",
            [
                f"{M}:5: messages.aviso.times.until: 8:00 was read as the number 480, "
                "not a time (quote times: '08:00')"
            ],
            id="unquoted-time-in-times",
        ),
        pytest.param(
            CENTRAL,
            "messages:\n  aviso:\n    slot: announcement\n    text: " + "a" * 3001 + "\n",
            [
                f"{M}:4: messages.aviso.text: is 3001 bytes long; one <Say> speaks at most 3000 "
                "(shorten it or split it into two messages)"
            ],
            id="text-too-long",
        ),
        pytest.param(  # accents take two bytes each: 1,750 characters are 3,500 bytes
            CENTRAL,
            "messages:\n  aviso:\n    slot: announcement\n    text: " + "á" * 1750 + "\n",
            [
                f"{M}:4: messages.aviso.text: is 3500 bytes long; one <Say> speaks at most 3000 "
                "(shorten it or split it into two messages)"
            ],
            id="text-too-long-in-bytes",
        ),
        pytest.param(
            CENTRAL,
            "messages:\n"
            "  aviso:\n"
            "    slot: announcement\n"
            "    text: Hola.\n"
            "  aviso:\n"
            "    slot: greeting\n"
            "    text: Chau.\n",
            [
                f"{M}:5: messages.aviso: duplicate key (first defined on line 2) "
                "(remove one of them: YAML would silently keep only the last)"
            ],
            id="message-name-twice",
        ),
    ],
)
def test_problem(
    parse_folder: Parse, central: str, messages: str | None, expected: list[str]
) -> None:
    schedules, problems = parse_folder(central=central, messages=messages)
    assert problems == expected
    assert schedules is None


def test_central_is_required(parse_folder: Parse) -> None:
    schedules, problems = parse_folder(
        central=None, **{"admisiones.yaml": CENTRAL, "Mi Linea.yaml": CENTRAL, "otra.yml": ""}
    )
    assert problems == [
        "schedules/Mi Linea.yaml: 'Mi Linea' is not a valid line name "
        "(name line files in lowercase letters, digits, '-' or '_', e.g. central.yaml)",
        "schedules/otra.yml: only .yaml files are read (rename it to otra.yaml)",
        "schedules/central.yaml: file not found "
        "(the central line is required: copy the shipped schedules/central.yaml)",
    ]
    assert schedules is None


def test_missing_folder(tmp_path: Path) -> None:
    collector = Collector()
    assert parse_schedules(collector, tmp_path) is None
    assert [str(p) for p in collector.problems] == [
        f"schedules/: folder not found (create it in {tmp_path} with central.yaml inside)"
    ]


def test_problems_in_several_files_are_all_reported(parse_folder: Parse) -> None:
    _, problems = parse_folder(
        central="weekly:\n  lunes: {from: 9:00, until: '18:00'}\n",
        messages="messages:\n  aviso: {slot: announcement}\n",
    )
    assert problems == [
        f"{C}:2: weekly.lunes.from: 9:00 was read as the number 540, not a time "
        "(quote times: '09:00')",
        f"{M}:2: messages.aviso: missing required key 'text'",
    ]
