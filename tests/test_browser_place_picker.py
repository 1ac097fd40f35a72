"""In a real browser (Debian's Chromium driven by Playwright): a coordinator finds a district
by typing part of its name, ticks it with the keyboard, saves, and sees it on the alliance's
page under its department; the form passes axe-core's serious and critical checks."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from alianzas.models import Alliance
from tests.browser import assert_accessible, sign_in
from tests.factories import AllianceFactory, UserFactory

# Every test here runs in Chromium (tests/browser.py): skipped without it, failed under CI.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_page")]


def test_a_coordinator_picks_a_district_with_the_keyboard(live_server, page):
    coordinator = UserFactory(username="lucia", first_name="Lucía", last_name="Quispe")
    alliance = AllianceFactory(name="Turismo en el Valle Sagrado", coordinators=[coordinator])
    sign_in(page, live_server, "lucia")
    edit_url = live_server.url + reverse("alianzas:alliance_edit", args=[alliance.pk])
    page.goto(edit_url)
    page.wait_for_load_state("load")  # htmx is ready

    search = page.locator("#id_places_q")
    search.focus()
    page.keyboard.type("Machu")
    machupicchu = page.get_by_role("checkbox", name=re.compile(r"^Machupicchu — "))
    expect(machupicchu).to_be_visible()
    expect(machupicchu).not_to_be_checked()
    expect(page.locator("#id_places_status")).to_contain_text("Machu")
    # Enter in the search box searches again; it does not save the alliance.
    page.keyboard.press("Enter")
    expect(machupicchu).to_be_visible()
    assert page.url == edit_url
    assert_accessible(page, "the alliance form with places found")

    # From the box, Tab reaches the first match (names that begin with the words first).
    page.keyboard.press("Tab")
    expect(machupicchu).to_be_focused()
    page.keyboard.press("Space")
    expect(machupicchu).to_be_checked()

    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("heading", name="Turismo en el Valle Sagrado")).to_be_visible()
    # The page says that Cusco came in with its district, and shows it under Cusco.
    expect(page.locator(".messages")).to_contain_text("Cusco")
    territory = page.locator("ul.territory")
    expect(territory.locator(":scope > li", has_text="Cusco")).to_contain_text("Machupicchu")
    assert sorted(Alliance.objects.get().places.values_list("code", flat=True)) == [
        "08",
        "081304",
    ]

    # Back on the form, the district is shown ticked.
    page.goto(edit_url)
    expect(page.get_by_role("checkbox", name=re.compile(r"^Machupicchu — "))).to_be_checked()
