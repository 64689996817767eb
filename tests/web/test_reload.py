"""Operators' edits take effect without a restart; a bad edit never replaces a good config."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest
from flask import Flask
from lxml import etree

import ivr.runtime
from ivr.config.loader import Config
from ivr.runtime import Runtime
from tests.helpers import Caller

STUDENTS = "menus/students.yaml"


@pytest.fixture
def app(make_app: object) -> Flask:
    application: Flask = make_app(IVR_RELOAD_SECONDS="0")  # type: ignore[operator]
    return application


@pytest.fixture
def runtime(app: Flask) -> Runtime:
    found: Runtime = app.extensions["ivr"]
    return found


def edit(config_dir: Path, name: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in one step (as an editor saving the file does)."""
    path = config_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    draft = path.with_name(path.name + ".new")  # not a .yaml: never read
    draft.write_text(text.replace(old, new, 1), encoding="utf-8")
    # A later mtime even on filesystems with coarse timestamps.
    stat = path.stat()
    os.utime(draft, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    draft.replace(path)  # the watcher sees the old file or the new one, never half an edit


def says(data: bytes) -> list[str]:
    return [el.text or "" for el in etree.fromstring(data).iter("Say")]


def test_good_edit_takes_effect_without_restart(
    caller: Caller, config_dir: Path, runtime: Runtime
) -> None:
    edit(config_dir, STUDENTS, 'say: "Le comunicamos con Help Desk."', 'say: "Un momento."')
    runtime.check()  # what the watcher does within IVR_RELOAD_SECONDS
    data = caller.post("/voice/menu/estudiantes?s=2", Digits="1").data
    assert says(data)[0] == "Un momento."


def test_bad_edit_keeps_the_last_good_config_and_logs_where(
    caller: Caller, config_dir: Path, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    edit(config_dir, STUDENTS, "goto: help-desk", "goto: helpdesk")
    runtime = app.extensions["ivr"]
    runtime.check()
    data = caller.post("/voice/menu/estudiantes?s=2", Digits="1").data
    assert says(data)[0] == "Le comunicamos con Help Desk."
    assert "menus/students.yaml:9: nodes.estudiantes.options.1.goto: goes to 'helpdesk'" in (
        caplog.text
    )
    assert runtime.last_error is not None and runtime.reload_failures == 1
    # Fixing the file brings the fixed version in.
    edit(config_dir, STUDENTS, "goto: helpdesk", "goto: help-desk")
    edit(config_dir, STUDENTS, 'say: "Le comunicamos con Help Desk."', 'say: "Un momento."')
    runtime.check()
    data = caller.post("/voice/menu/estudiantes?s=2", Digits="1").data
    assert says(data)[0] == "Un momento."
    assert runtime.last_error is None


def test_node_removed_mid_call_continues_at_the_main_menu(
    caller: Caller, config_dir: Path, runtime: Runtime
) -> None:
    in_channels = caller.follow(caller.post("/voice"), Digits="1")
    path = config_dir / "menus/channels.yaml"
    text = path.read_text(encoding="utf-8")
    # Remove the whole channels menu and its messages; the main menu loses option 1, and what
    # follows a closed desk offers the student menu instead.
    kept = text[text.index("  fuera-de-horario:") :].replace("goto: canales", "goto: estudiantes")
    path.write_text("nodes:\n" + kept, encoding="utf-8")
    edit(
        config_dir,
        "menus/main.yaml",
        "      1:\n        label: información y canales de atención\n        goto: canales\n"
        "        speech: [información, canales, canales de atención]\n",
        "",
    )
    runtime.check()
    data = caller.follow(in_channels, Digits="1").data
    assert says(data)[0] == "Nuestro menú acaba de cambiar. Le llevamos al menú principal."
    assert "Para estudiantes, marque 2." in says(data)[1]


def test_a_rejected_edit_is_kept_for_the_console_with_its_located_problems(
    config_dir: Path, runtime: Runtime, clock: object
) -> None:
    assert runtime.last_reload is None
    edit(config_dir, STUDENTS, "goto: help-desk", "goto: helpdesk")
    assert runtime.check() is False
    last = runtime.last_reload
    assert last is not None and not last.ok and last.at == clock()  # type: ignore[operator]
    assert last.messages == (
        "menus/students.yaml:9: nodes.estudiantes.options.1.goto: goes to 'helpdesk', which is "
        "not a node (did you mean 'help-desk'?)",
    )
    edit(config_dir, STUDENTS, "goto: helpdesk", "goto: help-desk")
    assert runtime.check() is True
    last = runtime.last_reload
    assert last is not None and last.ok and last.messages == ()
    assert last.fingerprint == runtime.config.fingerprint
    assert runtime.check() is False, "unchanged files are not loaded again"
    assert runtime.last_reload is last


def test_a_request_during_a_slow_load_is_answered_from_the_loaded_config_at_once(
    caller: Caller, config_dir: Path, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_load = ivr.runtime.load_config
    loading, release = threading.Event(), threading.Event()

    def slow_load(folder: Path) -> Config:
        loading.set()
        assert release.wait(timeout=30), "the test never released the load"
        return real_load(folder)

    monkeypatch.setattr(ivr.runtime, "load_config", slow_load)
    before = runtime.config
    edit(config_dir, STUDENTS, 'say: "Le comunicamos con Help Desk."', 'say: "Un momento."')
    loader = threading.Thread(target=runtime.check)  # as the watcher would
    loader.start()
    try:
        assert loading.wait(timeout=30)
        # The load is stuck; requests go on at once with the configuration already loaded.
        for _ in range(3):
            data = caller.post("/voice/menu/estudiantes?s=2", Digits="1").data
            assert says(data)[0] == "Le comunicamos con Help Desk."
        assert loader.is_alive() and runtime.config is before
    finally:
        release.set()
        loader.join(timeout=30)
    assert runtime.config is not before
    data = caller.post("/voice/menu/estudiantes?s=2", Digits="1").data
    assert says(data)[0] == "Un momento."


def test_the_watcher_loads_an_edit_in_the_background(
    caller: Caller, config_dir: Path, runtime: Runtime
) -> None:
    caller.post("/voice")  # the first request starts this process's watcher
    assert any(t.name == "ivr-config-watcher" for t in threading.enumerate())
    edit(config_dir, STUDENTS, 'say: "Le comunicamos con Help Desk."', 'say: "Un momento."')
    deadline = threading.Event()
    for _ in range(300):  # the watcher looks every 0.1 s here (IVR_RELOAD_SECONDS=0)
        if runtime.last_reload is not None:
            break
        deadline.wait(0.05)
    assert runtime.last_reload is not None and runtime.last_reload.ok
    data = caller.post("/voice/menu/estudiantes?s=2", Digits="1").data
    assert says(data)[0] == "Un momento."
    runtime.stop_watching()
    assert runtime._stop.is_set()
