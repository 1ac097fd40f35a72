"""The pages whose reads are compiled once (``alianzas.compiled``), built with the compiled
statements and without them, in this process, alternating visit by visit.

    DATABASE_URL=postgres://…/alianzas_bench python manage.py bench_compiled

The people and pages of ``make bench`` (run it first: it seeds the database), the page
cache off, each visit through Django's test client; each page's median and fastest visit
either way. Alternating keeps a noisy machine's drift out of the comparison."""

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


def _uncompiled(query, *args, using="default", known=None):
    """What a compiled query gives, built and compiled the ordinary way."""
    return _with_known(query.build(*args), known)


class Command(BaseCommand):
    help = "Time the pages with compiled reads, with and without them, in this process."

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
                compiled, uncompiled = self._visits(client, page.url, options["visits"])
                self.stdout.write(
                    f"{title}: compiled {statistics.median(compiled):.1f} ms "
                    f"(fastest {min(compiled):.1f}), uncompiled "
                    f"{statistics.median(uncompiled):.1f} ms (fastest {min(uncompiled):.1f})"
                )

    def _visits(self, client, url, visits) -> tuple[list, list]:
        timed = {True: [], False: []}
        for number in range(visits + 2):
            for compiled in (True, False) if number % 2 else (False, True):
                with mock.patch.object(
                    CompiledQuery, "__call__", CompiledQuery.__call__ if compiled else _uncompiled
                ):
                    start = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - start) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{url} answered {response.status_code}")
                if number >= 2:  # the first two of each: the statements are compiled
                    timed[compiled].append(elapsed)
        return timed[True], timed[False]
