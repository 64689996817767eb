"""What every action shares: who acts (``Actor``), a refusal (``ActionRefused``), the record."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import assert_never

from ivr.clock import to_lima
from ivr.core.spoken import date_words
from ivr.runtime import Runtime
from ivr.storage.console import ConsoleStore

log = logging.getLogger("ivr.actions")


class Door(StrEnum):
    """Where an action came in."""

    CONSOLE = "console"
    CLI = "cli"
    SCHEDULER = "scheduler"
    SMS = "sms"  # a student replying to a reminder (BAJA)
    IVR = "ivr"  # a verified caller's key in self-service


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a console user's name, the CLI operator's login name, or a job's name."""

    name: str
    door: Door

    @property
    def audit_name(self) -> str:
        """The audit log's «Quién»: the console user as they log in; others prefixed by door."""
        if self.door is Door.CONSOLE:
            return self.name
        return f"{self.door}:{self.name}" if self.name else str(self.door)


class ActionRefused(Exception):
    """An action refused, in one line: ``en`` for the CLI, ``es`` for the console.

    ``field`` names the input it is about ("message", "until", "name", "password"...), so the
    console shows it beside that field and the CLI names that option; None when it is about
    nothing the operator typed (a user that does not exist, a request no longer pending).
    """

    def __init__(self, en: str, es: str, *, field: str | None = None) -> None:
        super().__init__(en)
        self.en = en
        self.es = es
        self.field = field


class AuditAction(StrEnum):
    """What the audit log records; the values are stored, ``words`` is what the page says."""

    LOGIN = "login"
    LOGOUT = "logout"
    OVERRIDE_SET = "override_set"
    OVERRIDE_CLEAR = "override_clear"
    CALLBACK_DONE = "callback_done"
    CALLBACK_STATUS = "callback_status"
    CALLBACK_OUTCOME = "callback_outcome"
    USER_ADD = "user_add"
    USER_REMOVE = "user_remove"
    USER_PASSWORD = "user_password"
    REMINDER_OPTOUT = "reminder_optout"
    REMINDER_OPTIN = "reminder_optin"
    REMINDERS_SENT = "reminders_sent"
    CLOSURE_ADD = "closure_add"
    HOURS_ADD = "hours_add"
    CLOSURE_REMOVE = "closure_remove"
    AGENT_ADD = "agent_add"
    AGENT_REMOVE = "agent_remove"
    AGENT_STATE = "agent_state"

    @property
    def words(self) -> str:
        """Say what was done, as the Auditoría page's «Qué» column does."""
        match self:
            case AuditAction.LOGIN:
                return "ingresó"
            case AuditAction.LOGOUT:
                return "salió"
            case AuditAction.OVERRIDE_SET:
                return "activó el cierre de emergencia"
            case AuditAction.OVERRIDE_CLEAR:
                return "quitó el cierre de emergencia"
            case AuditAction.CALLBACK_DONE:
                return "marcó una devolución como hecha"
            case AuditAction.CALLBACK_STATUS:
                return "cambió el estado de una devolución"
            case AuditAction.CALLBACK_OUTCOME:
                return "registró el resultado de una devolución"
            case AuditAction.USER_ADD:
                return "creó un usuario"
            case AuditAction.USER_REMOVE:
                return "quitó un usuario"
            case AuditAction.USER_PASSWORD:
                return "cambió una contraseña"
            case AuditAction.REMINDER_OPTOUT:
                return "dio de baja los recordatorios por SMS"
            case AuditAction.REMINDER_OPTIN:
                return "volvió a activar los recordatorios por SMS"
            case AuditAction.REMINDERS_SENT:
                return "envió los recordatorios por SMS pendientes"
            case AuditAction.CLOSURE_ADD:
                return "agregó un cierre"
            case AuditAction.HOURS_ADD:
                return "agregó un horario especial"
            case AuditAction.CLOSURE_REMOVE:
                return "quitó un cierre u horario especial"
            case AuditAction.AGENT_ADD:
                return "agregó un agente"
            case AuditAction.AGENT_REMOVE:
                return "quitó un agente"
            case AuditAction.AGENT_STATE:
                return "cambió el estado de un agente"
            case _:
                assert_never(self)


def record(
    runtime: Runtime, actor: Actor, action: AuditAction, detail: str = "", *, summary: str = ""
) -> None:
    """Write the audit entry, then log one INFO line: ``summary`` holds no private data."""
    ConsoleStore(runtime.engine).audit(runtime.now(), actor.audit_name, action, detail)
    said = f": {summary}" if summary else ""
    log.info("%s%s; by %s through the %s", action, said, actor.name or "?", actor.door)


def when_words(moment: datetime) -> str:
    """Say an instant in Lima time as the console does: 'miércoles 18 de noviembre, 10:00'."""
    lima = to_lima(moment)
    return f"{date_words(lima.date())}, {lima:%H:%M}"
