"""Governance in a real browser (Debian's Chromium driven by Playwright): a meeting's
decision creates an action point that appears in the owner's Mis compromisos; the new
pages pass axe-core's serious and critical checks at 1280 and 360 px and fit a 360 px
screen. Fields are found by name and links by address, so the test holds in either
language."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from fases import calendar_feeds
from fases.models import ActionPoint
from tests.browser import assert_accessible, sign_in, submit
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    MembershipFactory,
    RiskFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_page")]


def link_to(page, url):
    return page.locator(f'main a[href="{url}"]').first


def fits_and_is_accessible(page, live_server, url, where):
    page.goto(live_server.url + url)
    assert_accessible(page, f"{where} at {page.viewport_size['width']} px")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{url} is {width} px wide"


def test_a_meetings_decision_creates_an_action_point_in_the_owners_mis_compromisos(
    live_server, page, screenshots
):
    coordinator = UserFactory(username="coordinadora-comite")
    owner = UserFactory(username="duena", first_name="Rosa", last_name="Quispe")
    alliance = AllianceFactory(name="Agua para Huancavelica", coordinators=[coordinator])
    actor = ActorFactory(name="Municipalidad de Lircay", representatives=[owner])
    MembershipFactory(alliance=alliance, actor=actor)
    RiskFactory(alliance=alliance, title="Cambio de autoridades", likelihood=4, impact=4)

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "coordinadora-comite")
    page.goto(live_server.url + reverse("fases:alliance_detail", args=[alliance.pk]))
    link_to(page, reverse("fases:governance", args=[alliance.pk])).click()
    assert_accessible(page, "the governance page")

    # The coordinator schedules the meeting and records who attended.
    link_to(page, reverse("fases:meeting_create", args=[alliance.pk])).click()
    page.locator("[name=title]").fill("Primera sesión del comité")
    page.locator("[name=starts_at]").fill("2026-03-10T10:00")
    page.locator("[name=place]").fill("Local comunal de Lircay")
    page.locator("[name=agenda]").fill("Plan de trabajo\nPadrón de familias")
    page.locator("[name=attendees]").first.check()
    assert_accessible(page, "the meeting form")
    submit(page)
    expect(page.get_by_role("heading", name="Primera sesión del comité")).to_be_visible()
    assert_accessible(page, "the meeting page")

    # A decision with its action point, owned by the member's representative.
    page.locator('main a[href$="/decisiones/nueva/"]').click()
    page.locator("[name=text]").fill("Levantar el padrón de familias beneficiarias")
    page.locator("[name=description]").fill("Entregar el padrón de familias al comité")
    page.locator("[name=owner_actor]").select_option(label="Municipalidad de Lircay")
    page.locator("[name=owner]").select_option(label="Rosa Quispe")
    due = datetime.date.today() + datetime.timedelta(days=20)
    page.locator("[name=due_date]").fill(due.isoformat())
    assert_accessible(page, "the decision form")
    submit(page)
    expect(page.get_by_text("Entregar el padrón de familias al comité")).to_be_visible()
    point = ActionPoint.objects.get()
    assert (point.owner, point.owner_actor) == (owner, actor)
    page.screenshot(path=screenshots / "meeting-1280.png", full_page=True)

    # The owner finds it in Mis compromisos.
    page.context.clear_cookies()
    sign_in(page, live_server, "duena")
    page.goto(live_server.url + reverse("seguimiento:my_commitments"))
    expect(page.locator(f"#action-point-{point.pk}")).to_contain_text(
        "Entregar el padrón de familias al comité"
    )
    assert_accessible(page, "Mis compromisos with action points")
    page.screenshot(path=screenshots / "my-action-points-1280.png", full_page=True)

    # And closes it, with a note.
    page.locator(f"#action-point-{point.pk} a").last.click()
    page.locator("[name=status][value=done]").check()
    page.locator("[name=note]").fill("Entregado en la sesión del 3 de abril")
    assert_accessible(page, "the form closing an action point")
    submit(page)
    point.refresh_from_db()
    assert point.status == "done"


def test_the_governance_pages_at_1280_and_360_pixels(live_server, page, screenshots):
    coordinator = UserFactory(username="coordinador-paginas")
    owner = UserFactory(username="representante-paginas")
    alliance = AllianceFactory(
        name="Alianza con un nombre bastante largo para una pantalla pequeña",
        coordinators=[coordinator],
    )
    actor = ActorFactory(name="Cooperativa Agraria", representatives=[owner, coordinator])
    MembershipFactory(alliance=alliance, actor=actor)
    from fases import governance

    meeting = governance.save_meeting(
        alliance=alliance,
        user=coordinator,
        title="Sesión ordinaria con un título largo de varias palabras",
        starts_at=datetime.datetime.now(datetime.UTC),
        link="https://reuniones.example.pe/sala/un-enlace-muy-largo-que-no-debe-desbordar",
        agenda="Uno\nDos",
        attendees=[actor],
        minutes="Acta de la sesión.",
    )
    governance.record_decision(
        meeting=meeting,
        user=coordinator,
        text="Decisión",
        action={
            "description": "Enviar el informe",
            "owner_actor": actor,
            "owner": coordinator,
            "due_date": datetime.date.today() - datetime.timedelta(days=3),
        },
    )
    governance.add_committee_member(
        alliance=alliance, user=coordinator, person=owner, actor=actor, role="chair"
    )
    RiskFactory(alliance=alliance, title="Sequía", likelihood=5, impact=4)
    RiskFactory(alliance=alliance, kind="conflict", title="Uso del agua", likelihood=2, impact=3)
    calendar_feeds.feed_of(coordinator)
    sign_in(page, live_server, "coordinador-paginas")
    pages = (
        ("governance", reverse("fases:governance", args=[alliance.pk])),
        ("meeting", reverse("fases:meeting_detail", args=[alliance.pk, meeting.pk])),
        ("meeting-form", reverse("fases:meeting_edit", args=[alliance.pk, meeting.pk])),
        ("risks", reverse("fases:risk_register", args=[alliance.pk])),
        ("risk-form", reverse("fases:risk_create", args=[alliance.pk])),
        ("committee-form", reverse("fases:committee_member_add", args=[alliance.pk])),
        ("calendar", reverse("fases:calendar_settings")),
        ("my-commitments", reverse("seguimiento:my_commitments")),
        ("alliance", reverse("fases:alliance_detail", args=[alliance.pk])),
        ("monitoring", reverse("seguimiento:monitoring", args=[alliance.pk])),
    )
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in pages:
            fits_and_is_accessible(page, live_server, url, name)
            page.screenshot(path=screenshots / f"governance-{name}-{width}.png", full_page=True)
