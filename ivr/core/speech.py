"""Match what a caller said (Spanish speech recognition) to a menu option or a navigation word."""

from __future__ import annotations

import difflib
import re
import unicodedata

from ivr.core.memo import by_identity
from ivr.core.menu import MenuNode

_NON_WORD = re.compile(r"[^a-z0-9 ]+")
DIGIT_WORDS = {
    "cero": "0", "uno": "1", "una": "1", "dos": "2", "tres": "3", "cuatro": "4",
    "cinco": "5", "seis": "6", "siete": "7", "ocho": "8", "nueve": "9",
}  # fmt: skip
FILLER = {"opcion", "numero", "el", "la", "marco", "marcar", "quiero", "por", "favor", "deseo"}
NAVIGATION_WORDS = {
    "repeat": ("repetir", "repita", "repite", "otra vez", "de nuevo", "no entendi"),
    "back": ("volver", "regresar", "atras", "anterior", "menu anterior"),
    "main_menu": ("menu principal", "inicio", "principal", "empezar de nuevo"),
}


def normalise(text: str) -> str:
    """Lower-case, strip accents and punctuation: "¡Aula Virtual!" -> "aula virtual"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", plain).split())


@by_identity
def _phrases(menu: MenuNode) -> tuple[tuple[str, str], ...]:
    """Return every (normalised phrase, key) of a menu's options, once per loaded menu."""
    return tuple((normalise(p), o.key) for o in menu.options for p in (o.label, *o.speech))


def _contains(haystack: str, phrase: str) -> bool:
    return f" {phrase} " in f" {haystack} "


def match(menu: MenuNode, speech: str) -> str | None:
    """Return the option key or navigation action ("repeat", "back", "main_menu") meant, or None.

    Whole-word matches of an option's label or synonyms win, the longest phrase first (so
    "orientación a padres" beats "orientación"); then a spoken digit ("opción dos"); then
    navigation words; then a close fuzzy match of the whole utterance, for recognition slips.
    """
    said = normalise(speech)[:500]
    if not said:
        return None
    candidates: list[tuple[int, str]] = []
    option_phrases = _phrases(menu)
    for norm, key in option_phrases:
        if norm and _contains(said, norm):
            candidates.append((len(norm), key))
    if candidates:
        best = max(length for length, _ in candidates)
        keys = {key for length, key in candidates if length == best}
        return keys.pop() if len(keys) == 1 else None
    # A spoken digit counts only when it is all that was said, give or take filler words:
    # "opción dos", "la dos por favor"; not "quiero una constancia".
    words = [word for word in said.split() if word not in FILLER]
    if len(words) == 1:
        digit = DIGIT_WORDS.get(words[0], words[0])
        if digit.isdigit() and menu.option_for_key(digit) is not None:
            return digit
    for action, phrases in NAVIGATION_WORDS.items():
        if any(_contains(said, phrase) for phrase in phrases):
            return action
    by_phrase = dict(option_phrases)
    close = difflib.get_close_matches(said, list(by_phrase), n=1, cutoff=0.8)
    return by_phrase[close[0]] if close else None
