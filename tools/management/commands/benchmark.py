"""The national-scale benchmark behind ``make bench``.

    createdb -h 127.0.0.1 -U postgres alianzas_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/alianzas_bench
    python manage.py migrate
    python manage.py benchmark

1. Fills the database with ``seed_demo`` up to the scale asked for (idempotent: a second
   run reuses the rows) and runs ANALYZE.
2. Counts the SQL queries of each page, in this process, with Django's test client.
3. Serves the app with gunicorn (production settings, two workers) on 127.0.0.1 and drives
   each page with wrk (a C load generator, bounded duration) as a signed-in person:
   median, p95 and p99 latency and requests per second. Django admin's alliance change list
   and ``/livez`` (a view that does no work: the floor of the stack) are measured in the
   same run on the same data.
4. Times the reminder sweep at growing numbers of commitments, each in a process of its
   own so that its peak memory is its own, each size in a database of its own
   (``<name>_sweep_<size>``).
5. Prints one table and writes it, with the machine it ran on, to ``docs/benchmarks.md``.

It writes to the database, so it refuses one whose name lacks "bench".
"""

import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alianzas.lifecycle import Phase
from alianzas.models import Actor, Alliance, User

PASSWORD = "benchmark-" + "clave-2026"
GUNICORN_WORKERS = 2
# The targets, relative to the bare view measured in the same run.
MEDIAN_FACTOR = 15
P99_FACTOR = 50
LIST_OVER_ADMIN = 4
SWEEP_SECONDS = 10
SWEEP_MEGABYTES = 300
# Pause between pages (see Command.load).
SETTLE_SECONDS = 1

WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bad_status": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass
class Page:
    title: str
    url: str
    person: str  # which signed-in person asks for it
    queries: int = 0  # a visit whose content is built (the first, or the first after a change)
    cached_queries: int = 0  # a later visit, the content read from the page cache
    load: dict = field(default_factory=dict)
    rebuilt: dict = field(default_factory=dict)  # the load with the page cache off

    @property
    def rps(self) -> float:
        return rate(self.load)

    def ms(self, percentile: str) -> float:
        return self.load[f"{percentile}_us"] / 1000


class Command(BaseCommand):
    help = "Measure Alianzas at national scale and write docs/benchmarks.md."

    def add_arguments(self, parser):
        parser.add_argument("--alliances", type=int, default=10_000)
        parser.add_argument("--actors", type=int, default=2_000)
        parser.add_argument("--commitments", type=int, default=200_000)
        parser.add_argument("--measurements", type=int, default=100_000)
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument(
            "--seconds", type=int, default=5, help="Load per page and round (default 5)."
        )
        parser.add_argument(
            "--rounds",
            type=int,
            default=3,
            help="Rounds over every page; each figure is the median of the rounds' (default 3).",
        )
        parser.add_argument(
            "--sweeps",
            default="10000,100000,1000000",
            help="Numbers of commitments to time the reminder sweep at ('' for none).",
        )
        parser.add_argument("--output", default=str(settings.BASE_DIR / "docs/benchmarks.md"))

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
        self.options = options
        started = time.monotonic()
        ensure_database(connection.settings_dict)
        call_command("migrate", interactive=False, verbosity=0)
        self.seed()
        pages = self.pages()
        for page in pages:
            page.queries, page.cached_queries = self.count_queries(page)
        self.load(pages)
        # The same pages with every visit built afresh, as after a change to what they show.
        self.load(pages, page_cache=False)
        sweeps = self.sweeps()
        report = self.report(pages, sweeps, time.monotonic() - started)
        self.stdout.write(report)
        Path(options["output"]).parent.mkdir(parents=True, exist_ok=True)
        Path(options["output"]).write_text(report)
        self.stdout.write(f"Written to {options['output']}.")

    # --- The data -----------------------------------------------------------------

    def seed(self) -> None:
        started = time.monotonic()
        call_command(
            "seed_demo",
            alliances=self.options["alliances"],
            actors=self.options["actors"],
            commitments=self.options["commitments"],
            measurements=self.options["measurements"],
            verbosity=0,
        )
        self.people()
        # One alliance in ten is published, for the public portfolio (idempotent).
        published = list(Alliance.objects.order_by("pk").values_list("pk", flat=True))[::10]
        Alliance.objects.filter(pk__in=published, published=False).update(published=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(f"Data ready in {time.monotonic() - started:.1f} s.")

    def people(self) -> None:
        """An administrator; a coordinator of the alliance with the most commitments (and
        nine more, as a coordinator has several); a representative of the actor with the
        most commitments."""
        admin, _ = User.objects.get_or_create(
            username="bench.admin", defaults={"is_staff": True, "is_superuser": True}
        )
        coordinator, _ = User.objects.get_or_create(username="bench.coordinator")
        representative, _ = User.objects.get_or_create(username="bench.representative")
        for user in (admin, coordinator, representative):
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        busiest = (
            Alliance.objects.exclude(phase=Phase.CLOSED)
            .annotate(n=Count("commitments"))
            .order_by("-n", "pk")
        )
        self.alliance = busiest[0]
        Alliance.coordinators.through.objects.bulk_create(
            [
                Alliance.coordinators.through(alliance=alliance, user=coordinator)
                for alliance in busiest[:10]
            ],
            ignore_conflicts=True,
        )
        self.actor = Actor.objects.annotate(n=Count("commitments")).order_by("-n", "pk")[0]
        self.actor.representatives.add(representative)
        self.users = {
            "administrator": admin,
            "coordinator": coordinator,
            "representative": representative,
        }

    def pages(self) -> list[Page]:
        alliance = self.alliance.pk
        return [
            Page("Bare view (/livez)", reverse("livez"), "administrator"),
            Page("Dashboard (all alliances)", reverse("fases:dashboard"), "administrator"),
            Page("Dashboard (10 alliances)", reverse("fases:dashboard"), "coordinator"),
            Page("Alliance list", reverse("seguimiento:alliance_list"), "administrator"),
            Page(
                "Admin alliance change list",
                reverse("admin:alianzas_alliance_changelist"),
                "administrator",
            ),
            Page("Alliance page", reverse("fases:alliance_detail", args=[alliance]), "coordinator"),
            Page("Mis compromisos", reverse("seguimiento:my_commitments"), "representative"),
            Page(
                "Monitoring view",
                reverse("seguimiento:monitoring", args=[alliance]),
                "coordinator",
            ),
            # The national view: the map of every alliance, the published ones with their
            # map (signed in: the anonymous throttle would refuse wrk's load), the network.
            Page("Map (all alliances)", reverse("fases:territory_map"), "administrator"),
            Page("Public portfolio", reverse("public:portfolio"), "administrator"),
            Page("Actor network (all)", reverse("fases:actor_network"), "administrator"),
        ]

    def count_queries(self, page: Page) -> tuple[int, int]:
        """Queries of a visit that builds the page, and of one that reads it from the page
        cache (the first visit sets the CSRF cookie the cache's key needs, the second
        stores the content)."""
        client = Client()
        client.force_login(self.users[page.person])
        counts = []
        for _visit in range(3):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page.url)
            if response.status_code != 200:
                raise CommandError(f"{page.url} answered {response.status_code} in-process.")
            counts.append(len(queries))
        return counts[0], counts[2]

    # --- The load -----------------------------------------------------------------

    def load(self, pages: list[Page], *, page_cache: bool = True) -> None:
        """Every page in rounds (``page.load``); with ``page_cache=False`` one round of the
        application's pages with the page cache off (``page.rebuilt``)."""
        if not page_cache:
            pages = [page for page in pages if page.title.split()[0] not in ("Bare", "Admin")]
        rounds = self.options["rounds"] if page_cache else 1
        with tempfile.TemporaryDirectory(prefix="alianzas-bench-") as folder:
            env = self.production_env(Path(folder))
            env["PAGE_CACHE"] = "true" if page_cache else "false"
            self.collect_static(env)
            port = free_port()
            server = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("gunicorn")),
                    "config.wsgi:application",
                    *("--config", str(settings.BASE_DIR / "config/gunicorn.py")),
                    *("--bind", f"127.0.0.1:{port}"),
                    *("--workers", str(GUNICORN_WORKERS)),
                    *("--threads", "1"),
                ],
                cwd=settings.BASE_DIR,
                env=env,
                # The access log (one JSON line a request, as in production) is not shown.
                stdout=subprocess.DEVNULL,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                wait_until_up(base + reverse("livez"), server)
                cookies = {person: self.sign_in(base, person) for person in self.users}
                script = Path(folder) / "report.lua"
                script.write_text(WRK_REPORT)
                for page in pages:
                    check_answers_200(base + page.url, cookies[page.person])
                    wrk(base + page.url, cookies[page.person], script, seconds=2, connections=2)
                # Every page once a round, several rounds: a slow spell of the machine
                # touches every page alike instead of whichever page it fell on.
                results = {page.title: [] for page in pages}
                for number in range(1, rounds + 1):
                    what = "" if page_cache else " (page cache off)"
                    self.stdout.write(f"Round {number} of {rounds}{what}…")
                    for page in pages:
                        results[page.title].append(
                            wrk(
                                base + page.url,
                                cookies[page.person],
                                script,
                                seconds=self.options["seconds"],
                                connections=self.options["connections"],
                            )
                        )
                        # When wrk stops, requests it sent are still queued at gunicorn (a
                        # slow page's for up to half a second): let them finish, or the next
                        # page's first requests wait behind them and count in its p99.
                        time.sleep(SETTLE_SECONDS)
                for page in pages:
                    measured = median_of_rounds(results[page.title])
                    if page_cache:
                        page.load = measured
                    else:
                        page.rebuilt = measured
            finally:
                server.terminate()
                server.wait(timeout=30)

    def production_env(self, folder: Path) -> dict:
        return {
            **os.environ,
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "CONN_MAX_AGE": "600",
            # Sessions and cached figures in Redis, as the compose stack runs them (a Redis
            # that is not there reads as an empty cache).
            "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/3"),
            "STATIC_ROOT": str(folder / "static"),
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }

    def collect_static(self, env: dict) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
        )

    def sign_in(self, base: str, person: str) -> str:
        """Sign in through the login form, as a browser does; the session cookie."""
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login = base + reverse("login")
        form = opener.open(login).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "username": self.users[person].username,
                "password": PASSWORD,
            }
        ).encode()
        opener.open(urllib.request.Request(login, data=data, headers={"Referer": login}))
        cookies = {cookie.name: cookie.value for cookie in jar}
        if "sessionid" not in cookies:
            raise CommandError(f"Signing in as {person} failed.")
        return "; ".join(f"{name}={value}" for name, value in cookies.items())

    # --- The reminder sweep -------------------------------------------------------

    def sweeps(self) -> list[dict]:
        """Each size in a database of its own (``<name>_sweep_<size>``, kept between runs):
        seed_demo only ever adds rows, so one database cannot go back to a smaller size."""
        sizes = [int(size) for size in self.options["sweeps"].split(",") if size.strip()]
        url = os.environ["DATABASE_URL"].rstrip("/")
        server, name = url.rsplit("/", 1)
        manage = [sys.executable, "manage.py"]
        results = []
        for size in sorted(sizes):
            database = f"{name}_sweep_{size}"
            ensure_database({**connection.settings_dict, "NAME": database})
            env = {**os.environ, "DATABASE_URL": f"{server}/{database}"}
            subprocess.run([*manage, "migrate", "-v0"], cwd=settings.BASE_DIR, env=env, check=True)
            self.stdout.write(f"Reminder sweep over {size:,} commitments…")
            finished = subprocess.run(
                [*manage, "bench_reminders", "--commitments", str(size), "--json"],
                cwd=settings.BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
            )
            if finished.returncode:
                raise CommandError(finished.stderr)
            results.append(json.loads(finished.stdout.strip().splitlines()[-1]))
        return results

    # --- The report ---------------------------------------------------------------

    def report(self, pages: list[Page], sweeps: list[dict], seconds: float) -> str:
        bare = pages[0]
        admin = next(page for page in pages if page.title.startswith("Admin"))
        listing = next(page for page in pages if page.title == "Alliance list")
        o = self.options
        lines = [
            "# Benchmarks",
            "",
            "Made by `make bench` (`python manage.py benchmark`); "
            f"this run took {seconds / 60:.1f} minutes.",
            "",
            "## Machine",
            "",
            *(f"- {line}" for line in machine()),
            "",
            "## Data",
            "",
            f"{count('alianzas_alliance'):,} alliances, {count('alianzas_actor'):,} actors, "
            f"{count('seguimiento_commitment'):,} commitments, "
            f"{count('seguimiento_measurement'):,} measurements (`seed_demo --alliances "
            f"{o['alliances']} --actors {o['actors']} --commitments {o['commitments']} "
            f"--measurements {o['measurements']}`). The alliance page and the monitoring view "
            f"show the alliance with the most commitments "
            f"({self.alliance.commitments.count():,}); Mis compromisos shows the actor with "
            f"the most ({self.actor.commitments.count():,}).",
            "",
            "## Pages",
            "",
            f"gunicorn with {GUNICORN_WORKERS} workers (production settings, whitenoise, "
            f"persistent connections) on 127.0.0.1; wrk with {o['connections']} connections, "
            f"{o['rounds']} rounds over every page of {o['seconds']} s each (after a 2 s "
            f"warm-up, and {SETTLE_SECONDS} s between pages for the previous page's queued "
            "requests to finish); each figure is the median of the rounds' (requests/s: the median "
            "round's rate). Signed in through the login form.",
            "",
            "The same request over and over is answered from the page cache (content is "
            "kept until what it shows changes: README, *Page cache*). **Rebuilt** is one more "
            "round with the page cache off (`PAGE_CACHE=false`): what a visit costs when the "
            "content must be built again, as after a change. Queries: one request through "
            "Django's test client, built / from the cache.",
            "",
            "| Page | As | Median ms | p95 ms | p99 ms | Requests/s | Non-2xx | Queries "
            "| Median ÷ bare | p99 ÷ bare median | Rebuilt: median ms | Rebuilt: requests/s |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        floor = bare.ms("p50")
        for page in pages:
            queries = f"{page.queries} / {page.cached_queries}"
            rebuilt = "| — | —"
            if page.rebuilt:
                rebuilt = f"| {page.rebuilt['p50_us'] / 1000:.1f} | {rate(page.rebuilt):.0f}"
            lines.append(
                f"| {page.title} | {page.person} | {page.ms('p50'):.1f} | {page.ms('p95'):.1f} "
                f"| {page.ms('p99'):.1f} | {page.rps:.0f} "
                f"| {errors(page.load) + errors(page.rebuilt)} | {queries} "
                f"| {page.ms('p50') / floor:.1f}× | {page.ms('p99') / floor:.1f}× {rebuilt} |"
            )
        app_pages = [page for page in pages if page not in (bare, admin)]
        checks = [
            (
                f"Every page's median within {MEDIAN_FACTOR}× the bare view's "
                f"({MEDIAN_FACTOR * floor:.1f} ms)",
                all(page.ms("p50") <= MEDIAN_FACTOR * floor for page in app_pages),
            ),
            (
                f"Every page's p99 within {P99_FACTOR}× the bare view's median "
                f"({P99_FACTOR * floor:.1f} ms)",
                all(page.ms("p99") <= P99_FACTOR * floor for page in app_pages),
            ),
            (
                f"Alliance list ≥ {LIST_OVER_ADMIN}× the admin change list's requests/s "
                f"({listing.rps:.0f} vs {admin.rps:.0f}: {listing.rps / admin.rps:.1f}×)",
                listing.rps >= LIST_OVER_ADMIN * admin.rps,
            ),
            (
                "No error responses",
                not any(errors(page.load) + errors(page.rebuilt) for page in pages),
            ),
        ]
        if sweeps:
            lines += [
                "",
                "## Reminder sweep",
                "",
                "`bench_reminders --json`, each size in a database of its own and each sweep "
                "in a process "
                "of its own (peak memory is that process's, Django included); the first sweep "
                "after forgetting every reminder, so everything due is new. Send tasks go to "
                "an in-memory broker: this is the beat task's work.",
                "",
                "| Commitments | Seconds | µs per commitment | Peak MB | Reminders recorded "
                "| E-mails queued |",
                "|---:|---:|---:|---:|---:|---:|",
            ]
            for sweep in sweeps:
                lines.append(
                    f"| {sweep['commitments']:,} | {sweep['seconds']:.2f} "
                    f"| {1e6 * sweep['seconds'] / sweep['commitments']:.1f} "
                    f"| {sweep['memory_mb']:.0f} | {sweep['recorded']:,} | {sweep['queued']:,} |"
                )
            largest, smallest = sweeps[-1], sweeps[0]
            growth = largest["commitments"] / smallest["commitments"]
            checks.append(
                (
                    f"Sweep time grows no faster than the commitments ({growth:.0f}× the "
                    f"commitments, {largest['seconds'] / smallest['seconds']:.1f}× the time; "
                    f"peak memory {smallest['memory_mb']:.0f} → {largest['memory_mb']:.0f} MB)",
                    largest["seconds"] / smallest["seconds"] <= growth,
                )
            )
            checks.append(
                (
                    f"Sweep over {largest['commitments']:,} commitments ≤ {SWEEP_SECONDS} s "
                    f"and ≤ {SWEEP_MEGABYTES} MB",
                    largest["seconds"] <= SWEEP_SECONDS and largest["memory_mb"] <= SWEEP_MEGABYTES,
                )
            )
        lines += ["", "## Targets", ""]
        lines += [f"- {'✅ met' if met else '❌ missed'}: {what}" for what, met in checks]
        return "\n".join(lines) + "\n"


# --- Helpers -----------------------------------------------------------------------


def ensure_database(settings_dict: dict) -> None:
    """Create the benchmark's database if it does not exist yet."""
    import psycopg2
    from psycopg2 import sql

    name = settings_dict["NAME"]
    maintenance = psycopg2.connect(
        dbname="postgres",
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or None,
    )
    maintenance.autocommit = True
    try:
        with maintenance.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if not cursor.fetchone():
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        maintenance.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError("gunicorn stopped before answering.")
        try:
            urllib.request.urlopen(url, timeout=1)  # nosec B310 - http://127.0.0.1 built here
            return
        except OSError:
            time.sleep(0.2)
    raise CommandError(f"gunicorn did not answer {url} within {seconds} s.")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_answers_200(url: str, cookie: str) -> None:
    """A page that redirects to the login or fails would be measured as fast; refuse."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        status = opener.open(urllib.request.Request(url, headers={"Cookie": cookie})).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise CommandError(f"{url} answered {status} instead of 200.")


def wrk(url: str, cookie: str, script: Path, *, seconds: int, connections: int) -> dict:
    finished = subprocess.run(
        [
            "wrk",
            *("--threads", str(min(2, connections))),
            *("--connections", str(connections)),
            *("--duration", f"{seconds}s"),
            *("--timeout", "10s"),
            *("--header", f"Cookie: {cookie}"),
            *("--script", str(script)),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def rate(load: dict) -> float:
    return load["requests"] / (load["duration_us"] / 1e6)


def errors(load: dict) -> int:
    return load.get("bad_status", 0) + load.get("socket_errors", 0)


def median_of_rounds(rounds: list[dict]) -> dict:
    """Each figure the median of the rounds' figures; error counts are summed."""
    summed = {"bad_status", "socket_errors"}
    return {
        key: sum(r[key] for r in rounds)
        if key in summed
        else statistics.median(r[key] for r in rounds)
        for key in rounds[0]
    }


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # nosec B608 - fixed table names
        return cursor.fetchone()[0]


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
        "The load generator, gunicorn and PostgreSQL share the machine.",
    ]
