"""Parse ``queues.yaml``: how callers wait for each desk, the callback and the SMS.

The file is optional: without it every desk waits with the defaults (45 s between
announcements, Twilio's hold music, out after 10 minutes) and offers no way out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from difflib import get_close_matches
from pathlib import Path

from ivr.config.campuses import check_e164
from ivr.config.source import Collector, YNode
from ivr.core.menu import Contacts
from ivr.core.queue.wait import (
    MAX_INTERVAL,
    MIN_INTERVAL,
    SMS_LIMIT,
    DeskWait,
    Limit,
    OutboundLimits,
    QueueSettings,
    default_sms_text,
)

FILE = "queues.yaml"
OPTIONS = ("callback", "sms")
# limits: field of OutboundLimits, by the block and key that set it
LIMIT_FIELDS = {
    "callback": {
        "per_caller": "callback_per_caller",
        "per_number": "callback_per_number",
        "total": "callback_total",
    },
    "sms": {"per_number": "sms_per_number", "total": "sms_total"},
}
MAX_LIMIT = 100_000
# desks answered by the service: (key, minimum, maximum, seconds per unit in the file)
STAFFING = {
    "wrap_up": (0, 600, 1),
    "retry_after": (1, 120, 60),
    "window_capacity": (1, 500, 1),
    "handle": (1, 60, 60),
    "service_level_seconds": (1, 3600, 1),
}
STAFFING_KEYS = list(STAFFING)
DESK_KEYS = ["interval", "audio", "audio_seconds", "max_wait", "options", *STAFFING_KEYS]


def parse_queues(
    collector: Collector,
    config_dir: Path,
    queues: Collection[str],
    contacts: Contacts,
) -> QueueSettings | None:
    """Read queues.yaml (absent: the defaults); ``queues`` are the desks menus/ transfer to.

    ``contacts`` (the menus' settings.contacts) word the SMS when queues.yaml gives no text.
    """
    path = config_dir / FILE
    if not path.is_file():
        return QueueSettings()
    before = len(collector.problems)
    root = collector.load(path, FILE)
    if root is None:
        return None
    top = collector.mapping(
        root, optional=["defaults", "callback", "sms", "desks"], what="queues.yaml"
    )
    if top is None:
        return None
    callback_on = False
    limits = OutboundLimits()
    if "callback" in top:
        fields = (
            collector.mapping(top["callback"], optional=["enabled", "limits"], what="callback")
            or {}
        )
        callback_on = True
        if "enabled" in fields:
            callback_on = bool(collector.boolean(fields["enabled"]))
        if "limits" in fields:
            limits = _limits(collector, fields["limits"], "callback", limits)
    sms_from: str | None = None
    sms_text = default_sms_text(contacts.whatsapp, contacts.web)
    if "sms" in top:
        fields = (
            collector.mapping(top["sms"], optional=["from", "text", "limits"], what="sms") or {}
        )
        if "limits" in fields:
            limits = _limits(collector, fields["limits"], "sms", limits)
        if "from" in fields:
            sms_from = check_e164(collector, fields["from"])
        if "text" in fields:
            text = collector.text(fields["text"])
            if text is not None and len(text) > SMS_LIMIT:
                collector.add(
                    fields["text"],
                    f"the SMS text is {len(text)} characters long; at most {SMS_LIMIT}",
                    "shorten it: longer texts are split into more than two messages",
                )
            elif text is not None:
                sms_text = text
        if sms_from is not None and not sms_text:
            collector.add(
                top["sms"],
                "sends an SMS with no text",
                "write sms.text, or set settings.contacts in menus/ to make one",
            )
    features = {"callback": callback_on, "sms": sms_from is not None}
    defaults = DeskWait(callback=features["callback"], sms=features["sms"])
    if "defaults" in top:
        defaults = _desk(collector, top["defaults"], defaults, features) or defaults
    desks: dict[str, DeskWait] = {}
    if "desks" in top:
        entries = (
            collector.mapping(top["desks"], optional=list(top["desks"].mapping), what="desks") or {}
        )
        for name, node in entries.items():
            if name not in queues:
                close = get_close_matches(name, list(queues), n=1, cutoff=0.6)
                collector.add(
                    node,
                    f"'{name}' is not the queue of any transfer in menus/",
                    f"did you mean '{close[0]}'?"
                    if close
                    else "known queues: " + ", ".join(sorted(queues)),
                )
                continue
            desk = _desk(collector, node, defaults, features)
            if desk is not None:
                desks[name] = desk
    if len(collector.problems) > before:
        return None
    return QueueSettings(
        defaults=defaults,
        desks=desks,
        sms_from=sms_from,
        sms_text=sms_text,
        limits=limits,
    )


def _limits(collector: Collector, node: YNode, block: str, base: OutboundLimits) -> OutboundLimits:
    """Read a block's ``limits:`` (per_caller, per_number, total; each hour and day)."""
    names = LIMIT_FIELDS[block]
    entries = collector.mapping(node, optional=list(names), what=f"{block}.limits") or {}
    changed: dict[str, Limit] = {}
    for key, entry in entries.items():
        if key not in names:  # reported by mapping()
            continue
        old: Limit = getattr(base, names[key])
        fields = collector.mapping(entry, optional=["hour", "day"], what=f"a limit ({key})") or {}
        hour, day = old.hour, old.day
        if "hour" in fields:
            hour = collector.integer(fields["hour"], minimum=1, maximum=MAX_LIMIT) or hour
        if "day" in fields:
            day = collector.integer(fields["day"], minimum=1, maximum=MAX_LIMIT) or day
        if hour > day:
            collector.add(
                entry,
                f"allows {hour} an hour but only {day} a day",
                "make the hour's limit at most the day's",
            )
            continue
        changed[names[key]] = Limit(hour=hour, day=day)
    return replace(base, **changed)


def _desk(
    collector: Collector, node: YNode, base: DeskWait, features: dict[str, bool]
) -> DeskWait | None:
    """Read one desk's waiting (or the defaults), starting from ``base``."""
    before = len(collector.problems)
    fields = collector.mapping(node, optional=DESK_KEYS, what="a desk") or {}
    interval = base.interval
    if "interval" in fields:
        value = collector.integer(fields["interval"])
        if value is not None and not MIN_INTERVAL <= value <= MAX_INTERVAL:
            too = "short" if value < MIN_INTERVAL else "long"
            collector.add(
                fields["interval"],
                f"an interval of {value} seconds is too {too}",
                f"use {MIN_INTERVAL} to {MAX_INTERVAL} seconds between announcements",
            )
        elif value is not None:
            interval = value
    audio = base.audio
    if "audio" in fields:
        url = collector.text(fields["audio"])
        if url is not None and not url.startswith("https://"):
            collector.add(
                fields["audio"],
                f"'{url}' is not an https URL",
                "Twilio must fetch hold audio over https: https://...mp3",
            )
        elif url is not None:
            audio = url
    audio_seconds = base.audio_seconds if "audio" not in fields else None
    if "audio_seconds" in fields:
        audio_seconds = collector.integer(fields["audio_seconds"], minimum=1, maximum=3600)
    max_wait = base.max_wait
    if "max_wait" in fields:  # minutes in the file, seconds inside
        minutes = collector.integer(fields["max_wait"], minimum=1, maximum=120)
        max_wait = minutes * 60 if minutes else max_wait
    callback, sms = base.callback, base.sms
    if "options" in fields:
        chosen = {
            value: item
            for item, value in collector.texts(fields["options"])
            if collector.choice(item, OPTIONS) is not None
        }
        for name, item in chosen.items():
            if not features[name]:
                missing = (
                    (
                        "a callback, but callbacks are not enabled in queues.yaml",
                        "add callback: {enabled: true}",
                    )
                    if name == "callback"
                    else ("an SMS, but no sending number is set", "add sms: from: '+51...'")
                )
                collector.add(
                    item, f"offers {missing[0]}", f"{missing[1]} or remove '{name}' from options"
                )
        callback, sms = "callback" in chosen, "sms" in chosen
    staffing = {name: getattr(base, name) for name in STAFFING}
    for name, (low, high, unit) in STAFFING.items():
        if name in fields:
            value = collector.integer(fields[name], minimum=low, maximum=high)
            staffing[name] = value * unit if value is not None else staffing[name]
    if len(collector.problems) > before:
        return None
    return DeskWait(interval, audio, audio_seconds, max_wait, callback, sms, **staffing)
