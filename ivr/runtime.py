"""What a running service holds: settings, the clock, the live configuration and the stores."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import Engine

from ivr import clock as clock_module
from ivr.clock import Clock, to_lima
from ivr.config.errors import ConfigError
from ivr.config.loader import Config, files_fingerprint, load_config
from ivr.observability.calls import CallRecorder, NullCallRecorder, SqlCallRecorder
from ivr.observability.metrics import count_reload
from ivr.secret import server_key
from ivr.settings import AppSettings
from ivr.storage.callbacks import CallbackStore
from ivr.storage.callers import CallerLimits, CallerPolicy
from ivr.storage.database import (
    DatabaseError,
    make_engine,
    missing_file,
    missing_message,
    prepare,
    upgrade,
)
from ivr.storage.ledger.base import Ledger
from ivr.storage.ledger.sql import SqlLedger
from ivr.storage.override import OverrideStore
from ivr.storage.sessions import SessionStore

if TYPE_CHECKING:
    from ivr.web.sms import SmsSender

log = logging.getLogger("ivr.config")

EXTENSION = "ivr"  # the key under which create_app keeps the Runtime in app.extensions


@dataclass
class Runtime:
    """Shared by the webhooks, the CLI and the scheduler of one process."""

    settings: AppSettings
    config: Config
    override_store: OverrideStore
    ledger: Ledger
    sessions: SessionStore
    engine: Engine
    clock: Clock = clock_module.now
    calls: CallRecorder = field(default_factory=NullCallRecorder)
    loaded_at: datetime | None = None
    last_error: ConfigError | None = None
    reload_failures: int = 0
    database_missing: bool = False  # an operator command started before the database was made
    _checked: float = field(default=0.0, repr=False)
    _seen: str = field(default="", repr=False)  # fingerprint of the files last read, good or bad
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def start(cls, settings: AppSettings, clock: Clock = clock_module.now) -> Runtime:
        """Load the configuration or raise ConfigError: a bad file fails at start-up.

        The database must be reachable and its schema current (SQLite is upgraded here;
        PostgreSQL waits for ``ivr db upgrade``), else ``DatabaseError`` says what to do.
        """
        config = load_config(settings.config_dir)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        key = server_key(settings)
        previous = settings.previous_secret_key
        engine = make_engine(settings.database_url)
        # An operator command may be the one that creates the database (create_database).
        database_missing = settings.cli and missing_file(engine) is not None
        try:
            if not database_missing:
                prepare(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(
            settings,
            config,
            OverrideStore(engine),
            SqlLedger(engine, key=key, previous_key=previous.encode() if previous else None),
            SessionStore(engine),
            engine,
            clock,
            calls=SqlCallRecorder(engine),
            loaded_at=clock(),
            database_missing=database_missing,
            _checked=time.monotonic(),
            _seen=config.fingerprint,
        )

    def create_database(self) -> None:
        """Make the SQLite database with its schema if it is missing (importing a ledger does).

        Nothing else creates one: a webhook or the app's start meeting a missing file is an
        error, never a silent empty ledger.
        """
        if missing_file(self.engine) is not None:
            maker = make_engine(self.settings.database_url, create=True)
            try:
                upgrade(maker)
            finally:
                maker.dispose()
        self.database_missing = False

    def now(self) -> datetime:
        """Return this runtime's "now" in Lima time (its clock, which a test or simulation sets)."""
        return to_lima(self.clock())

    @cached_property
    def callers(self) -> CallerLimits:
        """Failed verifications per calling number, and the alarm across all codes."""
        policy = CallerPolicy(alarm_per_hour=self.settings.failure_alarm_per_hour)
        return CallerLimits(self.engine, policy)

    @cached_property
    def callbacks(self) -> CallbackStore:
        """Callback requests of callers who left a desk's queue."""
        return CallbackStore(self.engine)

    @cached_property
    def sms(self) -> SmsSender | None:
        """Texts to callers through Twilio's REST API; None without an account SID and token."""
        from ivr.web.sms import TwilioSms  # late: the twilio REST client is only needed here

        if not (self.settings.account_sid and self.settings.auth_token):
            return None
        return TwilioSms(
            self.settings.account_sid, self.settings.auth_token, self.settings.twilio_api_url
        )

    def maybe_reload(self) -> bool:
        """Reload when the operator files changed (checked at most every few seconds).

        Each worker process checks for itself, so every gunicorn worker picks up an edit within
        ``reload_seconds``; a bad edit is logged with its located problems and the last good
        configuration keeps serving.
        """
        now = time.monotonic()
        if now - self._checked < self.settings.reload_seconds:
            return False
        with self._lock:
            if now - self._checked < self.settings.reload_seconds:
                return False
            self._checked = now
            if files_fingerprint(self.settings.config_dir) == self._seen:
                return False
            return self.reload()

    def reload(self) -> bool:
        """Load the files again; keep the last good configuration if they are wrong."""
        self._seen = files_fingerprint(self.settings.config_dir)
        try:
            config = load_config(self.settings.config_dir)
        except ConfigError as error:
            self.reload_failures += 1
            count_reload(False)
            if self.last_error is None or str(self.last_error) != str(error):
                log.error(
                    "configuration change rejected, still serving the last good one:\n%s", error
                )
            self.last_error = error
            return False
        self.config = config
        self.last_error = None
        self.loaded_at = self.clock()
        count_reload(True)
        log.info("configuration reloaded (%s)", config.fingerprint)
        return True


def current_runtime(*, creating: bool = False) -> Runtime:
    """Return the runtime of the running app: the one way webhooks, commands and jobs reach it.

    Needs an application context (a request, a command under ``with_appcontext``, or
    ``app.app_context()``). An operator command loads the app even when its SQLite database does
    not exist yet; then only a command ``creating`` it (``ivr ledger import`` and ``demo``,
    through ``Runtime.create_database``) gets the runtime, and the others a ``DatabaseError``
    naming the commands that make one.
    """
    runtime = current_app.extensions.get(EXTENSION)
    if not isinstance(runtime, Runtime):
        raise RuntimeError("this Flask app has no IVR runtime: build it with ivr.create_app()")
    if creating or not runtime.database_missing:
        return runtime
    missing = missing_file(runtime.engine)
    if missing is None:  # made since (by another command or process)
        runtime.database_missing = False
        return runtime
    raise DatabaseError(missing_message(missing))
