"""The server key: one secret per deployment, kept outside the database, shared by every host.

It keys what a stolen database must not reveal or forge: the students' second-factor verifiers
and the console's signed session cookies. Each use gets its own subkey (``subkey``), so a value
made for one purpose is worthless for another.

The key comes from ``IVR_SECRET_KEY``. Without it (the embedded SQLite default, one host) a key
file is created at first start in ``IVR_DATA_DIR`` with mode 0600 and read from then on. With a
shared database the setting is required (``ivr.settings`` refuses to start without it): a key file
per host would make each host's verifiers and cookies unreadable to the others.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from ivr.settings import AppSettings

KEY_FILE = "secret.key"


class SecretKeyError(RuntimeError):
    """The key file cannot be read or made; the message says which file and what to do."""


def server_key(settings: AppSettings) -> bytes:
    """Return the deployment's server key: ``IVR_SECRET_KEY``, else the data folder's key file."""
    if settings.secret_key:
        return settings.secret_key.encode()
    return key_file(settings.data_dir / KEY_FILE)


def key_file(path: Path) -> bytes:
    """Read the key file at ``path``, creating it (mode 0600, a fresh random key) if missing."""
    try:
        return _read(path)
    except (FileNotFoundError, NotADirectoryError):
        pass  # made below, or the folder's problem named below
    key = secrets.token_urlsafe(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a name of its own, then linked into place: a worker never reads
        # a half-written key, and of two workers starting at once the second link fails and
        # that worker reads the first one's key.
        fd, draft = tempfile.mkstemp(prefix=".secret-", dir=path.parent)  # mode 0600
    except FileExistsError:
        error: OSError = NotADirectoryError(20, "not a folder")
        raise SecretKeyError(_cannot_create(path, error)) from None
    except OSError as error:
        raise SecretKeyError(_cannot_create(path, error)) from error
    try:
        with os.fdopen(fd, "w") as out:
            out.write(key + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.link(draft, path)
    except FileExistsError:
        return _read(path)
    except OSError as error:
        raise SecretKeyError(_cannot_create(path, error)) from error
    finally:
        os.unlink(draft)
    return key.encode()


def _cannot_create(path: Path, error: OSError) -> str:
    return (
        f"{path}: cannot create the server key file ({error.strerror}); "
        "make the data folder writable or set IVR_SECRET_KEY"
    )


def _read(path: Path) -> bytes:
    try:
        key = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        raise
    except (OSError, UnicodeDecodeError) as error:
        raise SecretKeyError(
            f"{path}: cannot read the server key file ({error}); "
            "restore it from a backup or set IVR_SECRET_KEY"
        ) from error
    if len(key) < 32:
        # A half-written file (a crash while creating it) or an edit: never use a short key.
        raise SecretKeyError(
            f"{path}: the server key file holds {len(key)} characters, 32 or more expected; "
            "restore it from a backup, or delete it to make a new one (students' second factors "
            "then need a new ledger import)"
        )
    return key.encode()


def subkey(key: bytes, purpose: str) -> bytes:
    """Derive the key for one ``purpose`` (e.g. ``"second-factor"``) from the server key.

    HMAC-SHA256 of a purpose label under the server key: the standard library's HMAC as a
    key-derivation function (NIST SP 800-108's construction with a single block), so no extra
    dependency for 32 bytes.
    """
    return hmac.new(key, b"campus-ivr/" + purpose.encode(), hashlib.sha256).digest()
