"""The call flow: from a menu tree, a caller's input and the hours, decide what happens next.

Pure: no Flask, no Twilio, no clock. Decisions come out as plain actions (say this, ask that,
transfer there) that ``ivr.twiml`` renders. Call state travels in the URLs Twilio calls back
(they are covered by Twilio's request signature), so any worker can answer any step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from typing import Protocol, assert_never

from ivr.core.directory import Line
from ivr.core.events import CallEvent
from ivr.core.memo import by_identity
from ivr.core.menu import (
    BACK,
    HangupNode,
    MenuNode,
    MenuTree,
    MessageNode,
    SelfServiceNode,
    Settings,
    TransferNode,
    menu_prompt,
    sentence_start,
    spoken_name,
)
from ivr.core.routes import Route
from ivr.core.schedule import days as weekdays
from ivr.core.schedule.model import Schedules
from ivr.core.schedule.wording import describe_days_of, spoken_time
from ivr.core.speech import (
    DIGIT_WORDS,
    YES,
    Heard,
    normalise,
    offered_in,
    question_step,
    reply,
    understand,
)
from ivr.core.speech import index as speech_index
from ivr.core.spoken import date_words

CENTRAL = "central"  # the line whose state callers hear about when they call
KEY_ACCEPT = "1"  # takes a callback offered while a desk is closed
MAX_TRAIL = 12  # menus remembered for "back"
MAX_HOPS = 20  # nodes followed in one answer without the caller's input
# Below this Twilio speech Confidence the caller is asked to confirm by key (0.0-1.0).
LOW_CONFIDENCE = 0.4

# What a caller has heard in this call (State.told): each is said once per call.
TOLD_CLOSED = 1  # why the central is closed and when it opens again
TOLD_ALTERNATIVES = 2  # the other channels (WhatsApp, tickets, campus desks): once per ask
TOLD_SPEECH_HINT = 4  # that a menu option may be said as well as pressed
# Texts that are only a placeholder are said once per call (see CallContext.texts).
ONCE = {"{closed}": TOLD_CLOSED, "{alternatives}": TOLD_ALTERNATIVES}


class LineStatusLike(Protocol):
    @property
    def open(self) -> bool: ...

    @property
    def message(self) -> str | None: ...

    @property
    def reason(self) -> str: ...

    @property
    def label(self) -> str | None: ...

    @property
    def next_change(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class State:
    """Where a caller is: the node, the menus behind it, failures so far, steps taken."""

    node: str
    trail: tuple[str, ...] = ()
    no_input: int = 0
    invalid: int = 0
    steps: int = 0
    step: str = ""  # a sub-step inside a node (self-service: code, dni, menu)
    told: int = 0  # TOLD_* flags: what this call has already heard

    def at(self, node: str, trail: tuple[str, ...] | None = None) -> State:
        """Return the state of arriving at ``node``: fresh counts, same steps and memory."""
        return State(node, self.trail if trail is None else trail, steps=self.steps,
                     told=self.told)  # fmt: skip


# -- actions -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Say:
    text: str


@dataclass(frozen=True, slots=True)
class Ask:
    """Wait for one key or a phrase; the answer goes to ``route`` with ``state``."""

    prompt: tuple[str, ...]
    state: State
    hints: tuple[str, ...] = ()
    route: Route = Route.MENU
    digits: int = 1  # how many keys to wait for; more than 1 ends with '#'
    speech: bool = True


@dataclass(frozen=True, slots=True)
class Enqueue:
    queue: str
    state: State


@dataclass(frozen=True, slots=True)
class Dial:
    address: str
    state: State


@dataclass(frozen=True, slots=True)
class Hangup:
    pass


Action = Say | Ask | Enqueue | Dial | Hangup


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to answer, plus facts about the step for call records and metrics."""

    actions: tuple[Action, ...]
    node: str
    event: CallEvent
    detail: str = ""
    said: str = ""  # the key or phrase that led here (never self-service digits)


@dataclass(frozen=True)
class CallContext:
    """Everything about this instant that the flow needs, computed by the caller of the flow."""

    tree: MenuTree
    now: datetime  # this instant, in Lima time
    line: Line | None
    status: Callable[[str], LineStatusLike]  # line name -> open/closed now
    hours: str  # the central's hours in Spanish words, for {hours}
    # The message swaps active now, by slot; computed only by the steps that play them.
    active: Callable[[], Mapping[str, tuple[str, ...]]] = dict
    # The hours, for what a closed desk says of its own line; None: the desk names no hours.
    schedules: Schedules | None = None
    # A closed desk answered by the service: when it would call the caller back ("el lunes 23
    # de marzo entre las 9 y las 10 de la mañana"), or None (no agents, no callbacks, full).
    callback_offer: Callable[[TransferNode], str | None] = lambda _desk: None

    @property
    def today(self) -> date:
        return self.now.date()

    @cached_property
    def messages(self) -> Mapping[str, tuple[str, ...]]:
        return self.active()

    def fill(self, text: str) -> str:
        """Fill {campus}, {hours}, {whatsapp} and {web}; anything else in braces stays as is."""
        if "{" not in text:
            return text
        contacts = self.tree.settings.contacts
        values = {
            "campus": self.line.names if self.line else "la universidad",
            "hours": self.hours,
            "whatsapp": contacts.whatsapp,
            "web": contacts.web,
        }
        return text.format_map(_Blanks(values))

    def texts(self, texts: tuple[str, ...], state: State) -> tuple[list[Say], State]:
        """Say operator texts; one that is only {closed} or {alternatives} once per call."""
        said: list[Say] = []
        for text in texts:
            flag = ONCE.get(text.strip())
            if flag is None:
                said.append(Say(self.fill(text)))
                continue
            if state.told & flag:
                continue
            if flag == TOLD_CLOSED:
                notice = closed_notice(self)
                if not notice:
                    continue  # the central is open: nothing to say
                said += [Say(self.fill(sentence)) for sentence in notice]
            elif self.tree.settings.texts.alternatives:  # none set: nothing to say
                said.append(Say(self.fill(self.tree.settings.texts.alternatives)))
            state = replace(state, told=state.told | flag)
        return said, state


class _Blanks(dict[str, str]):
    """Leave an unknown {name} as it is instead of failing the call."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# -- the closed central ------------------------------------------------------------------------
CLOSED_NOW = "La central está cerrada"
NO_REOPENING = "Por ahora no podemos indicarle cuándo volveremos a atender."


def closed_notice(ctx: CallContext) -> tuple[str, ...]:
    """Say that the central is closed and when it opens again, in one sentence; () while open.

    "La central está cerrada hasta mañana, lunes 23 de noviembre, a las 9 de la mañana." An
    emergency's own words (the operator's sentence) come first, then when it opens again.
    """
    status = ctx.status(CENTRAL)
    if status.open:
        return ()
    if status.message:
        return (status.message, reopening(ctx.now, status.next_change))
    if status.reason == "holiday" and status.label:
        why = f"{CLOSED_NOW} por feriado, {status.label},"
    elif status.reason == "closure" and status.label:
        why = f"{CLOSED_NOW} por {status.label}"
    else:
        why = CLOSED_NOW
    if status.next_change is None:
        return (f"{why} y por ahora no podemos indicarle cuándo volveremos a atender.",)
    return (f"{why} hasta {_day_and_hour(ctx.now, status.next_change, dated=True)}.",)


def reopening(now: datetime, opens: datetime | None) -> str:
    """Say when the central opens again: "Volvemos a atender el jueves 10 de diciembre a las
    9 de la mañana"; with no known opening (an override with no end), say so."""
    if opens is None:
        return NO_REOPENING
    return f"Volvemos a atender {_day_and_hour(now, opens, dated=True, at=True)}."


def _day_and_hour(now: datetime, opens: datetime, *, dated: bool, at: bool = False) -> str:
    """Say the day and hour of ``opens`` seen from ``now``: "mañana a las 9 de la mañana", "el
    jueves 10 de diciembre a las 9 de la mañana", undated within the week "el lunes a las 9 de
    la mañana"; today "las 2 de la tarde" (after "hasta"), or with ``at`` "hoy a las 2 ..."."""
    day, today = opens.date(), now.date()
    hour = spoken_time(opens.time())
    noon = hour.startswith(("mediodía", "medianoche"))
    the = "el" if noon else "la" if hour.startswith("1 ") else "las"
    at_hour = f"al {hour}" if noon else f"a {the} {hour}"
    if day == today:
        return f"hoy {at_hour}" if at else f"{the} {hour}"
    if (day - today).days == 1:
        return f"mañana {at_hour}"
    if not dated and (day - today).days < 7:
        return f"el {weekdays.SPANISH[day.weekday()]} {at_hour}"
    return f"el {date_words(day, with_year=day.year != today.year)} {at_hour}"


def closed_desk_notice(ctx: CallContext, node: TransferNode) -> str:
    """Say when a closed desk attends and opens again, by the schedule of the desk's line.

    "Help Desk atiende de lunes a viernes de 9 de la mañana a 9 de la noche; vuelve a atender
    mañana a las 9 de la mañana." The hours are those of the days like the day it reopens.
    """
    status = ctx.status(node.line)
    name = ctx.fill(spoken_name(ctx.tree, node.id))
    opens = status.next_change
    day = (opens or ctx.now).weekday()
    days = describe_days_of(ctx.schedules, node.line, day) if ctx.schedules else None
    if opens is None:
        when = "por ahora no podemos indicarle cuándo volverá a atender"
    else:
        when = f"vuelve a atender {_day_and_hour(ctx.now, opens, dated=False, at=True)}"
    if days is None:  # no weekly hours on that day (an override, or special hours only)
        return f"{sentence_start(name)}: {when}."
    return f"{sentence_start(name)} atiende {days}; {when}."


# -- entry points ------------------------------------------------------------------------------
def start(ctx: CallContext) -> Outcome:
    """Greet the caller for the campus they dialled, say in one sentence if the central is
    closed and when it opens, then ask the main menu; the announcements follow its options.

    The first option comes within about 30 words (12 s) at any instant: the other channels
    are an option of the menu, not a preamble.
    """
    texts = ctx.tree.settings.texts
    greeting = ctx.messages.get("greeting") or (
        texts.greeting if ctx.line else texts.greeting_unknown,
    )
    state = State(ctx.tree.settings.start, steps=1)
    said, state = ctx.texts(tuple(greeting), state)
    closed, state = ctx.texts(("{closed}",), state)  # once per call
    announced = tuple(say.text for say in ctx.texts(ctx.messages.get("announcement", ()), state)[0])
    entered = enter(ctx, state, follow=announced)
    return replace(entered, actions=(*said, *closed, *entered.actions), event=CallEvent.CALL_START)


def enter(
    ctx: CallContext, state: State, *, hops: int = 0, follow: tuple[str, ...] = ()
) -> Outcome:
    """Answer for arriving at ``state.node``: speak and ask, or transfer, or hang up.

    ``follow``: texts a menu says after its options (the announcements of the main menu).
    """
    tree = ctx.tree
    node = tree.node(state.node)
    if node is None:  # the node vanished in a reload: continue at the main menu, politely
        return _restart(ctx, state, hops)
    if hops > MAX_HOPS or state.steps > tree.settings.max_steps:
        return _goodbye(ctx, state, "too_many_steps")
    match node:
        case MenuNode():
            template, hints = _menu_parts(node, tree.settings)
            if node.id == tree.settings.after_hours and ctx.messages.get("after_hours"):
                # an after-hours text swapped in by schedule replaces the menu's own intro
                template = (*ctx.messages["after_hours"], *template[1 if node.say else 0 :])
            prompt = tuple(ctx.fill(t) for t in template)
            told = state.told
            tail = tuple(ctx.fill(t) for t in follow)
            if node.id == tree.settings.start and not told & TOLD_SPEECH_HINT:
                # said once per call: every menu listens, the main menu says so
                tail = (*tail, ctx.fill(tree.settings.texts.speech_hint))
                told |= TOLD_SPEECH_HINT
            prompt = (*prompt[:-1], *tail, prompt[-1])
            fresh = State(node.id, state.trail, state.no_input, state.invalid, state.steps,
                          told=told)  # fmt: skip
            return Outcome((Ask(prompt, fresh, hints),), node.id, CallEvent.ENTERED)
        case MessageNode():
            texts = node.say
            if node.id == tree.settings.after_hours and ctx.messages.get("after_hours"):
                texts = ctx.messages["after_hours"]  # an after-hours text swapped in by schedule
            said, state = ctx.texts(texts, state)
            if node.next == BACK:
                nxt = _back(ctx, state)
            else:
                nxt = enter(ctx, state.at(node.next), hops=hops + 1)
            return Outcome((*said, *nxt.actions), node.id, CallEvent.MESSAGE, nxt.node)
        case TransferNode():
            return _transfer(ctx, node, state, hops)
        case HangupNode():
            said, state = ctx.texts(node.say, state)
            return Outcome((*said, Hangup()), node.id, CallEvent.HANGUP)
        case SelfServiceNode():
            return Outcome((ask_code(state.at(node.id)),), node.id, CallEvent.SELF_SERVICE)
        case _:
            assert_never(node)


def ask_code(state: State) -> Ask:
    """Ask a student for their code (its digits, then '#'): the first self-service step."""
    return Ask(
        (
            "Para conocer su estado de cuenta, marque su código de estudiante, solo los "
            "números, y al final la tecla numeral.",
        ),
        replace(state, step="code"),
        route=Route.SELFSERVICE,
        digits=12,
        speech=False,
    )


def handle_input(
    ctx: CallContext,
    state: State,
    digits: str | None,
    speech: str | None,
    confidence: float | None = None,
) -> Outcome:
    """Answer a caller's key press or phrase (or silence) in the menu ``state.node``.

    ``confidence`` is Twilio's speech Confidence (0.0-1.0), when it sent one. A phrase may
    reach any destination of the tree (``ivr.core.speech``); when it is unsure, the caller is
    asked, and the answer comes back here with the question in ``state.step``.
    """
    tree = ctx.tree
    settings = tree.settings
    state = replace(state, steps=state.steps + 1)
    menu = tree.node(state.node)
    if not isinstance(menu, MenuNode):  # stale URL or a reload removed it
        return _restart(ctx, state, 0)
    key = (digits or "").strip()
    said = (speech or "").strip()
    if not key and not said:
        if state.no_input + 1 >= PERSON_AFTER_SILENCES and _person_open(ctx):
            return _to_person(ctx, menu, state, "no_input", said)
        if state.no_input + 1 >= settings.max_no_input:
            return _too_many(ctx, state, "no_input")
        again = enter(ctx, replace(state, no_input=state.no_input + 1, step=""))
        return Outcome((Say(settings.texts.no_input), *again.actions), menu.id, CallEvent.NO_INPUT)
    offered = offered_in(tree, state.step)
    if offered:
        answered = _answer_question(ctx, menu, state, offered, key, said)
        if answered is not None:
            return answered
    if key:
        return _key(ctx, menu, state, key, said)
    heard = understand(tree, menu, said)
    if heard.key is not None:
        return _key(ctx, menu, state, heard.key, said)
    if heard.navigation is not None:
        return _key(ctx, menu, state, heard.navigation, said)
    unsure = confidence is not None and confidence < LOW_CONFIDENCE
    if heard.go is not None and unsure:
        # the recogniser is unsure of the words: confirm the one they point to
        return _which(ctx, menu, state, (heard.go,), said)
    if heard.go == menu.id:  # the caller named the menu they are in: they hear it again
        return replace(enter(ctx, replace(state, no_input=0, step="")), event=CallEvent.REPEAT)
    if heard.go is not None:
        return _go(ctx, menu, state, heard.go, said)
    if heard.offered:
        return _which(ctx, menu, state, heard.offered, said)
    if heard.unsure and _person_open(ctx):
        return _to_person(ctx, menu, state, "unsure", said)
    return _not_understood(ctx, state, heard)


PERSON_AFTER_SILENCES = 2  # a caller silent twice is put through to a person, when one is open
NAVIGATION = ("repeat", "back", "main_menu")


def _key(ctx: CallContext, menu: MenuNode, state: State, key: str, said: str) -> Outcome:
    """Answer a key of the menu (pressed, or said as a word) or a navigation action."""
    settings = ctx.tree.settings
    nav = settings.navigation
    if key in (nav.repeat, "repeat"):
        return replace(enter(ctx, replace(state, no_input=0, step="")), event=CallEvent.REPEAT)
    if key in (nav.back, "back"):
        return replace(_back(ctx, state), event=CallEvent.BACK)
    if key in (nav.main_menu, "main_menu"):
        return replace(enter(ctx, state.at(settings.start, ())), event=CallEvent.MAIN_MENU)
    option = menu.option_for_key(key) if len(key) == 1 else None
    if option is None:
        if state.invalid + 1 >= settings.max_invalid:
            return _too_many(ctx, state, "invalid")
        again = enter(ctx, replace(state, invalid=state.invalid + 1, no_input=0, step=""))
        return Outcome((Say(settings.texts.invalid), *again.actions), menu.id, CallEvent.INVALID)
    return _go(ctx, menu, state, option.target, said or key)


def _go(ctx: CallContext, menu: MenuNode, state: State, target: str, said: str) -> Outcome:
    """Take the caller from ``menu`` to ``target``; "back" there returns to this menu."""
    trail = (*state.trail, menu.id)[-MAX_TRAIL:]
    nxt = enter(ctx, state.at(target, trail))
    return replace(nxt, said=said[:100])


def _not_understood(ctx: CallContext, state: State, heard: Heard) -> Outcome:
    """Say a phrase was not understood, then the menu again; too many: the failure node."""
    settings = ctx.tree.settings
    if state.invalid + 1 >= settings.max_invalid:
        return _too_many(ctx, state, "invalid")
    again = enter(ctx, replace(state, invalid=state.invalid + 1, no_input=0, step=""))
    return Outcome(
        (Say(settings.texts.not_understood), *again.actions), state.node, CallEvent.INVALID
    )


def _person_open(ctx: CallContext) -> bool:
    """Whether a person can take the call now (settings.human, a desk that is open)."""
    node = ctx.tree.node(ctx.tree.settings.person)
    return isinstance(node, TransferNode) and ctx.status(node.line).open


def _to_person(ctx: CallContext, menu: MenuNode, state: State, why: str, said: str) -> Outcome:
    """Put a caller who does not know what to choose through to a person."""
    outcome = _go(ctx, menu, state, ctx.tree.settings.person, said)
    return replace(outcome, event=CallEvent.TO_PERSON, detail=why)


def _question_keys(menu: MenuNode, offered: tuple[str, ...]) -> tuple[str, ...]:
    """Return the key that answers for each destination offered: the menu's own key when every
    one is an option of this menu, else 1 and 2 in the order they are offered."""
    keys = []
    for node_id in offered:
        option = next((o for o in menu.options if o.target == node_id), None)
        if option is None:
            return tuple(str(position + 1) for position in range(len(offered)))
        keys.append(option.key)
    return tuple(keys)


def _answer_question(
    ctx: CallContext,
    menu: MenuNode,
    state: State,
    offered: tuple[str, ...],
    key: str,
    said: str,
) -> Outcome | None:
    """Answer "¿Quiso decir ...?": a key or "la primera" picks, "no" returns to the menu.

    None when the answer is something else: it is then taken as said at the menu.
    """
    keys = _question_keys(menu, offered)
    if not key:
        words = [w for w in normalise(said).split() if w not in ("la", "el", "opcion")]
        if len(words) == 1 and words[0] in DIGIT_WORDS:
            key = DIGIT_WORDS[words[0]]  # "la dos": the key said as a word
    if key:
        return _go(ctx, menu, state, offered[keys.index(key)], key) if key in keys else None
    answer = reply(ctx.tree, offered, said)
    if answer is None and YES & set(normalise(said).split()) and len(offered) > 1:
        # "sí" to a question between two says neither: the same question again
        if state.invalid + 1 >= ctx.tree.settings.max_invalid:
            return _too_many(ctx, state, "invalid")
        return _which(ctx, menu, replace(state, invalid=state.invalid + 1), offered, said)
    if answer is None:
        return None
    if answer is False:  # "no": the menu again, from its first option
        return replace(enter(ctx, replace(state, no_input=0, step="")), event=CallEvent.NOT_MEANT)
    return _go(ctx, menu, state, offered[int(answer)], said)


def _which(
    ctx: CallContext, menu: MenuNode, state: State, offered: tuple[str, ...], said: str
) -> Outcome:
    """Ask the caller which of one or two destinations they meant ("¿Quiso decir ...?")."""
    names = [ctx.fill(speech_index(ctx.tree).destinations[node].name) for node in offered]
    keys = _question_keys(menu, offered)
    both = names[0] if len(names) == 1 else _either(names[0], names[1])
    choose = " ".join(f"Para {name}, marque {key}." for name, key in zip(names, keys, strict=True))
    _, hints = _menu_parts(menu, ctx.tree.settings)
    here = replace(state, no_input=0, step=question_step(ctx.tree, offered))
    return Outcome(
        (Ask((f"¿Quiso decir {both}? {choose}",), here, hints),),
        menu.id,
        CallEvent.AMBIGUOUS,
        said[:100],
    )


def _either(first: str, second: str) -> str:
    """Join two names with "o", or "u" before a word that sounds o- ("Help Desk u orientación")."""
    joiner = "u" if normalise(second).startswith(("o", "ho")) else "o"
    return f"{first} {joiner} {second}"


def transfer_result(ctx: CallContext, state: State, connected: bool) -> Outcome:
    """Answer when a <Dial> or <Enqueue> ends: hang up after a real conversation, else apologise."""
    if connected:
        return Outcome((Hangup(),), state.node, CallEvent.TRANSFER_DONE)
    goodbye = enter(ctx, state.at(ctx.tree.settings.goodbye))
    return Outcome(
        (Say(ctx.tree.settings.texts.transfer_failed), *goodbye.actions),
        state.node,
        CallEvent.TRANSFER_FAILED,
    )


def apology(ctx: CallContext, state: State) -> Outcome:
    """Answer after an internal error: apologise, then the failure destination (open or closed)."""
    nxt = enter(ctx, state.at(ctx.tree.settings.on_failure))
    return Outcome((Say(ctx.tree.settings.texts.error), *nxt.actions), state.node, CallEvent.ERROR)


@by_identity
def _menu_parts(node: MenuNode, settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return a menu's prompt template and speech hints: derived from configuration, once."""
    template = menu_prompt(node, settings, is_start=node.id == settings.start)
    hints = tuple({normalise(p): p for o in node.options for p in (o.label, *o.speech)}.values())
    return template, hints


# -- helpers ---------------------------------------------------------------------------------
MENU_CHANGED = "Nuestro menú acaba de cambiar. Le llevamos al menú principal."


def _restart(ctx: CallContext, state: State, hops: int) -> Outcome:
    """Continue at the main menu, saying why, when the caller's node no longer exists."""
    main = enter(ctx, state.at(ctx.tree.settings.start, ()), hops=hops + 1)
    return Outcome(
        (Say(MENU_CHANGED), *main.actions), main.node, CallEvent.MENU_CHANGED, state.node
    )


def _back(ctx: CallContext, state: State) -> Outcome:
    if not state.trail:
        return enter(ctx, state.at(ctx.tree.settings.start))
    return enter(ctx, state.at(state.trail[-1], state.trail[:-1]))


def _transfer(ctx: CallContext, node: TransferNode, state: State, hops: int) -> Outcome:
    status = ctx.status(node.line)
    if not status.open:
        return _closed_desk(ctx, node, state, hops)
    said = [Say(ctx.fill(node.say))] if node.say else []
    here = state.at(node.id)
    verb: Action = Enqueue(node.queue, here) if node.queue else Dial(str(node.dial), here)
    return Outcome((*said, verb), node.id, CallEvent.TRANSFER, node.queue or "dial")


def _closed_desk(ctx: CallContext, node: TransferNode, state: State, hops: int) -> Outcome:
    """Answer a desk asked for while its line is closed, each time it is asked.

    First the desk's hours and when it opens again (``closed_desk_notice``); then the node the
    desk names for when it is closed (settings.after_hours by default), whose texts and options
    offer the other channels: re-armed here, so a caller who asks again hears them again.
    """
    status = ctx.status(node.line)
    said: list[Action] = []
    if status.message and not (node.line == CENTRAL and state.told & TOLD_CLOSED):
        said.append(Say(ctx.fill(status.message)))  # why (an emergency), not heard yet
    said.append(Say(closed_desk_notice(ctx, node)))
    told = state.told & ~TOLD_ALTERNATIVES
    if node.line == CENTRAL:
        told |= TOLD_CLOSED  # when it opens again is said: {closed} would repeat it
    offer = ctx.callback_offer(node) if node.queue else None
    if offer is not None:  # the desk's agents call back in its next opening window
        ask = Ask(
            (f"Podemos llamarle {offer}. Si lo desea, marque {KEY_ACCEPT}.",),
            replace(state.at(node.id), step="offer", told=told),
            route=Route.DESK_CALLBACK,
            speech=False,
        )
        return Outcome((*said, ask), node.id, CallEvent.AFTER_HOURS, f"{node.id} callback offered")
    target = node.when_closed(ctx.tree.settings)
    nxt = enter(ctx, replace(state.at(target), told=told), hops=hops + 1)
    return Outcome((*said, *nxt.actions), node.id, CallEvent.AFTER_HOURS, node.id)


def _too_many(ctx: CallContext, state: State, kind: str) -> Outcome:
    settings = ctx.tree.settings
    nxt = enter(ctx, state.at(settings.on_failure))
    return Outcome(
        (Say(settings.texts.too_many_failures), *nxt.actions), state.node, CallEvent.FAILED, kind
    )


def _goodbye(ctx: CallContext, state: State, reason: str) -> Outcome:
    node = ctx.tree.node(ctx.tree.settings.goodbye)
    said, _ = ctx.texts(node.say, state) if isinstance(node, HangupNode) else ([], state)
    return Outcome((*said, Hangup()), state.node, CallEvent.FAILED, reason)
