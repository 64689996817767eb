"""Match what a caller said (Spanish speech recognition) to a menu option or a navigation word.

Words weigh by how many options share them: a word that belongs to one option only ("padres")
outweighs a word several options share ("orientación"), so "orientación para padres" finds
orientación a padres. Filler ("quiero hablar con", "por favor", articles) weighs nothing; a word
the recogniser slipped on ("birtual") counts as the option word it is closest to. When the two
best options weigh the same the caller is asked to choose between them by key.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from ivr.core.memo import by_identity
from ivr.core.menu import MenuNode

_NON_WORD = re.compile(r"[^a-z0-9 ]+")
DIGIT_WORDS = {
    "cero": "0", "uno": "1", "una": "1", "dos": "2", "tres": "3", "cuatro": "4",
    "cinco": "5", "seis": "6", "siete": "7", "ocho": "8", "nueve": "9",
}  # fmt: skip
# Words that say nothing about which option is meant.
FILLER = frozenset({
    "a", "al", "con", "de", "del", "el", "en", "la", "las", "lo", "los", "me", "mi", "mis",
    "para", "por", "favor", "quiero", "quisiera", "deseo", "necesito", "hablar", "comunicar",
    "comunicarme", "comunique", "comunica", "pasar", "paseme", "pase", "llamar", "informacion",
    "sobre", "un", "unos", "unas", "y", "o", "que", "es", "su", "sus", "tu", "tus",
    "opcion", "numero", "marco", "marcar", "bueno", "buenas", "buenos", "dias", "tardes",
    "noches", "hola", "si", "ayudeme", "puede", "podria",
})  # fmt: skip
# "información" is said with almost anything ("información sobre mis pagos"): it is filler
# unless an option is named by it alone, which _vocabulary handles.
NAVIGATION_WORDS = {
    "repeat": ("repetir", "repita", "repite", "otra vez", "de nuevo", "no entendi"),
    "back": ("volver", "regresar", "atras", "anterior", "menu anterior"),
    "main_menu": ("menu principal", "inicio", "principal", "empezar de nuevo"),
}
FUZZY_CUTOFF = 0.8  # how close a misheard word must be to an option word to count as it


def normalise(text: str) -> str:
    """Lower-case, strip accents and punctuation: "¡Aula Virtual!" -> "aula virtual"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", plain).split())


def _stem(word: str) -> str:
    """Fold a plural onto its singular: "padres" -> "padre", "cuotas" -> "cuota"."""
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """A menu's option words with their weights, derived once per loaded menu."""

    words: dict[str, dict[str, float]]  # stem -> option key -> weight
    phrases: tuple[tuple[str, str], ...]  # (normalised label or synonym, key)


@by_identity
def _vocabulary(menu: MenuNode) -> _Vocabulary:
    owners: dict[str, set[str]] = {}
    phrases: list[tuple[str, str]] = []
    for option in menu.options:
        for phrase in (option.label, *option.speech):
            norm = normalise(phrase)
            phrases.append((norm, option.key))
            content = [w for w in norm.split() if w not in FILLER] or norm.split()
            if len(content) > 1:  # "help desk" is also heard as "helpdesk"
                content.append("".join(content))
            for word in content:
                owners.setdefault(_stem(word), set()).add(option.key)
    # A word weighs 1 shared among the options that use it: 1 for one option, 1/2 for two.
    words = {stem: {key: 1 / len(keys) for key in keys} for stem, keys in owners.items()}
    return _Vocabulary(words, tuple(phrases))


def scores(menu: MenuNode, speech: str) -> dict[str, float]:
    """Return each option key's weight for what was said (only options with some weight)."""
    vocabulary = _vocabulary(menu)
    said = normalise(speech)[:500]
    out: dict[str, float] = {}
    words = said.split()
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        joined = _stem(word + words[index + 1]) if index + 1 < len(words) else ""
        if joined in vocabulary.words and _stem(word) not in vocabulary.words:
            word, skip = joined, True  # "black board" heard for "blackboard"
        stem = _stem(word)
        owners = vocabulary.words.get(stem)
        if owners is None and word not in FILLER and len(word) > 3:
            close = difflib.get_close_matches(stem, list(vocabulary.words), 1, FUZZY_CUTOFF)
            owners = vocabulary.words[close[0]] if close else None
        for key, weight in (owners or {}).items():
            out[key] = out.get(key, 0.0) + weight
    return out


def best_two(menu: MenuNode, speech: str) -> tuple[str, ...]:
    """Return the one or two option keys that weigh most for what was said, best first."""
    ranked = sorted(scores(menu, speech).items(), key=lambda item: (-item[1], item[0]))
    return tuple(key for key, _ in ranked[:2])


def candidates(menu: MenuNode, speech: str) -> tuple[str, ...]:
    """Return what was meant: one option key or navigation action, two tied keys, or ().

    Navigation actions are "repeat", "back" and "main_menu". Options are weighed first (see
    the module docstring); then a spoken digit ("opción dos"); then navigation words.
    """
    said = normalise(speech)[:500]
    if not said:
        return ()
    weights = scores(menu, said)
    if weights:
        ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
        if len(ranked) > 1 and abs(ranked[0][1] - ranked[1][1]) < 1e-9:
            return (ranked[0][0], ranked[1][0])
        return (ranked[0][0],)
    # A spoken digit counts only when it is all that was said, give or take filler words:
    # "opción dos", "la dos por favor"; not "quiero una constancia".
    words = [word for word in said.split() if word not in FILLER]
    if len(words) == 1:
        digit = DIGIT_WORDS.get(words[0], words[0])
        if digit.isdigit() and menu.option_for_key(digit) is not None:
            return (digit,)
    for action, phrases in NAVIGATION_WORDS.items():
        if any(f" {phrase} " in f" {said} " for phrase in phrases):
            return (action,)
    return ()


def match(menu: MenuNode, speech: str) -> str | None:
    """Return the one option key or navigation action meant, or None (nothing, or a tie)."""
    found = candidates(menu, speech)
    return found[0] if len(found) == 1 else None
