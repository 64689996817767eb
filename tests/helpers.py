"""Test helpers: a settable clock and a caller that signs its webhooks like Twilio."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import Engine, make_url, select, text
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from ivr.config.loader import Config, load_config
from ivr.core.directory import Directory
from ivr.core.menu import MenuTree
from ivr.storage.database import make_engine, upgrade
from ivr.storage.schema import metadata

TOKEN = "test-auth-token-0123456789abcdef"
SECRET_KEY = "test-server-key-0123456789abcdefghijklmnop"  # IVR_SECRET_KEY
ROOT = Path(__file__).resolve().parent.parent
CONFIG_PARTS = ("campuses.yaml", "menus", "schedules", "billing", "queues.yaml")


@lru_cache(maxsize=1)
def shipped_config() -> Config:
    """Return the shipped operator files, loaded once (frozen: safe to share)."""
    return load_config(ROOT)


def shipped_callers() -> tuple[MenuTree, Directory]:
    """Return what ``simulate_day``'s callers walk and dial in the shipped files."""
    config = shipped_config()
    return config.menus, config.directory


def copy_config(target: Path) -> Path:
    """Copy the shipped operator files into ``target`` (created), safe to edit there."""
    target.mkdir(parents=True, exist_ok=True)
    for part in CONFIG_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        elif source.is_file():
            shutil.copy(source, target / part)
    return target


class Clock:
    """A settable clock for the app: ``clock.set(datetime)`` moves time."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def sign(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, params))


# The self-service code prompt, reached by the main menu's 2 then the students' menu's 5.
CODE_PROMPT = "/voice/selfservice/estado-de-cuenta?s=3&t=principal.estudiantes&st=code"


class Caller:
    """Posts signed Twilio webhooks to the app, as Twilio would."""

    def __init__(self, client: FlaskClient, base: str = "http://localhost") -> None:
        self.client = client
        self.base = base
        self.call = {"CallSid": "CA" + "0" * 32, "To": "+5116044700", "From": "+51999888777"}
        self._steps = itertools.count(3)

    def code_prompt(self) -> str:
        """Return the code prompt's URL as the next step of this call.

        Every step's URL carries its count, so no two steps of a call are the same request;
        the same URL posted twice is a retry of one webhook, answered the same way.
        """
        return CODE_PROMPT.replace("s=3", f"s={next(self._steps)}")

    def post(self, path: str, **params: str) -> TestResponse:
        data = {**self.call, **params}
        signature = sign(self.base + path, data)
        return self.client.post(path, data=data, headers={"X-Twilio-Signature": signature})

    def follow(self, response: TestResponse, **params: str) -> TestResponse:
        """Answer the <Gather> of a response (keys or speech), or its redirect on silence."""
        doc = etree.fromstring(response.data)
        gather = doc.find("Gather")
        assert gather is not None, response.data
        return self.post(_path(gather.get("action")), **params)


def _path(url: str | None) -> str:
    assert url is not None
    return url


# -- TwiML shape -------------------------------------------------------------------------------
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "shared" / "twiml-schema"
VERBS = {"Say", "Gather", "Redirect", "Enqueue", "Dial", "Hangup", "Pause", "Play"}
GATHER_CHILDREN = {"Say", "Play", "Pause"}


@lru_cache(maxsize=1)
def twiml_schema() -> etree.XMLSchema | None:
    wrapper = SCHEMA_DIR / "lxml-wrapper.xsd"
    return etree.XMLSchema(etree.parse(str(wrapper))) if wrapper.is_file() else None


def assert_valid_twiml(data: bytes) -> None:
    """Fail unless ``data`` is TwiML Twilio accepts: our structural rules, then the public XSD.

    The XSD (shared/twiml-schema, beside the repository, not copied into it) wrongly rejects
    neural voice names, so voices are renamed to a plain Polly voice before validating.
    """
    doc = etree.fromstring(data)
    assert doc.tag == "Response", data
    assert len(doc), "an empty <Response> leaves the caller in silence"
    for verb in doc:
        assert verb.tag in VERBS, verb.tag
        if verb.tag == "Gather":
            assert {child.tag for child in verb} <= GATHER_CHILDREN
            assert verb.get("action"), "a <Gather> without action"
        if verb.tag == "Say":
            assert (verb.text or "").strip(), "an empty <Say>"
            assert len((verb.text or "").encode()) <= 3000, "longer than Polly speaks"
    last = doc[-1].tag
    assert last in {"Redirect", "Hangup", "Enqueue", "Dial"}, f"the call falls silent after {last}"
    _assert_schema_valid(doc)


def _assert_schema_valid(doc: etree._Element) -> None:
    """Validate against the public XSD when present (neural voice names renamed: it lacks them)."""
    schema = twiml_schema()
    if schema is None:
        # The test goes on (its own assertions still run); tests/twiml/test_schema_present.py
        # is the one that says, as a skip, that the XSD step could not run here.
        return
    for element in doc.iter():
        if element.get("voice", "").endswith("-Neural"):
            element.set("voice", element.get("voice", "").removesuffix("-Neural"))
    assert schema.validate(doc), schema.error_log


# What Twilio allows in a document answering an <Enqueue> waitUrl (and the keys gathered in it).
WAIT_VERBS = {"Play", "Say", "Pause", "Gather", "Redirect", "Leave", "Hangup"}


def assert_valid_wait_twiml(data: bytes) -> None:
    """Fail unless ``data`` is a wait document: only the verbs Twilio allows while queued.

    The document may end with any of them (Twilio requests the wait URL again when it ends).
    The public XSD predates <Leave>, so a copy without it is validated.
    """
    doc = etree.fromstring(data)
    assert doc.tag == "Response", data
    assert len(doc), "an empty wait document"
    for verb in doc:
        assert verb.tag in WAIT_VERBS, verb.tag
        if verb.tag == "Gather":
            assert {child.tag for child in verb} <= GATHER_CHILDREN
            assert verb.get("action"), "a <Gather> without action"
        if verb.tag == "Leave":
            assert not len(verb) and not verb.attrib and not (verb.text or "").strip()
        if verb.tag == "Say":
            assert (verb.text or "").strip(), "an empty <Say>"
    for leave in doc.findall("Leave"):
        doc.remove(leave)
    if len(doc):
        _assert_schema_valid(doc)


def upgrade_url(url: str) -> None:
    """Bring the database at ``url`` to the code's schema (an SQLite file is made if missing)."""
    engine = make_engine(url, create=True)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def migrated_sqlite(url: str, template: Path) -> None:
    """Make the SQLite database at ``url`` a copy of ``template``, an upgraded empty database.

    A file already there (a second app of the same test) is upgraded in place, as before.
    """
    database = make_url(url).database
    assert database, url
    target = Path(database)
    if target.exists():
        upgrade_url(url)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)


def empty_tables(url: str) -> None:
    """Delete every row of every table of the schema (a PostgreSQL database shared by tests)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            names = ", ".join(table.name for table in metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


def dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Return every row of every table, sorted: two equal dumps hold the same data."""
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }


def start_app(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Load the app as gunicorn would (`import app`), in a process of its own."""
    return subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
