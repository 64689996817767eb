"""Self-service by phone: prove who you are, then hear your balance and due dates.

The dialogue (student menu option 5, open at any hour):
  code  -> the caller keys the digits of their student code, then '#'
  dni   -> the last four digits of their DNI, then '#'
  menu  -> after the statement: 1 repeat, 2 cuota by cuota, 3 early payment, 4 Facturación
           (offered only while it is open), 0 main menu, '#' back, '*' repeat the options

An unknown code and a wrong DNI get the same answer. Three failures end the attempt in this
call (the count lives in the call's server-side session, so re-entering does not reset it);
repeated failures on one code across calls lock it (the ledger's lockout policy) and the caller
hears that generically. The verified code stays in the server-side session, never in a URL or a
log: outcomes carry at most its last three characters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal, Protocol

from ivr.core.codes import mask_code
from ivr.core.events import CallEvent
from ivr.core.fees import statement as build_statement
from ivr.core.fees.model import Account, Billing
from ivr.core.fees.policy import UnknownTermError
from ivr.core.fees.statement import Statement
from ivr.core.flow import Ask, CallContext, Outcome, Say, State, ask_code, enter
from ivr.core.menu import SelfServiceNode, TransferNode, spoken_key, spoken_name
from ivr.core.routes import Route
from ivr.core.say import split_for_say
from ivr.core.selfservice import script

MAX_FAILURES = 3  # wrong code or DNI in one call
KEY_STOP_REMINDERS = "5"  # after the statement: no more due-date reminders by SMS
ASK_STOP_REMINDERS = "Para dejar de recibir recordatorios de pago por mensaje de texto, marque 5."
REMINDERS_STOPPED = "Listo. Ya no le enviaremos recordatorios de pago por mensaje de texto."
# Stands for settings.texts.statement_channels (the institution's channels) in what is said.
CHANNELS = "{statement_channels}"
ASK_DNI = "Ahora marque los cuatro últimos dígitos de su DNI, y al final la tecla numeral."
MISMATCH = "Los datos ingresados no coinciden con nuestros registros."
GAVE_UP = "No pudimos verificar sus datos."
LOCKED = (
    "Por su seguridad, la consulta telefónica de este código está bloqueada por un tiempo, "
    "después de varios intentos fallidos. Intente más tarde."
)
UNAVAILABLE = "En este momento no podemos consultar su estado de cuenta."
PAUSED = (
    "Por seguridad, la consulta telefónica de estado de cuenta está en pausa por un tiempo. "
    "Intente más tarde."
)
NOT_CONFIGURED = "La consulta de estado de cuenta no está disponible en este momento."


VerifyStatus = Literal["verified", "rejected", "locked"]


@dataclass(frozen=True, slots=True)
class VerifyOutcome:
    """The answer to a phone verification.

    An unknown code and a wrong second factor are both ``rejected`` with no code, so the
    caller cannot tell them apart; ``locked`` means too many recent failures on that code.
    """

    status: VerifyStatus
    code: str | None = None  # the full student code, only when verified
    repeated: bool = False  # this very attempt was answered before (a retried webhook)

    @property
    def verified(self) -> bool:
        return self.status == "verified"


class PhoneServices(Protocol):
    """What the dialogue needs from storage, for this call."""

    @property
    def billing(self) -> Billing: ...

    def verify(self, code_digits: str, dni_last4: str) -> VerifyOutcome: ...

    def account(self, code: str) -> Account | None: ...

    def session(self) -> dict[str, Any]: ...

    def save(self, data: dict[str, Any]) -> None: ...

    def paused(self) -> bool:
        """Whether self-service is paused for callers not yet verified (codes being guessed)."""
        ...

    @property
    def reminders(self) -> bool:
        """Whether due-date reminders by SMS are on (then the menu offers to stop them)."""
        ...

    def stop_reminders(self, code: str) -> None:
        """Stop the due-date reminders to this verified student (raises Unavailable)."""
        ...


class Unavailable(Exception):
    """The ledger or the session store cannot be used right now."""


log = logging.getLogger("ivr.selfservice")


def statement_of(services: PhoneServices, code: str, today: date) -> Statement | None:
    """Compute a verified student's statement from the account the store hands over."""
    account = services.account(code)
    if account is None:
        return None
    try:
        return build_statement(account, services.billing, today)
    except UnknownTermError:  # an enrolment in a term billing/terms.yaml does not know
        log.exception("cannot build the statement of %s", mask_code(code))
        return None


def handle(
    ctx: CallContext,
    node: SelfServiceNode,
    state: State,
    digits: str,
    services: PhoneServices | None,
) -> Outcome:
    """Answer one self-service step; never lets a storage failure reach the caller as silence."""
    if services is None:
        return _leave(ctx, node, state, (NOT_CONFIGURED, CHANNELS), CallEvent.UNCONFIGURED)
    step = state.step if state.step in STEPS else "code"
    keyed = digits.strip()[:16]
    if step != "menu":  # a code or DNI: only its digits count
        keyed = "".join(ch for ch in keyed if ch.isdigit())
    try:
        return STEPS[step](ctx, node, replace(state, steps=state.steps + 1), keyed, services)
    except Unavailable:
        return _unavailable(ctx, node, state)


def _code(
    ctx: CallContext, node: SelfServiceNode, state: State, keyed: str, services: PhoneServices
) -> Outcome:
    session = services.session()
    if int(session.get("failures", 0)) >= MAX_FAILURES:  # this call already used its tries
        return _leave(ctx, node, state, (GAVE_UP, CHANNELS), CallEvent.SELF_SERVICE_FAILED)
    if not keyed:
        return _silence(ctx, node, state, ask_code(state))
    if services.paused():
        return _leave(ctx, node, state, (PAUSED, CHANNELS), CallEvent.SELF_SERVICE_PAUSED)
    session["pending"] = keyed
    services.save(session)
    ask = Ask((ASK_DNI,), replace(state, step="dni", no_input=0), route=Route.SELFSERVICE,
              digits=4, speech=False)  # fmt: skip
    return Outcome((ask,), node.id, CallEvent.SELF_SERVICE_CODE)


def _dni(
    ctx: CallContext, node: SelfServiceNode, state: State, keyed: str, services: PhoneServices
) -> Outcome:
    session = services.session()
    # The typed code stays in the session until another is typed: a retried webhook (a host
    # that died mid-request, retried on another) gets the same answer as the first try.
    pending = str(session.get("pending", ""))
    if not pending:  # the session expired: start again
        return Outcome((ask_code(state),), node.id, CallEvent.SELF_SERVICE_RESTART)
    if not keyed:
        again = Ask((ASK_DNI,), replace(state, no_input=state.no_input + 1),
                    route=Route.SELFSERVICE, digits=4, speech=False)  # fmt: skip
        return _silence(ctx, node, state, again)
    outcome = services.verify(pending, keyed)
    if outcome.verified and outcome.code:
        # The right answer never waits: unsaved (storage busy), the statement is still heard,
        # and the next step asks for the code again.
        with suppress(Unavailable):
            services.save({**session, "code": outcome.code})
        statement = statement_of(services, outcome.code, ctx.today)
        if statement is None:
            return _unavailable(ctx, node, state)
        policy = services.billing.policy
        said = speak(ctx, script.summary(statement, policy))
        menu = replace(state, step="menu", no_input=0, invalid=0)
        return Outcome(
            (*said, _menu_ask(ctx, node, menu, services, script.notes(statement, policy))),
            node.id,
            CallEvent.SELF_SERVICE_VERIFIED,
            mask_code(outcome.code),
        )
    if outcome.status == "locked":
        services.save({**session, "failures": MAX_FAILURES})
        return _leave(ctx, node, state, (LOCKED, CHANNELS), CallEvent.SELF_SERVICE_LOCKED)
    failures = int(session.get("failures", 0)) + (0 if outcome.repeated else 1)
    services.save({**session, "failures": failures})
    if failures >= MAX_FAILURES:
        return _leave(ctx, node, state, (GAVE_UP, CHANNELS), CallEvent.SELF_SERVICE_FAILED)
    retry = ask_code(replace(state, no_input=0))
    return Outcome((Say(MISMATCH), retry), node.id, CallEvent.SELF_SERVICE_REJECTED)


def _menu(
    ctx: CallContext, node: SelfServiceNode, state: State, keyed: str, services: PhoneServices
) -> Outcome:
    code = services.session().get("code")
    if not code:
        return Outcome((ask_code(state),), node.id, CallEvent.SELF_SERVICE_RESTART)
    settings = ctx.tree.settings
    nav = settings.navigation
    if not keyed:
        if state.no_input + 1 >= settings.max_no_input:
            return _leave(ctx, node, state, (), CallEvent.SELF_SERVICE_DONE)
        again = _menu_ask(ctx, node, replace(state, no_input=state.no_input + 1), services)
        return Outcome((Say(settings.texts.no_input), again), node.id, CallEvent.NO_INPUT)
    if keyed in ("1", "2", "3"):
        statement = statement_of(services, str(code), ctx.today)
        if statement is None:
            return _unavailable(ctx, node, state)
        policy = services.billing.policy
        scripts = {"1": script.summary, "2": script.detail, "3": script.early_payment}
        said = speak(ctx, scripts[keyed](statement, policy))
        after = script.notes(statement, policy) if keyed == "1" else ()
        ask = _menu_ask(ctx, node, replace(state, no_input=0, invalid=0), services, after)
        return Outcome((*said, ask), node.id, CallEvent.SELF_SERVICE_HEARD, keyed)
    if keyed == KEY_STOP_REMINDERS and services.reminders:
        services.stop_reminders(str(code))
        ask = _menu_ask(ctx, node, replace(state, no_input=0, invalid=0), services)
        return Outcome((Say(REMINDERS_STOPPED), ask), node.id, CallEvent.REMINDERS_STOPPED)
    if keyed == "4" and node.billing_desk:
        nxt = enter(ctx, state.at(node.billing_desk))
        return replace(nxt, said="4")
    if keyed == nav.repeat:
        return Outcome((_menu_ask(ctx, node, state, services),), node.id, CallEvent.REPEAT)
    if keyed == nav.main_menu:
        return replace(enter(ctx, state.at(settings.start, ())), event=CallEvent.MAIN_MENU)
    if keyed == nav.back:
        return replace(enter(ctx, state.at(node.next)), event=CallEvent.BACK)
    if state.invalid + 1 >= settings.max_invalid:
        return _leave(ctx, node, state, (settings.texts.too_many_failures,), CallEvent.FAILED)
    again = _menu_ask(ctx, node, replace(state, invalid=state.invalid + 1, no_input=0), services)
    return Outcome((Say(settings.texts.invalid), again), node.id, CallEvent.INVALID)


def speak(ctx: CallContext, sentences: tuple[str, ...]) -> tuple[Say, ...]:
    """Say a statement's sentences in as few <Say>s as the voice allows.

    One synthesis per block: the caller hears one flowing answer, and there is less to render.
    """
    return tuple(Say(block) for block in split_for_say(sentences))


def _menu_ask(
    ctx: CallContext,
    node: SelfServiceNode,
    state: State,
    services: PhoneServices,
    notes: tuple[str, ...] = (),
) -> Ask:
    """Ask the statement's options; ``notes`` (``script.notes``) follow them, before the keys
    that repeat and go back: the caller hears the first option within about 70 words."""
    options = [
        "Para escuchar de nuevo su estado de cuenta, marque 1.",
        "Para el detalle cuota por cuota, marque 2.",
        "Para información sobre el descuento por pronto pago, marque 3.",
    ]
    desk = ctx.tree.node(node.billing_desk) if node.billing_desk else None
    if isinstance(desk, TransferNode) and ctx.status(desk.line).open:
        # the desk's spoken name is the operator's (menus/): "Facturación" in the shipped files
        options.append(f"Para hablar con {spoken_name(ctx.tree, desk.id)}, marque 4.")
    if services.reminders:
        options.append(ASK_STOP_REMINDERS)
    options += [ctx.fill(note) for note in notes]
    nav = ctx.tree.settings.navigation
    options.append(
        f"Para repetir estas opciones, marque {spoken_key(nav.repeat)}. Para volver, marque "
        f"{spoken_key(nav.back)}. Para el menú principal, marque {spoken_key(nav.main_menu)}."
    )
    return Ask(tuple(options), replace(state, step="menu"), route=Route.SELFSERVICE, digits=1,
               speech=False)  # fmt: skip


def _silence(ctx: CallContext, node: SelfServiceNode, state: State, again: Ask) -> Outcome:
    if state.no_input + 1 >= ctx.tree.settings.max_no_input:
        return _leave(ctx, node, state, (CHANNELS,), CallEvent.NO_INPUT)
    again = replace(again, state=replace(again.state, no_input=state.no_input + 1))
    return Outcome((Say(ctx.tree.settings.texts.no_input), again), node.id, CallEvent.NO_INPUT)


def _leave(
    ctx: CallContext, node: SelfServiceNode, state: State, texts: tuple[str, ...], event: CallEvent
) -> Outcome:
    nxt = enter(ctx, state.at(node.next))
    said = tuple(Say(ctx.fill(t)) for t in _with_channels(ctx, texts) if t)
    return Outcome((*said, *nxt.actions), node.id, event)


def _with_channels(ctx: CallContext, texts: tuple[str, ...]) -> tuple[str, ...]:
    """Put the operator's other channels for a statement (settings.texts) where CHANNELS is."""
    channels = ctx.tree.settings.texts.statement_channels
    return tuple(channels if t == CHANNELS else t for t in texts)


def _unavailable(ctx: CallContext, node: SelfServiceNode, state: State) -> Outcome:
    """The ledger is down: apologise, then offer Facturación when open, else the channels."""
    said = (Say(UNAVAILABLE),)
    desk = ctx.tree.node(node.billing_desk) if node.billing_desk else None
    if isinstance(desk, TransferNode) and ctx.status(desk.line).open:
        nxt = enter(ctx, state.at(desk.id))
        return Outcome((*said, *nxt.actions), node.id, CallEvent.SELF_SERVICE_UNAVAILABLE)
    return _leave(ctx, node, state, (UNAVAILABLE, CHANNELS), CallEvent.SELF_SERVICE_UNAVAILABLE)


Step = Callable[[CallContext, SelfServiceNode, State, str, PhoneServices], Outcome]
STEPS: dict[str, Step] = {"code": _code, "dni": _dni, "menu": _menu}
