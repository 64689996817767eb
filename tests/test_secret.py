"""The server key: from IVR_SECRET_KEY, or a 0600 key file made once; required with PostgreSQL."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ivr.app import CANNOT_START
from ivr.secret import KEY_FILE, SecretKeyError, key_file, server_key, subkey
from ivr.settings import SettingsError, load_settings
from tests.helpers import SECRET_KEY, start_app

PG = "postgresql+psycopg://ivr:pw@db.example.edu/ivr"


def test_the_setting_is_the_key(tmp_path: Path) -> None:
    settings = load_settings({"IVR_DATA_DIR": str(tmp_path), "IVR_SECRET_KEY": SECRET_KEY})
    assert server_key(settings) == SECRET_KEY.encode()
    assert not (tmp_path / KEY_FILE).exists()


def test_without_the_setting_a_private_key_file_is_made_once(tmp_path: Path) -> None:
    settings = load_settings({"IVR_DATA_DIR": str(tmp_path / "var")})
    first = server_key(settings)
    made = tmp_path / "var" / KEY_FILE
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert server_key(settings) == first  # read back, not made again
    assert made.read_text().strip().encode() == first


def test_workers_starting_at_once_share_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: key_file(tmp_path / KEY_FILE), range(32)))
    assert len(keys) == 1


def test_a_damaged_key_file_is_refused_not_replaced(tmp_path: Path) -> None:
    damaged = tmp_path / KEY_FILE
    damaged.write_text("short\n")
    with pytest.raises(SecretKeyError) as refused:
        key_file(damaged)
    assert str(refused.value) == (
        f"{damaged}: the server key file holds 5 characters, 32 or more expected; restore it "
        "from a backup, or delete it to make a new one (students' second factors then need a "
        "new ledger import)"
    )
    assert damaged.read_text() == "short\n"


def test_a_data_folder_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    (tmp_path / "var").write_text("a file where the data folder should be")
    with pytest.raises(SecretKeyError) as refused:
        key_file(tmp_path / "var" / KEY_FILE)
    assert str(refused.value) == (
        f"{tmp_path / 'var' / KEY_FILE}: cannot create the server key file (not a folder); "
        "make the data folder writable or set IVR_SECRET_KEY"
    )


def test_subkeys_differ_by_purpose_and_by_key() -> None:
    key = SECRET_KEY.encode()
    assert subkey(key, "second-factor") == subkey(key, "second-factor")
    assert subkey(key, "second-factor") != subkey(key, "console-session")
    assert subkey(b"another key of more than thirty-two", "second-factor") != subkey(
        key, "second-factor"
    )
    assert len(subkey(key, "x")) == 32


def test_a_shared_database_needs_the_setting() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"IVR_DATABASE_URL": PG})
    assert refused.value.problems == [
        "IVR_SECRET_KEY is not set: with a shared database every host needs the same server "
        "key; generate one with `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'` "
        'and set it on every host (docs/deploy.md, "The server key"); moving from SQLite, use '
        "the old host's IVR_DATA_DIR/secret.key instead"
    ]
    assert load_settings({"IVR_DATABASE_URL": PG, "IVR_SECRET_KEY": SECRET_KEY}).secret_key


def test_a_short_key_is_refused_without_showing_it() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"IVR_SECRET_KEY": "tooshort"})
    assert refused.value.problems == [
        "IVR_SECRET_KEY=(hidden): expected at least 32 random characters, such as the output "
        "of `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
    ]


def test_a_damaged_key_file_stops_the_start_with_its_message(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / KEY_FILE).write_text("short\n")
    environment = {**os.environ, "IVR_SKIP_SIGNATURE": "1", "IVR_DATA_DIR": str(tmp_path / "var")}
    for name in ("IVR_SECRET_KEY", "IVR_DATABASE_URL", "IVR_CLI"):
        environment.pop(name, None)
    result = start_app(environment)
    assert result.returncode == CANNOT_START
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(
            f"cannot start: {tmp_path / 'var' / KEY_FILE}: the server key file holds 5 characters"
        )
    )
