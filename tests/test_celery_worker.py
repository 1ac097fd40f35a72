"""The real path: the Celery app, configured from the settings, runs tasks on a worker over
Redis against PostgreSQL (unit tests run tasks in-process)."""

import os
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult

from alianzas.models import Alliance
from config.celery import app
from tests.factories import AllianceFactory
from tests.support import require_service

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@app.task(name="tests.rename_alliance")
def rename_alliance(alliance_id: int, name: str) -> None:
    Alliance.objects.filter(pk=alliance_id).update(name=name)


@pytest.fixture
def redis_worker():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        available = True
    except redis.RedisError:
        available = False
    require_service(available, f"Redis at {REDIS_URL}")
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(saved)


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
