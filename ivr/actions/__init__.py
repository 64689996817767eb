"""What an operator does, one function per action, called by every door (console, CLI, jobs).

Each action (``set_override``, ``mark_callback``, ``add_user``, ...) takes the runtime, the
``Actor`` who acts and plain values; it validates them (raising ``ActionRefused`` with the line
the operator reads), writes through the stores, then ``record``s: one audit entry the console's
Auditoría page shows and one INFO log line. Doors only read their input and show the outcome.
The layer uses storage and the runtime, never Flask or click (the model: Zulip's
``zerver/actions/`` ``do_*`` functions).
"""

from __future__ import annotations

from ivr.actions.base import ActionRefused, Actor, AuditAction, Door, record, when_words

__all__ = ["ActionRefused", "Actor", "AuditAction", "Door", "record", "when_words"]
