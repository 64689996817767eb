"""Read ``schedules/*.yaml`` into ``ivr.core.schedule.model.Schedules``, with located problems.

Every ``schedules/<line>.yaml`` is one line's hours (``central.yaml`` is required: it is the
line every call uses); ``schedules/messages.yaml`` holds the message swaps. The format is
documented in the shipped files themselves.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime
from pathlib import Path
from typing import Literal, cast

from ivr.config.register import check_spoken
from ivr.config.source import Collector, YNode
from ivr.core.say import SAY_LIMIT
from ivr.core.schedule import days as weekdays
from ivr.core.schedule.model import (
    DEFAULT_LINE,
    SLOTS,
    Closure,
    HolidayPolicy,
    Interval,
    LineSchedule,
    MessageSwap,
    Schedules,
    SpecialHours,
    WeeklyHours,
    closed_all_day,
    format_time,
    parse_moment,
)
from ivr.core.schedule.peru import holiday_name, national_holidays

FOLDER = "schedules"
MESSAGES_FILE = "messages.yaml"
_LINE_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_CLOSED_WORDS = ("closed", "cerrado")
_DAY_HINT = "use mon..sun, monday..sunday or lunes..domingo, or a range like lunes-viernes"


def parse_schedules(collector: Collector, config_dir: Path) -> Schedules | None:
    """Read every file in ``config_dir/schedules``; None when any problem was recorded."""
    before = len(collector.problems)
    folder = config_dir / FOLDER
    if not folder.is_dir():
        collector.add_file(
            f"{FOLDER}/", "folder not found", f"create it in {config_dir} with central.yaml inside"
        )
        return None
    lines: list[LineSchedule] = []
    line_names: list[str] = []
    messages_root: YNode | None = None
    for path in sorted(folder.iterdir()):
        shown = f"{FOLDER}/{path.name}"
        if path.suffix == ".yml":
            collector.add_file(shown, "only .yaml files are read", f"rename it to {path.stem}.yaml")
            continue
        if path.suffix != ".yaml" or not path.is_file():
            continue
        if path.name == MESSAGES_FILE:
            messages_root = collector.load(path, shown)
            continue
        if not _LINE_NAME.match(path.stem):
            collector.add_file(
                shown,
                f"'{path.stem}' is not a valid line name",
                "name line files in lowercase letters, digits, '-' or '_', e.g. central.yaml",
            )
            continue
        line_names.append(path.stem)
        root = collector.load(path, shown)
        if root is not None:
            line = _line(collector, path.stem, root)
            if line is not None:
                lines.append(line)
    if DEFAULT_LINE not in line_names:
        # The central is the default line: every transfer that names no line uses it.
        collector.add_file(
            f"{FOLDER}/{DEFAULT_LINE}.yaml",
            "file not found",
            "the central line is required: copy the shipped schedules/central.yaml",
        )
    messages = _messages(collector, messages_root, line_names) if messages_root else ()
    if len(collector.problems) > before:
        return None
    lines.sort(key=lambda line: (line.name != DEFAULT_LINE, line.name))
    return Schedules(lines=tuple(lines), messages=messages)


# -- one line -------------------------------------------------------------------------------


def _line(collector: Collector, name: str, root: YNode) -> LineSchedule | None:
    keys = collector.mapping(
        root,
        required=("weekly",),
        optional=("holidays", "closures", "special_hours"),
        what="a line's schedule",
    )
    if keys is None or "weekly" not in keys:
        return None
    weekly = _weekly(collector, keys["weekly"])
    policy = _holidays(collector, keys["holidays"]) if "holidays" in keys else HolidayPolicy()
    closures = _closures(collector, keys["closures"]) if "closures" in keys else ()
    special = (
        _special_hours(collector, keys["special_hours"], closures, policy)
        if "special_hours" in keys
        else ()
    )
    return LineSchedule(name, weekly, policy, closures, special)


def _weekly(collector: Collector, node: YNode) -> WeeklyHours:
    days: list[tuple[Interval, ...]] = [()] * 7
    given_by: dict[int, str] = {}
    if node.kind != "map":
        collector.add(
            node,
            f"expected a mapping of days for the weekly hours, found {node.describe()}",
            "e.g. lunes-viernes: {from: '09:00', until: '21:00'}",
        )
        return WeeklyHours(tuple(days))
    for key, child in node.mapping.items():
        chosen = _day_names(collector, child, key)
        intervals = _intervals(collector, child)
        for day in chosen or ():
            if day in given_by:
                collector.add(
                    child,
                    f"'{key}' repeats {weekdays.ENGLISH[day]}, already given by '{given_by[day]}'",
                    "give each day once",
                )
                continue
            given_by[day] = key
            days[day] = intervals
    return WeeklyHours(tuple(days))


def _day_names(collector: Collector, node: YNode, text: str) -> tuple[int, ...] | None:
    """Return the weekdays named by 'lunes', 'mon' or a range 'lunes-viernes', or record why not."""
    ends = weekdays.split_range(text) or (text, text)
    found: list[int] = []
    for name in ends:
        day = weekdays.weekday(name)
        if day is None:
            close = difflib.get_close_matches(name.lower(), weekdays.ACCEPTED, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else _DAY_HINT
            collector.add(node, f"unknown weekday '{name}'", hint)
            return None
        found.append(day)
    return weekdays.span(found[0], found[1])


def _intervals(collector: Collector, node: YNode) -> tuple[Interval, ...]:
    """Read one interval, a list of them, or 'closed' / nothing for a closed day."""
    if _is_closed_day(node):
        return ()
    items = [node] if node.kind == "map" else collector.sequence(node, what="opening hours")
    out: list[Interval] = []
    for item in items or ():
        interval = read_interval(collector, item)
        if interval is None:
            continue
        clash = next((o for o in out if interval.start < o.end and o.start < interval.end), None)
        if clash is not None:
            collector.add(
                item,
                f"{interval} overlaps {clash}",
                "merge them into one interval or correct the times",
            )
            continue
        out.append(interval)
    return tuple(sorted(out, key=lambda interval: interval.start))


def _is_closed_day(node: YNode) -> bool:
    """Return whether the node says 'no hours': nothing, [], 'closed' or 'cerrado'."""
    if node.kind == "seq":
        return not node.sequence
    return node.kind == "scalar" and (
        node.value is None or (isinstance(node.value, str) and node.value.lower() in _CLOSED_WORDS)
    )


def read_interval(collector: Collector, node: YNode) -> Interval | None:
    """Return the interval a {from, until} mapping gives, or record why it is not one."""
    keys = collector.mapping(node, required=("from", "until"), what="opening hours")
    if keys is None or "from" not in keys or "until" not in keys:
        return None
    opens = collector.time_of_day(keys["from"])
    closes = collector.time_of_day(keys["until"])
    if opens is None or closes is None:
        return None
    if closes <= opens:
        # Closing time is exclusive (docs/domain.md), so an interval must end after it starts.
        what = (
            f"closes at {format_time(closes)}, before it opens at {format_time(opens)}"
            if closes < opens
            else f"closes at {format_time(closes)}, the same time it opens"
        )
        collector.add(
            keys["until"],
            what,
            "put the opening time in 'from' and the closing time in 'until'; "
            "an interval cannot cross midnight",
        )
        return None
    return Interval(opens, closes)


def _holidays(collector: Collector, node: YNode) -> HolidayPolicy:
    keys = collector.mapping(
        node, optional=("closed", "keep_open", "message"), what="the national holidays"
    )
    if keys is None:
        return HolidayPolicy()
    closed = collector.boolean(keys["closed"]) if "closed" in keys else True
    keep_open: list[date] = []
    items = collector.sequence(keys["keep_open"], what="keep_open") if "keep_open" in keys else []
    for item in items or ():
        day = collector.day(item)
        if day is None:
            continue
        if holiday_name(day) is None:
            collector.add(item, f"{day} is not a national holiday in Peru", _month_hint(day))
            continue
        keep_open.append(day)
    message = _optional_text(collector, keys, "message")
    return HolidayPolicy(closed is not False, tuple(keep_open), message)


def _month_hint(day: date) -> str:
    same_month = [
        f"{when} {name}"
        for when, name in national_holidays(day.year).items()
        if when.month == day.month
    ]
    if not same_month:
        return "there is no national holiday in Peru that month"
    return "national holidays that month: " + ", ".join(same_month)


def _closures(collector: Collector, node: YNode) -> tuple[Closure, ...]:
    out: list[Closure] = []
    first_line: dict[date, int] = {}
    for item in collector.sequence(node, what="closures") or ():
        keys = collector.mapping(
            item, required=("date",), optional=("label", "message"), what="a closure"
        )
        if keys is None or "date" not in keys:
            continue
        day = collector.day(keys["date"])
        if day is None:
            continue
        if day in first_line:
            collector.add(
                keys["date"],
                f"{day} is given twice (first on line {first_line[day]})",
                "remove one of them",
            )
            continue
        first_line[day] = keys["date"].line
        label = _optional_text(collector, keys, "label")
        out.append(Closure(day, label, _optional_text(collector, keys, "message")))
    return tuple(out)


def _special_hours(
    collector: Collector,
    node: YNode,
    closures: tuple[Closure, ...],
    policy: HolidayPolicy,
) -> tuple[SpecialHours, ...]:
    out: list[SpecialHours] = []
    first_line: dict[date, int] = {}
    for item in collector.sequence(node, what="special_hours") or ():
        keys = collector.mapping(
            item,
            required=("date", "hours"),
            optional=("label", "message"),
            what="a special-hours day",
        )
        if keys is None or "date" not in keys or "hours" not in keys:
            continue
        day = collector.day(keys["date"])
        if _is_closed_day(keys["hours"]):
            collector.add(
                keys["hours"],
                "a special-hours day needs at least one interval",
                "to close the whole day, list it under closures",
            )
        intervals = _intervals(collector, keys["hours"])
        if day is None:
            continue
        if day in first_line:
            collector.add(
                keys["date"],
                f"{day} is given twice (first on line {first_line[day]})",
                "put all the hours of that day in one entry",
            )
            continue
        first_line[day] = keys["date"].line
        # Closures and holidays are evaluated before special hours, so these would
        # silently never apply.
        closed = closed_all_day(closures, policy, day)
        if closed is not None and closed[0] == "closure":
            collector.add(
                keys["date"],
                f"{day} is also a closure, so these special hours never apply",
                "remove one of the two",
            )
        elif closed is not None:
            collector.add(
                keys["date"],
                f"{day} is a national holiday ({closed[1]}), so these special hours never apply",
                "to open that day, add it to holidays.keep_open",
            )
        label = _optional_text(collector, keys, "label")
        message = _optional_text(collector, keys, "message")
        out.append(SpecialHours(day, intervals, label, message))
    return tuple(out)


def _optional_text(collector: Collector, keys: dict[str, YNode], key: str) -> str | None:
    if key not in keys:
        return None
    text = collector.text(keys[key], max_bytes=SAY_LIMIT)
    if text is not None:
        check_spoken(collector, keys[key], text)
    return text


# -- message swaps --------------------------------------------------------------------------


def _messages(collector: Collector, root: YNode, line_names: list[str]) -> tuple[MessageSwap, ...]:
    keys = collector.mapping(root, required=("messages",), what="the message swaps")
    if keys is None or "messages" not in keys:
        return ()
    node = keys["messages"]
    if node.kind == "scalar" and node.value is None:
        return ()
    if node.kind != "map":
        collector.add(node, f"expected a mapping of named messages, found {node.describe()}")
        return ()
    out: list[MessageSwap] = []
    for name, item in node.mapping.items():
        swap = _swap(collector, name, item, line_names)
        if swap is not None:
            out.append(swap)
    return tuple(out)


def _swap(
    collector: Collector, name: str, node: YNode, line_names: list[str]
) -> MessageSwap | None:
    keys = collector.mapping(
        node,
        required=("slot", "text"),
        optional=("from", "until", "days", "times", "when", "line"),
        what=f"the message '{name}'",
    )
    if keys is None or "slot" not in keys or "text" not in keys:
        return None
    slot = collector.choice(keys["slot"], SLOTS)
    text = collector.text(keys["text"], max_bytes=SAY_LIMIT)
    if text is not None:
        check_spoken(collector, keys["text"], text)
    starts = _moment(collector, keys["from"]) if "from" in keys else None
    ends = _moment(collector, keys["until"]) if "until" in keys else None
    if starts is not None and ends is not None and ends <= starts:
        collector.add(
            keys["until"],
            f"the window ends at {ends:%Y-%m-%d %H:%M}, "
            + ("before" if ends < starts else "the moment")
            + f" it starts at {starts:%Y-%m-%d %H:%M}",
            "'until' must be later than 'from'",
        )
    chosen: set[int] | None = None
    if "days" in keys:
        chosen = set()
        for item, value in collector.texts(keys["days"]):
            chosen.update(_day_names(collector, item, value) or ())
    times = read_interval(collector, keys["times"]) if "times" in keys else None
    when = collector.choice(keys["when"], ("open", "closed")) if "when" in keys else None
    line = DEFAULT_LINE
    if "line" in keys:
        line = _line_name(collector, keys["line"], line_names) or DEFAULT_LINE
        if "when" not in keys:
            collector.add(
                keys["line"],
                "'line' only matters together with 'when'",
                "add 'when: open' or 'when: closed', or remove 'line'",
            )
    if slot is None or text is None:
        return None
    return MessageSwap(
        name=name,
        slot=slot,
        text=text,
        starts=starts,
        ends=ends,
        weekdays=tuple(sorted(chosen)) if chosen is not None else None,
        times=times,
        when=cast("Literal['open', 'closed'] | None", when),
        line=line,
    )


def _moment(collector: Collector, node: YNode) -> datetime | None:
    """Return a Lima instant written 'YYYY-MM-DD HH:MM'."""
    moment = parse_moment(node.raw) if node.kind == "scalar" else None
    if moment is not None:
        return moment
    collector.add(
        node,
        f"{node.describe()} is not a date and time",
        "write it as 'YYYY-MM-DD HH:MM' in quotes, e.g. '2026-12-01 00:00'",
    )
    return None


def _line_name(collector: Collector, node: YNode, line_names: list[str]) -> str | None:
    name = collector.text(node)
    if name is None:
        return None
    if name not in line_names:
        close = difflib.get_close_matches(name, line_names, n=1, cutoff=0.6)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else "the lines are the files in schedules/: " + ", ".join(sorted(line_names))
        )
        collector.add(node, f"unknown line '{name}'", hint)
        return None
    return name
