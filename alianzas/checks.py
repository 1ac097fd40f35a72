"""System checks of the page cache (alianzas.generations), run by ``manage.py check``,
``migrate``, ``runserver`` and every management command.

- ``alianzas.E001``: the page cache is on, its cache is kept in each process's memory and
  more than one process writes. A write then replaces the generations in its own process
  only, and the others keep serving what was true before: under ``make run`` the reminder
  sweep on the worker cleared the worker's copy of the notices' generation, and the web
  server's header went on saying there was nothing unread.
- ``alianzas.E002``: a model the page cache follows has a default manager that does not
  report ``update()`` and ``bulk_create()`` (alianzas.generation_queries).
"""

from django.conf import settings
from django.core import checks
from django.core.cache.backends.locmem import LocMemCache
from django.utils.module_loading import import_string

from alianzas import generation_queries, generations


def several_processes_write() -> str | None:
    """Why more than one process writes, or None when one process does everything."""
    if getattr(settings, "DJANGO_ENV", "development") == "production":
        return "in production (DJANGO_ENV=production) web workers and Celery workers write"
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        return "tasks run on a Celery worker (CELERY_BROKER_URL is set)"
    return None


def page_cache_is_shared(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not settings.PAGE_CACHE:
        return []
    backend = import_string(settings.CACHES["default"]["BACKEND"])
    # DummyCache keeps nothing, so no process can serve what another changed: it is fine.
    if not issubclass(backend, LocMemCache):
        return []
    reason = several_processes_write()
    if reason is None:
        return []
    return [
        checks.Error(
            "PAGE_CACHE is on with a cache kept in each process's memory "
            f"({settings.CACHES['default']['BACKEND']}), but {reason}: a change made in "
            "one process leaves the pages cached in the others stale.",
            hint=(
                "Set CACHE_URL to a Redis every process shares, or PAGE_CACHE=false. In "
                "development, a broker without CACHE_URL gets a cache in files under "
                "var/cache/ that every process of the machine shares."
            ),
            id="alianzas.E001",
        )
    ]


def followed_models_report_every_write(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from django.apps import apps

    errors = []
    for label in sorted({*generations.ALLIANCE_OF, *generations.PERSON_OF}):
        model = apps.get_model(label)
        queryset_class = type(model._default_manager.get_queryset())
        if not issubclass(queryset_class, generation_queries.FollowedQuerySet):
            errors.append(
                checks.Error(
                    f"{label} is followed by the page cache, but its default manager does not "
                    "report update() and bulk_create(): pages would stay stale after them.",
                    hint="Declare objects = alianzas.generation_queries.FollowedManager().",
                    obj=model,
                    id="alianzas.E002",
                )
            )
    return errors


def register() -> None:
    checks.register(page_cache_is_shared, checks.Tags.caches)
    checks.register(followed_models_report_every_write, checks.Tags.models)
