"""The one database every store uses: an engine per URL, transactions, schema upgrades.

``IVR_DATABASE_URL`` names it: SQLite (one host; the default, a file in ``IVR_DATA_DIR``) or
PostgreSQL through psycopg 3 (several hosts). SQLAlchemy wraps each driver's exceptions in its
own (``sqlalchemy.exc.SQLAlchemyError``), so ``STORE_ERRORS`` is the same on both backends and
no caller ever names ``sqlite3`` or ``psycopg``.

The schema is Alembic's (``ivr/storage/migrations``): ``upgrade`` brings a database to the
code's revision, holding a PostgreSQL advisory lock so that two hosts upgrading at once take
turns; ``prepare`` is what a process does at start (upgrade SQLite, refuse a PostgreSQL schema
that is behind).
"""

from __future__ import annotations

import functools
import logging
import math
import os
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.expression import Executable

from ivr.storage.outage import OutageLog

# What a store raises when its database cannot be used; adapters turn it into a polite answer.
STORE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError,)

MIGRATIONS = Path(__file__).with_name("migrations")
UPGRADE_COMMAND = "flask --app app ivr db upgrade"
LEDGER_IMPORT_COMMAND = "flask --app app ivr ledger import"
DEMO_COMMAND = "flask --app app ivr ledger demo"
# pg_advisory_lock keys (any bigint, fixed per purpose): upgrades take turns, one scheduler leads
UPGRADE_LOCK = 0x1F0_0001
SCHEDULER_LOCK = 0x1F0_0002

_WRITE = "ivr_write"  # execution option: this transaction will write (SQLite: BEGIN IMMEDIATE)

log = logging.getLogger("ivr.storage")
# Alembic logs its plugins and DDL mode at INFO on every start; an upgrade is logged here.
logging.getLogger("alembic").setLevel(logging.WARNING)


# When the request being answered must have its answer (time.monotonic()); None: no limit.
_deadline: ContextVar[float | None] = ContextVar("ivr_store_deadline", default=None)
WAIT_SECONDS = 5.0  # how long a statement waits for a lock when no deadline is set
_WAIT_MS = int(WAIT_SECONDS * 1000)
# A write that the answer does not need waits no longer than this: enough for another webhook's
# write (milliseconds), not for an import's transaction.
GLIMPSE_SECONDS = 0.25
CONNECT_SECONDS = 3  # PostgreSQL: how long opening a connection may take at most
# PostgreSQL: the time limits a connection keeps (record.info), rounded down to this step
_WAITS = "ivr_waits_ms"
_WAIT_SLACK_MS = 250  # a connection's limits are kept while they end at most this early
_WAIT_ROUND_MS = 10  # and set anew rounded down to this


class Expiring(Protocol):
    """A store whose rows expire; the scheduler's purge job calls each one in turn."""

    purges: ClassVar[str]  # what its purge forgets, as the job's log line says it

    def purge_expired(self, now: datetime) -> int:
        """Delete the rows whose time is over at ``now``; return how many went."""
        ...


class DatabaseError(RuntimeError):
    """The database cannot be used by this code as it is: unreachable, or a schema not ours."""


def sqlite_url(path: Path | str) -> str:
    return URL.create("sqlite", database=str(path)).render_as_string()


def safe_url(url: URL | str) -> str:
    """Return the URL as an operator may see it: never with its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


# -- engines -------------------------------------------------------------------------------------
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def make_engine(url: str | URL, *, create: bool = False) -> Engine:
    """Return an engine for ``url``; ``postgresql://`` means psycopg 3.

    An SQLite file is opened only if it exists, unless ``create``: only ``ivr db upgrade``,
    ``ivr ledger import`` and ``ivr ledger demo`` make one. A file deleted or replaced while
    the engine runs is noticed when a connection is next taken from the pool: the statement
    fails (callers hear the apology) instead of writing to a file no one will read again.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise DatabaseError(f"IVR_DATABASE_URL is not a database URL: {error}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": WAIT_SECONDS})
        event.listen(engine, "connect", _sqlite_connected)
        event.listen(engine, "begin", _sqlite_begin)
        if parsed.database and parsed.database not in (":memory:", ""):
            file = Path(parsed.database)
            if create:
                file.parent.mkdir(parents=True, exist_ok=True)
            else:
                event.listen(engine, "do_connect", functools.partial(_open_existing, file))
            event.listen(engine, "connect", functools.partial(_remember_file, file))
            event.listen(engine, "checkout", functools.partial(_same_file, file))
    elif backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(
            parsed,
            pool_pre_ping=True,  # a connection broken by a restart is replaced, not used
            pool_size=5,
            max_overflow=10,
            pool_timeout=3,  # a webhook waits at most this for a connection, then apologises
            connect_args={"connect_timeout": CONNECT_SECONDS},
        )
        event.listen(engine, "do_connect", _postgresql_connect)
        event.listen(engine, "checkout", _postgresql_checkout)
    else:
        raise DatabaseError(
            f"IVR_DATABASE_URL names a {backend} database; use sqlite:///PATH or "
            "postgresql+psycopg://USER:PASSWORD@HOST/DB"
        )
    _engines.add(engine)
    return engine


def _sqlite_connected(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    # pysqlite's own transaction handling is switched off: we say BEGIN ourselves (below), so
    # that a writer takes the write lock at once instead of failing to upgrade a read lock.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    _into_wal(cursor)  # readers never block the webhooks' writes
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable at checkpoints
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _into_wal(cursor: Any) -> None:
    """Switch a new file to WAL; already in WAL (every later connection), this only reads.

    The switch needs the file to itself and SQLite does not wait for it (no busy handler):
    two processes making the same new file at once (two hosts' ``ivr db upgrade``) would see
    "database is locked", so the switch is tried again for as long as a statement would wait.
    """
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _open_existing(
    file: Path, dialect: Any, record: ConnectionPoolEntry, cargs: Any, cparams: dict[str, Any]
) -> Any:
    # SQLite's URI mode=rw opens a file that exists and never creates one.
    return sqlite3.connect(f"{file.resolve().as_uri()}?mode=rw", uri=True, **cparams)


def _remember_file(file: Path, dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["ivr_file"] = _identity(file)


def _same_file(file: Path, dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
    if _identity(file) != record.info.get("ivr_file"):
        # The pool drops this connection and opens another, which fails if the file is gone.
        raise DisconnectionError(f"the database file {file} was deleted or replaced")


def _identity(file: Path) -> tuple[int, int] | None:
    try:
        status = file.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _sqlite_begin(connection: Connection) -> None:
    # The pragma and a deferred BEGIN go straight to the driver's connection: they return
    # nothing and cannot wait for a lock, and SQLAlchemy's execution (events, result set-up)
    # cost a self-service step 10 %. BEGIN IMMEDIATE may meet a lock: through SQLAlchemy, so
    # that failing raises one of STORE_ERRORS.
    driver = connection.connection.dbapi_connection
    assert driver is not None
    wait = _wait_ms()
    driver.execute(f"PRAGMA busy_timeout = {wait if wait is not None else _WAIT_MS}")
    if connection.get_execution_options().get(_WRITE, False):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        driver.execute("BEGIN")


def _postgresql_connect(
    dialect: Any, record: ConnectionPoolEntry, cargs: Any, cparams: dict[str, Any]
) -> None:
    wait = _wait_ms()
    if wait is not None:  # libpq counts whole seconds and takes 2 as its least
        cparams["connect_timeout"] = max(min(CONNECT_SECONDS, -(-wait // 1000)), 2)


def _postgresql_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
    """Bound every wait of this checkout (locks, statements) by the context's deadline.

    Every use of the pool passes here, ``Connection`` and ``QuickRead`` alike, so reads are
    bounded as writes are. The limits are the session's own, kept on the connection across
    checkouts, and set again only when they would end after the deadline or more than
    ``_WAIT_SLACK_MS`` before it: webhooks all start with the same budget, so a busy worker's
    connections keep theirs and a step pays no round trip for it. A command or a job with no
    deadline waits without a limit. The ``SET`` runs outside any transaction (autocommit), so
    the pool's reset, a rollback, cannot undo it.
    """
    wait = _wait_ms()
    current = record.info.get(_WAITS)
    if wait is None:
        wanted = 0  # PostgreSQL's "no limit"
    elif current and wait - _WAIT_SLACK_MS <= current <= wait:
        return
    else:  # 0 would mean "no limit": at least a millisecond
        wanted = max(wait - wait % _WAIT_ROUND_MS, min(wait, _WAIT_ROUND_MS), 1)
    if current == wanted:
        return
    autocommit = dbapi_connection.autocommit
    try:
        dbapi_connection.autocommit = True
        dbapi_connection.execute(f"SET lock_timeout = {wanted}; SET statement_timeout = {wanted}")
        dbapi_connection.autocommit = autocommit
    except Exception as error:  # a broken connection: the pool replaces it and tries again
        record.info.pop(_WAITS, None)
        raise DisconnectionError(f"cannot set the connection's time limits: {error}") from error
    record.info[_WAITS] = wanted


# -- deadlines: a webhook's answer never waits on storage past its own ---------------------------
def start_deadline(seconds: float) -> Token[float | None]:
    """From now on, in this context, statements give up ``seconds`` from now (or sooner).

    A lock held elsewhere (a long import on SQLite, a stuck transaction on PostgreSQL) then
    costs the request at most that long: the statement fails with a ``STORE_ERRORS`` error,
    which the caller hears as the usual apology, in time. A deadline already set stays if it is
    sooner. Pass the token to ``end_deadline``.
    """
    until = time.monotonic() + max(seconds, 0.0)
    current = _deadline.get()
    return _deadline.set(until if current is None else min(current, until))


def end_deadline(token: Token[float | None]) -> None:
    _deadline.reset(token)


@contextmanager
def answer_within(seconds: float) -> Iterator[None]:
    """Run a block under ``start_deadline(seconds)``; ``answer_within(0)``: never wait."""
    token = start_deadline(seconds)
    try:
        yield
    finally:
        end_deadline(token)


def _wait_ms() -> int | None:
    until = _deadline.get()
    if until is None:
        return None
    return max(int((until - time.monotonic()) * 1000), 0)


# -- outages: the log says when the database went away and came back, not every failure --------
_outages: weakref.WeakKeyDictionary[Engine, OutageLog] = weakref.WeakKeyDictionary()
_OUTAGE = "ivr_outage"  # set on an error that an OutageLog counted


def watch_outages(engine: Engine, clock: Callable[[], datetime]) -> OutageLog:
    """Tell ``engine``'s outages through an ``OutageLog`` on ``clock``; return it."""
    outage = _outages.get(engine)
    if outage is None:
        outage = _outages[engine] = OutageLog(safe_url(engine.url), clock)
        event.listen(engine, "handle_error", _on_store_error)
        event.listen(engine, "connect", lambda *_: outage.worked())
    return outage


def _on_store_error(context: ExceptionContext) -> None:
    # Connecting failed (no connection yet) or the connection broke: the database is away. A
    # lock or statement timeout on a live connection is not an outage.
    if context.is_disconnect or context.connection is None:
        error = context.sqlalchemy_exception or context.original_exception
        connection_lost(context.engine, error)


def connection_lost(engine: Engine | None, error: BaseException) -> None:
    """Count ``error`` (connecting failed, or a connection broke) in ``engine``'s outage."""
    outage = _outages.get(engine) if engine is not None else None
    if outage is not None and not getattr(error, _OUTAGE, False):
        outage.failed(describe(error))
        setattr(error, _OUTAGE, True)


def log_store_error(logger: logging.Logger, message: str, error: BaseException) -> None:
    """Log a store error that a request survived, as ``message: reason``, on one line.

    An error that an outage's lines already count (``watch_outages``) is logged at DEBUG only:
    an outage is three kinds of lines, not one a request; never a traceback.
    """
    cause = error
    while cause is not None and not getattr(cause, _OUTAGE, False):
        cause = cause.__cause__  # type: ignore[assignment]  # a BaseException, not only an Exception
    level = logging.DEBUG if cause is not None else logging.ERROR
    logger.log(level, "%s: %s", message, describe(error))


def _dispose_in_child() -> None:
    # A forked worker must not use the parent's connections (SQLAlchemy's pooling docs,
    # "Using Connection Pools with Multiprocessing or os.fork()"): forget them, unclosed.
    for engine in list(_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_dispose_in_child)


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """Run a block as one write transaction (SQLite: the write lock taken at its start)."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def writing_on(conn: Connection) -> Iterator[Connection]:
    """Run a block as one write transaction on ``conn`` (which keeps its temporary tables)."""
    conn.execution_options(**{_WRITE: True})
    try:
        with conn.begin():
            yield conn
    finally:
        conn.execution_options(**{_WRITE: False})


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """Insert ``rows``, updating the ``update`` columns (default: all but the key) on conflict."""
    if not rows:
        return
    columns = update if update is not None else [c for c in rows[0] if c not in key]
    statement = _upsert_statement(conn.dialect.name, table, tuple(key), tuple(columns))
    conn.execute(statement, list(rows))


def insert_new(conn: Connection, table: Table, row: Mapping[str, Any], key: Sequence[str]) -> bool:
    """Insert ``row`` unless a row with its ``key`` exists; return whether it was inserted.

    Atomic on both dialects: of simultaneous inserts of one key on any hosts, one is inserted
    and the others wait for its transaction, then find it.
    """
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    # RETURNING, not rowcount: psycopg's rowcount is not 1 for a row inserted here
    statement = (
        dialect.insert(table)
        .values(**row)
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(*(table.c[name] for name in key))
    )
    return conn.execute(statement).first() is not None


@functools.lru_cache(maxsize=64)
def _upsert_statement(
    dialect_name: str, table: Table, key: tuple[str, ...], columns: tuple[str, ...]
) -> Executable:
    # Built once per shape: constructing an INSERT .. ON CONFLICT costs more than running it.
    dialect = sqlite if dialect_name == "sqlite" else postgresql
    statement = dialect.insert(table)
    if not columns:
        done: Executable = statement.on_conflict_do_nothing(index_elements=list(key))
        return done
    updated: Executable = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: statement.excluded[name] for name in columns},
    )
    return updated


# -- the schema ----------------------------------------------------------------------------------
def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the database's schema revision (None: empty); raise DatabaseError if unreachable."""
    from alembic.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as error:
        raise unreachable(engine, error) from error


def describe(error: BaseException) -> str:
    """Return the driver's own one-line reason for a store error (no SQL, no parameters)."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def unreachable(engine: Engine, error: BaseException) -> DatabaseError:
    return DatabaseError(f"cannot use the database {safe_url(engine.url)}: {describe(error)}")


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the code's revision; return (revision before, revision after).

    Safe to run twice and from several hosts at once: on PostgreSQL the upgrade holds an
    advisory lock, so a second host waits, then finds nothing left to do; on SQLite the
    upgrade is one write transaction.
    """
    from alembic import command

    try:
        with engine.connect() as conn:
            if is_postgresql(engine):
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK})
                conn.commit()  # a session lock: held until unlocked, across transactions
            try:
                conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    from alembic.migration import MigrationContext

                    before = MigrationContext.configure(conn).get_current_revision()
                    command.upgrade(_alembic_config(conn), "head")
            finally:
                if is_postgresql(engine):
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK})
                    conn.commit()
    except SQLAlchemyError as error:
        raise unreachable(engine, error) from error
    return before, head_revision()


def missing_file(engine: Engine) -> Path | None:
    """Return the SQLite file ``engine`` names if it does not exist; None otherwise."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or Path(database).exists():
        return None
    return Path(database)


def missing_message(missing: Path) -> str:
    return (
        f"no database at {missing} (IVR_DATABASE_URL, or IVR_DATA_DIR/ivr.sqlite3): create "
        f"it with '{LEDGER_IMPORT_COMMAND} FILES' or, to try the IVR, "
        f"'{DEMO_COMMAND}'; '{UPGRADE_COMMAND}' makes it empty"
    )


def prepare(engine: Engine, *, create: bool = False) -> None:
    """Make the database usable at start: upgrade SQLite; refuse a PostgreSQL schema behind.

    A missing SQLite file is an error naming the commands that make one, unless ``create``
    (and ``engine`` was made with ``create``).
    """
    missing = None if create else missing_file(engine)
    if missing is not None:
        raise DatabaseError(missing_message(missing))
    current = current_revision(engine)
    if current == head_revision():
        return
    _refuse_schema(engine, current)
    before, after = upgrade(engine)  # SQLite, one host: brought up to date at start
    log.info("database %s: schema upgraded from %s to %s", safe_url(engine.url), before, after)


def _refuse_schema(engine: Engine, current: str | None) -> None:
    """Raise DatabaseError for a schema the code cannot serve: newer, or PostgreSQL's behind."""
    from alembic.script import ScriptDirectory

    head = head_revision()
    known = {rev.revision for rev in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    if current is not None and current not in known:
        raise DatabaseError(
            f"the database {safe_url(engine.url)} has schema revision {current}, newer than "
            f"this code knows ({head}): upgrade the application"
        )
    if is_postgresql(engine):
        raise DatabaseError(
            f"the database {safe_url(engine.url)} has schema revision "
            f"{current or 'none (empty)'}; this code needs {head}: run '{UPGRADE_COMMAND}' once, "
            "from any host"
        )


def database_status(url: str) -> str:
    """Say whether the database at ``url`` can serve, without changing it (``ivr check``).

    Raise DatabaseError when it cannot: unreachable, a schema newer than the code, a PostgreSQL
    schema behind it. A missing SQLite file is no error here (a fresh clone): nothing made it yet.
    """
    engine = make_engine(url)
    try:
        missing = missing_file(engine)
        if missing is not None:
            return f"database: none yet at {missing} (make it with '{UPGRADE_COMMAND}')"
        current = current_revision(engine)
        if current != head_revision():
            _refuse_schema(engine, current)
            return f"database: {safe_url(engine.url)}: schema upgraded at the app's next start"
        return f"database: {safe_url(engine.url)}: reachable, schema {current}"
    finally:
        engine.dispose()


T = TypeVar("T")


class Recent(Generic[T]):
    """A value read from the shared database at most once per ``ttl`` seconds, per process.

    What every host must follow soon but every webhook reads (the emergency override, the
    stored closures): one query a second at most, and when the database cannot answer, the
    value last read stays in force, logged once per outage (``log_store_error``) and once when
    it is readable again.
    """

    def __init__(
        self,
        engine: Engine,
        read: Callable[[Connection], T],
        initial: T,
        *,
        ttl: float,
        logger: logging.Logger,
        what: str,
        kept: Callable[[T], str],
    ) -> None:
        self.engine, self.read, self.ttl = engine, read, ttl
        self.logger, self.what, self.kept = logger, what, kept
        self.last = initial  # what the last successful read found
        self.read_at = -math.inf  # time.monotonic() of that read
        self.failing = False

    def get(self) -> T:
        now = time.monotonic()
        if now - self.read_at < self.ttl:
            return self.last
        try:
            with self.engine.connect() as conn:
                value = self.read(conn)
        except STORE_ERRORS as error:
            if not self.failing:
                message = f"cannot read {self.what}; keeping {self.kept(self.last)}"
                log_store_error(self.logger, message, error)
            self.failing = True
            self.read_at = now  # ask again after ttl, not at every webhook of the outage
            return self.last
        if self.failing:
            self.logger.info("%s: readable again", self.what)
        self.failing = False
        self.last, self.read_at = value, now
        return value

    def put(self, value: T) -> None:
        """Keep what this process just wrote, as if read now."""
        self.last, self.read_at = value, time.monotonic()

    def forget(self) -> None:
        """Read again at the next ``get``: this process changed what the database holds."""
        self.read_at = -math.inf
