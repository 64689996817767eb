"""Waiting for a desk: what a queued caller hears, the ways out, and why a caller leaves.

Twilio holds a caller put through to a desk (``<Enqueue>``) and requests our wait URL on entry
and again each time the document we answered ends. The answer says where the caller stands
(``QueuePosition``), the estimated wait as a range from the desk's history when it supports one
(``ivr.core.queue.estimate``; never Twilio's ``AvgQueueTime``, the average of the callers
already waiting, which is no forecast of this caller's wait), offers the
ways out (a callback, an SMS with the other channels), then plays the desk's hold audio for its
interval. Only ``Play``, ``Say``, ``Pause``, ``Gather``, ``Redirect``, ``Leave`` and ``Hangup``
may appear in such a document (Twilio's <Enqueue> waitUrl); the actions here are that subset.

Pure: the web layer hands in Twilio's parameters, whether the desk's line is open, the clock's
reading; nothing here reads a clock or a database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from ivr.core.events import CallEvent
from ivr.core.flow import Ask, Say, State
from ivr.core.queue.estimate import WaitRange, estimate_text
from ivr.core.routes import Route
from ivr.core.schedule.wording import spoken_time
from ivr.core.spoken import date_words, number_words, phone_words

# Twilio's public hold music (its default classical playlist), over https, path-style so that
# the certificate matches the host; an operator sets their own clip per desk in queues.yaml.
DEFAULT_AUDIO = "https://s3.amazonaws.com/com.twilio.music.classical/BusyStrings.mp3"
DEFAULT_INTERVAL = 45  # seconds between two announcements of the caller's place
DEFAULT_MAX_WAIT = 10 * 60  # seconds in the queue before the caller is taken out
MIN_INTERVAL, MAX_INTERVAL = 15, 300
SMS_LIMIT = 320  # characters: two concatenated SMS segments at most


# Why a caller left the queue without a desk (``Leave`` reasons, named in call records). An SMS
# is no reason to leave: the caller hears it is on its way and goes on waiting.
CALLBACK, CLOSING, MAX_WAIT = "callback", "closing", "max_wait"
LEAVE_REASONS = (CALLBACK, CLOSING, MAX_WAIT)

# The keys of the wait answer.
KEY_CALLBACK, KEY_SMS = "1", "2"
KEY_CONFIRM, KEY_OTHER_NUMBER, KEY_KEEP_WAITING = "1", "2", "*"


# -- configuration -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DeskWait:
    """How callers wait for one desk (a Twilio queue)."""

    interval: int = DEFAULT_INTERVAL  # seconds of hold audio between announcements
    audio: str = DEFAULT_AUDIO  # an https URL Twilio plays
    audio_seconds: int | None = None  # the clip's length, when known: repeated to fill interval
    max_wait: int = DEFAULT_MAX_WAIT  # seconds
    callback: bool = False  # offer "1: we call you back"
    sms: bool = False  # offer "2: the other channels by SMS"
    # desks answered by the service (ivr.core.desks): agents' wrap-up, callback retries, windows
    wrap_up: int = 30  # seconds after an agent's call before they are rung again
    retry_after: int = 600  # seconds between two attempts of a callback
    window_capacity: int = 6  # callbacks promised per hour window of the next opening
    handle: int = 300  # seconds an agent takes per caller, to judge a callback placed in time
    service_level_seconds: int = 60  # answered within this counts in the service level

    @property
    def loops(self) -> int:
        """How many times to play the clip so that it lasts the interval (Twilio cannot cut it)."""
        if not self.audio_seconds:
            return 1
        return max(1, math.ceil(self.interval / self.audio_seconds))


@dataclass(frozen=True, slots=True)
class Limit:
    """How many in a Lima hour and in a Lima day."""

    hour: int
    day: int


@dataclass(frozen=True, slots=True)
class OutboundLimits:
    """Callback requests and texts allowed per number and for all numbers (queues.yaml).

    Conservative: a number can be made a target of calls or a bill of texts by anyone who
    calls, from any caller ID. A text goes only to the calling number, so per number is per
    calling number.
    """

    callback_per_caller: Limit = Limit(hour=2, day=3)  # requested from one calling number
    callback_per_number: Limit = Limit(hour=2, day=3)  # to be placed to one number
    callback_total: Limit = Limit(hour=60, day=300)  # for all numbers
    sms_per_number: Limit = Limit(hour=1, day=1)
    sms_total: Limit = Limit(hour=30, day=200)


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """Every desk's waiting, the callback and the SMS (``queues.yaml``)."""

    defaults: DeskWait = field(default_factory=DeskWait)
    desks: Mapping[str, DeskWait] = field(default_factory=dict)
    sms_from: str | None = None  # a Twilio number that can send SMS; None: no SMS option
    sms_text: str = ""  # queues.yaml's sms.text, or one made of the menus' contacts
    # the university's own numbers (campus centrals, desks dialled, the SMS sender, WhatsApp):
    # never called back
    own_numbers: frozenset[str] = frozenset()
    limits: OutboundLimits = field(default_factory=OutboundLimits)

    def desk(self, queue: str) -> DeskWait:
        return self.desks.get(queue, self.defaults)

    def service_levels(self) -> dict[str, int]:
        """Return each configured desk's service level seconds (the others: the defaults')."""
        return {queue: desk.service_level_seconds for queue, desk in self.desks.items()}


def default_sms_text(whatsapp: str, web: str) -> str:
    """Return the SMS sent when queues.yaml words none: the channels of settings.contacts."""
    channels = [
        *([f"escribanos por WhatsApp al {whatsapp}"] if whatsapp else []),
        *([f"registre un ticket en https://{web}/"] if web else []),
    ]
    text = " o ".join(channels)
    return text[:1].upper() + text[1:] + "." if text else ""


# -- the wait document's actions -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Play:
    url: str
    loop: int = 1


@dataclass(frozen=True, slots=True)
class Leave:
    """Take the caller out of the queue: Twilio then requests the <Enqueue> action."""


@dataclass(frozen=True, slots=True)
class Listen:
    """A <Gather> of keys inside a wait document; a key interrupts what it holds.

    When the caller keys nothing, Twilio goes on with the next action; at the end of the
    document it requests the wait URL again, so silence means "keep waiting".
    """

    content: tuple[Say | Play, ...]
    state: State  # state.step names the dialogue step the keys answer
    digits: int = 1  # more than 1: up to that many, ended by '#'
    timeout: int = 2  # seconds after the content before Twilio gives up


WaitAction = Say | Play | Listen | Leave


@dataclass(frozen=True, slots=True)
class WaitReply:
    """A wait document, and how the call record names the step it answers."""

    actions: tuple[WaitAction, ...]
    node: str
    event: CallEvent
    detail: str = ""


# -- wording -----------------------------------------------------------------------------------
_ORDINALS = (
    "primera", "segunda", "tercera", "cuarta", "quinta",
    "sexta", "séptima", "octava", "novena", "décima",
)  # fmt: skip


def position_text(position: int) -> str:
    """Say the caller's place: "Usted es la tercera persona en espera." (ordinals up to 10)."""
    if position <= len(_ORDINALS):
        return f"Usted es la {_ORDINALS[position - 1]} persona en espera."
    # Spoken Spanish rarely uses ordinals past "décima": "la persona número doce".
    return f"Usted es la persona número {number_words(position)} en espera."


def spoken_digits(number: str) -> str:
    """Read a callback number digit by digit in the groups Peruvians write it.

    Without its country code (+51), as callers know it: "(01) 604-4700" is "cero uno, seis
    cero cuatro, cuatro siete cero cero" (``ivr.core.spoken.phone_words``).
    """
    return phone_words(number)


def options_text(desk: DeskWait, *, texts: bool = True) -> str:
    """Offer the ways out; the SMS only when ``texts`` (the caller has a Peruvian mobile)."""
    parts = []
    if desk.callback:
        parts.append(f"Si prefiere que le devolvamos la llamada, marque {KEY_CALLBACK}.")
    if desk.sms and texts:
        parts.append(
            "Si prefiere recibir por mensaje de texto nuestro WhatsApp y el enlace para "
            f"registrar un ticket, marque {KEY_SMS}."
        )
    return " ".join(parts)


# -- numbers -----------------------------------------------------------------------------------
# Domain: a callback goes only to a Peruvian mobile or landline, never to special-rate (0800,
# 0801, 0808...), short (105, 116...), international or the university's own numbers; an SMS
# only to a Peruvian mobile.
E164_PERU = re.compile(r"^\+51\d{8,9}$")
MOBILE_E164 = re.compile(r"^\+519\d{8}$")
_MOBILE = re.compile(r"^9\d{8}$")
# Lima: area code 1 and seven digits, the first 2 to 7 (a 0 or 1 starts no subscriber's number)
_LIMA = re.compile(r"^1[2-7]\d{6}$")
# Other areas: their two digits and six, the first 2 to 9; 80x (0800, 0801, 0808) is not an area
_PROVINCE = re.compile(r"^(4[1-4]|5[1-6]|6[1-7]|7[2-6]|8[2-4])[2-9]\d{5}$")


def national(number: str) -> str:
    """Return a Peruvian number's national digits ("+51999888777" -> "999888777")."""
    return number[3:] if number.startswith("+51") else number.lstrip("+")


def parse_number(keyed: str, own: Collection[str] = ()) -> str | None:
    """Return the E.164 form of a Peruvian number a caller keyed, or None when it is not one.

    A mobile is nine digits starting with 9; a landline is its area code and number (Lima 1 and
    seven digits, the provinces two and six), with or without the leading 0 or the 51. One of
    ``own`` (the university's numbers) is not one either: a callback is never placed to it.
    """
    digits = keyed.strip().rstrip("#")
    if not digits.isdigit():
        return None
    if digits.startswith("51") and len(digits) in (10, 11):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = digits[1:]
    if _MOBILE.match(digits) or _LIMA.match(digits) or _PROVINCE.match(digits):
        number = "+51" + digits
        return None if number in own else number
    return None


def callable_number(caller: str, own: Collection[str] = ()) -> str | None:
    """Return the caller's own number when we can call it back (a Peruvian E.164 number)."""
    return caller if E164_PERU.match(caller) and parse_number(national(caller), own) else None


def textable(number: str) -> bool:
    """Whether an SMS may go to this number: a Peruvian mobile (+519 and eight digits)."""
    return bool(MOBILE_E164.match(number))


# -- the wait answer -------------------------------------------------------------------------------
def wait_answer(
    desk: DeskWait,
    state: State,
    position: int | None,
    told: WaitRange | None,
    *,
    texts: bool = True,
    warning: tuple[str, ...] = (),
    said_callback: bool = False,
) -> tuple[WaitAction, ...]:
    """Return the wait document: the caller's place, the estimate, the ways out, hold audio.

    ``texts``: whether the SMS can be offered (an account to send it, a Peruvian mobile);
    ``warning``: the closing guard's sentences, said before the ways out; ``said_callback``:
    the warning already offered the callback (key 1), not offered again.
    """
    sentences: list[str] = []
    if position and position > 0:
        sentences.append(position_text(position))
    if told is not None:
        sentences.append(estimate_text(told))
    sentences.extend(warning)
    options = options_text(replace(desk, callback=desk.callback and not said_callback), texts=texts)
    if options:
        sentences.append(options)
    # One <Say> for all of it: one speech synthesis, no gaps between the sentences.
    said: tuple[Say | Play, ...] = (Say(" ".join(sentences)),) if sentences else ()
    hold = Play(desk.audio, desk.loops)
    if not (desk.callback or (desk.sms and texts)):
        return (*said, hold)
    return (Listen((*said, hold), replace(state, step="option")),)


def exit_reason(desk: DeskWait, line_open: bool, queue_time_s: int) -> str | None:
    """Return why a waiting caller must leave now (the line closed, waited too long), or None."""
    if not line_open:
        return CLOSING
    if queue_time_s >= desk.max_wait:
        return MAX_WAIT
    return None


def ask_confirm(number: str, state: State) -> tuple[WaitAction, ...]:
    """Read a callback number back and ask the caller to confirm it."""
    prompt = (
        f"Le devolveremos la llamada al {spoken_digits(number)}. "
        f"Si es correcto, marque {KEY_CONFIRM}. Para indicar otro número, marque "
        f"{KEY_OTHER_NUMBER}. Para seguir esperando, marque asterisco."
    )
    return (Listen((Say(prompt),), replace(state, step="confirm"), timeout=6), Say(STILL_WAITING))


def ask_number(state: State, *, again: bool = False) -> tuple[WaitAction, ...]:
    """Ask for the number to call back, keyed with its area code and ended with '#'."""
    prompt = (
        "Marque el número al que debemos llamarle: un celular de nueve dígitos, o un teléfono "
        "fijo con su código de ciudad. Al final, marque la tecla numeral."
    )
    said: tuple[Say, ...] = (Say(prompt),)
    if again:
        said = (Say("Ese número no está completo o no es válido."), *said)
    return (
        Listen(said, replace(state, step="number"), digits=15, timeout=8),
        Say(STILL_WAITING),
    )


STILL_WAITING = "No recibimos ninguna opción. Sigue en espera."
NOT_STORED = "Lo sentimos, no pudimos registrar su pedido. Sigue en espera."
SMS_ALREADY = "Ya le enviamos el mensaje de texto. Sigue en espera."
SMS_ON_ITS_WAY = (
    "Le enviaremos en unos momentos un mensaje de texto con nuestro WhatsApp y el enlace para "
    "registrar un ticket. Sigue en espera."
)
# A request over the limits per number (queues.yaml's limits): said before the other channels.
CALLBACK_LIMITED = (
    "Lo sentimos, por ahora no podemos registrar más pedidos de llamada a ese número."
)
SMS_LIMITED = "Lo sentimos, por ahora no podemos enviarle más mensajes de texto a este número."
INVALID_KEY = "Esa opción no es válida. Sigue en espera."


# -- after leaving: the <Enqueue> action -------------------------------------------------------
def left_texts(
    reason: str,
    *,
    desk_title: str,
    number: str | None,
    next_open: datetime | None,
    hours: str,
) -> tuple[str, ...]:
    """What a caller hears once out of the queue, before a goodbye or the callback offer."""
    if reason == CALLBACK and number:
        return (
            f"Registramos su pedido. Le devolveremos la llamada al {spoken_digits(number)} "
            "en cuanto un asesor esté disponible.",
        )
    if reason == CLOSING:
        when = (
            f"Volvemos a atender el {date_words(next_open.date())} {at_time(next_open)}."
            if next_open is not None
            else f"Nuestro horario de atención es {hours}."
        )
        return (f"La central acaba de cerrar y ya no podemos comunicarle con {desk_title}.", when)
    if reason == MAX_WAIT:
        return (f"Lamentamos la demora: todos los asesores de {desk_title} siguen ocupados.",)
    return ()


def at_time(moment: datetime) -> str:
    """Say "a las 9 de la mañana", "a la 1 de la tarde", "al mediodía"."""
    said = spoken_time(moment.time())
    if said == "mediodía":
        return "al mediodía"
    if said == "medianoche" or moment.hour % 12 == 1:
        return f"a la {said}"
    return f"a las {said}"


def offer_callback(number: str, state: State) -> Ask:
    """Offer, outside the queue, to call the caller back at ``number``."""
    return Ask(
        (
            f"Si desea que le devolvamos la llamada al {spoken_digits(number)}, marque "
            f"{KEY_CONFIRM}. Si no, puede colgar.",
        ),
        replace(state, step="offer"),
        route=Route.QUEUE_AFTER,
        speech=False,
    )
