"""No string literal in ivr/ names the shipped institution: its words live in the operator files.

The banned words are read from the shipped files (campus names and numbers, the WhatsApp
number, the web address, the names the pronunciation list knows) plus the acronyms of the two
seed universities; docstrings and comments are not scanned (they may cite the seeds).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ivr.config.loader import load_config
from tests.helpers import ROOT

PACKAGE = ROOT / "ivr"


def banned() -> tuple[set[str], set[str]]:
    """Return (words, digit runs) that belong to the shipped institution."""
    shipped = load_config(ROOT)
    settings = shipped.menus.settings
    words = {"upn", "wiener", "mimundo"}  # the seeds' universities and portal
    words |= {campus.name.casefold() for campus in shipped.directory.campuses}
    words |= {written.casefold() for written, _ in settings.voice.pronunciations.words}
    words |= {part.casefold() for part, _ in settings.voice.pronunciations.address_parts}
    words.add(settings.contacts.web.casefold())
    numbers = {campus.local for campus in shipped.directory.campuses}
    numbers.add(settings.contacts.whatsapp)
    digits = {re.sub(r"\D", "", number).lstrip("0") for number in numbers}
    return words, digits


def docstrings(tree: ast.AST) -> set[int]:
    """Return the ids of the constant nodes that are docstrings."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                found.add(id(body[0].value))
    return found


def offending_literals(path: Path, words: set[str], digits: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skip = docstrings(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if id(node) in skip:
            continue
        text = node.value.casefold()
        run = re.sub(r"\D", "", text)
        hits = [w for w in words if re.search(rf"(?<![a-z]){re.escape(w)}", text)]
        hits += [d for d in digits if len(run) >= 6 and d in run]
        if hits:
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            found.append(f"{where}:{node.lineno}: {node.value[:60]!r} names {sorted(hits)}")
    return found


def test_no_string_literal_in_the_program_names_the_shipped_institution() -> None:
    words, digits = banned()
    found = [
        problem
        for path in sorted(PACKAGE.rglob("*.py"))
        for problem in offending_literals(path, words, digits)
    ]
    assert found == []


def test_the_scan_finds_a_literal_that_names_it(tmp_path: Path) -> None:
    words, digits = banned()
    assert {"upn", "breña", "contacto.upn.edu.pe", "mimundoupn"} <= words
    assert "914800800" in digits and "16044700" in digits
    planted = tmp_path / "planted.py"
    planted.write_text(
        '"""A docstring may cite UPN."""\n'
        "# a comment may too: 914 800 800\n"
        'WHATSAPP = "Escríbanos al 914 800 800"\n'
        'PORTAL = f"Ingrese a MiMundoUPN {1}"\n'
        'CAMPUS = "+5116044700"\n',
        encoding="utf-8",
    )
    found = offending_literals(planted, words, digits)
    assert sorted(line.split(": ", 1)[0].rsplit(":", 1)[1] for line in found) == ["3", "4", "5"]
