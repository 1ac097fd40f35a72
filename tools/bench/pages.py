"""The pages measured, what each costs in queries, and their load under wrk."""

import time
from dataclasses import dataclass, field

from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from tools.bench import http
from tools.bench.data import PASSWORD, Readers
from tools.bench.report import median_of_rounds


@dataclass
class Page:
    title: str
    url: str
    person: str  # which signed-in person asks for it
    kind: str = "page"  # "bare" (the floor), "admin" and "peer" (for comparison), "page"
    queries: int = 0  # a visit whose content is built (the first, or the first after a change)
    cached_queries: int = 0  # a later visit, the content read from the page cache
    load: dict = field(default_factory=dict)
    rebuilt: dict = field(default_factory=dict)  # the load with the page cache off


def pages(readers: Readers) -> list[Page]:
    alliance = readers.alliance.pk
    return [
        Page("Bare view (/livez)", reverse("livez"), "administrator", "bare"),
        Page("Dashboard (all alliances)", reverse("fases:dashboard"), "administrator"),
        Page("Dashboard (10 alliances)", reverse("fases:dashboard"), "coordinator"),
        Page("Alliance list", reverse("seguimiento:alliance_list"), "administrator"),
        Page(
            "Admin alliance change list",
            reverse("admin:alianzas_alliance_changelist"),
            "administrator",
            "admin",
        ),
        Page("Alliance page", reverse("fases:alliance_detail", args=[alliance]), "coordinator"),
        # Its other tabs: the objectives and indicators, the commitments, the history.
        Page(
            "Alliance: objectives",
            reverse("fases:alliance_objectives", args=[alliance]),
            "coordinator",
        ),
        Page(
            "Alliance: commitments",
            reverse("fases:alliance_commitments", args=[alliance]),
            "coordinator",
        ),
        Page(
            "Alliance: history", reverse("fases:alliance_history", args=[alliance]), "coordinator"
        ),
        Page("Mis compromisos", reverse("seguimiento:my_commitments"), "representative"),
        Page("Monitoring view", reverse("seguimiento:monitoring", args=[alliance]), "coordinator"),
        Page("Portfolio (/cartera/)", reverse("seguimiento:portfolio"), "administrator"),
        Page("Governance page", reverse("fases:governance", args=[alliance]), "coordinator"),
        Page(
            "Agreement page",
            reverse("fases:agreement", args=[readers.agreement_alliance.pk]),
            "administrator",
        ),
        Page(
            "Actor page",
            reverse("seguimiento:actor_detail", args=[readers.actor.pk]),
            "administrator",
        ),
        Page("Search (“agua”)", reverse("seguimiento:search") + "?q=agua", "administrator"),
        # The national view: the map of every alliance, the published ones (signed in: the
        # public pages throttle anonymous visitors, not people signed in), the network.
        Page("Map (all alliances)", reverse("fases:territory_map"), "administrator"),
        Page("Public portfolio", reverse("public:portfolio"), "administrator"),
        Page(
            "Public alliance page",
            reverse("public:alliance", args=[readers.published.pk]),
            "administrator",
        ),
        Page("Actor network (all)", reverse("fases:actor_network"), "administrator"),
        # The API's lists beside a plain DRF ModelViewSet of the same rows (tools/bench_urls.py).
        Page("API: alliances", reverse("api:alliance-list"), "administrator"),
        Page("Peer: alliances", "/bench-peer/alliances/", "administrator", "peer"),
        Page("API: measurements", reverse("api:measurement-list"), "administrator"),
        Page("Peer: measurements", "/bench-peer/measurements/", "administrator", "peer"),
    ]


@override_settings(ROOT_URLCONF="tools.bench_urls")
def count_queries(page: Page, user) -> tuple[int, int]:
    """Queries of a visit that builds the page, and of one that reads it from the page cache
    (the first visit sets the CSRF cookie the cache's key needs, the second stores the
    content), through Django's test client in this process."""
    client = Client()
    client.force_login(user)
    counts = []

    def counted(execute, sql, params, many, context):
        counts[-1] += 1
        return execute(sql, params, many, context)

    for _visit in range(3):
        counts.append(0)
        # Counted, not captured: Django's capture keeps only the last 9,000 queries.
        with connection.execute_wrapper(counted):
            response = client.get(page.url)
        if response.status_code != 200:
            raise CommandError(f"{page.url} answered {response.status_code} in-process.")
    return counts[0], counts[2]


def load(pages: list[Page], users: dict, options: dict, *, page_cache: bool, out) -> None:
    """Every page in rounds (``page.load``); with ``page_cache=False`` the application's
    pages with the page cache off (``page.rebuilt``), in as many rounds: a single round
    let one slow spell of the machine decide a page's figure. The bare view is in both
    halves' rounds: each half's ratios are taken to the bare view measured among them."""
    if not page_cache:
        pages = [page for page in pages if page.kind != "admin"]
    rounds = options["rounds"]
    with http.Server(page_cache=page_cache) as server:
        base = server.base
        cookies = {
            role: http.cookie_header(http.sign_in(base, user.username, PASSWORD))
            for role, user in users.items()
        }
        script = server.folder / "report.lua"
        script.write_text(http.WRK_REPORT)
        warm = options["warmup"]
        for page in pages:
            http.check_answers_200(base + page.url, cookies[page.person])
            http.wrk(base + page.url, cookies[page.person], script, seconds=warm, connections=2)
            http.drain(base)
        # Every page once a round, several rounds: a slow spell of the machine touches
        # every page alike instead of whichever page it fell on.
        results = {page.title: [] for page in pages}
        for number in range(1, rounds + 1):
            what = "" if page_cache else " (page cache off)"
            out(f"Round {number} of {rounds}{what}…")
            for page in pages:
                results[page.title].append(
                    http.wrk(
                        base + page.url,
                        cookies[page.person],
                        script,
                        seconds=options["seconds"],
                        connections=options["connections"],
                    )
                )
                # Requests wrk sent and left queued at gunicorn finish first, or the next
                # page's first requests would wait behind them and count in its latency.
                http.drain(base)
                time.sleep(options["settle"])
    for page in pages:
        measured = median_of_rounds(results[page.title])
        if page_cache:
            page.load = measured
        else:
            page.rebuilt = measured
