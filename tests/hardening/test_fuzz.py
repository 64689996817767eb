"""Property-based fuzzing of every webhook in the app: signed garbage gets valid TwiML (or 413
when over the size limit), unsigned, badly signed or tampered requests get 403.

The same attack classes go through real gunicorn, 10,000 requests strong, in test_served.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from ivr import create_app
from ivr.clock import LIMA
from ivr.storage.database import sqlite_url
from ivr.web.security import CALL_SID
from tests.hardening.hostile import HOSTILE, SHORT
from tests.helpers import TOKEN, assert_valid_twiml, copy_config, sign, upgrade_url

LIMIT = 64 * 1024
TWILIO_NAMES = [
    "CallSid", "To", "From", "Digits", "SpeechResult", "Confidence", "CallStatus",
    "CallDuration", "DialCallStatus", "QueueResult", "ErrorCode", "AccountSid", "Direction",
]  # fmt: skip
NODES = ["principal", "estudiantes", "help-desk", "estado-de-cuenta", "canales", "nope", "ñ"]
ROUTES = ["/voice", "/voice/menu/{}", "/voice/node/{}", "/voice/transfer/{}",
          "/voice/selfservice/{}", "/voice/fallback", "/voice/status", "/voice/{}"]  # fmt: skip

texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789*#", max_size=20),
    st.sampled_from(HOSTILE),
    st.lists(st.sampled_from(SHORT), max_size=4).map("".join),
)
queries = st.dictionaries(
    st.sampled_from(["s", "t", "ni", "iv", "st", "x"]),
    st.one_of(st.text(max_size=30), st.integers(-5, 10**9).map(str), st.sampled_from(HOSTILE)),
    max_size=5,
)
params = st.lists(
    st.tuples(st.one_of(st.sampled_from(TWILIO_NAMES), st.text(max_size=12)), texts),
    max_size=12,
)
nodes = st.one_of(st.sampled_from(NODES), st.text(max_size=20), st.sampled_from(SHORT))


@pytest.fixture(scope="module")
def module_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    folder = copy_config(tmp_path_factory.mktemp("fuzz") / "config")
    moment = datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)
    upgrade_url(sqlite_url(folder / "var" / "ivr.sqlite3"))  # as `ivr db upgrade` would
    return create_app(
        {
            "IVR_CONFIG_DIR": str(folder),
            "IVR_DATA_DIR": str(folder / "var"),
            "TWILIO_AUTH_TOKEN": TOKEN,
            "CLOCK": lambda: moment,
            "TESTING": True,
        }
    )


@pytest.fixture(scope="module")
def client(module_app: Flask) -> Iterator[FlaskClient]:
    with module_app.test_client() as c:
        yield c


def _url(route: str, node: str, query: dict[str, str]) -> str:
    path = route.format(quote(node, safe=""))
    return path + ("?" + urlencode(query) if query else "")


FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(route=st.sampled_from(ROUTES), node=nodes, query=queries, form=params,
       method=st.sampled_from(["POST", "GET"]))  # fmt: skip
def test_signed_requests_always_get_valid_twiml(
    client: FlaskClient,
    route: str,
    node: str,
    query: dict[str, str],
    form: list[tuple[str, str]],
    method: str,
) -> None:
    url = _url(route, node, query)
    data = MultiDict(form)
    if method == "POST":
        signature = sign("http://localhost" + url, data)  # type: ignore[arg-type]
        response = client.post(url, data=data, headers={"X-Twilio-Signature": signature})
        too_big = len(urlencode(form).encode()) > LIMIT
    else:
        url += ("&" if "?" in url else "?") + urlencode(form) if form else ""
        signature = sign("http://localhost" + url, {})
        response = client.get(url, headers={"X-Twilio-Signature": signature})
        too_big = False
    if too_big:
        assert response.status_code == 413
        return
    sid = response.headers.get("X-Call-Sid")
    assert sid is None or (CALL_SID.fullmatch(sid) and sid in [*data.getlist("CallSid"), ""])
    if route == "/voice/status":
        assert response.status_code == 204
        return
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/xml"
    assert_valid_twiml(response.data)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    route=st.sampled_from(ROUTES),
    node=st.sampled_from(NODES),
    form=params,
    signature=st.one_of(
        st.just(""), st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40)
    ),
)
def test_unsigned_or_badly_signed_requests_get_403(
    client: FlaskClient, route: str, node: str, form: list[tuple[str, str]], signature: str
) -> None:
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response = client.post(_url(route, node, {}), data=MultiDict(form), headers=headers)
    assert response.status_code == (413 if len(urlencode(form).encode()) > LIMIT else 403)


@FUZZ
@given(
    route=st.sampled_from(ROUTES),
    node=st.sampled_from(NODES),
    form=params.filter(lambda f: len(urlencode(f).encode()) < LIMIT // 2),
    tamper=st.sampled_from(["value", "added", "removed", "path", "query", "host"]),
    extra=texts.filter(lambda t: len(t) < 100),
)
def test_tampered_signed_requests_get_403(
    client: FlaskClient,
    route: str,
    node: str,
    form: list[tuple[str, str]],
    tamper: str,
    extra: str,
) -> None:
    url = _url(route, node, {"s": "1"})
    data = MultiDict(form)
    signature = sign("http://localhost" + url, data)  # type: ignore[arg-type]
    host = "localhost"
    if tamper == "value" and form:
        name, value = form[0]
        data.setlist(name, [value + (extra or "1"), *data.getlist(name)[1:]])
    elif tamper == "removed" and form:
        data.poplist(form[0][0])
    elif tamper == "path":
        url = url.replace("/voice", "/voice/x", 1)
    elif tamper == "query":
        url = url.replace("s=1", "s=2")
    elif tamper == "host":
        host = "ivr.example.org"
    else:  # added, or nothing to change or remove
        data.add("Digits", (extra or "1") + "#")
    if sign(f"http://{host}{url}", data) == signature:  # type: ignore[arg-type]
        return  # the change left what was signed unchanged (e.g. a value repeated)
    response = client.post(url, data=data, headers={"X-Twilio-Signature": signature, "Host": host})
    assert response.status_code == 403
