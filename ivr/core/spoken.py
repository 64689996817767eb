"""Spanish words for numbers, money and dates, as a Peruvian caller expects to hear them.

The one place where the phone's wording of amounts and dates lives:
``money_words(123450)`` is "mil doscientos treinta y cuatro soles con cincuenta céntimos",
``date_words(date(2026, 5, 15))`` is "viernes 15 de mayo". Pure: no clock, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

Gender = Literal["neutral", "masculine", "feminine"]

_UNITS = (
    "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
    "diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete",
    "dieciocho", "diecinueve", "veinte", "veintiuno", "veintidós", "veintitrés",
    "veinticuatro", "veinticinco", "veintiséis", "veintisiete", "veintiocho", "veintinueve",
)  # fmt: skip
_TENS = ("", "", "", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta",
         "noventa")  # fmt: skip
_HUNDREDS = ("", "ciento", "doscientos", "trescientos", "cuatrocientos", "quinientos",
             "seiscientos", "setecientos", "ochocientos", "novecientos")  # fmt: skip
_WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre")  # fmt: skip
_MILLION = 1_000_000
_LARGEST = 10**12  # up to "novecientos noventa y nueve mil novecientos ... millones"


def _one(word: str, gender: Gender) -> str:
    """Turn a final "uno" into "un" before a masculine noun, "una" before a feminine one."""
    if gender == "neutral" or not word.endswith("uno"):
        return word
    stem = word[:-3]
    if gender == "feminine":
        return stem + "una"
    return "veintiún" if stem == "veinti" else stem + "un"


def _below_thousand(n: int, gender: Gender) -> str:
    hundreds, rest = divmod(n, 100)
    words: list[str] = []
    if hundreds:
        if n == 100:
            return "cien"
        word = _HUNDREDS[hundreds]
        if gender == "feminine" and hundreds > 1:
            word = word[:-2] + "as"  # doscientas, quinientas
        words.append(word)
    if rest:
        if rest < 30:
            words.append(_one(_UNITS[rest], gender))
        else:
            tens, unit = divmod(rest, 10)
            words.append(
                _TENS[tens] if unit == 0 else f"{_TENS[tens]} y {_one(_UNITS[unit], gender)}"
            )
    return " ".join(words)


def _below_million(n: int, gender: Gender) -> str:
    thousands, rest = divmod(n, 1000)
    words: list[str] = []
    if thousands == 1:
        words.append("mil")  # never "un mil"
    elif thousands:
        # "veintiún mil", "doscientos un mil": mil takes the apocopated form
        words.append(_below_thousand(thousands, "masculine" if gender == "neutral" else gender))
        words.append("mil")
    if rest:
        words.append(_below_thousand(rest, gender))
    return " ".join(words)


def number_words(n: int, gender: Gender = "neutral") -> str:
    """Return a whole number in Spanish words.

    ``gender`` agrees a final one with the noun that follows: "veintiuno" counted alone,
    "veintiún soles" (masculine), "veintiuna cuotas" (feminine, which also gives
    "doscientas"). Millions are always masculine: "un millón", "doscientos un millones".
    """
    if n < 0:
        return "menos " + number_words(-n, gender)
    if n >= _LARGEST:
        raise ValueError(f"{n} is too large to say")
    if n == 0:
        return "cero"
    millions, rest = divmod(n, _MILLION)
    words: list[str] = []
    if millions == 1:
        words.append("un millón")
    elif millions:
        words.append(_below_million(millions, "masculine") + " millones")
    if rest:
        words.append(_below_million(rest, gender))
    return " ".join(words)


def money_words(cents: int) -> str:
    """Say an amount of soles: 123450 -> "mil doscientos treinta y cuatro soles con cincuenta
    céntimos", 100 -> "un sol", 2100 -> "veintiún soles", 1 -> "un céntimo"; never "con cero
    céntimos"; "un millón de soles" when the millions are followed by nothing else."""
    if cents < 0:
        return "menos " + money_words(-cents)
    soles, centimos = divmod(cents, 100)
    parts: list[str] = []
    if soles:
        of = " de" if soles % _MILLION == 0 else ""  # "un millón de soles", "dos millones de"
        unit = "sol" if soles == 1 else "soles"
        parts.append(f"{number_words(soles, 'masculine')}{of} {unit}")
    if centimos:
        unit = "céntimo" if centimos == 1 else "céntimos"
        parts.append(f"{number_words(centimos, 'masculine')} {unit}")
    if not parts:
        return "cero soles"
    return " con ".join(parts)


def money_text(cents: int) -> str:
    """Write an amount as Peru writes soles: 123450 -> "S/ 1,234.50", -1500 -> "-S/ 15.00"."""
    sign = "-" if cents < 0 else ""
    soles, centimos = divmod(abs(cents), 100)
    return f"{sign}S/ {soles:,}.{centimos:02d}"


def date_words(day: date, *, with_year: bool = False) -> str:
    """Say a date: "viernes 15 de mayo", or "viernes 15 de mayo de 2026" with the year.

    The day and year stay as digits: the text-to-speech voice reads them naturally, and the
    same text reads well in a call log.
    """
    text = f"{_WEEKDAYS[day.weekday()]} {day.day} de {_MONTHS[day.month - 1]}"
    return f"{text} de {day.year}" if with_year else text


def term_words(term: str) -> str:
    """Say a term code: "2026-2" -> "dos mil veintiséis dos"; other codes are left as they are."""
    year, _, number = term.partition("-")
    if year.isdigit() and number.isdigit():
        return f"{number_words(int(year))} {number_words(int(number))}"
    return term


# -- phone numbers, web addresses and acronyms, as the voice must say them ---------------------
# Spelled out in plain words rather than SSML: Polly's <say-as interpret-as="telephone"> knows
# only 7- and 10-digit numbers (a Peruvian mobile has 9 digits: it falls back to a cardinal,
# "novecientos catorce millones..."), "digits" reads one run with no grouping pauses, and
# "characters" is not supported by neural voices such as Mia (Polly switches that sentence to
# a standard voice). Words with commas are read the same way by every voice, and by a person
# reading a call log.
_DIGIT_NAMES = ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho",
                "nueve")  # fmt: skip
_LETTER_NAMES = {
    "a": "a", "b": "be", "c": "ce", "d": "de", "e": "e", "f": "efe", "g": "ge", "h": "hache",
    "i": "i", "j": "jota", "k": "ka", "l": "ele", "m": "eme", "n": "ene", "ñ": "eñe", "o": "o",
    "p": "pe", "q": "cu", "r": "erre", "s": "ese", "t": "te", "u": "u", "v": "ve",
    "w": "doble u", "x": "equis", "y": "ye", "z": "zeta",
}  # fmt: skip
# How the parts of a web or e-mail address are said; others of 4 letters or more are read as
# words, shorter ones spelled letter by letter. An institution's own parts (its domain) come
# from the operator files (``Pronunciations``).
ADDRESS_PARTS = {
    "pe": "pe",
    "edu": "edu",
    "com": "com",
    "org": "org",
    "www": "doble u doble u doble u",
}
# Acronyms a voice misreads, as callers must hear them; an institution's names and acronyms
# come from the operator files.
ACRONYMS = {
    "DNI": "de ene i",
}
_PHONE = re.compile(r"(?<![\w.,/+])\+?\(?\d[\d ()-]{4,}\d(?![\w.,]\d)")
_ADDRESS = re.compile(
    r"(?:https?://)?(?:[\w-]+@)?(?:[a-z0-9-]+\.)+(?:pe|com|org|net|edu)\b/?", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Pronunciations:
    """How the voice must say an institution's names and address parts (its operator files)."""

    words: tuple[tuple[str, str], ...] = ()  # ("UNI", "u ene i"): whole words, case kept
    address_parts: tuple[tuple[str, str], ...] = ()  # ("uni", "u ene i"): in addresses

    @property
    def acronyms(self) -> dict[str, str]:
        return {**ACRONYMS, **dict(self.words)}

    @property
    def parts(self) -> dict[str, str]:
        return {**ADDRESS_PARTS, **{k.casefold(): v for k, v in self.address_parts}}


NO_PRONUNCIATIONS = Pronunciations()


@lru_cache(maxsize=8)
def _acronym_pattern(pronunciations: Pronunciations) -> re.Pattern[str]:
    names = sorted(pronunciations.acronyms, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")


def peru_written(number: str) -> str | None:
    """Write a Peruvian E.164 number as Peruvians do, or None when it is not one.

    A mobile "+51914800800" -> "914 800 800", a Lima landline "+5116044700" -> "(01) 604-4700",
    a provincial one "+5144606200" -> "(044) 606-200" (area code with its 0, then 3 + 3).
    """
    if not number.startswith("+51"):
        return None
    digits = number[3:]
    if not digits.isdigit():
        return None
    if len(digits) == 9 and digits[0] == "9":
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    if len(digits) == 8 and digits[0] == "1":
        return f"(01) {digits[1:4]}-{digits[4:]}"
    if len(digits) == 8:
        return f"(0{digits[:2]}) {digits[2:5]}-{digits[5:]}"
    return None


def phone_words(number: str) -> str:
    """Say a phone number in digit groups: "914 800 800" -> "nueve uno cuatro, ocho cero cero,
    ocho cero cero". The groups written are kept ("(01) 604-4700"); a Peruvian E.164 number is
    said as Peruvians write it (``peru_written``); another number written in one run is grouped
    by threes, the last group taking four when one digit would be left alone."""
    number = peru_written(number.strip()) or number
    groups = [g for g in re.split(r"[^\d]+", number) if g]
    if len(groups) == 1:
        groups = _grouped(groups[0])
    return ", ".join(" ".join(_DIGIT_NAMES[int(d)] for d in group) for group in groups)


def _grouped(digits: str) -> list[str]:
    fixed: dict[int, tuple[int, ...]] = {7: (3, 4), 8: (4, 4)}
    sizes = fixed.get(len(digits))
    if sizes is None:
        threes, rest = divmod(len(digits), 3)
        sizes = (3,) * (threes - 1) + ((3 + rest,) if rest == 1 else (3, rest) if rest else (3,))
    out: list[str] = []
    start = 0
    for size in sizes:
        out.append(digits[start : start + size])
        start += size
    return [g for g in out if g]


def address_words(address: str, pronunciations: Pronunciations = NO_PRONUNCIATIONS) -> str:
    """Say a web or e-mail address: "ayuda.example.edu.pe" -> "ayuda punto example punto edu
    punto pe"; "caja@uni.edu.pe" -> "caja arroba u ene i punto edu punto pe"."""
    plain = re.sub(r"^https?://", "", address, flags=re.IGNORECASE).rstrip("/")
    user, _, host = plain.rpartition("@")
    parts = pronunciations.parts
    spoken = " punto ".join(_address_part(part, parts) for part in host.split("."))
    return f"{_address_part(user, parts)} arroba {spoken}" if user else spoken


def _address_part(part: str, parts: dict[str, str]) -> str:
    lower = part.casefold()
    if lower in parts:
        return parts[lower]
    if len(lower) >= 4:
        return lower
    return " ".join(_LETTER_NAMES.get(ch, ch) for ch in lower)


def for_voice(text: str, pronunciations: Pronunciations = NO_PRONUNCIATIONS) -> str:
    """Return ``text`` as the voice must read it: phone numbers, addresses and acronyms in words.

    The one place these are worded: every text Twilio speaks passes through it (``ivr.twiml``).
    """
    if not any(ch.isdigit() or ch in ".@" or ch.isupper() for ch in text):
        return text
    text = _ADDRESS.sub(lambda m: address_words(m.group(0), pronunciations), text)
    text = _PHONE.sub(_phone_match, text)
    acronyms = pronunciations.acronyms
    return _acronym_pattern(pronunciations).sub(lambda m: acronyms[m.group(1)], text)


def _phone_match(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    # six digits or more, at least three together: a phone number, not "24 de" or a year
    if digits < 6 or not re.search(r"\d{3}", found):
        return found
    return phone_words(found)
