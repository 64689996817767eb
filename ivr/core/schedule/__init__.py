"""Hours and schedules: when each line is open, and which messages callers hear when.

Everything here is a function of an aware datetime passed in; the emergency override is a
value (``Override``) that a store hands in.
"""

from ivr.core.schedule.evaluation import (
    HORIZON,
    LineStatus,
    Reason,
    Window,
    status,
    status_holding,
    windows,
)
from ivr.core.schedule.listing import (
    MessageWindow,
    boundaries,
    describe_override,
    message_windows,
    render_schedule,
)
from ivr.core.schedule.messages import ActiveMessages, active_messages
from ivr.core.schedule.model import (
    DEFAULT_LINE,
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
from ivr.core.schedule.wording import describe_hours, describe_intervals, spoken_time

__all__ = [
    "DEFAULT_LINE",
    "HORIZON",
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
    "status_holding",
    "windows",
]
