"""How each page's cost grows with the data (issue [6/6], item 5; ``docs/scaling.md``).

    make bench-scale        # DATABASE_URL at 1×, the same name + "_x10" at ten times it

Prepares the two databases as ``make bench`` prepares its own (``seed_demo`` at the scale,
the people each page is seen as, the writes' alliances, the figures the worker keeps,
``VACUUM ANALYZE``; idempotent, so a second run reuses them), then measures every page of
``make bench`` on each, in a process of its own with production settings and the page
cache off (``tools.bench_settings``; the bench's Redis database emptied first), through
Django's test client: the median wall and CPU time of ``--visits`` visits after three, the
queries of one visit, and the peak of Python memory one visit allocates (``tracemalloc``).
The databases are measured 1×, 10×, 10×, 1×, one after the other, so that a drift of the
machine shows as the two runs' ratios differing. Prints a table of each page at both
scales and its two ratios, and whether both are within ``WITHIN`` (1.5×).

It writes to both databases, so it refuses names without "bench".
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client

from tools.bench import data, http
from tools.bench import pages as bench_pages

WITHIN = 1.5  # the issue's bound: each page's median at 10× within 1.5× of 1×'s
WARM_VISITS = 3


class Command(BaseCommand):
    help = "Measure every page in process at today's scale and at ten times it."

    def add_arguments(self, parser):
        data.add_scale_arguments(parser, note="At 1× (make bench's scale).")
        parser.add_argument("--factor", type=int, default=10, help="The larger scale (10).")
        parser.add_argument("--visits", type=int, default=30, help="Timed visits a page.")
        parser.add_argument("--write-alliances", type=int, default=40)
        # Run by the command itself in a process of its own: prepare this database at the
        # sizes given.
        parser.add_argument("--prepare", action="store_true", help="Internal.")

    def handle(self, *args, **options):
        if options["prepare"]:
            return self.prepare(options)
        return self.compare(options)

    def prepare(self, options):
        refuse_unless_bench(str(connection.settings_dict["NAME"]))
        data.ensure_database(connection.settings_dict)
        call_command("migrate", interactive=False, verbosity=0)
        data.seed(options)
        data.readers()
        data.write_world(options["write_alliances"])
        data.keep_figures()
        data.analyze()
        count = data.count
        self.stdout.write(
            f"{count('alianzas_alliance'):,} alliances, {count('alianzas_actor'):,} actors, "
            f"{count('seguimiento_commitment'):,} commitments, "
            f"{count('seguimiento_measurement'):,} measurements"
        )

    def compare(self, options):
        small = os.environ.get("DATABASE_URL", "")
        refuse_unless_bench(urlsplit(small).path)
        factor = options["factor"]
        large = larger(small, factor)
        sizes = ("alliances", "actors", "commitments", "measurements")
        out = self.stdout.write
        for url, scale in ((small, 1), (large, factor)):
            started = time.monotonic()
            found = self.step(
                url, "--prepare", *(f"--{size}={options[size] * scale}" for size in sizes)
            )
            out(f"{scale}× prepared in {time.monotonic() - started:.0f} s: {found}")
        runs = []
        for url, scale in ((small, 1), (large, factor), (large, factor), (small, 1)):
            out(f"Measuring {scale}×…")
            runs.append(self.measured(url, options["visits"]))
        out(table(runs[0], runs[1], runs[2], runs[3], factor))

    def step(self, url: str, *arguments: str) -> str:
        """``manage.py bench_scale --prepare`` on the database at ``url``, in a process of
        its own: its last line of output."""
        finished = subprocess.run(
            [sys.executable, "manage.py", "bench_scale", *arguments],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
        )
        if finished.returncode:
            raise CommandError(f"bench_scale {' '.join(arguments)} failed:\n{finished.stderr}")
        return (finished.stdout.strip().splitlines() or [""])[-1]

    def measured(self, url: str, visits: int) -> list[dict]:
        """:func:`measure` on the database at ``url``, in a process of its own with the
        bench's production settings (``tools`` is not an installed app there, so not
        through ``manage.py``), page cache off, the bench's Redis database emptied."""
        with tempfile.TemporaryDirectory() as folder:
            env = {**http.production_env(Path(folder), page_cache=False), "DATABASE_URL": url}
            env["ALLOWED_HOSTS"] = "testserver"
            http.empty_cache(env["CACHE_URL"])
            # The pages name their static files by the manifest collectstatic writes.
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=settings.BASE_DIR,
                env=env,
                check=True,
            )
            finished = subprocess.run(
                [sys.executable, "-c", MEASURE, str(visits)],
                cwd=settings.BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
            )
        if finished.returncode:
            raise CommandError(f"Measuring {url} failed:\n{finished.stderr}")
        return json.loads(finished.stdout.strip().splitlines()[-1])


MEASURE = (
    "import json, sys, django; django.setup(); "
    "from tools.management.commands.bench_scale import measure; "
    "print(json.dumps(measure(int(sys.argv[1]))))"
)


def refuse_unless_bench(name: str) -> None:
    if "bench" not in name:
        raise CommandError(
            f"bench_scale writes to its databases: DATABASE_URL must name one whose name "
            f"contains 'bench' (not {name!r}); `make bench-scale` does."
        )


def larger(url: str, factor: int) -> str:
    """The larger database's URL: the same server, the name with ``_x<factor>``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path}_x{factor}"))


def measure(visits: int) -> list[dict]:
    """Every page of ``make bench`` on this process's database, as its person sees it."""
    readers = data.readers()
    found = []
    for page in bench_pages.pages(readers):
        client = Client()
        client.force_login(readers.users[page.person])
        for _visit in range(WARM_VISITS):
            answer = client.get(page.url)
            if answer.status_code != 200:
                raise CommandError(f"{page.url} answered {answer.status_code}.")
        walls, cpus = [], []
        for _visit in range(visits):
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(page.url)
            cpus.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - wall)
        queries = count_queries(client, page.url)
        tracemalloc.start()
        client.get(page.url)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        found.append(
            {
                "title": page.title,
                "kind": page.kind,
                "wall_ms": 1000 * statistics.median(walls),
                "cpu_ms": 1000 * statistics.median(cpus),
                "queries": queries,
                "peak_kb": peak / 1024,
            }
        )
    return found


def count_queries(client: Client, url: str) -> int:
    counted = [0]

    def counting(execute, sql, params, many, context):
        counted[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        client.get(url)
    return counted[0]


def table(small: list, large: list, large_again: list, small_again: list, factor: int) -> str:
    lines = [
        f"| Page | 1×: wall / CPU ms (queries) | {factor}×: wall / CPU ms (queries) "
        f"| {factor}× ÷ 1×, two runs | Peak memory of a visit, 1× / {factor}× | Within {WITHIN}× |",
        "|---|---:|---:|---:|---:|---|",
    ]
    rows = zip(small, large, large_again, small_again, strict=True)
    for one, ten, ten_again, one_again in rows:
        ratios = (ten["wall_ms"] / one["wall_ms"], ten_again["wall_ms"] / one_again["wall_ms"])
        within = (
            "—"
            if one["kind"] in ("admin", "peer")
            else (
                "yes"
                if max(ratios) <= WITHIN
                else ("in one run of two" if min(ratios) <= WITHIN else "**no**")
            )
        )
        lines.append(
            f"| {one['title']} | {one['wall_ms']:.1f} / {one['cpu_ms']:.1f} ({one['queries']}) "
            f"| {ten['wall_ms']:.1f} / {ten['cpu_ms']:.1f} ({ten['queries']}) "
            f"| {ratios[0]:.2f}, {ratios[1]:.2f} "
            f"| {one['peak_kb']:.0f} / {ten['peak_kb']:.0f} KB | {within} |"
        )
    return "\n".join(lines)
