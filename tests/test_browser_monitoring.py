"""In a real browser: a representative logs progress with an evidence file and reports an
indicator value; the coordinator then sees both on the monitoring view. axe-core checks the
new pages."""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from alianzas.models import Indicator, Role, Sector
from fases.services import change_phase
from seguimiento.models import Commitment, Measurement
from tests.browser import assert_accessible, sign_in, submit
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
    sign_agreement_for_every_member,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_page")]

# The smallest file that is recognisably a PDF by its content.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def monitored_alliance():
    coordinator = UserFactory(username="coordinadora")
    representative = UserFactory(username="representante")
    alliance = AllianceFactory(
        name="Riego tecnificado en Huancavelica",
        coordinators=[coordinator],
        start_date=datetime.date(2026, 1, 1),
    )
    state = ActorFactory(name="Gobierno Regional de Huancavelica", sector=Sector.PUBLIC)
    cooperative = ActorFactory(
        name="Cooperativa Agraria Yauli", sector=Sector.PRIVATE, representatives=[representative]
    )
    MembershipFactory(alliance=alliance, actor=state, role=Role.LEADER)
    MembershipFactory(alliance=alliance, actor=cooperative, role=Role.IMPLEMENTING_PARTNER)
    objective = ObjectiveFactory(alliance=alliance, title="Aumentar la superficie con riego")
    IndicatorFactory(
        objective=objective,
        name="Hectáreas con riego tecnificado",
        unit="ha",
        responsible_actor=cooperative,
        frequency="quarterly",
    )
    CommitmentFactory(alliance=alliance, actor=state, description="Cofinanciar los módulos")
    CommitmentFactory(
        alliance=alliance, actor=cooperative, description="Instalar 40 módulos de riego"
    )
    sign_agreement_for_every_member(alliance)
    change_phase(alliance=alliance, transition="start_implementation", user=coordinator)
    return alliance


def test_a_representative_reports_and_the_coordinator_sees_it(
    live_server, page, screenshots, monitored_alliance, tmp_path
):
    alliance = monitored_alliance
    commitment = Commitment.objects.get(description="Instalar 40 módulos de riego")
    indicator = Indicator.objects.get(name="Hectáreas con riego tecnificado")
    evidence = tmp_path / "acta-de-entrega.pdf"
    evidence.write_bytes(PDF)

    sign_in(page, live_server, "representante")
    page.goto(live_server.url + reverse("seguimiento:my_commitments"))
    expect(page.get_by_text("Instalar 40 módulos de riego")).to_be_visible()
    assert_accessible(page, "My commitments")

    page.goto(
        live_server.url + reverse("seguimiento:log_progress", args=[alliance.pk, commitment.pk])
    )
    assert_accessible(page, "the progress form")
    page.locator("#id_progress").fill("60")
    page.locator("#id_note").fill("Se instalaron 24 módulos.")
    page.locator("#id_evidence").set_input_files(str(evidence))
    submit(page)
    commitment.refresh_from_db()
    assert (commitment.status, commitment.progress) == ("in_progress", 60)
    update = commitment.updates.get()
    assert update.evidence_name == "acta-de-entrega.pdf"

    page.goto(
        live_server.url
        + reverse("seguimiento:report_measurement", args=[alliance.pk, indicator.pk])
    )
    assert_accessible(page, "the measurement form")
    page.locator("#id_period_start").select_option(index=0)
    page.locator("#id_value").fill("210")
    page.locator("#id_evidence").set_input_files(str(evidence))
    submit(page)
    measurement = Measurement.objects.get(indicator=indicator)
    assert measurement.value == 210

    page.context.clear_cookies()
    sign_in(page, live_server, "coordinadora")
    page.goto(live_server.url + reverse("seguimiento:monitoring", args=[alliance.pk]))
    chart = page.locator("svg[role=img]").first
    expect(chart).to_be_visible()
    expect(page.locator("main")).to_contain_text("Hectáreas con riego tecnificado")
    expect(page.locator("main")).to_contain_text("210")
    expect(page.locator("main")).to_contain_text("Cooperativa Agraria Yauli")
    assert_accessible(page, "the monitoring view")
    page.screenshot(path=screenshots / "monitoring-view.png", full_page=True)

    page.goto(
        live_server.url
        + reverse("seguimiento:commitment_detail", args=[alliance.pk, commitment.pk])
    )
    with page.expect_download() as download:
        page.get_by_text("acta-de-entrega.pdf").first.click()
    assert Path(download.value.path()).read_bytes() == PDF
