"""Where Twilio comes back to: the webhook that hears the caller's next key or result."""

from __future__ import annotations

from enum import StrEnum


class Route(StrEnum):
    """A webhook an answer sends Twilio's next request to (``ivr.web.webhook.url_for``)."""

    MENU = "menu"  # a menu's key or phrase
    TRANSFER = "transfer"  # a <Dial> or <Enqueue> ended
    SELFSERVICE = "selfservice"  # a self-service step's keys
    WAIT = "wait"  # a caller waiting in a desk's queue
    WAIT_KEY = "wait_key"  # a key pressed while waiting
    QUEUE_AFTER = "queue_after"  # the callback offered once out of the queue
