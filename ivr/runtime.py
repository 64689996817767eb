"""What a running service holds: settings, the clock, the live configuration and the stores."""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
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
from ivr.core.schedule.model import Schedules
from ivr.observability.calls import CallRecorder, NullCallRecorder, SqlCallRecorder
from ivr.observability.metrics import count_failure_alarm, count_outbound_refused, count_reload
from ivr.secret import server_key
from ivr.settings import AppSettings
from ivr.storage.callbacks import CallbackStore
from ivr.storage.callers import CallerLimits, CallerPolicy
from ivr.storage.calls import CallStore
from ivr.storage.closures import ClosureStore
from ivr.storage.database import (
    DatabaseError,
    make_engine,
    missing_file,
    missing_message,
    prepare,
    upgrade,
    watch_outages,
)
from ivr.storage.desks import DeskStore
from ivr.storage.ledger.base import Ledger
from ivr.storage.ledger.sql import SqlLedger
from ivr.storage.outbound import OutboundStore
from ivr.storage.override import OverrideStore
from ivr.storage.sessions import SessionStore
from ivr.storage.waits import WaitHistory

if TYPE_CHECKING:
    from ivr.outbound.background import Background
    from ivr.outbound.twilio import CallPlacer, SmsSender, TwilioClient

log = logging.getLogger("ivr.config")

EXTENSION = "ivr"  # the key under which create_app keeps the Runtime in app.extensions
# The watcher looks at the files at most this often, whatever IVR_RELOAD_SECONDS says (0: "as
# soon as possible" must not mean a thread spinning on stat()).
MIN_WATCH_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class Reload:
    """The last time the watcher found the operator files changed, and what came of it."""

    at: datetime  # the runtime's clock when the load ended
    ok: bool  # True: the new configuration serves; False: rejected, the last good one serves
    fingerprint: str  # of the files read
    seconds: float  # how long loading and checking them took
    messages: tuple[str, ...] = ()  # when rejected, every problem found, located (file:line)


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
    last_reload: Reload | None = None  # None until an edit is found (what a console shows)
    database_missing: bool = False  # an operator command started before the database was made
    _seen: str = field(default="", repr=False)  # fingerprint of the files last read, good or bad
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # one load at a time
    _start_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _watching: int = field(default=0, repr=False)  # pid of the process whose watcher runs
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def __post_init__(self) -> None:
        _runtimes.append(weakref.ref(self))

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
        watch_outages(engine, clock)
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
        return CallerLimits(self.engine, policy, on_alarm=count_failure_alarm)

    @cached_property
    def closures(self) -> ClosureStore:
        """Closures and special hours added from the console or ``ivr closures``."""
        return ClosureStore(self.engine)

    @property
    def schedules(self) -> Schedules:
        """The schedules every answer uses: the operator files' with the stored closures.

        Read at most once a second per process (``ClosureStore``); the same object while
        neither the files nor the stored entries change.
        """
        return self.closures.merged(self.config.schedules)

    @cached_property
    def callbacks(self) -> CallbackStore:
        """Callback requests of callers who left a desk's queue."""
        return CallbackStore(self.engine)

    @cached_property
    def outbound(self) -> OutboundStore:
        """Callbacks and texts counted against queues.yaml's limits; one text per call."""
        return OutboundStore(
            self.engine, self.settings.auth_token or "", on_refused=count_outbound_refused
        )

    @cached_property
    def background(self) -> Background:
        """This process's threads that send texts, so that no webhook waits for Twilio."""
        from ivr.outbound.background import Background  # late, as for ``twilio``

        return Background()

    @cached_property
    def desks(self) -> DeskStore:
        """Desks answered by the service: agents, callers waiting, callbacks placed."""
        return DeskStore(self.engine)

    @cached_property
    def wait_history(self) -> WaitHistory:
        """The desks' answered waits of the current half hour's history, cached."""
        return WaitHistory(CallStore(self.engine))

    @cached_property
    def twilio(self) -> TwilioClient | None:
        """The one Twilio REST client; None without an account SID and token."""
        from ivr.outbound.twilio import TwilioClient  # late: only needed here, and slow to import

        if not (self.settings.account_sid and self.settings.auth_token):
            return None
        return TwilioClient(
            self.settings.account_sid, self.settings.auth_token, self.settings.twilio_api_url
        )

    @property
    def sms(self) -> SmsSender | None:
        """Texts to callers through Twilio's REST API; None without an account SID and token."""
        return self.twilio

    @property
    def outbound_calls(self) -> CallPlacer | None:
        """Calls placed through Twilio's REST API (desks' agents); None without an account."""
        return self.twilio

    # -- operator files: watched in the background, never loaded by a request -----------------
    def watch(self, *, check_first: bool = False) -> None:
        """Make sure this process has its watcher of the operator files; cheap when it has one.

        The watcher is a daemon thread of the process that serves (started by its first request,
        or by gunicorn's ``post_worker_init`` hook before it serves any), never of a parent
        that forks: a thread does not survive ``fork()``. Every ``IVR_RELOAD_SECONDS`` (at
        least ``MIN_WATCH_SECONDS``) it looks at the files and, when they changed, loads and
        checks them; requests meanwhile keep using the configuration already loaded.
        ``check_first``: look once now, in this thread, before the watcher starts (a worker
        that has not served yet may have been forked from a parent with an older copy).
        """
        pid = os.getpid()
        if self._watching == pid:
            return
        with self._start_lock:
            if self._watching == pid:
                return
            if check_first:
                self._check_logged()
            stop = threading.Event()
            thread = threading.Thread(
                target=_watch,
                args=(
                    weakref.ref(self),
                    stop,
                    max(self.settings.reload_seconds, MIN_WATCH_SECONDS),
                ),
                name="ivr-config-watcher",
                daemon=True,
            )
            self._stop, self._watching = stop, pid
            thread.start()

    def stop_watching(self) -> None:
        """Stop this process's watcher, if it has one (tests; a process shutting down)."""
        with self._start_lock:
            if self._watching == os.getpid():
                self._stop.set()
            self._watching = 0

    def _check_logged(self) -> None:
        try:
            self.check()
        except Exception:  # the watcher must outlive anything a load throws
            log.exception("looking for edited operator files failed; will look again")

    def check(self) -> bool:
        """Reload now if the operator files changed since last read; True when a new one serves.

        Waits for a load under way in another thread (the watcher) rather than starting a
        second one, so that when it returns the files as they are now have been judged.
        """
        with self._lock:
            if files_fingerprint(self.settings.config_dir) == self._seen:
                return False
            return self._reload()

    def reload(self) -> bool:
        """Load the files again; keep the last good configuration if they are wrong."""
        with self._lock:
            return self._reload()

    def _reload(self) -> bool:
        self._seen = files_fingerprint(self.settings.config_dir)
        started = time.perf_counter()
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
            self.last_reload = Reload(
                self.clock(),
                ok=False,
                fingerprint=self._seen,
                seconds=time.perf_counter() - started,
                messages=tuple(str(problem) for problem in error.problems),
            )
            return False
        self.config = config  # one assignment: a request sees the old or the new, never half
        self.last_error = None
        self.loaded_at = self.clock()
        self.last_reload = Reload(
            self.loaded_at,
            ok=True,
            fingerprint=config.fingerprint,
            seconds=time.perf_counter() - started,
        )
        count_reload(True)
        log.info("configuration reloaded (%s)", config.fingerprint)
        return True

    def _forget_parent(self) -> None:
        """In a forked child: new locks (the parent's may be held) and no watcher yet."""
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._watching = 0


def _watch(ref: weakref.ref[Runtime], stop: threading.Event, interval: float) -> None:
    """The watcher's loop; it ends when stopped, or when its runtime is gone (a dropped app)."""
    while True:
        runtime = ref()
        if runtime is None:
            return
        runtime._check_logged()
        del runtime  # hold it only while looking
        if stop.wait(interval):
            return


_runtimes: list[weakref.ref[Runtime]] = []  # every runtime of this process, for _after_fork


def _after_fork() -> None:
    for ref in _runtimes:
        runtime = ref()
        if runtime is not None:
            runtime._forget_parent()
    _runtimes[:] = [ref for ref in _runtimes if ref() is not None]


# Runs in a forked child before any other thread can: no lock of the parent survives.
os.register_at_fork(after_in_child=_after_fork)


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
