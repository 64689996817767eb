"""Every table of the shared database, as SQLAlchemy Core tables (one ``MetaData``).

The same tables serve SQLite (one host) and PostgreSQL (several hosts). Alembic's revisions in
``ivr/storage/migrations`` create them; a test checks that the revisions produce exactly these
tables on both dialects. Instants are stored as UTC without a zone (``Instant``), so that they
sort the same way on both; money is integer céntimos.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite makes only an INTEGER PRIMARY KEY an alias of its rowid (autoincrementing).
RowId = BigInteger().with_variant(Integer(), "sqlite")


class Instant(TypeDecorator[datetime]):
    """An aware instant, stored as naive UTC: the same order and meaning on every dialect."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise ValueError("naive datetime: pass an aware instant (ivr.clock.now())")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


# -- the ledger ----------------------------------------------------------------------------------
students = Table(
    "students",
    metadata,
    Column("code", Text, primary_key=True),
    Column("code_digits", Text, nullable=False, unique=True),  # what callers key
    Column("tariff_category", Text, nullable=False),
    Column("has_agreement", Boolean, nullable=False),
    Column("has_benefit", Boolean, nullable=False),
    Column("is_staff_or_family", Boolean, nullable=False),
    Column("dni_verifier", Text, nullable=False),  # ivr.storage.ledger.secondfactor
    # E.164 Peruvian mobile for due-date reminders (students.csv ``mobile``), or NULL
    Column("mobile", Text, nullable=True),
)

enrolments = Table(
    "enrolments",
    metadata,
    Column("code", Text, ForeignKey("students.code", ondelete="CASCADE"), nullable=False),
    Column("term", Text, nullable=False),
    Column("tariff", Integer, nullable=False),
    Column("credits", Integer, nullable=False),
    Column("last_regular_cycle", Boolean, nullable=False),
    Column("insurance", Text, nullable=False),
    Column("extemporaneous", Boolean, nullable=False),
    Column("withdrawn_on", Date, nullable=True),
    Column("early_payment_granted_on", Date, nullable=True),
    PrimaryKeyConstraint("code", "term"),
    CheckConstraint("tariff >= 0", name="tariff"),
    CheckConstraint("credits > 0", name="credits"),
    CheckConstraint(
        "insurance IN ('contracted', 'exonerated', 'not_contracted')", name="insurance"
    ),
)

payments = Table(
    "payments",
    metadata,
    Column("payment_id", Text, primary_key=True),  # the billing system's id
    Column("code", Text, ForeignKey("students.code", ondelete="CASCADE"), nullable=False),
    Column("term", Text, nullable=True),
    Column("concept", Text, nullable=False),
    Column("cuota", Integer, nullable=True),
    Column("amount", Integer, nullable=False),
    Column("paid_on", Date, nullable=False),
    CheckConstraint("cuota BETWEEN 1 AND 5", name="cuota"),
    CheckConstraint("amount > 0", name="amount"),
    Index(None, "code", "paid_on"),
)

# -- phone verification ---------------------------------------------------------------------------
verification_failures = Table(
    "verification_failures",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("code_digits", Text, nullable=False),
    Column("failed_at", Instant, nullable=False),
    # the webhook request that failed, so that Twilio retrying it does not count it twice
    Column("attempt", Text, nullable=True, unique=True),
    Index(None, "code_digits", "failed_at"),
)

# One row per code that failed: the row every failure on that code locks first, so that
# failures on one code are counted one after the other on any number of hosts.
lockouts = Table(
    "lockouts",
    metadata,
    Column("code_digits", Text, primary_key=True),
    Column("locked_until", Instant, nullable=True),  # NULL or past: not locked
)

# Failed verifications per calling number (a keyed hash of Twilio's From, never the number),
# counted in a fixed window that starts at the number's first failure.
caller_failures = Table(
    "caller_failures",
    metadata,
    Column("caller", Text, primary_key=True),
    Column("window_start", Instant, nullable=False, index=True),
    Column("failures", Integer, nullable=False),
)

# -- calls ----------------------------------------------------------------------------------------
call_sessions = Table(
    "call_sessions",
    metadata,
    Column("call_sid", Text, primary_key=True),
    Column("data", Text, nullable=False),  # a JSON object
    Column("expires_at", Instant, nullable=False, index=True),
    # set when Twilio's status callback says the call ended: later webhooks hear a goodbye
    Column("closed_at", Instant, nullable=True),
)

call_steps = Table(
    "call_steps",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("call_sid", Text, nullable=False),
    Column("at", Instant, nullable=False, index=True),
    Column("campus", Text, nullable=False),  # the dialled line's campus names, or 'unknown'
    Column("node", Text, nullable=False),  # where the caller is after this step
    Column("event", Text, nullable=False),  # ivr.core.flow.Outcome.event
    Column("detail", Text, nullable=False),  # Outcome.detail, masked
    Column("said", Text, nullable=False),  # the key pressed or the words said, masked
    # the webhook request it answered: a retried request is recorded once
    Column("request", Text, nullable=True, unique=True),
    Index(None, "call_sid", "at"),
)

call_statuses = Table(
    "call_statuses",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("call_sid", Text, nullable=False, index=True),
    Column("at", Instant, nullable=False),
    Column("call_status", Text, nullable=False),  # Twilio's CallStatus
    Column("duration_s", Integer, nullable=True),  # Twilio's CallDuration, when sent
)

# -- the emergency override -----------------------------------------------------------------------
emergency_override = Table(
    "emergency_override",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1: one override
    Column("message", Text, nullable=False),
    Column("set_at", Instant, nullable=False),
    Column("until", Instant, nullable=True),
    CheckConstraint("id = 1", name="single"),
)

# -- callback requests ----------------------------------------------------------------------------
# pending, called, done, abandoned: worked by hand (``ivr callbacks``); ringing, reached,
# unreached, cancelled: placed by the service through a desk's agents (ivr.storage.desks).
HAND_STATUSES = ("pending", "called", "done", "abandoned")
CALLBACK_STATUSES = (*HAND_STATUSES, "ringing", "reached", "unreached", "cancelled")
_CALLBACK_CHECK = "status IN (" + ", ".join(f"'{s}'" for s in CALLBACK_STATUSES) + ")"

callbacks = Table(
    "callbacks",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    # the call that asked: Twilio retrying the same webhook stores the request once
    Column("call_sid", Text, nullable=True, unique=True),
    Column("number", Text, nullable=False),  # E.164; masked wherever it is shown or logged
    Column("desk", Text, nullable=False),  # the Twilio queue the caller was waiting for
    Column("campus", Text, nullable=False),  # the dialled line's campus names, or 'unknown'
    Column("requested_at", Instant, nullable=False),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False),  # calls placed by the scheduler
    Column("updated_at", Instant, nullable=False),
    # placed by the service (0005_desks): the caller's place, retries, a promised window
    Column("entered_at", Instant, nullable=True),  # when its caller entered the queue
    Column("central", Text, nullable=True),  # the number the caller dialled: our From
    Column("next_attempt_at", Instant, nullable=True),
    Column("window_start", Instant, nullable=True),  # a promised hour: placed within it
    Column("window_end", Instant, nullable=True),
    Column("agent", Text, nullable=True),  # the agent rung for it, by name
    Column("rung_at", Instant, nullable=True),
    Column("dialled_at", Instant, nullable=True),  # the student dialled in this attempt
    CheckConstraint(_CALLBACK_CHECK, name="status"),
    Index(None, "status", "desk", "requested_at"),
)

# Closures and special hours added from the console or `ivr closures`, beside the YAML's: one
# row closes a line (or every line, ``line`` NULL) from ``first_day`` to ``last_day``, or, with
# ``opens`` and ``closes`` ('HH:MM:SS', Lima), gives that line those hours on ``first_day``.
closures = Table(
    "closures",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("line", Text, nullable=True),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False, index=True),
    Column("opens", Text, nullable=True),
    Column("closes", Text, nullable=True),
    Column("label", Text, nullable=True),
    Column("message", Text, nullable=True),
    Column("added_by", Text, nullable=False),
    Column("added_at", Instant, nullable=False),
    CheckConstraint("last_day >= first_day", name="days"),
    CheckConstraint("(opens IS NULL) = (closes IS NULL)", name="hours"),
)

# -- desks answered by the service (ivr.storage.desks) --------------------------------------------
AGENT_STATES = ("available", "ringing", "on_call", "wrap_up", "away")

agents = Table(
    "agents",
    metadata,
    Column("name", Text, primary_key=True),
    Column("phone", Text, nullable=False),  # E.164 or sip:; never logged
    Column("state", Text, nullable=False),
    Column("state_since", Instant, nullable=False),  # the longest available is rung first
    Column("busy_until", Instant, nullable=True),  # the end of a wrap-up
    Column("ring", Integer, nullable=False),  # counts rings: a webhook of an old ring is stale
    Column("call_sid", Text, nullable=True),  # the agent's leg of the current ring
    Column("offer_kind", Text, nullable=True),  # caller | callback
    Column("offer_ref", Text, nullable=True),  # the caller's CallSid, or the callback's id
    Column("offer_desk", Text, nullable=True),
    Column("created_at", Instant, nullable=False),
    CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in AGENT_STATES) + ")", name="state"),
)

agent_desks = Table(
    "agent_desks",
    metadata,
    Column("agent", Text, ForeignKey("agents.name", ondelete="CASCADE"), nullable=False),
    Column("desk", Text, nullable=False, index=True),
    PrimaryKeyConstraint("agent", "desk"),
)

WAITING_STATES = ("waiting", "ringing", "answered", "left")

# Callers in a desk's Twilio queue, learnt from the wait requests; gone at the <Enqueue> action.
desk_callers = Table(
    "desk_callers",
    metadata,
    Column("call_sid", Text, primary_key=True),
    Column("desk", Text, nullable=False),
    Column("campus", Text, nullable=False),
    Column("central", Text, nullable=False),  # the number dialled
    Column("entered_at", Instant, nullable=False),
    Column("verified", Boolean, nullable=False),
    Column("asked", Text, nullable=False),  # the menu choices that led here
    Column("status", Text, nullable=False),
    Column("agent", Text, nullable=True),
    Column("rung_at", Instant, nullable=True),
    Column("answered_at", Instant, nullable=True),
    Column("ended_at", Instant, nullable=True),
    Column("result", Text, nullable=True),  # Twilio's QueueResult
    CheckConstraint(
        "status IN (" + ", ".join(f"'{s}'" for s in WAITING_STATES) + ")", name="status"
    ),
    Index(None, "status", "desk", "entered_at"),
)

# -- the operator console -------------------------------------------------------------------------
# agent: a desk's agent (ivr agents), who sets their own state on the «Mesa» page; the agent
# of the same name
CONSOLE_ROLES = ("viewer", "operator", "agent")

console_users = Table(
    "console_users",
    metadata,
    Column("name", Text, primary_key=True),  # lower case, ivr.storage.console.USER_NAME
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=False),  # scrypt, werkzeug.security's format
    Column("created_at", Instant, nullable=False),
    Column("password_changed_at", Instant, nullable=False),
    CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in CONSOLE_ROLES) + ")", name="role"),
)

# Who did what, when: every change made from the console or to its accounts.
console_audit = Table(
    "console_audit",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("at", Instant, nullable=False, index=True),
    Column("actor", Text, nullable=False),  # a console user, or "cli:" and the system user
    Column("action", Text, nullable=False),
    Column("detail", Text, nullable=False),
)

# Failed console logins, counted per account and per address over a sliding window.
console_login_failures = Table(
    "console_login_failures",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("at", Instant, nullable=False, index=True),
    Column("account", Text, nullable=False),  # a keyed hash of the name typed, never the name
    Column("address", Text, nullable=False),  # the client's IP address
    Index(None, "account", "at"),
    Index(None, "address", "at"),
)

# Console sessions, one row per login: a cookie opens the console only while its row is open
# (not ended, within the session's limit), so «Salir», a password change or a removed user end
# it on every host. Ended rows stay a while: the addresses a user logged in from are not paced
# by other addresses' failures (ivr.storage.console.LoginPolicy).
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", Text, primary_key=True),  # sha256 of the cookie's token, never the token
    Column("user_name", Text, nullable=False),
    Column("address", Text, nullable=False),  # the client's IP address at login
    Column("started_at", Instant, nullable=False, index=True),
    Column("ended_at", Instant, nullable=True),
    Index(None, "user_name", "address"),
)

# -- outbound contact: limits per number, one text per call ---------------------------------------
# Callback requests and texts counted per number (a keyed hash, never the number) and for all
# numbers, per Lima hour and day: one row per counter and period, raised by one atomic upsert
# that refuses past the limit, so that simultaneous requests on any number of hosts never
# over-count (ivr.storage.outbound).
outbound_counts = Table(
    "outbound_counts",
    metadata,
    Column("kind", Text, nullable=False),  # callback, sms
    Column("scope", Text, nullable=False),  # per_caller, per_number, total
    Column("subject", Text, nullable=False),  # a keyed hash of the number; '*' for total
    Column("period", Text, nullable=False),  # the Lima day "2026-11-18" or hour "2026-11-18T10"
    Column("count", Integer, nullable=False),
    Column("expires_at", Instant, nullable=False, index=True),  # the period's end
    PrimaryKeyConstraint("kind", "scope", "subject", "period"),
)

OUTBOUND_STATUSES = ("sending", "sent", "failed")

# One row per call and choice (the idempotency key), written in the transaction that decides to
# send: a retried webhook, a key pressed twice or several hosts send one text.
outbound_messages = Table(
    "outbound_messages",
    metadata,
    Column("call_sid", Text, nullable=False),
    Column("choice", Text, nullable=False),  # what the caller chose, e.g. "channels"
    Column("number", Text, nullable=False),  # masked: its last three digits
    Column("status", Text, nullable=False),
    Column("created_at", Instant, nullable=False, index=True),
    Column("updated_at", Instant, nullable=False),
    Column("sid", Text, nullable=True),  # Twilio's message SID once accepted
    Column("detail", Text, nullable=True),  # why it failed (Twilio's status and code)
    PrimaryKeyConstraint("call_sid", "choice"),
    CheckConstraint("status IN ('sending', 'sent', 'failed')", name="status"),
)

# -- due-date reminders by SMS --------------------------------------------------------------------
REMINDER_STATUSES = ("claimed", "sent", "failed", "paid", "expired", "opted_out")

# One row per reminder, written BEFORE its text is sent (claimed), then marked sent or failed;
# or written once as dropped (paid, expired, opted_out). The key (student, cuota, kind, due
# date) is unique, and so is (code, sent_on): a second host or run claiming the same
# reminder, or a second text to the same student the same day, fails to insert and sends
# nothing.
reminder_log = Table(
    "reminder_log",
    metadata,
    Column("key", Text, primary_key=True),  # ivr.core.reminders.Reminder.key
    Column("code", Text, nullable=False),
    Column("term", Text, nullable=False),
    Column("cuota", Integer, nullable=False),
    Column("kind", Text, nullable=False),  # before, overdue, late_fee
    Column("day", Date, nullable=False, index=True),  # the Lima day it was decided
    Column("at", Instant, nullable=False),
    Column("status", Text, nullable=False),
    Column("sent_on", Date, nullable=True),  # the day it was claimed for sending; NULL: dropped
    Column("number", Text, nullable=True),  # masked: its last three digits only
    Column("sid", Text, nullable=True),  # Twilio's message SID once accepted
    Column("error", Text, nullable=True),  # why Twilio did not take it
    CheckConstraint(
        "status IN ('claimed', 'sent', 'failed', 'paid', 'expired', 'opted_out')", name="status"
    ),
    UniqueConstraint("code", "sent_on"),
)

# Who asked not to get reminders: a number (replied BAJA, or an operator's ``optout``) or a
# student (the key in the IVR after verification). One of the two per row.
reminder_optouts = Table(
    "reminder_optouts",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("number", Text, nullable=True, unique=True),  # E.164
    Column("code", Text, nullable=True, unique=True),  # a student code
    Column("at", Instant, nullable=False, index=True),
    Column("door", Text, nullable=False),  # sms, ivr, cli, console
    CheckConstraint("number IS NOT NULL OR code IS NOT NULL", name="subject"),
)
