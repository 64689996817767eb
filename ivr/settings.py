"""Deployment settings: every environment variable the IVR reads is declared, read and checked here.

A setting is one line in ``AppSettings`` (what the app reads) or ``ServerSettings`` (what
``deploy/gunicorn.conf.py`` reads): its field, its variable, how to read it and its default::

    trusted_proxies: int = var("IVR_TRUSTED_PROXIES", whole(), 0)

A default may be computed from the fields above it (``lambda s: s["data_dir"] / "ivr.sqlite3"``).
An unset or blank variable takes the default. A value its reader refuses is collected with every
other one, and ``SettingsError`` names each variable, its value and what is expected; the entry
points (``app.py``, ``deploy/gunicorn.conf.py``) print that and exit non-zero, without a
traceback. This module imports only the standard library: gunicorn's configuration file uses it
before anything of the app is loaded.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}
HIDDEN = "(hidden)"  # a secret's value never appears in a message
GUNICORN_LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


class SettingsError(RuntimeError):
    """Raised with every bad setting at once: ``NAME='value': expected what``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        head = f"cannot start: {count} bad setting{'s' if count != 1 else ''} in the environment"
        super().__init__("\n  ".join([head, *problems]))


# -- readers: the raw text of a variable -> its value, or ValueError("what is expected") --------
Reader = Callable[[str], T]


def text(raw: str) -> str:
    return raw.strip()


def token(raw: str) -> str:
    """A secret as issued: one word (a quote or a space means it was pasted wrongly)."""
    value = raw.strip()
    if re.search(r"[\s'\"]", value):
        raise ValueError("the token itself, without spaces or quotes")
    return value


def flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError("1, true, yes or on to turn it on; 0, false, no or off to turn it off")


def whole(minimum: int = 0, what: str = "") -> Reader[int]:
    """A whole number from ``minimum`` up."""
    expected = f"a whole number from {minimum} up"
    expected = f"{what}, {expected}" if what else expected

    def read(raw: str) -> int:
        value = raw.strip()
        if not re.fullmatch(r"\+?\d{1,12}", value) or int(value) < minimum:
            raise ValueError(expected)
        return int(value)

    return read


def seconds(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ValueError("a number of seconds, 0 or more (like 2 or 0.5)")
    return value


def path(raw: str) -> Path:
    return Path(raw.strip()).expanduser()


def size(minimum: int) -> Reader[int]:
    """A number of bytes, optionally in k (1,024) or m (1,048,576), like nginx's sizes."""
    expected = f"a size in bytes of at least {minimum // 1024}k, like 65536 or 64k"

    def read(raw: str) -> int:
        match = re.fullmatch(r"(\d{1,12})\s*([kKmM]?)", raw.strip())
        if not match:
            raise ValueError(expected)
        value = int(match[1]) * {"": 1, "k": 1024, "m": 1024 * 1024}[match[2].lower()]
        if value < minimum:
            raise ValueError(expected)
        return value

    return read


def base_url(raw: str) -> str:
    """An http(s) URL with a host, and no query, fragment or credentials; no trailing slash."""
    expected = "the public base URL Twilio calls, with its scheme, like https://ivr.example.edu"
    value = raw.strip()
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        raise ValueError(expected) from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or parts.username is not None
        or parts.query
        or parts.fragment
        or re.search(r"\s", value)
    ):
        raise ValueError(expected)
    return value.rstrip("/")


def database_url(raw: str) -> str:
    """A SQLAlchemy URL: sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/NAME."""
    url = raw.strip()
    if not url.startswith(("sqlite:", "postgresql")):
        raise ValueError(
            "a database URL such as postgresql+psycopg://ivr:PASSWORD@db.example.edu/ivr "
            "or sqlite:////var/lib/ivr/ivr.sqlite3"
        )
    return url


def secret_key(raw: str) -> str:
    """The deployment's server key: at least 32 characters of a random secret."""
    value = token(raw)
    if len(value) < 32:
        raise ValueError(
            "at least 32 random characters, such as the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    return value


def choice(*options: str) -> Reader[str]:
    def read(raw: str) -> str:
        value = raw.strip().lower()
        if value not in options:
            raise ValueError("one of " + ", ".join(options))
        return value

    return read


def addresses(raw: str) -> list[str]:
    """Comma-separated HOST:PORT or unix:PATH, as gunicorn binds them."""
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    for part in parts:
        if part.startswith("unix:") and len(part) > 5:
            continue
        host, sep, port = part.rpartition(":")
        if not sep or not host or not port.isdigit() or int(port) > 65535:
            raise ValueError("HOST:PORT or unix:PATH, several separated by commas")
    if not parts:
        raise ValueError("HOST:PORT or unix:PATH, several separated by commas")
    return parts


# -- declaring a setting --------------------------------------------------------------------------
@dataclass(frozen=True)
class Var:
    """One environment variable: how it is read, and its value when unset or blank."""

    name: str
    read: Callable[[str], Any]
    default: Any  # a value, or a function of the fields read before this one
    blank: Any  # the value when set to "" (usually the default)
    secret: bool


_DEFAULT: Any = object()


def var(
    name: str,
    read: Callable[[str], Any],
    default: Any = None,
    *,
    blank: Any = _DEFAULT,
    secret: bool = False,
) -> Any:
    """Declare a settings field read from the environment variable ``name``."""
    spec = Var(name, read, default, default if blank is _DEFAULT else blank, secret)
    return field(metadata={"var": spec})


def _config_dir() -> Any:
    return var("IVR_CONFIG_DIR", path, lambda s: Path.cwd())


def _data_dir() -> Any:
    return var("IVR_DATA_DIR", path, lambda s: s["config_dir"] / "var")


@dataclass(frozen=True, slots=True)
class AppSettings:
    """What the app reads from the environment (docs/configuration.md)."""

    config_dir: Path = _config_dir()
    data_dir: Path = _data_dir()
    database: Path = var("IVR_DATABASE", path, lambda s: s["data_dir"] / "ivr.sqlite3")
    # Every shared store: SQLite in the data folder (one host) or PostgreSQL (several hosts).
    database_url: str = var(
        "IVR_DATABASE_URL", database_url, lambda s: f"sqlite:///{s['database']}"
    )
    auth_token: str | None = var("TWILIO_AUTH_TOKEN", token, secret=True)
    skip_signature: bool = var("IVR_SKIP_SIGNATURE", flag, False)
    public_url: str | None = var("IVR_PUBLIC_URL", base_url)
    trusted_proxies: int = var("IVR_TRUSTED_PROXIES", whole(0, "the number of proxies in front"), 0)
    reload_seconds: float = var("IVR_RELOAD_SECONDS", seconds, 2.0)
    in_process_scheduler: bool = var("IVR_IN_PROCESS_SCHEDULER", flag, False)
    log_json: bool = var("IVR_LOG_JSON", flag, False)
    cli: bool = var("IVR_CLI", flag, False)  # loaded by an operator command, not to serve calls
    # Billing exports dropped here are imported nightly.
    ledger_drop_dir: Path | None = var("IVR_LEDGER_DROP_DIR", path)
    # Twilio's webhooks take a few kB; a bigger body is refused (413) before it is read.
    max_body_bytes: int = var("IVR_MAX_BODY_BYTES", size(8 * 1024), 64 * 1024)
    # Policy: a verified self-service session ends this long after verification.
    verified_minutes: int = var(
        "IVR_VERIFIED_SESSION_MINUTES", whole(1, "minutes a verification lasts"), 10
    )
    # Failed verifications across all codes in an hour over this raise the alarm.
    failure_alarm_per_hour: int = var(
        "IVR_FAILURE_ALARM_PER_HOUR", whole(1, "failed verifications per hour"), 100
    )
    # While the alarm is up, callers not yet verified hear that self-service is paused.
    pause_on_alarm: bool = var("IVR_PAUSE_ON_ALARM", flag, False)
    metrics_token: str | None = var("IVR_METRICS_TOKEN", token, secret=True)
    # The key the server key replaced: still checks the second factors it made until an import
    # rewrites them (docs/deploy.md, "Rotating the server key"). Declared before secret_key,
    # whose field name hides the reader of the same name from here on.
    previous_secret_key: str | None = var("IVR_PREVIOUS_SECRET_KEY", secret_key, secret=True)
    # The server key (ivr/secret.py): the same on every host; unset, a key file in data_dir.
    secret_key: str | None = var("IVR_SECRET_KEY", secret_key, secret=True)
    # Twilio's REST API (SMS to waiting callers); the base URL is settable for tests.
    account_sid: str | None = var("TWILIO_ACCOUNT_SID", text)
    twilio_api_url: str = var("IVR_TWILIO_API_URL", base_url, "https://api.twilio.com")

    @property
    def serving_allowed(self) -> bool:
        """Whether webhooks can be answered: a token to check signatures, or the dev setting."""
        return bool(self.auth_token) or self.skip_signature


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What deploy/gunicorn.conf.py reads (docs/deploy.md explains each one)."""

    bind: list[str] = var("IVR_BIND", addresses, lambda s: ["127.0.0.1:8000"])
    workers: int | None = var("IVR_WORKERS", whole(1))  # None: 2 x cores + 1, at most 9
    worker_class: str = var("IVR_WORKER_CLASS", text, "sync")
    threads: int = var("IVR_THREADS", whole(1), 1)
    max_requests: int = var("IVR_MAX_REQUESTS", whole(0), 50_000)
    max_requests_jitter: int = var("IVR_MAX_REQUESTS_JITTER", whole(0), 5_000)
    timeout: int = var("IVR_TIMEOUT", whole(0), 10)
    graceful_timeout: int = var("IVR_GRACEFUL_TIMEOUT", whole(0), 15)
    keepalive: int = var("IVR_KEEPALIVE", whole(0), 75)
    preload: bool = var("IVR_PRELOAD", flag, True)
    proc_name: str = var("IVR_PROC_NAME", text, "campus-ivr")
    access_log: str | None = var("IVR_ACCESS_LOG", text, "-", blank=None)  # "": no access log
    error_log: str = var("IVR_ERROR_LOG", text, "-")
    log_level: str = var("IVR_LOG_LEVEL", choice(*GUNICORN_LOG_LEVELS), "info")
    config_dir: Path = _config_dir()
    data_dir: Path = _data_dir()
    metrics_dir: Path = var(
        "PROMETHEUS_MULTIPROC_DIR", path, lambda s: s["data_dir"] / "prometheus"
    )


# -- reading -------------------------------------------------------------------------------------
def load_settings(
    overrides: Mapping[str, Any] | None = None, *, serving: bool = False
) -> AppSettings:
    """Read the app's settings from the environment, ``overrides`` (same names) first.

    Raises SettingsError naming every bad variable; with ``serving`` (the web app), also when
    neither a Twilio token nor the development setting lets webhooks be answered, unless the app
    is loaded by an operator command (``IVR_CLI``).
    """
    values, problems = _read(AppSettings, {**os.environ, **(overrides or {})})
    token_named = any(problem.startswith("TWILIO_AUTH_TOKEN=") for problem in problems)
    allowed = values["auth_token"] or values["skip_signature"] or values["cli"] or token_named
    if serving and not allowed:
        problems.append(
            "TWILIO_AUTH_TOKEN is not set: set it to your Twilio auth token, or for local "
            "development only set IVR_SKIP_SIGNATURE=1 to accept unsigned requests"
        )
    key_named = any(problem.startswith("IVR_SECRET_KEY=") for problem in problems)
    if (
        not values["secret_key"]
        and not key_named
        and not values["database_url"].startswith("sqlite")
    ):
        kept = Path(values["data_dir"]) / "secret.key"  # ivr.secret.KEY_FILE
        if kept.is_file():
            # A deployment moved from SQLite: its students' second factors need this very key.
            problems.append(
                f"IVR_SECRET_KEY is not set: with a shared database every host needs the same "
                f"server key; this host's SQLite deployment used the one in {kept}: set "
                f'IVR_SECRET_KEY="$(cat {kept})" on every host, not a new key (a new key fails '
                "every student's second factor until the next students import; docs/deploy.md, "
                '"Moving an SQLite deployment to PostgreSQL")'
            )
        else:
            problems.append(
                "IVR_SECRET_KEY is not set: with a shared database every host needs the same "
                "server key; generate one with "
                "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'` "
                'and set it on every host (docs/deploy.md, "The server key"); moving from '
                "SQLite, use the old host's IVR_DATA_DIR/secret.key instead"
            )
    if problems:
        raise SettingsError(problems)
    return AppSettings(**values)


def load_server_settings(environ: Mapping[str, Any] | None = None) -> ServerSettings:
    """Read deploy/gunicorn.conf.py's settings; raise SettingsError naming every bad one."""
    values, problems = _read(ServerSettings, os.environ if environ is None else environ)
    if problems:
        raise SettingsError(problems)
    return ServerSettings(**values)


def _read(cls: type[Any], source: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    values: dict[str, Any] = {}
    problems: list[str] = []
    for item in fields(cls):
        spec: Var = item.metadata["var"]
        raw = _as_text(source.get(spec.name))
        if raw is None or not raw.strip():
            values[item.name] = _value(spec.default if raw is None else spec.blank, values)
            continue
        try:
            values[item.name] = spec.read(raw)
        except ValueError as expected:
            shown = HIDDEN if spec.secret else _shown(raw)
            problems.append(f"{spec.name}={shown}: expected {expected}")
            values[item.name] = _value(spec.default, values)  # so later defaults can follow
    return values, problems


def _value(default: Any, values: dict[str, Any]) -> Any:
    return default(values) if callable(default) else default


def _as_text(raw: Any) -> str | None:
    """Values given to create_app may be Python values rather than the environment's text."""
    if raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "1" if raw else "0"
    return str(raw)


def _shown(raw: str, limit: int = 60) -> str:
    """The value as typed, quoted, escaped and cut: one line whatever the variable held."""
    cut = raw if len(raw) <= limit else raw[:limit] + "..."
    return repr(cut)
