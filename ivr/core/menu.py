"""The menu tree: what callers hear and where each key or phrase takes them.

Each node type answers for itself what the flow, the graph check and the tools need of it: its
``kind`` (the ``type:`` an operator writes) and its ``successors``. Code that must treat the
types differently dispatches with ``match`` ending in ``assert_never``, so that adding a type
makes mypy list every place to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from ivr.core.spoken import NO_PRONUNCIATIONS, Pronunciations

# The ``type:`` an operator writes for each node type: a new type adds its own here, so mypy
# lists the parser's dispatch (ivr.config.menus) among the places to change.
NodeKind = Literal["menu", "message", "transfer", "hangup", "selfservice"]

# Special targets a message may name instead of a node id.
BACK = "back"  # the menu the caller came from


@dataclass(frozen=True, slots=True)
class Voice:
    """How Twilio speaks and listens (a neural voice and its own language; es-PE recognition)."""

    voice: str = "Polly.Mia-Neural"
    language: str = "es-MX"  # the voice's language: Mia is a Mexican Spanish voice
    speech_language: str = "es-PE"  # what callers speak: Peruvian Spanish recognition
    input_timeout: int = 6  # seconds of silence before Twilio gives up on a Gather
    # how the institution's names and web addresses are said (settings.pronunciations)
    pronunciations: Pronunciations = NO_PRONUNCIATIONS


@dataclass(frozen=True, slots=True)
class Navigation:
    """Keys that work in every menu, and the words that do the same by speech."""

    repeat: str = "*"
    back: str = "#"
    main_menu: str = "0"


# The apology that names no channel: the operator files' texts.apology names theirs.
NEUTRAL_APOLOGY = "Lo sentimos, en este momento no podemos atender su llamada. Gracias por llamar."


@dataclass(frozen=True, slots=True)
class Texts:
    """Fixed phrases of the call flow that operators may reword."""

    greeting: str
    greeting_unknown: str
    invalid: str  # a key that is no option
    no_input: str
    too_many_failures: str
    error: str
    transfer_failed: str
    not_understood: str = "No le entendí."  # a phrase that matches no option
    speech_hint: str = "Puede marcar la opción o decirla."  # said once, in the main menu
    # The texts below name the institution's own channels, so only the operator files word
    # them; without them a caller hears the neutral sentence, or nothing.
    # the other channels, said once per call where a text is just {alternatives}
    alternatives: str = ""
    # the whole answer when nothing but static TwiML can be sent (Twilio's fallback URL)
    apology: str = NEUTRAL_APOLOGY
    # a waiting caller's SMS could not be sent: the channels said instead
    sms_unsent: str = "Lo sentimos, no pudimos enviarle el mensaje. Sigue en espera."
    # leaving self-service without a statement: where else to ask for one
    statement_channels: str = ""


@dataclass(frozen=True, slots=True)
class Contacts:
    """The other channels' numbers and addresses, for {whatsapp} and {web} in any text."""

    whatsapp: str = ""
    web: str = ""


@dataclass(frozen=True, slots=True)
class Settings:
    start: str
    on_failure: str
    after_hours: str
    goodbye: str
    max_no_input: int
    max_invalid: int
    max_steps: int
    voice: Voice
    navigation: Navigation
    texts: Texts
    contacts: Contacts = Contacts()
    # who "asesor", "no sé" and a second silence reach when open; None: on_failure
    human: str | None = None

    @property
    def person(self) -> str:
        """Return the node that puts a caller through to a person."""
        return self.human or self.on_failure

    def fill_contacts(self, text: str) -> str:
        """Fill {whatsapp} and {web} in a text said outside a call's flow (static TwiML)."""
        contacts = {"whatsapp": self.contacts.whatsapp, "web": self.contacts.web}
        return text.format_map(_Kept(contacts))


class _Kept(dict[str, str]):
    """Leave an unknown {name} as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    label: str
    target: str
    speech: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MenuNode:
    kind: ClassVar[NodeKind] = "menu"
    id: str
    title: str
    say: str | None  # said before the options
    prompt: str | None  # replaces the generated "Para X, marque N." list when given
    options: tuple[Option, ...]
    speech: tuple[str, ...] = ()  # what callers say to come here from any menu
    name: str | None = None  # what callers hear it called (the title is for operators)

    def option_for_key(self, key: str) -> Option | None:
        for option in self.options:
            if option.key == key:
                return option
        return None

    def successors(self, settings: Settings) -> tuple[str, ...]:
        """Return every node a caller can go to next from this one."""
        return tuple(o.target for o in self.options)


@dataclass(frozen=True, slots=True)
class MessageNode:
    kind: ClassVar[NodeKind] = "message"
    id: str
    title: str
    say: tuple[str, ...]
    next: str  # a node id, or BACK
    speech: tuple[str, ...] = ()  # what callers say to come here from any menu
    name: str | None = None  # what callers hear it called (the title is for operators)

    def successors(self, settings: Settings) -> tuple[str, ...]:
        return (self.next,)


@dataclass(frozen=True, slots=True)
class TransferNode:
    kind: ClassVar[NodeKind] = "transfer"
    id: str
    title: str
    say: str | None
    queue: str | None  # a Twilio queue name, for <Enqueue>
    dial: str | None  # an E.164 number or a sip: address, for <Dial>
    line: str  # whose hours apply (a line in schedules/)
    closed: str | None  # where to go when the line is closed; None: settings.after_hours
    speech: tuple[str, ...] = ()  # what callers say to come here from any menu
    name: str | None = None  # what callers hear it called (the title is for operators)

    def when_closed(self, settings: Settings) -> str:
        return self.closed or settings.after_hours

    def successors(self, settings: Settings) -> tuple[str, ...]:
        return (self.when_closed(settings), settings.goodbye)


@dataclass(frozen=True, slots=True)
class HangupNode:
    kind: ClassVar[NodeKind] = "hangup"
    id: str
    title: str
    say: tuple[str, ...]
    speech: tuple[str, ...] = ()  # what callers say to come here from any menu
    name: str | None = None  # what callers hear it called (the title is for operators)

    def successors(self, settings: Settings) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class SelfServiceNode:
    """Balance and due dates after the caller proves who they are (student menu option 5)."""

    kind: ClassVar[NodeKind] = "selfservice"
    id: str
    title: str
    billing_desk: str | None  # a transfer node for "talk to Facturación"
    next: str  # where the caller goes when they leave self-service
    speech: tuple[str, ...] = ()  # what callers say to come here from any menu
    name: str | None = None  # what callers hear it called (the title is for operators)

    def successors(self, settings: Settings) -> tuple[str, ...]:
        return (self.next, *((self.billing_desk,) if self.billing_desk else ()))


Node = MenuNode | MessageNode | TransferNode | HangupNode | SelfServiceNode
NODE_TYPES: tuple[type[Node], ...] = (
    MenuNode,
    MessageNode,
    TransferNode,
    HangupNode,
    SelfServiceNode,
)


@dataclass(frozen=True, slots=True)
class MenuTree:
    settings: Settings
    nodes: dict[str, Node]
    files: dict[str, str]  # node id -> file it is defined in, for tools

    def node(self, node_id: str) -> Node | None:
        return self.nodes.get(node_id)

    @property
    def start(self) -> MenuNode:
        node = self.nodes[self.settings.start]
        assert isinstance(node, MenuNode)  # the graph check guarantees it
        return node


def spoken_name(tree: MenuTree, node_id: str) -> str:
    """Return what callers hear a node called: its ``name:``, an option's label, its first phrase.

    Never its ``title``: titles are for operators ("Orientación general (cuando no se entiende
    la elección)"). Without any of them, the node's id, readable.
    """
    node = tree.node(node_id)
    if node is not None and node.name:
        return node.name
    for menu in tree.nodes.values():
        if isinstance(menu, MenuNode):
            for option in menu.options:
                if option.target == node_id:
                    return option.label
    if node is not None and node.speech:
        return node.speech[0]
    return node_id.replace("-", " ").replace("_", " ")


def sentence_start(text: str) -> str:
    """Return ``text`` with a capital first letter, to begin a sentence ("orientación a ...")."""
    return text[:1].upper() + text[1:]


# -- what callers hear of a menu ----------------------------------------------------------------
KEY_WORDS = {"*": "asterisco", "#": "numeral"}


def spoken_key(key: str) -> str:
    """Name a phone key as a caller hears it: "asterisco", "numeral", or the digit."""
    return KEY_WORDS.get(key, key)


def menu_prompt(menu: MenuNode, settings: Settings, *, is_start: bool) -> tuple[str, ...]:
    """Return the sentences of a menu's prompt: intro, one per option, then navigation."""
    parts: list[str] = []
    if menu.say:
        parts.append(menu.say)
    if menu.prompt:
        parts.append(menu.prompt)
    else:
        parts.extend(f"Para {o.label}, marque {spoken_key(o.key)}." for o in menu.options)
    nav = settings.navigation
    hints = [f"Para repetir, marque {spoken_key(nav.repeat)}."]
    if not is_start:
        hints.append(f"Para volver, marque {spoken_key(nav.back)}.")
        hints.append(f"Para el menú principal, marque {spoken_key(nav.main_menu)}.")
    parts.append(" ".join(hints))
    return tuple(parts)
