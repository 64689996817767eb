"""The menu tree: what callers hear and where each key or phrase takes them."""

from __future__ import annotations

from dataclasses import dataclass

# Special targets a message may name instead of a node id.
BACK = "back"  # the menu the caller came from


@dataclass(frozen=True, slots=True)
class Voice:
    """How Twilio speaks and listens (a neural voice and its own language; es-PE recognition)."""

    voice: str = "Polly.Mia-Neural"
    language: str = "es-MX"  # the voice's language: Mia is a Mexican Spanish voice
    speech_language: str = "es-PE"  # what callers speak: Peruvian Spanish recognition
    input_timeout: int = 6  # seconds of silence before Twilio gives up on a Gather

    @property
    def say_limit(self) -> int:
        """Return the most UTF-8 bytes one <Say> accepts with this voice (Twilio error 13521)."""
        if self.voice.startswith("Polly."):
            return 3000
        if self.voice.startswith("Google."):
            return 5000
        return 4096


@dataclass(frozen=True, slots=True)
class Navigation:
    """Keys that work in every menu, and the words that do the same by speech."""

    repeat: str = "*"
    back: str = "#"
    main_menu: str = "0"


@dataclass(frozen=True, slots=True)
class Texts:
    """Fixed phrases of the call flow that operators may reword."""

    greeting: str
    greeting_unknown: str
    invalid: str
    no_input: str
    too_many_failures: str
    error: str
    transfer_failed: str


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


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    label: str
    target: str
    speech: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MenuNode:
    id: str
    title: str
    say: str | None  # said before the options
    prompt: str | None  # replaces the generated "Para X, marque N." list when given
    options: tuple[Option, ...]

    def option_for_key(self, key: str) -> Option | None:
        for option in self.options:
            if option.key == key:
                return option
        return None


@dataclass(frozen=True, slots=True)
class MessageNode:
    id: str
    title: str
    say: tuple[str, ...]
    next: str  # a node id, or BACK


@dataclass(frozen=True, slots=True)
class TransferNode:
    id: str
    title: str
    say: str | None
    queue: str | None  # a Twilio queue name, for <Enqueue>
    dial: str | None  # an E.164 number or a sip: address, for <Dial>
    line: str  # whose hours apply (a line in schedules/)
    closed: str | None  # where to go when the line is closed; None: settings.after_hours


@dataclass(frozen=True, slots=True)
class HangupNode:
    id: str
    title: str
    say: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SelfServiceNode:
    """Balance and due dates after the caller proves who they are (student menu option 5)."""

    id: str
    title: str
    billing_desk: str | None  # a transfer node for "talk to Facturación"
    next: str  # where the caller goes when they leave self-service


Node = MenuNode | MessageNode | TransferNode | HangupNode | SelfServiceNode


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
        assert isinstance(node, MenuNode)
        return node
