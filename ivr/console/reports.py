"""The console's read-only pages on what the IVR did and will do: calls, calendar, menu map.

Llamadas adds up the call records of a range of Lima days (``ivr.console.callspage``),
with a chart drawn on the server for the main tables and a CSV file for each one. Calendario
lists the next 30 days of every line (``ivr.console.calendar``). Menú embeds the map of
``ivr graph`` (``ivr.console.menumap``), worded in Spanish. Every page is for viewers and operators.

The charts come without their ``<style>`` and the map without any: both are styled from
stylesheets served here, so the console's Content-Security-Policy (``style-src 'self'``) need
not allow inline styles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from flask import Response, abort, render_template, request
from markupsafe import Markup

from ivr.actions import when_words
from ivr.clock import to_lima
from ivr.console import charts
from ivr.console.blueprint import blueprint
from ivr.console.calendar import CalendarDay, LineDay, Period, calendar
from ivr.console.callspage import (
    CallsPage,
    Cell,
    calls_page,
    campus_chart,
    gave_up_chart,
    hourly_chart,
    outcomes_chart,
    table_csv,
)
from ivr.console.menumap import FRAGMENT_CSS, SPANISH, render_fragment
from ivr.console.names import desk_name, node_name
from ivr.console.views import Answer, _duration, _override
from ivr.core.schedule.evaluation import Reason
from ivr.core.schedule.model import MessageSwap, Schedules
from ivr.core.schedule.snapshot import REASONS_ES, SLOT_NAMES_ES, take_snapshot
from ivr.core.spoken import date_words
from ivr.runtime import Runtime, current_runtime

# A longer range is refused: three months of figures is what a page (and a quick query) holds.
MAX_DAYS = 92
DATE_HINT = "Escriba la fecha como AAAA-MM-DD, por ejemplo 2026-11-18."


# -- Llamadas ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DayRange:
    """The days the form asked for, as typed, and what is wrong with them."""

    typed: dict[str, str]  # desde, hasta: the form's fields, as typed
    first: date | None
    last: date | None
    errors: dict[str, str]

    @property
    def query(self) -> dict[str, str]:
        assert self.first and self.last, "a range with errors has no query"
        return {"desde": self.first.isoformat(), "hasta": self.last.isoformat()}


def day_range(args: dict[str, str], today: date) -> DayRange:
    """Read ``desde`` and ``hasta`` (Lima dates): one alone is that day, neither is today."""
    typed = {key: args.get(key, "").strip()[:32] for key in ("desde", "hasta")}
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for key, text in typed.items():
        days[key] = None
        if text:
            try:
                days[key] = date.fromisoformat(text)
            except ValueError:
                errors[key] = f"«{text}» no es una fecha. {DATE_HINT}"
    if errors:
        return DayRange(typed, None, None, errors)
    first = days["desde"] or days["hasta"] or today
    last = days["hasta"] or days["desde"] or today
    if first > last:
        errors["hasta"] = (
            f"«Hasta» ({last.isoformat()}) es anterior a «Desde» ({first.isoformat()}). "
            "Elija un último día igual o posterior al primero."
        )
    elif (last - first).days + 1 > MAX_DAYS:
        errors["hasta"] = (
            f"El rango tiene {(last - first).days + 1} días y caben {MAX_DAYS}. "
            "Elija un rango más corto."
        )
    if errors:
        return DayRange(typed, None, None, errors)
    return DayRange({"desde": first.isoformat(), "hasta": last.isoformat()}, first, last, {})


def _range_asked() -> DayRange:
    return day_range(request.args.to_dict(), to_lima(current_runtime().now()).date())


@blueprint.app_template_filter("dia")
def _day(day: date) -> str:
    """'miércoles 18 de noviembre de 2026'."""
    return date_words(day, with_year=True)


@blueprint.app_template_filter("celda")
def _cell(value: Cell) -> str:
    """A table cell: a dash for "no figure", thousands with commas, shares with one decimal."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


@blueprint.route("/calls", methods=["GET"])
def calls() -> Answer:
    asked = _range_asked()
    if asked.errors:
        form = render_template("console/calls.html", asked=asked, page=None, max_days=MAX_DAYS)
        return form, 400
    assert asked.first and asked.last
    rt = current_runtime()
    page = calls_page(rt.engine, asked.first, asked.last, rt.now(), *_namers(rt))
    drawn = {
        page.per_hour.name: hourly_chart(page),
        page.per_campus.name: campus_chart(page),
        page.outcomes.name: outcomes_chart(page),
        page.funnel.name: gave_up_chart(page),
    }
    return render_template(
        "console/calls.html",
        asked=asked,
        page=page,
        max_days=MAX_DAYS,
        summary=_summary(page),
        # escaped by pygal and charts.py; styled by charts.css (see the module's docstring)
        charts={name: Markup(charts.unstyled(svg)) for name, svg in drawn.items()},
    )


def _summary(page: CallsPage) -> list[tuple[str, str]]:
    average = page.average_duration_s
    rate = page.self_service_rate
    gave_up = sum(int(row[2] or 0) for row in page.funnel.rows)
    return [
        ("Llamadas", f"{page.calls:,}"),
        ("En curso ahora", f"{page.in_progress:,}"),
        ("Duración promedio", "—" if average is None else _duration(round(average))),
        ("Colgaron en el menú", f"{gave_up:,}"),
        ("Autoservicio verificado", "—" if rate is None else f"{100 * rate:.0f} %"),
    ]


@blueprint.route("/calls/<name>.csv", methods=["GET"])
def calls_csv(name: str) -> Answer:
    """One table of the Llamadas page as a CSV file, for the same range."""
    asked = _range_asked()
    if asked.errors:
        message = " ".join(asked.errors.values())
        return render_template("console/error.html", message=message), 400
    assert asked.first and asked.last
    rt = current_runtime()
    table = calls_page(rt.engine, asked.first, asked.last, rt.now(), *_namers(rt)).table(name)
    if table is None:
        abort(404)
    span = asked.first.isoformat()
    if asked.last != asked.first:
        span += f"_a_{asked.last.isoformat()}"
    # With a byte-order mark, a spreadsheet opened by double-click reads the accents (Breña)
    # as UTF-8; csv readers take it as part of the encoding ("utf-8-sig").
    return Response(
        "\ufeff" + table_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="llamadas_{name}_{span}.csv"'},
    )


@blueprint.route("/charts.css", methods=["GET"])
def charts_css() -> Response:
    return Response(charts.stylesheet(), mimetype="text/css")


def _namers(rt: Runtime) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """Name desks and nodes by the titles the menus give them."""
    menus = rt.config.menus
    return (lambda queue: desk_name(menus, queue)), (lambda node: node_name(menus, node))


# -- Calendario ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LineShown:
    name: str
    open: bool
    hours: str  # "09:00 a 21:00" or "cerrada todo el día"
    notes: tuple[str, ...]  # holidays, closures, special hours, the emergency, with their times
    heard: tuple[str, ...]  # what callers hear instead of the usual closed message


@dataclass(frozen=True, slots=True)
class DayShown:
    day: date
    title: str  # "miércoles 18 de noviembre"
    today: bool
    lines: tuple[LineShown, ...]
    swaps: tuple[tuple[str, str, str, str], ...]  # name, slot (Spanish), hours, text


def _clock(moment: datetime, day: date) -> str:
    """'09:00', or '24:00' for the midnight that ends ``day``."""
    return "24:00" if moment.date() > day else f"{moment:%H:%M}"


def _span(start: datetime, end: datetime, day: date) -> str:
    whole = start.time() == datetime.min.time() and end.date() > day
    return "todo el día" if whole else f"{_clock(start, day)} a {_clock(end, day)}"


def _line_shown(line: LineDay, day: date) -> LineShown:
    hours = ", ".join(_span(start, end, day) for start, end in line.opening_hours)
    notes: list[str] = []
    seen: dict[tuple[Reason, str], list[Period]] = {}
    for period in line.periods:
        # special hours: the open stretches say it (closed around them is what hours means)
        if period.reason == "special_hours" and not period.open:
            continue
        if period.reason not in ("weekly", "after_hours"):
            seen.setdefault((period.reason, period.label or ""), []).append(period)
    for (reason, label), periods in seen.items():
        what = REASONS_ES[reason].capitalize() + (f": {label}" if label else "")
        state = "abierta" if periods[0].open else "cerrada"
        spans = ", ".join(_span(p.start, p.end, day) for p in periods)
        notes.append(f"{what} ({state} {spans})")
    heard = tuple(dict.fromkeys(p.message for p in line.periods if p.message))
    return LineShown(
        line.line, line.open_at_all, hours or "cerrada todo el día", tuple(notes), heard
    )


def _day_shown(day: CalendarDay, today: date) -> DayShown:
    return DayShown(
        day=day.day,
        title=date_words(day.day),
        today=day.day == today,
        lines=tuple(_line_shown(line, day.day) for line in day.lines),
        swaps=_swaps_shown(day),
    )


def _swaps_shown(day: CalendarDay) -> tuple[tuple[str, str, str, str], ...]:
    """Each swap of the day once, with all its stretches: "00:00 a 09:00, 21:00 a 24:00"."""
    spans: dict[tuple[str, str, str], list[str]] = {}
    for swap in day.swaps:
        key = (swap.name, SLOT_NAMES_ES[swap.slot], swap.text)
        spans.setdefault(key, []).append(_span(swap.start, swap.end, day.day))
    return tuple(
        (name, slot, ", ".join(found), text) for (name, slot, text), found in spans.items()
    )


@dataclass(frozen=True, slots=True)
class SwapShown:
    """A message swap of the days shown, said once with the conditions that make it heard."""

    name: str
    slot: str  # in Spanish
    when: str  # "cuando la línea central está cerrada", "del ... al ...", ...
    text: str


def _swaps_once(
    days: list[DayShown], schedules: Schedules
) -> tuple[list[DayShown], list[SwapShown]]:
    """Take the swaps out of each day; say each once, with when it is heard."""
    heard = {name for day in days for name, *_ in day.swaps}
    kept = [replace(day, swaps=()) for day in days]
    return kept, [
        SwapShown(swap.name, SLOT_NAMES_ES[swap.slot], _swap_when(swap), swap.text)
        for swap in schedules.messages
        if swap.name in heard
    ]


def _swap_when(swap: MessageSwap) -> str:
    """Say a swap's conditions: 'del ... al ..., los sábados, de 08:00 a 12:00, cuando ...'."""
    parts = []
    if swap.starts is not None or swap.ends is not None:
        begins = f"desde el {when_words(swap.starts)}" if swap.starts else ""
        ends = f"hasta el {when_words(swap.ends)}" if swap.ends else ""
        parts.append(" ".join(part for part in (begins, ends) if part))
    if swap.weekdays is not None:
        parts.append("los " + ", ".join(PLURAL_WEEKDAYS[day] for day in swap.weekdays))
    if swap.times is not None:
        parts.append(f"de {swap.times.start:%H:%M} a {swap.times.end:%H:%M}")
    if swap.when is not None:
        state = "abierta" if swap.when == "open" else "cerrada"
        parts.append(f"cuando la línea {swap.line} está {state}")
    return ", ".join(parts) or "siempre"


PLURAL_WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábados", "domingos")


@blueprint.route("/calendar", methods=["GET"], endpoint="calendar")
def calendar_page() -> str:
    rt = current_runtime()
    now = rt.now()
    found = calendar(rt.schedules, now, _override(rt, now))
    shown = [_day_shown(day, found.first_day) for day in found.days]
    days, recurring = _swaps_once(shown, rt.schedules)
    last = found.first_day + timedelta(days=len(days) - 1)
    return render_template(
        "console/calendar.html",
        days=days,
        recurring=recurring,
        override=found.override,
        now=now,
        last=last,
    )


# -- Menú ----------------------------------------------------------------------------------------
@blueprint.route("/menu", methods=["GET"])
def menu() -> str:
    rt = current_runtime()
    now = rt.now()
    config = rt.config
    snapshot = take_snapshot(rt.schedules, now, _override(rt, now))
    # render_fragment escapes every operator text; its styles are in menu.css
    fragment = Markup(render_fragment(config.menus, snapshot, SPANISH))
    return render_template("console/menu.html", fragment=fragment, fingerprint=config.fingerprint)


@blueprint.route("/menu.css", methods=["GET"])
def menu_css() -> Response:
    return Response(FRAGMENT_CSS.strip() + "\n", mimetype="text/css")
