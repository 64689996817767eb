"""Add and remove closures and special hours from the console or the CLI, beside the YAML's.

The entries are checked as ``ivr check`` checks ``closures`` and ``special_hours`` in
``schedules/*.yaml``: dates, times and texts go through the same readers (``Collector``), the
same register check (usted, refused here rather than warned about), and the same rule that
special hours on a day a closure or a holiday closes never apply. Besides, a stored entry may
not start in the past, and a day is closed or given hours once per line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from ivr.actions.base import ActionRefused, Actor, AuditAction, record
from ivr.config.register import informal_words
from ivr.config.schedules import read_interval
from ivr.config.source import Collector, YNode
from ivr.core.say import SAY_LIMIT
from ivr.core.schedule.adjusted import adjusted
from ivr.core.schedule.model import Adjustment, Interval, Schedules
from ivr.core.spoken import date_words
from ivr.runtime import Runtime
from ivr.storage.closures import ClosureStore

T = TypeVar("T")

#: A closure entered at once spans at most this many days (a term); longer ones are the
#: schedules' own, in schedules/LINE.yaml.
MAX_DAYS = 92

# What the console says when a value cannot be read, by field.
UNREADABLE_ES = {
    "first": "Escriba la fecha como AAAA-MM-DD, por ejemplo 2026-07-28.",
    "last": "Escriba la fecha como AAAA-MM-DD, por ejemplo 2026-07-28, o deje el campo vacío.",
    "day": "Escriba la fecha como AAAA-MM-DD, por ejemplo 2026-07-28.",
    "opens": "Escriba la hora como HH:MM, por ejemplo 09:00.",
    "closes": "Escriba la hora como HH:MM, por ejemplo 13:00.",
}
TEXT_ES = {"label": "El nombre", "message": "El mensaje"}


def plan_closure(
    runtime: Runtime, *, line: str, first: str, last: str, label: str, message: str
) -> Adjustment:
    """Return the closure the values describe, unsaved, or raise ActionRefused saying why."""
    schedules = _current(runtime)
    which = _line(schedules, line)
    start = _read("first", first, Collector.day)
    end = _read("last", last, Collector.day) if last.strip() else start
    _not_past(runtime, "first", start)
    if end < start:
        raise ActionRefused(
            f"{end} is before the first day, {start}",
            f"El último día ({date_words(end)}) es anterior al primero ({date_words(start)}).",
            field="last",
        )
    span = (end - start).days + 1
    if span > MAX_DAYS:
        raise ActionRefused(
            f"the closure spans {span} days; at most {MAX_DAYS} at once "
            "(a longer one belongs in schedules/LINE.yaml)",
            f"El cierre abarca {span} días; caben {MAX_DAYS} a la vez.",
            field="last",
        )
    entry = Adjustment(
        id=0,
        line=which,
        first=start,
        last=end,
        label=_text("label", label, required=False),
        message=_text("message", message, required=True),
    )
    for name in _lines_of(schedules, which):
        for day in entry.days():
            closed = schedules.line(name).closure_on(day)
            if closed is not None:
                said = f" ({closed.label})" if closed.label else ""
                raise ActionRefused(
                    f"{day} is already a closure of line {name}{said}",
                    f"El {date_words(day)} la línea {name} ya está cerrada{said}.",
                    field="first",
                )
    return entry


def plan_special_hours(
    runtime: Runtime,
    *,
    line: str,
    day: str,
    opens: str,
    closes: str,
    label: str,
    message: str = "",
) -> Adjustment:
    """Return the special hours the values describe, unsaved, or raise ActionRefused."""
    schedules = _current(runtime)
    which = _line(schedules, line)
    when = _read("day", day, Collector.day)
    _not_past(runtime, "day", when)
    start = _read("opens", opens, Collector.time_of_day)
    end = _read("closes", closes, Collector.time_of_day)
    hours = _interval(start, end)
    entry = Adjustment(
        id=0,
        line=which,
        first=when,
        last=when,
        hours=(hours,),
        label=_text("label", label, required=True),
        message=_text("message", message, required=False),
    )
    for name in _lines_of(schedules, which):
        schedule = schedules.line(name)
        closed = schedule.closed_all_day(when)
        if closed is not None and closed[0] == "closure":
            said = f" ({closed[1]})" if closed[1] else ""
            raise ActionRefused(
                f"{when} is a closure of line {name}{said}, "
                "so these special hours never apply (remove one of the two)",
                f"El {date_words(when)} la línea {name} está cerrada{said}: "
                "este horario no se aplicaría. Quite antes el cierre.",
                field="day",
            )
        if closed is not None:
            raise ActionRefused(
                f"{when} is a national holiday ({closed[1]}), so these special hours "
                "never apply (to open that day, add it to holidays.keep_open)",
                f"El {date_words(when)} es feriado ({closed[1]}) y la línea {name} está "
                "cerrada: este horario no se aplicaría.",
                field="day",
            )
        given = schedule.special_on(when)
        if given is not None:
            said = f" ({given.label})" if given.label else ""
            raise ActionRefused(
                f"{when} already has special hours on line {name}{said}",
                f"El {date_words(when)} la línea {name} ya tiene un horario especial{said}.",
                field="day",
            )
    return entry


def add_closure(
    runtime: Runtime, actor: Actor, *, line: str, first: str, last: str, label: str, message: str
) -> Adjustment:
    """Close a line (``line`` empty: every line) from ``first`` to ``last`` (empty: that day)."""
    entry = plan_closure(runtime, line=line, first=first, last=last, label=label, message=message)
    return _add(runtime, actor, entry, AuditAction.CLOSURE_ADD)


def add_special_hours(
    runtime: Runtime,
    actor: Actor,
    *,
    line: str,
    day: str,
    opens: str,
    closes: str,
    label: str,
    message: str = "",
) -> Adjustment:
    """Give a line (empty: every line) the hours ``opens``-``closes`` on ``day`` instead."""
    entry = plan_special_hours(
        runtime, line=line, day=day, opens=opens, closes=closes, label=label, message=message
    )
    return _add(runtime, actor, entry, AuditAction.HOURS_ADD)


def remove_closure(runtime: Runtime, actor: Actor, entry_id: int) -> Adjustment:
    """Remove a stored closure or special hours; return it as it was."""
    found = ClosureStore(runtime.engine, ttl=0).get(entry_id)
    if found is None or not runtime.closures.remove(entry_id):
        raise ActionRefused(
            f"there is no stored closure or special hours #{entry_id} (see 'ivr closures list')",
            f"El cierre u horario especial #{entry_id} ya no existe.",
        )
    record(
        runtime,
        actor,
        AuditAction.CLOSURE_REMOVE,
        f"#{entry_id} {describe_entry(found)}",
        summary=f"#{entry_id} removed",
    )
    return found


def _add(runtime: Runtime, actor: Actor, entry: Adjustment, action: AuditAction) -> Adjustment:
    stored = runtime.closures.add(entry, actor.audit_name, runtime.now())
    lines = entry.line or "every line"
    span = f"{entry.first}" if entry.first == entry.last else f"{entry.first}..{entry.last}"
    record(
        runtime,
        actor,
        action,
        f"#{stored.id} {describe_entry(stored)}",
        summary=f"#{stored.id} {lines} {span}",
    )
    return stored


def describe_entry(entry: Adjustment) -> str:
    """Say an entry in Spanish, as the console, the audit log and ``ivr closures list`` do."""
    lines = "todas las líneas" if entry.line is None else f"línea {entry.line}"
    if entry.closes:
        days = (
            f"el {date_words(entry.first)}"
            if entry.first == entry.last
            else f"del {date_words(entry.first)} al {date_words(entry.last)}"
        )
        what = f"cerrada {days}"
    else:
        what = f"el {date_words(entry.first)} de {entry.hours[0].start:%H:%M} a " + (
            f"{entry.hours[0].end:%H:%M}"
        )
    label = f" «{entry.label}»" if entry.label else ""
    said = f"; mensaje: «{entry.message}»" if entry.message else ""
    return f"{lines}, {what}{label}{said}"


# -- reading the values --------------------------------------------------------------------------
def _current(runtime: Runtime) -> Schedules:
    """The files' schedules with the entries stored now (not this process's copy)."""
    return adjusted(runtime.config.schedules, ClosureStore(runtime.engine, ttl=0).all())


def _line(schedules: Schedules, line: str) -> str | None:
    name = line.strip()
    if not name:
        return None
    if name not in schedules.line_names:
        known = ", ".join(schedules.line_names)
        raise ActionRefused(
            f"unknown line '{name}' (the lines are the files in schedules/: {known})",
            f"La línea «{name}» no existe; las líneas son: {known}.",
            field="line",
        )
    return name


def _lines_of(schedules: Schedules, line: str | None) -> tuple[str, ...]:
    return schedules.line_names if line is None else (line,)


def _read(field: str, text: str, reader: Callable[[Collector, YNode], T | None]) -> T:
    """Read one value with the YAML files' own reader; refuse with its words (and Spanish)."""
    collector = Collector()
    value = reader(collector, _scalar(field, text))
    if value is None or collector.problems:
        raise _refusal(field, collector, UNREADABLE_ES[field])
    return value


def _scalar(field: str, text: str) -> YNode:
    value = text.strip()
    return YNode("", 0, field, "scalar", value=value or None, raw=value, quoted=True)


def _refusal(field: str, collector: Collector, es: str) -> ActionRefused:
    problem = collector.problems[0]
    hint = f" ({problem.hint})" if problem.hint else ""
    return ActionRefused(f"{problem.message}{hint}", es, field=field)


def _not_past(runtime: Runtime, field: str, day: date) -> None:
    today = runtime.now().date()
    if day < today:
        raise ActionRefused(
            f"{day} is past (today is {today} in Lima)",
            f"El {date_words(day)} ya pasó: hoy es {date_words(today)}.",
            field=field,
        )


def _interval(start: object, end: object) -> Interval:
    """Check the hours as the YAML's {from, until} are checked."""
    collector = Collector()
    node = YNode("", 0, "closes", "map")
    node.mapping = {
        "from": YNode("", 0, "opens", "scalar", value=f"{start:%H:%M:%S}"),
        "until": YNode("", 0, "closes", "scalar", value=f"{end:%H:%M:%S}"),
    }
    interval = read_interval(collector, node)
    if interval is None:
        raise _refusal(
            "closes",
            collector,
            f"La hora de cierre ({end:%H:%M}) debe ser posterior a la de apertura ({start:%H:%M}).",
        )
    return interval


def _text(field: str, text: str, *, required: bool) -> str | None:
    if not text.strip():
        if not required:
            return None
        ask = (
            "Escriba el mensaje que oirán quienes llamen."
            if field == "message"
            else "Escriba un nombre, por ejemplo «Matrícula»."
        )
        raise ActionRefused("must not be empty", ask, field=field)
    collector = Collector()
    value = collector.text(_scalar(field, text), max_bytes=SAY_LIMIT)
    if value is None:
        size = len(text.strip().encode("utf-8"))
        es = f"{TEXT_ES[field]} es demasiado largo: tiene {size} bytes y caben {SAY_LIMIT}."
        raise _refusal(field, collector, es)
    for word, formal in informal_words(value):
        raise ActionRefused(
            f"'{word}' addresses the caller as tú "
            f"(callers are addressed as usted: write '{formal}')",
            f"«{word}» trata de tú a quien llama: escriba «{formal}».",
            field=field,
        )
    return value
