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
    DESK_CALLBACK = "desk_callback"  # the callback offered while a desk is closed
    # desks answered by the service (ivr.web.agents): an agent's leg, and the caller's bridge
    AGENT_ANSWER = "agent_answer"  # the agent picked up
    AGENT_STATUS = "agent_status"  # the agent leg's status callback
    AGENT_BRIDGED = "agent_bridged"  # the caller's leg, just before the bridge
    AGENT_DONE = "agent_done"  # the bridge ended
    AGENT_CALLBACK_KEY = "agent_callback_key"  # the agent's key after a callback's whisper
    AGENT_CALLBACK_RESULT = "agent_callback_result"  # how the student's phone answered
