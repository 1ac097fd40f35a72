"""A bounded load test against a running server, checked against the database afterwards.

    python manage.py load_test --url http://127.0.0.1:8000 --users 50 --seconds 60

Run it with the same ``DATABASE_URL`` as the server. It creates (once, found again by name
on later runs) five alliances in Implementación with coordinators, actor representatives
and administrators, signs each simulated person in over HTTP, and for ``--seconds`` lets
``--users`` of them at once read pages (dashboard, alliance, commitment, monitoring,
portfolio, "Mis compromisos", notices, the admin) and write (progress updates on
commitments, indicator values), each write carrying a unique token in its note.

Afterwards it looks every token up in the database: a write the server acknowledged
(a redirect after the POST) and that is not there is a lost write. It prints the requests
by status and the writes acknowledged, found and lost, writes them as JSON with
``--json``, and fails when any response was a 5xx, a request got no response at all, or a
write was lost. ``make reliability`` runs it against gunicorn in production mode.
"""

import http.client
import json
import random
import re
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from alianzas.lifecycle import Phase
from alianzas.models import (
    Actor,
    Alliance,
    Frequency,
    Indicator,
    Membership,
    Objective,
    Origin,
    Region,
    Role,
    Sector,
    User,
)
from fases.models import Agreement, AgreementSignature, AgreementVersion, SignatureMethod
from fases.services import change_phase
from seguimiento.models import (
    Commitment,
    CommitmentKind,
    CommitmentUpdate,
    Measurement,
    MeasurementCorrection,
)

PASSWORD = "carga-alianzas-2026"


def signed_agreement(alliance, user, today) -> None:
    """The partnering agreement of the alliance's cycle, signed by every member on paper:
    what starting Implementación requires (fases.requirements). Written directly, like the
    rest of the load's set-up; the load then exercises the pages, not the signing."""
    agreement, _ = Agreement.objects.get_or_create(
        alliance=alliance, cycle=alliance.cycle, defaults={"created_by": user}
    )
    version, _ = AgreementVersion.objects.get_or_create(
        agreement=agreement,
        number=1,
        defaults={
            "objective": "Prueba de carga: agua segura",
            "decision_making": "Por consenso",
            "committee_frequency": "Cada mes",
            "conflict_resolution": "Mediación de la coordinación",
            "returns_sharing": "Datos abiertos",
            "starts_on": today,
            "ends_on": today.replace(year=today.year + 2),
            "created_by": user,
        },
    )
    for membership in alliance.memberships.filter(left_on__isnull=True):
        AgreementSignature.objects.get_or_create(
            version=version,
            actor_id=membership.actor_id,
            defaults={
                "method": SignatureMethod.PAPER,
                "signatory": "Representante de carga",
                "signed_on": today,
                "recorded_by": user,
            },
        )
    alliance.forget()


ALLIANCES = 5
COMMITMENTS_PER_ACTOR = 3
PERIOD_OPTION = re.compile(r'name="period_start".*?<option value="([^"]+)"', re.DOTALL)


# --- The people and what they may touch -----------------------------------------------------


def role_of(number: int) -> str:
    """Of every ten simulated people: one administrator, two coordinators, seven
    representatives."""
    position = number % 10
    if position == 9:
        return "administrator"
    if position in (0, 5):
        return "coordinator"
    return "representative"


def prepare(prefix: str, users: int) -> list[dict]:
    """Create what the load needs (idempotent: found by name); one plan per person."""
    password = make_password(PASSWORD)
    region = Region.objects.order_by("code").first()
    today = timezone.localdate()
    setup_user = get_user(f"{prefix}-preparacion", password, staff=True)
    alliances = []
    for number in range(1, ALLIANCES + 1):
        alliance, created = Alliance.objects.get_or_create(
            name=f"Alianza de carga {prefix} {number}",
            defaults={
                "problem": "Prueba de carga: agua segura en comunidades rurales.",
                "origin": Origin.FROM_THE_BASE,
                "start_date": today,
            },
        )
        public, _ = Actor.objects.get_or_create(
            name=f"Municipalidad de carga {prefix} {number}",
            defaults={"sector": Sector.PUBLIC, "region": region},
        )
        private, _ = Actor.objects.get_or_create(
            name=f"Empresa de carga {prefix} {number}",
            defaults={"sector": Sector.PRIVATE, "region": region},
        )
        if created:
            furnish(
                alliance,
                [(public, Role.LEADER), (private, Role.FUNDER)],
                commitments_each=COMMITMENTS_PER_ACTOR,
                label=f"carga {number}",
                today=today,
            )
        if alliance.phase == Phase.IDENTIFICATION:
            signed_agreement(alliance, setup_user, today)
            change_phase(alliance=alliance, transition="start_implementation", user=setup_user)
        alliances.append(
            {
                "pk": alliance.pk,
                "actors": {"public": public.pk, "private": private.pk},
                "indicator": Indicator.objects.get(objective__alliance=alliance).pk,
                "commitments": {
                    side: list(
                        Commitment.objects.filter(alliance=alliance, actor_id=actor_pk)
                        .order_by("pk")
                        .values_list("pk", flat=True)
                    )
                    for side, actor_pk in (("public", public.pk), ("private", private.pk))
                },
            }
        )

    plans = []
    for number in range(users):
        role = role_of(number)
        alliance = alliances[number % ALLIANCES]
        user = get_user(f"{prefix}-{role}-{number:03d}", password, staff=role == "administrator")
        plan = {"username": user.username, "role": role, "alliance": alliance}
        if role == "coordinator":
            Alliance.objects.get(pk=alliance["pk"]).coordinators.add(user)
            plan["commitments"] = (
                alliance["commitments"]["public"] + (alliance["commitments"]["private"])
            )
            plan["indicator"] = alliance["indicator"]
        elif role == "representative":
            side = "public" if number % 2 else "private"
            Actor.objects.get(pk=alliance["actors"][side]).representatives.add(user)
            plan["commitments"] = alliance["commitments"][side]
            # The public actor is responsible for the indicator: its people report values.
            plan["indicator"] = alliance["indicator"] if side == "public" else None
        plans.append(plan)
    return plans


def furnish(alliance, members, *, commitments_each: int, label: str, today) -> None:
    """A new alliance of the load test or the benchmark made ready to measure: its members
    (``(actor, role)``, the first responsible for the indicator), ``commitments_each``
    commitments of each, and one objective with a monthly indicator."""
    for actor, role in members:
        Membership.objects.create(alliance=alliance, actor=actor, role=role, joined_on=today)
        for position in range(commitments_each):
            Commitment.objects.create(
                alliance=alliance,
                actor=actor,
                cycle=alliance.cycle,
                description=f"Compromiso de {label.split()[0]} {position + 1}",
                kind=CommitmentKind.FINANCIAL,
                value_pen=Decimal("1000.00"),
                due_date=today.replace(year=today.year + 1),
            )
    objective = Objective.objects.create(
        alliance=alliance, position=1, title="Aumentar el acceso a agua segura"
    )
    Indicator.objects.create(
        objective=objective,
        name=f"Hogares con agua segura ({label})",
        unit="hogares",
        baseline_value=Decimal("100"),
        baseline_date=today,
        target_value=Decimal("500"),
        target_date=today.replace(year=today.year + 2),
        responsible_actor=members[0][0],
        frequency=Frequency.MONTHLY,
    )


def get_user(username: str, password: str, *, staff: bool = False) -> User:
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={
            "email": f"{username}@carga.example.pe",
            "password": password,
            "is_staff": staff,
            "is_superuser": staff,
        },
    )
    return user


# --- One simulated person ---------------------------------------------------------------------


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.by_action = defaultdict(Counter)
        self.latencies = []
        self.no_response = Counter()
        self.acknowledged = defaultdict(set)
        self.unacknowledged = defaultdict(set)
        self.server_errors = []

    def record(self, action: str, status: int | None, seconds: float, detail: str = ""):
        with self.lock:
            if status is None:
                self.no_response[action] += 1
                self.server_errors.append(f"{action}: no response ({detail})")
                return
            self.statuses[status] += 1
            self.by_action[action][status] += 1
            self.latencies.append(seconds)
            if status >= 500 and len(self.server_errors) < 50:
                self.server_errors.append(f"{action}: {status} {detail}")


class Person:
    def __init__(self, base_url: str, plan: dict, results: Results, think: float):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.plan = plan
        self.results = results
        self.think = think
        self.cookies: dict[str, str] = {}
        self.random = random.Random(plan["username"])

    def request(self, action: str, method: str, path: str, form: dict | None = None):
        """One request on a connection of its own; returns (status, headers, body) or None."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.results.record(action, None, time.monotonic() - started, repr(error))
            return None
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        self.results.record(action, response.status, time.monotonic() - started, path)
        return response.status, dict(response.getheaders()), content

    def sign_in(self) -> bool:
        if self.request("login page", "GET", "/cuenta/login/") is None:
            return False
        answer = self.request(
            "sign in",
            "POST",
            "/cuenta/login/",
            {"username": self.plan["username"], "password": PASSWORD},
        )
        return answer is not None and answer[0] == 302

    def run(self, clock: dict, barrier: threading.Barrier) -> None:
        # Everyone signs in first (a password hash costs the server a fraction of a second
        # each), then the timed run starts for all at once.
        signed_in = self.sign_in()
        barrier.wait()
        if not signed_in:
            return
        while time.monotonic() < clock["deadline"]:
            _name, action = self.random.choices(*zip(*self.actions(), strict=True))[0]
            action()
            time.sleep(self.random.uniform(0, self.think))

    def actions(self):
        """(name, callable) pairs weighted by how often people do them: ((name, do), weight)."""
        plan = self.plan
        alliance = plan["alliance"]["pk"]
        read = self.read
        pages = [
            (("dashboard", lambda: read("dashboard", "/")), 3),
            (("alliance", lambda: read("alliance", f"/alianzas/{alliance}/")), 3),
            (("monitoring", lambda: read("monitoring", f"/alianzas/{alliance}/monitoreo/")), 1),
        ]
        if plan["role"] == "administrator":
            return [
                *pages,
                (("portfolio", lambda: read("portfolio", "/cartera/")), 2),
                (("admin", lambda: read("admin", "/admin/")), 1),
                (("admin commitments", lambda: read("admin", "/admin/seguimiento/commitment/")), 1),
                (("alliance list", lambda: read("alliance list", "/alianzas/")), 1),
            ]
        commitment = self.random.choice(plan["commitments"])
        pages += [
            (
                ("commitment", lambda: read("commitment", self.commitment_path(commitment))),
                2,
            ),
            (("progress", self.log_progress), 3),
        ]
        if plan["indicator"]:
            pages.append((("measurement", self.report_measurement), 2))
        if plan["role"] == "coordinator":
            return [*pages, (("portfolio", lambda: read("portfolio", "/cartera/")), 1)]
        return [
            *pages,
            (("my commitments", lambda: read("my commitments", "/mis-compromisos/")), 2),
            (("notices", lambda: read("notices", "/avisos/")), 1),
        ]

    def commitment_path(self, commitment: int) -> str:
        return f"/alianzas/{self.plan['alliance']['pk']}/compromisos/{commitment}/"

    def read(self, action: str, path: str) -> None:
        self.request(action, "GET", path)

    def write(self, kind: str, path: str, form: dict, token: str) -> None:
        answer = self.request(f"{kind} (write)", "POST", path, form)
        acknowledged = (
            answer is not None
            and answer[0] == 302
            and "/cuenta/login/" not in answer[1].get("Location", "")
        )
        with self.results.lock:
            target = self.results.acknowledged if acknowledged else self.results.unacknowledged
            target[kind].add(token)

    def log_progress(self) -> None:
        commitment = self.random.choice(self.plan["commitments"])
        path = self.commitment_path(commitment) + "avance/"
        if self.request("progress form", "GET", path) is None:
            return
        token = f"carga-{uuid.uuid4().hex}"
        form = {"progress": str(self.random.randint(1, 99)), "note": token}
        self.write("progress", path, form, token)

    def report_measurement(self) -> None:
        alliance, indicator = self.plan["alliance"]["pk"], self.plan["indicator"]
        path = f"/alianzas/{alliance}/indicadores/{indicator}/valores/nuevo/"
        answer = self.request("measurement form", "GET", path)
        if answer is None or answer[0] != 200:
            return
        period = PERIOD_OPTION.search(answer[2])
        if period is None:
            return
        token = f"carga-{uuid.uuid4().hex}"
        form = {
            "period_start": period.group(1),
            "value": str(self.random.randint(100, 500)),
            "note": token,
        }
        self.write("measurement", path, form, token)


# --- The run and the check against the database ---------------------------------------------


def check_writes(results: Results) -> dict:
    """Every acknowledged token looked up in the database."""
    progress = results.acknowledged["progress"] | results.unacknowledged["progress"]
    found_progress = set(
        CommitmentUpdate.objects.filter(note__in=progress).values_list("note", flat=True)
    )
    measurement = results.acknowledged["measurement"] | results.unacknowledged["measurement"]
    # A value reported again for the same period corrects it: the earlier note is kept
    # in the correction.
    found_measurement = set(
        Measurement.objects.filter(note__in=measurement).values_list("note", flat=True)
    ) | set(
        MeasurementCorrection.objects.filter(previous_note__in=measurement).values_list(
            "previous_note", flat=True
        )
    )
    found = {"progress": found_progress, "measurement": found_measurement}
    checked = {}
    for kind in ("progress", "measurement"):
        acknowledged = results.acknowledged[kind]
        checked[kind] = {
            "acknowledged": len(acknowledged),
            "found": len(acknowledged & found[kind]),
            "lost": len(acknowledged - found[kind]),
            "not acknowledged": len(results.unacknowledged[kind]),
            "not acknowledged but stored": len(results.unacknowledged[kind] & found[kind]),
        }
    return checked


def inconsistent_commitments(commitment_ids) -> int:
    """Commitments whose progress is not that of their latest update."""
    latest = CommitmentUpdate.objects.filter(commitment=OuterRef("pk")).order_by("-pk")
    rows = (
        Commitment.objects.filter(pk__in=commitment_ids)
        .annotate(latest=Subquery(latest.values("progress")[:1]))
        .values_list("progress", "latest")
    )
    return sum(1 for progress, last in rows if last is not None and progress != last)


class Command(BaseCommand):
    help = (
        "Load a running server with simulated coordinators, representatives and "
        "administrators reading and writing at once, then check every acknowledged write "
        "in the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--seconds", type=float, default=60)
        parser.add_argument(
            "--think", type=float, default=0.3, help="At most this many seconds between actions."
        )
        parser.add_argument("--prefix", default="carga", help="Names of the data it creates.")
        parser.add_argument(
            "--json", dest="json_path", help="Also write the results to this file as JSON."
        )

    def handle(self, *args, url, users, seconds, think, prefix, json_path, **options):
        plans = prepare(prefix, users)
        results = Results()
        people = [Person(url, plan, results, think) for plan in plans]
        self.stdout.write(f"{users} people sign in, then work for {seconds:g} s on {url} ...")
        clock = {}

        def start_the_clock():
            clock["started"] = time.monotonic()
            clock["deadline"] = clock["started"] + seconds

        barrier = threading.Barrier(users, action=start_the_clock)
        threads = [threading.Thread(target=p.run, args=(clock, barrier)) for p in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - clock["started"]

        writes = check_writes(results)
        commitment_ids = {c for plan in plans for c in plan.get("commitments", [])}
        summary = {
            "url": url,
            "users": users,
            "roles": dict(Counter(plan["role"] for plan in plans)),
            "seconds": round(elapsed, 1),
            "requests": sum(results.statuses.values()) + sum(results.no_response.values()),
            # Sign-ins (before the clock started) are counted, but not in the rate.
            "per_second": round((sum(results.statuses.values()) - 2 * users) / elapsed, 1),
            "statuses": {str(k): v for k, v in sorted(results.statuses.items())},
            "server_errors": sum(v for k, v in results.statuses.items() if k >= 500),
            "no_response": sum(results.no_response.values()),
            "latency_ms": latency_summary(results.latencies),
            "by_action": {
                action: {str(k): v for k, v in sorted(counts.items())}
                for action, counts in sorted(results.by_action.items())
            },
            "writes": writes,
            "lost_writes": sum(w["lost"] for w in writes.values()),
            "inconsistent_commitments": inconsistent_commitments(commitment_ids),
            "errors": results.server_errors[:20],
        }
        self.print_summary(summary)
        if json_path:
            with open(json_path, "w") as file:
                file.write(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
        if summary["server_errors"] or summary["no_response"] or summary["lost_writes"]:
            raise CommandError("The load test failed: see the 5xx, no-response and lost counts.")
        if summary["inconsistent_commitments"]:
            raise CommandError("Some commitments' progress is not their latest update's.")

    def print_summary(self, s: dict) -> None:
        out = self.stdout.write
        out("")
        out(f"{'requests':<34}{s['requests']:>10}  ({s['per_second']}/s over {s['seconds']} s)")
        for status, count in s["statuses"].items():
            out(f"{'  HTTP ' + status:<34}{count:>10}")
        out(f"{'5xx responses':<34}{s['server_errors']:>10}")
        out(f"{'requests without a response':<34}{s['no_response']:>10}")
        lat = s["latency_ms"]
        out(
            f"{'latency ms (median / p95 / max)':<34}{lat['median']:>10}"
            f" / {lat['p95']} / {lat['max']}"
        )
        for kind, w in s["writes"].items():
            out(
                f"{kind + ' writes acknowledged':<34}{w['acknowledged']:>10}"
                f"   found {w['found']}, lost {w['lost']}, refused {w['not acknowledged']}"
                f" (of which stored {w['not acknowledged but stored']})"
            )
        out(f"{'lost writes':<34}{s['lost_writes']:>10}")
        out(f"{'commitments not at latest update':<34}{s['inconsistent_commitments']:>10}")
        for error in s["errors"]:
            out(f"  {error}")


def latency_summary(latencies: list[float]) -> dict:
    if not latencies:
        return {"median": 0, "p95": 0, "max": 0}
    ordered = sorted(latencies)
    return {
        "median": round(statistics.median(ordered) * 1000),
        "p95": round(ordered[int(len(ordered) * 0.95) - 1] * 1000),
        "max": round(ordered[-1] * 1000),
    }
