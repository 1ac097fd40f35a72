"""Tools that are not the product (benchmarks, load tests) live in tools/, apart from the
apps: installed only outside production and left out of the production image."""

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.processes import bare_environment, run_python

ROOT = Path(__file__).resolve().parent.parent
TOOL_COMMANDS = {"benchmark", "load_test", "bench_reminders", "bench_templates", "bench_compiled"}
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 64,
    "ALLOWED_HOSTS": "alianzas.example.pe",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/alianzas",
}


def commands(env: dict, tmp_path) -> set[str]:
    """The command names ``manage.py help`` lists in that environment."""
    result = run_python(
        ["manage.py", "help"],
        {**bare_environment(tmp_path), "ALIANZAS_VAR_DIR": str(tmp_path), **env},
    )
    assert result.returncode == 0, result.stderr
    return set(re.findall(r"^ {4}(\w+)$", result.stdout, re.MULTILINE))


def test_production_lists_no_tool_but_keeps_the_demo_and_the_reminders(tmp_path):
    listed = commands(PRODUCTION, tmp_path)

    assert not listed & TOOL_COMMANDS
    assert {"seed_demo", "send_reminders", "migrate"} <= listed


def test_development_lists_the_tools(tmp_path):
    assert commands({}, tmp_path) >= TOOL_COMMANDS | {"seed_demo", "send_reminders"}


def test_the_production_image_leaves_tools_out():
    ignored = (ROOT / ".dockerignore").read_text().split("\n")
    assert "tools" in [line.strip().strip("/") for line in ignored]
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert not any(name.startswith("tools") for name in packages["packages"]["find"]["include"])
    instructions = [
        line
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    assert not any("tools" in line for line in instructions)


def test_the_tools_are_in_tools_and_no_app_imports_them():
    tools = ROOT / "tools" / "management" / "commands"
    assert {path.stem for path in tools.glob("*.py")} >= TOOL_COMMANDS
    assert (ROOT / "tools" / "reliability_report.py").exists()
    for app in ("config", "alianzas", "fases", "seguimiento"):
        for path in (ROOT / app).rglob("*.py"):
            assert not re.search(r"^\s*(from|import) tools\b", path.read_text(), re.MULTILINE), path
            if path.parent.name == "commands":
                assert path.stem not in TOOL_COMMANDS, path


# --- make bench: the pieces that run in-process (tools/bench/) -------------------------------


def bench_page(title, kind="page", person="administrator", median=5.0, p95=10.0, requests=100):
    from tools.bench.pages import Page

    load = {
        "requests": requests,
        "duration_us": 2_000_000,
        "bad_status": 0,
        "socket_errors": 0,
        "p50_us": median * 1000,
        "p95_us": p95 * 1000,
        "p99_us": p95 * 1000,
    }
    page = Page(title, "/x/", person, kind, queries=7, cached_queries=2, load=load)
    if kind != "admin":
        page.rebuilt = dict(load)
    return page


def bench_results(*, rebuilt_median=20.0, list_requests=900):
    from tools.bench.report import Results
    from tools.bench.stats import summary
    from tools.bench.writes import Write

    pages = [
        bench_page("Bare view (/livez)", "bare", median=2.0, p95=3.0),
        bench_page("Alliance list", requests=list_requests),
        bench_page("Admin alliance change list", "admin", median=200, p95=300, requests=100),
        bench_page("Alliance page", person="coordinator"),
        bench_page("API: alliances"),
        bench_page("Peer: alliances", "peer", median=10.0),
    ]
    pages[3].rebuilt["p50_us"] = rebuilt_median * 1000
    write = Write("Log progress on a commitment", [], result=summary([0.01, 0.02, 0.03]))
    mixed = {
        "people": 10,
        "roles": {"representative": 7, "coordinator": 2, "administrator": 1},
        "seconds": 30,
        "pages": {
            "Alliance page": {**summary([0.004, 0.006], duration=30), "hits": 3, "misses": 1},
            "Admin commitments": {**summary([0.5], duration=30), "hits": 0, "misses": 0},
        },
        "hits": 3,
        "misses": 1,
        "hit_rate": 0.75,
    }
    options = {
        "connections": 8,
        "rounds": 3,
        "seconds": 5,
        "warmup": 2,
        "settle": 1,
        "writes": 3,
        "write_clients": 3,
    }
    return Results(options, 60, ["Date: today"], "Some data.", pages, [write], mixed)


def test_the_bench_report_says_which_targets_are_met():
    from tools.bench.report import build

    text = build(bench_results(rebuilt_median=20.0))

    # The bare view's median is 2 ms: a page rebuilt in 20 ms is 10×, within 15×.
    assert "✅ met: Built from scratch (PAGE_CACHE=false): every page's median ≤ 15×" in text
    # The list's 450 requests/s against the admin's 50.
    assert "✅ met: Alliance list ≥ 8× the admin change list's requests/s" in text
    # Django's admin, slow in the mixed run, is not one of our pages.
    assert "✅ met: Mixed run: every page's median ≤ 10×" in text
    assert "✅ met: Every write (POST and its redirect): median ≤ 15×" in text
    assert "**Page cache hit rate: 75 %**" in text
    assert "| alliances | 5.0 | 10.0 |" in text  # ours beside the peer


def test_the_bench_report_says_when_a_target_is_not_met():
    from tools.bench.report import build

    text = build(bench_results(rebuilt_median=40.0, list_requests=300))

    assert "❌ not met: Built from scratch (PAGE_CACHE=false): every page's median ≤ 15×" in text
    assert "❌ not met: Alliance list ≥ 8×" in text


def test_a_page_that_got_no_answer_is_not_a_met_target():
    from tools.bench.report import build

    results = bench_results()
    results.pages[3].rebuilt["requests"] = 0
    text = build(results)

    assert "❌ not met: No error responses, every page answered" in text


def test_the_bench_report_sets_the_mixed_run_without_the_page_cache_beside_it():
    """Whether the page cache earns its keep is read from the same day's work on a server
    without it: the report sets the two runs side by side, and counts the second's errors."""
    from tools.bench.report import build
    from tools.bench.stats import summary

    results = bench_results()
    results.mixed_uncached = {
        **results.mixed,
        "page_cache": False,
        "pages": {
            "Alliance page": {**summary([0.010, 0.012], duration=30), "hits": 0, "misses": 0},
        },
    }
    text = build(results)

    assert "## What the page cache saves in the mixed run" in text
    # On 5.0 / 6.0 ms (median / p95) with the cache, 11.0 / 12.0 ms without: 5.5× and 6.0×.
    assert "| Alliance page (page cache) | 5.0 | 11.0 | 6.0 | 12.0 | 5.5× | 6.0× |" in text
    assert "✅ met: No error responses" in text
    results.mixed_uncached["pages"]["Alliance page"]["bad_status"] = 2
    assert "❌ not met: No error responses, every page answered (2 errors" in build(results)


def test_each_part_of_the_bench_is_set_against_the_bare_view_measured_beside_it():
    """The machine's speed drifts within a run: the pages built from scratch, the writes and
    the mixed run are each taken to the bare view measured on their own server, and the
    report gives the ratio to the run's first bare view too, and the drift."""
    from tools.bench.report import build
    from tools.bench.stats import summary

    results = bench_results(rebuilt_median=50.0)
    # The first bare view 2 ms; among the pages built it measured 4 ms: 50 ms is 12.5×
    # that floor (met) though 25× the first.
    results.pages[0].rebuilt["p50_us"] = 4000
    results.writes[0].result = summary([0.05, 0.05, 0.05])  # 50 ms
    results.writes_floor = {**results.pages[0].load, "p50_us": 5000}  # 10× its floor
    results.mixed["floor"] = {**results.pages[0].load, "p50_us": 1000}  # 5.0 ms is 5×
    text = build(results)

    assert (
        "✅ met: Built from scratch (PAGE_CACHE=false): every page's median ≤ 15× the bare "
        "view's (60.0 ms: 15× the bare view beside it, 4.0 ms; slowest 50.0 ms, 12.5× that "
        "floor and 25.0× the run's first, 2.0 ms)" in text
    )
    assert "✅ met: Every write (POST and its redirect): median ≤ 15× the bare view's (75.0" in text
    assert (
        "✅ met: Mixed run: every page's median ≤ 10× the bare view's (10.0 ms: 10× the bare "
        "view beside it, 1.0 ms; slowest 5.0 ms, 5.0× that floor and 2.5× the run's first" in text
    )
    assert "| Pages built from scratch (page cache off) | 4.00 | 3.00 | 50 | 2.00× |" in text
    assert "| Writes (before each kind; their median) | 5.00 |" in text
    assert "| Mixed run (before and after) | 1.00 |" in text
    # The mixed run's floor is 1 ms: its alliance page (5 ms) is now 5×.
    assert "| Alliance page | 2 | 5.0 | 6.0 | 0 | 3 / 1 | 5.0× | 6.0× |" in text

    # Without a floor beside a part (an older run's results), its ratios go to the first.
    results.pages[0].rebuilt = {}
    text = build(results)
    assert "❌ not met: Built from scratch (PAGE_CACHE=false): every page's median ≤ 15×" in text


def test_bench_scale_sets_each_page_at_ten_times_the_data_beside_today():
    """make bench-scale: the larger database beside the bench's, and a page within 1.5× in
    both runs, in one only, or in neither."""
    from tools.management.commands.bench_scale import larger, table

    assert (
        larger("postgres://postgres@127.0.0.1:5432/alianzas_bench", 10)
        == "postgres://postgres@127.0.0.1:5432/alianzas_bench_x10"
    )

    def run(*walls):
        titles = ("Alliance list", "Search", "Map", "Admin alliance change list")
        kinds = ("page", "page", "page", "admin")
        return [
            {"title": t, "kind": k, "wall_ms": w, "cpu_ms": w / 2, "queries": 6, "peak_kb": 160}
            for t, k, w in zip(titles, kinds, walls, strict=True)
        ]

    text = table(run(4, 8, 4, 50), run(5, 20, 6.2, 90), run(5, 20, 5.6, 90), run(4, 8, 4, 50), 10)

    assert (
        "| Alliance list | 4.0 / 2.0 (6) | 5.0 / 2.5 (6) | 1.25, 1.25 | 160 / 160 KB | yes |"
        in text
    )
    assert (
        "| Search | 8.0 / 4.0 (6) | 20.0 / 10.0 (6) | 2.50, 2.50 | 160 / 160 KB | **no** |" in text
    )
    assert "| 1.55, 1.40 | 160 / 160 KB | in one run of two |" in text
    assert "| 1.80, 1.80 | 160 / 160 KB | — |" in text  # the peer, not a page of ours


def sweep(commitments: int, seconds: float, floor: float, memory: float = 114) -> dict:
    return {
        "commitments": commitments,
        "seconds": seconds,
        "floor_seconds": floor,
        "memory_mb": memory,
        "recorded": 10,
        "queued": 1,
    }


@pytest.mark.parametrize(
    ("largest", "met"),
    [
        (sweep(1_000_025, 2.7, 1.8), True),  # 1.5× its floor, 114 MB
        (sweep(1_000_025, 3.96, 1.81), False),  # 2.2× its floor
        (sweep(1_000_025, 2.0, 1.8, memory=151), False),  # over 150 MB
    ],
)
def test_the_sweep_is_held_to_its_sql_floor_and_its_memory(largest, met):
    from tools.bench.report import build

    results = bench_results()
    results.sweeps = [sweep(10_025, 1.9, 0.8), largest]
    text = build(results)

    mark = "✅ met" if met else "❌ not met"
    assert f"{mark}: Sweep over 1,000,025 commitments ≤ 1.5× its SQL floor" in text
    ratio = largest["seconds"] / largest["floor_seconds"]
    assert f"| {largest['floor_seconds']:.2f} | {ratio:.1f}× |" in text


def test_the_bench_settings_keep_production_and_add_the_peer(tmp_path):
    script = (
        "import json; from django.conf import settings; import django; django.setup(); "
        "print(json.dumps([settings.DEBUG, settings.ROOT_URLCONF, settings.SECURE_HSTS_SECONDS, "
        "'whitenoise.middleware.WhiteNoiseMiddleware' in settings.MIDDLEWARE, "
        "'tools' in settings.INSTALLED_APPS, "
        "settings.REST_FRAMEWORK['DEFAULT_PAGINATION_CLASS']]))"
    )
    result = run_python(
        ["-c", script],
        {
            **bare_environment(tmp_path),
            "ALIANZAS_VAR_DIR": str(tmp_path),
            **PRODUCTION,
            "DJANGO_SETTINGS_MODULE": "tools.bench_settings",
        },
    )
    assert result.returncode == 0, result.stderr
    debug, urls, hsts, whitenoise, tools_app, pagination = json.loads(result.stdout)
    assert (debug, urls, whitenoise, tools_app) == (False, "tools.bench_urls", True, False)
    assert hsts > 0
    assert pagination == "fases.api.pagination.Pagination"


@pytest.mark.django_db
def test_the_peer_lists_the_same_rows_as_a_plain_model_viewset(administrator, settings):
    from tests.factories import AllianceFactory

    settings.ROOT_URLCONF = "tools.bench_urls"
    AllianceFactory.create_batch(3)
    client = Client()
    assert client.get("/bench-peer/alliances/").status_code == 403
    client.force_login(administrator)

    answer = client.get("/bench-peer/alliances/").json()

    assert len(answer["results"]) == 3
    assert [row["id"] for row in answer["results"]] == sorted(r["id"] for r in answer["results"])
    assert "problem" in answer["results"][0]  # every field
    assert client.get(reverse("api:alliance-list")).status_code == 200  # ours still served


@pytest.mark.django_db
def test_every_write_of_the_bench_is_accepted_by_its_view():
    """The bodies ``make bench`` posts, through the views in-process: each answered with
    the redirect a browser follows to a page that answers, and done again after a reset."""
    from tools.bench import data, writes

    world = data.write_world(2)
    client = Client()
    client.force_login(world.writer)
    for write in writes.writes(world, 12):
        jobs = [job for batch in write.jobs for job in batch]
        assert len(jobs) == 12, write.title
        for number, batch in enumerate(write.jobs):
            if number and write.reset:
                write.reset()
            for path, form in batch:
                response = client.post(path, form)
                assert response.status_code == 302, (write.title, path, response.content[:2000])
                assert client.get(response["Location"]).status_code == 200, write.title
        if write.reset:
            write.reset()
    assert data.reset_write_world(world).alliances == world.alliances


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_bench_measures_on_a_copy_whose_writes_do_not_reach_the_next_run(monkeypatch):
    """Each run's writes once stayed in the bench's database, and each run measured more
    rows than the one before: the measurements now write to a copy, dropped afterwards.
    Made from a database of the test's own (a copy needs its source to itself; the test
    database may have other threads' connections)."""
    import os

    from django.db import connection

    from tools.bench import data

    test_database = connection.settings_dict["NAME"]
    source = f"{test_database}_bench_source"
    data.ensure_database({**connection.settings_dict, "NAME": source})
    url = f"postgres://postgres@127.0.0.1:5432/{source}?x=1"
    monkeypatch.setenv("DATABASE_URL", url)

    def word() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT word FROM bench_probe")
            return cursor.fetchone()[0]

    connection.close()
    connection.settings_dict["NAME"] = source
    try:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_probe")
            cursor.execute("CREATE TABLE bench_probe (word text)")
            cursor.execute("INSERT INTO bench_probe VALUES ('antes')")
        with data.measured_copy() as copy:
            assert copy == f"{source}_measured"
            assert connection.settings_dict["NAME"] == copy
            assert os.environ["DATABASE_URL"] == f"postgres://postgres@127.0.0.1:5432/{copy}?x=1"
            assert word() == "antes"  # the data is there
            with connection.cursor() as cursor:
                cursor.execute("UPDATE bench_probe SET word = 'escrito al medir'")
        assert connection.settings_dict["NAME"] == source
        assert os.environ["DATABASE_URL"] == url
        assert word() == "antes"
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [copy])
            assert cursor.fetchone() is None  # dropped
    finally:
        connection.close()
        connection.settings_dict["NAME"] = test_database
        with data._maintenance(connection.settings_dict) as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{source}" WITH (FORCE)')


# --- bench_templates: Django's templates beside Jinja2 ----------------------------------------


@pytest.mark.django_db
def test_the_engines_are_compared_on_the_same_html_and_the_command_prints_both():
    """The Jinja2 port renders the page's own rows to the same HTML (overdue, closed,
    fulfilled rows alike), so the timing compares engines, not two different pages."""
    import datetime
    from io import StringIO

    from django.core.management import call_command

    from alianzas.lifecycle import Phase
    from seguimiento.models import CommitmentStatus
    from tests.factories import ActorFactory, AllianceFactory, CommitmentFactory
    from tools.bench import engines

    actor = ActorFactory()
    rows = [
        CommitmentFactory(actor=actor, due_date=datetime.date(2020, 1, 1)),  # overdue
        CommitmentFactory(actor=actor, status=CommitmentStatus.FULFILLED, progress=100),
        CommitmentFactory(actor=actor, alliance=AllianceFactory(phase=Phase.CLOSED)),
        CommitmentFactory(actor=actor, description="<b>" + "x" * 200),
    ]
    for language in ("es", "en"):
        compared = engines.compare(rows, renders=2, language=language)
        assert compared.same_output
        assert compared.rows == 4
        assert compared.django_ms > 0
        assert compared.jinja_ms > 0
    out = StringIO()
    call_command("bench_templates", rows=4, renders=2, stdout=out)
    assert "4 rows of Mis compromisos" in out.getvalue()
    assert "same HTML: True" in out.getvalue()


@pytest.mark.django_db
def test_bench_compiled_times_each_page_prepared_compiled_and_uncompiled():
    from io import StringIO

    from django.core.management import call_command

    from alianzas.lifecycle import Phase
    from alianzas.models import Alliance
    from tests.factories import (
        ActorFactory,
        AllianceFactory,
        CommitmentFactory,
        IndicatorFactory,
        MembershipFactory,
        ObjectiveFactory,
    )

    alliance = AllianceFactory()
    Alliance.objects.filter(pk=alliance.pk).update(phase=Phase.MONITORING)
    actor = ActorFactory()
    MembershipFactory(alliance=alliance, actor=actor)
    CommitmentFactory(alliance=alliance, actor=actor)
    IndicatorFactory(objective=ObjectiveFactory(alliance=alliance))
    out = StringIO()
    call_command("bench_compiled", visits=2, stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "Alliance page",
        "Dashboard (10 alliances)",
        "Monitoring view",
        "Mis compromisos",
    ]
    assert all(
        " prepared " in line and " compiled " in line and " uncompiled " in line for line in lines
    )


def test_the_bench_sends_every_request_on_a_connection_of_its_own(monkeypatch):
    """As the proxy in front reaches gunicorn (deploy/nginx.conf keeps no connection to a
    replica): kept alive, wrk's connections stayed with the worker that accepted them, and
    how they fell between the two workers decided a page's figures (tools/bench/http.py)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tools.bench import http as bench_http

    seen = []

    class Recorder(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # would keep the connection open if asked to

        def do_GET(self):
            seen.append((self.client_address[1], self.headers.get("Connection")))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        session = bench_http.Session(f"http://127.0.0.1:{server.server_port}", {"a": "b"})
        assert session.get("/one")[0] == session.get("/two")[0] == 200
    finally:
        server.shutdown()
        server.server_close()
    (first_port, first_header), (second_port, second_header) = seen
    assert first_header == second_header == "close"
    assert first_port != second_port  # a new connection each time

    ran = []
    finished = subprocess.CompletedProcess([], 0, stdout=json.dumps({"requests": 1}) + "\n")
    monkeypatch.setattr(
        bench_http.subprocess, "run", lambda command, **kw: ran.append(command) or finished
    )
    bench_http.wrk("http://x/", "sessionid=1", Path("report.lua"), seconds=1, connections=8)
    assert "Connection: close" in ran[0]
