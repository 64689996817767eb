"""``ivr simulate``: a caller in the terminal, through the very webhooks Twilio calls.

Nothing here decides what a caller hears. The command posts signed requests to the running
app's own routes with Flask's test client (``/voice``, then each <Gather>'s action, or its
<Redirect> on silence), with the runtime's clock pinned to the chosen instant, and prints the
TwiML it gets back as an operator reads it: what is said, what is asked, where the call goes.

A simulated call is kept out of the call records, but like a real call it uses the stores the
webhooks use (self-service sessions, and the ledger, whose verification failures count towards
a code's lockout), under its own fresh CallSid.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from ivr.cli.params import LIMA_INSTANT
from ivr.core.menu import MenuNode, MenuTree, TransferNode
from ivr.core.say import WORDS_PER_MINUTE, speaking_seconds, word_count, words_before_option
from ivr.core.schedule.snapshot import describe_active, describe_line, take_snapshot, when
from ivr.core.speech import Heard, understand
from ivr.core.speech import index as speech_index
from ivr.observability.calls import NullCallRecorder
from ivr.runtime import Runtime, current_runtime
from ivr.twiml.reader import (
    Dialled,
    Enqueued,
    Gathered,
    HungUp,
    Other,
    Played,
    Redirected,
    Said,
    Verb,
    read_twiml,
)

SIMULATED_FROM = "+51900000000"  # the caller's number; nothing in the flow depends on it
BASE_URL = "http://localhost"  # where the test client sends requests (and what it signs)
MAX_REQUESTS = 200  # a loop guard for interactive sessions; the flow ends calls far sooner
KEYS = re.compile(r"^[0-9*#]+$")
INDENT = "   "

StepKind = Literal["keys", "speech", "silence", "hangup"]


@dataclass(frozen=True, slots=True)
class Step:
    """One answer of the caller: keys, a phrase said, silence, or hanging up."""

    kind: StepKind
    value: str = ""


def parse_presses(text: str) -> tuple[Step, ...]:
    """Return the steps of ``--press``: '2,1', '2,"aula virtual"', '2,silence'.

    Raise ValueError with what to write instead.
    """
    steps: list[Step] = []
    index, size = 0, len(text)
    while True:
        while index < size and text[index] == " ":
            index += 1
        if index < size and text[index] in "\"'":
            quote = text[index]
            end = text.find(quote, index + 1)
            if end < 0:
                raise ValueError(f"the phrase starting at {text[index:]!r} has no closing {quote}")
            phrase = text[index + 1 : end].strip()
            if not phrase:
                raise ValueError("an empty phrase in quotes; write silence for no answer")
            steps.append(Step("speech", phrase))
            index = end + 1
            while index < size and text[index] == " ":
                index += 1
            if index < size and text[index] != ",":
                raise ValueError(f"expected a comma after the phrase {phrase!r}")
        else:
            end = text.find(",", index)
            end = size if end < 0 else end
            steps.append(_step(text[index:end].strip()))
            index = end
        if index >= size:
            return tuple(steps)
        index += 1  # the comma


def _step(token: str) -> Step:
    if not token:
        raise ValueError("an empty step; write silence for no answer")
    if token.casefold() == "silence":
        return Step("silence")
    if KEYS.match(token):
        return Step("keys", token)
    raise ValueError(
        f"{token!r} is neither keys (0-9, *, #) nor silence; "
        f"put a phrase in quotes to say it: --press '2,\"{token}\"'"
    )


def interactive_step(line: str) -> Step:
    """Return the step a person typed: Enter = silence, q = hang up, keys, or words."""
    text = line.strip()
    if not text:
        return Step("silence")
    if text.casefold() in {"q", "quit"}:
        return Step("hangup")
    if KEYS.match(text):
        return Step("keys", text)
    return Step("speech", text.strip("\"'").strip() or text)


# -- the command -------------------------------------------------------------------------------
@click.command("simulate")
@click.option("--to", "to", metavar="NUMBER", help="The number called, e.g. +5110000000.")
@click.option(
    "--say",
    "phrase",
    metavar="PHRASE",
    help="Show where a phrase said at a menu goes and why (the ranking), without a call.",
)
@click.option(
    "--menu",
    "menu_id",
    metavar="NODE",
    help="With --say: the menu the phrase is said at (default: the main menu).",
)
@click.option("--at", type=LIMA_INSTANT, help="When the call happens, Lima time (default: now).")
@click.option(
    "--press",
    "press_text",
    metavar="STEPS",
    help="The caller's answers, comma separated: keys (2), a phrase in quotes for speech "
    '("aula virtual"), or silence. Without --press you answer at each question.',
)
@click.option(
    "--words",
    is_flag=True,
    help="After each answer, the words spoken and the seconds they take at 150 words a minute, "
    "and how many come before the first option; the call's total at the end.",
)
@click.option(
    "--queue-position",
    type=click.IntRange(1, 1000),
    help="When the call reaches a desk's queue, play the wait answer at this place in it.",
)
@with_appcontext
def simulate_command(
    to: str | None,
    phrase: str | None,
    menu_id: str | None,
    at: datetime | None,
    press_text: str | None,
    words: bool,
    queue_position: int | None = None,
) -> None:
    """Play a call in the terminal: what the caller hears and where they go, at that instant."""
    runtime = current_runtime()
    if phrase is not None:
        click.echo(explain(runtime.config.menus, menu_id, phrase))
        return
    if to is None:
        raise click.UsageError("give --to NUMBER to play a call, or --say PHRASE to explain one")
    moment = at or runtime.now()
    try:
        steps = parse_presses(press_text) if press_text is not None else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--press'") from None
    answer = _ask_terminal if steps is None else None  # interactive without --press
    with sandbox(runtime, moment), current_app.test_client() as client:
        call = SimulatedCall(client, runtime, to, words=words)
        call.queue_position = queue_position
        click.echo(_header(runtime, to, moment))
        call.run(iter(steps) if steps is not None else None, answer)


def explain(tree: MenuTree, menu_id: str | None, phrase: str) -> str:
    """Return where ``phrase`` said at a menu goes and why: the decision, then the ranking."""
    menu = tree.node(menu_id or tree.settings.start)
    if not isinstance(menu, MenuNode):
        menus = ", ".join(sorted(n.id for n in tree.nodes.values() if isinstance(n, MenuNode)))
        raise click.BadParameter(
            f"{menu_id!r} is not a menu; menus: {menus}", param_hint="'--menu'"
        )
    heard = understand(tree, menu, phrase)
    out = [f'At menu {menu.id}, "{phrase}": {_decision(tree, heard)}', f"{INDENT}why: {heard.why}"]
    for place, ranked in enumerate(heard.ranking, start=1):
        here = " (an option of this menu)" if ranked.local else ""
        out.append(
            f"{INDENT}{place}. {ranked.node} {ranked.score:.2f}{here}: {'; '.join(ranked.because)}"
        )
    return "\n".join(out)


def _decision(tree: MenuTree, heard: Heard) -> str:
    names = speech_index(tree).destinations
    if heard.go is not None:
        return f"goes to {heard.go} ({names[heard.go].name})"
    if heard.offered:
        asked = " or ".join(f"{node} ({names[node].name})" for node in heard.offered)
        return f"asks which: {asked}"
    if heard.key is not None:
        return f"presses {heard.key}"
    if heard.navigation is not None:
        return f"navigates: {heard.navigation}"
    if heard.unsure:
        return "does not know: a person when one is open, else not understood"
    return "not understood"


@contextmanager
def sandbox(runtime: Runtime, moment: datetime) -> Iterator[None]:
    """Run the webhooks at ``moment`` for a simulated call, and undo everything afterwards.

    - the runtime's clock says ``moment``: the ivr.clock seam every webhook reads;
    - call records go to a NullCallRecorder, so ``ivr report`` never counts a simulated call;
    - without TWILIO_AUTH_TOKEN (an operator's machine, IVR_CLI) the webhooks would refuse
      every request, so the call is signed with a one-off token: the check still runs;
    - the webhooks' INFO log lines are held back: the terminal shows the narration only.
    """
    saved = (runtime.clock, runtime.calls, runtime.settings)
    logger = logging.getLogger("ivr")
    level = logger.level
    runtime.clock = lambda: moment
    runtime.calls = NullCallRecorder()
    if not runtime.settings.skip_signature and not runtime.settings.auth_token:
        runtime.settings = replace(runtime.settings, auth_token=secrets.token_hex(16))
    if logger.getEffectiveLevel() < logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        runtime.clock, runtime.calls, runtime.settings = saved
        logger.setLevel(level)


def _ask_terminal() -> Step:
    try:
        line = click.prompt(
            f"{INDENT}your answer (keys, words, Enter = silence, q = hang up)",
            default="",
            show_default=False,
            prompt_suffix="> ",
        )
    except click.Abort:  # end of input (Ctrl-D): the caller hangs up
        click.echo()
        return Step("hangup")
    return interactive_step(str(line))


def _header(runtime: Runtime, to: str, moment: datetime) -> str:
    config = runtime.config
    line = config.directory.line_for(to)
    where = line.names if line else "not a campus number: the general greeting"
    snapshot = take_snapshot(runtime.schedules, moment, runtime.override_store.get(moment))
    out = [f"Call to {to} ({where}) at {when(moment)}, America/Lima"]
    out += [f"{INDENT}{describe_line(name, status)}" for name, status in snapshot.lines]
    out.append(f"{INDENT}active messages: {describe_active(snapshot)}")
    return "\n".join(out)


# -- the call ----------------------------------------------------------------------------------
class SimulatedCall:
    """Posts Twilio's webhooks for one call, signed as Twilio signs them, and narrates."""

    def __init__(
        self, client: FlaskClient, runtime: Runtime, to: str, *, words: bool = False
    ) -> None:
        self.client = client
        self.words: list[int] | None = [] if words else None  # words spoken per answer
        self.runtime = runtime
        self.params = {
            "CallSid": "CA" + uuid.uuid4().hex,
            "AccountSid": "AC" + "0" * 32,
            "From": SIMULATED_FROM,
            "To": to,
            "Direction": "inbound",
            "CallStatus": "in-progress",
        }
        self.requests = 0
        self.queue_position: int | None = None  # play the wait answer at this place

    def post(self, url: str, extra: dict[str, str] | None = None) -> tuple[Verb, ...]:
        """POST a webhook like Twilio does and return the TwiML verbs of the answer."""
        response = self._send(url, extra)
        if response.status_code != 200:
            raise click.ClickException(
                f"{url} answered {response.status_code}: {response.get_data(as_text=True).strip()}"
            )
        try:
            return read_twiml(response.data)
        except ValueError as error:
            raise click.ClickException(f"{url} did not answer TwiML: {error}") from None

    def end(self) -> None:
        """Send Twilio's status callback for the end of the call, as the service receives it."""
        response = self._send("/voice/status", {"CallStatus": "completed", "CallDuration": "0"})
        if response.status_code >= 300:
            raise click.ClickException(f"/voice/status answered {response.status_code}")

    def _send(self, url: str, extra: dict[str, str] | None) -> TestResponse:
        self.requests += 1
        data = {**self.params, **(extra or {})}
        headers = {}
        settings = self.runtime.settings
        if not settings.skip_signature:
            # Twilio signs the URL it called plus the sorted POST parameters
            # (twilio.com/docs/usage/security#validating-requests); the app rebuilds that URL
            # from IVR_PUBLIC_URL when set (ivr.web.security.signed_url).
            signed = (settings.public_url or BASE_URL) + url
            token = str(settings.auth_token)
            headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(signed, data)
        return self.client.post(url, data=data, headers=headers, base_url=BASE_URL)

    def run(self, steps: Iterator[Step] | None, answer: Callable[[], Step] | None) -> None:
        """Walk the call: ``steps`` (from --press) or ``answer`` (interactive) at each question."""
        url = "/voice"
        extra: dict[str, str] = {}
        pending: TransferNode | None = None  # the desk the caller just chose, if any
        number = 0
        while True:
            number += 1
            click.echo(f"\n{number}. Twilio requests {_path(url)}")
            verbs = self.post(url, extra)
            ended = self._narrate(verbs, pending)
            self._count(verbs)
            if ended is not None:
                click.echo(f"\nResult: {ended}.")
                break
            gather = next((v for v in verbs if isinstance(v, Gathered)), None)
            redirect = next((v for v in verbs if isinstance(v, Redirected)), None)
            if gather is None:
                if redirect is None:
                    click.echo("\nResult: the answer has nothing more to do; Twilio ends the call.")
                    break
                url, extra, pending = redirect.url, {}, None
                continue
            step = _next_step(steps, answer)
            if step is None:
                click.echo(f"{INDENT}(no more --press steps: the caller hangs up)")
                click.echo("\nResult: the caller hung up.")
                break
            if step.kind == "hangup":
                click.echo("\nResult: the caller hung up.")
                break
            pending = self._chosen_desk(gather, step)
            if step.kind == "silence":
                click.echo(f"{INDENT}caller: (silence)")
                # actionOnEmptyResult is false: on silence Twilio moves on to the <Redirect>.
                url, extra = (redirect.url if redirect else gather.action), {}
            elif step.kind == "keys":
                click.echo(f"{INDENT}caller presses {step.value}")
                url, extra = gather.action, {"Digits": step.value}
            else:
                click.echo(f'{INDENT}caller says "{step.value}"')
                url, extra = gather.action, {"SpeechResult": step.value, "Confidence": "0.9"}
            if self.requests >= MAX_REQUESTS:
                click.echo(f"\nResult: stopped after {MAX_REQUESTS} requests.")
                break
        if self.words is not None:
            total = sum(self.words)
            click.echo(
                f"Spoken in the call: {total} words, {speaking_seconds(total):.0f} s at "
                f"{WORDS_PER_MINUTE} words a minute, in {len(self.words)} answers."
            )
        self.end()

    def _count(self, verbs: tuple[Verb, ...]) -> None:
        """With --words: print what this answer speaks, in words and seconds."""
        if self.words is None:
            return
        spoken = [v.text for v in verbs if isinstance(v, Said)]
        spoken += [text for v in verbs if isinstance(v, Gathered) for text in v.prompt]
        count = word_count(spoken)
        self.words.append(count)
        lead = words_before_option(spoken)
        first = (
            ""
            if lead is None
            else f"; first option after {lead} words, {speaking_seconds(lead):.0f} s"
        )
        click.echo(f"{INDENT}({count} words, {speaking_seconds(count):.0f} s{first})")

    def _narrate(self, verbs: tuple[Verb, ...], pending: TransferNode | None) -> str | None:
        """Print one answer; return how the call ended, or None when it goes on."""
        transferred = any(isinstance(v, Enqueued | Dialled | HungUp) for v in verbs)
        if pending is not None and not transferred:
            # The caller chose a desk and got no transfer: the flow found the line closed.
            click.echo(f"{INDENT}{self._closed_desk(pending)}")
        for verb in verbs:
            if isinstance(verb, Said):
                click.echo(f"{INDENT}says: {verb.text}")
            elif isinstance(verb, Gathered):
                click.echo(f"{INDENT}asks ({_how(verb)}): {' '.join(verb.prompt)}")
            elif isinstance(verb, Enqueued):
                click.echo(f"{INDENT}-> TRANSFER to queue {verb.queue}{self._desk(verb.action)}")
                if self.queue_position is not None and verb.wait_url:
                    self._wait(verb.wait_url, self.queue_position)
                return f"transferred to queue {verb.queue}"
            elif isinstance(verb, Dialled):
                targets = ", ".join(verb.targets)
                click.echo(f"{INDENT}-> DIAL {targets}{self._desk(verb.action)}")
                return f"dialled {targets}"
            elif isinstance(verb, HungUp):
                click.echo(f"{INDENT}-> HANG UP")
                return "the IVR hung up"
            elif isinstance(verb, Other):
                click.echo(f"{INDENT}(TwiML <{verb.tag}> not shown by the simulator)")
        return None

    def _wait(self, url: str, position: int) -> None:
        """Print the wait answer Twilio gets for a caller at ``position`` in the queue."""
        click.echo(f"\n   Twilio requests {_path(url)} (QueuePosition={position})")
        extra = {
            "QueuePosition": str(position),
            "QueueTime": "0",
            "CurrentQueueSize": str(position),
        }
        for verb in self.post(url, extra):
            played: tuple[Played, ...] = ()
            if isinstance(verb, Said):
                click.echo(f"{INDENT}says: {verb.text}")
            elif isinstance(verb, Gathered):
                click.echo(
                    f"{INDENT}says, a key interrupts ({_how(verb)}): {' '.join(verb.prompt)}"
                )
                played = verb.played
            elif isinstance(verb, Played):
                played = (verb,)
            elif isinstance(verb, Other):
                click.echo(f"{INDENT}<{verb.tag}>")  # <Leave/>: the caller is taken out
            for audio in played:
                times = f" {audio.loop} times" if audio.loop > 1 else ""
                click.echo(f"{INDENT}plays hold audio{times}: {audio.url}")
        click.echo(f"{INDENT}then Twilio requests the wait answer again, until a desk answers")

    def _chosen_desk(self, gather: Gathered, step: Step) -> TransferNode | None:
        """Return the transfer node the caller's answer picks in a menu, if it picks one."""
        path = urlsplit(gather.action).path
        if not path.startswith("/voice/menu/") or step.kind not in ("keys", "speech"):
            return None
        tree = self.runtime.config.menus
        menu = tree.node(path.rsplit("/", 1)[-1])
        if not isinstance(menu, MenuNode):
            return None
        # As ivr.core.flow.handle_input: a key, else the destination the words reach.
        heard = understand(tree, menu, step.value) if step.kind == "speech" else Heard()
        key = step.value if step.kind == "keys" else heard.key
        option = menu.option_for_key(key) if key else None
        found = option.target if option else heard.go
        target = tree.node(found) if found else None
        return target if isinstance(target, TransferNode) else None

    def _closed_desk(self, desk: TransferNode) -> str:
        runtime = self.runtime
        moment = runtime.clock()
        snapshot = take_snapshot(runtime.schedules, moment, runtime.override_store.get(moment))
        status = snapshot.line(desk.line)
        state = describe_line(desk.line, status) if status else f"line {desk.line}"
        return f"-> AFTER HOURS: {desk.title} ({desk.id}) is not available: {state}"

    def _desk(self, action: str) -> str:
        node = self.runtime.config.menus.node(urlsplit(action).path.rsplit("/", 1)[-1])
        if isinstance(node, TransferNode):
            return f" ({node.title}, node {node.id}, line {node.line})"
        return ""


def _next_step(steps: Iterator[Step] | None, answer: Callable[[], Step] | None) -> Step | None:
    if steps is not None:
        return next(steps, None)
    return answer() if answer is not None else None


def _how(gather: Gathered) -> str:
    keys = (
        "one key"
        if gather.num_digits == 1
        else f"keys ending with {gather.finish_on_key}"
        if gather.finish_on_key
        else "keys"
    )
    return f"{keys} or words" if "speech" in gather.inputs else keys


def _path(url: str) -> str:
    """Return the route without the call state carried in the query string."""
    return urlsplit(url).path
