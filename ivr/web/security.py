"""Check that a webhook really comes from Twilio (X-Twilio-Signature)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Request
from twilio.request_validator import RequestValidator

from ivr.settings import AppSettings


def signed_url(request: Request, settings: AppSettings) -> str:
    """Return the URL Twilio signed: the public base URL when configured, else the request's.

    Behind a TLS proxy either configure ``IVR_PUBLIC_URL`` or trust the proxy's
    X-Forwarded-Proto/Host with ``IVR_TRUSTED_PROXIES`` (werkzeug ProxyFix), so that the URL
    rebuilt here is the https one Twilio used. The path and query are taken as they arrived,
    byte for byte, because Twilio signs them exactly as it sent them.
    """
    base = settings.public_url or request.host_url.rstrip("/")
    return base + _raw_target(request)


def _raw_target(request: Request) -> str:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if isinstance(raw, str) and raw.startswith("/"):
        return raw
    query = request.query_string.decode("latin-1")
    return quote(request.script_root + request.path) + (f"?{query}" if query else "")


def is_valid(request: Request, settings: AppSettings, validator: RequestValidator) -> bool:
    """Return True when the X-Twilio-Signature header matches this request."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    # Twilio signs the URL plus, for form-encoded POSTs, the sorted body parameters.
    params = request.form if request.method == "POST" else {}
    return bool(validator.validate(signed_url(request, settings), params, signature))
