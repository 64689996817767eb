"""Check that a webhook really comes from Twilio (X-Twilio-Signature)."""

from __future__ import annotations

from flask import Request
from twilio.request_validator import RequestValidator

from ivr.settings import AppSettings


def signed_url(request: Request, settings: AppSettings) -> str:
    """Return the URL Twilio signed: the public base URL when configured, else the request's.

    Behind a TLS proxy either configure ``IVR_PUBLIC_URL`` or trust the proxy's
    X-Forwarded-Proto/Host with ``IVR_TRUSTED_PROXIES`` (werkzeug ProxyFix), so that the URL
    rebuilt here is the https one Twilio used.
    """
    if settings.public_url:
        query = request.query_string.decode("latin-1")
        return settings.public_url + request.path + (f"?{query}" if query else "")
    return request.url


def is_valid(request: Request, settings: AppSettings, validator: RequestValidator) -> bool:
    """Return True when the X-Twilio-Signature header matches this request."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    # Twilio signs the URL plus, for form-encoded POSTs, the sorted body parameters.
    params = request.form if request.method == "POST" else {}
    return bool(validator.validate(signed_url(request, settings), params, signature))
