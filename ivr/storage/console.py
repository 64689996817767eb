"""The operator console's accounts, audit log and failed logins, in the shared database.

Every host reads the same users and counts the same failed logins, so a guesser gains nothing
by spreading attempts over hosts. Passwords are kept as scrypt hashes (memory-hard: a stolen
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

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ivr.clock import to_lima
from ivr.storage.schema import CONSOLE_ROLES, console_audit, console_login_failures, console_users

__all__ = [
    "CONSOLE_ROLES",
    "AuditEntry",
    "ConsoleStore",
    "LoginPolicy",
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
    role: str  # "viewer" or "operator"
    password_hash: str
    created_at: datetime  # Lima time
    password_changed_at: datetime

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"

    @property
    def stamp(self) -> str:
        """A short digest of the password hash: a session made before a change stops working."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime  # Lima time
    actor: str
    action: str
    detail: str


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """How many failed logins, in ``window``, lock an account name or a client address.

    An address gets more tries than an account: a desk's operators may share one address
    behind their office's NAT, and one of them mistyping must not lock out the others.
    """

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


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
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(console_users).where(console_users.c.name == name.strip().lower())
            )
        return bool(result.rowcount)

    def set_password(self, name: str, password_hash: str, now: datetime) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(console_users)
                .where(console_users.c.name == name.strip().lower())
                .values(password_hash=password_hash, password_changed_at=now)
            )
        return bool(result.rowcount)

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
    def locked(self, account: str, address: str, now: datetime) -> bool:
        """Whether the account name or the address failed too often within the window."""
        since = now - self.policy.window
        table = console_login_failures
        count = select(func.count()).select_from(table).where(table.c.at > since)
        with self.engine.connect() as conn:
            by_account = conn.execute(count.where(table.c.account == account)).scalar() or 0
            by_address = conn.execute(count.where(table.c.address == address)).scalar() or 0
        return by_account >= self.policy.per_account or by_address >= self.policy.per_address

    def failed(self, account: str, address: str, now: datetime) -> None:
        """Count a failed login; forget the ones older than the window."""
        table = console_login_failures
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.at <= now - self.policy.window))
            conn.execute(insert(table).values(at=now, account=account, address=address[:64]))

    def succeeded(self, account: str) -> None:
        """Forget an account's failed logins once its password was given right."""
        table = console_login_failures
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.account == account))


def _user(mapping: Mapping[Any, Any]) -> User:
    return User(
        name=mapping["name"],
        role=mapping["role"],
        password_hash=mapping["password_hash"],
        created_at=to_lima(mapping["created_at"]),
        password_changed_at=to_lima(mapping["password_changed_at"]),
    )
