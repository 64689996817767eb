"""Mark a callback request: done, called (to try again), abandoned, or pending again."""

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
    found = runtime.callbacks.get(callback_id)
    if found is None:
        raise ActionRefused(
            f"there is no callback request {callback_id}",
            f"No existe la solicitud {callback_id}.",
        )
    if if_pending and found.status != "pending":
        raise ActionRefused(
            f"callback request {callback_id} is no longer pending",
            f"La solicitud {callback_id} ya no está pendiente.",
        )
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
