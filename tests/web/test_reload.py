"""Operators' edits take effect without a restart; a bad edit never replaces a good config."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from flask import Flask
from lxml import etree

from tests.helpers import Caller

STUDENTS = "menus/students.yaml"


@pytest.fixture
def app(make_app: object) -> Flask:
    application: Flask = make_app(IVR_RELOAD_SECONDS="0")  # type: ignore[operator]
    return application


def edit(config_dir: Path, name: str, old: str, new: str) -> None:
    path = config_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    # A later mtime even on filesystems with coarse timestamps.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def says(data: bytes) -> list[str]:
    return [el.text or "" for el in etree.fromstring(data).iter("Say")]


def test_good_edit_takes_effect_without_restart(caller: Caller, config_dir: Path) -> None:
    edit(config_dir, STUDENTS, 'say: "Le comunicamos con Help Desk."', 'say: "Un momento."')
    data = caller.post("/voice/menu/estudiantes?s=2", Digits="1").data
    assert says(data)[0] == "Un momento."


def test_bad_edit_keeps_the_last_good_config_and_logs_where(
    caller: Caller, config_dir: Path, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    edit(config_dir, STUDENTS, "goto: help-desk", "goto: helpdesk")
    data = caller.post("/voice/menu/estudiantes?s=2", Digits="1").data
    assert says(data)[0] == "Le comunicamos con Help Desk."
    assert "menus/students.yaml:9: nodes.estudiantes.options.1.goto: goes to 'helpdesk'" in (
        caplog.text
    )
    runtime = app.extensions["ivr"]
    assert runtime.last_error is not None and runtime.reload_failures == 1
    # Fixing the file brings the fixed version in.
    edit(config_dir, STUDENTS, "goto: helpdesk", "goto: help-desk")
    edit(config_dir, STUDENTS, 'say: "Le comunicamos con Help Desk."', 'say: "Un momento."')
    data = caller.post("/voice/menu/estudiantes?s=2", Digits="1").data
    assert says(data)[0] == "Un momento."
    assert runtime.last_error is None


def test_node_removed_mid_call_continues_at_the_main_menu(caller: Caller, config_dir: Path) -> None:
    in_channels = caller.follow(caller.post("/voice"), Digits="1")
    path = config_dir / "menus/channels.yaml"
    text = path.read_text(encoding="utf-8")
    # Remove the whole channels menu and its messages; the main menu loses option 1.
    path.write_text("nodes:\n" + text[text.index("  fuera-de-horario:") :], encoding="utf-8")
    edit(
        config_dir,
        "menus/main.yaml",
        "      1:\n        label: información y canales de atención\n        goto: canales\n"
        "        speech: [información, canales, canales de atención, whatsapp, guasap, wasap, "
        "ticket]\n",
        "",
    )
    data = caller.follow(in_channels, Digits="1").data
    assert says(data)[0] == "Nuestro menú acaba de cambiar. Le llevamos al menú principal."
    assert "Para estudiantes, marque 2." in says(data)[1]
