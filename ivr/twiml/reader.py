"""Read TwiML back into plain verbs, so a tool can tell what a caller hears and where they go.

Only the verbs ``ivr.twiml`` writes are understood (Say, Gather with a Say inside, Redirect,
Enqueue, Dial with Number or Sip, Hangup); anything else is kept as ``Other`` so the tool can
show it rather than hide it. Standard library only (``xml.etree``).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree


@dataclass(frozen=True, slots=True)
class Said:
    text: str


@dataclass(frozen=True, slots=True)
class Gathered:
    """A <Gather>: what is asked, and how the answer is collected and sent back."""

    prompt: tuple[str, ...]
    action: str
    inputs: tuple[str, ...]  # "dtmf", "speech"
    num_digits: int | None  # None: any number of keys, ended by finish_on_key
    finish_on_key: str
    played: tuple[Played, ...] = ()  # audio inside it (a wait answer's hold music)


@dataclass(frozen=True, slots=True)
class Redirected:
    url: str


@dataclass(frozen=True, slots=True)
class Enqueued:
    queue: str
    action: str
    wait_url: str = ""  # what Twilio requests while the caller waits


@dataclass(frozen=True, slots=True)
class Played:
    url: str
    loop: int = 1


@dataclass(frozen=True, slots=True)
class Dialled:
    targets: tuple[str, ...]
    action: str


@dataclass(frozen=True, slots=True)
class HungUp:
    pass


@dataclass(frozen=True, slots=True)
class Other:
    tag: str


Verb = Said | Gathered | Redirected | Enqueued | Dialled | HungUp | Played | Other


def read_twiml(body: bytes | str) -> tuple[Verb, ...]:
    """Return the verbs of a TwiML <Response>, in order; raise ValueError if it is not one."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise ValueError(f"not XML: {error}") from None
    if root.tag != "Response":
        raise ValueError(f"not a TwiML <Response> but <{root.tag}>")
    verbs: list[Verb] = []
    for element in root:
        verb = _verb(element)
        if isinstance(verb, Gathered) and len(verb.prompt) > 1:
            # What is said before the question inside the <Gather> (a key interrupts it) is
            # read as said, then the question: the last <Say>.
            verbs.extend(Said(text) for text in verb.prompt[:-1])
            verb = Gathered(verb.prompt[-1:], verb.action, verb.inputs, verb.num_digits,
                            verb.finish_on_key)  # fmt: skip
        verbs.append(verb)
    return tuple(verbs)


def _verb(element: ElementTree.Element) -> Verb:
    text = (element.text or "").strip()
    if element.tag == "Say":
        return Said(text)
    if element.tag == "Gather":
        digits = element.get("numDigits", "")
        return Gathered(
            prompt=tuple((say.text or "").strip() for say in element.iter("Say")),
            action=element.get("action", ""),
            # Twilio's default input is dtmf only (TwiML <Gather> docs: input).
            inputs=tuple(element.get("input", "dtmf").split()),
            num_digits=int(digits) if digits.isdigit() else None,
            # Twilio's default finishOnKey is '#' (TwiML <Gather> docs: finishOnKey).
            finish_on_key=element.get("finishOnKey", "#"),
            played=tuple(_played(play) for play in element.iter("Play")),
        )
    if element.tag == "Redirect":
        return Redirected(text)
    if element.tag == "Enqueue":
        return Enqueued(text, element.get("action", ""), element.get("waitUrl", ""))
    if element.tag == "Play":
        return _played(element)
    if element.tag == "Dial":
        targets = tuple((child.text or "").strip() for child in element if child.tag in _DIALLED)
        return Dialled(targets or (text,), element.get("action", ""))
    if element.tag == "Hangup":
        return HungUp()
    return Other(element.tag)


def _played(element: ElementTree.Element) -> Played:
    loop = element.get("loop", "1")
    return Played((element.text or "").strip(), int(loop) if loop.isdigit() else 1)


_DIALLED = frozenset({"Number", "Sip", "Client", "Queue"})
