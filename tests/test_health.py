"""/healthz (readiness): 200 while the database answers, "degraded" when only the broker does
not (pages work without it), 503 only when the database is down; the broker is asked once
with a short timeout; to any host, over plain HTTP, never from a cache."""

import logging
import os
import socket

import pytest
import redis
from django.db.utils import ConnectionHandler
from django.urls import reverse

from tests.support import require_service

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("redis")]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def broker(settings):
    """Tasks go through a real broker, as in production, instead of running in-process."""

    def use(url):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CELERY_BROKER_URL = url

    return use


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers: a hung broker."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


@pytest.fixture
def broker_calls(monkeypatch):
    """Records how the probe asks the broker: the timeouts it sets and its retries."""
    from config.celery import app

    calls = {"connect": [], "ensure": []}
    original = app.connection_for_write

    def connection_for_write(*args, **kwargs):
        calls["connect"].append(kwargs)
        connection = original(*args, **kwargs)
        ensure = connection.ensure_connection

        def ensure_connection(*a, **k):
            calls["ensure"].append(k)
            return ensure(*a, **k)

        connection.ensure_connection = ensure_connection
        return connection

    monkeypatch.setattr(app, "connection_for_write", connection_for_write)
    return calls


def assert_asked_once_with_the_timeout(calls):
    from config.probes import BROKER_TIMEOUT

    (connect,) = calls["connect"]
    assert connect["connect_timeout"] == BROKER_TIMEOUT
    assert connect["transport_options"]["socket_timeout"] == BROKER_TIMEOUT
    assert connect["transport_options"]["socket_connect_timeout"] == BROKER_TIMEOUT
    (ensure,) = calls["ensure"]
    assert ensure == {"max_retries": 0, "timeout": BROKER_TIMEOUT}


def test_with_the_embedded_default_the_broker_is_in_process(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process"}


def test_with_database_and_redis_up_it_answers_200(client, broker):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        available = True
    except redis.RedisError:
        available = False
    require_service(available, f"Redis at {REDIS_URL}")
    broker(REDIS_URL)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_a_closed_broker_port_is_degraded_not_down(client, broker, broker_calls):
    # The pages work without the broker: a load balancer must keep the replica.
    broker("redis://127.0.0.1:1/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "unavailable"}
    assert_asked_once_with_the_timeout(broker_calls)


def test_a_broker_that_never_answers_ends_on_the_probes_timeout(
    client, broker, broker_calls, silent_server, caplog
):
    broker(silent_server)
    with caplog.at_level(logging.WARNING, logger="config.probes"):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["broker"] == "unavailable"
    assert_asked_once_with_the_timeout(broker_calls)
    # The server accepts the connection and never answers: only the timeout ends the wait.
    (record,) = [r for r in caplog.records if "broker is unavailable" in r.getMessage()]
    error = record.exc_info[1]
    chain = [error, error.__cause__, error.__context__]
    assert any("timeout" in type(e).__name__.lower() or "timed out" in str(e) for e in chain if e)


def test_an_unreachable_database_answers_503(client, monkeypatch):
    # A real connection attempt to a port where no PostgreSQL listens.
    down = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "alianzas",
                "USER": "postgres",
                "HOST": "127.0.0.1",
                "PORT": "1",
            }
        }
    )["default"]
    monkeypatch.setattr("config.probes.connection", down)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unavailable",
        "broker": "in-process",
    }


def test_it_is_never_cached(client):
    response = client.get(reverse("healthz"))
    assert "no-store" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_only_get_and_head_are_answered(client):
    assert client.head(reverse("healthz")).status_code == 200
    assert client.post(reverse("healthz")).status_code == 405


def test_in_production_it_answers_any_host_over_plain_http(client, settings):
    # A load balancer asks by the replica's address, over HTTP; pages still refuse both.
    settings.ALLOWED_HOSTS = ["alianzas.example.pe"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("healthz"), HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200
    assert client.get(reverse("login"), HTTP_HOST="10.0.3.7:8000").status_code == 400
    page = client.get(reverse("login"), HTTP_HOST="alianzas.example.pe")
    assert page.status_code == 301
    assert page.url.startswith("https://")


def test_it_reveals_nothing_but_the_status_and_the_two_answers(client, broker):
    broker("redis://user:s3cr3t@127.0.0.1:1/0")
    response = client.get(reverse("healthz"))
    assert set(response.json()) == {"status", "database", "broker"}
    assert b"s3cr3t" not in response.content
    assert b"127.0.0.1" not in response.content


def test_livez_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("livez"))
    assert response.status_code == 200
    assert response.content == b"ok"
