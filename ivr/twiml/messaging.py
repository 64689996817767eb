"""Messaging TwiML: the answer to an SMS Twilio hands us (a reply, or nothing)."""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse


def render_reply(text: str | None) -> str:
    """Return ``<Response><Message>text</Message></Response>``, or an empty ``<Response/>``."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
