"""End to end in a real browser (Debian's Chromium driven by Playwright): a coordinator
builds an alliance from nothing and starts its implementation; an outsider cannot see it;
the pages pass axe-core's serious and critical checks and fit a 360 px screen."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from alianzas.lifecycle import Phase
from alianzas.models import Alliance
from tests.browser import assert_accessible, open_tab, sign_in
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    MembershipFactory,
    UserFactory,
    sign_agreement_for_every_member,
)

# Every test here runs in Chromium (tests/browser.py): skipped without it, failed under CI.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_page")]


def register_actor(page, name, sector, ruc=""):
    page.get_by_role("link", name="Actores", exact=True).click()
    page.get_by_role("link", name="Registrar un actor").click()
    page.get_by_label("Nombre", exact=True).fill(name)
    page.get_by_label("Sector").select_option(label=sector)
    if ruc:
        page.get_by_label("RUC").fill(ruc)
    page.get_by_label("Región").select_option(label="Ayacucho")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text(f"Se guardó «{name}».")).to_be_visible()


def open_inline_form(page, link_name):
    """Click a link that opens its form in place (htmx) and wait for the form."""
    page.wait_for_load_state("load")  # htmx is ready
    page.get_by_role("link", name=link_name).first.click()
    expect(page.get_by_role("button", name="Guardar")).to_be_visible()


def test_coordinator_builds_an_alliance_and_starts_implementation(live_server, page, screenshots):
    UserFactory(username="lucia", first_name="Lucía", last_name="Quispe")
    sign_in(page, live_server, "lucia")
    assert_accessible(page, "the dashboard")

    register_actor(page, "Municipalidad Distrital de Quinua", "Público")
    register_actor(page, "Cooperativa Agraria Wari", "Privado", ruc="20131312955")

    page.get_by_role("link", name="Inicio").click()
    page.get_by_role("link", name="Nueva alianza").click()
    assert_accessible(page, "the new alliance form")
    page.get_by_label("Nombre", exact=True).fill("Cadena de valor de la tara en Quinua")
    page.get_by_label("Problema u oportunidad").fill(
        "Los productores venden la tara sin procesar y a precios bajos."
    )
    page.get_by_label("Origen").select_option(label="Construida desde la base")
    # Tick boxes, grouped under their legend: by keyboard (Space) and by pointer.
    ayacucho = page.get_by_role("group", name="Territorio").get_by_label("Ayacucho", exact=True)
    ayacucho.focus()
    page.keyboard.press("Space")
    expect(ayacucho).to_be_checked()
    page.get_by_role("group", name="ODS").get_by_label(
        "ODS 8: Trabajo decente y crecimiento económico"
    ).check()
    page.get_by_label("Fecha de inicio").fill("2026-02-01")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("heading", name="Cadena de valor de la tara en Quinua")).to_be_visible()
    checklist = page.get_by_role("list", name="Requisitos")
    expect(checklist).to_contain_text("Se necesitan al menos dos actores miembros (hay 0).")

    for actor, role in (
        ("Municipalidad Distrital de Quinua", "Líder"),
        ("Cooperativa Agraria Wari", "Financiador"),
    ):
        open_inline_form(page, "Añadir un miembro")
        page.get_by_label("Actor", exact=True).select_option(label=actor)
        page.get_by_label("Rol").select_option(label=role)
        page.get_by_role("button", name="Guardar").click()
        # The answer reloads the page (htmx); until it has, the previous member's message
        # is still shown, and a click on the next link would be lost in the reload.
        expect(page.locator("#members-form form")).to_have_count(0)
        expect(page.get_by_text("El actor se incorporó a la alianza.")).to_be_visible()

    open_tab(page, "Objetivos e indicadores")
    open_inline_form(page, "Añadir un objetivo")
    page.get_by_label("Objetivo", exact=True).fill("Aumentar el ingreso de los productores de tara")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Se añadió el objetivo.")).to_be_visible()

    open_inline_form(page, "Añadir un indicador")
    assert_accessible(page, "the alliance page with an open form")
    page.get_by_label("Nombre", exact=True).fill("Precio promedio de venta por kilo")
    page.get_by_label("Unidad").fill("S/ por kg")
    page.get_by_label("Valor de línea de base").fill("4.5")
    page.get_by_label("Fecha de línea de base").fill("2025-12-31")
    page.get_by_label("Valor meta").fill("7")
    page.get_by_label("Fecha meta").fill("2027-12-31")
    page.get_by_label("Frecuencia de medición").select_option(label="Trimestral")
    page.get_by_label("Actor responsable").select_option(label="Cooperativa Agraria Wari")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Se añadió el indicador.")).to_be_visible()

    open_tab(page, "Compromisos")
    for actor, description in (
        ("Municipalidad Distrital de Quinua", "Habilitar un centro de acopio"),
        ("Cooperativa Agraria Wari", "Financiar la maquinaria de molienda"),
    ):
        open_inline_form(page, "Añadir un compromiso")
        page.get_by_label("Actor", exact=True).select_option(label=actor)
        page.get_by_label("Descripción").fill(description)
        page.get_by_label("Tipo").select_option(label="En especie")
        page.get_by_label("Fecha de vencimiento").fill("2026-12-31")
        page.get_by_role("button", name="Guardar").click()
        # As for the members: wait for htmx's reload, or a click (or a reload) is lost in it.
        expect(page.locator("#commitments-form form")).to_have_count(0)
        expect(page.get_by_text("Se guardó el compromiso.")).to_be_visible()

    # The partnering agreement, signed by both members (its pages have their own browser
    # test, tests/test_browser_agreements.py).
    sign_agreement_for_every_member(
        Alliance.objects.get(name="Cadena de valor de la tara en Quinua")
    )
    page.wait_for_load_state("load")
    open_tab(page, "Resumen")
    expect(page.get_by_text("Se cumplen todos los requisitos.")).to_be_visible()
    expect(checklist.locator("li.unmet")).to_have_count(0)

    page.get_by_text("Iniciar la implementación", exact=True).click()
    page.get_by_label("Comentario").first.fill("Convenio firmado en asamblea comunal.")
    # «Confirmar «…»» once the catalogue has the new wording, English quotes until then.
    page.get_by_role(
        "button", name=re.compile(r"^Confirm(ar)? [«“]Iniciar la implementación[»”]$")
    ).click()
    expect(page.get_by_text("La alianza está ahora en «Implementación» (ciclo 1).")).to_be_visible()
    open_tab(page, "Historial")
    history = page.locator("#history")
    expect(history).to_contain_text("Identificación, formulación y diseño → Implementación")
    expect(history).to_contain_text("Convenio firmado en asamblea comunal.")
    assert_accessible(page, "the alliance page")
    page.screenshot(path=screenshots / "alliance-page.png", full_page=True)

    alliance = Alliance.objects.get(name="Cadena de valor de la tara en Quinua")
    assert alliance.phase == Phase.IMPLEMENTATION
    assert alliance.phase_changes.count() == 1


def test_an_outsider_representative_gets_not_found(live_server, page):
    alliance = AllianceFactory(name="Alianza reservada")
    MembershipFactory(alliance=alliance)
    outsider = UserFactory(username="externo")
    ActorFactory(representatives=[outsider])
    sign_in(page, live_server, "externo")
    response = page.goto(live_server.url + reverse("fases:alliance_detail", args=[alliance.pk]))
    assert response.status == 404
    expect(page.get_by_role("heading", name="No encontrado")).to_be_visible()
    expect(page.get_by_text("Alianza reservada")).to_have_count(0)


def test_pages_fit_a_360_pixel_screen(live_server, page, screenshots):
    coordinator = UserFactory(username="movil")
    alliance = AllianceFactory(
        name="Alianza con un nombre bastante largo para una pantalla pequeña",
        coordinators=[coordinator],
    )
    MembershipFactory(alliance=alliance)
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server, "movil")
    for name, url, heading in (
        ("dashboard", reverse("fases:dashboard"), "Mis alianzas"),
        ("alliance-page", reverse("fases:alliance_detail", args=[alliance.pk]), alliance.name),
        ("actor-list", reverse("alianzas:actor_list"), "Registro de actores"),
    ):
        answer = page.goto(live_server.url + url)
        # The page itself, not a narrow error page: a 404 would fit any screen.
        assert answer.status == 200, f"{url}: {answer.status}"
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{url} is {width} px wide"
        page.screenshot(path=screenshots / f"{name}-360.png", full_page=True)
