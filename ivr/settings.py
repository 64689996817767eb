"""Deployment settings, from the environment (or a mapping given to ``create_app``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class AppSettings:
    config_dir: Path
    data_dir: Path
    database: Path  # the SQLite file of the default database URL
    database_url: str  # every shared store: SQLite (one host) or PostgreSQL (several hosts)
    auth_token: str | None
    skip_signature: bool
    public_url: str | None
    trusted_proxies: int
    reload_seconds: float
    in_process_scheduler: bool
    log_json: bool
    cli: bool  # loaded by an operator command, not to serve calls
    ledger_drop_dir: Path | None  # billing exports dropped here are imported nightly
    account_sid: str | None = None  # Twilio's REST API (SMS to waiting callers)
    twilio_api_url: str = "https://api.twilio.com"

    @property
    def serving_allowed(self) -> bool:
        """Whether webhooks can be answered: a token to check signatures, or the dev setting."""
        return bool(self.auth_token) or self.skip_signature


def load_settings(overrides: Mapping[str, Any] | None = None) -> AppSettings:
    """Read settings from the environment, with ``overrides`` (same names) taking precedence."""
    source: dict[str, Any] = {**os.environ, **(overrides or {})}

    def flag(name: str) -> bool:
        value = source.get(name, "")
        return value is True or str(value).strip().lower() in TRUE

    config_dir = Path(source.get("IVR_CONFIG_DIR") or Path.cwd())
    data_dir = Path(source.get("IVR_DATA_DIR") or config_dir / "var")
    database = Path(source.get("IVR_DATABASE") or data_dir / "ivr.sqlite3")
    return AppSettings(
        config_dir=config_dir,
        data_dir=data_dir,
        database=database,
        database_url=source.get("IVR_DATABASE_URL") or f"sqlite:///{database}",
        auth_token=source.get("TWILIO_AUTH_TOKEN") or None,
        skip_signature=flag("IVR_SKIP_SIGNATURE"),
        public_url=(source.get("IVR_PUBLIC_URL") or "").rstrip("/") or None,
        trusted_proxies=int(source.get("IVR_TRUSTED_PROXIES") or 0),
        reload_seconds=float(source.get("IVR_RELOAD_SECONDS") or 2),
        in_process_scheduler=flag("IVR_IN_PROCESS_SCHEDULER"),
        log_json=flag("IVR_LOG_JSON"),
        cli=flag("IVR_CLI"),
        ledger_drop_dir=Path(source["IVR_LEDGER_DROP_DIR"])
        if source.get("IVR_LEDGER_DROP_DIR")
        else None,
        account_sid=source.get("TWILIO_ACCOUNT_SID") or None,
        twilio_api_url=source.get("IVR_TWILIO_API_URL") or "https://api.twilio.com",
    )
