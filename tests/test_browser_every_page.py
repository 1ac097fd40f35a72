"""Every page of the application in Chromium, as the permission matrix finds them: each named
URL that someone of the matrix's world may open, each admin page, each form after a
validation error. On each: the page loaded (status 200 and a level-one heading), the page
is no wider than a 360 px screen, the browser reports no Content-Security-Policy violation,
and axe-core finds nothing serious or critical at 1280 px and at 360 px (in Django's admin
too: templates/admin/, static/css/admin.css and static/js/admin-a11y.js fix its own)."""

import pytest
from django.contrib import admin
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import NEXT_FRAMES, assert_accessible, sign_in
from tests.factories import ActorFactory
from tests.test_permissions import ALL_URLS, EXPECTED, url_for
from tests.test_permissions import world as world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_page")]

RUC = "20131312955"  # a valid RUC (its check digit is right)
# Who opens each page: the first of these who gets a 200 for it in the matrix.
READERS = ("coordinator", "member_representative", "administrator")
# Not pages: files, redirects, probes; and the sign-in pages, walked signed out below.
NOT_PAGES = {
    "seguimiento:export_download",
    "seguimiento:measurement_evidence",
    "healthz",
    "livez",
    # Governance's files: the minutes (PDF) and the calendars (ICS).
    "fases:minutes_pdf",
    "fases:person_calendar",
    "fases:alliance_calendar",
    # The place picker's search answers htmx with a fragment (options to tick), not a page;
    # tests/test_browser_place_picker.py checks it inside the alliance's form.
    "alianzas:place_search",
}
SIGNED_OUT = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "seguimiento:reminder_unsubscribe",
}
# Pages whose form, sent empty, must answer with errors: (name, the field left empty).
FORMS = {
    "alianzas:alliance_create": "Nombre",
    "alianzas:actor_create": "Nombre",
    "alianzas:objective_create": "Objetivo",
    "alianzas:indicator_create": "Nombre",
    "seguimiento:commitment_create": "Descripción",
}


def pages_for(role_names):
    found = []
    for name, parameters in ALL_URLS:
        # A URL without a row fails tests/test_permissions.py; here it has no reader yet.
        method, expected = EXPECTED.get(name, ("post", {}))
        if method != "get" or name in NOT_PAGES or name in SIGNED_OUT:
            continue
        reader = next((r for r in READERS if expected.get(r) == 200), None)
        if reader in role_names:
            found.append((name, parameters))
    return found


class Watch:
    """The CSP violations Chromium reports on the page's console."""

    def __init__(self, page):
        self.violations = []
        page.on("console", self._message)

    def _message(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(message.text)

    def clear(self):
        found, self.violations = self.violations, []
        return found


WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 361 && !e.closest('.table-wrap'))
  .sort((a, b) => a.querySelectorAll('*').length - b.querySelectorAll('*').length)
  .slice(0, 3)
  .map(e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined
    ? '.' + String(e.className).trim().split(/\\s+/).join('.') : '')
    + ' ' + Math.round(e.getBoundingClientRect().right))"""


def widest(page):
    """What sticks out: the innermost elements past the screen's right edge."""
    return page.evaluate(WIDEST)


def check(page, watch, url, where, problems, *, status=200):
    probe = page.request.get(url, max_redirects=0)
    if "text/html" not in probe.headers.get("content-type", ""):
        return  # a file (a template to download, a calendar, a PDF): not a page
    answer = page.goto(url)
    assert answer is not None
    assert answer.status == status, f"{where}: {answer.status}"
    # Loaded: the real page (not a narrow error page) with its heading.
    expect(page.locator("h1").first).to_be_visible()
    page.wait_for_load_state("load")
    checked_here(page, watch, where, problems)


def checked_here(page, watch, where, problems, *, axe=True):
    """Every finding on the page is added to ``problems``, so one run lists them all.

    CSP violations are read before axe-core runs: axe's own injected script adds a <style>
    element on some pages, which the policy rightly blocks and which is not the page's."""
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 800})
        # The resize's re-layout and scripts (static/js/layout.js answers on the next
        # animation frame): two frames later, rather than a guess in milliseconds.
        page.evaluate(NEXT_FRAMES)
        violations = watch.clear()
        if violations:
            problems.append(f"CSP violations on {where} at {width} px: {violations[:3]}")
        if width == 360:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > 360:
                problems.append(f"{where} is {scroll} px wide at 360 px: {widest(page)}")
        if axe:
            try:
                assert_accessible(page, f"{where} at {width} px")
            except AssertionError as finding:
                problems.append(str(finding).split("\n")[0])
            watch.clear()  # axe's own
    page.set_viewport_size({"width": 1280, "height": 800})


def test_every_page_of_the_application(live_server, page, world):
    watch, problems = Watch(page), []
    for role in READERS:
        page.context.clear_cookies()
        sign_in(page, live_server, world["users"][role].username)
        for name, parameters in pages_for({role}):
            url = live_server.url + url_for(name, parameters, world)
            check(page, watch, url, f"{name} ({role})", problems)
    page.context.clear_cookies()
    for name in sorted(SIGNED_OUT):
        parameters = dict(ALL_URLS)[name]
        check(page, watch, live_server.url + url_for(name, parameters, world), name, problems)
    assert problems == [], "\n".join(problems)


def test_every_form_after_a_validation_error(live_server, page, world):
    watch, problems = Watch(page), []
    sign_in(page, live_server, world["users"]["coordinator"].username)
    for name, label in FORMS.items():
        url = live_server.url + url_for(name, dict(ALL_URLS)[name], world)
        page.goto(url)
        page.wait_for_load_state("load")
        page.get_by_label(label, exact=True).fill("")
        page.locator("main form button[type=submit]").last.click()
        expect(page.locator(".errorlist").first).to_be_visible()
        # The page's heading stays the page's heading after the form came back (htmx).
        expect(page.locator("h1")).to_have_count(1)
        checked_here(page, watch, f"{name} after a validation error", problems)

    # A RUC already registered: the form's own error list (it once broke list semantics).
    ActorFactory(name="Registrada antes", ruc=RUC)
    page.goto(live_server.url + reverse("alianzas:actor_create"))
    page.wait_for_load_state("load")
    page.get_by_label("Nombre", exact=True).fill("Registrada otra vez")
    page.get_by_label("RUC").fill(RUC)
    page.locator("main form button[type=submit]").last.click()
    expect(page.get_by_text("Ya hay otro actor registrado con este RUC.")).to_be_visible()
    expect(page.locator("h1")).to_have_count(1)
    checked_here(page, watch, "the actor form with a RUC already registered", problems)

    # A form htmx opens inside the alliance page, sent empty: under the page's own heading.
    page.goto(live_server.url + reverse("fases:alliance_objectives", args=[world["kwargs"]["pk"]]))
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Añadir un objetivo").first.click()
    expect(page.get_by_role("button", name="Guardar")).to_be_visible()
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator("main .errorlist").first).to_be_visible()
    expect(page.locator("h1")).to_have_count(1)
    checked_here(page, watch, "the alliance page with an inline form's errors", problems)
    assert problems == [], "\n".join(problems)


# In two shares of the pages (every other page each), so that the suite's two workers walk
# them side by side rather than one worker for three minutes at the end of the run.
@pytest.mark.parametrize("share", [0, 1])
def test_every_admin_page(live_server, page, world, share):
    watch, problems = Watch(page), []
    sign_in(page, live_server, world["users"]["administrator"].username)
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(_Request(world["users"]["administrator"])):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    alliance_pk = world["kwargs"]["pk"]
    # The pages with the most tabular inlines (memberships, objectives, indicators,
    # commitments, phase changes), whatever the registry's first rows are.
    for url in (
        reverse("admin:alianzas_alliance_change", args=[alliance_pk]),
        reverse("admin:alianzas_actor_change", args=[world["actor_pk"]]),
    ):
        if url not in urls:
            urls.append(url)
    for url in urls[share::2]:
        answer = page.goto(live_server.url + url)
        assert answer.status == 200, f"{url}: {answer.status}"
        expect(page.locator("h1").first).to_be_visible()
        checked_here(page, watch, url, problems)
    if share == 0:
        assert problems == [], "\n".join(problems)
        return

    # A change form sent back with errors: the fields' error lists, the error note, the
    # tabular inline and select2's comboboxes rendered again.
    page.goto(live_server.url + reverse("admin:alianzas_actor_change", args=[world["actor_pk"]]))
    page.locator("#id_ruc").fill("20131312950")  # a wrong check digit
    page.locator("input[name=_save]").click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-ruc .errorlist")).to_be_visible()
    checked_here(page, watch, "the actor's admin form with an invalid RUC", problems)

    # A row added to a tabular inline: its select2 combobox is built then, and named too.
    page.goto(live_server.url + reverse("admin:alianzas_alliance_change", args=[alliance_pk]))
    page.locator("#memberships-group .add-row a").click()
    expect(page.locator("#memberships-group tr.dynamic-memberships .select2")).to_have_count(2)
    checked_here(page, watch, "the alliance's admin form with a membership added", problems)
    assert problems == [], "\n".join(problems)


class _Request:
    def __init__(self, user):
        self.user = user
