"""What the browser tests share: Debian's Chromium driven by Playwright, signing in, axe-core."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from tests.support import require_service

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "clave-segura-2026"  # the factories' password

# Playwright's sync API keeps an event loop in the main thread for the whole session, and
# Django refuses ORM calls (the tests' own, and the database set-up) next to one. These calls
# are synchronous and safe; only browser tests ever run such a loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser_page(page):
    """A page in Chromium that fails fast; skipped without Chromium, failed under CI."""
    require_service(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)  # a loaded CI machine answers slower than 5 s at times
    return page


@pytest.fixture
def screenshots(pytestconfig) -> Path:
    folder = Path(pytestconfig.getoption("--output")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(page, live_server, username):
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Nombre de usuario").fill(username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("heading", name="Mis alianzas")).to_be_visible()


AXE = Axe()
# axe-core with the rules that cannot find anything serious or critical left out: a rule's
# finding is as grave as the gravest of its checks that fail, so a rule whose checks are all
# minor or moderate (the landmark rules, "region", "heading-order"...) is work whose every
# finding this suite would discard. Read from the axe-core in use, not listed by hand.
RUN_AXE = """() => {
  const grave = new Set(["serious", "critical"]);
  const checks = axe._audit.data.checks;
  const rules = {};
  for (const rule of axe._audit.rules) {
    const impacts = [...rule.any, ...rule.all, ...rule.none].map(
      (check) => (checks[typeof check === "string" ? check : check.id] || {}).impact
    );
    if (!impacts.some((impact) => grave.has(impact))) rules[rule.id] = {enabled: false};
  }
  return axe.run({resultTypes: ["violations"], rules});
}"""


# Two animation frames: what static/js/layout.js waits after a resize before it marks the
# tables that scroll sideways (focusable, for the keyboard).
NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def assert_accessible(page, where):
    """No axe-core violation of serious or critical impact.

    The page's own scripts first answer a resize that may have just happened: axe-core
    checks the page as a person would meet it, not a frame before its layout settles.
    axe-core's script (half a megabyte) is put into each document once: a page checked at
    two widths runs it twice without parsing it again."""
    page.evaluate(NEXT_FRAMES)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.axe_script)
    response = page.evaluate(RUN_AXE)
    serious = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"axe-core on {where}: {serious}"


def submit(page):
    """Submit the page's main form and wait for the answer's message."""
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".messages li").first).to_be_visible()


def open_tab(page, name):
    """Open one of an alliance's tabs (Resumen, Objetivos e indicadores, Compromisos,
    Historial) as a person does, by its link under the alliance's title, and wait for it."""
    page.wait_for_load_state("load")
    tabs = page.get_by_role("navigation", name="Partes de la alianza")
    tabs.get_by_role("link", name=name, exact=True).click()
    expect(tabs.get_by_role("link", name=name, exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    return page
