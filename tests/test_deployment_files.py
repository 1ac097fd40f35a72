"""The docker compose stack stays consistent with what the settings read."""

import json
import os
import re
from pathlib import Path

import yaml

from tests.processes import run_python

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (ROOT / "config" / "settings.py").read_text()
READ_BY_SETTINGS = set(re.findall(r'env(?:_bool|_list)?\("([A-Z_]+)"', SETTINGS_SOURCE))
# gunicorn's own configuration reads what gunicorn needs before Django starts.
GUNICORN_SOURCE = (ROOT / "config" / "gunicorn.py").read_text()
READ_BY_GUNICORN = set(re.findall(r'(?:environ\.get|_int)\("([A-Z_]+)"', GUNICORN_SOURCE))
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP_SERVICES = ["migrate", "web", "worker", "beat"]
NGINX_CONF = (ROOT / "deploy" / "nginx.conf").read_text()


def test_every_variable_the_stack_sets_is_read_by_the_settings():
    for name in APP_SERVICES:
        read = READ_BY_SETTINGS | (READ_BY_GUNICORN if name == "web" else set())
        unknown = set(COMPOSE["services"][name]["environment"]) - read
        assert not unknown, f"{name} sets variables the settings never read: {unknown}"


def test_the_variables_found_are_the_ones_the_code_reads():
    # The patterns above find what they should, so the test before cannot pass by finding
    # nothing.
    assert {"SECRET_KEY", "DATABASE_URL", "CACHE_URL", "EMAIL_HOST", "LOG_FORMAT"} <= (
        READ_BY_SETTINGS
    )
    assert {"WEB_CONCURRENCY", "GUNICORN_BIND", "FORWARDED_ALLOW_IPS"} <= READ_BY_GUNICORN


def test_the_stack_runs_in_production_mode_on_postgresql_and_redis():
    for name in APP_SERVICES:
        environment = COMPOSE["services"][name]["environment"]
        assert environment["DJANGO_ENV"] == "production"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://")


def test_web_worker_and_beat_run_the_right_commands():
    services = COMPOSE["services"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]' in dockerfile
    assert 'pip install -e ".[s3]"' in dockerfile
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_web_publishes_no_host_port_so_it_scales():
    # `docker compose up --scale web=3` would fail on a second replica binding the same port.
    web = COMPOSE["services"]["web"]
    assert "ports" not in web
    assert web["expose"] == ["8000"]
    for name in ("worker", "beat", "migrate"):
        assert "ports" not in COMPOSE["services"][name]


def test_the_proxy_publishes_the_port_and_spreads_requests_over_the_web_replicas():
    proxy = COMPOSE["services"]["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert proxy["ports"] == ["8000:8000"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert "listen 8000;" in NGINX_CONF
    # Resolved again at run time, so replicas added by --scale are used.
    assert "resolver 127.0.0.11" in NGINX_CONF
    assert re.search(r"set \$web http://web:8000;\s+proxy_pass \$web;", NGINX_CONF)
    assert "X-Forwarded-Proto" in NGINX_CONF
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in NGINX_CONF


def test_web_is_checked_through_healthz():
    test = " ".join(COMPOSE["services"]["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/healthz" in test


def test_a_mail_catcher_receives_the_reminders():
    mailpit = COMPOSE["services"]["mailpit"]
    assert mailpit["image"].startswith("axllent/mailpit")
    assert "8025:8025" in mailpit["ports"]
    for name in APP_SERVICES:
        environment = COMPOSE["services"][name]["environment"]
        assert environment["EMAIL_HOST"] == "${EMAIL_HOST:-mailpit}"
        assert environment["EMAIL_PORT"] == "${EMAIL_PORT:-1025}"


def test_cache_and_broker_use_separate_redis_databases():
    # Clearing the cache (FLUSHDB) must never empty the task queue.
    for name in APP_SERVICES:
        environment = COMPOSE["services"][name]["environment"]
        assert environment["CACHE_URL"].startswith("redis://redis:6379/")
        assert environment["CACHE_URL"] != environment["CELERY_BROKER_URL"]


def test_beat_runs_as_exactly_one_replica():
    assert COMPOSE["services"]["beat"]["deploy"]["replicas"] == 1


def test_the_master_compiles_every_project_template_before_forking():
    """Without the database: pytest-django refuses any access here, as a forked worker must
    not inherit a connection opened in the master."""
    from django.template import engines

    from config.warmup import template_names, warm_up

    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    compiled = warm_up()
    assert compiled == len(template_names()) > 50
    assert "fases/alliance_detail.html" in template_names()
    # Kept by the cached loader, in each language: a forked worker finds them compiled.
    assert {
        f"{code}:{name}"
        for code in ("es-pe", "en")
        for name in ("fases/alliance_detail.html", "base.html")
    } <= set(loader.get_template_cache)


def test_the_master_hides_what_it_holds_from_the_workers_garbage_collector():
    """gunicorn's ``when_ready``: after the warm-up, every object the master holds is frozen
    (``gc.freeze``), so a forked worker's full collections do not walk them."""
    import gc
    import importlib
    import logging

    gunicorn_config = importlib.import_module("config.gunicorn")

    class Server:
        log = logging.getLogger("tests.gunicorn")

    gc.unfreeze()
    try:
        gunicorn_config.when_ready(Server())
        assert gc.get_freeze_count() > 50_000
    finally:
        gc.unfreeze()


# Run in a process of its own (a test's process has imported everything long before): the
# master's warm-up, then what a worker forked from it does first. The database named does
# not exist, so the warm-up and these requests must not touch one.
FIRST_REQUESTS = """
import json, sys
import django
django.setup()
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.test import Client
from config.warmup import warm_up
get_wsgi_application()
warm_up()
loaded = set(sys.modules)
client = Client()
statuses = [client.get(url).status_code for url in ("/livez", "/cuenta/login/")]
caches["default"].get("warm-up-check")
print(json.dumps({"statuses": statuses, "imported": sorted(set(sys.modules) - loaded)}))
"""


def test_a_worker_forked_after_the_warm_up_imports_nothing_on_its_first_requests():
    """A recycled worker imported the Redis client (61 modules, a third of a second) and the
    messages' and sessions' modules in the middle of the requests ``make bench`` measured:
    the master now loads them before forking, without connecting to anything."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "development",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/no_such_database",
        "CACHE_URL": "redis://127.0.0.1:6379/14",
        "LOG_LEVEL": "ERROR",
    }
    finished = run_python(["-c", FIRST_REQUESTS], environment)
    assert finished.returncode == 0, finished.stderr[-3000:]
    outcome = json.loads(finished.stdout.strip().splitlines()[-1])
    assert outcome == {"statuses": [200, 200], "imported": []}
