"""The signature the webhooks check is twilio's own, over the fields werkzeug would parse."""

from __future__ import annotations

import io
import random
from urllib.parse import urlencode

import pytest
from flask import Request
from twilio.request_validator import RequestValidator

from bench.calls import call_params, call_sid, caller_number, keys, speech
from ivr.web.security import URLENCODED, form_fields, signature_of
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


def _bodies() -> list[tuple[str, bytes]]:
    """Request bodies as a client may send them: well formed, repeated, broken, not UTF-8."""
    rng = random.Random(17)
    bodies = [
        (URLENCODED, b""),
        (
            URLENCODED,
            urlencode({**call_params(call_sid(1), caller_number(1)), **keys("2")}).encode(),
        ),
        (URLENCODED + "; charset=utf-8", b"Digits=1&Digits=2&=x&a&b=&c=%E2%82%AC+%2B"),
        (URLENCODED, b"a=%ZZ&b=%E2%82&c=\xff\xfe&d=%00"),  # bad escapes, bytes not UTF-8
        (URLENCODED, "Ñ=ñ&ü=%C3%BC;x=y".encode()),
        (
            "multipart/form-data; boundary=B",
            b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--\r\n',
        ),
        ("text/plain", b"a=1"),
    ]
    for _ in range(40):
        pairs = [(rng.choice(HOSTILE), rng.choice(HOSTILE)) for _ in range(rng.randint(1, 6))]
        bodies.append((URLENCODED, urlencode(pairs).encode()))
    return bodies


@pytest.mark.parametrize(("content_type", "body"), _bodies())
def test_the_fields_are_the_ones_werkzeug_parses(content_type: str, body: bytes) -> None:
    def request() -> Request:
        return Request(
            {
                "REQUEST_METHOD": "POST",
                "CONTENT_TYPE": content_type,
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body),
            }
        )

    ours = request()
    fields = form_fields(ours)
    assert fields == {name: values for name, values in request().form.lists()}
    assert {name: values for name, values in ours.form.lists()} == fields  # form still readable
