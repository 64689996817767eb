"""What every action shares: who acts, how the audit log names them, the record it leaves."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from ivr.actions import Actor, AuditAction, Door, record, when_words
from ivr.runtime import Runtime
from ivr.storage.console import ConsoleStore
from tests.actions.conftest import ANA, ROOT, audited, logged
from tests.conftest import WEEKDAY_10AM


@pytest.mark.parametrize(
    ("actor", "name"),
    [
        pytest.param(ANA, "ana", id="console-user"),
        pytest.param(ROOT, "cli:root", id="cli-login"),
        pytest.param(Actor("", Door.CLI), "cli", id="cli-without-login"),
        pytest.param(Actor("purge", Door.SCHEDULER), "scheduler:purge", id="job"),
    ],
)
def test_the_audit_log_names_the_actor_and_their_door(actor: Actor, name: str) -> None:
    assert actor.audit_name == name


def test_every_audit_action_is_worded_for_the_audit_page() -> None:
    words = {action: action.words for action in AuditAction}
    assert words[AuditAction.OVERRIDE_SET] == "activó el cierre de emergencia"
    assert all(words.values())
    assert len(set(words.values())) == len(words)  # no two actions read alike


def test_record_writes_one_entry_and_one_info_line(
    runtime: Runtime, console: ConsoleStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="ivr.actions"):
        record(runtime, ROOT, AuditAction.USER_REMOVE, "beto", summary="role viewer")
    assert audited(console) == [("cli:root", "user_remove", "beto")]
    assert console.audit_log()[0].at == WEEKDAY_10AM  # the runtime's clock
    assert logged(caplog) == ["user_remove: role viewer; by root through the cli"]


def test_when_words_is_lima_time_in_spanish() -> None:
    assert when_words(WEEKDAY_10AM) == "miércoles 18 de noviembre, 10:00"
    # 02:30 UTC on Thursday is still Wednesday evening in Lima
    assert when_words(datetime(2026, 11, 19, 2, 30, tzinfo=UTC)) == (
        "miércoles 18 de noviembre, 21:30"
    )
