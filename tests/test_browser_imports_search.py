"""In Chromium: the header's search and the spreadsheet import, used as a coordinator would,
with the keyboard where it matters; every page passes axe-core (nothing serious or critical)
at 1280 px and 360 px and is no wider than a 360 px screen."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from alianzas.models import Actor
from tests.browser import assert_accessible, sign_in
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_page")]


def check_both_widths(page, where):
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 800})
        page.wait_for_timeout(100)
        assert_accessible(page, f"{where} at {width} px")
        if width == 360:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= 360, f"{where} is {scroll} px wide at 360 px"
    page.set_viewport_size({"width": 1280, "height": 800})


def test_search_from_the_header_and_import_a_spreadsheet(live_server, page, tmp_path, screenshots):
    coordinator = UserFactory(username="rosa", first_name="Rosa", last_name="Huamán")
    alliance = AllianceFactory(name="Cacao del VRAEM", coordinators=[coordinator])
    pichari = ActorFactory(name="Municipalidad Distrital de Pichari", acronym="MDP")
    MembershipFactory(alliance=alliance, actor=pichari)
    CommitmentFactory(alliance=alliance, actor=pichari, description="Fondo de crédito rotatorio")
    hidden = AllianceFactory(name="Alianza de Pichari reservada")
    MembershipFactory(alliance=hidden, actor=pichari)

    sign_in(page, live_server, "rosa")
    # The search box is in the header of every page; typed and sent with Enter.
    page.locator("#site-search-q").focus()
    page.keyboard.type("PICHARI")
    page.keyboard.press("Enter")
    # The results page, not the dashboard still showing while the search loads (it names the
    # same alliance twice: under "waiting for requirements" and on the board).
    expect(page).to_have_url(re.compile(re.escape(reverse("seguimiento:search")) + r"\?q=PICHARI"))
    expect(page.get_by_role("link", name="Cacao del VRAEM")).to_be_visible()
    expect(page.get_by_role("link", name="Alianza de Pichari reservada")).to_have_count(0)
    expect(page.get_by_role("link", name="Fondo de crédito rotatorio")).to_be_visible()
    page.screenshot(path=screenshots / "search-results.png", full_page=True)
    check_both_widths(page, "the search results")

    # The import: from the alliance's page, a file with a problem first.
    page.goto(live_server.url + reverse("fases:alliance_detail", args=[alliance.pk]))
    page.locator(f"a[href='{reverse('seguimiento:alliance_import', args=[alliance.pk])}']").click()
    expect(page.locator("h1")).to_be_visible()
    check_both_widths(page, "the import page")

    wrong = tmp_path / "actores.csv"
    wrong.write_text(
        "Nombre,Siglas,Sector,RUC,Región\n"
        "Cooperativa Agraria Pangoa,CAC,Privado,,Junín\n"
        "Asociación sin sector,,Galáctico,,Cusco\n",
        encoding="utf-8",
    )
    page.locator("input[type=file]").set_input_files(wrong)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("table.import-problems")).to_be_visible()
    expect(page.locator("table.import-problems tbody tr")).to_have_count(1)
    expect(page.locator("table.import-problems tbody td").nth(2)).to_have_text("Galáctico")
    page.screenshot(path=screenshots / "import-problems.png", full_page=True)
    check_both_widths(page, "an import's problems")
    assert not Actor.objects.filter(name="Cooperativa Agraria Pangoa").exists()

    # The corrected file: checked, confirmed, imported.
    page.locator("#import-progress a.button").click()
    right = tmp_path / "actores-corregido.csv"
    right.write_text(
        "Nombre,Siglas,Sector,RUC,Región\n"
        "Cooperativa Agraria Pangoa,CAC,Privado,,Junín\n"
        "Asociación de Productores,,Sociedad civil,,Cusco\n",
        encoding="utf-8",
    )
    page.locator("input[type=file]").set_input_files(right)
    page.locator("main form button[type=submit]").click()
    confirm = page.locator("form[action$='/confirmar/'] button")
    expect(confirm).to_be_visible()
    check_both_widths(page, "a checked import")
    confirm.click()
    expect(
        page.locator(
            f"#import-progress a[href='{reverse('fases:alliance_detail', args=[alliance.pk])}']"
        )
    ).to_be_visible()
    check_both_widths(page, "a finished import")
    assert (
        Actor.objects.filter(
            name__in=["Cooperativa Agraria Pangoa", "Asociación de Productores"]
        ).count()
        == 2
    )
