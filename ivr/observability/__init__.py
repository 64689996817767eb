"""Observability: call records and the ``ivr report`` command, Prometheus metrics, structured logs.

Modules, one concern each (importing this package starts nothing):

- ``privacy``: the defensive masks for identities and money in free text.
- ``calls``: ``CallRecorder`` and ``SqliteCallRecorder``, the per-call path through the tree.
- ``report``: ``ivr report``, what callers do, from the call records.
- ``demo``: ``simulate_day``, a deterministic day of realistic call records.
- ``metrics``: Prometheus metrics, ``/metrics`` and the gunicorn hooks for several workers.
- ``logging``: ``configure_logging``, JSON lines or plain text, every call line with its CallSid.
"""
