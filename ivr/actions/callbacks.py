"""Mark a callback request: done, called (to try again), abandoned, or pending again; or record
the outcome of a call placed by hand: reached, not reached (tried again later), cancelled."""

from __future__ import annotations

from ivr.actions.base import ActionRefused, Actor, AuditAction, record
from ivr.runtime import Runtime
from ivr.storage.callbacks import HAND_STATUSES, Callback, mask_number

# What the audit log says a request became (the Auditoría page is in Spanish).
STATUS_WORDS = {
    "pending": "pendiente",
    "called": "llamada",
    "done": "hecha",
    "abandoned": "abandonada",
}


def _request(runtime: Runtime, callback_id: int, *, pending: bool) -> Callback:
    """Return the request, refused when it is not there (or, ``pending``, no longer pending)."""
    found = runtime.callbacks.get(callback_id)
    if found is None:
        raise ActionRefused(
            f"there is no callback request {callback_id}",
            f"No existe la solicitud {callback_id}.",
        )
    if pending and found.status != "pending":
        raise ActionRefused(
            f"callback request {callback_id} is no longer pending",
            f"La solicitud {callback_id} ya no está pendiente.",
        )
    return found


def mark_callback(
    runtime: Runtime,
    actor: Actor,
    callback_id: int,
    status: str = "done",
    *,
    if_pending: bool = False,
) -> Callback:
    """Set a request's status (``if_pending``: only a pending one); return it as it was."""
    if status not in HAND_STATUSES:  # the others are the service's (a desk with agents)
        raise ActionRefused(
            f"unknown status '{status}': one of {', '.join(HAND_STATUSES)}",
            f"Estado desconocido «{status}».",
            field="status",
        )
    found = _request(runtime, callback_id, pending=if_pending)
    runtime.callbacks.mark(callback_id, status, runtime.now())
    # the number is masked: the audit log is read by viewers too
    detail = f"#{callback_id} {found.desk}, {found.campus}, {mask_number(found.number)}"
    if status == "done":
        record(runtime, actor, AuditAction.CALLBACK_DONE, detail, summary=f"#{callback_id} done")
    else:
        record(
            runtime,
            actor,
            AuditAction.CALLBACK_STATUS,
            f"{detail}: {STATUS_WORDS[status]}",
            summary=f"#{callback_id} {status}",
        )
    return found


# An attempt's outcome, as the console's buttons name it: (status it leaves, counts an attempt,
# what the audit log says).
OUTCOMES = {
    "reached": ("reached", True, "contactada"),
    "unreached": ("pending", True, "no contestó; sigue pendiente"),
    "cancelled": ("cancelled", False, "cancelada"),
}


def record_outcome(runtime: Runtime, actor: Actor, callback_id: int, outcome: str) -> Callback:
    """Record how a pending request's call went; return the request as it was."""
    if outcome not in OUTCOMES:
        raise ActionRefused(
            f"unknown outcome '{outcome}': one of {', '.join(OUTCOMES)}",
            f"Resultado desconocido «{outcome}».",
            field="outcome",
        )
    found = _request(runtime, callback_id, pending=True)
    status, attempt, words = OUTCOMES[outcome]
    runtime.callbacks.mark(callback_id, status, runtime.now(), attempt=attempt)
    attempts = found.attempts + attempt
    detail = f"#{callback_id} {found.desk}, {found.campus}, {mask_number(found.number)}: {words}"
    if attempt:
        detail += f" (intento {attempts})"
    record(
        runtime,
        actor,
        AuditAction.CALLBACK_OUTCOME,
        detail,
        summary=f"#{callback_id} {outcome}, attempts {attempts}",
    )
    return found
