"""The actor representatives' work: their commitments and progress, their indicators'
values and corrections, and the evidence files behind both.

Messages are asserted in English (the Spanish catalogue gets these strings later); the
outcomes that matter are asserted on the database.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from alianzas.lifecycle import Phase
from alianzas.models import Alliance
from fases.services import change_phase, record_evaluation
from seguimiento import services
from seguimiento.models import CommitmentUpdate, Measurement, MeasurementCorrection
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
    full_ratings,
    ready_for_implementation,
    sign_agreement_for_every_member,
)

pytestmark = pytest.mark.django_db

LIMA = ZoneInfo("America/Lima")
HTMX = {"HTTP_HX_REQUEST": "true"}

# The smallest files whose content is recognised as what their name says.
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def pdf(name="informe.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def text_of(response) -> str:
    return response.content.decode()


def at(year, month, day, time_machine):
    time_machine.move_to(datetime.datetime(year, month, day, 10, tzinfo=LIMA), tick=False)


def set_phase(alliance, phase):
    """Put the alliance in ``phase`` directly, when the way there is not what is tested."""
    Alliance.objects.filter(pk=alliance.pk).update(phase=phase)
    alliance.refresh_from_db()
    return alliance


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def today(time_machine):
    at(2026, 5, 10, time_machine)
    return datetime.date(2026, 5, 10)


@pytest.fixture
def member(alliance, member_representative):
    """The alliance's member actor that ``member_representative`` represents."""
    return member_representative.actors.get()


@pytest.fixture
def other_representative(alliance):
    """The representative of a second member actor of the same alliance."""
    person = UserFactory(username="representante-otro-miembro")
    MembershipFactory(alliance=alliance, actor=ActorFactory(representatives=[person]))
    return person


@pytest.fixture
def commitment(alliance, member):
    return CommitmentFactory(alliance=alliance, actor=member)


@pytest.fixture
def indicator(alliance, member):
    """A quarterly indicator the member actor is responsible for."""
    return IndicatorFactory(
        objective=ObjectiveFactory(alliance=alliance),
        responsible_actor=member,
        frequency="quarterly",
    )


@pytest.fixture
def implementing(alliance, today):
    return set_phase(alliance, Phase.IMPLEMENTATION)


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def log_url(commitment):
    return reverse("seguimiento:log_progress", args=[commitment.alliance_id, commitment.pk])


def report_url(indicator):
    return reverse(
        "seguimiento:report_measurement", args=[indicator.objective.alliance_id, indicator.pk]
    )


def history_url(indicator):
    return reverse(
        "seguimiento:indicator_history", args=[indicator.objective.alliance_id, indicator.pk]
    )


# --- Progress on commitments ----------------------------------------------------


class TestLogProgress:
    def test_a_representative_logs_progress_on_their_own_actors_commitment(
        self, client, commitment, member_representative
    ):
        client.force_login(member_representative)
        response = client.post(log_url(commitment), {"progress": "40", "note": "Primer tramo"})
        assert response.status_code == 302
        assert response.url == reverse(
            "seguimiento:commitment_detail", args=[commitment.alliance_id, commitment.pk]
        )
        commitment.refresh_from_db()
        assert (commitment.status, commitment.progress) == ("in_progress", 40)
        update = commitment.updates.get()
        assert (update.author, update.note, update.status) == (
            member_representative,
            "Primer tramo",
            "in_progress",
        )

    def test_a_representative_cannot_log_progress_on_another_actors_commitment(
        self, client, alliance, other_representative, commitment
    ):
        client.force_login(other_representative)
        assert client.get(log_url(commitment)).status_code == 403
        assert client.post(log_url(commitment), {"progress": "90"}).status_code == 403
        with pytest.raises(services.CommitmentNotPermitted):
            services.log_progress(commitment=commitment, user=other_representative, progress=90)
        commitment.refresh_from_db()
        assert (commitment.status, commitment.progress) == ("pending", 0)
        assert not CommitmentUpdate.objects.exists()

    def test_a_representative_still_reads_another_actors_commitment(
        self, client, other_representative, commitment
    ):
        client.force_login(other_representative)
        detail = reverse(
            "seguimiento:commitment_detail", args=[commitment.alliance_id, commitment.pk]
        )
        response = client.get(detail)
        assert response.status_code == 200
        assert log_url(commitment) not in text_of(response)

    @pytest.mark.parametrize("role", ["coordinator", "administrator"])
    def test_coordinators_and_administrators_log_progress_for_any_member(
        self, client, commitment, role, request
    ):
        client.force_login(request.getfixturevalue(role))
        assert client.post(log_url(commitment), {"progress": "25"}).status_code == 302
        commitment.refresh_from_db()
        assert commitment.progress == 25

    def test_people_outside_the_alliance_do_not_find_it(
        self, client, commitment, outsider_representative
    ):
        other_coordinator = UserFactory()
        AllianceFactory(coordinators=[other_coordinator])
        for person in (outsider_representative, other_coordinator):
            client.force_login(person)
            assert client.get(log_url(commitment)).status_code == 404
            assert client.post(log_url(commitment), {"progress": "25"}).status_code == 404
        assert not CommitmentUpdate.objects.exists()

    def test_a_commitment_of_another_alliance_is_not_found(
        self, client, alliance, member, member_representative
    ):
        # The representative's own actor, but in another alliance: the ids do not match.
        elsewhere = MembershipFactory(actor=member).alliance
        foreign = CommitmentFactory(alliance=elsewhere, actor=member)
        client.force_login(member_representative)
        url = reverse("seguimiento:log_progress", args=[alliance.pk, foreign.pk])
        assert client.post(url, {"progress": "50"}).status_code == 404
        assert not CommitmentUpdate.objects.exists()

    def test_the_status_follows_the_updates_until_fulfilled(
        self, client, english, commitment, member_representative
    ):
        client.force_login(member_representative)
        client.post(log_url(commitment), {"progress": "0", "note": "Convenio en firma"})
        commitment.refresh_from_db()
        assert (commitment.status, commitment.progress) == ("pending", 0)
        client.post(log_url(commitment), {"progress": "60"})
        commitment.refresh_from_db()
        assert (commitment.status, commitment.progress) == ("in_progress", 60)
        client.post(log_url(commitment), {"progress": "70", "fulfilled": "on"})
        commitment.refresh_from_db()
        assert (commitment.status, commitment.progress) == ("fulfilled", 100)
        assert list(commitment.updates.values_list("progress", "status")) == [
            (100, "fulfilled"),
            (60, "in_progress"),
            (0, "pending"),
        ]
        # A fulfilled commitment takes no more updates.
        response = client.post(log_url(commitment), {"progress": "10"})
        assert response.status_code == 200
        assert "takes no more updates" in text_of(response)
        assert commitment.updates.count() == 3

    def test_reaching_100_percent_fulfils_the_commitment(self, commitment, member_representative):
        services.log_progress(commitment=commitment, user=member_representative, progress=100)
        assert (commitment.status, commitment.progress) == ("fulfilled", 100)

    @pytest.mark.parametrize(
        ("progress", "message"),
        [
            ("150", "Ensure this value is less than or equal to 100."),
            ("-5", "Ensure this value is greater than or equal to 0."),
            ("mucho", "Enter a whole number."),
            ("", "This field is required."),
        ],
    )
    def test_bad_progress_is_refused_next_to_the_field(
        self, client, english, commitment, member_representative, progress, message
    ):
        client.force_login(member_representative)
        response = client.post(log_url(commitment), {"progress": progress})
        assert response.status_code == 200
        assert message in response.context["form"].errors["progress"]
        commitment.refresh_from_db()
        assert (commitment.status, commitment.progress) == ("pending", 0)
        assert not CommitmentUpdate.objects.exists()

    def test_the_service_refuses_progress_above_100(self, commitment, member_representative):
        with pytest.raises(ValidationError) as refusal:
            services.log_progress(commitment=commitment, user=member_representative, progress=150)
        assert "progress" in refusal.value.error_dict
        commitment.refresh_from_db()
        assert commitment.progress == 0

    def test_a_closed_alliance_takes_no_more_updates(
        self, client, english, alliance, commitment, coordinator
    ):
        set_phase(alliance, Phase.CLOSED)
        client.force_login(coordinator)
        response = client.post(log_url(commitment), {"progress": "50"})
        assert "The alliance is closed" in text_of(response)
        with pytest.raises(services.CommitmentError):
            services.log_progress(commitment=commitment, user=coordinator, progress=50)
        assert not CommitmentUpdate.objects.exists()

    def test_the_form_opens_in_place_and_success_reloads_the_page_it_came_from(
        self, client, alliance, commitment, member_representative
    ):
        client.force_login(member_representative)
        fragment = client.get(log_url(commitment), **HTMX)
        assert "<html" not in text_of(fragment)
        assert 'enctype="multipart/form-data"' in text_of(fragment)
        page = reverse("fases:alliance_detail", args=[alliance.pk])
        response = client.post(
            log_url(commitment),
            {"progress": "30"},
            HTTP_HX_CURRENT_URL=f"http://testserver{page}",
            **HTMX,
        )
        assert response.headers["HX-Refresh"] == "true"


# --- Evidence files -------------------------------------------------------------


class TestEvidence:
    @pytest.mark.parametrize(
        ("upload", "extension"),
        [
            (SimpleUploadedFile("Informe de avance.pdf", PDF), "pdf"),
            (SimpleUploadedFile("foto del pozo.png", PNG), "png"),
        ],
    )
    def test_a_pdf_or_a_png_is_kept_under_a_random_name_with_its_own_name_for_download(
        self, client, commitment, member_representative, settings, upload, extension
    ):
        client.force_login(member_representative)
        response = client.post(log_url(commitment), {"progress": "50", "evidence": upload})
        assert response.status_code == 302
        update = commitment.updates.get()
        assert update.evidence_name == upload.name
        assert update.evidence.name.startswith("evidence/commitmentupdate/")
        assert update.evidence.name.endswith(f".{extension}")
        assert upload.name not in update.evidence.name
        stored = stored_files(settings)
        assert len(stored) == 1
        assert stored[0].is_relative_to(settings.MEDIA_ROOT)
        assert "static" not in stored[0].parts

    @pytest.mark.parametrize(
        "upload",
        [
            SimpleUploadedFile("instalador.exe", EXE),
            SimpleUploadedFile("acta.pdf", EXE),
            SimpleUploadedFile("acta.pdf", b"Solo texto, no es un PDF."),
        ],
        ids=["exe", "exe-named-pdf", "text-named-pdf"],
    )
    def test_a_file_whose_content_is_not_accepted_is_refused(
        self, client, english, commitment, member_representative, settings, upload
    ):
        client.force_login(member_representative)
        response = client.post(log_url(commitment), {"progress": "50", "evidence": upload})
        assert response.status_code == 200
        [error] = response.context["form"].errors["evidence"]
        assert error.startswith("This file's content is not an accepted type.")
        commitment.refresh_from_db()
        assert commitment.progress == 0
        assert not CommitmentUpdate.objects.exists()
        assert stored_files(settings) == []

    def test_a_file_over_10_mb_is_refused(
        self, client, english, commitment, member_representative, settings
    ):
        big = SimpleUploadedFile("grande.pdf", PDF + b"0" * (10 * 1024 * 1024))
        client.force_login(member_representative)
        response = client.post(log_url(commitment), {"progress": "50", "evidence": big})
        assert response.status_code == 200
        [error] = response.context["form"].errors["evidence"]
        assert "evidence files can be at most 10.0\xa0MB" in error
        assert not CommitmentUpdate.objects.exists()
        assert stored_files(settings) == []

    def test_the_size_limit_is_the_one_the_validator_reads(
        self, client, english, commitment, member_representative, monkeypatch
    ):
        monkeypatch.setattr("seguimiento.evidence.MAX_EVIDENCE_BYTES", 16)
        client.force_login(member_representative)
        response = client.post(log_url(commitment), {"progress": "50", "evidence": pdf()})
        assert "evidence files can be at most 16" in text_of(response)
        assert not CommitmentUpdate.objects.exists()

    def test_folders_and_odd_characters_leave_the_download_name(
        self, commitment, member_representative
    ):
        upload = SimpleUploadedFile('..\\actas\\acta "final".pdf', PDF)
        update = services.log_progress(
            commitment=commitment, user=member_representative, progress=10, evidence=upload
        )
        assert update.evidence_name == "acta final.pdf"


class TestEvidenceDownloads:
    @pytest.fixture
    def update(self, commitment, member_representative):
        return services.log_progress(
            commitment=commitment,
            user=member_representative,
            progress=20,
            evidence=pdf("Acta de entrega.pdf"),
        )

    @pytest.fixture
    def measurement(self, indicator):
        return MeasurementFactory(
            indicator=indicator,
            evidence=SimpleUploadedFile("padrón.png", PNG),
            evidence_name="padrón.png",
        )

    @pytest.mark.parametrize(
        "role", ["member_representative", "other_representative", "coordinator", "administrator"]
    )
    def test_people_who_may_read_the_alliance_download_it_as_an_attachment(
        self, client, update, measurement, role, request
    ):
        client.force_login(request.getfixturevalue(role))
        response = client.get(reverse("seguimiento:update_evidence", args=[update.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert 'filename="Acta de entrega.pdf"' in response["Content-Disposition"]
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF
        response = client.get(reverse("seguimiento:measurement_evidence", args=[measurement.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert "filename*=utf-8''padr%C3%B3n.png" in response["Content-Disposition"]
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == PNG

    def test_outsiders_do_not_find_it(self, client, update, measurement, outsider_representative):
        other_coordinator = UserFactory()
        AllianceFactory(coordinators=[other_coordinator])
        for person in (outsider_representative, other_coordinator):
            client.force_login(person)
            urls = [
                reverse("seguimiento:update_evidence", args=[update.pk]),
                reverse("seguimiento:measurement_evidence", args=[measurement.pk]),
            ]
            for url in urls:
                assert client.get(url).status_code == 404

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, update):
        response = client.get(reverse("seguimiento:update_evidence", args=[update.pk]))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    def test_no_file_or_a_missing_file_is_not_found(self, client, commitment, coordinator, update):
        without = services.log_progress(commitment=commitment, user=coordinator, progress=30)
        client.force_login(coordinator)
        assert (
            client.get(reverse("seguimiento:update_evidence", args=[without.pk])).status_code == 404
        )
        default_storage.delete(update.evidence.name)
        assert (
            client.get(reverse("seguimiento:update_evidence", args=[update.pk])).status_code == 404
        )

    def test_the_evidence_is_linked_from_the_commitment_page(
        self, client, commitment, update, member_representative
    ):
        client.force_login(member_representative)
        detail = reverse(
            "seguimiento:commitment_detail", args=[commitment.alliance_id, commitment.pk]
        )
        text = text_of(client.get(detail))
        assert reverse("seguimiento:update_evidence", args=[update.pk]) in text
        assert "Acta de entrega.pdf" in text

    def test_evidence_is_not_served_as_a_static_or_media_file(self, client, update):
        assert client.get(f"/media/{update.evidence.name}").status_code == 404
        assert client.get(f"/static/{update.evidence.name}").status_code == 404


# --- Indicator values -------------------------------------------------------------


class TestReportMeasurement:
    def test_the_responsible_actors_representative_reports_a_value(
        self, client, implementing, indicator, member_representative
    ):
        client.force_login(member_representative)
        response = client.post(
            report_url(indicator),
            {
                "period_start": "2026-04-01",
                "value": "150.5",
                "note": "Padrón",
                "evidence": pdf("Padrón.pdf"),
            },
        )
        assert response.status_code == 302
        assert response.url == history_url(indicator)
        measurement = indicator.measurements.get()
        assert (measurement.period_start, measurement.period_end) == (
            datetime.date(2026, 4, 1),
            datetime.date(2026, 6, 30),
        )
        assert (measurement.value, measurement.cycle) == (Decimal("150.5"), 1)
        assert (measurement.reported_by, measurement.evidence_name) == (
            member_representative,
            "Padrón.pdf",
        )

    def test_a_representative_cannot_report_another_actors_indicator(
        self, client, implementing, indicator, other_representative
    ):
        client.force_login(other_representative)
        assert client.get(report_url(indicator)).status_code == 403
        data = {"period_start": "2026-04-01", "value": "1"}
        assert client.post(report_url(indicator), data).status_code == 403
        with pytest.raises(services.MeasurementNotPermitted):
            services.report_measurement(
                indicator=indicator,
                user=other_representative,
                period_start=datetime.date(2026, 4, 1),
                value=Decimal(1),
                note="",
            )
        assert not Measurement.objects.exists()

    @pytest.mark.parametrize("role", ["coordinator", "administrator"])
    def test_coordinators_and_administrators_report_any_indicator(
        self, client, implementing, indicator, role, request
    ):
        client.force_login(request.getfixturevalue(role))
        data = {"period_start": "2026-01-01", "value": "130"}
        assert client.post(report_url(indicator), data).status_code == 302
        assert indicator.measurements.get().value == 130

    def test_outsiders_do_not_find_the_indicator(
        self, client, implementing, indicator, outsider_representative
    ):
        client.force_login(outsider_representative)
        assert client.get(history_url(indicator)).status_code == 404
        data = {"period_start": "2026-04-01", "value": "1"}
        assert client.post(report_url(indicator), data).status_code == 404
        assert not Measurement.objects.exists()

    def test_an_indicator_of_another_alliance_is_not_found(
        self, client, implementing, member, member_representative
    ):
        elsewhere = MembershipFactory(actor=member).alliance
        foreign = IndicatorFactory(
            objective=ObjectiveFactory(alliance=elsewhere),
            responsible_actor=member,
            frequency="quarterly",
        )
        client.force_login(member_representative)
        url = reverse("seguimiento:report_measurement", args=[implementing.pk, foreign.pk])
        assert client.post(url, {"period_start": "2026-04-01", "value": "1"}).status_code == 404
        assert not Measurement.objects.exists()

    def test_a_second_value_for_a_period_corrects_it_and_keeps_the_first(
        self, client, english, implementing, indicator, member_representative, coordinator
    ):
        client.force_login(member_representative)
        client.post(
            report_url(indicator), {"period_start": "2026-04-01", "value": "150", "note": "A"}
        )
        client.force_login(coordinator)
        form = client.get(report_url(indicator)).context["form"]
        assert (
            "has 150; a new value corrects it"
            in dict(form.fields["period_start"].choices)["2026-04-01"]
        )
        response = client.post(
            report_url(indicator),
            {"period_start": "2026-04-01", "value": "160", "note": "Padrón corregido"},
            follow=True,
        )
        assert "The value was corrected" in text_of(response)
        measurement = indicator.measurements.get()
        assert (measurement.value, measurement.note, measurement.reported_by) == (
            Decimal(160),
            "Padrón corregido",
            coordinator,
        )
        correction = MeasurementCorrection.objects.get()
        assert (correction.measurement, correction.previous_value, correction.previous_note) == (
            measurement,
            Decimal(150),
            "A",
        )
        assert (correction.previously_reported_by, correction.corrected_by) == (
            member_representative,
            coordinator,
        )
        # The history shows the value and the one it replaced.
        text = text_of(client.get(history_url(indicator)))
        assert "160" in text
        assert "1 earlier value" in text
        assert "Padrón corregido" in text

    def test_a_correction_without_a_new_file_keeps_the_evidence(
        self, implementing, indicator, member_representative
    ):
        first = services.report_measurement(
            indicator=indicator,
            user=member_representative,
            period_start=datetime.date(2026, 4, 1),
            value=Decimal(150),
            note="",
            evidence=pdf("acta.pdf"),
        )
        second = services.report_measurement(
            indicator=indicator,
            user=member_representative,
            period_start=datetime.date(2026, 5, 15),  # any day of the same quarter
            value=Decimal(155),
            note="",
        )
        assert second.pk == first.pk
        assert (second.evidence.name, second.evidence_name) == (first.evidence.name, "acta.pdf")
        assert second.corrections.count() == 1

    def test_a_future_period_is_refused(
        self, client, english, implementing, indicator, member_representative
    ):
        client.force_login(member_representative)
        response = client.post(report_url(indicator), {"period_start": "2026-07-01", "value": "1"})
        assert response.status_code == 200
        assert "has not started yet" in response.context["form"].errors["period_start"][0]
        with translation.override("en"), pytest.raises(ValidationError) as refusal:
            services.report_measurement(
                indicator=indicator,
                user=member_representative,
                period_start=datetime.date(2026, 7, 1),
                value=Decimal(1),
                note="",
            )
        [message] = refusal.value.message_dict["period_start"]
        assert message.startswith("The period “Quarter 3 of 2026” has not started yet")
        assert not Measurement.objects.exists()

    @pytest.mark.parametrize(
        ("value", "message"),
        [("mucho", "Enter a number."), ("", "This field is required.")],
    )
    def test_a_value_that_is_not_a_number_is_refused(
        self, client, english, implementing, indicator, member_representative, value, message
    ):
        client.force_login(member_representative)
        response = client.post(
            report_url(indicator), {"period_start": "2026-04-01", "value": value}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["value"] == [message]
        assert not Measurement.objects.exists()

    def test_a_wrong_type_of_file_is_refused_next_to_the_field(
        self, client, english, implementing, indicator, member_representative, settings
    ):
        client.force_login(member_representative)
        response = client.post(
            report_url(indicator),
            {
                "period_start": "2026-04-01",
                "value": "5",
                "evidence": SimpleUploadedFile("a.pdf", EXE),
            },
        )
        assert response.status_code == 200
        assert "not an accepted type" in response.context["form"].errors["evidence"][0]
        assert not Measurement.objects.exists()
        assert stored_files(settings) == []

    def test_an_indicator_without_a_frequency_is_refused_with_a_clear_message(
        self, client, english, implementing, member, coordinator
    ):
        indicator = IndicatorFactory(
            objective=ObjectiveFactory(alliance=implementing), responsible_actor=member
        )
        client.force_login(coordinator)
        response = client.get(report_url(indicator))
        assert response.status_code == 200
        assert "has no measurement frequency" in text_of(response)
        response = client.post(report_url(indicator), {"period_start": "2026-04-01", "value": "1"})
        assert "has no measurement frequency" in text_of(response)
        with pytest.raises(services.MeasurementError):
            services.report_measurement(
                indicator=indicator,
                user=coordinator,
                period_start=datetime.date(2026, 4, 1),
                value=Decimal(1),
            )
        assert not Measurement.objects.exists()

    @pytest.mark.parametrize("phase", [Phase.IDENTIFICATION, Phase.CLOSED])
    def test_no_values_while_the_alliance_is_designed_or_after_it_closed(
        self, client, english, alliance, indicator, member_representative, today, phase
    ):
        set_phase(alliance, phase)
        client.force_login(member_representative)
        response = client.post(report_url(indicator), {"period_start": "2026-04-01", "value": "1"})
        assert response.status_code == 200
        assert "Indicator values are reported while the alliance is in" in text_of(response)
        assert not Measurement.objects.exists()

    def test_the_form_offers_the_started_periods_of_the_cycle_newest_first(
        self, client, english, implementing, indicator, member_representative
    ):
        client.force_login(member_representative)
        form = client.get(report_url(indicator)).context["form"]
        assert form.fields["period_start"].choices == [
            ("2026-04-01", "Quarter 2 of 2026"),
            ("2026-01-01", "Quarter 1 of 2026"),
        ]

    def test_a_period_before_the_current_cycle_is_refused(
        self, client, english, alliance, member, indicator, coordinator, time_machine
    ):
        at(2026, 1, 5, time_machine)
        ready_for_implementation(alliance)
        CommitmentFactory(alliance=alliance, actor=member)
        change_phase(alliance=alliance, transition="start_implementation", user=coordinator)
        change_phase(alliance=alliance, transition="start_monitoring", user=coordinator)
        at(2026, 5, 10, time_machine)
        for each in alliance.objectives.all():
            for measured in each.indicators.all():
                services.report_measurement(
                    indicator=measured,
                    user=coordinator,
                    period_start=datetime.date(2026, 4, 1),
                    value=Decimal(200),
                )
        change_phase(alliance=alliance, transition="start_evaluation", user=coordinator)
        record_evaluation(
            alliance=alliance,
            user=coordinator,
            decision="continue",
            findings="Seguimos.",
            ratings=full_ratings(),
        )
        at(2026, 7, 15, time_machine)
        sign_agreement_for_every_member(alliance, cycle=2)  # the next cycle's agreement
        change_phase(alliance=alliance, transition="continue_cycle", user=coordinator)
        assert alliance.cycle == 2

        # The second quarter ended before cycle 2 began: neither reported nor corrected.
        with translation.override("en"), pytest.raises(ValidationError) as refusal:
            services.report_measurement(
                indicator=indicator,
                user=coordinator,
                period_start=datetime.date(2026, 4, 1),
                value=Decimal(999),
            )
        [message] = refusal.value.message_dict["period_start"]
        assert "ended before the current cycle began" in message
        assert indicator.measurements.get().value == 200
        assert not MeasurementCorrection.objects.exists()

        client.force_login(coordinator)
        form = client.get(report_url(indicator)).context["form"]
        assert [key for key, _label in form.fields["period_start"].choices] == ["2026-07-01"]
        response = client.post(report_url(indicator), {"period_start": "2026-04-01", "value": "9"})
        assert "period_start" in response.context["form"].errors
        assert client.post(
            report_url(indicator), {"period_start": "2026-07-01", "value": "210"}
        ).status_code == (302)
        assert indicator.measurements.get(period_start="2026-07-01").cycle == 2

    def test_the_history_lists_every_value_with_its_evidence(
        self, client, implementing, indicator, member_representative, outsider_representative
    ):
        measurement = services.report_measurement(
            indicator=indicator,
            user=member_representative,
            period_start=datetime.date(2026, 1, 1),
            value=Decimal("140.25"),
            evidence=pdf("enero.pdf"),
        )
        client.force_login(member_representative)
        text = text_of(client.get(history_url(indicator)))
        assert "140.25" in text or "140,25" in text
        assert reverse("seguimiento:measurement_evidence", args=[measurement.pk]) in text
        assert report_url(indicator) in text
        fragment = text_of(client.get(history_url(indicator), **HTMX))
        assert "<html" not in fragment
        assert "enero.pdf" in fragment


# --- My commitments and the alliance page ---------------------------------------


class TestMyCommitments:
    def test_every_commitment_of_the_users_actors_across_alliances(
        self, client, alliance, member, member_representative, other_representative, today
    ):
        second = MembershipFactory(actor=member).alliance
        late = CommitmentFactory(
            alliance=alliance, actor=member, due_date=datetime.date(2026, 3, 1)
        )
        elsewhere = CommitmentFactory(
            alliance=second, actor=member, description="Capacitar a 40 gasfiteros"
        )
        others = CommitmentFactory(
            alliance=alliance,
            actor=other_representative.actors.get(),
            description="Compromiso de otro actor",
        )
        client.force_login(member_representative)
        response = client.get(reverse("seguimiento:my_commitments"), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert [c.pk for c in response.context["page"]] == [late.pk, elsewhere.pk]
        text = text_of(response)
        assert second.name in text
        assert "Capacitar a 40 gasfiteros" in text
        assert others.description not in text
        assert text.count('class="overdue"') == 1
        assert log_url(late) in text

    def test_filters_by_alliance_and_status(self, client, alliance, member, member_representative):
        second = MembershipFactory(actor=member).alliance
        open_here = CommitmentFactory(alliance=alliance, actor=member)
        done_here = CommitmentFactory(alliance=alliance, actor=member)
        services.log_progress(commitment=done_here, user=member_representative, progress=100)
        CommitmentFactory(alliance=second, actor=member)
        client.force_login(member_representative)
        url = reverse("seguimiento:my_commitments")
        page = client.get(url, {"alliance": alliance.pk}).context["page"]
        assert {c.pk for c in page} == {open_here.pk, done_here.pk}
        page = client.get(url, {"alliance": alliance.pk, "status": "fulfilled"}).context["page"]
        assert [c.pk for c in page] == [done_here.pk]

    def test_only_the_users_alliances_can_be_chosen(self, client, alliance, member_representative):
        foreign = AllianceFactory(name="Alianza ajena")
        client.force_login(member_representative)
        response = client.get(reverse("seguimiento:my_commitments"), {"alliance": foreign.pk})
        form = response.context["filter_form"]
        assert list(form.fields["alliance"].queryset) == [alliance]
        assert "alliance" in form.errors
        assert "Alianza ajena" not in text_of(response)

    def test_the_link_is_in_the_navigation_of_representatives_only(
        self, client, alliance, member_representative, coordinator
    ):
        url = reverse("seguimiento:my_commitments")
        client.force_login(member_representative)
        assert f'href="{url}"' in text_of(client.get(reverse("fases:dashboard")))
        client.force_login(coordinator)
        assert f'href="{url}"' not in text_of(client.get(reverse("fases:dashboard")))
        response = client.get(url)
        assert response.status_code == 200
        assert list(response.context["page"]) == []

    @pytest.mark.parametrize("rows", [3, 50])
    def test_the_same_queries_for_3_or_50_rows(
        self, client, member, member_representative, rows, django_assert_max_num_queries
    ):
        alliances = [MembershipFactory(actor=member).alliance for _n in range(1 + rows // 10)]
        for n in range(rows):
            CommitmentFactory(
                alliance=alliances[n // 10], actor=member, description=f"Compromiso {n}"
            )
        client.force_login(member_representative)
        url = reverse("seguimiento:my_commitments")
        with django_assert_max_num_queries(9):
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["page"]) == min(rows, 25)
        with django_assert_max_num_queries(9):
            response = client.get(url, {"alliance": alliances[0].pk, "status": "pending"})
        assert len(response.context["page"]) == min(rows, 10)


class TestAlliancePage:
    def page(self, client, alliance):
        """The alliance's objectives and commitments tabs, where their rows' links are."""
        return "".join(
            text_of(client.get(reverse(tab, args=[alliance.pk])))
            for tab in ("fases:alliance_objectives", "fases:alliance_commitments")
        )

    def test_a_representative_logs_and_reports_only_for_their_own_actor(
        self, client, implementing, member, indicator, commitment, other_representative
    ):
        other_actor = other_representative.actors.get()
        others = CommitmentFactory(alliance=implementing, actor=other_actor)
        others_indicator = IndicatorFactory(
            objective=indicator.objective, responsible_actor=other_actor, frequency="annual"
        )
        client.force_login(other_representative)
        text = self.page(client, implementing)
        assert log_url(others) in text
        assert log_url(commitment) not in text
        assert report_url(others_indicator) in text
        assert report_url(indicator) not in text
        # Everyone who reads the alliance sees every history.
        for each in (commitment, others):
            assert reverse("seguimiento:commitment_detail", args=[implementing.pk, each.pk]) in text
        assert history_url(indicator) in text

    def test_no_values_are_offered_while_the_alliance_is_designed(
        self, client, alliance, indicator, coordinator
    ):
        client.force_login(coordinator)
        text = self.page(client, alliance)
        assert history_url(indicator) in text
        assert report_url(indicator) not in text

    def test_a_closed_commitment_offers_no_progress(
        self, client, implementing, commitment, coordinator
    ):
        services.log_progress(commitment=commitment, user=coordinator, progress=100)
        client.force_login(coordinator)
        assert log_url(commitment) not in self.page(client, implementing)

    @pytest.mark.parametrize("role", ["coordinator", "member_representative"])
    def test_the_links_cost_no_query_per_row(self, client, implementing, member, role, request):
        objective = ObjectiveFactory(alliance=implementing)
        client.force_login(request.getfixturevalue(role))
        tabs = [
            reverse(tab, args=[implementing.pk])
            for tab in ("fases:alliance_objectives", "fases:alliance_commitments")
        ]
        # A first visit: the navigation's facts are then cached, as on every later page.
        client.get(tabs[0])
        counts = []
        for rows in (3, 30):
            while objective.indicators.count() < rows:
                IndicatorFactory(objective=objective, responsible_actor=member, frequency="annual")
                CommitmentFactory(alliance=implementing, actor=member)
            pages = []
            with CaptureQueriesContext(connection) as queries:
                for url in tabs:
                    pages.append(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())
            counts.append(len(queries))
        assert counts[0] == counts[1]
        assert pages[0].count(">Report a value<") == 30
        assert pages[1].count(">Log progress<") == 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_reports_for_one_period_make_one_value_and_corrections(time_machine):
    from tests.test_concurrency import run_at_once

    at(2026, 5, 10, time_machine)
    coordinator = UserFactory()
    alliance = set_phase(AllianceFactory(coordinators=[coordinator]), Phase.MONITORING)
    indicator = IndicatorFactory(
        objective=ObjectiveFactory(alliance=alliance), frequency="quarterly"
    )
    values = iter(range(100, 106))

    def report():
        return services.report_measurement(
            indicator=indicator,
            user=coordinator,
            period_start=datetime.date(2026, 4, 1),
            value=Decimal(next(values)),
        )

    outcomes = run_at_once(6, report)
    assert all(isinstance(outcome, Measurement) for outcome in outcomes), outcomes
    measurement = indicator.measurements.get()
    assert measurement.corrections.count() == 5
