"""People reading and writing at once, in ``load_test``'s proportions (of every ten: one
administrator, two coordinators, seven representatives; each choosing pages and writes with
its weights, with a pause of up to ``think`` seconds between actions), against a server with
the page cache on: a write renews what the others had cached, as in a working day. Each
page's latencies and the page cache's hits and misses (``X-Page-Cache``) are counted."""

import random
import threading
import time
from collections import Counter, defaultdict

from django.urls import reverse

from tools.bench import http
from tools.bench.data import PASSWORD
from tools.bench.report import median_of_rounds
from tools.bench.stats import summary

THINK_SECONDS = 0.3  # load_test's default


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = Counter()
        self.cache = defaultdict(Counter)  # page → {"hit": n, "miss": n}

    def record(self, page: str, seconds: float, ok: bool, cache: str | None = None) -> None:
        with self.lock:
            if ok:
                self.latencies[page].append(seconds)
            else:
                self.errors[page] += 1
            if cache in ("hit", "miss"):
                self.cache[page][cache] += 1


class Person:
    def __init__(self, session: http.Session, plan: dict, tally: Tally):
        self.session = session
        self.plan = plan
        self.tally = tally
        self.random = random.Random(plan["username"])

    def read(self, page: str, path: str) -> None:
        started = time.monotonic()
        try:
            status, headers, _body = self.session.get(path)
        except OSError:
            self.tally.record(page, 0, False)
            return
        self.tally.record(
            page, time.monotonic() - started, status == 200, headers.get("x-page-cache")
        )

    def write(self, page: str, form_path: str, form: dict) -> None:
        """The form's page, then the POST and its redirect (a write as the writes measure)."""
        self.read(f"{page} form", form_path)
        try:
            status, final, seconds, location = self.session.post_and_follow(form_path, form)
        except OSError:
            self.tally.record(f"{page} (write)", 0, False)
            return
        ok = status == 302 and final == 200 and "/cuenta/login/" not in location
        self.tally.record(f"{page} (write)", seconds, ok)

    def actions(self) -> list[tuple[object, int]]:
        """(action, weight) as ``load_test.Person.actions`` weighs them."""
        plan, alliance = self.plan, self.plan["alliance"]
        read = self.read
        actions = [
            (lambda: read("Dashboard", reverse("fases:dashboard")), 3),
            (lambda: read("Alliance page", reverse("fases:alliance_detail", args=[alliance])), 3),
            (
                lambda: read("Monitoring view", reverse("seguimiento:monitoring", args=[alliance])),
                1,
            ),
        ]
        portfolio = reverse("seguimiento:portfolio")
        if plan["role"] == "administrator":
            return [
                *actions,
                (lambda: read("Portfolio", portfolio), 2),
                (lambda: read("Admin index", reverse("admin:index")), 1),
                (
                    lambda: read(
                        "Admin commitments", reverse("admin:seguimiento_commitment_changelist")
                    ),
                    1,
                ),
                (lambda: read("Alliance list", reverse("seguimiento:alliance_list")), 1),
            ]
        if plan["commitments"]:
            actions += [
                (lambda: read("Commitment page", self.commitment_path()), 2),
                (self.log_progress, 3),
            ]
        if plan.get("periods"):
            actions.append((self.report_value, 2))
        if plan["role"] == "coordinator":
            return [*actions, (lambda: read("Portfolio", portfolio), 1)]
        return [
            *actions,
            (lambda: read("Mis compromisos", reverse("seguimiento:my_commitments")), 2),
            (lambda: read("Notices", reverse("seguimiento:notifications")), 1),
        ]

    def commitment_path(self) -> str:
        commitment = self.random.choice(self.plan["commitments"])
        return reverse("seguimiento:commitment_detail", args=[self.plan["alliance"], commitment])

    def log_progress(self) -> None:
        form = {"progress": str(self.random.randint(1, 99)), "note": "Medición mixta"}
        self.write("Progress", self.commitment_path() + "avance/", form)

    def report_value(self) -> None:
        path = reverse(
            "seguimiento:report_measurement", args=[self.plan["alliance"], self.plan["indicator"]]
        )
        form = {
            "period_start": self.random.choice(self.plan["periods"]),
            "value": str(self.random.randint(100, 500)),
            "note": "Medición mixta",
        }
        self.write("Value", path, form)

    def warm_up(self) -> None:
        """The page the page cache keeps (the alliance page), once, not counted: the run
        measures a working day's steady state, where the cache is emptied by writes, not by
        the server's start (the bench starts each server with an empty cache)."""
        self.session.get(reverse("fases:alliance_detail", args=[self.plan["alliance"]]))

    def run(self, deadline_box: dict, barrier: threading.Barrier) -> None:
        actions, weights = zip(*self.actions(), strict=True)
        self.warm_up()
        barrier.wait()
        while time.monotonic() < deadline_box["deadline"]:
            self.random.choices(actions, weights)[0]()
            time.sleep(self.random.uniform(0, THINK_SECONDS))
        self.session.close()


def run(plans: list[dict], options: dict, out, *, page_cache: bool = True) -> dict:
    """Every person signs in, then all work for ``options["mixed_seconds"]``: per page the
    latency summary, failures and page-cache hits and misses, the hit rate over every page,
    and the bare view measured on the same server before and after (``floor``). With
    ``page_cache=False``, the same day on a server without the page cache: every page built
    (what the page cache saves, measured beside it)."""
    seconds = options["mixed_seconds"]
    tally = Tally()
    with http.Server(page_cache=page_cache) as server:
        people = [
            Person(
                http.Session(server.base, http.sign_in(server.base, p["username"], PASSWORD)),
                p,
                tally,
            )
            for p in plans
        ]
        # The bare view on this server just before the people start and just after they
        # stop: the floor this run's ratios are taken to (the mean of the two medians).
        cookie = http.cookie_header(people[0].session.cookies)
        floors = [http.bare_view(server, cookie, options)]
        what = "" if page_cache else " (page cache off)"
        out(f"Mixed run{what}: {len(people)} people warm up, then work for {seconds:g} s…")
        box = {}

        def start_the_clock():
            box["deadline"] = time.monotonic() + seconds

        barrier = threading.Barrier(len(people), action=start_the_clock)
        threads = [threading.Thread(target=p.run, args=(box, barrier)) for p in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        floors.append(http.bare_view(server, cookie, options))
    pages = {}
    for page in sorted(set(tally.latencies) | set(tally.errors)):
        cache = tally.cache.get(page, Counter())
        pages[page] = {
            **summary(tally.latencies[page], errors=tally.errors[page], duration=seconds),
            "hits": cache["hit"],
            "misses": cache["miss"],
        }
    hits = sum(c["hit"] for c in tally.cache.values())
    misses = sum(c["miss"] for c in tally.cache.values())
    return {
        "page_cache": page_cache,
        "people": len(plans),
        "roles": dict(Counter(p["role"] for p in plans)),
        "seconds": seconds,
        "pages": pages,
        "hits": hits,
        "misses": misses,
        "hit_rate": hits / (hits + misses) if hits + misses else 0.0,
        "floor": median_of_rounds(floors),
    }
