"""Check the texts operators write for callers: usted, and no operator notes.

Callers are addressed as usted: a tú form is a warning, not an error (the text still works, it
only speaks to the caller in the wrong register). Only words that are tú and nothing else are
listed ("registra" or "consulta" can be usted or a noun, so they are not). A note for
operators in brackets or parentheses, "(cuando no se entiende la elección)", is an error: the
voice would read it to every caller.
"""

from __future__ import annotations

import re
import unicodedata

from ivr.config.source import Collector, YNode

# tú form -> the usted form to write instead (keys without accents, lower-case)
TU_FORMS = {
    "tu": "su", "tus": "sus", "te": "le", "ti": "usted", "contigo": "con usted",
    "puedes": "puede", "tienes": "tiene", "quieres": "quiere", "debes": "debe",
    "deseas": "desea", "necesitas": "necesita", "eres": "es", "haz": "haga",
    "escribenos": "escríbanos", "llamanos": "llámenos", "visitanos": "visítenos",
    "comunicate": "comuníquese", "acercate": "acérquese", "registrate": "regístrese",
    "dinos": "díganos", "escribe": "escriba", "ingresa": "ingrese", "elige": "elija",
    "recuerda": "recuerde", "visita": "visite", "intenta": "intente", "vuelve": "vuelva",
    "presiona": "presione", "pulsa": "pulse", "marca": "marque", "registra": "registre",
}  # fmt: skip
# Tú commands that are also the usted present ("usted ingresa y elige..."): warned about only
# where a command stands, at the start of a sentence or a clause.
COMMAND_ONLY_AT_START = frozenset(
    {"escribe", "ingresa", "elige", "recuerda", "visita", "intenta", "vuelve", "presiona",
     "pulsa", "marca", "registra"}
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")
_CLAUSE_START = re.compile(r"(^|[.:;!?¡¿,])\s*$")
# A note in brackets or parentheses, or a bracket left alone.
_NOTE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|[()\[\]]")


def informal_words(text: str) -> list[tuple[str, str]]:
    """Return each tú word in ``text`` (as written) with the usted form to use instead."""
    found: list[tuple[str, str]] = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        plain = "".join(
            ch for ch in unicodedata.normalize("NFKD", word.casefold())
            if not unicodedata.combining(ch)
        )  # fmt: skip
        if plain not in TU_FORMS:
            continue
        if plain in COMMAND_ONLY_AT_START and not _CLAUSE_START.search(text[: match.start()]):
            continue
        found.append((word, TU_FORMS[plain]))
    return found


def check_register(collector: Collector, node: YNode, text: str) -> None:
    """Warn, with the file and line, about every tú form in a text callers hear."""
    for word, formal in informal_words(text):
        collector.warn(
            node,
            f"'{word}' addresses the caller as tú",
            f"callers are addressed as usted: write '{formal}'",
        )


def operator_note(text: str) -> str | None:
    """Return the first note for operators in ``text`` ("(...)" or "[...]"), or None."""
    found = _NOTE.search(text)
    return found.group(0) if found else None


def check_spoken(collector: Collector, node: YNode, text: str) -> None:
    """Check a text callers hear: reject an operator note, warn about tú forms (file:line)."""
    note = operator_note(text)
    if note is not None:
        collector.add(
            node,
            f"callers would hear the operator note {note!r}",
            "callers hear every word of this text: keep notes in the node's title or a # comment",
        )
    check_register(collector, node, text)
