"""The pure domain of the IVR: what callers hear and where they go, hours, fees, self-service.

The rule of this package: importing any module in it loads only the standard library,
``ivr.core`` itself and three pure libraries: ``holidays``, and for speech ``rapidfuzz`` and
``snowballstemmer``. No Flask, Werkzeug, Twilio, YAML, APScheduler, SQL driver,
click, nor any other ``ivr`` package; no clock is read and no file is opened. Everything here is
a function of values handed in (an aware datetime in Lima time, a menu tree, an account), so it
can be tested without a server and reused by every adapter:

- ``ivr.config`` reads the operator's YAML into these types;
- ``ivr.web`` and ``ivr.twiml`` turn Twilio's requests into calls here and the answers into TwiML;
- ``ivr.storage`` keeps what must outlive a request and hands the core plain values;
- ``ivr.cli`` and ``ivr.scheduler`` drive the same functions for operators.

``tests/test_core_purity.py`` and ruff's banned-API rule (``TID251``, pyproject.toml) enforce it.
"""
