"""Settings from the environment: defaults, every bad value named at once, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.settings import SettingsError, load_server_settings, load_settings

TOKEN = {"TWILIO_AUTH_TOKEN": "secret-token"}


def problems(**values: str) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        load_settings({**TOKEN, **values}, serving=True)
    return raised.value.problems


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(TOKEN)
    assert settings.config_dir == tmp_path  # the working directory (conftest chdirs)
    assert settings.data_dir == tmp_path / "var"
    assert settings.database == tmp_path / "var" / "ivr.sqlite3"
    assert settings.public_url is None
    assert settings.trusted_proxies == 0
    assert settings.reload_seconds == 2.0
    assert settings.max_body_bytes == 65536
    assert (settings.skip_signature, settings.log_json, settings.cli) == (False, False, False)


def test_defaults_follow_the_folders_read_before(tmp_path: Path) -> None:
    settings = load_settings({**TOKEN, "IVR_CONFIG_DIR": str(tmp_path / "conf")})
    assert settings.data_dir == tmp_path / "conf" / "var"
    assert settings.database == tmp_path / "conf" / "var" / "ivr.sqlite3"


def test_blank_values_take_the_default() -> None:
    settings = load_settings({**TOKEN, "IVR_TRUSTED_PROXIES": " ", "IVR_PUBLIC_URL": ""})
    assert (settings.trusted_proxies, settings.public_url) == (0, None)


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        ("IVR_TRUSTED_PROXIES", "2", 2),
        ("IVR_RELOAD_SECONDS", "0.5", 0.5),
        ("IVR_RELOAD_SECONDS", "0", 0.0),
        ("IVR_PUBLIC_URL", "https://ivr.example.edu/", "https://ivr.example.edu"),
        ("IVR_PUBLIC_URL", "https://ivr.example.edu:8443/ivr", "https://ivr.example.edu:8443/ivr"),
        ("IVR_SKIP_SIGNATURE", "Yes", True),
        ("IVR_LOG_JSON", "off", False),
        ("IVR_MAX_BODY_BYTES", "16384", 16384),
        ("IVR_MAX_BODY_BYTES", "64k", 65536),
        ("IVR_MAX_BODY_BYTES", "1M", 1048576),
    ],
)
def test_good_values(name: str, value: str, read: object) -> None:
    settings = load_settings({**TOKEN, name: value})
    field = {
        "IVR_TRUSTED_PROXIES": "trusted_proxies",
        "IVR_RELOAD_SECONDS": "reload_seconds",
        "IVR_PUBLIC_URL": "public_url",
        "IVR_SKIP_SIGNATURE": "skip_signature",
        "IVR_LOG_JSON": "log_json",
        "IVR_MAX_BODY_BYTES": "max_body_bytes",
    }[name]
    assert getattr(settings, field) == read


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        pytest.param(
            "IVR_TRUSTED_PROXIES",
            "two",
            "IVR_TRUSTED_PROXIES='two': expected the number of proxies in front, "
            "a whole number from 0 up",
            id="proxies-in-words",
        ),
        pytest.param(
            "IVR_TRUSTED_PROXIES",
            "-1",
            "IVR_TRUSTED_PROXIES='-1': expected the number of proxies in front, "
            "a whole number from 0 up",
            id="proxies-negative",
        ),
        pytest.param(
            "IVR_RELOAD_SECONDS",
            "-2",
            "IVR_RELOAD_SECONDS='-2': expected a number of seconds, 0 or more (like 2 or 0.5)",
            id="reload-negative",
        ),
        pytest.param(
            "IVR_RELOAD_SECONDS",
            "nan",
            "IVR_RELOAD_SECONDS='nan': expected a number of seconds, 0 or more (like 2 or 0.5)",
            id="reload-nan",
        ),
        pytest.param(
            "IVR_PUBLIC_URL",
            "ivr.example.edu",
            "IVR_PUBLIC_URL='ivr.example.edu': expected the public base URL Twilio calls, "
            "with its scheme, like https://ivr.example.edu",
            id="url-without-scheme",
        ),
        pytest.param(
            "IVR_PUBLIC_URL",
            "ftp://ivr.example.edu",
            "IVR_PUBLIC_URL='ftp://ivr.example.edu': expected the public base URL Twilio "
            "calls, with its scheme, like https://ivr.example.edu",
            id="url-other-scheme",
        ),
        pytest.param(
            "IVR_PUBLIC_URL",
            "https://ivr.example.edu:99999",
            "IVR_PUBLIC_URL='https://ivr.example.edu:99999': expected the public base URL "
            "Twilio calls, with its scheme, like https://ivr.example.edu",
            id="url-bad-port",
        ),
        pytest.param(
            "IVR_PUBLIC_URL",
            "https://ivr.example.edu/voice?x=1",
            "IVR_PUBLIC_URL='https://ivr.example.edu/voice?x=1': expected the public base URL "
            "Twilio calls, with its scheme, like https://ivr.example.edu",
            id="url-with-query",
        ),
        pytest.param(
            "IVR_SKIP_SIGNATURE",
            "maybe",
            "IVR_SKIP_SIGNATURE='maybe': expected 1, true, yes or on to turn it on; "
            "0, false, no or off to turn it off",
            id="flag",
        ),
        pytest.param(
            "IVR_MAX_BODY_BYTES",
            "1000",
            "IVR_MAX_BODY_BYTES='1000': expected a size in bytes of at least 8k, like 65536 or 64k",
            id="body-limit-too-small",
        ),
        pytest.param(
            "IVR_MAX_BODY_BYTES",
            "64 MB",
            "IVR_MAX_BODY_BYTES='64 MB': expected a size in bytes of at least 8k, "
            "like 65536 or 64k",
            id="body-limit-unit",
        ),
    ],
)
def test_a_bad_value_is_named_with_what_is_expected(name: str, value: str, message: str) -> None:
    assert problems(**{name: value}) == [message]


def test_every_bad_value_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"IVR_TRUSTED_PROXIES": "two", "IVR_RELOAD_SECONDS": "-1"}, serving=True)
    assert str(raised.value).splitlines() == [
        "cannot start: 3 bad settings in the environment",
        "  IVR_TRUSTED_PROXIES='two': expected the number of proxies in front, "
        "a whole number from 0 up",
        "  IVR_RELOAD_SECONDS='-1': expected a number of seconds, 0 or more (like 2 or 0.5)",
        "  TWILIO_AUTH_TOKEN is not set: set it to your Twilio auth token, or for local "
        "development only set IVR_SKIP_SIGNATURE=1 to accept unsigned requests",
    ]


def test_a_value_is_shown_on_one_line_and_cut() -> None:
    [message] = problems(IVR_TRUSTED_PROXIES="1\nCRITICAL forged" + "x" * 200)
    assert "\n" not in message
    assert message.startswith("IVR_TRUSTED_PROXIES='1\\nCRITICAL forged")
    assert len(message) < 200


def test_the_environment_is_read_and_overrides_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_TRUSTED_PROXIES", "two")
    monkeypatch.setenv("IVR_RELOAD_SECONDS", "5")
    with pytest.raises(SettingsError, match="IVR_TRUSTED_PROXIES='two'"):
        load_settings(TOKEN)
    settings = load_settings({**TOKEN, "IVR_TRUSTED_PROXIES": "1"})
    assert (settings.trusted_proxies, settings.reload_seconds) == (1, 5.0)


def test_serving_needs_a_token_or_the_development_setting() -> None:
    assert problems(TWILIO_AUTH_TOKEN="") == [
        "TWILIO_AUTH_TOKEN is not set: set it to your Twilio auth token, or for local "
        "development only set IVR_SKIP_SIGNATURE=1 to accept unsigned requests"
    ]
    assert load_settings({"IVR_SKIP_SIGNATURE": "1"}, serving=True).serving_allowed
    # Operator commands serve nothing: they start without a token, and so do file checks.
    assert not load_settings({"IVR_CLI": "1"}, serving=True).serving_allowed
    assert not load_settings({}).serving_allowed


def test_python_values_from_create_app_are_read_like_text() -> None:
    settings = load_settings({**TOKEN, "IVR_SKIP_SIGNATURE": True, "IVR_TRUSTED_PROXIES": 1})
    assert (settings.skip_signature, settings.trusted_proxies) == (True, 1)


# -- gunicorn's settings (deploy/gunicorn.conf.py) -----------------------------------------------
def test_server_defaults(tmp_path: Path) -> None:
    server = load_server_settings({})
    assert server.bind == ["127.0.0.1:8000"]
    assert server.workers is None  # the configuration file computes it from the cores
    assert (server.worker_class, server.threads, server.timeout) == ("sync", 1, 10)
    assert server.preload is True
    assert server.access_log == "-"
    assert server.metrics_dir == tmp_path / "var" / "prometheus"


def test_server_access_log_blank_turns_it_off() -> None:
    assert load_server_settings({"IVR_ACCESS_LOG": ""}).access_log is None


def test_server_bad_values_are_named() -> None:
    with pytest.raises(SettingsError) as raised:
        load_server_settings(
            {"IVR_WORKERS": "two", "IVR_BIND": "localhost", "IVR_LOG_LEVEL": "loud"}
        )
    assert raised.value.problems == [
        "IVR_BIND='localhost': expected HOST:PORT or unix:PATH, several separated by commas",
        "IVR_WORKERS='two': expected a whole number from 1 up",
        "IVR_LOG_LEVEL='loud': expected one of debug, info, warning, error, critical",
    ]


def test_server_bind_several() -> None:
    server = load_server_settings({"IVR_BIND": "127.0.0.1:8000, unix:/run/ivr.sock,[::1]:80"})
    assert server.bind == ["127.0.0.1:8000", "unix:/run/ivr.sock", "[::1]:80"]


def test_a_secret_is_never_shown() -> None:
    assert problems(TWILIO_AUTH_TOKEN='"abc123"', IVR_METRICS_TOKEN="two words") == [
        "TWILIO_AUTH_TOKEN=(hidden): expected the token itself, without spaces or quotes",
        "IVR_METRICS_TOKEN=(hidden): expected the token itself, without spaces or quotes",
    ]
