"""Set and clear the emergency override: every line closed, with a message, until cleared."""

from __future__ import annotations

from datetime import datetime

from ivr.actions.base import ActionRefused, Actor, AuditAction, record, when_words
from ivr.clock import to_lima
from ivr.core.say import SAY_LIMIT
from ivr.core.schedule.model import Override
from ivr.runtime import Runtime
from ivr.storage.override import OverrideStore


def check_override(now: datetime, message: str, until: datetime | None) -> str:
    """Return the message as it is stored, or raise ActionRefused saying what is wrong."""
    text = message.strip()
    if not text:
        raise ActionRefused(
            "the message must not be empty",
            "Escriba el mensaje que oirán quienes llamen.",
            field="message",
        )
    size = len(text.encode("utf-8"))
    if size > SAY_LIMIT:  # callers hear it in one <Say>
        raise ActionRefused(
            f"the message is {size} bytes long; one <Say> speaks at most {SAY_LIMIT}",
            f"El mensaje es demasiado largo: tiene {size} bytes y caben {SAY_LIMIT}.",
            field="message",
        )
    if until is not None and until <= now:
        raise ActionRefused(
            f"{to_lima(until):%Y-%m-%d %H:%M} is not in the future "
            f"(it is now {to_lima(now):%Y-%m-%d %H:%M} in Lima)",
            f"El fin ({when_words(until)}) ya pasó: ahora es el {when_words(now)}. "
            "Elija un momento futuro o deje el campo vacío.",
            field="until",
        )
    return text


def set_override(runtime: Runtime, actor: Actor, message: str, until: datetime | None) -> Override:
    """Close every line from now until ``until`` (None: until cleared), replacing any override."""
    now = runtime.now()
    override = runtime.override_store.set(check_override(now, message, until), until, now)
    end = override.until.isoformat() if override.until else "cleared"
    record(
        runtime,
        actor,
        AuditAction.OVERRIDE_SET,
        override_detail(override),
        summary=f"every line closed until {end}",
    )
    return override


def clear_override(runtime: Runtime, actor: Actor, only: Override | None = None) -> Override | None:
    """Remove the override (``only``: just the one the operator saw); return it, or None if none.

    Raise ActionRefused when another one was set meanwhile: the operator looks again.
    """
    # The runtime's store may hold a copy up to a second old; the audit names the one removed.
    found = only or OverrideStore(runtime.engine, ttl=0).get()
    if found is None:
        return None
    if not runtime.override_store.clear(only=found):
        raise ActionRefused(
            "the emergency override changed meanwhile: look at it again ('ivr override show')",
            "El cierre cambió mientras tanto; revise el estado actual.",
        )
    record(
        runtime,
        actor,
        AuditAction.OVERRIDE_CLEAR,
        override_detail(found),
        summary="the schedules decide again",
    )
    return found


def override_detail(override: Override) -> str:
    """Say an override for the audit log: until when, and its message."""
    until = f"hasta el {when_words(override.until)}" if override.until else "hasta quitarlo"
    return f"{until}; mensaje: {override.message}"
