"""The operator console's accounts, sessions, audit log and failed logins, in the shared database.

Every host reads the same users and sessions and counts the same failed logins, so a guesser
gains nothing by spreading attempts over hosts, and a session ended on one host is ended on
all. Passwords are kept as scrypt hashes (memory-hard: a stolen
table is slow to attack on a GPU), in werkzeug.security's self-describing format, so that the
parameters can be raised later without invalidating the stored hashes.

The store never reads the clock: every method that needs "now" takes it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ivr.clock import to_lima
from ivr.storage.database import is_postgresql, writing
from ivr.storage.schema import (
    CONSOLE_ROLES,
    console_audit,
    console_login_failures,
    console_sessions,
    console_users,
)

__all__ = [
    "CONSOLE_ROLES",
    "Attempt",
    "AuditEntry",
    "ConsoleStore",
    "LoginPolicy",
    "Refused",
    "User",
    "UserExists",
    "check_name",
    "check_password",
    "hash_password",
    "password_problem",
]

# A user name: what a person types at the login form; stored in lower case.
USER_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")
MIN_PASSWORD = 12  # characters
MAX_PASSWORD = 256  # characters: longer input is refused before it is hashed
# werkzeug's scrypt: N=2**15, r=8, p=1, i.e. 32 MiB and tens of milliseconds per hash.
HASH_METHOD = "scrypt"


class UserExists(ValueError):
    """A user of that name exists already."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str  # "viewer", "operator" or "agent"
    password_hash: str
    created_at: datetime  # Lima time
    password_changed_at: datetime

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"

    @property
    def is_agent(self) -> bool:
        """A desks' agent: the agent of the same name (``ivr agents``)."""
        return self.role == "agent"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime  # Lima time
    actor: str
    action: str
    detail: str


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """When failed logins refuse a login before its password is checked.

    - A name from one address (``per_pair`` in ``window``): that pair is locked. The lock is
      the pair's, not the name's, so a stranger guessing cannot lock an operator out.
    - One address, any names (``per_address`` in ``window``): more tries than a pair, since a
      desk's operators may share one address behind their office's NAT.
    - A name from elsewhere (``pace`` failures from other addresses in ``pace_window``): the
      name is slowed, not locked; an address the user logged in from in the last
      ``known_for`` is not slowed, so the operator's own desk gets in while a stranger guesses.
    """

    per_pair: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    pace: int = 10
    pace_window: timedelta = timedelta(minutes=1)
    known_for: timedelta = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Refused:
    """A login refused before its password is checked: why, and when it may be tried again."""

    reason: str  # "pair", "address" or "pace"
    until: datetime  # Lima time


@dataclass(frozen=True, slots=True)
class Attempt:
    """A login whose password may be checked: counted as failed until ``succeeded``."""

    id: int
    account: str
    address: str


def check_name(name: str) -> str:
    """Return the user name in its stored form (lower case), or raise ValueError saying why."""
    normal = name.strip().lower()
    if not USER_NAME.fullmatch(normal):
        raise ValueError(
            f"'{name}' is not a user name: 1 to 32 letters (a-z), digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return normal


def password_problem(password: str) -> str | None:
    """Return why ``password`` cannot be used, or None."""
    if len(password) < MIN_PASSWORD:
        return f"the password must have at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"the password must have at most {MAX_PASSWORD} characters"
    if not password.strip():
        return "the password must not be only spaces"
    return None


def hash_password(password: str) -> str:
    """Return the scrypt hash of a password that passed ``password_problem``."""
    problem = password_problem(password)
    if problem is not None:
        raise ValueError(problem)
    return generate_password_hash(password, method=HASH_METHOD)


def check_password(user: User | None, password: str) -> bool:
    """Return whether ``password`` is ``user``'s; with no user, spend the same time and fail.

    Hashing against a dummy hash for an unknown name keeps the answer's timing from telling
    which names exist. An over-long password is cut and hashed all the same, then refused.
    """
    too_long = len(password) > MAX_PASSWORD
    password = password[:MAX_PASSWORD]
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(user.password_hash, password) and not too_long


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=HASH_METHOD)


def account_key(key: bytes, name: str) -> str:
    """The keyed hash a failed login is counted under: a password typed as a name stays unread."""
    return hmac.new(key, name.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


class ConsoleStore:
    """Users, audit log and failed logins (raises ``STORE_ERRORS`` when the database fails)."""

    def __init__(self, engine: Engine, policy: LoginPolicy | None = None) -> None:
        self.engine = engine
        self.policy = policy or LoginPolicy()

    # -- users --------------------------------------------------------------------------------
    def add(self, name: str, role: str, password_hash: str, now: datetime) -> User:
        """Create a user; raise UserExists when the name is taken."""
        if role not in CONSOLE_ROLES:
            raise ValueError(f"unknown role {role!r}: one of {', '.join(CONSOLE_ROLES)}")
        row = {
            "name": check_name(name),
            "role": role,
            "password_hash": password_hash,
            "created_at": now,
            "password_changed_at": now,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(console_users).values(**row))
        except IntegrityError:
            raise UserExists(f"there is already a user '{row['name']}'") from None
        return _user(row)

    def get(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(console_users).where(console_users.c.name == name.strip().lower())
            ).first()
        return _user(row._mapping) if row is not None else None

    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(console_users).order_by(console_users.c.name))
            return [_user(row._mapping) for row in rows]

    def has_users(self) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(select(func.count()).select_from(console_users)).scalar())

    def remove(self, name: str) -> bool:
        """Remove a user and every session of theirs, at once."""
        name = name.strip().lower()
        with self.engine.begin() as conn:
            result = conn.execute(delete(console_users).where(console_users.c.name == name))
            conn.execute(delete(console_sessions).where(console_sessions.c.user_name == name))
        return bool(result.rowcount)

    def set_password(
        self, name: str, password_hash: str, now: datetime, *, keep: str | None = None
    ) -> bool:
        """Change a password and end the user's open sessions, but ``keep`` (a token): the
        session a user changed their own password from."""
        name = name.strip().lower()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(console_users)
                .where(console_users.c.name == name)
                .values(password_hash=password_hash, password_changed_at=now)
            )
            ending = (
                update(console_sessions)
                .where(console_sessions.c.user_name == name, console_sessions.c.ended_at.is_(None))
                .values(ended_at=now)
            )
            if keep is not None:
                ending = ending.where(console_sessions.c.id != _session_id(keep))
            conn.execute(ending)
        return bool(result.rowcount)

    # -- sessions -----------------------------------------------------------------------------
    def start_session(self, name: str, address: str, now: datetime) -> str:
        """Open a session for ``name`` from ``address``; return its token (for the cookie).

        Rows older than the policy's ``known_for`` go: no session lives that long.
        """
        token = secrets.token_urlsafe(32)
        table = console_sessions
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.started_at <= now - self.policy.known_for))
            conn.execute(
                insert(table).values(
                    id=_session_id(token),
                    user_name=name.strip().lower(),
                    address=address[:64],
                    started_at=now,
                )
            )
        return token

    def session_user(self, token: str, not_before: datetime) -> User | None:
        """The user of an open session started at ``not_before`` or later, or None."""
        table = console_sessions
        query = (
            select(console_users)
            .join(table, table.c.user_name == console_users.c.name)
            .where(
                table.c.id == _session_id(token),
                table.c.ended_at.is_(None),
                table.c.started_at >= not_before,
            )
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _user(row._mapping) if row is not None else None

    def end_session(self, token: str, now: datetime) -> None:
        """End one session («Salir»): its cookie, even copied, opens nothing afterwards."""
        table = console_sessions
        with self.engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.id == _session_id(token), table.c.ended_at.is_(None))
                .values(ended_at=now)
            )

    # -- the audit log ------------------------------------------------------------------------
    def audit(self, at: datetime, actor: str, action: str, detail: str = "") -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(console_audit).values(
                    at=at, actor=actor[:64], action=action[:64], detail=detail[:1000]
                )
            )

    def audit_log(self, limit: int = 200, *, before: int | None = None) -> list[AuditEntry]:
        """Return the latest ``limit`` entries, newest first; with ``before``, those older
        than the entry of that id (the next page: ids only grow)."""
        query = select(console_audit).order_by(console_audit.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(console_audit.c.id < before)
        with self.engine.connect() as conn:
            return [
                AuditEntry(
                    id=int(row.id),
                    at=to_lima(row.at),
                    actor=row.actor,
                    action=row.action,
                    detail=row.detail,
                )
                for row in conn.execute(query)
            ]

    # -- failed logins ------------------------------------------------------------------------
    def attempt(self, account: str, name: str, address: str, now: datetime) -> Attempt | Refused:
        """Count a login as failed before its password is checked, or refuse it (``LoginPolicy``).

        Counting first, in a transaction that takes turns with every other host's (SQLite's
        write lock; on PostgreSQL a lock on the table), is what makes the limit exact: of
        simultaneous wrong passwords, exactly ``per_pair`` are checked. ``succeeded`` takes
        the count back.
        """
        policy, table = self.policy, console_login_failures
        address = address[:64]
        since = now - policy.window
        with writing(self.engine) as conn:
            if is_postgresql(self.engine):
                conn.execute(text(f"LOCK TABLE {table.name} IN SHARE ROW EXCLUSIVE MODE"))
            conn.execute(delete(table).where(table.c.at <= since))
            recent = table.c.at > since
            pair = _oldest(
                conn,
                policy.per_pair,
                table.c.account == account,
                table.c.address == address,
                recent,
            )
            if pair is not None:
                return Refused("pair", to_lima(pair) + policy.window)
            spread = _oldest(conn, policy.per_address, table.c.address == address, recent)
            if spread is not None:
                return Refused("address", to_lima(spread) + policy.window)
            if not self._known(conn, name, address, now):
                paced = _oldest(
                    conn,
                    policy.pace,
                    table.c.account == account,
                    table.c.address != address,
                    table.c.at > now - policy.pace_window,
                )
                if paced is not None:
                    return Refused("pace", to_lima(paced) + policy.pace_window)
            added = conn.execute(insert(table).values(at=now, account=account, address=address))
        assert added.inserted_primary_key is not None
        return Attempt(int(added.inserted_primary_key[0]), account, address)

    def succeeded(self, attempt: Attempt) -> None:
        """Take back a login's count, and its pair's earlier failures: the password was right.

        Failures for the name from other addresses stay: they are a stranger's.
        """
        table = console_login_failures
        with self.engine.begin() as conn:
            conn.execute(
                delete(table).where(
                    table.c.account == attempt.account, table.c.address == attempt.address
                )
            )

    def _known(self, conn: Connection, name: str, address: str, now: datetime) -> bool:
        """Whether ``name`` logged in from ``address`` within the policy's ``known_for``."""
        table = console_sessions
        query = select(table.c.id).where(
            table.c.user_name == name.strip().lower(),
            table.c.address == address,
            table.c.started_at > now - self.policy.known_for,
        )
        return conn.execute(query.limit(1)).first() is not None


def _oldest(conn: Connection, limit: int, *where: ColumnElement[bool]) -> datetime | None:
    """The instant of the oldest of the newest ``limit`` failures matching ``where``, when
    there are that many (a refusal ends when it leaves its window); else None."""
    table = console_login_failures
    query = select(table.c.at).where(*where).order_by(table.c.at.desc()).limit(limit)
    found = [row.at for row in conn.execute(query)]
    return found[-1] if len(found) >= limit else None


def _session_id(token: str) -> str:
    """The key a session's row is stored under: the database never holds a usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _user(mapping: Mapping[Any, Any]) -> User:
    return User(
        name=mapping["name"],
        role=mapping["role"],
        password_hash=mapping["password_hash"],
        created_at=to_lima(mapping["created_at"]),
        password_changed_at=to_lima(mapping["password_changed_at"]),
    )
