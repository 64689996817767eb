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
)
from ivr.core.speech import match, normalise

CENTRAL = "central"  # the line whose state callers hear about when they call
MAX_TRAIL = 12  # menus remembered for "back"
MAX_HOPS = 20  # nodes followed in one answer without the caller's input


class LineStatusLike(Protocol):
    @property
    def open(self) -> bool: ...

    @property
    def message(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class State:
    """Where a caller is: the node, the menus behind it, failures so far, steps taken."""

    node: str
    trail: tuple[str, ...] = ()
    no_input: int = 0
    invalid: int = 0
    steps: int = 0
    step: str = ""  # a sub-step inside a node (self-service: code, dni, menu)


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
    route: str = "menu"
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
    event: str  # entered, invalid, no_input, failed, transfer, after_hours, message, ...
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

    @property
    def today(self) -> date:
        return self.now.date()

    @cached_property
    def messages(self) -> Mapping[str, tuple[str, ...]]:
        return self.active()

    def fill(self, text: str) -> str:
        campus = self.line.names if self.line else "la universidad"
        if "{" not in text:
            return text
        return text.format(campus=campus, hours=self.hours)


# -- entry points ------------------------------------------------------------------------------
def start(ctx: CallContext) -> Outcome:
    """Greet the caller for the campus they dialled, play announcements, ask the main menu."""
    texts = ctx.tree.settings.texts
    greeting = ctx.messages.get("greeting") or (
        texts.greeting if ctx.line else texts.greeting_unknown,
    )
    said = [Say(ctx.fill(text)) for text in greeting]
    central = ctx.status(CENTRAL)
    if not central.open and central.message:  # an emergency, a closure or a holiday says why
        said.append(Say(central.message))
    said += [Say(ctx.fill(text)) for text in ctx.messages.get("announcement", ())]
    entered = enter(ctx, State(ctx.tree.settings.start, steps=1))
    return replace(entered, actions=(*said, *entered.actions), event="call_start")


def enter(ctx: CallContext, state: State, *, hops: int = 0) -> Outcome:
    """Answer for arriving at ``state.node``: speak and ask, or transfer, or hang up."""
    tree = ctx.tree
    node = tree.node(state.node)
    if node is None:  # the node vanished in a reload: continue at the main menu, politely
        return _restart(ctx, state, hops)
    if hops > MAX_HOPS or state.steps > tree.settings.max_steps:
        return _goodbye(ctx, state, "too_many_steps")
    match node:
        case MenuNode():
            template, hints = _menu_parts(node, tree.settings)
            prompt = tuple(ctx.fill(t) for t in template)
            fresh = State(node.id, state.trail, state.no_input, state.invalid, state.steps)
            return Outcome((Ask(prompt, fresh, hints),), node.id, "entered")
        case MessageNode():
            texts = node.say
            if node.id == tree.settings.after_hours and ctx.messages.get("after_hours"):
                texts = ctx.messages["after_hours"]  # an after-hours text swapped in by schedule
            said = tuple(Say(ctx.fill(t)) for t in texts)
            if node.next == BACK:
                nxt = _back(ctx, state)
            else:
                nxt = enter(ctx, State(node.next, state.trail, steps=state.steps), hops=hops + 1)
            return Outcome((*said, *nxt.actions), node.id, "message", nxt.node)
        case TransferNode():
            return _transfer(ctx, node, state, hops)
        case HangupNode():
            return Outcome((*(Say(ctx.fill(t)) for t in node.say), Hangup()), node.id, "hangup")
        case SelfServiceNode():
            here = State(node.id, state.trail, steps=state.steps)
            return Outcome((ask_code(here),), node.id, "selfservice")
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
        route="selfservice",
        digits=12,
        speech=False,
    )


def handle_input(ctx: CallContext, state: State, digits: str | None, speech: str | None) -> Outcome:
    """Answer a caller's key press or phrase (or silence) in the menu ``state.node``."""
    tree = ctx.tree
    settings = tree.settings
    state = replace(state, steps=state.steps + 1)
    menu = tree.node(state.node)
    if not isinstance(menu, MenuNode):  # stale URL or a reload removed it
        return _restart(ctx, state, 0)
    key = (digits or "").strip()
    said = (speech or "").strip()
    if not key and not said:
        if state.no_input + 1 >= settings.max_no_input:
            return _too_many(ctx, state, "no_input")
        again = enter(ctx, replace(state, no_input=state.no_input + 1))
        return Outcome((Say(settings.texts.no_input), *again.actions), menu.id, "no_input")
    choice = key if key else match(menu, said)
    nav = settings.navigation
    if choice in (nav.repeat, "repeat"):
        return replace(enter(ctx, replace(state, no_input=0)), event="repeat")
    if choice in (nav.back, "back"):
        return replace(_back(ctx, state), event="back")
    if choice in (nav.main_menu, "main_menu"):
        return replace(enter(ctx, State(settings.start, steps=state.steps)), event="main_menu")
    option = menu.option_for_key(choice) if choice and len(choice) == 1 else None
    if option is None:
        if state.invalid + 1 >= settings.max_invalid:
            return _too_many(ctx, state, "invalid")
        again = enter(ctx, replace(state, invalid=state.invalid + 1, no_input=0))
        return Outcome((Say(settings.texts.invalid), *again.actions), menu.id, "invalid")
    trail = (*state.trail, menu.id)[-MAX_TRAIL:]
    nxt = enter(ctx, State(option.target, trail, steps=state.steps))
    return replace(nxt, said=key or said[:100])


def transfer_result(ctx: CallContext, state: State, connected: bool) -> Outcome:
    """Answer when a <Dial> or <Enqueue> ends: hang up after a real conversation, else apologise."""
    if connected:
        return Outcome((Hangup(),), state.node, "transfer_done")
    goodbye = enter(ctx, State(ctx.tree.settings.goodbye, steps=state.steps))
    return Outcome(
        (Say(ctx.tree.settings.texts.transfer_failed), *goodbye.actions),
        state.node,
        "transfer_failed",
    )


def apology(ctx: CallContext, state: State) -> Outcome:
    """Answer after an internal error: apologise, then the failure destination (open or closed)."""
    nxt = enter(ctx, State(ctx.tree.settings.on_failure, steps=state.steps))
    return Outcome((Say(ctx.tree.settings.texts.error), *nxt.actions), state.node, "error")


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
    main = enter(ctx, State(ctx.tree.settings.start, steps=state.steps), hops=hops + 1)
    return Outcome((Say(MENU_CHANGED), *main.actions), main.node, "menu_changed", state.node)


def _back(ctx: CallContext, state: State) -> Outcome:
    if not state.trail:
        return enter(ctx, State(ctx.tree.settings.start, steps=state.steps))
    return enter(ctx, State(state.trail[-1], state.trail[:-1], steps=state.steps))


def _transfer(ctx: CallContext, node: TransferNode, state: State, hops: int) -> Outcome:
    status = ctx.status(node.line)
    if not status.open:
        said: list[Action] = [Say(status.message)] if status.message else []
        target = node.when_closed(ctx.tree.settings)
        nxt = enter(ctx, State(target, state.trail, steps=state.steps), hops=hops + 1)
        return Outcome((*said, *nxt.actions), node.id, "after_hours", node.id)
    said = [Say(ctx.fill(node.say))] if node.say else []
    here = State(node.id, state.trail, steps=state.steps)
    verb: Action = Enqueue(node.queue, here) if node.queue else Dial(str(node.dial), here)
    return Outcome((*said, verb), node.id, "transfer", node.queue or "dial")


def _too_many(ctx: CallContext, state: State, kind: str) -> Outcome:
    settings = ctx.tree.settings
    nxt = enter(ctx, State(settings.on_failure, steps=state.steps))
    return Outcome(
        (Say(settings.texts.too_many_failures), *nxt.actions), state.node, "failed", kind
    )


def _goodbye(ctx: CallContext, state: State, reason: str) -> Outcome:
    node = ctx.tree.node(ctx.tree.settings.goodbye)
    said = [Say(ctx.fill(t)) for t in node.say] if isinstance(node, HangupNode) else []
    return Outcome((*said, Hangup()), state.node, "failed", reason)
