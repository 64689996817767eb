"""Load and check every operator file at once: the configuration a running service uses."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from ivr.config.billing import parse_billing
from ivr.config.campuses import FILE as CAMPUSES_FILE
from ivr.config.campuses import parse_campuses
from ivr.config.errors import ConfigError, Problem
from ivr.config.menus import MENUS_DIR, parse_menus
from ivr.config.queues import FILE as QUEUES_FILE
from ivr.config.queues import parse_queues
from ivr.config.reminders import parse_reminders
from ivr.config.schedules import parse_schedules
from ivr.config.source import Collector
from ivr.core.directory import Directory, normalise_number
from ivr.core.fees.model import Billing
from ivr.core.menu import MenuTree, TransferNode
from ivr.core.queue.wait import QueueSettings, parse_number
from ivr.core.reminders import ReminderSettings
from ivr.core.schedule.model import Schedules

WATCHED = (CAMPUSES_FILE, MENUS_DIR, "schedules", "billing", QUEUES_FILE)


@dataclass(frozen=True)
class Config:
    """Every operator file, checked and frozen."""

    directory: Directory
    menus: MenuTree
    schedules: Schedules
    billing: Billing | None  # None when the folder has no billing/: self-service is off
    fingerprint: str
    warnings: tuple[Problem, ...] = ()  # worth fixing, but the files work (e.g. tú forms)
    queues: QueueSettings = field(default_factory=QueueSettings)  # how callers wait for desks
    # billing/reminders.yaml: due-date reminders by SMS (off unless enabled)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)


def load_config(config_dir: Path) -> Config:
    """Read and check every file under ``config_dir``; raise ConfigError listing all problems."""
    fingerprint = files_fingerprint(config_dir)
    collector = Collector()
    directory = parse_campuses(collector, config_dir)
    schedules = parse_schedules(collector, config_dir)
    lines = schedules.line_names if schedules is not None else ("central",)
    menus = parse_menus(collector, config_dir, lines)
    billing = parse_billing(collector, config_dir) if (config_dir / "billing").is_dir() else None
    queues = None
    if menus is not None:
        desks = {n.queue for n in menus.nodes.values() if isinstance(n, TransferNode) and n.queue}
        queues = parse_queues(collector, config_dir, desks, menus.settings.contacts)
    reminders = None
    if menus is not None and billing is not None:
        sender = queues.sms_from if queues is not None else None
        reminders = parse_reminders(collector, config_dir, menus.settings.contacts, sender)
    if collector.problems or directory is None or menus is None or schedules is None:
        raise ConfigError(collector.problems, collector.warnings)
    warnings = tuple(sorted(set(collector.warnings)))
    queues = replace(queues or QueueSettings(), own_numbers=own_numbers(directory, menus, queues))
    return Config(
        directory,
        menus,
        schedules,
        billing,
        fingerprint,
        warnings,
        queues,
        reminders or ReminderSettings(),
    )


def own_numbers(
    directory: Directory, menus: MenuTree, queues: QueueSettings | None
) -> frozenset[str]:
    """Return the university's own numbers, which a callback never calls (E.164).

    Every campus central, every desk a menu dials, the number texts come from, and the
    WhatsApp number of settings.contacts.
    """
    numbers = {campus.number for campus in directory.campuses}
    for node in menus.nodes.values():
        if isinstance(node, TransferNode) and node.dial and node.dial.startswith("+"):
            numbers.add(normalise_number(node.dial))
    if queues is not None and queues.sms_from:
        numbers.add(queues.sms_from)
    whatsapp = parse_number(normalise_number(menus.settings.contacts.whatsapp))
    if whatsapp:
        numbers.add(whatsapp)
    return frozenset(numbers)


def watched_files(config_dir: Path) -> list[Path]:
    """Return every operator file whose change means the configuration must be reloaded."""
    found: list[Path] = []
    for name in WATCHED:
        path = config_dir / name
        if path.is_dir():
            found.extend(sorted(p for p in path.glob("*.y*ml") if p.is_file()))
        elif path.is_file():
            found.append(path)
    return found


def files_fingerprint(config_dir: Path) -> str:
    """Return a cheap fingerprint (names, sizes, modification times) of the operator files."""
    digest = hashlib.sha256()
    for path in watched_files(config_dir):
        try:
            info = path.stat()
        except OSError:
            continue
        digest.update(f"{path}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]
