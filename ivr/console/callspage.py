"""The console's "Llamadas" page, as data: tables with Spanish headings, charts, CSV.

Every figure comes from ``ivr.observability.aggregates`` (added up by the database) and follows
the definitions of ``ivr.observability.report``. A table is plain data (a title, its columns and
rows of numbers and words); ``table_csv`` turns any of them into a CSV file with a header row.
Shares are percentages with one decimal, or None where there is nothing to divide by.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine

from ivr.console.charts import bar_chart
from ivr.console.names import campus_name
from ivr.core.events import CallEvent
from ivr.observability.aggregates import figures
from ivr.observability.report import Report

Cell = str | int | float | None

ENDING_NAMES = {
    "transferred": "Transferida a una mesa",
    "self_service": "Autoservicio completado",
    "after_hours": "Fuera de horario",
    "gave_up": "Colgó mientras se le preguntaba",
    "flow_ended": "Terminada por el IVR",
    "informed": "Escuchó un mensaje informativo",
    "in_progress": "En curso",
}
SELF_SERVICE_NAMES = {
    CallEvent.SELF_SERVICE_VERIFIED: "Verificaciones correctas",
    CallEvent.SELF_SERVICE_REJECTED: "Código o DNI incorrectos",
    CallEvent.SELF_SERVICE_LOCKED: "Bloqueos por intentos fallidos",
    CallEvent.SELF_SERVICE_FAILED: "Tres fallos en una llamada",
    CallEvent.SELF_SERVICE_UNAVAILABLE: "Registro de pagos no disponible",
    CallEvent.UNCONFIGURED: "Autoservicio no configurado",
}


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table: column headings and rows of cells."""

    name: str  # a short ASCII name, for a file name or an element id
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True, slots=True)
class CallsPage:
    """What callers did over a range of Lima days."""

    first_day: date
    last_day: date
    calls: int
    in_progress: int
    average_duration_s: float | None
    self_service_rate: float | None  # verified calls over calls with a result
    per_hour: Table  # Lima hour of the day, summed over the days
    per_day: Table
    per_campus: Table
    outcomes: Table
    funnel: Table  # per menu node: calls that reached it, and gave up there
    desks: Table  # waits and abandons per desk
    callbacks: Table  # per desk: callbacks requested, placed, reached (desks with agents)
    self_service: Table
    report: Report  # every figure, as ``ivr report`` prints it

    @property
    def tables(self) -> tuple[Table, ...]:
        return (
            self.per_hour,
            self.per_day,
            self.per_campus,
            self.outcomes,
            self.funnel,
            self.desks,
            self.callbacks,
            self.self_service,
        )

    def table(self, name: str) -> Table | None:
        """The table of that name (for a CSV download), or None."""
        return next((t for t in self.tables if t.name == name), None)


def share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def calls_page(
    engine: Engine,
    first_day: date,
    last_day: date,
    now: datetime,
    desk_name: Callable[[str], str] = str,
    node_name: Callable[[str], str] = str,
) -> CallsPage:
    """Add up the calls of a range of Lima days (``now`` tells calls in progress apart).

    ``desk_name`` names a desk by its queue and ``node_name`` a node by its id (the console:
    the titles the menus give them).
    """
    if first_day > last_day:
        raise ValueError(f"the first day {first_day} is after the last {last_day}")
    found = figures(engine, first_day, last_day, now)
    report = found.report
    by_hour: Counter[int] = Counter()
    by_day: Counter[date] = Counter()
    for hour, n in found.per_hour:
        by_hour[hour.hour] += n
        by_day[hour.date()] += n
    days = (last_day - first_day).days + 1
    calls = report.calls
    endings = (*report.endings, ("in_progress", report.in_progress))
    gave_up = dict(report.gave_up_at)
    counts = dict(report.self_service)
    events = dict(report.self_service_events)
    return CallsPage(
        first_day=first_day,
        last_day=last_day,
        calls=calls,
        in_progress=report.in_progress,
        average_duration_s=report.average_duration_s,
        self_service_rate=report.self_service_rate,
        per_hour=Table(
            "por-hora",
            "Llamadas por hora" + (f" (suma de {days} días)" if days > 1 else ""),
            ("Hora", "Llamadas"),
            tuple((f"{h:02d}:00", by_hour[h]) for h in range(24)),
        ),
        per_day=Table(
            "por-dia",
            "Llamadas por día",
            ("Día", "Llamadas"),
            tuple(
                (day.isoformat(), by_day[day])
                for day in (first_day + timedelta(days=n) for n in range(days))
            ),
        ),
        per_campus=Table(
            "por-sede",
            "Llamadas por sede",
            ("Sede", "Llamadas", "Porcentaje"),
            tuple((campus_name(campus), n, share(n, calls)) for campus, n in report.per_campus),
        ),
        outcomes=Table(
            "resultados",
            "Cómo terminan las llamadas",
            ("Resultado", "Llamadas", "Porcentaje"),
            tuple(
                (ENDING_NAMES[e], n, share(n, calls)) for e, n in endings if n or e != "in_progress"
            ),
        ),
        funnel=Table(
            "abandono-por-nodo",
            "Dónde cuelgan las personas",
            ("Nodo", "Llamadas que llegaron", "Colgaron aquí", "Porcentaje que colgó"),
            tuple(
                (
                    node_name(node),
                    reached,
                    gave_up.get(node, 0),
                    share(gave_up.get(node, 0), reached),
                )
                for node, _, reached in report.node_visits
            ),
        ),
        desks=Table(
            "colas",
            "Esperas y abandonos por mesa",
            (
                "Mesa",
                "En cola",
                "Atendidas",
                "Abandonaron",
                "Salieron",
                "Fallidas",
                "Porcentaje de abandono",
                "Espera promedio (s)",
                "Espera máxima (s)",
            ),
            tuple(
                (
                    desk_name(q.desk),
                    q.offered,
                    q.answered,
                    q.abandoned,
                    q.left_total,
                    q.failed,
                    share(q.abandoned, q.offered),
                    None if q.average_wait_s is None else round(q.average_wait_s),
                    q.longest_wait_s if q.timed else None,
                )
                for q in report.queues
            ),
        ),
        callbacks=Table(
            "devoluciones",
            "Devoluciones de llamada por mesa",
            ("Mesa", "Pedidas", "Marcadas", "Contactadas", "Sin contactar"),
            report.callbacks,
        ),
        self_service=Table(
            "autoservicio",
            "Autoservicio: verificaciones y bloqueos",
            ("Resultado", "Veces"),
            (
                ("Llamadas verificadas", counts["success"]),
                ("Llamadas sin verificar", counts["failure"]),
                ("Colgaron antes de un resultado", counts["no_result"]),
                *((name, events.get(event, 0)) for event, name in SELF_SERVICE_NAMES.items()),
            ),
        ),
        report=report,
    )


HOUR_LABELS = 8  # at most this many hours labelled on the hourly chart


# -- charts --------------------------------------------------------------------------------------
def _chart(table: Table, chart_id: str, *, horizontal: bool) -> str:
    labels = [str(row[0]) for row in table.rows]
    values = [int(row[1] or 0) for row in table.rows]
    return bar_chart(chart_id, table.title, labels, values, horizontal=horizontal)


def hourly_chart(page: CallsPage) -> str:
    """Calls per hour of the day, as an SVG bar chart, labelled at the hours with calls or at
    every third hour (24 labels do not fit level, and a row of zeros says nothing)."""
    table = page.per_hour
    labels = [str(row[0]) for row in table.rows]
    values = [int(row[1] or 0) for row in table.rows]
    busy = [value > 0 for value in values]
    # The hours with calls when they are few, else every third hour: eight labels fit a
    # 660-pixel chart level, at 14 px.
    every_third = sum(busy) > HOUR_LABELS
    shown = [
        label if (hour % 3 == 0 if every_third else busy[hour]) else ""
        for hour, label in enumerate(labels)
    ]
    return bar_chart("grafico-por-hora", table.title, labels, values, shown=shown)


def campus_chart(page: CallsPage) -> str:
    return _chart(page.per_campus, "grafico-por-sede", horizontal=True)


def outcomes_chart(page: CallsPage) -> str:
    return _chart(page.outcomes, "grafico-resultados", horizontal=True)


def gave_up_chart(page: CallsPage) -> str:
    """Where callers hang up: the nodes with the most calls that gave up there."""
    rows = sorted(
        ((row[0], row[2]) for row in page.funnel.rows if row[2]),
        key=lambda row: (-int(row[1] or 0), str(row[0])),
    )
    return bar_chart(
        "grafico-abandono",
        "Dónde cuelgan las personas",
        [str(node) for node, _ in rows],
        [int(n or 0) for _, n in rows],
        horizontal=True,
    )


# -- CSV -----------------------------------------------------------------------------------------
def table_csv(table: Table) -> str:
    """The table as CSV text: a header row, then its rows (empty cells for "no figure")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(tuple("" if cell is None else cell for cell in row) for row in table.rows)
    return out.getvalue()
