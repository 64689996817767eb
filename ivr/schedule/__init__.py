"""Hours and schedules: when each line is open, and which messages callers hear when.

The pure core of issue 4: everything here is a function of an aware datetime passed in. Only
``ivr.schedule.override`` touches a file (the emergency override store) and only
``ivr.schedule.cli`` touches Flask. The package root re-exports the store (stdlib I/O only),
never the CLI.
"""

from ivr.schedule.evaluation import HORIZON, LineStatus, Reason, Window, status, windows
from ivr.schedule.listing import (
    MessageWindow,
    boundaries,
    describe_override,
    message_windows,
    render_schedule,
)
from ivr.schedule.messages import ActiveMessages, active_messages
from ivr.schedule.model import (
    DEFAULT_LINE,
    MAX_TEXT,
    SLOTS,
    Closure,
    HolidayPolicy,
    Interval,
    LineSchedule,
    MessageSwap,
    Override,
    Schedules,
    Slot,
    SpecialHours,
    WeeklyHours,
    default_schedules,
)
from ivr.schedule.override import OverrideStore
from ivr.schedule.wording import describe_hours, describe_intervals, spoken_time

__all__ = [
    "DEFAULT_LINE",
    "HORIZON",
    "MAX_TEXT",
    "SLOTS",
    "ActiveMessages",
    "Closure",
    "HolidayPolicy",
    "Interval",
    "LineSchedule",
    "LineStatus",
    "MessageSwap",
    "MessageWindow",
    "Override",
    "OverrideStore",
    "Reason",
    "Schedules",
    "Slot",
    "SpecialHours",
    "WeeklyHours",
    "Window",
    "active_messages",
    "boundaries",
    "default_schedules",
    "describe_hours",
    "describe_intervals",
    "describe_override",
    "message_windows",
    "render_schedule",
    "spoken_time",
    "status",
    "windows",
]
