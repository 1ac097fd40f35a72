"""The national-scale benchmark behind ``make bench`` (the pieces are in ``tools/bench/``).

    createdb -h 127.0.0.1 -U postgres alianzas_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/alianzas_bench
    python manage.py benchmark            # or --quick: the whole instrument in minutes

1. Fills the database with ``seed_demo`` up to the scale asked for (idempotent: a second
   run reuses the rows), adds the people and the small alliances the writes go to, keeps
   the national figures as the worker's beat tasks would, and runs VACUUM (ANALYZE).
2. Counts the SQL queries of each page, in this process, with Django's test client.
3. Serves the app with gunicorn (production settings, ``tools.bench_settings``, two
   workers) and drives each page with wrk as a signed-in person, in rounds, with the page
   cache on, then once more with it off (each visit built from scratch): median, p95 and p99
   latency and requests per second. The bare view ``/livez``, Django admin's alliance change
   list and a plain DRF ``ModelViewSet`` of the API's two lists are measured in the same run.
   The bare view is also measured beside the writes and each mixed run, on their servers:
   each part's ratios are taken to the bare view measured beside it (``report.floors``).
4. Times the five writes (POST and its redirect) on a server with the page cache off.
5. Lets simulated people read and write at once in ``load_test``'s proportions, with the
   page cache on: each page's median and p95 and the page cache's hit rate.
6. Times the reminder sweep at growing numbers of commitments (``bench_reminders``).
7. Prints one report and writes it to ``docs/benchmarks.md`` (``--quick``: a temporary file).

It writes to the database, so it refuses one whose name lacks "bench".
"""

import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tools.bench import data, mixed, pages, report, sweeps, writes

QUICK = {
    "alliances": 200,
    "actors": 100,
    "commitments": 4_000,
    "measurements": 2_000,
    "rounds": 1,
    "seconds": 2,
    "warmup": 1,
    "settle": 0.2,
    "sweeps": "",
    "writes": 20,
    "write_clients": 2,
    "write_alliances": 8,
    "mixed_people": 8,
    "mixed_seconds": 5,
}


class Command(BaseCommand):
    help = "Measure Alianzas at national scale and write docs/benchmarks.md."

    def add_arguments(self, parser):
        data.add_scale_arguments(parser)
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--seconds", type=int, default=5, help="Load per page and round.")
        parser.add_argument(
            "--rounds",
            type=int,
            default=3,
            help="Rounds over every page; each figure is the median of the rounds' (default 3).",
        )
        parser.add_argument("--warmup", type=int, default=2, help="Warm-up per page (s).")
        parser.add_argument("--settle", type=float, default=1, help="Pause between pages (s).")
        parser.add_argument("--writes", type=int, default=200, help="Times each write is done.")
        parser.add_argument("--write-clients", type=int, default=3, help="Writing at once.")
        parser.add_argument(
            "--write-alliances", type=int, default=40, help="Small alliances the writes go to."
        )
        parser.add_argument("--mixed-people", type=int, default=16)
        parser.add_argument("--mixed-seconds", type=float, default=30)
        parser.add_argument(
            "--sweeps",
            default="10000,100000,1000000",
            help="Numbers of commitments to time the reminder sweep at ('' for none).",
        )
        parser.add_argument(
            "--quick",
            action="store_true",
            help="Tiny data, one short round, few writes, no sweeps, the report to a "
            "temporary file: the whole instrument checked in a few minutes.",
        )
        parser.add_argument("--output", help="Where to write the report.")

    def handle(self, *args, **options):
        name = str(connection.settings_dict["NAME"])
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql" or (
            "bench" not in name
        ):
            raise CommandError(
                "The benchmark writes to the database: point DATABASE_URL at a PostgreSQL "
                f"database whose name contains 'bench' (not {name!r}); `make bench` does."
            )
        if not shutil.which("wrk"):
            raise CommandError("wrk is missing: `apt-get install wrk` (`make bench` does).")
        if options["quick"]:
            options.update(QUICK)
        output = options["output"] or (
            str(Path(tempfile.gettempdir()) / "alianzas-benchmarks-quick.md")
            if options["quick"]
            else str(settings.BASE_DIR / "docs/benchmarks.md")
        )
        started = time.monotonic()
        out = self.stdout.write
        # Stopped with SIGTERM, the servers it started are stopped too (their ``with``).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit("Stopped."))

        data.ensure_database(connection.settings_dict)
        call_command("migrate", interactive=False, verbosity=0)
        data.seed(options)
        readers = data.readers()
        world = data.write_world(options["write_alliances"])
        plans = data.mixed_people(options["mixed_people"])
        data.keep_figures()
        data.analyze()
        out(f"Data ready in {time.monotonic() - started:.1f} s.")

        # Measured on copies, each dropped afterwards: no run's writes reach the next run's
        # data, and the two mixed runs (with the page cache and without) start from the same.
        with data.measured_copy():
            measured = pages.pages(readers)
            for page in measured:
                user = readers.users[page.person]
                page.queries, page.cached_queries = pages.count_queries(page, user)
            pages.load(measured, readers.users, options, page_cache=True, out=out)
            pages.load(measured, readers.users, options, page_cache=False, out=out)
            done, writes_floor = writes.measure(world, options, out)
        with data.measured_copy():
            together = mixed.run(plans, options, out)
        with data.measured_copy():
            uncached = mixed.run(plans, options, out, page_cache=False)
        results = report.Results(
            options=options,
            seconds=time.monotonic() - started,
            machine=machine(),
            data=describe(options, readers),
            pages=measured,
            writes=done,
            writes_floor=writes_floor,
            mixed=together,
            mixed_uncached=uncached,
            sweeps=[],
        )
        # Written once before the sweeps, which take longest: a sweep that fails or is
        # stopped leaves the pages, writes and mixed run reported.
        write_report(output, report.build(results))
        out(f"Pages, writes and the mixed run written to {output}; now the sweeps.")
        sizes = [int(size) for size in options["sweeps"].split(",") if size.strip()]
        results.sweeps = sweeps.sweeps(sizes, out)
        results.seconds = time.monotonic() - started
        results.machine = machine()
        text = report.build(results)
        out(text)
        write_report(output, text)
        out(f"Written to {output}.")


def write_report(output: str, text: str) -> None:
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(text)


def describe(options: dict, readers: data.Readers) -> str:
    count = data.count
    return (
        f"{count('alianzas_alliance'):,} alliances, {count('alianzas_actor'):,} actors, "
        f"{count('seguimiento_commitment'):,} commitments, "
        f"{count('seguimiento_measurement'):,} measurements (`seed_demo --alliances "
        f"{options['alliances']} --actors {options['actors']} --commitments "
        f"{options['commitments']} --measurements {options['measurements']}`, and "
        f"{options['write_alliances']} small alliances for the writes). The alliance page, the "
        f"monitoring view and the governance page show the alliance with the most commitments "
        f"({readers.alliance.commitments.count():,}); Mis compromisos and the actor page show "
        f"the actor with the most ({readers.actor.commitments.count():,})."
    )


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        memory_kb = 0
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    return [
        f"Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"CPU: {cpu}, {os.cpu_count()} cores; memory {memory_kb / 1024 / 1024:.0f} GiB",
        f"{platform.platform()}",
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {postgres.split()[0]}, {wrk_version.split(' [')[0].strip() or 'wrk'}",
        "The load generator, gunicorn and PostgreSQL share the machine; its load average "
        "(1, 5, 15 minutes) when the report was written: "
        + ", ".join(f"{load:.1f}" for load in os.getloadavg())
        + " (anything well above 2 on 2 cores means other work shared it).",
    ]
