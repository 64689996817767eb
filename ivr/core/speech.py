"""Understand what a caller said (Spanish speech recognition): where in the whole tree it leads.

A phrase said at any menu may reach any destination of the tree: a desk, self-service, a
channel's message, a submenu. Each destination's vocabulary is the labels of the options that
lead to it, their ``speech:`` synonyms and the node's own ``speech:`` (operator files). Words
are folded by the Snowball Spanish stemmer ("pensiones" -> "pension"); a word the recogniser
slipped on ("birtual") counts as the vocabulary word it is closest to (rapidfuzz), for a little
less. A word weighs 1 shared among the destinations that use it, so a word one destination
owns ("hijo") outweighs one several share ("estudia"). The current menu's own options win exact
ties. When the best two are close, or the best is unsure, the caller is asked (``Heard.offered``)
rather than sent somewhere confidently wrong.

The index is built once per loaded tree (``index``); a request only looks words up in it.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process

from ivr.core.memo import by_identity
from ivr.core.menu import MenuNode, MenuTree, spoken_name

_NON_WORD = re.compile(r"[^a-z0-9 ]+")
DIGIT_WORDS = {
    "cero": "0", "uno": "1", "una": "1", "dos": "2", "tres": "3", "cuatro": "4",
    "cinco": "5", "seis": "6", "siete": "7", "ocho": "8", "nueve": "9",
}  # fmt: skip
# Words that say nothing about where the caller wants to go: articles, courtesy, verbs of
# asking, and the fillers of Peruvian speech ("este...", "ya", "pues", "oiga").
FILLER = frozenset({
    "a", "al", "con", "de", "del", "el", "en", "la", "las", "lo", "los", "le", "les", "me", "mi",
    "mis", "para", "por", "favor", "quiero", "quisiera", "queria", "deseo", "necesito",
    "necesitaba", "hablar", "comunicar", "comunicarme", "comunique", "comunica", "pasar",
    "paseme", "pase", "llamar", "llamo", "llamaba", "informacion", "sobre", "un", "unos", "una",
    "unas", "y", "o", "u", "que", "es", "su", "sus", "tu", "tus", "opcion", "numero", "marco",
    "marcar", "bueno", "buenas", "buenos", "dias", "tardes", "noches", "hola", "si", "no",
    "puede", "podria", "puedo", "ayudeme", "ayudarme", "este", "esta", "ese", "eso", "ya",
    "pues", "oiga", "mire", "disculpe", "senorita", "joven", "gracias", "saber", "tengo",
    "tiene", "tener", "hay", "como", "cuando", "donde", "cual", "ahi", "alli", "aqui", "yo",
    "soy", "estoy", "se", "nos", "ver", "hacer", "problema", "problemas", "consulta",
    "preguntita", "pregunta", "preguntar", "sea", "osea", "entonces", "ahora", "porfa",
    "porfavor", "mas", "muy", "tambien", "algo", "acerca", "tema", "asunto", "area",
})  # fmt: skip
NAVIGATION_WORDS = {
    "repeat": ("repetir", "repita", "repite", "otra vez", "de nuevo", "no entendi"),
    "back": ("volver", "regresar", "atras", "anterior", "menu anterior"),
    "main_menu": ("menu principal", "inicio", "principal", "empezar de nuevo"),
}
# A caller who does not know what to choose: a person helps, when one is available.
UNSURE = ("no se", "no lo se", "ni idea", "no estoy segur", "no sabria", "no tengo idea")
# Answers to "¿Quiso decir ...?".
YES = frozenset({"si", "claro", "correcto", "exacto", "eso", "esa", "ese", "ya", "ok", "okey",
                 "dale", "afirmativo", "efectivamente", "asi"})  # fmt: skip
NO = frozenset({"no", "ninguna", "ninguno", "tampoco", "negativo"})
ORDINALS = {"primera": 0, "primero": 0, "primer": 0, "segunda": 1, "segundo": 1}
FUZZY_CUTOFF = 82  # rapidfuzz ratio (0-100) a misheard word needs to count as a vocabulary word
FUZZY_WEIGHT = 0.6  # a misheard word counts for less than a word heard right ("area" ~ "tarea")
MIN_FUZZY_LENGTH = 4  # shorter words are too easily close to something
# Ask instead of going when the runner-up weighs at least this share of the best.
CLOSE_SHARE = 0.6
TOKEN_CHARS = 6  # hex characters naming a destination in a question's call state
QUESTION = "q"  # State.step of a question: "q" and the tokens, at most 16 characters in all
MAX_SAID = 500  # characters of a phrase considered


def normalise(text: str) -> str:
    """Lower-case, strip accents and punctuation: "¡Aula Virtual!" -> "aula virtual"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", plain).split())


_STEMMER = snowballstemmer.stemmer("spanish")
_STEMMER_LOCK = threading.Lock()  # a Snowball stemmer object keeps state while it stems


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """Return the Snowball Spanish stem of a normalised word: "pensiones" -> "pension"."""
    with _STEMMER_LOCK:
        return str(_STEMMER.stemWord(word))


def content_words(text: str) -> list[str]:
    """Return the normalised words of ``text`` that are not filler."""
    return [word for word in normalise(text).split() if word not in FILLER]


# -- the index of a tree ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Destination:
    """A node a phrase can reach, with the name a question calls it by."""

    node: str
    name: str
    token: str  # a short stable name for the call state of a question


@dataclass(frozen=True, slots=True)
class Index:
    """What every destination of a tree is called, derived once per loaded tree."""

    destinations: dict[str, Destination]
    weights: dict[str, dict[str, float]]  # stem -> node id -> weight (1 shared by its owners)
    surface: dict[str, str]  # a vocabulary word as written -> its stem, for misheard words
    words: tuple[str, ...]  # the keys of ``surface``, for rapidfuzz
    tokens: dict[str, str]  # token -> node id (tokens two destinations share are left out)
    phrases: dict[str, tuple[frozenset[str], ...]]  # node id -> the stems of each phrase


def _token(node_id: str) -> str:
    return hashlib.blake2b(node_id.encode(), digest_size=8).hexdigest()[:TOKEN_CHARS]


def _vocabulary(tree: MenuTree) -> dict[str, list[str]]:
    """Return each destination's phrases: labels and synonyms of options to it, its speech."""
    phrases: dict[str, list[str]] = {}
    for node in tree.nodes.values():
        if isinstance(node, MenuNode):
            for option in node.options:
                phrases.setdefault(option.target, []).extend((option.label, *option.speech))
    for node in tree.nodes.values():
        if node.speech:
            phrases.setdefault(node.id, []).extend(node.speech)
    return {node_id: said for node_id, said in phrases.items() if node_id in tree.nodes}


@by_identity
def index(tree: MenuTree) -> Index:
    """Return the speech index of ``tree``: built once per loaded tree, then only read."""
    owners: dict[str, set[str]] = {}
    surface: dict[str, str] = {}
    destinations: dict[str, Destination] = {}
    stems: dict[str, set[frozenset[str]]] = {}
    for node_id, said in _vocabulary(tree).items():
        destinations[node_id] = Destination(node_id, spoken_name(tree, node_id), _token(node_id))
        for phrase in said:
            words = content_words(phrase) or normalise(phrase).split()
            stems.setdefault(node_id, set()).add(frozenset(stem(word) for word in words))
            if len(words) > 1:  # "help desk" is also heard as "helpdesk"
                words.append("".join(words))
            for word in words:
                surface[word] = stem(word)
                owners.setdefault(stem(word), set()).add(node_id)
    weights = {s: {node: 1 / len(nodes) for node in nodes} for s, nodes in owners.items()}
    by_token: dict[str, list[str]] = {}
    for destination in destinations.values():
        by_token.setdefault(destination.token, []).append(destination.node)
    tokens = {token: nodes[0] for token, nodes in by_token.items() if len(nodes) == 1}
    phrases = {node: tuple(sorted(each, key=sorted)) for node, each in stems.items()}
    return Index(destinations, weights, surface, tuple(surface), tokens, phrases)


# -- what a phrase means -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Ranked:
    """A destination's weight for a phrase, and the words that gave it."""

    node: str
    score: float
    local: bool  # an option of the menu the caller is in leads there
    exact: bool  # some word was heard as it is written (not only misheard words)
    because: tuple[str, ...]  # "said word -> vocabulary stem (weight)"


@dataclass(frozen=True, slots=True)
class Heard:
    """What a phrase said at a menu means; at most one of the fields that decide is set."""

    ranking: tuple[Ranked, ...] = ()
    go: str | None = None  # the destination meant, with confidence
    offered: tuple[str, ...] = ()  # the destinations to ask between (one or two)
    key: str | None = None  # a spoken key of the menu: "opción dos"
    navigation: str | None = None  # "repeat", "back" or "main_menu"
    unsure: bool = False  # "no sé": the caller does not know what to choose
    why: str = field(default="", compare=False)  # one line for people: tools and logs

    @property
    def understood(self) -> bool:
        return bool(self.go or self.offered or self.key or self.navigation or self.unsure)


def rank(tree: MenuTree, menu: MenuNode, said: str) -> tuple[Ranked, ...]:
    """Return every destination some word of ``said`` points to, best first."""
    found = index(tree)
    words = normalise(said[:MAX_SAID]).split()
    local = {option.target for option in menu.options}
    scores: dict[str, float] = {}
    because: dict[str, list[str]] = {}
    hits: dict[str, tuple[str, float]] = {}  # stem -> the word said, how close
    weak: dict[str, tuple[str, float]] = {}  # filler a destination is named by: "información"
    position = 0
    while position < len(words):
        word = words[position]
        position += 1
        joined = word + words[position] if position < len(words) else ""
        if joined in found.surface and stem(word) not in found.weights:
            word = joined  # "black board" heard for "blackboard"
            position += 1
        if word in DIGIT_WORDS:
            continue  # "opción cuatro" is a key (below), not "cuánto"
        if word in FILLER:
            if stem(word) in found.weights:
                weak.setdefault(stem(word), (word, 1.0))
            continue
        looked = _lookup(found, word)
        if looked is not None:
            hits.setdefault(looked[0], (word, looked[1]))
    parts: dict[str, dict[str, float]] = {}  # node id -> stem -> what it adds
    for hit, (word, similarity) in (hits or weak).items():
        for node_id, weight in found.weights[hit].items():
            parts.setdefault(node_id, {})[hit] = weight * similarity
            because.setdefault(node_id, []).append(f"{word}->{hit} {weight * similarity:.2f}")
    for node_id, added in parts.items():
        # A phrase of several words said whole counts twice: "orientación a estudiantes" is
        # orientación a estudiantes more than it is "estudiantes" or "orientación".
        whole = max(
            (
                sum(added[s] for s in phrase)
                for phrase in found.phrases[node_id]
                if len(phrase) > 1 and phrase <= added.keys()
            ),
            default=0.0,
        )
        scores[node_id] = sum(added.values()) + whole
        if whole:
            because[node_id].append(f"a whole phrase +{whole:.2f}")
    ranked = (
        Ranked(
            node_id,
            score,
            node_id in local or node_id == menu.id,
            any(hits.get(s, weak.get(s, ("", 0.0)))[1] == 1.0 for s in parts[node_id]),
            tuple(because[node_id]),
        )
        for node_id, score in scores.items()
    )
    return tuple(sorted(ranked, key=lambda r: (-round(r.score, 9), not r.local, r.node)))


DIMINUTIVE = re.compile(r"(?:c|ec)?it([oa]s?)$")  # "hijita" -> "hija", "cuotita" -> "cuota"


def _lookup(found: Index, word: str) -> tuple[str, float] | None:
    """Return the vocabulary stem a word said stands for, and how close it is (0-1)."""
    if stem(word) in found.weights:
        return stem(word), 1.0
    if len(word) > 5 and DIMINUTIVE.search(word):
        plain = stem(DIMINUTIVE.sub(r"\1", word))
        if plain in found.weights:
            return plain, 1.0
    if len(word) >= MIN_FUZZY_LENGTH:
        close = process.extractOne(word, found.words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if close is not None:
            return found.surface[close[0]], FUZZY_WEIGHT * close[1] / 100
    return None


def understand(tree: MenuTree, menu: MenuNode, said: str) -> Heard:
    """Return what ``said`` at ``menu`` means: a destination, a question, a key, or nothing.

    Destinations are weighed first (see the module docstring); then a spoken digit ("opción
    dos"); then navigation words; then "no sé".
    """
    text = normalise(said[:MAX_SAID])
    if not text:
        return Heard(why="nothing was said")
    ranking = rank(tree, menu, text)
    navigation = next(
        (
            action
            for action, phrases in NAVIGATION_WORDS.items()
            if any(f" {phrase} " in f" {text} " for phrase in phrases)
        ),
        None,
    )
    if navigation is not None and not any(r.exact for r in ranking):
        # "volver" is no slip for "devolver": a misheard word never outweighs a navigation word
        return Heard(ranking, navigation=navigation, why=f"the navigation word for {navigation}")
    if ranking:
        best = ranking[0]
        here = next((r for r in ranking if r.node == menu.id), None)
        if here is not None and best.score - here.score < 1e-9:
            return Heard(ranking, go=menu.id, why="it names the menu the caller is in")
        if len(ranking) == 1:
            return Heard(ranking, go=best.node, why=f"only {best.node} fits")
        second = ranking[1]
        tied = abs(best.score - second.score) < 1e-9
        if tied and best.local and not second.local:
            return Heard(ranking, go=best.node, why="a tie won by this menu's own option")
        if second.score >= CLOSE_SHARE * best.score:
            return Heard(
                ranking,
                offered=(best.node, second.node),
                why=f"{second.node} weighs {second.score / best.score:.0%} of {best.node}: ask",
            )
        return Heard(
            ranking,
            go=best.node,
            why=f"{second.node} weighs under {CLOSE_SHARE:.0%} of {best.node}: go",
        )
    # A spoken digit counts only when it is all that was said, give or take filler words:
    # "opción dos", "la dos por favor"; not "quiero una constancia".
    words = [word for word in text.split() if word not in FILLER or word in DIGIT_WORDS]
    if len(words) == 1:
        digit = DIGIT_WORDS.get(words[0], words[0])
        if digit.isdigit() and len(digit) == 1 and menu.option_for_key(digit) is not None:
            return Heard(key=digit, why=f"the key {digit} said as a word")
    if any(f" {phrase}" in f" {text}" for phrase in UNSURE):
        return Heard(unsure=True, why="the caller does not know what to choose")
    return Heard(why="no word of it names a destination")


def reply(tree: MenuTree, offered: tuple[str, ...], said: str) -> int | bool | None:
    """Return the answer to "¿Quiso decir ...?": which one offered (0, 1), False for no, or
    None when the answer is something else (to be understood as at the menu).

    Understood: "la primera", "la segunda", a name among those offered, "sí" (when one was
    offered), "no".
    """
    words = normalise(said[:MAX_SAID]).split()
    for word in words:
        if word in ORDINALS and ORDINALS[word] < len(offered):
            return ORDINALS[word]
    found = index(tree)
    scores = [0.0] * len(offered)
    for word in {stem(w) for w in words}:  # filler too: "información" may be a name
        for position, node_id in enumerate(offered):
            scores[position] += found.weights.get(word, {}).get(node_id, 0.0)
    best = max(scores, default=0.0)
    if best > 0 and scores.count(best) == 1:
        return scores.index(best)
    if any(word in NO for word in words):
        rest = [w for w in words if w not in NO and w not in YES and w not in FILLER]
        return None if rest else False  # "no, aula virtual": understood as at the menu
    if len(offered) == 1 and any(word in YES for word in words):
        return 0
    return None


def question_step(tree: MenuTree, offered: tuple[str, ...]) -> str:
    """Return the call state of a question: "q" and the destinations' tokens."""
    found = index(tree)
    return QUESTION + ".".join(found.destinations[node].token for node in offered)


def offered_in(tree: MenuTree, step: str) -> tuple[str, ...]:
    """Return the destinations a question's call state names; () for any other state."""
    if not step.startswith(QUESTION):
        return ()
    tokens = index(tree).tokens
    nodes = tuple(tokens.get(token, "") for token in step[len(QUESTION) :].split("."))
    return nodes if all(nodes) else ()
