"""The core's rule, checked: importing any ``ivr.core`` module loads only the standard library,
``holidays``, ``rapidfuzz``, ``snowballstemmer`` and ``ivr.core`` itself (see
``ivr/core/__init__.py``)."""

from __future__ import annotations

import functools
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import ivr.core

ROOT = Path(__file__).resolve().parents[1]
# Pure libraries the core may use (and whatever they import themselves): Peru's public holidays;
# speech matching's fuzzy word comparison and Spanish stemmer (ivr.core.speech).
ALLOWED_THIRD_PARTY = ("holidays", "rapidfuzz", "snowballstemmer")

CORE_MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(ivr.core.__path__, prefix="ivr.core.")
    if not info.name.endswith("__main__")
)

PROBE = """
import json, sys
before = set(sys.modules)
import importlib
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def _loaded_by(module: str) -> list[str]:
    """Import ``module`` in a fresh interpreter; return every module that import loaded."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded


@functools.cache
def _allowed_third_party() -> frozenset[str]:
    return frozenset(name for allowed in ALLOWED_THIRD_PARTY for name in _loaded_by(allowed))


def _offenders(loaded: list[str]) -> list[str]:
    stdlib = sys.stdlib_module_names
    out = []
    for name in loaded:
        top = name.split(".")[0]
        if top in stdlib or top.startswith("_") or name in _allowed_third_party():
            continue
        if name == "ivr" or name == "ivr.core" or name.startswith("ivr.core."):
            continue
        out.append(name)
    return out


def test_the_core_has_modules() -> None:
    assert "ivr.core.flow" in CORE_MODULES
    assert "ivr.core.fees.policy" in CORE_MODULES
    assert len(CORE_MODULES) > 20


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_loads_nothing_outside_the_core(module: str) -> None:
    assert _offenders(_loaded_by(module)) == []


def test_the_speech_libraries_bring_nothing_else() -> None:
    """rapidfuzz and snowballstemmer load only themselves and the standard library."""
    for allowed in ("rapidfuzz", "snowballstemmer"):
        foreign = {
            name.split(".")[0]
            for name in _loaded_by(allowed)
            if name.split(".")[0] not in sys.stdlib_module_names and not name.startswith("_")
        }
        assert foreign <= {allowed, "cython_runtime"}, (allowed, foreign)


def test_the_check_catches_an_adapter() -> None:
    """The probe itself works: an adapter module does load Flask and YAML."""
    loaded = _loaded_by("ivr.config.source")
    assert "yaml" in _offenders(loaded)
