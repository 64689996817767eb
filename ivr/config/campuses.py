"""Parse ``campuses.yaml``: the campus phone directory."""

from __future__ import annotations

import re
from pathlib import Path

from ivr.config.source import Collector, YNode
from ivr.core.directory import Campus, Directory

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
FILE = "campuses.yaml"


def parse_campuses(collector: Collector, config_dir: Path) -> Directory | None:
    """Read the directory, recording every problem; None when it cannot be used."""
    before = len(collector.problems)
    root = collector.load(config_dir / FILE, FILE)
    if root is None:
        return None
    top = collector.mapping(root, required=["campuses"], what="the campus directory")
    if top is None or "campuses" not in top:
        return None
    entries = collector.mapping(
        top["campuses"], optional=list(top["campuses"].mapping), what="campuses"
    )
    campuses: list[Campus] = []
    for key, node in (entries or {}).items():
        if not _KEY.match(key):
            collector.add(
                node,
                f"'{key}' is not a valid campus key",
                "use lowercase letters, digits, '-' or '_'",
            )
        fields = collector.mapping(
            node, required=["name", "city", "number", "local"], what=f"campus '{key}'"
        )
        if fields is None or any(k not in fields for k in ("name", "city", "number", "local")):
            continue
        name = collector.text(fields["name"])
        city = collector.text(fields["city"])
        local = collector.text(fields["local"])
        number = check_e164(collector, fields["number"])
        if name and city and local and number:
            campuses.append(Campus(key, name, city, number, local))
    if not campuses and len(collector.problems) == before:
        collector.add(top["campuses"], "lists no campus", "add at least one campus")
    if len(collector.problems) > before:
        return None
    return Directory.build(tuple(campuses))


def check_e164(collector: Collector, node: YNode) -> str | None:
    """Return a phone number in E.164 form, or record a problem with an example."""
    if node.kind == "scalar" and isinstance(node.value, int) and not isinstance(node.value, bool):
        collector.add(
            node, f"{node.raw} was read as a number", f"quote it with its '+': '+{node.raw}'"
        )
        return None
    value = collector.text(node)
    if value is None:
        return None
    if not E164.match(value):
        collector.add(
            node,
            f"'{value}' is not a phone number in E.164 form",
            "write '+', the country code and the number, no spaces, e.g. +5110000000",
        )
        return None
    return value
