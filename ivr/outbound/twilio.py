"""The outbound Twilio REST client (the twilio library's): texts to callers, calls to desks' agents.

Off unless ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN`` are set; texts also need
queues.yaml to name a sending number (``sms.from``). ``IVR_TWILIO_API_URL`` points the client
at another base URL than https://api.twilio.com (a regional edge, or a local stand-in in tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"
# Texts are sent in the background (ivr.outbound.background), never inside a webhook: a slow
# API delays only the record of the result, so a text Twilio takes in 8 s is still sent.
TIMEOUT_S = 30.0


class TwilioError(Exception):
    """Twilio did not accept the request; ``status`` is its HTTP status (None: no answer)."""

    def __init__(self, status: int | None, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class SmsSender(Protocol):
    def send_sms(self, to: str, from_: str, body: str) -> str:
        """Send a text; return Twilio's message SID or raise TwilioError."""
        ...


class CallPlacer(Protocol):
    def place_call(
        self, to: str, from_: str, url: str, status_callback: str, events: Sequence[str]
    ) -> str:
        """Place a call; return Twilio's call SID or raise TwilioError."""
        ...


# twilio's HTTP client is Any to mypy (requests has no stubs); subclassing is its extension point
class _RebasedClient(TwilioHttpClient):  # type: ignore[misc]  # an Any base: no stubs
    """The library's HTTP client, sending api.twilio.com requests to another base URL."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self.base_url != TWILIO_API and url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class TwilioClient:
    """One account's REST client: texts (``messages.create``) and calls (``calls.create``)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        api_url: str = TWILIO_API,
        timeout: float = TIMEOUT_S,
    ) -> None:
        self.client = Client(account_sid, auth_token, http_client=_RebasedClient(api_url, timeout))

    def send_sms(self, to: str, from_: str, body: str) -> str:
        """Send a text; return Twilio's message SID or raise TwilioError."""
        try:
            message = self.client.messages.create(to=to, from_=from_, body=body)
        except TwilioRestException as error:
            raise TwilioError(error.status, f"Twilio error {error.code}: {error.msg}") from error
        except (TwilioException, RequestException) as error:
            raise TwilioError(None, type(error).__name__) from error
        return str(message.sid)

    def place_call(
        self, to: str, from_: str, url: str, status_callback: str, events: Sequence[str]
    ) -> str:
        """Place a call to ``to``; return Twilio's call SID or raise TwilioError.

        Twilio requests ``url`` when the call is answered and posts ``events`` of it to
        ``status_callback``.
        """
        try:
            call = self.client.calls.create(
                to=to,
                from_=from_,
                url=url,
                status_callback=status_callback,
                status_callback_event=list(events),
                status_callback_method="POST",
            )
        except TwilioRestException as error:
            raise TwilioError(error.status, f"Twilio error {error.code}: {error.msg}") from error
        except (TwilioException, RequestException) as error:
            raise TwilioError(None, type(error).__name__) from error
        return str(call.sid)
