"""Uploaded files live wherever the storage backend keeps them (a bucket in production):
nothing reads them from the web server's disk, so any replica serves any download."""

import pytest
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from seguimiento import services
from seguimiento.models import Export
from tests.factories import (
    CommitmentFactory,
    ExportFactory,
    IndicatorFactory,
    MeasurementFactory,
    ObjectiveFactory,
)
from tests.test_representatives import PDF, PNG, log_url, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_memory(settings):
    """Files kept in memory: any code that looked for them on disk would fail."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    assert isinstance(default_storage, InMemoryStorage)


def test_evidence_uploaded_and_downloaded_never_touches_the_disk(
    client, in_memory, alliance, member_representative, coordinator, settings
):
    member = member_representative.actors.get()
    commitment = CommitmentFactory(alliance=alliance, actor=member)
    client.force_login(member_representative)
    upload = SimpleUploadedFile("Acta de entrega.pdf", PDF)
    response = client.post(log_url(commitment), {"progress": "40", "evidence": upload})
    assert response.status_code == 302
    update = commitment.updates.get()
    assert default_storage.exists(update.evidence.name)
    assert stored_files(settings) == []

    client.force_login(coordinator)
    response = client.get(reverse("seguimiento:update_evidence", args=[update.pk]))
    assert response.status_code == 200
    assert 'filename="Acta de entrega.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_a_measurements_evidence_downloads_from_the_storage(
    client, in_memory, alliance, member_representative, coordinator
):
    indicator = IndicatorFactory(
        objective=ObjectiveFactory(alliance=alliance),
        responsible_actor=member_representative.actors.get(),
    )
    measurement = MeasurementFactory(
        indicator=indicator,
        evidence=SimpleUploadedFile("padron.png", PNG),
        evidence_name="padron.png",
    )
    client.force_login(coordinator)
    response = client.get(reverse("seguimiento:measurement_evidence", args=[measurement.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG


def test_an_export_downloads_from_the_storage(client, in_memory, alliance, coordinator):
    export = ExportFactory(
        alliance=alliance, requested_by=coordinator, status=Export.Status.DONE, progress=100
    )
    export.file.save("informe.csv", SimpleUploadedFile("informe.csv", b"ID\n1\n"))
    client.force_login(coordinator)
    response = client.get(reverse("seguimiento:export_download", args=[export.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"ID\n1\n"


def test_a_file_missing_from_the_storage_is_not_found(
    client, in_memory, alliance, member_representative
):
    commitment = CommitmentFactory(alliance=alliance, actor=member_representative.actors.get())
    update = services.log_progress(
        commitment=commitment,
        user=member_representative,
        progress=10,
        evidence=SimpleUploadedFile("acta.pdf", PDF),
    )
    default_storage.delete(update.evidence.name)
    client.force_login(member_representative)
    response = client.get(reverse("seguimiento:update_evidence", args=[update.pk]))
    assert response.status_code == 404
