"""The console in a real browser: headless Chromium (Debian's) driven by Playwright, against the
app served by real gunicorn on loopback, with a user made by the real ``ivr users add``.

It logs in, reads the Now page, sets the emergency override through the switch (refusing an end
in the past first), sees the Now page refresh itself, checks that a signed webhook then says
the closure, clears it, checks the webhook offers the menu without it, marks a callback done,
reads the audit log, then the calls of two days (charts, tables, a CSV download), the calendar,
the menu map and the «Mesa» page (an agent set available, the caller waiting at their desk), at
1366 pixels wide, with no style refused by the page's security policy.
It saves a screenshot of each page (IVR_SCREENSHOTS=docs/console: README's).

Without Chromium or Playwright the test skips, except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import http.client
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pytest
from lxml import etree

if TYPE_CHECKING:
    from playwright.sync_api import Page

from ivr.clock import LIMA
from ivr.observability.calls import SqlCallRecorder
from ivr.observability.demo import simulate_day
from ivr.storage.callbacks import CallbackStore
from ivr.storage.database import make_engine, sqlite_url
from tests.helpers import ROOT, SECRET_KEY, shipped_callers, sign
from tests.served import ivr_command, server_env, serving

CHROMIUM = Path("/usr/bin/chromium")
# The screenshots go to a temporary folder; `IVR_SCREENSHOTS=docs/console pytest
# tests/console/test_console_browser.py` refreshes the README's (docs/console/).
PASSWORD = "clave-de-la-central-2026"
STRIKE = "Por una huelga, la central está cerrada."
MESSAGE = "Por una emergencia, la central está cerrada. Escríbanos por WhatsApp, por favor."
DESKTOP = {"width": 1280, "height": 860}
WIDE = {"width": 1366, "height": 768}  # the operators' common laptop screen
PHONE = {"width": 390, "height": 844}
WAIT = "/voice/wait/help-desk?s=3&t=principal.estudiantes"
WAIT_MS = 15_000  # the Now page refreshes every 10 s

# Open every day, all day, holidays included: what the pages show does not hang on the hour
# the test runs at (the served app reads the real clock).
# A closure and special hours ahead, for the calendar.
ALWAYS_OPEN = """\
weekly:
  lunes-domingo:
    - {{from: '00:00', until: '23:59:59'}}
holidays:
  closed: false
closures:
  - date: {closure}
    label: Aniversario de la universidad
special_hours:
  - date: {special}
    label: Inventario
    hours:
      - {{from: '09:00', until: '13:00'}}
    message: Hoy atendemos de 9 de la mañana a 1 de la tarde.
"""


def _browser_or_skip() -> None:
    """Skip without Chromium or Playwright; in CI (CI=true) fail instead."""
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    if not missing:
        return
    reason = "the browser test needs " + " and ".join(missing)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the browser test: {reason}")
    pytest.skip(reason)


@dataclass
class Served:
    base: str
    database: str

    def webhook(self, sid: str, path: str = "/voice", **params: str) -> bytes:
        """Post a webhook signed as Twilio signs it; return the TwiML."""
        data = {"CallSid": sid, "To": "+5116044700", "From": "+51999888777", **params}
        headers = {
            "X-Twilio-Signature": sign(self.base + path, data),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        port = int(self.base.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("POST", path, body=urlencode(data), headers=headers)
            response = conn.getresponse()
            assert response.status == 200
            return response.read()
        finally:
            conn.close()

    def greeting_until(self, sid: str, *, says_message: bool) -> bytes:
        """The greeting, once every host hears the override's change (each caches it 1 s)."""
        deadline = time.monotonic() + 10
        while True:
            answer = self.webhook(sid)
            if (MESSAGE in heard(answer)) == says_message or time.monotonic() > deadline:
                return answer
            time.sleep(0.2)


def heard(data: bytes) -> str:
    """Everything a caller hears in a TwiML answer."""
    return " ".join(node.text or "" for node in etree.fromstring(data).iter("Say"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    _browser_or_skip()
    folder = tmp_path_factory.mktemp("console")
    env = {**server_env(folder), "IVR_SECRET_KEY": SECRET_KEY}
    central = Path(env["IVR_CONFIG_DIR"]) / "schedules" / "central.yaml"
    today = datetime.now(LIMA).date()  # the served app reads the real clock
    ahead = {"closure": today + timedelta(days=9), "special": today + timedelta(days=4)}
    central.write_text(ALWAYS_OPEN.format(**ahead), encoding="utf-8")
    # An empty database, then the first user, the way the README says: the password twice on
    # standard input.
    for command, typed in (
        (["db", "upgrade"], ""),
        (["users", "add", "ana", "--role", "operator"], f"{PASSWORD}\n" * 2),
        (["agents", "add", "beto", "--desk", "helpdesk", "--phone", "+51911111111"], ""),
    ):
        made = ivr_command(env, *command, stdin=typed)
        assert made.returncode == 0, made.stderr
    with serving("console", env, folder) as (_, base):
        yield Served(base, sqlite_url(folder / "var" / "ivr.sqlite3"))


def _callback_waiting(served: Served) -> None:
    """A callback request as the wait webhook stores it (the queue's own tests walk there)."""
    engine = make_engine(served.database)
    try:
        # the served app reads the real clock; so must a request it lists among today's
        CallbackStore(engine).request(
            "CA" + "c" * 32, "+51987654321", "helpdesk", "Breña", datetime.now(UTC)
        )
    finally:
        engine.dispose()


def _yesterday_simulated(served: Served) -> date:
    """Yesterday's calls in the served database: 200 simulated ones, as ``ivr report`` tests."""
    yesterday = datetime.now(LIMA).date() - timedelta(days=1)
    engine = make_engine(served.database)
    recorder = SqlCallRecorder(engine, flush_seconds=60.0)
    try:
        simulate_day(recorder, yesterday, *shipped_callers(), calls=200, seed=24)
        recorder.flush()
    finally:
        recorder.close()
        engine.dispose()
    return yesterday


def test_log_in_read_now_switch_the_override_and_the_webhook_follows(
    served: Served, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    wanted = os.environ.get("IVR_SCREENSHOTS")
    shots = (ROOT / wanted) if wanted else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    _callback_waiting(served)
    yesterday = _yesterday_simulated(served)
    caller = "CA" + "a" * 32
    # a caller waiting for the Help Desk: main menu 2 (students), then 1 (Help Desk)
    served.webhook(caller)
    served.webhook(caller, "/voice/menu/principal?s=1", Digits="2")
    entered = served.webhook(caller, "/voice/menu/estudiantes?s=2&t=principal", Digits="1")
    assert b"<Enqueue" in entered, entered
    served.webhook(caller, WAIT, QueuePosition="1", QueueTime="30")  # Twilio's first wait request

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            context = browser.new_context(viewport=DESKTOP, locale="es-PE")
            page = context.new_page()

            # -- login -------------------------------------------------------------------
            page.goto(served.base + "/console/")
            expect(page.get_by_role("heading", name="Ingresar a la consola")).to_be_visible()
            page.screenshot(path=shots / "login.png", full_page=True)
            page.get_by_label("Usuario").fill("ana")
            page.get_by_label("Contraseña").fill("not-the-password")
            page.get_by_role("button", name="Ingresar").click()
            expect(page.get_by_role("alert")).to_have_text("Usuario o contraseña incorrectos.")
            page.get_by_label("Contraseña").fill(PASSWORD)
            page.get_by_role("button", name="Ingresar").click()

            # -- Now -----------------------------------------------------------------------
            expect(page.get_by_role("heading", name="Ahora", exact=True)).to_be_visible()
            lines = page.get_by_role("region", name="Líneas")
            expect(lines.get_by_role("row", name="central")).to_contain_text("Abierta")
            waiting = page.get_by_role("region", name="Mesas ahora")
            expect(waiting.get_by_role("row", name="Help Desk")).to_contain_text("1")
            calls = page.get_by_role("region", name="Llamadas en curso")
            expect(calls).to_contain_text("…aaaaaa")
            expect(calls).to_contain_text("en espera de Help Desk")
            expect(page.get_by_text("1 solicitud pendiente")).to_be_visible()

            # -- the switch, in a second tab; the first one keeps the Now page open --------
            switch = context.new_page()
            switch.goto(served.base + "/console/switch")
            expect(switch.get_by_role("heading", name="Cierre de emergencia")).to_be_visible()
            switch.get_by_label("Mensaje que oirán quienes llamen").fill(MESSAGE)
            switch.get_by_label("Fin (opcional, hora de Lima)").fill("2020-01-01T09:00")
            switch.get_by_role("button", name="Revisar y confirmar").click()
            expect(switch.locator("#until-error")).to_contain_text("ya pasó")
            expect(switch.get_by_label("Fin (opcional, hora de Lima)")).to_have_attribute(
                "aria-invalid", "true"
            )
            switch.screenshot(path=shots / "switch-error.png", full_page=True)
            assert MESSAGE not in heard(served.webhook("CA" + "b" * 32))  # nothing changed

            switch.get_by_label("Fin (opcional, hora de Lima)").fill("")
            switch.get_by_role("button", name="Revisar y confirmar").click()
            expect(switch.get_by_role("heading", name="¿Cerrar todas las líneas?")).to_be_visible()
            switch.screenshot(path=shots / "switch-confirm.png", full_page=True)
            switch.get_by_role("button", name="Sí, cerrar todas las líneas").click()
            expect(switch.get_by_role("status")).to_have_text(
                "Cierre de emergencia activado: todas las líneas están cerradas."
            )
            switch.screenshot(path=shots / "switch.png", full_page=True)

            closed = served.greeting_until("CA" + "d" * 32, says_message=True)
            assert MESSAGE in heard(closed)

            # the Now page fetched its live part again, without a reload
            expect(page.get_by_role("heading", name="Cierre de emergencia activo")).to_be_visible(
                timeout=WAIT_MS
            )
            expect(lines.get_by_role("row", name="central")).to_contain_text(
                "Cerrada", timeout=WAIT_MS
            )
            page.screenshot(path=shots / "now-emergency.png", full_page=True)

            switch.get_by_role("button", name="Quitar el cierre").click()
            expect(
                switch.get_by_role("heading", name="¿Quitar el cierre de emergencia?")
            ).to_be_visible()
            switch.get_by_role("button", name="Sí, quitar el cierre").click()
            expect(switch.get_by_role("status")).to_have_text(
                "Cierre de emergencia quitado: los horarios deciden de nuevo."
            )
            opened = served.greeting_until("CA" + "e" * 32, says_message=False)
            assert MESSAGE not in heard(opened)
            assert b"<Gather" in opened  # the main menu

            # -- callbacks -----------------------------------------------------------------
            switch.get_by_role("link", name="Devoluciones").click()
            row = switch.get_by_role("row", name="Help Desk")
            expect(row).to_contain_text("+51987654321")
            switch.screenshot(path=shots / "callbacks.png", full_page=True)
            row.get_by_role("button", name="Hecho").click()
            expect(switch.get_by_text("No hay solicitudes pendientes.")).to_be_visible()

            # -- a closure, confirmed first; the calendar shows it below ------------------------
            _closure(switch, shots)

            # -- the audit log -------------------------------------------------------------
            switch.get_by_role("link", name="Auditoría").click()
            log = switch.get_by_role("region", name="Registro de auditoría")
            for done in (
                "creó un usuario",
                "ingresó",
                "activó el cierre de emergencia",
                "quitó el cierre de emergencia",
                "marcó una devolución como hecha",
                "agregó un cierre",
            ):
                expect(log).to_contain_text(done)
            switch.screenshot(path=shots / "audit.png", full_page=True)

            # keyboard: the skip link is the first stop and leads to the content
            switch.keyboard.press("Tab")
            expect(switch.get_by_role("link", name="Saltar al contenido")).to_be_focused()

            # -- calls, calendar, menu at 1366 pixels; nothing refused by the CSP ------------
            said: list[str] = []
            switch.on("console", lambda message: said.append(message.text))
            switch.set_viewport_size(WIDE)
            _calls_page(switch, yesterday, shots)
            _calendar_page(switch, shots)
            _menu_page(switch, shots)
            _every_page(switch, served, shots)
            _desk_page(switch, shots)
            assert [m for m in said if "Content Security Policy" in m] == []
            context.close()
        finally:
            browser.close()


# What sticks out past the window's right edge (a failure names it).
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 6)
  .map(e => [e.tagName.toLowerCase(), e.className, Math.round(e.getBoundingClientRect().right)])"""
# The size each chart text is drawn at on the screen: its font size times the SVG's scale.
CHART_TEXT_PX = """() => [...document.querySelectorAll('.chart svg text')]
  .filter(t => t.textContent.trim() && t.getClientRects().length)
  .map(t => [t.textContent.trim(),
             parseFloat(getComputedStyle(t).fontSize)
             * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b)])"""
PAGES = {
    "now": "/console/",
    "calls": "/console/calls",
    "calendar": "/console/calendar",
    "menu": "/console/menu",
    "callbacks": "/console/callbacks",
    "closures": "/console/closures",
    "switch": "/console/switch",
    "audit": "/console/audit",
}


def _fits(page: Page) -> None:
    """Nothing wider than the window: no sideways scrolling."""
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, (page.url, page.viewport_size, page.evaluate(STICKING_OUT))


def _charts_readable(page: Page) -> None:
    """Every chart text is drawn at 12 px or more."""
    small = [(text, round(px, 1)) for text, px in page.evaluate(CHART_TEXT_PX) if px < 12]
    assert small == [], (page.url, page.viewport_size, small[:5])


def _every_page(page: Page, served: Served, shots: Path) -> None:
    """Each page at 1366 and at 390 pixels: no sideways scroll, charts readable; a screenshot."""
    from playwright.sync_api import expect

    yesterday = datetime.now(LIMA).date() - timedelta(days=1)
    for size, suffix in ((WIDE, ""), (PHONE, "-phone")):
        page.set_viewport_size(size)
        for name, path in PAGES.items():
            query = f"?desde={yesterday}&hasta={yesterday + timedelta(days=1)}"
            page.goto(served.base + path + (query if name == "calls" else ""))
            expect(page.locator("h1").first).to_be_visible()
            _fits(page)
            _charts_readable(page)
            page.screenshot(path=shots / f"{name}{suffix}.png", full_page=True)
    page.set_viewport_size(WIDE)


def _closure(page: Page, shots: Path) -> None:
    from playwright.sync_api import expect

    page.get_by_role("link", name="Cierres", exact=True).click()
    form = page.locator("form", has=page.get_by_label("Primer día cerrado"))
    form.get_by_label("Línea").select_option("central")
    form.get_by_label("Primer día cerrado").fill("2020-01-01")
    form.get_by_label("Mensaje que oirán quienes llamen").fill(STRIKE)
    form.get_by_role("button", name="Revisar y confirmar").click()
    expect(page.locator("#closure-first-error")).to_contain_text("ya pasó")
    page.screenshot(path=shots / "closures-error.png", full_page=True)
    day = datetime.now(LIMA).date() + timedelta(days=2)
    form.get_by_label("Primer día cerrado").fill(day.isoformat())
    form.get_by_label("Nombre (opcional)").fill("Huelga")
    form.get_by_role("button", name="Revisar y confirmar").click()
    expect(page.get_by_role("heading", name="¿Cerrar la línea?")).to_be_visible()
    page.screenshot(path=shots / "closures-confirm.png", full_page=True)
    page.get_by_role("button", name="Sí, cerrar").click()
    expect(page.get_by_role("status")).to_contain_text("Guardado (#1): línea central, cerrada el")


def _calls_page(page: Page, yesterday: date, shots: Path) -> None:
    from playwright.sync_api import expect

    page.get_by_role("link", name="Llamadas").click()
    expect(page.get_by_role("heading", name="Llamadas", exact=True)).to_be_visible()
    page.get_by_label("Desde").fill((yesterday + timedelta(days=1)).isoformat())
    page.get_by_label("Hasta").fill(yesterday.isoformat())
    page.get_by_role("button", name="Ver").click()
    expect(page.locator("#hasta-error")).to_contain_text("es anterior a «Desde»")
    page.get_by_label("Desde").fill(yesterday.isoformat())
    page.get_by_label("Hasta").fill((yesterday + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Ver").click()
    expect(page.get_by_text("(2 días)")).to_be_visible()
    campus = page.get_by_role("region", name="Tabla: Llamadas por sede")
    expect(campus.get_by_role("row", name="Breña")).to_be_visible()
    for chart in ("Llamadas por hora (suma de 2 días)", "Llamadas por sede"):
        expect(page.get_by_role("img", name=chart)).to_be_visible()
    # the charts' own stylesheet applies: pygal's title size, not the browser's default
    title = page.locator("#chart-grafico-por-sede .title").first
    assert title.evaluate("t => getComputedStyle(t).fontSize") == "16px"
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar CSV de «Llamadas por sede»").click()
    suggested = f"llamadas_por-sede_{yesterday}_a_{yesterday + timedelta(days=1)}.csv"
    assert download.value.suggested_filename == suggested
    rows = Path(download.value.path()).read_text("utf-8-sig").splitlines()
    assert rows[0] == "Sede,Llamadas,Porcentaje" and len(rows) > 2
    # at 1366 pixels the hourly chart labels the hours with calls, or every third one
    hours = page.get_by_role("region", name="Tabla: Llamadas por hora (suma de 2 días)")
    calls = dict(
        hours.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => [r.cells[0].textContent.trim(), r.cells[1].textContent.trim()])"
        )
    )
    labelled = page.locator("#chart-grafico-por-hora .axis.x text").evaluate_all(
        "texts => texts.map(t => t.textContent.trim()).filter(Boolean)"
    )
    busy = [hour for hour, n in calls.items() if n != "0"]
    every_third = [hour for hour in calls if int(hour[:2]) % 3 == 0]
    assert labelled == (busy if len(busy) <= 8 else every_third)
    _fits(page)


def _calendar_page(page: Page, shots: Path) -> None:
    from playwright.sync_api import expect

    page.get_by_role("link", name="Calendario").click()
    expect(page.get_by_role("heading", name="Calendario", exact=True)).to_be_visible()
    days = page.locator("ol.days > li")
    expect(days).to_have_count(30)
    expect(days.nth(0)).to_contain_text("(hoy)")
    expect(days.nth(4)).to_contain_text("Horario especial: Inventario (abierta 09:00 a 13:00)")
    expect(days.nth(9)).to_contain_text("Cierre programado: Aniversario de la universidad")
    expect(days.nth(2)).to_contain_text("Cierre programado: Huelga (cerrada todo el día)")
    expect(days.nth(2)).to_contain_text(STRIKE)
    _fits(page)


def _menu_page(page: Page, shots: Path) -> None:
    from playwright.sync_api import expect

    page.get_by_role("link", name="Menú", exact=True).click()
    expect(page.get_by_role("heading", name="Menú", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Árbol del menú")).to_be_visible()
    now = page.locator(".menu-map span.open")
    expect(now).to_contain_text("línea central: abierta (horario semanal)")
    # the map's stylesheet applies: the node cards are a grid
    cards = page.locator(".menu-map .cards")
    assert cards.evaluate("c => getComputedStyle(c).display") == "grid"
    _fits(page)


def _desk_page(page: Page, shots: Path) -> None:
    from playwright.sync_api import expect

    page.get_by_role("link", name="Mesa", exact=True).click()
    expect(page.get_by_role("heading", name="Mesa", exact=True)).to_be_visible()
    agents = page.get_by_role("region", name="Agentes")
    expect(agents.get_by_role("row", name="beto")).to_contain_text("ausente")
    agents.get_by_role("button", name="Disponible: beto").click()
    expect(page.get_by_role("status")).to_have_text("beto: disponible.")
    expect(agents.get_by_role("row", name="beto")).to_contain_text("disponible")
    waiting = page.get_by_role("region", name="Quién espera")
    expect(waiting.get_by_role("row", name="helpdesk")).to_contain_text("Persona en espera")
    _fits(page)
    page.screenshot(path=shots / "desk.png", full_page=True)
    page.set_viewport_size(PHONE)
    _fits(page)
    expect(agents.get_by_role("button", name="Ausente: beto")).to_be_in_viewport()
    page.screenshot(path=shots / "desk-phone.png", full_page=True)
    page.set_viewport_size(WIDE)
