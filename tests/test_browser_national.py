"""The national view in a real browser: the public site, the map, the actor network and the
publication panel pass axe-core's serious and critical checks at 1280 and 360 px, and fit a
360 px screen."""

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from alianzas.models import Actor, Place, Role, Sector
from alianzas.publishing import publish_alliance
from tests.browser import assert_accessible, sign_in
from tests.factories import (
    AllianceFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_page")]

WIDTHS = (1280, 360)


@pytest.fixture
def national():
    coordinator = UserFactory(username="nacional")
    made = []
    for name, codes in (
        ("Agua segura para Huamanga, una alianza de nombre largo", ["05", "050101"]),
        ("Bosques vivos del Cusco", ["08"]),
        ("Lima respira", ["15", "07"]),
    ):
        alliance = AllianceFactory(name=name, coordinators=[coordinator])
        alliance.places.set(Place.objects.filter(code__in=codes))
        state = Actor.objects.create(name=f"Municipalidad de {name[:20]}", sector=Sector.PUBLIC)
        company = Actor.objects.create(name=f"Empresa de {name[:20]}", sector=Sector.PRIVATE)
        MembershipFactory(alliance=alliance, actor=state, role=Role.LEADER)
        MembershipFactory(alliance=alliance, actor=company, role=Role.FUNDER)
        indicator = IndicatorFactory(objective=ObjectiveFactory(alliance=alliance))
        MeasurementFactory(indicator=indicator)
        made.append(alliance)
    shared = Actor.objects.create(
        name="Cooperación Andina", sector=Sector.INTERNATIONAL_COOPERATION
    )
    for alliance in made:
        MembershipFactory(alliance=alliance, actor=shared)
    for alliance in made[:2]:
        publish_alliance(user=coordinator, alliance=alliance)
    return {"alliances": made, "coordinator": coordinator}


def in_english(page, live_server):
    """The new wording joins the Spanish catalogue when it is next compiled: read it in
    English meanwhile."""
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )


def check(page, url, name, screenshots):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert_accessible(page, f"{name} at {width} px")
        page.screenshot(path=screenshots / f"national-{name}-{width}.png", full_page=True)
        if width == 360:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            wide = page.evaluate(
                "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect()"
                ".right > 361).slice(0, 3).map(e => e.tagName + '.' + e.className)"
            )
            assert scroll <= 360, f"{name} is {scroll} px wide: {wide}"


def test_the_public_site(live_server, page, national, screenshots):
    first = national["alliances"][0]
    in_english(page, live_server)
    for name, url in (
        ("public-portfolio", reverse("public:portfolio")),
        ("public-portfolio-ayacucho", reverse("public:portfolio") + "?department=05"),
        ("public-alliance", reverse("public:alliance", args=[first.pk])),
        ("open-data", reverse("public:open_data")),
    ):
        check(page, live_server.url + url, name, screenshots)
    # The map is a way in: a department opens its provinces, the table says the same.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("public:portfolio"))
    page.get_by_role("row", name="Ayacucho").get_by_role("link", name="Ayacucho").click()
    expect(page.get_by_role("heading", name="Alliances by province of Ayacucho")).to_be_visible()
    expect(page.get_by_role("row", name="Huamanga 1")).to_be_visible()


def test_the_national_pages_and_publishing(live_server, page, national, screenshots):
    sign_in(page, live_server, "nacional")
    in_english(page, live_server)
    for name, url in (
        ("territory-map", reverse("fases:territory_map")),
        ("actor-network", reverse("fases:actor_network")),
        (
            "actor-network-detail",
            reverse(
                "fases:actor_network_detail",
                args=[Actor.objects.get(name="Cooperación Andina").pk],
            ),
        ),
    ):
        check(page, live_server.url + url, name, screenshots)
    unpublished = national["alliances"][2]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("fases:alliance_detail", args=[unpublished.pk]))
    page.get_by_label("Why (kept in the record)").fill("Acordado en el comité")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("The alliance is now public.")).to_be_visible()
    assert_accessible(page, "alliance page with the publication panel")
    page.get_by_role("link", name="See the public page").click()
    expect(page.get_by_role("heading", name="Lima respira")).to_be_visible()
