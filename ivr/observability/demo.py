"""A day of simulated calls, for ``ivr report`` (docs/operators.md) and tests. Deterministic.

Callers walk the shipped menus (``menus/*.yaml``): the student desks, the channels messages,
the account self-service; some press wrong keys, stay silent, or hang up half-way. Steps are
the events (``ivr.core.events``) the webhooks record. The central's hours are the DOMAIN page's
(Monday-Friday 09:00-21:00, Saturday 09:00-14:00, Sunday closed); holidays and schedule
overrides are not simulated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ivr.clock import LIMA
from ivr.core.events import CallEvent
from ivr.observability.calls import CallRecorder

# The campuses' names as a line greets them (ivr.core.directory.Line.names); None: a number not in
# the directory. Weights: rough shares of calls.
LINES: tuple[tuple[str | None, int], ...] = (
    ("Los Olivos y Chorrillos", 24),
    ("Trujillo El Molino y Trujillo San Isidro", 16),
    ("Breña", 16),
    ("San Juan de Lurigancho", 14),
    ("Comas", 12),
    ("Cajamarca", 10),
    (None, 2),
)
# Calls arriving per hour of the day (Lima): a few before opening and after closing.
HOURS: tuple[tuple[int, int], ...] = (
    (7, 1), (8, 3), (9, 8), (10, 10), (11, 10), (12, 8), (13, 6), (14, 7),
    (15, 8), (16, 8), (17, 7), (18, 6), (19, 5), (20, 4), (21, 2), (22, 1),
)  # fmt: skip
# menus/students.yaml: key, node, queue, what a caller may say instead of the key.
DESKS = (
    ("1", "help-desk", "helpdesk", "help desk", 30),
    ("2", "aula-virtual", "aula-virtual", "aula virtual", 22),
    ("3", "orientacion-estudiantes", "orientacion-estudiantes", "orientación", 16),
    ("4", "orientacion-padres", "orientacion-padres", "padres", 8),
)
# menus/channels.yaml: key, message node.
MESSAGES = (("1", "whatsapp"), ("2", "tickets"), ("3", "contacto-campus"), ("4", "quejas-reclamos"))

_Step = tuple[str, CallEvent, str, str]  # node, event, detail, said


@dataclass
class _Walk:
    """One simulated caller: the steps so far and the seconds spent talking to a desk."""

    rng: random.Random
    open: bool
    steps: list[_Step]
    talk_s: int = 0

    def add(self, node: str, event: CallEvent, detail: str = "", said: str = "") -> None:
        self.steps.append((node, event, detail, said))

    def key(self, key: str, words: str) -> str:
        """What the caller gave: usually the key, sometimes the words (speech)."""
        return words if self.rng.random() < 0.15 else key

    def transfer(self, node: str, queue: str, said: str) -> None:
        if not self.open:  # flow._transfer: the line is closed, the after-hours message plays
            self.add(node, CallEvent.AFTER_HOURS, node, said)
            return
        self.add(node, CallEvent.TRANSFER, queue, said)
        # ivr.web.queue: how the caller left the desk's queue, and after how many seconds. One
        # draw and one step, as before queues were recorded, so a seed still gives the same day.
        roll = self.rng.random()
        if roll < 0.88:
            self.talk_s = self.rng.randint(60, 540)
            self.add(node, CallEvent.QUEUE_ANSWERED, f"{queue} {self.talk_s % 240 + 5}")
            return
        wait = int(roll * 10_000) % 400 + 5
        if roll < 0.94:
            self.add(node, CallEvent.QUEUE_ABANDONED, f"{queue} {wait}")
        elif roll < 0.97:
            self.add(node, CallEvent.QUEUE_LEFT, f"{queue} callback {wait}")
        elif roll < 0.99:
            self.add(node, CallEvent.QUEUE_LEFT, f"{queue} max_wait 600")
        else:
            self.add(node, CallEvent.QUEUE_FAILED, f"{queue} error {wait}")


def is_open(moment: datetime) -> bool:
    """The central's documented hours (opening inclusive, closing exclusive)."""
    weekday, clock = moment.weekday(), moment.time()
    if weekday < 5:
        return time(9) <= clock < time(21)
    return weekday == 5 and time(9) <= clock < time(14)


def _students(walk: _Walk) -> None:
    rng = walk.rng
    walk.add("estudiantes", CallEvent.ENTERED, said=walk.key("2", "estudiantes"))
    roll = rng.random()
    if roll < 0.08:
        return  # hangs up at the student menu
    if roll < 0.12:
        walk.add("estudiantes", CallEvent.INVALID, said=rng.choice("6789"))
    if rng.random() < 0.16:
        _self_service(walk)
        return
    weights = [desk[4] for desk in DESKS]
    key, node, queue, words, _ = rng.choices(DESKS, weights)[0]
    walk.transfer(node, queue, walk.key(key, words))


def _self_service(walk: _Walk) -> None:
    """ivr.core.selfservice.phone: code, DNI, verification; then the statement menu."""
    rng = walk.rng
    node = "estado-de-cuenta"
    walk.add(node, CallEvent.SELF_SERVICE, said=walk.key("5", "estado de cuenta"))
    for attempt in range(1, 4):
        if rng.random() < 0.12:
            return  # hangs up instead of keying the code
        walk.add(node, CallEvent.SELF_SERVICE_CODE)  # the digits never reach a record
        roll = rng.random()
        if roll < 0.03:
            walk.add(node, CallEvent.SELF_SERVICE_UNAVAILABLE)
            return
        if roll < 0.04:
            walk.add(node, CallEvent.SELF_SERVICE_LOCKED)
            return
        if roll < 0.74:
            # only the code's last three characters (ivr.core.codes.mask_code)
            walk.add(node, CallEvent.SELF_SERVICE_VERIFIED, f"***{rng.randrange(1000):03d}")
            if rng.random() < 0.3:
                option = rng.choice("123")  # the statement again, cuota by cuota, early payment
                walk.add(node, CallEvent.SELF_SERVICE_HEARD, option, option)
            if rng.random() < 0.1:
                walk.transfer("facturacion", "facturacion", "4")  # the billing desk
            return
        if attempt == 3:
            walk.add(node, CallEvent.SELF_SERVICE_FAILED)  # MAX_FAILURES in one call
            return
        walk.add(node, CallEvent.SELF_SERVICE_REJECTED)
        if rng.random() < 0.3:
            return  # gives up after a failure


def _channels(walk: _Walk) -> None:
    rng = walk.rng
    walk.add("canales", CallEvent.ENTERED, said=walk.key("1", "canales"))
    if rng.random() < 0.1:
        return  # hangs up at the channels menu
    key, node = rng.choice(MESSAGES)
    walk.add(node, CallEvent.MESSAGE, "canales", key)  # the message plays, then back to the menu
    if rng.random() < 0.2:
        walk.add("principal", CallEvent.MAIN_MENU, said="0")  # back at the main menu, then hangs up


def _walk(rng: random.Random, open_now: bool) -> _Walk:
    walk = _Walk(rng, open_now, [("principal", CallEvent.CALL_START, "", "")])
    kind = rng.choices(("students", "channels", "silent", "confused", "quits"), (70, 17, 5, 4, 4))[
        0
    ]
    if kind == "silent":
        walk.add("principal", CallEvent.NO_INPUT)
        if rng.random() < 0.5:
            walk.add("principal", CallEvent.NO_INPUT)
            walk.add("principal", CallEvent.FAILED, "no_input")  # flow._too_many, then on_failure
        return walk
    if kind == "confused":
        for _ in range(2):
            walk.add("principal", CallEvent.INVALID, said=rng.choice("3456789"))
        walk.add("principal", CallEvent.FAILED, "invalid", rng.choice("3456789"))
        return walk
    if kind == "quits":
        return walk  # hangs up during the greeting or the main menu
    if rng.random() < 0.05:
        walk.add("principal", CallEvent.INVALID, said=rng.choice("3456789"))
    if kind == "channels":
        _channels(walk)
    else:
        _students(walk)
    return walk


def simulate_day(
    recorder: CallRecorder, day: date, calls: int = 200, seed: int = 0
) -> tuple[str, ...]:
    """Record ``calls`` simulated calls on a Lima ``day``; return their CallSids, in time order."""
    rng = random.Random(f"{seed}:{day.isoformat()}")
    hours = [hour for hour, _ in HOURS]
    weights = [weight for _, weight in HOURS]
    starts = sorted(
        datetime.combine(day, time(rng.choices(hours, weights)[0]), tzinfo=LIMA)
        + timedelta(seconds=rng.randrange(3600))
        for _ in range(calls)
    )
    sids = []
    for number, start in enumerate(starts, 1):
        sid = f"CA{rng.getrandbits(128):032x}"
        campus = rng.choices([line for line, _ in LINES], [w for _, w in LINES])[0]
        walk = _walk(rng, is_open(start))
        at = start
        for node, event, detail, said in walk.steps:
            recorder.step(sid, at, campus, node, event, detail, said=said)
            at += timedelta(seconds=rng.randint(6, 20))  # prompts and the caller's answer
        at += timedelta(seconds=walk.talk_s)
        recorder.status(sid, at, "completed", int((at - start).total_seconds()))
        sids.append(sid)
        if number % 500 == 0:
            recorder.flush()  # keep the buffer far from its bound
    recorder.flush()
    return tuple(sids)
