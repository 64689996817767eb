"""Property-based fuzzing of every webhook: signed garbage gets valid TwiML, unsigned gets 403."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.helpers import assert_valid_twiml, sign

TWILIO_NAMES = [
    "CallSid", "To", "From", "Digits", "SpeechResult", "Confidence", "CallStatus",
    "CallDuration", "DialCallStatus", "QueueResult", "ErrorCode", "AccountSid", "Direction",
]  # fmt: skip
NODES = ["principal", "estudiantes", "help-desk", "estado-de-cuenta", "canales", "nope", "ñ"]
ROUTES = ["/voice", "/voice/menu/{}", "/voice/node/{}", "/voice/transfer/{}",
          "/voice/selfservice/{}", "/voice/fallback", "/voice/{}"]  # fmt: skip

texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789*#", max_size=20),
    st.just(""),
    st.sampled_from(["9" * 5000, "ñ" * 4000, "a" * 100_000]),  # huge values, cheaply
    st.sampled_from(["+5116044700", "+5116259600", "+15005550006", "%00", "\x00", "٣"]),
)
queries = st.dictionaries(
    st.sampled_from(["s", "t", "ni", "iv", "st", "x"]),
    st.one_of(st.text(max_size=30), st.integers(-5, 10**9).map(str)),
    max_size=5,
)
params = st.lists(
    st.tuples(st.one_of(st.sampled_from(TWILIO_NAMES), st.text(max_size=12)), texts),
    max_size=12,
)


@pytest.fixture(scope="module")
def client(make_module_app: Flask) -> Iterator[FlaskClient]:
    with make_module_app.test_client() as c:
        yield c


@pytest.fixture(scope="module")
def make_module_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from datetime import datetime

    from ivr import create_app
    from ivr.clock import LIMA
    from tests.helpers import TOKEN, copy_config

    folder = copy_config(tmp_path_factory.mktemp("fuzz") / "config")
    moment = datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)
    return create_app(
        {
            "IVR_CONFIG_DIR": str(folder),
            "IVR_DATA_DIR": str(folder / "var"),
            "TWILIO_AUTH_TOKEN": TOKEN,
            "CLOCK": lambda: moment,
            "TESTING": True,
        }
    )


def _url(route: str, node: str, query: dict[str, str]) -> str:
    from urllib.parse import quote, urlencode

    path = route.format(quote(node, safe=""))
    return path + ("?" + urlencode(query) if query else "")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    route=st.sampled_from(ROUTES),
    node=st.one_of(st.sampled_from(NODES), st.text(max_size=20)),
    query=queries,
    form=params,
    method=st.sampled_from(["POST", "GET"]),
)
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
    else:
        response = client.get(
            url, headers={"X-Twilio-Signature": sign("http://localhost" + url, {})}
        )
    if route == "/voice/{}" and node in ("status",):
        assert response.status_code in (200, 204)
        return
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/xml"
    assert_valid_twiml(response.data)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    route=st.sampled_from(ROUTES),
    node=st.sampled_from(NODES),
    form=params,
    signature=st.one_of(
        st.just(""), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
    ),
)
def test_unsigned_or_badly_signed_requests_get_403(
    client: FlaskClient, route: str, node: str, form: list[tuple[str, str]], signature: str
) -> None:
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response = client.post(_url(route, node, {}), data=MultiDict(form), headers=headers)
    assert response.status_code == 403
