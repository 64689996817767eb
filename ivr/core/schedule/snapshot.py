"""The state of the lines and the message swaps at one instant, worded for operators.

Shared by ``ivr simulate``, ``ivr graph`` and the scheduler's logs, so all three describe an
instant the same way. Pure: the instant and the override are parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ivr.core.lima import to_lima
from ivr.core.schedule import days
from ivr.core.schedule.evaluation import LineStatus, Reason, status
from ivr.core.schedule.messages import ActiveMessages, active_messages
from ivr.core.schedule.model import Override, Schedules, Slot

REASONS: dict[Reason, str] = {
    "emergency": "emergency override",
    "closure": "closure",
    "holiday": "holiday",
    "special_hours": "special hours",
    "weekly": "weekly hours",
    "after_hours": "after hours",
}
# The same reasons as the console says them.
REASONS_ES: dict[Reason, str] = {
    "emergency": "cierre de emergencia",
    "closure": "cierre programado",
    "holiday": "feriado",
    "special_hours": "horario especial",
    "weekly": "horario semanal",
    "after_hours": "fuera de horario",
}
SLOT_NAMES_ES: dict[Slot, str] = {
    "greeting": "saludo",
    "announcement": "anuncio",
    "after_hours": "fuera de horario",
}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every line's status and the active message swaps at ``moment`` (Lima)."""

    moment: datetime
    lines: tuple[tuple[str, LineStatus], ...]
    active: ActiveMessages
    slots: dict[str, Slot]  # active message name -> its slot
    texts: dict[str, str]  # active message name -> its text
    override: Override | None

    def line(self, name: str) -> LineStatus | None:
        return next((s for n, s in self.lines if n == name), None)


def take_snapshot(
    schedules: Schedules, moment: datetime, override: Override | None = None
) -> Snapshot:
    """Return the lines' status and the active swaps at ``moment`` (aware, any timezone)."""
    local = to_lima(moment)
    # The same evaluation the webhooks use (ivr.web.webhook.context): status and active_messages.
    if override is not None and override.until is not None and override.until <= local:
        override = None
    lines = tuple(
        (name, status(schedules, local, line=name, override=override))
        for name in schedules.line_names
    )
    active = active_messages(schedules, local, override=override)
    swaps = [swap for swap in schedules.messages if swap.name in active.names]
    slots = {swap.name: swap.slot for swap in swaps}
    texts = {swap.name: swap.text for swap in swaps}
    return Snapshot(local, lines, active, slots, texts, override)


def when(moment: datetime) -> str:
    """Return 'Wed 2026-11-18 21:00' (seconds only when they matter), in Lima time."""
    local = to_lima(moment)
    shown = f"{local:%Y-%m-%d %H:%M:%S}" if local.second else f"{local:%Y-%m-%d %H:%M}"
    return f"{days.SHORT[local.weekday()]} {shown}"


def describe_line(name: str, line: LineStatus) -> str:
    """Return "line central: closed (holiday: Día de la Independencia) until Wed ... 09:00"."""
    why = REASONS[line.reason]
    if line.label:
        why = f"{why}: {line.label}"
    text = f"line {name}: {'open' if line.open else 'closed'} ({why})"
    if line.next_change is not None:
        text += f" until {when(line.next_change)}"
    return text


def describe_active(snapshot: Snapshot) -> str:
    """Return "saludo_fuera_de_horario (greeting), cuota_5 (announcement)" or "none"."""
    names = snapshot.active.names
    if not names:
        return "none"
    return ", ".join(f"{name} ({snapshot.slots.get(name, '?')})" for name in names)
