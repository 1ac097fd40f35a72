"""The report: tables of pages, the API beside its peer, writes, the mixed run and the
reminder sweep, and the targets met or not. Built from plain results (no database), so a
test can build it from made-up figures."""

import statistics
from dataclasses import dataclass, field

# The targets, as ratios to the bare view's median (/livez) in the same run: each part of the
# run (the cached pages, the pages built, the writes, each mixed run) to the bare view
# measured beside it, on the same server, as the machine's speed drifts within a run; the
# report also gives each worst ratio to the run's first bare view (the cached half's).
CACHED_MEDIAN_FACTOR = 15
CACHED_P99_FACTOR = 50
REBUILT_MEDIAN_FACTOR = 15
REBUILT_P95_FACTOR = 30
MIXED_MEDIAN_FACTOR = 10
MIXED_P95_FACTOR = 25
WRITE_MEDIAN_FACTOR = 15
LIST_OVER_ADMIN = 8
SWEEP_OVER_FLOOR = 1.5  # the sweep's time over its SQL floor, measured beside it
SWEEP_MEGABYTES = 150
# Django's own admin, shown in the mixed run because load_test's administrators read it, is
# not one of our pages: it is left out of the mixed run's target.
NOT_OURS = ("Admin index", "Admin commitments")


@dataclass
class Results:
    options: dict
    seconds: float  # how long the whole run took
    machine: list[str]
    data: str  # a sentence on the data measured
    pages: list  # tools.bench.pages.Page
    writes: list = field(default_factory=list)  # tools.bench.writes.Write
    mixed: dict | None = None  # tools.bench.mixed.run's answer
    mixed_uncached: dict | None = None  # the same run with the page cache off
    sweeps: list = field(default_factory=list)
    writes_floor: dict | None = None  # the bare view on the writes' server (wrk's figures)


def rate(load: dict) -> float:
    return load["requests"] / (load["duration_us"] / 1e6) if load.get("duration_us") else 0.0


def errors(load: dict) -> int:
    return load.get("bad_status", 0) + load.get("socket_errors", 0)


def ms(load: dict, percentile: str) -> float:
    return load[f"{percentile}_us"] / 1000


def median_of_rounds(rounds: list[dict]) -> dict:
    """Each figure the median of the rounds' figures; error counts are summed."""
    summed = {"bad_status", "socket_errors"}
    return {
        key: sum(r[key] for r in rounds)
        if key in summed
        else statistics.median(r[key] for r in rounds)
        for key in rounds[0]
    }


def ours(pages: list) -> list:
    return [page for page in pages if page.kind == "page"]


def find(pages: list, title: str):
    return next(page for page in pages if page.title == title)


BARE = "Bare view (/livez)"


def bare_median(pages: list) -> float:
    """The bare view's median in the cached half, in ms: the run's first floor."""
    return ms(find(pages, BARE).load, "p50")


def floors(results: Results) -> dict[str, float]:
    """The bare view's median (ms) measured beside each part of the run, by part: what
    that part's ratios are taken to. A part measured without one is taken to the first."""
    first = bare_median(results.pages)
    bare = find(results.pages, BARE)

    def beside(load: dict | None) -> float:
        return ms(load, "p50") if load and load.get("requests") else first

    return {
        "cached": first,
        "rebuilt": beside(bare.rebuilt),
        "writes": beside(results.writes_floor),
        "mixed": beside((results.mixed or {}).get("floor")),
        "mixed_uncached": beside((results.mixed_uncached or {}).get("floor")),
    }


def against(worst_ms: float, factor: float, floor: float, first: float) -> str:
    """How a target's worst figure stands: the limit, the ratio to the floor measured beside
    it, and to the run's first floor."""
    return (
        f"{factor * floor:.1f} ms: {factor}× the bare view beside it, {floor:.1f} ms; "
        f"slowest {worst_ms:.1f} ms, {worst_ms / floor:.1f}× that floor and "
        f"{worst_ms / first:.1f}× the run's first, {first:.1f} ms"
    )


def mixed_pages(mixed: dict | None) -> dict:
    """The mixed run's pages the target is about: ours, reads (the writes have their own)."""
    if not mixed:
        return {}
    return {
        name: load
        for name, load in mixed["pages"].items()
        if name not in NOT_OURS and not name.endswith("(write)")
    }


def worst(loads: list[dict], percentile: str) -> float:
    return max((ms(load, percentile) for load in loads), default=0.0)


def checks(results: Results) -> list[tuple[str, bool]]:
    pages = results.pages
    floor = floors(results)
    first = floor["cached"]
    app = ours(pages)
    admin = next(page for page in pages if page.kind == "admin")
    listing = find(pages, "Alliance list")
    cached = [page.load for page in app]
    rebuilt = [page.rebuilt for page in app if page.rebuilt]
    cached_floor, rebuilt_floor = floor["cached"], floor["rebuilt"]
    found = [
        (
            f"Cached: every page's median ≤ {CACHED_MEDIAN_FACTOR}× the bare view's "
            f"({against(worst(cached, 'p50'), CACHED_MEDIAN_FACTOR, cached_floor, first)})",
            worst(cached, "p50") <= CACHED_MEDIAN_FACTOR * cached_floor,
        ),
        (
            f"Cached: every page's p99 ≤ {CACHED_P99_FACTOR}× the bare view's median "
            f"({against(worst(cached, 'p99'), CACHED_P99_FACTOR, cached_floor, first)})",
            worst(cached, "p99") <= CACHED_P99_FACTOR * cached_floor,
        ),
        (
            f"Built from scratch (PAGE_CACHE=false): every page's median ≤ "
            f"{REBUILT_MEDIAN_FACTOR}× the bare view's "
            f"({against(worst(rebuilt, 'p50'), REBUILT_MEDIAN_FACTOR, rebuilt_floor, first)})",
            bool(rebuilt) and worst(rebuilt, "p50") <= REBUILT_MEDIAN_FACTOR * rebuilt_floor,
        ),
        (
            f"Built from scratch: every page's p95 ≤ {REBUILT_P95_FACTOR}× the bare view's "
            f"median ({against(worst(rebuilt, 'p95'), REBUILT_P95_FACTOR, rebuilt_floor, first)})",
            bool(rebuilt) and worst(rebuilt, "p95") <= REBUILT_P95_FACTOR * rebuilt_floor,
        ),
    ]
    if results.mixed:
        loads = [load for load in mixed_pages(results.mixed).values() if load["requests"]]
        mixed_floor = floor["mixed"]
        found += [
            (
                f"Mixed run: every page's median ≤ {MIXED_MEDIAN_FACTOR}× the bare view's "
                f"({against(worst(loads, 'p50'), MIXED_MEDIAN_FACTOR, mixed_floor, first)})",
                worst(loads, "p50") <= MIXED_MEDIAN_FACTOR * mixed_floor,
            ),
            (
                f"Mixed run: every page's p95 ≤ {MIXED_P95_FACTOR}× the bare view's median "
                f"({against(worst(loads, 'p95'), MIXED_P95_FACTOR, mixed_floor, first)})",
                worst(loads, "p95") <= MIXED_P95_FACTOR * mixed_floor,
            ),
        ]
    if results.writes:
        done = [write.result for write in results.writes]
        writes_floor = floor["writes"]
        stands = against(worst(done, "p50"), WRITE_MEDIAN_FACTOR, writes_floor, first)
        found.append(
            (
                f"Every write (POST and its redirect): median ≤ {WRITE_MEDIAN_FACTOR}× the "
                f"bare view's ({stands})",
                all(load["requests"] for load in done)
                and worst(done, "p50") <= WRITE_MEDIAN_FACTOR * writes_floor,
            )
        )
    found.append(
        (
            f"Alliance list ≥ {LIST_OVER_ADMIN}× the admin change list's requests/s "
            f"({rate(listing.load):.0f} vs {rate(admin.load):.0f}: "
            f"{rate(listing.load) / max(rate(admin.load), 1e-9):.1f}×)",
            rate(listing.load) >= LIST_OVER_ADMIN * rate(admin.load),
        )
    )
    failures = sum(errors(p.load) + errors(p.rebuilt) for p in pages)
    failures += sum(errors(write.result) for write in results.writes)
    failures += errors(results.writes_floor or {})
    for run in (results.mixed, results.mixed_uncached):
        if run:
            failures += sum(errors(load) for load in run["pages"].values())
            failures += errors(run.get("floor") or {})
    # A page that got no answer within its time would otherwise pass every target as 0 ms.
    silent = [p.title for p in pages if not p.load.get("requests")]
    silent += [f"{p.title} (rebuilt)" for p in pages if p.rebuilt and not p.rebuilt["requests"]]
    found.append(
        (
            f"No error responses, every page answered ({failures} errors"
            + (f"; no answer: {', '.join(silent)})" if silent else ")"),
            not failures and not silent,
        )
    )
    found += sweep_checks(results.sweeps)
    return found


def sweep_checks(sweeps: list[dict]) -> list[tuple[str, bool]]:
    if not sweeps:
        return []
    largest, smallest = sweeps[-1], sweeps[0]
    growth = largest["commitments"] / smallest["commitments"]
    return [
        (
            f"Sweep time grows no faster than the commitments ({growth:.0f}× the "
            f"commitments, {largest['seconds'] / smallest['seconds']:.1f}× the time; "
            f"peak memory {smallest['memory_mb']:.0f} → {largest['memory_mb']:.0f} MB)",
            largest["seconds"] / smallest["seconds"] <= growth,
        ),
        (
            f"Sweep over {largest['commitments']:,} commitments ≤ {SWEEP_OVER_FLOOR}× its SQL "
            f"floor ({largest['seconds']:.2f} s over {largest['floor_seconds']:.2f} s: "
            f"{largest['seconds'] / largest['floor_seconds']:.1f}×) and ≤ {SWEEP_MEGABYTES} MB "
            f"({largest['memory_mb']:.0f} MB)",
            largest["seconds"] <= SWEEP_OVER_FLOOR * largest["floor_seconds"]
            and largest["memory_mb"] <= SWEEP_MEGABYTES,
        ),
    ]


def build(results: Results) -> str:
    o = results.options
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`python manage.py benchmark`, `tools/bench/`); "
        f"this run took {results.seconds / 60:.1f} minutes"
        + (" (`--quick`: tiny data, short runs; not for comparison)." if o.get("quick") else "."),
        "",
        "## Machine",
        "",
        *(f"- {line}" for line in results.machine),
        "",
        "## Data",
        "",
        results.data,
    ]
    lines += floors_section(results)
    lines += pages_section(results)
    lines += api_section(results)
    if results.writes:
        lines += writes_section(results)
    if results.mixed:
        lines += mixed_section(results)
    if results.mixed and results.mixed_uncached:
        lines += page_cache_section(results)
    if results.sweeps:
        lines += sweeps_section(results.sweeps)
    lines += ["", "## Targets", ""]
    lines += [f"- {'✅ met' if met else '❌ not met'}: {what}" for what, met in checks(results)]
    return "\n".join(lines) + "\n"


def floors_section(results: Results) -> list[str]:
    """The bare view as measured beside each part of the run: how far the machine's speed
    moved while the run went on, and what each part's ratios are taken to."""
    bare = find(results.pages, BARE)
    parts = [
        ("Pages, page cache on (the run's first)", bare.load),
        ("Pages built from scratch (page cache off)", bare.rebuilt),
        ("Writes (before each kind; their median)", results.writes_floor),
        ("Mixed run (before and after)", (results.mixed or {}).get("floor")),
        ("Mixed run without the page cache", (results.mixed_uncached or {}).get("floor")),
    ]
    first = bare_median(results.pages)
    lines = [
        "",
        "## The bare view through the run",
        "",
        "`/livez` (no database, no session, no template) under the same wrk load as the "
        "pages, on the server of each part of the run: in the pages' rounds, before each "
        "kind of write, before and after each mixed run. A shared machine's speed drifts as "
        "the run goes on (the last column shows how far), so each part's ratios are taken to "
        "the floor measured beside it; the targets also give each worst ratio to the first.",
        "",
        "| Part | Median ms | p95 ms | Requests/s | Median ÷ the first |",
        "|---|---:|---:|---:|---:|",
    ]
    for part, load in parts:
        if load and load.get("requests"):
            lines.append(
                f"| {part} | {ms(load, 'p50'):.2f} | {ms(load, 'p95'):.2f} | {rate(load):.0f} "
                f"| {ms(load, 'p50') / first:.2f}× |"
            )
    return lines


def pages_section(results: Results) -> list[str]:
    o, pages = results.options, results.pages
    floor, rebuilt_floor = floors(results)["cached"], floors(results)["rebuilt"]
    lines = [
        "",
        "## Pages",
        "",
        f"gunicorn with 2 workers of one thread (production settings, whitenoise, "
        f"persistent connections; `tools/bench_settings.py`: the project's settings, the API "
        f"peer's URLs and API throttle rates no load reaches) on 127.0.0.1; wrk with "
        f"{o['connections']} connections, each request on a new one as the proxy sends them "
        f"(`tools/bench/http.py` says why), {o['rounds']} rounds over every page of "
        f"{o['seconds']} s each (after a {o['warmup']} s warm-up); between pages the bench "
        f"waits until `/livez` answers at once (the previous page's queued requests have "
        f"finished), then {o['settle']} s more; each figure is the median of the rounds'. "
        "Signed in through the login form; the public pages too (they throttle "
        "anonymous visitors, not people signed in).",
        "",
        "**Cached**: the same request over and over, answered from the page cache where the "
        "page has one (README, *Page cache*). **Rebuilt**: as many rounds again with the page "
        "cache off (`PAGE_CACHE=false`): what a visit costs when its content must be built, as "
        "after a change. Queries: one request through Django's test client, built / from the "
        "cache.",
        "",
        "| Page | As | Median ms | p95 ms | p99 ms | Requests/s | Non-2xx | Queries "
        "| Median ÷ bare | Rebuilt: median ms | Rebuilt: p95 ms | Rebuilt: requests/s "
        "| Rebuilt: median ÷ bare | Rebuilt: p95 ÷ bare |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page in pages:
        rebuilt = "| — | — | — | — | —"
        if page.rebuilt:
            r = page.rebuilt
            rebuilt = (
                f"| {ms(r, 'p50'):.1f} | {ms(r, 'p95'):.1f} | {rate(r):.0f} "
                f"| {ms(r, 'p50') / rebuilt_floor:.1f}× | {ms(r, 'p95') / rebuilt_floor:.1f}×"
            )
        load = page.load
        lines.append(
            f"| {page.title} | {page.person} | {ms(load, 'p50'):.1f} | {ms(load, 'p95'):.1f} "
            f"| {ms(load, 'p99'):.1f} | {rate(load):.0f} | {errors(load) + errors(page.rebuilt)} "
            f"| {page.queries} / {page.cached_queries} | {ms(load, 'p50') / floor:.1f}× {rebuilt} |"
        )
    return lines


def api_section(results: Results) -> list[str]:
    pairs = [("API: alliances", "Peer: alliances"), ("API: measurements", "Peer: measurements")]
    titles = {page.title for page in results.pages}
    pairs = [(a, b) for a, b in pairs if a in titles and b in titles]
    if not pairs:
        return []
    lines = [
        "",
        "## The API beside a plain ModelViewSet",
        "",
        "The peer (`/bench-peer/`, `tools/bench_urls.py`) serves the same rows as a textbook "
        "DRF `ModelViewSet`: a `ModelSerializer` of every field, `.all()` by primary key, the "
        "same pagination (50 a page), session authentication, `IsAuthenticated`. Ours checks "
        "who may read which alliance, validates its filters and writes chosen fields with "
        "their related rows. Both as the administrator, in the same runs as the pages.",
        "",
        "| List | Ours: median ms | Peer: median ms | Ours: requests/s | Peer: requests/s "
        "| Ours ÷ peer (requests/s) | Rebuilt run: ours ÷ peer | Queries: ours / peer |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mine, peer in pairs:
        a, b = find(results.pages, mine), find(results.pages, peer)
        again = "—"
        if a.rebuilt and b.rebuilt:
            again = f"{rate(a.rebuilt) / max(rate(b.rebuilt), 1e-9):.2f}×"
        lines.append(
            f"| {mine.split(': ')[1]} | {ms(a.load, 'p50'):.1f} | {ms(b.load, 'p50'):.1f} "
            f"| {rate(a.load):.0f} | {rate(b.load):.0f} "
            f"| {rate(a.load) / max(rate(b.load), 1e-9):.2f}× | {again} "
            f"| {a.queries} / {b.queries} |"
        )
    return lines


def writes_section(results: Results) -> list[str]:
    o = results.options
    floor = floors(results)["writes"]
    lines = [
        "",
        "## Writes",
        "",
        f"Each write {o['writes']} times by {o['write_clients']} clients at once, each signed "
        "in as a coordinator who also represents the members, each request on a connection "
        "of its own (CSRF token and Referer as a browser sends them); the latency is the "
        "POST and the GET of the page it redirects to, on a server with the page cache off. "
        "The writes go to small alliances of their own (five members, an indicator, an "
        "agreement, a meeting); a change of phase and a signature can each be made once, so "
        "those alliances are put "
        "back in Implementación, their agreement unsigned, between batches.",
        "",
        "| Write | Acknowledged | Median ms | p95 ms | p99 ms | Failed | Median ÷ bare |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for write in results.writes:
        r = write.result
        lines.append(
            f"| {write.title} | {r['requests']} | {ms(r, 'p50'):.1f} | {ms(r, 'p95'):.1f} "
            f"| {ms(r, 'p99'):.1f} | {errors(r)} | {ms(r, 'p50') / floor:.1f}× |"
        )
    for write in results.writes:
        for failure in write.failures or []:
            lines.append(f"- {write.title} failed: `{failure}`")
    return lines


def mixed_section(results: Results) -> list[str]:
    mixed = results.mixed
    floor = floors(results)["mixed"]
    roles = ", ".join(
        f"{n} {role}{'' if n == 1 else 's'}" for role, n in sorted(mixed["roles"].items())
    )
    lines = [
        "",
        "## Mixed run",
        "",
        f"{mixed['people']} simulated people ({roles}) for {mixed['seconds']:g} s on a "
        "server with the page cache on, each request on a connection of its own, choosing "
        "what to do with `load_test`'s weights (pages, the progress and value forms and "
        "their writes) and pausing up to 0.3 s between actions, on the busiest alliances "
        "that take reports: each write renews what the others had cached. Each person first "
        "visits, once and not counted, the page the page cache keeps (the alliance page; "
        "each server starts with an empty cache). "
        "**Page cache hit rate: "
        f"{100 * mixed['hit_rate']:.0f} %** ({mixed['hits']:,} hits, {mixed['misses']:,} "
        "misses, from the `X-Page-Cache` header of the pages that have a page cache). The "
        "Django admin's pages and the writes are shown but not in the target.",
        "",
        "| Page | Requests | Median ms | p95 ms | Failed | Cache hits / misses "
        "| Median ÷ bare | p95 ÷ bare |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, load in mixed["pages"].items():
        cache = f"{load['hits']} / {load['misses']}" if load["hits"] + load["misses"] else "—"
        lines.append(
            f"| {name} | {load['requests']} | {ms(load, 'p50'):.1f} | {ms(load, 'p95'):.1f} "
            f"| {errors(load)} | {cache} | {ms(load, 'p50') / floor:.1f}× "
            f"| {ms(load, 'p95') / floor:.1f}× |"
        )
    return lines


def page_cache_section(results: Results) -> list[str]:
    """The mixed run again, on a fresh copy of the same data, on a server without the page
    cache: per page, what the cache saves when writes keep renewing what it holds."""
    cached, uncached = results.mixed, results.mixed_uncached
    floor = floors(results)["mixed_uncached"]
    lines = [
        "",
        "## What the page cache saves in the mixed run",
        "",
        f"The same {uncached['people']} people for {uncached['seconds']:g} s, on a copy of "
        "the same data, on a server with the page cache off (`PAGE_CACHE=false`): every "
        "page built. The pages that have a page cache (its hits and misses in the run "
        "above) are the ones to read; on the others the two columns differ by chance.",
        "",
        "| Page | Cache on: median ms | Cache off: median ms | Cache on: p95 ms "
        "| Cache off: p95 ms | Cache off: median ÷ bare | Cache off: p95 ÷ bare |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, load in cached["pages"].items():
        other = uncached["pages"].get(name)
        if not other or not other["requests"]:
            continue
        has_cache = load["hits"] + load["misses"]
        lines.append(
            f"| {name}{' (page cache)' if has_cache else ''} | {ms(load, 'p50'):.1f} "
            f"| {ms(other, 'p50'):.1f} | {ms(load, 'p95'):.1f} | {ms(other, 'p95'):.1f} "
            f"| {ms(other, 'p50') / floor:.1f}× | {ms(other, 'p95') / floor:.1f}× |"
        )
    return lines


def sweeps_section(sweeps: list[dict]) -> list[str]:
    lines = [
        "",
        "## Reminder sweep",
        "",
        "`bench_reminders --json`, each size in a database of its own and each sweep in a "
        "process of its own (peak memory is that process's, Django included); the first sweep "
        "after forgetting every reminder, so everything due is new. Send tasks go to an "
        "in-memory broker: this is the beat task's work. Its SQL floor: the rules' own "
        "`INSERT … SELECT` statements (`rules.recording_statements`) run bare in one "
        "transaction on the same database, just before.",
        "",
        "| Commitments | Seconds | SQL floor, seconds | ÷ floor | µs per commitment | Peak MB "
        "| Reminders recorded | E-mails queued |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for sweep in sweeps:
        lines.append(
            f"| {sweep['commitments']:,} | {sweep['seconds']:.2f} "
            f"| {sweep['floor_seconds']:.2f} | {sweep['seconds'] / sweep['floor_seconds']:.1f}× "
            f"| {1e6 * sweep['seconds'] / sweep['commitments']:.1f} "
            f"| {sweep['memory_mb']:.0f} | {sweep['recorded']:,} | {sweep['queued']:,} |"
        )
    return lines
