"""In a real browser: the coordinator drafts the partnering agreement, both representatives
sign it, and Implementación starts; every agreement page passes axe-core's serious and
critical checks at 1280 and at 360 px, and fits a 360 px screen.

Fields are found by their ids, not their labels: the labels' Spanish translations are
compiled with the catalogue, apart from this code."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from alianzas.lifecycle import Phase
from alianzas.models import Alliance
from fases.models import Agreement, AgreementSignature
from tests.browser import assert_accessible, sign_in
from tests.factories import (
    AllianceFactory,
    UserFactory,
    ready_for_implementation,
    sign_agreement_for_every_member,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_page")]


def alliance_without_agreement():
    coordinator = UserFactory(username="lucia", first_name="Lucía", last_name="Quispe")
    alliance = ready_for_implementation(
        AllianceFactory(name="Agua segura en Huamanga", coordinators=[coordinator])
    )
    Agreement.objects.filter(alliance=alliance).delete()
    state, company = [m.actor for m in alliance.active_memberships().order_by("role")]
    state.representatives.add(UserFactory(username="rep-municipio"))
    company.representatives.add(UserFactory(username="rep-empresa"))
    return alliance, state, company


def check_page(page, where, screenshots=None):
    assert_accessible(page, f"{where} at {page.viewport_size['width']} px")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{where} is {width} px wide"
    if screenshots:
        page.screenshot(path=screenshots / f"agreement-{where}.png", full_page=True)


def sign_as(browser, browser_context_args, live_server, username, alliance, actor):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, username)
    page.goto(live_server.url + reverse("fases:alliance_detail", args=[alliance.pk]))
    page.locator("#agreement a[href$='firmar/']").click()
    check_page(page, "sign-form")
    page.locator("#id_actor").select_option(str(actor.pk))
    page.locator("#id_confirm").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages li").first).to_contain_text(actor.name)
    expect(page.locator(f"#agreement-{actor.pk}")).to_be_visible()
    expect(page.locator(f"#agreement-{actor.pk} .overdue")).to_have_count(0)
    context.close()


def test_the_coordinator_drafts_both_representatives_sign_and_implementation_starts(
    live_server, page, browser, browser_context_args, screenshots
):
    alliance, state, company = alliance_without_agreement()
    sign_in(page, live_server, "lucia")
    page.goto(live_server.url + reverse("fases:alliance_detail", args=[alliance.pk]))
    checklist = page.locator("#next-step li.unmet")
    expect(checklist).to_have_count(1)
    page.locator("#agreement a.button").click()
    expect(page).to_have_url(live_server.url + reverse("fases:agreement", args=[alliance.pk]))
    check_page(page, "empty", screenshots)
    page.locator("main a.button[href$='redactar/']").click()
    check_page(page, "draft-form", screenshots)
    page.locator("#id_objective").fill("Agua segura para 480 hogares de Huamanga")
    page.locator("#id_decision_making").fill("Por consenso en el comité de gestión")
    page.locator("#id_committee_frequency").fill("Cada mes")
    page.locator("#id_conflict_resolution").fill("Mediación de la coordinación en 15 días")
    page.locator("#id_returns_sharing").fill("Datos abiertos; crédito compartido")
    page.locator("#id_starts_on").fill("2026-02-01")
    page.locator("#id_ends_on").fill("2027-12-31")
    page.locator(f"#id_contribution_{state.pk}").fill("Terreno y licencias")
    page.locator(f"#id_responsibilities_{company.pk}").fill("Financiar los equipos")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages li").first).to_be_visible()
    expect(page.locator(f"#agreement-{state.pk}")).to_be_visible()
    check_page(page, "page", screenshots)

    for username, actor in (("rep-municipio", state), ("rep-empresa", company)):
        sign_as(browser, browser_context_args, live_server, username, alliance, actor)

    page.goto(live_server.url + reverse("fases:alliance_detail", args=[alliance.pk]))
    expect(page.get_by_text("Se cumplen todos los requisitos.")).to_be_visible()
    page.get_by_text("Iniciar la implementación", exact=True).click()
    page.get_by_label("Comentario").first.fill("Acuerdo firmado por ambos socios.")
    page.locator("form[action$='/fase/start_implementation/'] button[type=submit]").click()
    expect(page.get_by_text("La alianza está ahora en «Implementación» (ciclo 1).")).to_be_visible()
    alliance = Alliance.objects.get(pk=alliance.pk)
    assert alliance.phase == Phase.IMPLEMENTATION
    assert AgreementSignature.objects.filter(version__agreement__alliance=alliance).count() == 2


@pytest.mark.parametrize("width", [1280, 360])
def test_every_agreement_page_is_accessible_and_fits(live_server, page, width):
    alliance, _state, _company = alliance_without_agreement()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "lucia")
    for name in ("agreement", "agreement_draft", "enter_mid_course"):
        page.goto(live_server.url + reverse(f"fases:{name}", args=[alliance.pk]))
        check_page(page, name)
    version = sign_agreement_for_every_member(alliance)
    for name, args in (
        ("agreement", [alliance.pk]),
        ("agreement_version", [alliance.pk, version.pk]),
        ("agreement_amend", [alliance.pk]),
        ("agreement_paper_signature", [alliance.pk]),
        ("agreement_attach", [alliance.pk]),
        ("alliance_detail", [alliance.pk]),
    ):
        page.goto(live_server.url + reverse(f"fases:{name}", args=args))
        check_page(page, name)
    # The representative's form to sign (an amendment leaves something to sign).
    page.context.clear_cookies()
    sign_in(page, live_server, "rep-municipio")
    page.goto(live_server.url + reverse("fases:agreement_sign", args=[alliance.pk]))
    check_page(page, "agreement_sign")
