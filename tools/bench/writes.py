"""The five writes of a person's day, each as a browser does it: POST the form, then GET
the page it redirects to; the latency is both. Measured on a server with the page cache off
(each redirect's page built), ``count`` times each, by a few clients at once, on the small
alliances of :func:`tools.bench.data.write_world` (reset between batches where a write can
be done only once: a change of phase, a signature)."""

import datetime
import itertools
import random
import threading
import time
from dataclasses import dataclass

from django.utils import timezone

from alianzas.lifecycle import Phase
from alianzas.models import Alliance
from fases.models import AgreementSignature
from tools.bench import http
from tools.bench.data import PASSWORD, WriteWorld
from tools.bench.report import median_of_rounds
from tools.bench.stats import summary


@dataclass
class Write:
    title: str
    jobs: list  # batches of (path, form): each batch may run once between resets
    reset: object = None  # called between batches
    result: dict | None = None
    failures: list | None = None


def progress_jobs(world: WriteWorld, count: int) -> list[list[tuple[str, dict]]]:
    """Progress on the commitments round-robin (under 100 %: each stays open)."""
    chosen = random.Random(1)
    cycle = itertools.cycle(world.commitments)
    return [
        [
            (
                f"/alianzas/{alliance}/compromisos/{commitment}/avance/",
                {"progress": str(chosen.randint(1, 99)), "note": "Medición de escrituras"},
            )
            for alliance, commitment in itertools.islice(cycle, count)
        ]
    ]


def value_jobs(world: WriteWorld, count: int) -> list[list[tuple[str, dict]]]:
    """Values of every open period of every indicator, round-robin; a period reported
    again is a correction (the earlier value is kept), as on the page."""
    chosen = random.Random(2)
    targets = [(a, i, p) for a, i, periods in world.indicators for p in periods]
    cycle = itertools.cycle(targets)
    return [
        [
            (
                f"/alianzas/{alliance}/indicadores/{indicator}/valores/nuevo/",
                {
                    "period_start": period,
                    "value": str(chosen.randint(100, 500)),
                    "note": "Medición",
                },
            )
            for alliance, indicator, period in itertools.islice(cycle, count)
        ]
    ]


def _batches(jobs: list, size: int, count: int) -> list[list]:
    """``count`` jobs in batches of at most ``size`` (what one reset allows)."""
    cycle = itertools.cycle(jobs)
    flat = list(itertools.islice(cycle, count))
    return [flat[start : start + size] for start in range(0, len(flat), size)]


def phase_jobs(world: WriteWorld, count: int) -> list[list[tuple[str, dict]]]:
    """Implementación → Monitoreo on each alliance (the requirements are checked: indicators
    with a frequency and a responsible member, a commitment of every member)."""
    jobs = [(f"/alianzas/{pk}/fase/start_monitoring/", {"comment": ""}) for pk in world.alliances]
    return _batches(jobs, len(jobs), count)


def reset_phases(world: WriteWorld) -> None:
    Alliance.objects.filter(pk__in=world.alliances).update(phase=Phase.IMPLEMENTATION)


def signature_jobs(world: WriteWorld, count: int) -> list[list[tuple[str, dict]]]:
    """Each member signs its alliance's agreement for itself (the writer represents them)."""
    jobs = [
        (f"/alianzas/{alliance}/acuerdo/firmar/", {"actor": str(actor), "confirm": "on"})
        for alliance, actor in world.signatures
    ]
    return _batches(jobs, len(jobs), count)


def reset_signatures(world: WriteWorld) -> None:
    AgreementSignature.objects.filter(version__agreement__alliance_id__in=world.alliances).delete()


def action_point_jobs(world: WriteWorld, count: int) -> list[list[tuple[str, dict]]]:
    """An action point on each alliance's decision, owned by one of its members (whom the
    writer represents), due in a month."""
    due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    jobs = [
        (
            f"/alianzas/{alliance}/reuniones/{meeting}/decisiones/{decision}/acuerdos/nuevo/",
            {
                "description": "Enviar el informe de avance",
                "owner_actor": str(actors[0]),
                "owner": str(world.writer.pk),
                "due_date": due,
            },
        )
        for alliance, meeting, decision, actors in world.decisions
    ]
    return [list(itertools.islice(itertools.cycle(jobs), count))]


def writes(world: WriteWorld, count: int) -> list[Write]:
    return [
        Write("Log progress on a commitment", progress_jobs(world, count)),
        Write("Report an indicator value", value_jobs(world, count)),
        Write(
            "Change of phase (start monitoring)",
            phase_jobs(world, count),
            lambda: reset_phases(world),
        ),
        Write(
            "Sign the agreement",
            signature_jobs(world, count),
            lambda: reset_signatures(world),
        ),
        Write("Record an action point", action_point_jobs(world, count)),
    ]


def run_batch(sessions: list[http.Session], jobs: list) -> tuple[list[float], list[str]]:
    """The jobs shared by the sessions, one thread each: (latencies of the writes that
    were acknowledged, what went wrong with the others)."""
    pending = list(reversed(jobs))
    lock = threading.Lock()
    latencies, failures = [], []

    def work(session: http.Session) -> None:
        while True:
            with lock:
                if not pending:
                    return
                path, form = pending.pop()
            try:
                status, final, seconds, location = session.post_and_follow(path, form)
            except OSError as error:
                with lock:
                    failures.append(f"{path}: {error!r}")
                continue
            with lock:
                if status == 302 and final == 200 and "/cuenta/login/" not in location:
                    latencies.append(seconds)
                else:
                    failures.append(f"{path}: {status} → {location or '-'} {final}")

    threads = [threading.Thread(target=work, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures


def measure(world: WriteWorld, options: dict, out) -> tuple[list[Write], dict]:
    """The writes, and the bare view measured on the same server before each of them (the
    median of those runs): the floor the writes' ratios are taken to."""
    measured = writes(world, options["writes"])
    floors = []
    with http.Server(page_cache=False) as server:
        base = server.base
        sessions = [
            http.Session(base, http.sign_in(base, world.writer.username, PASSWORD))
            for _client in range(options["write_clients"])
        ]
        cookie = http.cookie_header(sessions[0].cookies)
        for write in measured:
            floors.append(http.bare_view(server, cookie, options))
            out(f"Writes: {write.title} ×{options['writes']}…")
            latencies, failures = [], []
            started = time.monotonic()
            for number, batch in enumerate(write.jobs):
                if number and write.reset:
                    write.reset()
                done, failed = run_batch(sessions, batch)
                latencies += done
                failures += failed
            elapsed = time.monotonic() - started
            write.result = summary(latencies, errors=len(failures), duration=elapsed)
            write.failures = failures[:5]
            if write.reset:
                write.reset()
        for session in sessions:
            session.close()
    return measured, median_of_rounds(floors)
