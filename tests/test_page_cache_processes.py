"""The page cache across processes (alianzas.generations, alianzas.checks).

Under ``make run`` the web server and the Celery worker are two processes. A write renews a
generation in the cache its process reaches, so the two must share the cache: with one in
each process's memory, the worker's reminder sweep renewed the worker's copy of the
notices' generation, and the web server's header went on showing no unread notices while
/avisos/ listed six. The system check ``alianzas.E001`` refuses that configuration.
"""

import datetime
import json
import os
import runpy
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from alianzas import checks, generations
from seguimiento import nav
from seguimiento.models import Reminder
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    MembershipFactory,
    UserFactory,
)
from tests.processes import bare_environment, run_python

ROOT = Path(__file__).resolve().parent.parent

# What the Makefile's `run` target sets for every process it starts (RUN_BROKER).
MAKE_RUN = {"CELERY_BROKER_URL": "filesystem://"}


def url_of_the_test_database() -> str:
    database = connection.settings_dict
    return (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


@pytest.fixture
def make_run(settings, tmp_path, monkeypatch):
    """This process as `make run`'s web server, and the environment of its other processes:
    the cache settings config/settings.py gives `make run` (with var/ in ``tmp_path``)."""
    environment = {**MAKE_RUN, "ALIANZAS_VAR_DIR": str(tmp_path)}
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for name in ("CACHE_URL", "REDIS_URL", "PAGE_CACHE", "DJANGO_ENV"):
        monkeypatch.delenv(name, raising=False)
    computed = runpy.run_path(str(ROOT / "config" / "settings.py"))
    settings.CACHES = computed["CACHES"]
    settings.PAGE_CACHE = computed["PAGE_CACHE"]
    assert settings.PAGE_CACHE  # the bug is only there with the page cache on
    return {
        **os.environ,
        **environment,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": url_of_the_test_database(),
        "CONN_MAX_AGE": "0",
    }


# The sweep as the worker runs it: the task beat queues, found as the worker finds it and
# run in a process of its own (a worker runs no system checks, so neither does this).
SWEEP_ON_THE_WORKER = """
import django
django.setup()
from config.celery import app
app.loader.import_default_modules()
print(app.tasks["seguimiento.sweep_reminders"].apply().get())
"""


def unread_in_the_header(user) -> int:
    """The unread count the navigation shows ``user`` (seguimiento.nav, cached)."""
    request = RequestFactory().get("/")
    request.user = user
    return nav.navigation(request)["unread_reminders"]()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_notices_recorded_by_the_sweep_on_the_worker_show_in_the_web_servers_header(make_run):
    today = timezone.localdate()
    person = UserFactory(username="representante")
    actor = ActorFactory(representatives=[person])
    alliance = AllianceFactory()
    MembershipFactory(alliance=alliance, actor=actor)
    CommitmentFactory(alliance=alliance, actor=actor, due_date=today - datetime.timedelta(days=10))
    CommitmentFactory(alliance=alliance, actor=actor, due_date=today + datetime.timedelta(days=3))
    assert unread_in_the_header(person) == 0  # now cached by the web server

    worker = run_python(["-c", SWEEP_ON_THE_WORKER], make_run)

    assert worker.returncode == 0, worker.stderr[-3000:]
    unread = Reminder.objects.filter(recipient=person, read_at__isnull=True).count()
    assert unread >= 2
    assert unread_in_the_header(person) == unread


# --- alianzas.E001: a page cache every writer shares -------------------------------------

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
FILES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": "/tmp/alianzas-check-cache",
    }
}
REDIS = {"default": {"BACKEND": "config.cache.TolerantRedisCache", "LOCATION": "redis://127.0.0.1"}}
DUMMY = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def errors_of(settings, *, caches, page_cache=True, production=False, broker=False) -> set:
    settings.CACHES = caches
    settings.PAGE_CACHE = page_cache
    settings.DJANGO_ENV = "production" if production else "development"
    settings.CELERY_TASK_ALWAYS_EAGER = not broker
    return {error.id for error in checks.page_cache_is_shared()}


def test_the_check_refuses_a_per_process_cache_in_production(settings):
    assert errors_of(settings, caches=LOCMEM, production=True) == {"alianzas.E001"}


def test_the_check_refuses_a_per_process_cache_beside_a_worker(settings):
    """`make run` as it was: runserver and a Celery worker, each with its own memory."""
    assert errors_of(settings, caches=LOCMEM, broker=True) == {"alianzas.E001"}


@pytest.mark.parametrize(
    "configuration",
    [
        {"caches": LOCMEM},  # one process: tasks run in it
        {"caches": LOCMEM, "production": True, "broker": True, "page_cache": False},
        {"caches": FILES, "broker": True},  # `make run` now
        {"caches": REDIS, "production": True, "broker": True},
        {"caches": DUMMY, "production": True, "broker": True},  # nothing kept, nothing stale
    ],
    ids=["one-process", "page-cache-off", "files", "redis", "dummy"],
)
def test_the_check_accepts_a_shared_cache_or_a_single_writer(settings, configuration):
    assert errors_of(settings, **configuration) == set()


def run_manage(args, environment, tmp_path) -> subprocess.CompletedProcess:
    env = {**bare_environment(tmp_path), "ALIANZAS_VAR_DIR": str(tmp_path), **environment}
    return run_python(["manage.py", *args], env)


def test_make_runs_processes_share_a_cache_in_files_and_pass_the_check(tmp_path):
    shown = run_manage(
        ["shell", "-c", "from django.conf import settings as s; import json;"
         "print(json.dumps([s.CACHES['default'], s.PAGE_CACHE]))"],
        MAKE_RUN,
        tmp_path,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    cache, page_cache = json.loads(shown.stdout.splitlines()[-1])
    assert cache["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert cache["LOCATION"] == str(tmp_path / "cache")
    assert page_cache is True

    check = run_manage(["check"], MAKE_RUN, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_production_refuses_the_page_cache_without_a_shared_cache(tmp_path):
    production = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "p7Zq-3vYx_Lm9Tr2Wd8Kc5Hs1Nb6Gf4Jq0Aa_Ue7Ro3Vi9Xy2Pl5Mk8Nt1Bz4Cw6",
        "ALLOWED_HOSTS": "alianzas.example.pe",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/alianzas",
        "PAGE_CACHE": "true",
    }
    check = run_manage(["check"], production, tmp_path)
    assert check.returncode != 0
    assert "alianzas.E001" in check.stderr


# --- alianzas.E002: followed models report writes that send no signals ------------------


def test_every_followed_model_reports_update_and_bulk_create():
    assert checks.followed_models_report_every_write() == []


def test_a_followed_model_without_the_manager_is_refused(monkeypatch):
    monkeypatch.setitem(generations.ALLIANCE_OF, "seguimiento.OutgoingMessage", "pk")
    errors = checks.followed_models_report_every_write()
    assert [(error.id, error.obj._meta.label) for error in errors] == [
        ("alianzas.E002", "seguimiento.OutgoingMessage")
    ]
