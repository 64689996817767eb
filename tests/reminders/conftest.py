"""A small ledger with known obligations, reminders enabled, and Twilio's REST API on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask

from ivr.core.fees.policy import statement
from ivr.runtime import Runtime
from ivr.storage.ledger import importer
from ivr.storage.reminders import ReminderStore
from tests.conftest import WEEKDAY_10AM
from tests.queue.standin import SID, FakeTwilio

SENDER = "+5116044799"
# Students of 2026-2 (cuotas due 2026-10-30, 11-30 and 12-30; S/ 950.00 + S/ 38.50 insurance):
# A pays up to cuota 3; B also pays cuota 4 early and cuota 5 the day after its reminder;
# C has opted out; D has no mobile; E pays cuota 3 never and part of cuota 4.
STUDENTS = """student_code,dni,tariff_category,has_agreement,has_benefit,is_staff_or_family,mobile
N00200001,45871231,regular,no,no,no,987 654 321
N00200002,45871232,regular,no,no,no,+51987654322
N00200003,45871233,regular,no,no,no,987654323
N00200004,45871234,regular,no,no,no,
N00200005,45871235,regular,no,no,no,51987654325
"""
ENROLMENTS = (
    "student_code,term,tariff,credits,last_regular_cycle,insurance,extemporaneous,withdrawn_on,early_payment_granted_on\n"
    + "".join(f"N0020000{n},2026-2,950.00,20,no,contracted,no,,\n" for n in range(1, 6))
)
_PAID_TO_3 = [
    ("matricula", "", "390.00", "2026-08-10"),
    ("cuota", "1", "950.00", "2026-08-28"),
    ("cuota", "2", "988.50", "2026-09-28"),
    ("cuota", "3", "988.50", "2026-10-28"),
]
PAYMENTS_BY = {
    "1": _PAID_TO_3,
    "2": [
        *_PAID_TO_3,
        ("cuota", "4", "988.50", "2026-11-20"),
        ("cuota", "5", "988.50", "2026-12-29"),
    ],
    "3": _PAID_TO_3,
    "4": _PAID_TO_3,
    "5": [*_PAID_TO_3[:3], ("cuota", "4", "500.00", "2026-11-25")],
}
PAYMENTS = "payment_id,student_code,term,concept,cuota,amount,paid_on\n" + "".join(
    f"P{n}-{i},N0020000{n},2026-2,{concept},{cuota},{amount},{paid}\n"
    for n, rows in PAYMENTS_BY.items()
    for i, (concept, cuota, amount, paid) in enumerate(rows)
)
OPTED_OUT = "+51987654323"  # C
CLOSURE = date(2026, 12, 1)  # an institution's closure: no reminder that day
CLOCK_STEP = timedelta(minutes=30)  # the sweep's step
REMINDERS_YAML = "enabled: true\nper_second: 100\n"


def enable_reminders(config_dir: Path, text: str = REMINDERS_YAML) -> None:
    """Turn reminders on, with a sending number and a closure day in the schedules."""
    (config_dir / "billing" / "reminders.yaml").write_text(text, encoding="utf-8")
    queues = config_dir / "queues.yaml"
    queues.write_text(
        queues.read_text(encoding="utf-8").replace('# from: "+51XXXXXXXXX"', f'from: "{SENDER}"'),
        encoding="utf-8",
    )
    central = config_dir / "schedules" / "central.yaml"
    central.write_text(
        central.read_text(encoding="utf-8").replace(
            "closures: []", f"closures:\n  - date: {CLOSURE.isoformat()}\n    label: Aniversario"
        ),
        encoding="utf-8",
    )


def load_ledger(runtime: Runtime, folder: Path) -> None:
    """Import the small ledger's three exports into the app's database."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("students", STUDENTS), ("enrolments", ENROLMENTS), ("payments", PAYMENTS)):
        path = folder / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        done = importer.import_file(runtime.ledger, path)
        assert done.result is not None and not done.problems, done.messages()


def outstanding(runtime: Runtime, code: str, cuota: int, day: date) -> int:
    """Return what ``ivr statement`` says is outstanding on a cuota on ``day``."""
    account = runtime.ledger.load_account(code)
    assert account is not None and runtime.config.billing is not None
    owed = statement(account, runtime.config.billing, day)
    [obligation] = [o for o in owed.obligations if o.concept == "cuota" and o.cuota == cuota]
    return obligation.outstanding


def texts(api: FakeTwilio) -> list[dict[str, str]]:
    """Every SMS the stand-in received: To, From, Body."""
    return [{k: v[0] for k, v in body.items()} for _, body in api.requests]


@pytest.fixture
def twilio_api() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def reminders_app(
    config_dir: Path,
    make_app: Callable[..., Flask],
    twilio_api: FakeTwilio,
    database_url: str,
    tmp_path: Path,
) -> Flask:
    """An app on each database with reminders on, the small ledger and C opted out."""
    enable_reminders(config_dir)
    app = make_app(
        IVR_DATABASE_URL=database_url, TWILIO_ACCOUNT_SID=SID, IVR_TWILIO_API_URL=twilio_api.url
    )
    runtime = app.extensions["ivr"]
    load_ledger(runtime, tmp_path / "exports")
    ReminderStore(runtime.engine).opt_out(WEEKDAY_10AM, "cli", number=OPTED_OUT)  # C
    return app
