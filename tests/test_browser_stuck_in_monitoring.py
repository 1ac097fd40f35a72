"""In a real browser: an alliance whose start date is still to come goes to Monitoreo, and the
coordinator finds why no value can be reported yet and when the first period opens (issue
14, item 1), instead of a «Reportar un valor» link that is refused. The pages it walks, and
the new page that carries commitments over, pass axe-core at 1280 and 360 px and fit a
360 px screen; the portfolio fits 1280 px without scrolling its table."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from alianzas.lifecycle import Phase
from alianzas.models import Alliance, Indicator
from fases.services import change_phase
from tests.browser import assert_accessible, sign_in
from tests.factories import (
    AllianceFactory,
    EvaluationFactory,
    UserFactory,
    measure_every_indicator,
    ready_for_implementation,
    sign_agreement_for_every_member,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_page")]

# The new sentences are English msgids until the lead compiles the catalogue; the test reads
# either wording (the Spanish is the one in /tmp/translations/workflow.po).
OPENS = re.compile(r"opens on|se abre el")
STARTS_LATER = re.compile(r"starts in the future|empieza en el futuro")


def fits(page, width: int, where: str) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{where} is {scroll} px wide at {width} px"


def both_widths(page, where: str, screenshots, name: str) -> None:
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 800})
        assert_accessible(page, f"{where} at {width} px")
        fits(page, width, where)
        page.screenshot(path=screenshots / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_a_future_start_date_explains_itself_in_monitoring(live_server, page, screenshots):
    coordinator = UserFactory(username="coordinadora")
    starts = timezone.localdate() + datetime.timedelta(days=150)
    alliance = ready_for_implementation(
        AllianceFactory(
            name="Agua segura en Vilcashuamán", coordinators=[coordinator], start_date=starts
        )
    )
    change_phase(alliance=alliance, transition="start_implementation", user=coordinator)
    indicator = Indicator.objects.get(objective__alliance=alliance)
    report = reverse("seguimiento:report_measurement", args=[alliance.pk, indicator.pk])

    sign_in(page, live_server, "coordinadora")
    answer = page.goto(live_server.url + reverse("fases:alliance_detail", args=[alliance.pk]))
    assert answer.status == 200
    expect(page.get_by_role("heading", level=1, name=alliance.name)).to_be_visible()
    # The start date still to come is shown as such next to the dates.
    expect(page.locator(".starts-later")).to_have_text(STARTS_LATER)

    # The coordinator starts monitoring, as the checklist allows.
    page.get_by_text("Iniciar el monitoreo", exact=True).click()
    page.get_by_role(
        "button", name=re.compile(r"^Confirm(ar)? [«“]Iniciar el monitoreo[»”]$")
    ).click()
    expect(
        page.get_by_text("La alianza está ahora en «Monitoreo y seguimiento»", exact=False)
    ).to_be_visible()
    alliance.refresh_from_db()
    assert alliance.phase == Phase.MONITORING

    # No «Reportar un valor» to be refused: the page says why and until when.
    expect(page.locator(f'#objectives a[href="{report}"]')).to_have_count(0)
    expect(page.locator("#starts-later")).to_be_visible()
    checklist = page.get_by_role("list", name="Requisitos")
    expect(checklist.locator("li.unmet")).to_contain_text(OPENS)
    both_widths(page, "the alliance page in Monitoreo", screenshots, "stuck-alliance")

    # The indicator's history says which period opens when, and offers no report either.
    page.goto(
        live_server.url + reverse("seguimiento:indicator_history", args=[alliance.pk, indicator.pk])
    )
    expect(page.locator("#first-period")).to_contain_text(OPENS)
    expect(page.locator(f'a[href="{report}"]')).to_have_count(0)
    both_widths(page, "the indicator's history", screenshots, "stuck-indicator")

    # Going to the form anyway: the refusal names the period and the day it opens.
    page.goto(live_server.url + report)
    expect(page.locator("main")).to_contain_text(OPENS)
    expect(page.locator("main")).to_contain_text(re.compile(r"Quarter|Trimestre"))
    both_widths(page, "the refusal of a value", screenshots, "stuck-refusal")


def test_the_carry_over_page_and_the_portfolio(live_server, page, screenshots):
    coordinator = UserFactory(username="coordinadora")
    alliance = ready_for_implementation(
        AllianceFactory(name="Cacao sostenible en el VRAEM", coordinators=[coordinator])
    )
    for transition in ("start_implementation", "start_monitoring"):
        change_phase(alliance=alliance, transition=transition, user=coordinator)
    measure_every_indicator(alliance)
    change_phase(alliance=alliance, transition="start_evaluation", user=coordinator)
    EvaluationFactory(alliance=alliance, author=coordinator, decision="continue")
    sign_agreement_for_every_member(alliance, cycle=2)
    change_phase(alliance=alliance, transition="continue_cycle", user=coordinator)

    sign_in(page, live_server, "coordinadora")
    page.goto(live_server.url + reverse("fases:alliance_commitments", args=[alliance.pk]))
    page.locator(
        f'a[href="{reverse("seguimiento:carry_over_commitments", args=[alliance.pk])}"]'
    ).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(2)
    both_widths(page, "the carry-over page", screenshots, "carry-over")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages li").first).to_be_visible()
    assert Alliance.objects.get(pk=alliance.pk).commitments.filter(cycle=2).count() == 2

    # The portfolio's table fits a 1280 px screen without scrolling sideways.
    page.set_viewport_size({"width": 1280, "height": 800})
    answer = page.goto(live_server.url + reverse("seguimiento:portfolio"))
    assert answer.status == 200
    wrap = page.locator("table.portfolio").locator("xpath=..")
    overflow = wrap.evaluate("element => element.scrollWidth - element.clientWidth")
    assert overflow <= 0, f"the portfolio's table scrolls {overflow} px at 1280 px"
