"""Helpers shared by the tests."""

import os
from contextlib import contextmanager

import pytest
import redis

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(available: bool, what: str) -> None:
    """Skip on a developer's machine that lacks ``what``; under CI=true, fail instead."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not available.", pytrace=False)
    pytest.skip(f"{what} is not available here (`make test` and .ci/run provide it).")


@contextmanager
def worker_on_redis(redis_url: str, *, flush: bool = False, **worker_options):
    """A Celery worker, in threads of this process, consuming from the Redis at
    ``redis_url``; the app's broker settings and connection pools are put back afterwards.
    Missing Redis skips here and fails under CI."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
        client.ping()
        if flush:
            client.flushdb()
        available = True
    except redis.RedisError:
        available = False
    require_service(available, f"Redis at {redis_url}")
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=redis_url, task_always_eager=False)
    forget_broker_connections(app)
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=10, **worker_options):
            yield
    finally:
        app.conf.update(saved)
        forget_broker_connections(app)


def forget_broker_connections(app) -> None:
    """A task run in-process earlier in the session (eager, the embedded default) leaves
    the app's connection pools on the in-memory broker, and a changed ``broker_url`` does
    not replace them: drop them, so producers connect to the broker configured now."""
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
