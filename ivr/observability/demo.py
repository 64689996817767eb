"""A day of simulated calls, for ``ivr report`` (docs/operators.md) and tests. Deterministic.

Callers walk the loaded operator files: they dial the directory's lines and walk the menus from
the main menu; the desks are the transfer options of the first menu under it that has any, the
messages the message options of the first that has any, the self-service that desk menu's. Some
press wrong keys, stay silent, or hang up half-way. Steps are the events (``ivr.core.events``)
the webhooks record. The central's hours are the DOMAIN page's (Monday-Friday 09:00-21:00,
Saturday 09:00-14:00, Sunday closed); holidays and schedule overrides are not simulated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from ivr.clock import LIMA
from ivr.core.directory import Directory
from ivr.core.events import CallEvent
from ivr.core.menu import MenuNode, MenuTree, MessageNode, Option, SelfServiceNode, TransferNode
from ivr.observability.calls import CallRecorder

# Shares of calls: each line in proportion to the campuses it serves (a shared number rings for
# two), and a few calls to a number the directory does not know (recorded without a campus).
CALLS_PER_CAMPUS = 12
UNKNOWN_NUMBER = 2
# Calls arriving per hour of the day (Lima): a few before opening and after closing.
HOURS: tuple[tuple[int, int], ...] = (
    (7, 1), (8, 3), (9, 8), (10, 10), (11, 10), (12, 8), (13, 6), (14, 7),
    (15, 8), (16, 8), (17, 7), (18, 6), (19, 5), (20, 4), (21, 2), (22, 1),
)  # fmt: skip
# Shares of the desk menu's desks by their place in it: the first desks are asked for most.
DESK_SHARES = (30, 22, 16, 8)
# The statement menu's key for the billing desk (ivr.core.selfservice.phone).
BILLING_KEY = "4"
PHONE_DIGITS = "123456789"
N = TypeVar("N", TransferNode, MessageNode, SelfServiceNode)


@dataclass(frozen=True, slots=True)
class Choice:
    """An option a caller takes: the key, what they may say instead, and where it leads."""

    key: str
    words: str
    node: str

    @classmethod
    def of(cls, option: Option) -> Choice:
        return cls(option.key, option.speech[0] if option.speech else option.label, option.target)


@dataclass(frozen=True, slots=True)
class Desk:
    """A transfer option of the desk menu and its share of the callers who ask for a desk."""

    choice: Choice
    queue: str
    weight: int


@dataclass(frozen=True, slots=True)
class Scenario:
    """What the simulated callers dial and walk, read from the operator files."""

    lines: tuple[tuple[str | None, int], ...]  # Line.names (None: not in the directory), share
    start: str
    main_menu_key: str
    wrong_at_start: str  # digits that are no option of the main menu
    students: Choice  # the main menu's option to the desk menu
    wrong_at_students: str
    desks: tuple[Desk, ...]
    self_service: Choice | None
    billing: tuple[str, str] | None  # the self-service's billing desk: node, queue
    channels: Choice  # the main menu's option to the messages menu
    messages: tuple[Choice, ...]

    @classmethod
    def of(cls, menus: MenuTree, directory: Directory) -> Scenario:
        """Read the scenario from the menus and the directory; ValueError if a part is missing."""
        start = menus.start
        students = _submenu(menus, start, TransferNode)
        channels = _submenu(menus, start, MessageNode)
        if students is None or channels is None:
            missing = "desks" if students is None else "messages"
            raise ValueError(f"the main menu leads to no menu of {missing} to simulate")
        desk_menu = menus.nodes[students.target]
        assert isinstance(desk_menu, MenuNode)  # _submenu checked it
        desks = tuple(
            Desk(Choice.of(option), node.queue or node.id, _share(place))
            for place, (option, node) in enumerate(_options(menus, desk_menu, TransferNode))
        )
        self_service = billing = None
        for option, service in _options(menus, desk_menu, SelfServiceNode)[:1]:
            self_service = Choice.of(option)
            billing_desk = menus.node(service.billing_desk or "")
            if isinstance(billing_desk, TransferNode):
                billing = (billing_desk.id, billing_desk.queue or billing_desk.id)
        messages_menu = menus.nodes[channels.target]
        assert isinstance(messages_menu, MenuNode)
        lines: list[tuple[str | None, int]] = [
            (line.names, CALLS_PER_CAMPUS * len(line.campuses)) for line in directory.lines.values()
        ]
        return cls(
            lines=(*lines, (None, UNKNOWN_NUMBER)),
            start=start.id,
            main_menu_key=menus.settings.navigation.main_menu,
            wrong_at_start=_wrong_keys(start),
            students=Choice.of(students),
            wrong_at_students=_wrong_keys(desk_menu),
            desks=desks,
            self_service=self_service,
            billing=billing,
            channels=Choice.of(channels),
            messages=tuple(Choice.of(o) for o, _ in _options(menus, messages_menu, MessageNode)),
        )


def _options(menus: MenuTree, menu: MenuNode, kind: type[N]) -> list[tuple[Option, N]]:
    """Return the menu's options that lead to a node of ``kind``, with the node, in key order."""
    found = []
    for option in menu.options:
        node = menus.node(option.target)
        if isinstance(node, kind):
            found.append((option, node))
    return found


def _submenu(
    menus: MenuTree, start: MenuNode, kind: type[TransferNode | MessageNode]
) -> Option | None:
    """Return the first option of the main menu to a menu with an option to a ``kind`` node."""
    for option in start.options:
        node = menus.node(option.target)
        if isinstance(node, MenuNode) and any(
            isinstance(menus.node(inner.target), kind) for inner in node.options
        ):
            return option
    return None


def _share(place: int) -> int:
    return DESK_SHARES[min(place, len(DESK_SHARES) - 1)]


def _wrong_keys(menu: MenuNode) -> str:
    """Return the digits a caller may press by mistake: the ones that are no option's key."""
    keys = {option.key for option in menu.options}
    return "".join(digit for digit in PHONE_DIGITS if digit not in keys)


_Step = tuple[str, CallEvent, str, str]  # node, event, detail, said


@dataclass
class _Walk:
    """One simulated caller: the steps so far and the seconds spent talking to a desk."""

    rng: random.Random
    scenario: Scenario
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
    rng, scenario = walk.rng, walk.scenario
    menu = scenario.students
    walk.add(menu.node, CallEvent.ENTERED, said=walk.key(menu.key, menu.words))
    roll = rng.random()
    if roll < 0.08:
        return  # hangs up at the desk menu
    if roll < 0.12:
        walk.add(menu.node, CallEvent.INVALID, said=rng.choice(scenario.wrong_at_students))
    if rng.random() < 0.16 and scenario.self_service is not None:
        _self_service(walk, scenario.self_service)
        return
    weights = [desk.weight for desk in scenario.desks]
    desk = rng.choices(scenario.desks, weights)[0]
    walk.transfer(desk.choice.node, desk.queue, walk.key(desk.choice.key, desk.choice.words))


def _self_service(walk: _Walk, choice: Choice) -> None:
    """ivr.core.selfservice.phone: code, DNI, verification; then the statement menu."""
    rng = walk.rng
    node = choice.node
    walk.add(node, CallEvent.SELF_SERVICE, said=walk.key(choice.key, choice.words))
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
            billing = walk.scenario.billing
            if rng.random() < 0.1 and billing is not None:
                walk.transfer(*billing, BILLING_KEY)  # the billing desk
            return
        if attempt == 3:
            walk.add(node, CallEvent.SELF_SERVICE_FAILED)  # MAX_FAILURES in one call
            return
        walk.add(node, CallEvent.SELF_SERVICE_REJECTED)
        if rng.random() < 0.3:
            return  # gives up after a failure


def _channels(walk: _Walk) -> None:
    rng, scenario = walk.rng, walk.scenario
    menu = scenario.channels
    walk.add(menu.node, CallEvent.ENTERED, said=walk.key(menu.key, menu.words))
    if rng.random() < 0.1:
        return  # hangs up at the messages menu
    message = rng.choice(scenario.messages)
    # the message plays, then back to the menu
    walk.add(message.node, CallEvent.MESSAGE, menu.node, message.key)
    if rng.random() < 0.2:
        # back at the main menu, then hangs up
        walk.add(scenario.start, CallEvent.MAIN_MENU, said=scenario.main_menu_key)


def _walk(rng: random.Random, scenario: Scenario, open_now: bool) -> _Walk:
    start = scenario.start
    walk = _Walk(rng, scenario, open_now, [(start, CallEvent.CALL_START, "", "")])
    kind = rng.choices(("students", "channels", "silent", "confused", "quits"), (70, 17, 5, 4, 4))[
        0
    ]
    if kind == "silent":
        walk.add(start, CallEvent.NO_INPUT)
        if rng.random() < 0.5:
            walk.add(start, CallEvent.NO_INPUT)
            walk.add(start, CallEvent.FAILED, "no_input")  # flow._too_many, then on_failure
        return walk
    if kind == "confused":
        for _ in range(2):
            walk.add(start, CallEvent.INVALID, said=rng.choice(scenario.wrong_at_start))
        walk.add(start, CallEvent.FAILED, "invalid", rng.choice(scenario.wrong_at_start))
        return walk
    if kind == "quits":
        return walk  # hangs up during the greeting or the main menu
    if rng.random() < 0.05:
        walk.add(start, CallEvent.INVALID, said=rng.choice(scenario.wrong_at_start))
    if kind == "channels":
        _channels(walk)
    else:
        _students(walk)
    return walk


def simulate_day(
    recorder: CallRecorder,
    day: date,
    menus: MenuTree,
    directory: Directory,
    calls: int = 200,
    seed: int = 0,
) -> tuple[str, ...]:
    """Record ``calls`` simulated calls on a Lima ``day``; return their CallSids, in time order.

    The callers walk ``menus`` and dial ``directory``'s lines (``Scenario.of``: ValueError when
    the menus have no desks or no messages to walk to).
    """
    scenario = Scenario.of(menus, directory)
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
        lines = scenario.lines
        campus = rng.choices([line for line, _ in lines], [w for _, w in lines])[0]
        walk = _walk(rng, scenario, is_open(start))
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
