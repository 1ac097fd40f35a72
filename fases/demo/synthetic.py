"""Synthetic data for benchmarks: ``seed_demo --actors --alliances --commitments
--measurements``.

Each number is a total of synthetic rows to reach, so a rerun with the same numbers adds
nothing and a larger one adds only the difference. Rows are bulk-inserted (``bulk_create``
in batches; commitments and measurements, ``fases.demo.volume``, generated inside
PostgreSQL), never one by one through the services, so that 100,000 alliances and 2,000,000
commitments load in minutes. Synthetic rows are recognisable by their names
("Actor sintético 00042", "Alianza sintética 000123"; their commitments and measurements
belong to those alliances, ``fases.demo.names``); their words come from ``synthetic.yaml``.

Phases are the exception that is not improvised here: each alliance's phase, cycle, phase
changes and evaluations come from ``fases.demo.phases``, the one bulk path that walks the
lifecycle graph and writes the rows ``change_phase`` and ``record_evaluation`` would have
written (see its docstring).
"""

import datetime
import random
import time
from collections import defaultdict
from decimal import Decimal

from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from alianzas.models import (
    Actor,
    Alliance,
    Frequency,
    Indicator,
    Membership,
    Objective,
    Origin,
    PhaseChange,
    Place,
    Region,
    Role,
    Sector,
    User,
)
from alianzas.validators import is_digits
from fases.demo import phases
from fases.demo.common import ruc
from fases.demo.names import (
    SYNTHETIC_ACTOR_PREFIX,
    SYNTHETIC_ALLIANCE_PREFIX,
    synthetic_actors,
    synthetic_alliances,
    synthetic_commitments,
    synthetic_measurements,
    words,
)
from fases.demo.volume import Volume
from fases.models import (
    Agreement,
    AgreementSignature,
    AgreementVersion,
    Evaluation,
    EvaluationRating,
)

# Alliances built and inserted together, with their members, objectives and history.
ALLIANCES_PER_CHUNK = 10_000
# A synthetic alliance takes 2 to 5 members from at least two sectors.
MIN_SYNTHETIC_ACTORS = 5
NON_LEADER_ROLES = [Role.IMPLEMENTING_PARTNER, Role.FUNDER, Role.TECHNICAL_ALLY, Role.OBSERVER]
FREQUENCIES = [Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.SEMIANNUAL, Frequency.ANNUAL]
FREQUENCY_WEIGHTS = [30, 45, 15, 10]
# The synthetic alliances' partnering agreement (data for benchmarks, in Spanish like it).
AGREEMENT_TEXT = {
    "objective": "Alcanzar juntos los objetivos de la alianza",
    "decision_making": "Por consenso en el comité de gestión",
    "committee_frequency": "Cada mes",
    "conflict_resolution": "Mediación de la coordinación en 30 días",
    "returns_sharing": "Datos abiertos y crédito compartido entre los socios",
}


class SyntheticData(Volume):
    """Bulk-creates the synthetic rows still missing to reach the totals asked for."""

    def __init__(self, command, admin: User, batch_size: int, today: datetime.date):
        self.command = command
        self.admin = admin
        self.batch_size = batch_size
        self.today = today
        self.tz = timezone.get_current_timezone()

    @staticmethod
    def check(sizes: dict[str, int]) -> None:
        """Refuse, before anything is written, what the existing data cannot support."""
        if sizes["alliances"] > synthetic_alliances().count():
            actors = max(sizes["actors"], synthetic_actors().count())
            if actors < MIN_SYNTHETIC_ACTORS:
                raise CommandError(
                    _(
                        "Synthetic alliances need at least %(minimum)s synthetic actors: "
                        "add --actors %(minimum)s or more."
                    )
                    % {"minimum": MIN_SYNTHETIC_ACTORS}
                )
        alliances = max(sizes["alliances"], synthetic_alliances().count())
        for option in ("commitments", "measurements"):
            if sizes[option] and not alliances:
                raise CommandError(
                    _("--%(option)s needs synthetic alliances: add --alliances.")
                    % {"option": option}
                )

    def write(self, message: str) -> None:
        self.command.say(message)

    def run(self, *, actors: int, alliances: int, commitments: int, measurements: int) -> None:
        self.write(self.command.style.MIGRATE_HEADING(_("Synthetic data (totals to reach)")))
        self.actors(actors)
        self.alliances(alliances)
        self.commitments(commitments)
        self.measurements(measurements)
        if connection.vendor == "postgresql":
            # Fresh statistics after a bulk load: without them the planner takes the
            # tables for nearly empty and picks plans that are slower by an order.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def insert(self, model, objects, label=None) -> None:
        """Bulk-insert ``objects`` and say how long it took."""
        started = time.monotonic()
        model.objects.bulk_create(objects, batch_size=self.batch_size)
        self.write(
            "  "
            + _("%(model)s: %(count)s created in %(seconds).1f s.")
            % {
                "model": label or model._meta.verbose_name_plural,
                "count": len(objects),
                "seconds": time.monotonic() - started,
            }
        )

    def nothing_to_do(self, label: str, existing: int) -> None:
        self.write(
            "  "
            + _("%(label)s: %(existing)s already there, nothing to add.")
            % {"label": label, "existing": existing}
        )

    def at(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=self.tz)

    @staticmethod
    def next_numbers(names, prefix: str, count: int) -> range:
        numbers = [int(name[len(prefix) :]) for name in names if is_digits(name[len(prefix) :])]
        first = max(numbers, default=0) + 1
        return range(first, first + count)

    # --- Actors ---

    def actors(self, target: int) -> None:
        names = list(synthetic_actors().values_list("name", flat=True))
        missing = target - len(names)
        if missing <= 0:
            if target:
                self.nothing_to_do(Actor._meta.verbose_name_plural, len(names))
            return
        regions = list(Region.objects.order_by("code").values_list("pk", flat=True))
        sectors = list(Sector.values)
        actors = []
        for number in self.next_numbers(names, SYNTHETIC_ACTOR_PREFIX, missing):
            sector = sectors[number % len(sectors)]
            actors.append(
                Actor(
                    name=f"{SYNTHETIC_ACTOR_PREFIX}{number:05d}",
                    acronym=f"AS-{number:05d}",
                    sector=sector,
                    # "209" + seven digits: never one of the curated actors' RUCs.
                    ruc=ruc(f"209{number:07d}") if number < 10_000_000 else "",
                    region_id=regions[number % len(regions)],
                    description="Organización generada para pruebas de rendimiento.",
                    email=f"actor{number:05d}@sintetico.demo.example",
                    phone=f"+51 1 555 {number % 10_000:04d}",
                )
            )
        self.insert(Actor, actors)

    # --- Alliances, with their members, objectives, indicators and history ---

    def alliances(self, target: int) -> None:
        names = list(synthetic_alliances().values_list("name", flat=True))
        missing = target - len(names)
        if missing <= 0:
            if target:
                self.nothing_to_do(Alliance._meta.verbose_name_plural, len(names))
            return
        numbers = self.next_numbers(names, SYNTHETIC_ALLIANCE_PREFIX, missing)
        # A chunk at a time, with everything each alliance needs, so that memory stays
        # flat whatever the number (100,000 alliances in one go took over a gigabyte).
        for start in range(numbers.start, numbers.stop, ALLIANCES_PER_CHUNK):
            self.alliance_chunk(range(start, min(start + ALLIANCES_PER_CHUNK, numbers.stop)))

    def alliance_chunk(self, numbers: range) -> None:
        rng = random.Random(f"alianzas-{numbers.start}")
        pool = list(synthetic_actors().order_by("pk").values_list("pk", "sector"))
        by_sector = defaultdict(list)
        for pk, sector in pool:
            by_sector[sector].append(pk)
        region_ids = list(Region.objects.order_by("code").values_list("pk", flat=True))
        origins = list(Origin.values)
        themes, reasons = words()["themes"], words()["early_closing_reasons"]

        alliances, memberships, objectives, indicators = [], [], [], []
        plans = []  # (alliance, region ids, goal numbers, walk through the lifecycle)
        for number in numbers:
            walk = phases.plan(rng, reasons)
            phase, cycle = walk.phase, walk.cycle
            theme = themes[number % len(themes)]
            goals = theme["goals"]
            # A closed alliance has been through Evaluación, or closed before it.
            reached = phases.ORDER.index(phase) if phase in phases.ORDER else len(phases.ORDER) - 1
            days_back = rng.randint(90, 420) + 540 * (cycle - 1) + 120 * reached
            start = self.today - datetime.timedelta(days=days_back)
            alliance = Alliance(
                name=f"{SYNTHETIC_ALLIANCE_PREFIX}{number:06d}",
                problem=theme["problem"],
                origin=origins[number % len(origins)],
                start_date=start,
                end_date=start + datetime.timedelta(days=3 * 365),
                phase=phase,
                cycle=cycle,
            )
            alliances.append(alliance)
            members = self.pick_members(rng, pool, by_sector)
            for position, actor_id in enumerate(members):
                memberships.append(
                    Membership(
                        alliance=alliance,
                        actor_id=actor_id,
                        role=Role.LEADER if position == 0 else rng.choice(NON_LEADER_ROLES),
                        joined_on=start,
                    )
                )
            designing = (phase, cycle) == (phases.ORDER[0], 1)
            for position, spec in enumerate(theme["objectives"][: rng.randint(1, 2)], start=1):
                unit, baseline, target_value = spec["unit"], spec["baseline"], spec["target"]
                objective = Objective(alliance=alliance, position=position, title=spec["title"])
                objectives.append(objective)
                scale = rng.choice([1, 1, 2, 3])
                complete = not (designing and rng.random() < 0.5)
                indicators.append(
                    Indicator(
                        objective=objective,
                        name=spec["indicator"],
                        unit=unit,
                        baseline_value=Decimal(baseline * (1 if unit == "%" else scale)),
                        baseline_date=start - datetime.timedelta(days=1),
                        target_value=(
                            Decimal(target_value * (1 if unit == "%" else scale))
                            if complete
                            else None
                        ),
                        target_date=alliance.end_date if complete else None,
                        direction=spec["direction"],
                        frequency=(
                            rng.choices(FREQUENCIES, weights=FREQUENCY_WEIGHTS)[0]
                            if complete
                            else ""
                        ),
                        responsible_actor_id=rng.choice(members) if complete else None,
                    )
                )
            regions = rng.sample(region_ids, rng.choice([1, 1, 1, 2, 3]))
            plans.append((alliance, regions, goals[: rng.randint(1, len(goals))], walk))

        self.insert(Alliance, alliances)
        self.insert(Membership, memberships)
        self.insert(Objective, objectives)
        self.insert(Indicator, indicators)
        self.insert(
            Alliance.regions.through,
            [
                Alliance.regions.through(alliance_id=alliance.pk, region_id=region_id)
                for alliance, regions, *_rest in plans
                for region_id in regions
            ],
            label=_("alliance regions"),
        )
        # The territory as places too (the map and the filters read places): each region's
        # department place, found by its code.
        department_of = dict(
            Place.objects.filter(level=Place.Level.DEPARTMENT).values_list("code", "pk")
        )
        region_code = dict(Region.objects.values_list("pk", "code"))
        self.insert(
            Alliance.places.through,
            [
                Alliance.places.through(
                    alliance_id=alliance.pk, place_id=department_of[region_code[region_id]]
                )
                for alliance, regions, *_rest in plans
                for region_id in regions
                if region_code[region_id] in department_of
            ],
            label=_("alliance places"),
        )
        self.insert(
            Alliance.goals.through,
            [
                Alliance.goals.through(alliance_id=alliance.pk, sustainabledevelopmentgoal_id=goal)
                for alliance, _regions, goals, *_rest in plans
                for goal in goals
            ],
            label=_("alliance SDGs"),
        )
        self.history(plans)

    def history(self, plans) -> None:
        """Every phase change and evaluation of the new alliances, through the one bulk path
        (``fases.demo.phases``)."""
        changes, evaluations = [], []
        for alliance, _regions, _goals, walk in plans:
            who = {"alliance_id": alliance.pk, "user_id": self.admin.pk}
            changes += phases.phase_changes(
                walk, **who, start=alliance.start_date, today=self.today, tz=self.tz
            )
            evaluations += phases.evaluations(walk, **who, findings=words()["findings"])
        self.insert(PhaseChange, changes)
        self.insert(Evaluation, evaluations)
        rng = random.Random(f"valoraciones-{plans[0][0].pk}")
        self.insert(EvaluationRating, phases.ratings(evaluations, rng))
        self.signed_agreements(plans)

    def signed_agreements(self, plans) -> None:
        """The partnering agreement of every cycle a new alliance entered Implementación in,
        signed by all its members, through the same bulk path (``fases.demo.phases``)."""
        agreements = [
            agreement
            for alliance, _regions, _goals, walk in plans
            for agreement in phases.agreements(walk, alliance_id=alliance.pk, user_id=self.admin.pk)
        ]
        if not agreements:
            return
        dates = {alliance.pk: (alliance.start_date, alliance.end_date) for alliance, *_ in plans}
        self.insert(Agreement, agreements)
        versions = phases.agreement_versions(agreements, dates=dates, text=AGREEMENT_TEXT)
        self.insert(AgreementVersion, versions)
        members = defaultdict(list)
        for alliance_id, actor_id in Membership.objects.filter(
            alliance_id__in=dates, left_on__isnull=True
        ).values_list("alliance_id", "actor_id"):
            members[alliance_id].append(actor_id)
        self.insert(
            AgreementSignature,
            phases.agreement_signatures(
                versions,
                alliance_of={a.pk: a.alliance_id for a in agreements},
                members=members,
                dates=dates,
            ),
        )

    @staticmethod
    def pick_members(rng: random.Random, pool, by_sector) -> list[int]:
        """2 to 5 distinct actors from at least two sectors; the first one leads."""
        chosen = rng.sample(pool, rng.randint(2, min(5, len(pool))))
        sectors = {sector for _pk, sector in chosen}
        if len(sectors) < 2:
            others = [s for s in by_sector if s not in sectors]
            if others:
                sector = rng.choice(others)
                chosen[-1] = (rng.choice(by_sector[sector]), sector)
        return [pk for pk, _sector in chosen]


__all__ = [
    "SYNTHETIC_ACTOR_PREFIX",
    "SYNTHETIC_ALLIANCE_PREFIX",
    "SyntheticData",
    "synthetic_actors",
    "synthetic_alliances",
    "synthetic_commitments",
    "synthetic_measurements",
    "words",
]
