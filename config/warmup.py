"""Work a worker would otherwise do on its first requests, done once in gunicorn's master
before it forks them (``config/gunicorn.py``, ``preload_app``): the URL patterns, the
translation catalogues and each language's date and number formats, every project
template, compiled in each language, and the modules Django imports only when first asked
(the cache's client library, the context processors, the messages' and sessions' storage).
A worker
recycled after ``max_requests`` then answers its first request as fast as its last,
instead of stalling the requests queued behind it: ``make bench`` found a new worker
importing the Redis client (61 modules, about a third of a second) in the middle of a
measured page.

Nothing here opens a database or cache connection: forked processes must not share one.
"""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.db import connections
from django.template import engines
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import formats, translation

PROJECT_APPS = ("alianzas", "fases", "seguimiento")


def template_names() -> list[str]:
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [Path(apps.get_app_config(label).path) / "templates" for label in PROJECT_APPS]
    return sorted(
        str(path.relative_to(folder))
        for folder in folders
        if folder.is_dir()
        for path in folder.rglob("*")
        if path.suffix in (".html", ".txt")
    )


def warm_up() -> int:
    """Compile what the workers will need; the number of templates compiled."""
    resolver = get_resolver()
    for _prefix, namespace in [(None, resolver), *resolver.namespace_dict.values()]:
        namespace.reverse_dict  # noqa: B018 - builds the lookups that reverse() uses
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Alianzas")  # loads the catalogue
            formats.get_format("DATE_FORMAT")  # and the language's format modules
    names = template_names()
    # Compiled once per language: each keeps its constant translations written in
    # (config/templates.py).
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for name in names:
                get_template(name)  # a template that does not compile stops the start: a bug
    for engine in engines.all():
        engine.engine.template_context_processors  # noqa: B018 - imports them
    _load_lazy_modules()
    connections.close_all()
    return len(names)


def _load_lazy_modules() -> None:
    """Import what Django imports on first use, without connecting to anything: each
    cache's backend and client (a Redis client connects on its first command), the
    sessions' serializer, the messages' storage, the static files' storage (and its
    manifest, in production)."""
    for alias in settings.CACHES:
        getattr(caches[alias], "_cache", None)  # RedisCache builds its client here
    caches.close_all()
    SessionBase().serializer  # noqa: B018 - imports settings.SESSION_SERIALIZER
    default_storage(_NoRequest())
    staticfiles_storage.base_url  # noqa: B018 - builds the storage


class _NoRequest:
    """Enough of a request for the messages' storage to be built (and imported)."""

    COOKIES: dict = {}
    session: dict = {}
