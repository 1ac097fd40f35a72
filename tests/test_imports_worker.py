"""A national registry in one file: 10,000 actors checked and imported by a real worker over
Redis against PostgreSQL, with the progress readable while it works, all rows at once; and
the same file again adds nothing."""

import csv
import io
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from alianzas.models import Actor
from alianzas.validators import ruc_check_digit
from seguimiento.imports import running
from seguimiento.models import Import
from tests.support import worker_on_redis

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # One Redis for every worker test: under pytest-xdist they run one after another.
    pytest.mark.xdist_group("redis"),
]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROWS = 10_000


def registry_file() -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Nombre", "Siglas", "Sector", "RUC", "Región"])
    sectors = ["Público", "Privado", "Sociedad civil", "Academia", "Comunidad"]
    regions = ["Áncash", "Cusco", "Lima", "Ayacucho", "San Martín"]
    for number in range(ROWS):
        first = f"20{500000 + number:08d}"
        writer.writerow(
            [
                f"Organización del registro nacional {number}",
                f"ORN{number}",
                sectors[number % 5],
                first + str(ruc_check_digit(first)),
                regions[number % 5],
            ]
        )
    return SimpleUploadedFile("registro-nacional.csv", buffer.getvalue().encode("utf-8"))


def wait_for(imported: Import, statuses: set[str], seen: list[int], timeout=1800) -> Import:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        imported.refresh_from_db()
        seen.append(imported.progress)
        if imported.status in statuses:
            return imported
        time.sleep(0.2)
    pytest.fail(f"import {imported.pk} still {imported.status} at {imported.progress}%")


def test_a_worker_imports_ten_thousand_rows_with_progress_and_a_second_time_adds_nothing(
    administrator,
):
    before = Actor.objects.count()
    with worker_on_redis(REDIS_URL):
        started = time.monotonic()
        imported = running.start_import(
            user=administrator, alliance=None, kind="actors", upload=registry_file()
        )
        seen: list[int] = []
        imported = wait_for(imported, {"checked", "invalid", "failed"}, seen)
        assert imported.status == Import.Status.CHECKED, (imported.problems[:5], imported.error)
        assert (imported.total_rows, imported.new_rows) == (ROWS, ROWS)
        assert Actor.objects.count() == before  # checked, nothing saved
        assert any(0 < value < 100 for value in seen), "no progress was readable while checking"
        checked_after = time.monotonic() - started

        running.confirm_import(user=administrator, imported=imported)
        seen = []
        imported = wait_for(imported, {"done", "invalid", "failed"}, seen)
        assert imported.status == Import.Status.DONE, (imported.problems[:5], imported.error)
        assert Actor.objects.count() == before + ROWS
        assert any(0 < value < 100 for value in seen), "no progress was readable while importing"
        imported_after = time.monotonic() - started

        again = running.start_import(
            user=administrator, alliance=None, kind="actors", upload=registry_file()
        )
        again = wait_for(again, {"checked", "invalid", "failed"}, [])
        assert (again.status, again.new_rows, again.unchanged_rows) == ("checked", 0, ROWS)
    # Reported, never asserted: timings depend on the machine.
    print(f"\n10,000 rows: checked in {checked_after:.0f} s, imported by {imported_after:.0f} s")
