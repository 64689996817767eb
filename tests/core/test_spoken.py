"""Spanish words for numbers, money and dates, as a Peruvian caller expects them."""

from __future__ import annotations

from datetime import date

import pytest

from ivr.config.loader import load_config
from ivr.core.spoken import (
    Pronunciations,
    address_words,
    date_words,
    for_voice,
    money_text,
    money_words,
    number_words,
    peru_written,
    phone_words,
    term_words,
)
from tests.helpers import ROOT


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "cero"),
        (1, "uno"),
        (10, "diez"),
        (15, "quince"),
        (16, "dieciséis"),
        (20, "veinte"),
        (21, "veintiuno"),
        (22, "veintidós"),
        (23, "veintitrés"),
        (26, "veintiséis"),
        (30, "treinta"),
        (31, "treinta y uno"),
        (99, "noventa y nueve"),
        (100, "cien"),
        (101, "ciento uno"),
        (115, "ciento quince"),
        (200, "doscientos"),
        (500, "quinientos"),
        (555, "quinientos cincuenta y cinco"),
        (700, "setecientos"),
        (900, "novecientos"),
        (999, "novecientos noventa y nueve"),
        (1000, "mil"),
        (1001, "mil uno"),
        (1100, "mil cien"),
        (2000, "dos mil"),
        (2026, "dos mil veintiséis"),
        (21000, "veintiún mil"),
        (100000, "cien mil"),
        (101000, "ciento un mil"),
        (201021, "doscientos un mil veintiuno"),
        (999999, "novecientos noventa y nueve mil novecientos noventa y nueve"),
        (1_000_000, "un millón"),
        (1_000_001, "un millón uno"),
        (2_000_000, "dos millones"),
        (21_000_000, "veintiún millones"),
        (1_500_000, "un millón quinientos mil"),
        (1_000_000_000, "mil millones"),
        (-5, "menos cinco"),
    ],
)
def test_number_words(n: int, words: str) -> None:
    assert number_words(n) == words


@pytest.mark.parametrize(
    ("n", "gender", "words"),
    [
        (1, "masculine", "un"),
        (1, "feminine", "una"),
        (21, "masculine", "veintiún"),
        (21, "feminine", "veintiuna"),
        (31, "masculine", "treinta y un"),
        (101, "masculine", "ciento un"),
        (200, "feminine", "doscientas"),
        (500, "feminine", "quinientas"),
        (21000, "feminine", "veintiuna mil"),
        (1_000_001, "feminine", "un millón una"),
    ],
)
def test_number_words_agree_with_the_noun(n: int, gender: str, words: str) -> None:
    assert number_words(n, gender) == words  # type: ignore[arg-type]


def test_number_words_has_a_limit() -> None:
    with pytest.raises(ValueError, match="too large"):
        number_words(10**12)


@pytest.mark.parametrize(
    ("cents", "words"),
    [
        pytest.param(
            123450,
            "mil doscientos treinta y cuatro soles con cincuenta céntimos",
            id="digest",
        ),
        pytest.param(100, "un sol", id="one-sol"),
        pytest.param(101, "un sol con un céntimo", id="one-and-one"),
        pytest.param(2100, "veintiún soles", id="veintiun"),
        pytest.param(1500, "quince soles", id="never-con-cero"),
        pytest.param(1, "un céntimo", id="one-centimo"),
        pytest.param(50, "cincuenta céntimos", id="centimos-only"),
        pytest.param(0, "cero soles", id="zero"),
        pytest.param(10000, "cien soles", id="cien"),
        pytest.param(10100, "ciento un soles", id="ciento-un"),
        pytest.param(50000, "quinientos soles", id="quinientos"),
        pytest.param(70000, "setecientos soles", id="setecientos"),
        pytest.param(90000, "novecientos soles", id="novecientos"),
        pytest.param(100000, "mil soles", id="mil"),
        pytest.param(200000, "dos mil soles", id="dos-mil"),
        pytest.param(2100000, "veintiún mil soles", id="veintiun-mil"),
        pytest.param(98850, "novecientos ochenta y ocho soles con cincuenta céntimos", id="cuota"),
        pytest.param(100000000, "un millón de soles", id="millon-de"),
        pytest.param(300000000, "tres millones de soles", id="millones-de"),
        pytest.param(150000000, "un millón quinientos mil soles", id="millon-no-de"),
        pytest.param(100000100, "un millón un soles", id="millon-un"),
        pytest.param(-1500, "menos quince soles", id="negative"),
    ],
)
def test_money_words(cents: int, words: str) -> None:
    assert money_words(cents) == words


@pytest.mark.parametrize(
    ("cents", "text"),
    [(123450, "S/ 1,234.50"), (1500, "S/ 15.00"), (5, "S/ 0.05"), (100000000, "S/ 1,000,000.00"),
     (-1500, "-S/ 15.00")],
)  # fmt: skip
def test_money_text(cents: int, text: str) -> None:
    assert money_text(cents) == text


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2026, 5, 15), "viernes 15 de mayo"),
        (date(2026, 11, 30), "lunes 30 de noviembre"),
        (date(2026, 9, 30), "miércoles 30 de septiembre"),
        (date(2026, 11, 21), "sábado 21 de noviembre"),
        (date(2026, 11, 22), "domingo 22 de noviembre"),
        (date(2027, 1, 1), "viernes 1 de enero"),
    ],
)
def test_date_words(day: date, words: str) -> None:
    assert date_words(day) == words


def test_date_words_with_the_year() -> None:
    assert date_words(date(2027, 3, 30), with_year=True) == "martes 30 de marzo de 2027"


def test_term_words() -> None:
    assert term_words("2026-2") == "dos mil veintiséis dos"
    assert term_words("verano") == "verano"


# -- phone numbers, addresses and acronyms, as the voice says them -------------------------------


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("914 800 800", "nueve uno cuatro, ocho cero cero, ocho cero cero"),
        ("914800800", "nueve uno cuatro, ocho cero cero, ocho cero cero"),
        ("(01) 604-4700", "cero uno, seis cero cuatro, cuatro siete cero cero"),
        ("6044700", "seis cero cuatro, cuatro siete cero cero"),
        ("60447001", "seis cero cuatro cuatro, siete cero cero uno"),
        # Peruvian E.164 numbers, as Peruvians write them: 914 800 800, (01) 604-4700, (044) ...
        ("+51914800800", "nueve uno cuatro, ocho cero cero, ocho cero cero"),
        ("+5116044700", "cero uno, seis cero cuatro, cuatro siete cero cero"),
        ("+5144606200", "cero cuatro cuatro, seis cero seis, dos cero cero"),
    ],
)
def test_phone_numbers_are_said_in_digit_groups(written: str, spoken: str) -> None:
    assert phone_words(written) == spoken


@pytest.mark.parametrize(
    ("number", "written"),
    [
        ("+51914800800", "914 800 800"),
        ("+5116044700", "(01) 604-4700"),
        ("+5144606200", "(044) 606-200"),
        ("+5491140000000", None),
        ("+51123", None),
    ],
)
def test_peruvian_numbers_are_written_as_peruvians_write_them(
    number: str, written: str | None
) -> None:
    assert peru_written(number) == written


# The shipped operator files' pronunciations (menus/main.yaml, settings.pronunciations).
SHIPPED = load_config(ROOT).menus.settings.voice.pronunciations


def test_addresses_are_said_part_by_part() -> None:
    assert address_words("contacto.upn.edu.pe", SHIPPED) == (
        "contacto punto u pe ene punto edu punto pe"
    )
    assert address_words("https://contacto.upn.edu.pe/", SHIPPED) == address_words(
        "contacto.upn.edu.pe", SHIPPED
    )
    wiener = Pronunciations(address_parts=(("uwiener", "u wiener"),))
    assert address_words("cobranzas@uwiener.edu.pe", wiener) == (
        "cobranzas arroba u wiener punto edu punto pe"
    )


def test_without_pronunciations_an_address_part_is_read_or_spelled() -> None:
    assert address_words("ayuda.uni.edu.pe") == "ayuda punto u ene i punto edu punto pe"
    assert for_voice("Contacto UPN") == "Contacto UPN"  # no institution's names in the code


def test_for_voice_words_numbers_addresses_and_acronyms_and_leaves_the_rest() -> None:
    assert for_voice("Escríbanos al 914 800 800 o entre a contacto.upn.edu.pe.", SHIPPED) == (
        "Escríbanos al nueve uno cuatro, ocho cero cero, ocho cero cero o entre a contacto "
        "punto u pe ene punto edu punto pe."
    )
    assert for_voice("Ingrese a MiMundoUPN, Contacto UPN, con su DNI.", SHIPPED) == (
        "Ingrese a Mi Mundo u pe ene, Contacto u pe ene, con su de ene i."
    )
    untouched = "La cuota 5 vence el miércoles 30 de diciembre de 2026, a las 9 de la mañana."
    assert for_voice(untouched) == untouched
