"""The real path: the Celery app, configured from the settings, runs tasks on a worker over
Redis against PostgreSQL (unit tests run tasks in-process)."""

import os
import time

import pytest
from celery.result import EagerResult

from alianzas.models import Alliance
from config.celery import app
from tests.factories import AllianceFactory
from tests.support import worker_on_redis

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # One Redis for every worker test: under pytest-xdist they run one after another.
    pytest.mark.xdist_group("redis"),
]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@app.task(name="tests.rename_alliance")
def rename_alliance(alliance_id: int, name: str) -> None:
    Alliance.objects.filter(pk=alliance_id).update(name=name)


@pytest.fixture
def redis_worker():
    with worker_on_redis(REDIS_URL):
        yield


def test_a_worker_runs_a_task_queued_through_redis(redis_worker):
    alliance = AllianceFactory(name="Antes")
    queued = rename_alliance.delay(alliance.pk, "Después")
    assert not isinstance(queued, EagerResult)  # it went through the broker
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        alliance.refresh_from_db()
        if alliance.name == "Después":
            break
        time.sleep(0.1)
    assert alliance.name == "Después"
