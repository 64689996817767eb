"""Check that a webhook really comes from Twilio (X-Twilio-Signature)."""

from __future__ import annotations

import hmac
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
    base = settings.public_url or f"{request.scheme}://{request.host}"
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
    params = _Params(request.form.lists()) if request.method == "POST" else _Params()
    url = signed_url(request, settings)
    # One HMAC for the URL as received; twilio's full check (with and without the port,
    # bodySHA256) only when that one does not match.
    if hmac.compare_digest(validator.compute_signature(url, params), signature):
        return True
    return bool(validator.validate(url, params, signature))


class _Params(dict[str, list[str]]):
    """Form values as lists, with the ``getall`` twilio's validator tries first."""

    def getall(self, key: str) -> list[str]:
        return self[key]
