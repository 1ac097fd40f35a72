"""Work a worker would otherwise do on its first requests, done once in gunicorn's master
before it forks them (``config/gunicorn.py``, ``preload_app``): the URL patterns, the
translation catalogues and every project template, compiled. A worker recycled after
``max_requests`` then answers its first request as fast as its last, instead of stalling
the requests queued behind it.

Nothing here opens a database or cache connection: forked processes must not share one.
"""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import translation

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
    names = template_names()
    for name in names:
        get_template(name)  # a template that does not compile stops the start: a bug
    connections.close_all()
    return len(names)
