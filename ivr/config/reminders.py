"""Parse ``billing/reminders.yaml``: the due-date reminders by SMS, off until ``enabled: true``.

Without the file, or with ``enabled: false``, no reminder is ever sent. With only
``enabled: true`` the defaults of ``ivr.core.reminders`` apply: 3 days before, at most 2 a
week, the shipped texts, sent from queues.yaml's ``sms.from``.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from datetime import date
from pathlib import Path

from ivr.config.billing import BILLING_DIR
from ivr.config.campuses import check_e164
from ivr.config.source import Collector, YNode
from ivr.core.menu import Contacts
from ivr.core.queue.wait import SMS_LIMIT
from ivr.core.reminders import (
    KINDS,
    PLACEHOLDERS,
    REQUIRED_PLACEHOLDERS,
    STOP_WORD,
    Reminder,
    ReminderSettings,
    ReminderTexts,
    channels_text,
    placeholders,
    text_of,
)

FILE = f"{BILLING_DIR}/reminders.yaml"
KEYS = ("enabled", "days_before", "per_week", "batch", "per_second", "from", "texts")
# The longest values a text is filled with, to check it still fits two SMS segments.
_LONGEST = Reminder("X0", "2026-12", 12, "late_fee", date(2026, 9, 30), date(2026, 9, 30),
                    date(2026, 9, 30), 9_999_999_99)  # fmt: skip


def parse_reminders(
    collector: Collector, config_dir: Path, contacts: Contacts, sms_from: str | None
) -> ReminderSettings | None:
    """Read billing/reminders.yaml (absent: off); None when it has problems.

    ``contacts`` (the menus' settings.contacts) fill {canales}; ``sms_from`` (queues.yaml) is
    the sending number unless the file names its own.
    """
    path = config_dir / FILE
    channels = channels_text(contacts.whatsapp, contacts.web)
    if not path.is_file():
        return ReminderSettings(sender=sms_from, channels=channels)
    before = len(collector.problems)
    root = collector.load(path, FILE)
    if root is None:
        return None
    fields = collector.mapping(root, optional=KEYS, what="the reminders")
    if fields is None:
        return None
    enabled = False
    if "enabled" in fields:
        enabled = bool(collector.boolean(fields["enabled"]))
    limits = {
        "days_before": (1, 30),
        "per_week": (1, 5),
        "batch": (1, 10_000),
        "per_second": (1, 100),
    }
    defaults = ReminderSettings()
    numbers = {name: getattr(defaults, name) for name in limits}
    for name, (low, high) in limits.items():
        if name in fields:
            value = collector.integer(fields[name], minimum=low, maximum=high)
            if value is not None:
                numbers[name] = value
    sender = sms_from
    if "from" in fields:
        sender = check_e164(collector, fields["from"])
    elif enabled and sms_from is None:
        collector.add(
            fields["enabled"],
            "reminders are enabled but no number sends them",
            "add from: '+51...' here, or sms: from: in queues.yaml (a Twilio number that "
            "can send SMS)",
        )
    settings = ReminderSettings(
        enabled=enabled,
        days_before=numbers["days_before"],
        per_week=numbers["per_week"],
        batch=numbers["batch"],
        per_second=numbers["per_second"],
        sender=sender,
        channels=channels,
    )
    if "texts" in fields:
        texts = _texts(collector, fields["texts"], settings)
        if texts is not None:
            settings = replace(settings, texts=texts)
    if len(collector.problems) > before:
        return None
    return settings


def _texts(collector: Collector, node: YNode, settings: ReminderSettings) -> ReminderTexts | None:
    """Read ``texts``: one per kind of reminder, each checked for what a reminder must say."""
    fields = collector.mapping(node, optional=KINDS, what="texts") or {}
    chosen: dict[str, str] = {}
    for kind, child in fields.items():
        text = collector.text(child)
        if text is None or not _check_text(collector, child, text, settings):
            continue
        chosen[kind] = text
    if len(chosen) != len(fields):
        return None
    return ReminderTexts(**chosen)


def _check_text(collector: Collector, node: YNode, text: str, settings: ReminderSettings) -> bool:
    """Record what is wrong with one text: its {names}, BAJA, its length."""
    try:
        names = placeholders(text)
    except ValueError:
        collector.add(node, "has a { or } that opens or closes no {name}", "write {monto}")
        return False
    good = True
    for name in names:
        if name not in PLACEHOLDERS:
            close = difflib.get_close_matches(name, PLACEHOLDERS, n=1, cutoff=0.6)
            hint = f"did you mean {{{close[0]}}}?" if close else "use " + _listed(PLACEHOLDERS)
            collector.add(node, f"{{{name}}} is not something a reminder can say", hint)
            good = False
    missing = [name for name in REQUIRED_PLACEHOLDERS if name not in names]
    if missing:
        collector.add(
            node,
            f"does not say {_listed(missing)}",
            "a reminder names the cuota, the amount and the date",
        )
        good = False
    if STOP_WORD not in text:
        collector.add(
            node,
            f"does not say how to stop the reminders ({STOP_WORD})",
            "end it with: Para no recibir estos mensajes responda BAJA.",
        )
        good = False
    if "canales" in names and not settings.channels:
        collector.add(
            node,
            "uses {canales} but settings.contacts in menus/ names no channel",
            "set settings.contacts (whatsapp, web) or write the channels in the text",
        )
        good = False
    if good:
        filled = ReminderSettings(channels=settings.channels, texts=ReminderTexts(text, text, text))
        sample = text_of(_LONGEST, filled)
        if len(sample) > SMS_LIMIT:
            collector.add(
                node,
                f"can be {len(sample)} characters long once filled in; at most {SMS_LIMIT}",
                "shorten it: longer texts are split into more than two messages",
            )
            good = False
    return good


def _listed(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in names)
