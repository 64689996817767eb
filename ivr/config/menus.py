"""Parse ``menus/*.yaml`` into a checked MenuTree: each node, then the whole graph."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import MISSING, dataclass, fields, replace
from difflib import get_close_matches
from pathlib import Path
from typing import assert_never

from ivr.config.campuses import check_e164
from ivr.config.register import check_spoken
from ivr.config.source import Collector, YNode
from ivr.core.menu import (
    BACK,
    NODE_TYPES,
    Contacts,
    HangupNode,
    MenuNode,
    MenuTree,
    MessageNode,
    Navigation,
    Node,
    NodeKind,
    Option,
    SelfServiceNode,
    Settings,
    Texts,
    TransferNode,
    Voice,
    menu_prompt,
)
from ivr.core.say import LEAD_IN_WORDS, SAY_LIMIT, speaking_seconds, word_count
from ivr.core.spoken import Pronunciations

MENUS_DIR = "menus"
NODE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
KEYS = "0123456789*#"
# Placeholders operators may use in texts; filled in per call.
PLACEHOLDERS = {"campus", "hours", "whatsapp", "web"}
# Placeholders that must be a text of their own: said once per call (ivr.core.flow.ONCE).
ONCE_PLACEHOLDERS = {"closed", "alternatives"}
# Twilio queue names are at most 64 characters (Queue resource FriendlyName).
QUEUE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")
SIP = re.compile(r"^sips?:[^@\s]+@[^@\s]+$")
TYPE_NAMES: tuple[NodeKind, ...] = tuple(t.kind for t in NODE_TYPES)
DEFAULT_TEXTS = {
    "greeting": "Bienvenido a la central telefónica de la universidad, sede {campus}.",
    "greeting_unknown": "Bienvenido a la central telefónica de la universidad.",
    "invalid": "Esa opción no es válida.",
    "no_input": "No recibimos ninguna opción.",
    "too_many_failures": "No pudimos entender su elección.",
    "error": "Lo sentimos, tuvimos un problema técnico.",
    "transfer_failed": "En este momento no podemos comunicarle.",
    # the texts with a default in the dataclass itself
    **{f.name: str(f.default) for f in fields(Texts) if f.default is not MISSING},
}


def parse_menus(
    collector: Collector, config_dir: Path, lines: Collection[str] = ("central",)
) -> MenuTree | None:
    """Read every file under menus/, then check the graph; None when anything is wrong.

    ``lines`` are the line names schedules/ defines; a transfer must name one of them.
    """
    before = len(collector.problems)
    folder = config_dir / MENUS_DIR
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if not files:
        collector.add_file(MENUS_DIR + "/", "no menu files found", "add menus/main.yaml")
        return None
    settings_node, node_sources, file_of = _read_files(collector, files)
    if settings_node is None:
        collector.add_file(
            f"{MENUS_DIR}/", "no 'settings' block in any menu file", "add one to menus/main.yaml"
        )
        return None
    settings = _settings(collector, settings_node)
    nodes: dict[str, Node] = {}
    for node_id, node in node_sources.items():
        if not NODE_ID.match(node_id) or node_id == BACK:
            collector.add(
                node,
                f"'{node_id}' is not a valid node id",
                "use lowercase letters, digits, '-' or '_' (and not 'back')",
            )
            continue
        # speech: and name: are common to every type: read here, once
        speech = _speech(collector, node.mapping) if node.kind == "map" else ()
        name = _name(collector, node.mapping) if node.kind == "map" else None
        parsed = _node(collector, node_id, _without(node, "speech", "name"), settings, lines)
        if parsed is not None:
            nodes[node_id] = replace(parsed, speech=speech, name=name)
    if settings is None or len(collector.problems) > before:
        return None
    _check_targets(collector, settings, settings_node, nodes, node_sources)
    if not collector.problems:  # the walks below follow targets, which must all exist
        _check_reached(collector, settings, nodes, node_sources)
        _check_loops(collector, settings, nodes, node_sources)
    _check_channels(collector, settings, [settings_node, *node_sources.values()])
    if len(collector.problems) > before:
        return None
    _check_lengths(collector, settings, settings_node, nodes, node_sources)
    return MenuTree(settings, nodes, file_of)


def _read_files(
    collector: Collector, files: list[Path]
) -> tuple[YNode | None, dict[str, YNode], dict[str, str]]:
    """Return the one settings block, every node by id, and the file each node is in."""
    settings_node: YNode | None = None
    node_sources: dict[str, YNode] = {}
    file_of: dict[str, str] = {}
    for path in files:
        shown = f"{MENUS_DIR}/{path.name}"
        root = collector.load(path, shown)
        if root is None:
            continue
        top = collector.mapping(root, optional=["settings", "nodes"], what="a menu file")
        if top is None:
            continue
        if "settings" in top:
            if settings_node is not None:
                collector.add(
                    top["settings"],
                    f"settings are already given in {settings_node.file}:{settings_node.line}",
                    "keep one settings block",
                )
            else:
                settings_node = top["settings"]
        if "nodes" in top:
            for node_id, node in (
                collector.mapping(top["nodes"], optional=list(top["nodes"].mapping), what="nodes")
                or {}
            ).items():
                if node_id in node_sources:
                    first = node_sources[node_id]
                    collector.add(
                        node,
                        f"node '{node_id}' is already defined in {first.file}:{first.line}",
                        "node ids must be unique across all menu files",
                    )
                    continue
                node_sources[node_id] = node
                file_of[node_id] = shown
    return settings_node, node_sources, file_of


# -- settings --------------------------------------------------------------------------------
def _settings(collector: Collector, node: YNode) -> Settings | None:
    before = len(collector.problems)
    fields = collector.mapping(
        node,
        required=["start", "on_failure", "after_hours", "goodbye"],
        optional=[
            "retries",
            "max_steps",
            "voice",
            "navigation",
            "texts",
            "contacts",
            "pronunciations",
            "human",
        ],
        what="settings",
    )
    if fields is None:
        return None
    refs = {
        key: collector.text(fields[key])
        for key in ("start", "on_failure", "after_hours", "goodbye")
        if key in fields
    }
    max_no_input, max_invalid = (
        _retries(collector, fields["retries"]) if "retries" in fields else (3, 3)
    )
    max_steps = 60
    if "max_steps" in fields:
        max_steps = collector.integer(fields["max_steps"], minimum=10, maximum=500) or 60
    voice = _voice(collector, fields["voice"]) if "voice" in fields else Voice()
    if "pronunciations" in fields:
        voice = replace(voice, pronunciations=_pronunciations(collector, fields["pronunciations"]))
    navigation = (
        _navigation(collector, fields["navigation"]) if "navigation" in fields else Navigation()
    )
    texts = _texts(collector, fields["texts"], voice) if "texts" in fields else dict(DEFAULT_TEXTS)
    contacts = _contacts(collector, fields["contacts"]) if "contacts" in fields else Contacts()
    human = collector.text(fields["human"]) if "human" in fields else None
    if len(collector.problems) > before or None in refs.values() or len(refs) < 4:
        return None
    return Settings(
        start=str(refs["start"]),
        on_failure=str(refs["on_failure"]),
        after_hours=str(refs["after_hours"]),
        goodbye=str(refs["goodbye"]),
        max_no_input=max_no_input,
        max_invalid=max_invalid,
        max_steps=max_steps,
        voice=voice,
        navigation=navigation,
        texts=Texts(**texts),
        contacts=contacts,
        human=human,
    )


def _retries(collector: Collector, node: YNode) -> tuple[int, int]:
    """Read settings.retries: how many silences and wrong choices before on_failure."""
    retries = collector.mapping(node, optional=["no_input", "invalid"], what="retries") or {}
    max_no_input = max_invalid = 3
    if "no_input" in retries:
        max_no_input = collector.integer(retries["no_input"], minimum=1, maximum=10) or 3
    if "invalid" in retries:
        max_invalid = collector.integer(retries["invalid"], minimum=1, maximum=10) or 3
    return max_no_input, max_invalid


def _voice(collector: Collector, node: YNode) -> Voice:
    """Read settings.voice; what it leaves out keeps the default."""
    v = (
        collector.mapping(
            node, optional=["name", "language", "recognition", "timeout"], what="voice"
        )
        or {}
    )
    voice = Voice()
    return Voice(
        voice=collector.text(v["name"]) or voice.voice if "name" in v else voice.voice,
        language=collector.text(v["language"]) or voice.language
        if "language" in v
        else voice.language,
        speech_language=(collector.text(v["recognition"]) or voice.speech_language)
        if "recognition" in v
        else voice.speech_language,
        input_timeout=(collector.integer(v["timeout"], minimum=1, maximum=30) or 6)
        if "timeout" in v
        else voice.input_timeout,
    )


def _navigation(collector: Collector, node: YNode) -> Navigation:
    """Read settings.navigation: the keys that repeat, go back and go to the main menu."""
    navigation = Navigation()
    nav = collector.mapping(node, optional=["repeat", "back", "main_menu"], what="navigation") or {}
    keys = {
        name: _key(collector, nav[name]) if name in nav else getattr(navigation, name)
        for name in ("repeat", "back", "main_menu")
    }
    seen: dict[str, str] = {}
    for name, key in keys.items():
        if key is not None and key in seen:
            collector.add(
                nav.get(name, node),
                f"key '{key}' is used for both {seen[key]} and {name}",
                "give each navigation action its own key",
            )
        if key is not None:
            seen[key] = name
    return Navigation(**{k: v for k, v in keys.items() if v is not None})


def _texts(collector: Collector, node: YNode, voice: Voice) -> dict[str, str]:
    """Read settings.texts over the defaults."""
    texts = dict(DEFAULT_TEXTS)
    given = collector.mapping(node, optional=list(DEFAULT_TEXTS), what="texts") or {}
    for name, text_node in given.items():
        if name in DEFAULT_TEXTS:
            value = _say_text(collector, text_node, voice)
            if value is not None:
                texts[name] = value
    return texts


def _contacts(collector: Collector, node: YNode) -> Contacts:
    """Read settings.contacts: the WhatsApp number and web address for {whatsapp} and {web}."""
    given = collector.mapping(node, optional=["whatsapp", "web"], what="contacts") or {}
    values: dict[str, str] = {}
    if "whatsapp" in given:
        number = collector.text(given["whatsapp"])
        if number is not None and not re.fullmatch(r"\+?[\d ()-]{6,20}", number):
            collector.add(
                given["whatsapp"], f"'{number}' is not a phone number", "e.g. '900 000 000'"
            )
        elif number is not None:
            values["whatsapp"] = number
    if "web" in given:
        web = collector.text(given["web"])
        if web is not None and not re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", web):
            collector.add(
                given["web"], f"'{web}' is not a web address", "e.g. ayuda.universidad.edu.pe"
            )
        elif web is not None:
            values["web"] = web
    return Contacts(**values)


_WORD = re.compile(r"^\w+$")
_ADDRESS_PART = re.compile(r"^[a-z0-9-]+$")


def _pronunciations(collector: Collector, node: YNode) -> Pronunciations:
    """Read settings.pronunciations: how the voice says the institution's names and domains."""
    given = collector.mapping(node, optional=["words", "addresses"], what="pronunciations") or {}
    found: dict[str, list[tuple[str, str]]] = {"words": [], "addresses": []}
    for section, pattern, hint in (
        ("words", _WORD, "a word as written in the texts, e.g. UNI or MiPortal"),
        ("addresses", _ADDRESS_PART, "one lowercase part of a web address, e.g. uni"),
    ):
        if section not in given:
            continue
        entries = (
            collector.mapping(
                given[section], optional=list(given[section].mapping), what=f"{section}"
            )
            or {}
        )
        for written, said_node in entries.items():
            said = collector.text(said_node)
            if not pattern.match(written):
                collector.add(said_node, f"'{written}' cannot be pronounced here", hint)
            elif said is not None:
                found[section].append((written, said))
    return Pronunciations(tuple(found["words"]), tuple(found["addresses"]))


def _check_channels(collector: Collector, settings: Settings, roots: Iterable[YNode]) -> None:
    """Report every text that names a channel the settings do not give (e.g. {whatsapp})."""
    missing = {
        "{whatsapp}": (
            "settings.contacts gives no whatsapp number",
            "add settings.contacts.whatsapp or reword the text",
        )
        if not settings.contacts.whatsapp
        else None,
        "{web}": (
            "settings.contacts gives no web address",
            "add settings.contacts.web or reword the text",
        )
        if not settings.contacts.web
        else None,
        "{alternatives}": (
            "settings.texts.alternatives is not set",
            "write there the other channels callers can use, or remove this text",
        )
        if not settings.texts.alternatives
        else None,
    }
    pending = list(roots)
    while pending:
        node = pending.pop()
        if node.kind == "map":
            pending.extend(node.mapping.values())
        elif node.kind == "seq":
            pending.extend(node.sequence)
        elif isinstance(node.value, str):
            for placeholder, problem in missing.items():
                if problem is not None and placeholder in node.value:
                    collector.add(node, f"says {placeholder}, but {problem[0]}", problem[1])


def _key(collector: Collector, node: YNode) -> str | None:
    raw = node.raw if node.kind == "scalar" else ""
    if len(raw) != 1 or raw not in KEYS:
        collector.add(
            node,
            f"{node.describe()} is not a phone key",
            "use one of 0-9, '*' or '#'; quote '*' and '#'",
        )
        return None
    return raw


def _say_text(collector: Collector, node: YNode, voice: Voice) -> str | None:
    """Return a text Twilio can speak with this voice, with only known placeholders."""
    value = collector.text(node)
    if value is None:
        return None
    try:
        names = {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}
    except ValueError:
        collector.add(
            node, "has an unmatched '{' or '}'", "placeholders are written {campus} or {hours}"
        )
        return None
    once = names & ONCE_PLACEHOLDERS
    if once and value.strip() != "{" + min(once) + "}":
        collector.add(
            node,
            f"{{{min(once)}}} must be a text of its own",
            "put it alone in its own item of the say list: it is said once per call",
        )
        return None
    unknown = sorted(names - PLACEHOLDERS - ONCE_PLACEHOLDERS)
    if unknown:
        collector.add(
            node,
            f"unknown placeholder {{{unknown[0]}}}",
            "known placeholders: {campus}, {hours}, {whatsapp}, {web}, and alone in a text "
            "{closed} or {alternatives}",
        )
        return None
    check_spoken(collector, node, value)
    # {hours} expands to at most ~200 characters; leave room for it.
    size = len(value.encode("utf-8")) + (200 if "hours" in names else 0)
    if size > SAY_LIMIT:
        collector.add(
            node,
            f"is {size} bytes long; {voice.voice} speaks at most {SAY_LIMIT} in one message",
            "shorten it or split it into a list of shorter texts",
        )
        return None
    return value


def _say_list(collector: Collector, node: YNode, voice: Voice) -> tuple[str, ...]:
    items = [node] if node.kind == "scalar" else (collector.sequence(node, what="say") or [])
    out = [_say_text(collector, item, voice) for item in items]
    return tuple(text for text in out if text is not None)


# -- nodes ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Read:
    """One node as its parser reads it: its id, its YAML, and what the whole tree sets."""

    collector: Collector
    node_id: str
    node: YNode
    settings: Settings | None
    lines: Collection[str]  # the line names schedules/ defines
    before: int  # problems recorded before this node

    @property
    def voice(self) -> Voice:
        return self.settings.voice if self.settings else Voice()

    @property
    def clean(self) -> bool:
        """Whether reading this node has recorded no problem so far."""
        return len(self.collector.problems) == self.before

    def fields(
        self, what: str, required: Sequence[str], optional: Sequence[str] = ()
    ) -> dict[str, YNode]:
        """Return the node's keys (every node has a type and may have a title)."""
        found = self.collector.mapping(
            self.node, required=["type", "title", *required], optional=optional, what=what
        )
        return found or {}

    def title(self, fields: dict[str, YNode]) -> str:
        return (self.collector.text(fields["title"]) if "title" in fields else None) or self.node_id

    def say(self, fields: dict[str, YNode]) -> str | None:
        return _say_text(self.collector, fields["say"], self.voice) if "say" in fields else None

    def says(self, fields: dict[str, YNode]) -> tuple[str, ...]:
        return _say_list(self.collector, fields["say"], self.voice) if "say" in fields else ()

    def text(self, fields: dict[str, YNode], key: str) -> str | None:
        return self.collector.text(fields[key]) if key in fields else None


def _without(node: YNode, *keys: str) -> YNode:
    """Return a mapping node without ``keys``: the part the per-type parser reads."""
    if node.kind != "map" or not set(keys) & set(node.mapping):
        return node
    return replace(node, mapping={k: v for k, v in node.mapping.items() if k not in keys})


def _name(collector: Collector, fields: dict[str, YNode]) -> str | None:
    """Read the ``name:`` of a node: what callers hear it called ("Help Desk")."""
    if "name" not in fields:
        return None
    name = collector.text(fields["name"], max_length=100)
    if name is not None:
        check_spoken(collector, fields["name"], name)
    return name


def _speech(collector: Collector, fields: dict[str, YNode]) -> tuple[str, ...]:
    """Read the ``speech:`` of a node or an option: what callers say to choose it."""
    out = []
    for item, text in collector.texts(fields["speech"]) if "speech" in fields else ():
        if len(text) > 100:  # Twilio <Gather hints>: each phrase at most 100 characters
            collector.add(
                item, f"speech phrase is {len(text)} characters; Twilio accepts at most 100"
            )
        else:
            out.append(text)
    return tuple(out)


def _node(
    collector: Collector,
    node_id: str,
    node: YNode,
    settings: Settings | None,
    lines: Collection[str],
) -> Node | None:
    """Parse one node with the parser of its type; None when anything in it is wrong."""
    if node.kind != "map" or "type" not in node.mapping:
        collector.add(node, "a node needs a 'type'", "one of: " + ", ".join(TYPE_NAMES))
        return None
    kind = collector.choice(node.mapping["type"], TYPE_NAMES)
    if kind is None:
        return None
    read = _Read(collector, node_id, node, settings, lines, len(collector.problems))
    parsed = _parser(kind)(read)
    return parsed if read.clean else None


def _parser(kind: NodeKind) -> Callable[[_Read], Node | None]:
    """Return the parser of a node type."""
    match kind:
        case "menu":
            return _menu
        case "message":
            return _message
        case "transfer":
            return _transfer
        case "hangup":
            return _hangup
        case "selfservice":
            return _selfservice
        case _:
            assert_never(kind)


def _menu(read: _Read) -> MenuNode:
    collector, settings = read.collector, read.settings
    fields = read.fields("a menu", ["options"], ["say", "prompt"])
    title, say = read.title(fields), read.say(fields)
    prompt = _say_text(collector, fields["prompt"], read.voice) if "prompt" in fields else None
    options = tuple(_options(collector, fields["options"], settings)) if "options" in fields else ()
    if "options" in fields and not options and read.clean:
        collector.add(fields["options"], "a menu needs at least one option")
    menu = MenuNode(read.node_id, title, say, prompt, options)
    if read.clean and settings is not None:
        spoken = menu_prompt(menu, settings, is_start=read.node_id == settings.start)
        size = len(" ".join(spoken).encode("utf-8"))
        if size > SAY_LIMIT:
            collector.add(
                read.node,
                f"the menu's prompt is {size} bytes long; "
                f"{read.voice.voice} speaks at most {SAY_LIMIT}",
                "shorten the option labels or the 'say' text",
            )
    return menu


def _message(read: _Read) -> MessageNode | None:
    fields = read.fields("a message", ["say", "next"])
    title, says, nxt = read.title(fields), read.says(fields), read.text(fields, "next")
    return MessageNode(read.node_id, title, says, nxt) if nxt is not None else None


def _transfer(read: _Read) -> TransferNode | None:
    collector = read.collector
    fields = read.fields("a transfer", [], ["say", "queue", "dial", "line", "closed"])
    title, say = read.title(fields), read.say(fields)
    if ("queue" in fields) == ("dial" in fields):
        collector.add(
            read.node,
            "a transfer needs exactly one of 'queue' or 'dial'",
            "name a Twilio queue, e.g. queue: helpdesk",
        )
    queue = _queue(collector, fields["queue"]) if "queue" in fields else None
    dial = _dial(collector, fields["dial"]) if "dial" in fields else None
    line = read.text(fields, "line") if "line" in fields else "central"
    if line is not None and line not in read.lines:
        collector.add(
            fields.get("line", read.node),
            f"'{line}' is not a line in schedules/",
            "known lines: " + ", ".join(sorted(read.lines)),
        )
    closed = read.text(fields, "closed")
    if line is None:
        return None
    return TransferNode(read.node_id, title, say, queue, dial, line, closed)


def _queue(collector: Collector, node: YNode) -> str | None:
    queue = collector.text(node)
    if queue is not None and not QUEUE_NAME.match(queue):
        collector.add(
            node,
            f"'{queue}' is not a valid queue name",
            "use up to 64 letters, digits, spaces, '-', '_' or '.'",
        )
    return queue


def _dial(collector: Collector, node: YNode) -> str | None:
    """Return a SIP address or an E.164 number to dial."""
    if node.kind == "scalar" and isinstance(node.value, str) and node.value.startswith("sip"):
        if SIP.match(node.value):
            return node.value
        collector.add(
            node, f"'{node.value}' is not a SIP address", "write it as sip:desk@pbx.example.edu"
        )
        return None
    return check_e164(collector, node)


def _hangup(read: _Read) -> HangupNode:
    fields = read.fields("a hang-up", [], ["say"])
    return HangupNode(read.node_id, read.title(fields), read.says(fields))


def _selfservice(read: _Read) -> SelfServiceNode | None:
    fields = read.fields("self-service", ["next"], ["billing_desk"])
    title, nxt, desk = (
        read.title(fields),
        read.text(fields, "next"),
        read.text(fields, "billing_desk"),
    )
    return SelfServiceNode(read.node_id, title, desk, nxt) if nxt is not None else None


def _options(collector: Collector, node: YNode, settings: Settings | None) -> Iterable[Option]:
    entries = collector.mapping(node, optional=list(node.mapping), what="options")
    reserved = {}
    if settings is not None:
        nav = settings.navigation
        reserved = {nav.repeat: "repeat", nav.back: "back", nav.main_menu: "main_menu"}
    for raw_key, option in (entries or {}).items():
        if len(raw_key) != 1 or raw_key not in KEYS:
            collector.add(
                option,
                f"'{raw_key}' is not a phone key",
                "use one of 0-9, '*' or '#'; quote '*' and '#'",
            )
            continue
        if raw_key in reserved:
            collector.add(
                option,
                f"key '{raw_key}' is reserved for {reserved[raw_key]}",
                f"change settings.navigation.{reserved[raw_key]} or use another key",
            )
            continue
        fields = collector.mapping(
            option, required=["label", "goto"], optional=["speech"], what=f"option {raw_key}"
        )
        if fields is None or "label" not in fields or "goto" not in fields:
            continue
        label = collector.text(fields["label"], max_length=100)
        if label is not None:
            check_spoken(collector, fields["label"], label)
        target = collector.text(fields["goto"])
        speech = _speech(collector, fields)
        if label and target:
            yield Option(raw_key, label, target, speech)


# -- what callers sit through ----------------------------------------------------------------
MAX_OPTIONS = 5  # options a caller can keep in mind at once


def _check_lengths(
    collector: Collector,
    settings: Settings,
    settings_node: YNode,
    nodes: dict[str, Node],
    sources: dict[str, YNode],
) -> None:
    """Warn about a menu whose lead-in passes LEAD_IN_WORDS or that has over MAX_OPTIONS options.

    The lead-in is what a caller hears before the first option: the menu's ``say``, and at the
    start menu the greeting before it.
    """
    texts = settings_node.mapping.get("texts")
    for node_id, node in nodes.items():
        if not isinstance(node, MenuNode):
            continue
        source = sources[node_id]
        if len(node.options) > MAX_OPTIONS:
            collector.warn(
                source.mapping["options"],
                f"the menu has {len(node.options)} options; callers keep at most "
                f"{MAX_OPTIONS} in mind",
                "move some options into a submenu",
            )
        lead: list[tuple[str, YNode]] = []
        if node_id == settings.start:
            greetings = (settings.texts.greeting, settings.texts.greeting_unknown)
            greeting = max(greetings, key=lambda text: word_count((text,)))
            key = "greeting" if greeting == settings.texts.greeting else "greeting_unknown"
            given = texts.mapping.get(key) if texts is not None and texts.kind == "map" else None
            lead.append((greeting, given or source))
        if node.say:
            lead.append((node.say, source.mapping["say"]))
        words = word_count(text for text, _ in lead)
        if words > LEAD_IN_WORDS:
            collector.warn(
                lead[-1][1],
                f"callers hear {words} words before the first option (about "
                f"{speaking_seconds(words):.0f} s); at most {LEAD_IN_WORDS} (about "
                f"{speaking_seconds(LEAD_IN_WORDS):.0f} s)",
                "shorten it, or say it in a message after the menu",
            )


# -- the whole graph -------------------------------------------------------------------------
def _check_targets(
    collector: Collector,
    settings: Settings,
    settings_node: YNode,
    nodes: dict[str, Node],
    sources: dict[str, YNode],
) -> None:
    """Check that every node named (settings, options, nexts, desks) exists and fits."""

    def where(node_id: str, key: str) -> YNode:
        source = sources[node_id]
        return source.mapping.get(key, source)

    def target(ref: str, node: YNode, *, allow_back: bool = False) -> None:
        if ref == BACK and allow_back:
            return
        if ref not in nodes:
            close = get_close_matches(ref, list(nodes), n=1, cutoff=0.6)
            collector.add(
                node,
                f"goes to '{ref}', which is not a node",
                f"did you mean '{close[0]}'?" if close else "define that node or fix the name",
            )

    settings_fields = settings_node.mapping
    for key in ("start", "on_failure", "after_hours", "goodbye"):
        target(getattr(settings, key), settings_fields[key])
    if settings.human is not None:
        target(settings.human, settings_fields["human"])
    if settings.start in nodes and not isinstance(nodes[settings.start], MenuNode):
        collector.add(
            settings_fields["start"],
            f"'{settings.start}' is not a menu",
            "the call must start at a menu",
        )
    if settings.goodbye in nodes and not isinstance(nodes[settings.goodbye], HangupNode):
        collector.add(
            settings_fields["goodbye"],
            f"'{settings.goodbye}' is not a hang-up node",
            "the goodbye must end the call",
        )
    for node_id, node in nodes.items():
        match node:
            case MenuNode():
                options_node = sources[node_id].mapping["options"]
                for option in node.options:
                    target(option.target, options_node.mapping[option.key].mapping["goto"])
            case MessageNode():
                target(node.next, where(node_id, "next"), allow_back=True)
            case TransferNode():
                if node.closed is not None:
                    target(node.closed, where(node_id, "closed"))
            case SelfServiceNode():
                target(node.next, where(node_id, "next"))
                if node.billing_desk is not None:
                    target(node.billing_desk, where(node_id, "billing_desk"))
                    desk = nodes.get(node.billing_desk)
                    if desk is not None and not isinstance(desk, TransferNode):
                        collector.add(
                            where(node_id, "billing_desk"),
                            f"'{node.billing_desk}' is not a transfer node",
                        )
            case HangupNode():
                pass
            case _:
                assert_never(node)


def _check_reached(
    collector: Collector, settings: Settings, nodes: dict[str, Node], sources: dict[str, YNode]
) -> None:
    """Check that every node is reached from the start or a settings destination."""
    seen: set[str] = set()
    pending = [settings.start, settings.person, settings.after_hours, settings.goodbye]
    pending.append(settings.on_failure)
    while pending:
        current = pending.pop()
        if current in seen or current == BACK:
            continue
        seen.add(current)
        pending.extend(nodes[current].successors(settings))
    for node_id in nodes:
        if node_id not in seen:
            collector.add(
                sources[node_id],
                f"node '{node_id}' is never reached",
                "link it from a menu option or a 'next', or delete it",
            )


def _check_loops(
    collector: Collector, settings: Settings, nodes: dict[str, Node], sources: dict[str, YNode]
) -> None:
    """Check for loops without a menu: they would keep a caller listening forever."""
    for node_id in nodes:
        cycle = _silent_cycle(node_id, nodes, settings)
        if cycle and cycle[0] == node_id:
            collector.add(
                sources[node_id],
                "these nodes form a loop with no menu: " + " -> ".join(cycle),
                "end one of them at a menu or a hang-up",
            )


def _silent_cycle(start: str, nodes: dict[str, Node], settings: Settings) -> list[str] | None:
    """Follow the steps that need no input from a caller; return a loop back to start."""
    path = [start]
    current = nodes[start]
    while True:
        match current:
            case MessageNode():
                nxt = current.next
            case TransferNode():
                nxt = current.when_closed(settings)
            case MenuNode() | HangupNode() | SelfServiceNode():
                return None  # a caller's input, or the end of the call, breaks the chain
            case _:
                assert_never(current)
        if nxt == BACK or nxt not in nodes:
            return None
        if nxt in path:
            return [*path[path.index(nxt) :], nxt]
        path.append(nxt)
        current = nodes[nxt]
