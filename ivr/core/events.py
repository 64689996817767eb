"""What can happen at one step of a call: the call-event vocabulary.

Every step a webhook answers is recorded with one ``CallEvent`` (``call_steps.event``; the
member's value is what the database holds, as ``http.HTTPStatus`` keeps the number on the wire).
``meaning`` says once, for every event, what it tells the figures (a transfer begun, a desk
reached, a self-service result ...) and whether the IVR is done with the call after it: adding
a member makes mypy point at it, and every reader (``ivr report``, the console's pages, the
store's queries) follows from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import assert_never


class CallEvent(StrEnum):
    """One step of a call, as recorded (the value is stored)."""

    # the menus (ivr.core.flow)
    CALL_START = "call_start"  # greeting and main menu
    ENTERED = "entered"  # arrived at a menu
    INVALID = "invalid"  # a key or a phrase that is no option
    NO_INPUT = "no_input"  # silence
    REPEAT = "repeat"
    BACK = "back"
    MAIN_MENU = "main_menu"
    NOT_MEANT = "not_meant"  # "no" to a "¿Quiso decir ...?"
    AMBIGUOUS = "ambiguous"  # two destinations fit what was said: asked which
    TO_PERSON = "to_person"  # "asesor", or a second silence: put through to a person
    MENU_CHANGED = "menu_changed"  # the caller's node vanished in a reload
    MESSAGE = "message"  # an information message played
    HANGUP = "hangup"  # the IVR said goodbye and hung up
    FAILED = "failed"  # too many failed tries, or too many steps
    ERROR = "error"  # an internal error: apologised, then the failure destination
    AFTER_HOURS = "after_hours"  # a desk asked for while its line is closed
    TRANSFER = "transfer"  # put through: detail is the desk's queue, or "dial"
    TRANSFER_DONE = "transfer_done"  # the <Dial> or <Enqueue> reached someone
    TRANSFER_FAILED = "transfer_failed"  # it did not
    CLOSED_CALL = "closed_call"  # a webhook of a call Twilio had reported finished
    # account self-service (ivr.core.selfservice.phone)
    SELF_SERVICE = "selfservice"  # arrived: asked for the code
    SELF_SERVICE_CODE = "selfservice_code"  # a code keyed: asked for the DNI
    SELF_SERVICE_RESTART = "selfservice_restart"  # the session expired: asked again
    SELF_SERVICE_VERIFIED = "selfservice_verified"  # detail: the masked code
    SELF_SERVICE_REJECTED = "selfservice_rejected"  # wrong code or DNI (may try again)
    SELF_SERVICE_LOCKED = "selfservice_locked"  # the ledger's lockout
    SELF_SERVICE_FAILED = "selfservice_failed"  # MAX_FAILURES in this call
    SELF_SERVICE_UNAVAILABLE = "selfservice_unavailable"  # the ledger could not answer
    SELF_SERVICE_PAUSED = "selfservice_paused"  # paused while codes are being guessed
    SELF_SERVICE_HEARD = "selfservice_heard"  # an option of the statement menu
    SELF_SERVICE_DONE = "selfservice_done"  # silent at the statement menu: left it
    REMINDERS_STOPPED = "reminders_stopped"  # the verified student asked for no more reminders
    UNCONFIGURED = "unconfigured"  # no billing configuration: self-service is off
    # waiting for a desk (ivr.core.queue.dialogue)
    QUEUE_WAIT = "queue_wait"  # the wait answer; detail: "position N"
    QUEUE_LEAVE = "queue_leave"  # taken out of the queue; detail: why
    QUEUE_CALLBACK = "queue_callback"  # a step of the callback request
    QUEUE_SMS = "queue_sms"  # the text with the other channels
    QUEUE_INVALID = "queue_invalid"  # a key that is no way out
    # desks answered by the service (ivr.core.desks): detail names the agent, never a phone
    DESK_RUNG = "desk_rung"  # an agent is being rung for this waiting caller
    DESK_ANSWERED = "desk_answered"  # the agent took this caller
    DESK_CALLBACK = "desk_callback"  # a step of the callback offered while a desk is closed
    # out of a desk's queue: detail "<desk> <seconds>" or "<desk> <reason> <seconds>"
    QUEUE_ANSWERED = "queue_answered"
    QUEUE_ABANDONED = "queue_abandoned"  # hung up while waiting
    QUEUE_LEFT = "queue_left"  # left with a reason: callback, sms, closing, max_wait
    QUEUE_FAILED = "queue_failed"  # Twilio's error, system-error, queue-full
    QUEUE_REDIRECTED = "queue_redirected"  # moved elsewhere by the REST API
    # a value this version does not know, read back from the records (never written)
    UNKNOWN = "unknown"


class EventKind(Enum):
    """What a step tells the figures about its call (``ivr.observability.report``)."""

    MENU = "menu"  # asked something, or moved through the menus
    MESSAGE = "message"  # heard information: "informed" when it was the last step
    AFTER_HOURS = "after_hours"
    FLOW_END = "flow_end"  # the IVR hung up, gave up or failed
    TRANSFER = "transfer"  # a transfer began
    CONNECTED = "connected"  # a transfer's result: a person answered
    NOT_CONNECTED = "not_connected"  # a transfer's result: nobody did
    WAITING = "waiting"  # a step of a caller waiting in a desk's queue
    SELF_SERVICE = "self_service"  # in self-service, no result yet
    SELF_SERVICE_SUCCESS = "self_service_success"
    SELF_SERVICE_FAILURE = "self_service_failure"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Meaning:
    kind: EventKind
    ends_call: bool  # the IVR has nothing more to do with the call after this step


def meaning(event: CallEvent) -> Meaning:
    """Return what ``event`` tells the figures, and whether the IVR is done with the call."""
    match event:
        case (
            CallEvent.CALL_START | CallEvent.ENTERED | CallEvent.INVALID | CallEvent.NO_INPUT
            | CallEvent.REPEAT | CallEvent.BACK | CallEvent.MAIN_MENU | CallEvent.NOT_MEANT
            | CallEvent.AMBIGUOUS | CallEvent.TO_PERSON | CallEvent.MENU_CHANGED
        ):  # fmt: skip
            return Meaning(EventKind.MENU, ends_call=False)
        case CallEvent.MESSAGE:
            return Meaning(EventKind.MESSAGE, ends_call=False)
        case CallEvent.AFTER_HOURS:
            return Meaning(EventKind.AFTER_HOURS, ends_call=False)
        case CallEvent.HANGUP | CallEvent.FAILED:
            return Meaning(EventKind.FLOW_END, ends_call=True)
        case CallEvent.ERROR:  # the failure destination follows
            return Meaning(EventKind.FLOW_END, ends_call=False)
        case CallEvent.CLOSED_CALL:
            return Meaning(EventKind.OTHER, ends_call=True)
        case CallEvent.TRANSFER:
            return Meaning(EventKind.TRANSFER, ends_call=False)
        case CallEvent.TRANSFER_DONE | CallEvent.QUEUE_ANSWERED:
            return Meaning(EventKind.CONNECTED, ends_call=True)
        case CallEvent.QUEUE_ABANDONED | CallEvent.QUEUE_REDIRECTED:
            return Meaning(EventKind.NOT_CONNECTED, ends_call=True)
        case CallEvent.TRANSFER_FAILED | CallEvent.QUEUE_LEFT | CallEvent.QUEUE_FAILED:
            return Meaning(EventKind.NOT_CONNECTED, ends_call=False)  # the caller hears what next
        case (
            CallEvent.QUEUE_WAIT | CallEvent.QUEUE_LEAVE | CallEvent.QUEUE_CALLBACK
            | CallEvent.QUEUE_SMS | CallEvent.QUEUE_INVALID | CallEvent.DESK_RUNG
            | CallEvent.DESK_ANSWERED
        ):  # fmt: skip
            return Meaning(EventKind.WAITING, ends_call=False)
        case CallEvent.DESK_CALLBACK:
            return Meaning(EventKind.OTHER, ends_call=False)
        case (
            CallEvent.SELF_SERVICE | CallEvent.SELF_SERVICE_CODE | CallEvent.SELF_SERVICE_RESTART
            | CallEvent.SELF_SERVICE_HEARD | CallEvent.SELF_SERVICE_DONE
            | CallEvent.REMINDERS_STOPPED
        ):  # fmt: skip
            return Meaning(EventKind.SELF_SERVICE, ends_call=False)
        case CallEvent.SELF_SERVICE_VERIFIED:
            return Meaning(EventKind.SELF_SERVICE_SUCCESS, ends_call=False)
        case (
            CallEvent.SELF_SERVICE_REJECTED | CallEvent.SELF_SERVICE_LOCKED
            | CallEvent.SELF_SERVICE_FAILED | CallEvent.SELF_SERVICE_UNAVAILABLE
            | CallEvent.SELF_SERVICE_PAUSED | CallEvent.UNCONFIGURED
        ):  # fmt: skip
            return Meaning(EventKind.SELF_SERVICE_FAILURE, ends_call=False)
        case CallEvent.UNKNOWN:
            return Meaning(EventKind.OTHER, ends_call=False)
        case _:
            assert_never(event)


def parse(value: str) -> CallEvent:
    """Return the event a record holds; UNKNOWN for a value this version does not know."""
    try:
        return CallEvent(value)
    except ValueError:
        return CallEvent.UNKNOWN


def of_kind(*kinds: EventKind) -> frozenset[CallEvent]:
    """Return the events of these kinds."""
    return frozenset(event for event in CallEvent if meaning(event).kind in kinds)


# The sets the readers and the store's queries use, derived from ``meaning``.
TRANSFER_RESULTS = of_kind(EventKind.CONNECTED, EventKind.NOT_CONNECTED)
TRANSFER_EVENTS = TRANSFER_RESULTS | {CallEvent.TRANSFER}
CONNECTED = of_kind(EventKind.CONNECTED)
FLOW_END_EVENTS = of_kind(EventKind.FLOW_END)
SELF_SERVICE_SUCCESS = of_kind(EventKind.SELF_SERVICE_SUCCESS)
SELF_SERVICE_FAILURE = of_kind(EventKind.SELF_SERVICE_FAILURE)
SELF_SERVICE_EVENTS = of_kind(
    EventKind.SELF_SERVICE, EventKind.SELF_SERVICE_SUCCESS, EventKind.SELF_SERVICE_FAILURE
)  # in self-service
ENDS_CALL = frozenset(event for event in CallEvent if meaning(event).ends_call)

# How a caller left a desk's queue (Twilio's QueueResult, the <Enqueue> action), by its name in
# the figures.
QUEUE_RESULTS: Mapping[CallEvent, str] = MappingProxyType(
    {
        CallEvent.QUEUE_ANSWERED: "answered",
        CallEvent.QUEUE_ABANDONED: "abandoned",
        CallEvent.QUEUE_LEFT: "left",
        CallEvent.QUEUE_FAILED: "failed",
        CallEvent.QUEUE_REDIRECTED: "redirected",
    }
)
