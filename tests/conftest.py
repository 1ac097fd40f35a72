"""The shared cast and the rule that a missing service fails under CI instead of skipping."""

from importlib import import_module

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from alianzas import form_fields
from tests.factories import (
    ActorFactory,
    AdministratorFactory,
    AllianceFactory,
    MembershipFactory,
    UserFactory,
)
from tests.support import require_service


@pytest.fixture(autouse=True)
def _required_services(request):
    if request.node.get_closest_marker("postgres"):
        request.getfixturevalue("django_db_setup")
        require_service(connection.vendor == "postgresql", "PostgreSQL")


pytest_plugins = ["tests.browser"]


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in the thread; every test starts in the
    default language, as every process does."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        # Without these, Chromium tries to reach Google's services from a closed network.
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "es-PE", "timezone_id": "America/Lima"}


@pytest.fixture(scope="session", autouse=True)
def _no_leftover_connections(django_db_setup, django_db_blocker):
    """Threads (a Celery worker's, the browser tests' event loop) can leave a connection to
    the test database open; end them before it is dropped, or dropping it fails."""
    yield
    with django_db_blocker.unblock():
        # Only when a test database was made: a run of tests that need none (one file of
        # them, say) has none to clean, and the configured database may not even exist.
        if connection.vendor == "postgresql" and connection.settings_dict["NAME"].startswith(
            "test_"
        ):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            connection.close()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Tests that commit (transaction=True) flush every table afterwards, the regions and
    SDGs of the data migration included; load them again for each such test."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        _load_reference_data()


# The reference rows as the data migrations' loaders left them, kept by the first test of
# each process that needs them: later tests insert these same rows again (three statements)
# instead of running the loaders (about 600 queries and three GeoJSON files, 0.7 s a test).
_reference_rows: list | None = None


def _load_reference_data():
    global _reference_rows
    from django.apps import apps
    from django.db import transaction

    from alianzas.models import Place, Region, SustainableDevelopmentGoal

    if _reference_rows is None:
        import_module("alianzas.migrations.0002_regions_and_goals").load(apps, None)
        # And the UBIGEO places (alianzas 0007), which the territory and the map read.
        import_module("alianzas.migrations.0007_places").load_places(apps, None)
        _reference_rows = [
            (model, list(model.objects.order_by("pk")))
            for model in (Region, SustainableDevelopmentGoal, Place)
        ]
    elif not Region.objects.exists():
        with transaction.atomic():  # a place's parent may come after it: checked at commit
            for model, rows in _reference_rows:
                model.objects.bulk_create(rows)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    # The production hasher costs ~0.2 s a password on purpose; tests make hundreds.
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()


@pytest.fixture(autouse=True, scope="session")
def _check_compiled_queries():
    # Every call of a compiled query (alianzas.compiled) is also built and compiled the
    # ordinary way, and must give the same statement: the suite checks each on every call.
    from django.conf import settings

    settings.COMPILED_QUERIES_CHECK = True
    # And run prepared on PostgreSQL, as production runs them with persistent connections
    # (the suite's CONN_MAX_AGE=0 would otherwise leave them unprepared).
    settings.COMPILED_QUERIES_PREPARED = True


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with nothing cached (the cache outlives a test's rolled-back rows),
    nor kept by this process from the cache (the filters' reference options)."""
    cache.clear()
    form_fields._read_here.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def administrator(db):
    return AdministratorFactory(username="administradora")


@pytest.fixture
def coordinator(db):
    return UserFactory(username="coordinadora")


@pytest.fixture
def member_representative(db):
    return UserFactory(username="representante-miembro")


@pytest.fixture
def outsider_representative(db):
    return UserFactory(username="representante-externo")


@pytest.fixture
def alliance(coordinator, member_representative, outsider_representative):
    """An alliance coordinated by ``coordinator`` with one member actor represented by
    ``member_representative``; ``outsider_representative``'s actor is not a member."""
    alliance = AllianceFactory(name="Agua segura para Ayacucho", coordinators=[coordinator])
    member = ActorFactory(
        name="Gobierno Regional de Ayacucho", representatives=[member_representative]
    )
    MembershipFactory(alliance=alliance, actor=member)
    ActorFactory(
        name="ONG Externa", sector="civil_society", representatives=[outsider_representative]
    )
    return alliance
