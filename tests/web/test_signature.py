"""The signature the webhooks check is twilio's own, for every kind of value."""

from __future__ import annotations

import random

import pytest
from twilio.request_validator import RequestValidator

from bench.calls import call_params, call_sid, caller_number, keys, speech
from ivr.web.security import signature_of
from tests.hardening.hostile import HOSTILE
from tests.helpers import TOKEN

URL = "https://ivr.example.edu/voice/menu/principal?s=1&t=a.b"


def _cases() -> list[dict[str, list[str]]]:
    rng = random.Random(13)
    base = call_params(call_sid(1), caller_number(1))
    cases = [
        {},
        {name: [value] for name, value in {**base, **keys("2")}.items()},
        {name: [value] for name, value in {**base, **speech("estado de cuenta")}.items()},
        {"Digits": ["1", "2", "1"], "": [""], "b": ["", "x"], "a": ["ñ", "n"]},  # repeats, blanks
    ]
    for _ in range(40):
        fields = rng.sample(sorted(base), 6) + rng.sample(HOSTILE, 3)
        cases.append({name: rng.sample(HOSTILE, rng.randint(1, 3)) for name in fields})
    return cases


class _MultiDict(dict[str, list[str]]):
    def getall(self, key: str) -> list[str]:
        return self[key]


@pytest.mark.parametrize("params", _cases())
def test_the_signature_is_twilios(params: dict[str, list[str]]) -> None:
    validator = RequestValidator(TOKEN)
    expected = validator.compute_signature(URL, _MultiDict(params))
    assert signature_of(validator.token, URL, params) == expected
