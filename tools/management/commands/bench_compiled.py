"""The pages whose reads are compiled once (``alianzas.compiled``), built three ways in this
process, rotating visit by visit: compiled and prepared on the connection (as production
runs them on PostgreSQL), compiled but sent as plain statements, and built and compiled by
the ORM on every call.

    DATABASE_URL=postgres://…/alianzas_bench python manage.py bench_compiled

The people and pages of ``make bench`` (run it first: it seeds the database), the page
cache off, each visit through Django's test client; each page's median and fastest visit
each way. Rotating keeps a noisy machine's drift out of the comparison."""

import statistics
import time
from unittest import mock

from django.core.management.base import BaseCommand
from django.test import Client
from django.test.utils import override_settings

from alianzas.compiled import CompiledQuery, _with_known
from tools.bench import data
from tools.bench import pages as bench_pages

PAGES = ["Alliance page", "Dashboard (10 alliances)", "Monitoring view", "Mis compromisos"]
WAYS = ("prepared", "compiled", "uncompiled")


def _uncompiled(query, *args, using="default", known=None):
    """What a compiled query gives, built and compiled the ordinary way."""
    return _with_known(query.build(*args), known)


def _way(way: str):
    """The settings and the patch that make the compiled reads run ``way``."""
    call = _uncompiled if way == "uncompiled" else CompiledQuery.__call__
    return (
        override_settings(COMPILED_QUERIES_PREPARED=way == "prepared"),
        mock.patch.object(CompiledQuery, "__call__", call),
    )


class Command(BaseCommand):
    help = "Time the pages with compiled reads: prepared, compiled, and built every time."

    def add_arguments(self, parser):
        parser.add_argument("--visits", type=int, default=60)

    def handle(self, *args, **options):
        readers = data.readers()
        by_title = {page.title: page for page in bench_pages.pages(readers)}
        with override_settings(PAGE_CACHE=False):
            for title in PAGES:
                page = by_title[title]
                client = Client()
                client.force_login(readers.users[page.person])
                timed = self._visits(client, page.url, options["visits"])
                self.stdout.write(
                    f"{title}: "
                    + ", ".join(
                        f"{way} {statistics.median(timed[way]):.1f} ms "
                        f"(fastest {min(timed[way]):.1f})"
                        for way in WAYS
                    )
                )

    def _visits(self, client, url, visits) -> dict[str, list]:
        timed = {way: [] for way in WAYS}
        for number in range(visits + 2):
            # Each way first as often as last.
            shift = number % len(WAYS)
            for way in WAYS[shift:] + WAYS[:shift]:
                settings_override, patch = _way(way)
                with settings_override, patch:
                    start = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - start) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{url} answered {response.status_code}")
                if number >= 2:  # the first two of each: compiled and prepared
                    timed[way].append(elapsed)
        return timed
