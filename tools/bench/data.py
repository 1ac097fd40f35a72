"""The data the bench measures: the national dataset (``seed_demo``), the people each page
is seen as, the small alliances the writes go to, and the people of the mixed run. All of it
is found again by name on a later run (idempotent), so the database is reused; the
measurements write to a copy of it (:func:`measured_copy`), so it never drifts."""

import contextlib
import datetime
import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from alianzas.lifecycle import REPORTING_PHASES, Phase
from alianzas.models import (
    Actor,
    Alliance,
    Indicator,
    Membership,
    Origin,
    PhaseChange,
    Region,
    Role,
    Sector,
    User,
)
from fases import governance, network, territory_map
from fases.models import ActionPoint, AgreementSignature, Decision
from fases.services import change_phase
from seguimiento import national_figures
from seguimiento.models import Commitment
from seguimiento.services import reportable_periods
from tools.management.commands.load_test import furnish, role_of, signed_agreement

PASSWORD = "benchmark-" + "clave-2026"
WRITE_PREFIX = "Alianza de medición de escrituras"
MEMBERS_PER_WRITE_ALLIANCE = 5
SECTORS = [Sector.PUBLIC, Sector.PRIVATE, Sector.CIVIL_SOCIETY, Sector.ACADEMIA, Sector.COMMUNITY]


# make bench's data, today's national scale: what each page is measured on, and the 1× that
# bench_scale sets ten times it beside.
NATIONAL_SCALE = {
    "alliances": 10_000,
    "actors": 2_000,
    "commitments": 200_000,
    "measurements": 100_000,
}


def add_scale_arguments(parser, scale: dict = NATIONAL_SCALE, *, note: str = "") -> None:
    """``--alliances``, ``--actors``, ``--commitments`` and ``--measurements``, each
    defaulting to its number in ``scale``: the sizes ``seed_demo`` fills the database to."""
    for name in ("alliances", "actors", "commitments", "measurements"):
        parser.add_argument(f"--{name}", type=int, default=scale[name], metavar="N", help=note)


def seed(options: dict) -> None:
    call_command(
        "seed_demo",
        alliances=options["alliances"],
        actors=options["actors"],
        commitments=options["commitments"],
        measurements=options["measurements"],
        verbosity=0,
    )
    # One alliance in ten is published, for the public portfolio (idempotent).
    published = list(Alliance.objects.order_by("pk").values_list("pk", flat=True))[::10]
    Alliance.objects.filter(pk__in=published, published=False).update(published=True)


def keep_figures() -> None:
    """What the worker's beat tasks keep for the national pages (the portfolio's figures,
    the maps' counts, the actor network), computed now as the worker would have: the pages
    are measured reading them, as in production."""
    national_figures.refresh()
    territory_map.refresh()
    network.refresh_national()


def analyze() -> None:
    with connection.cursor() as cursor:
        # VACUUM as autovacuum would have on a live database: the visibility map lets
        # counts and searches read indexes alone, as they do in production.
        cursor.execute("VACUUM (ANALYZE)")


def person(username: str, *, staff: bool = False) -> User:
    user, _ = User.objects.get_or_create(
        username=username, defaults={"is_staff": staff, "is_superuser": staff}
    )
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


@dataclass
class Readers:
    """Who the pages are seen as, and what they show."""

    users: dict[str, User]
    alliance: Alliance  # the busiest alliance (most commitments) not closed
    actor: Actor  # the actor with the most commitments
    published: Alliance  # a published alliance, for its public page
    agreement_alliance: Alliance  # an alliance with a partnering agreement


def readers() -> Readers:
    """An administrator; a coordinator of the alliance with the most commitments (and nine
    more, as a coordinator has several); a representative of the actor with the most."""
    admin = person("bench.admin", staff=True)
    coordinator = person("bench.coordinator")
    representative = person("bench.representative")
    busiest = (
        Alliance.objects.exclude(phase=Phase.CLOSED)
        .annotate(n=Count("commitments"))
        .order_by("-n", "pk")
    )
    Alliance.coordinators.through.objects.bulk_create(
        [
            Alliance.coordinators.through(alliance=alliance, user=coordinator)
            for alliance in busiest[:10]
        ],
        ignore_conflicts=True,
    )
    actor = Actor.objects.annotate(n=Count("commitments")).order_by("-n", "pk")[0]
    actor.representatives.add(representative)
    published = Alliance.objects.filter(published=True).order_by("pk").first()
    with_agreement = (
        Alliance.objects.exclude(phase=Phase.CLOSED)
        .filter(agreements__isnull=False)
        .exclude(name__startswith=WRITE_PREFIX)
        .order_by("pk")
        .first()
    )
    return Readers(
        users={
            "administrator": admin,
            "coordinator": coordinator,
            "representative": representative,
        },
        alliance=busiest[0],
        actor=actor,
        published=published or busiest[0],
        agreement_alliance=with_agreement or busiest[0],
    )


# --- The alliances the writes go to ---------------------------------------------------------


@dataclass
class WriteWorld:
    """Small alliances in Implementación, each with five members, a commitment of each, an
    indicator, its agreement and a meeting with a decision; ``writer`` coordinates them all
    and represents every member, so one person may do each of the five writes anywhere."""

    writer: User
    alliances: list[int]
    commitments: list[tuple[int, int]] = field(default_factory=list)  # (alliance, commitment)
    indicators: list[tuple[int, int, list[str]]] = field(default_factory=list)  # + periods
    signatures: list[tuple[int, int]] = field(default_factory=list)  # (alliance, actor)
    decisions: list[tuple[int, int, int, list[int]]] = field(default_factory=list)


def write_world(size: int) -> WriteWorld:
    today = timezone.localdate()
    writer = person("bench.writer")
    region = Region.objects.order_by("code").first()
    pks = []
    for number in range(1, size + 1):
        alliance, created = Alliance.objects.get_or_create(
            name=f"{WRITE_PREFIX} {number}",
            defaults={
                "problem": "Medición: agua segura en comunidades rurales.",
                "origin": Origin.FROM_THE_BASE,
                "start_date": today,
            },
        )
        if created:
            _design(alliance, number, region, today)
        alliance.coordinators.add(writer)
        for actor in Actor.objects.filter(memberships__alliance=alliance).exclude(
            representatives=writer
        ):
            actor.representatives.add(writer)
        if alliance.phase == Phase.IDENTIFICATION:
            signed_agreement(alliance, writer, today)
            change_phase(alliance=alliance, transition="start_implementation", user=writer)
        pks.append(alliance.pk)
    return reset_write_world(WriteWorld(writer=writer, alliances=pks))


def _design(alliance: Alliance, number: int, region, today: datetime.date) -> None:
    members = []
    for position, sector in enumerate(SECTORS[:MEMBERS_PER_WRITE_ALLIANCE]):
        actor, _ = Actor.objects.get_or_create(
            name=f"Actor de medición {number}-{position + 1}",
            defaults={"sector": sector, "region": region},
        )
        members.append((actor, Role.LEADER if position == 0 else Role.IMPLEMENTING_PARTNER))
    furnish(alliance, members, commitments_each=1, label=f"medición {number}", today=today)


def reset_write_world(world: WriteWorld) -> WriteWorld:
    """Every write alliance in Implementación with its agreement unsigned, each with a
    meeting and a decision (the bench's earlier runs leave them signed, in Monitoreo, with
    action points), and the lists of what each write goes to."""
    pks = world.alliances
    # The phase as change_phase left it before the bench moved it on; the rows of the
    # bench's own changes go (Implementación started the cycle: its row stays).
    PhaseChange.objects.filter(alliance_id__in=pks, transition="start_monitoring").delete()
    Alliance.objects.filter(pk__in=pks).update(phase=Phase.IMPLEMENTATION)
    AgreementSignature.objects.filter(version__agreement__alliance_id__in=pks).delete()
    ActionPoint.objects.filter(alliance_id__in=pks).delete()
    world.commitments = list(
        Commitment.objects.filter(alliance_id__in=pks)
        .order_by("pk")
        .values_list("alliance_id", "pk")
    )
    world.signatures = list(
        Membership.objects.filter(alliance_id__in=pks, left_on__isnull=True)
        .order_by("alliance_id", "pk")
        .values_list("alliance_id", "actor_id")
    )
    world.indicators = []
    world.decisions = []
    for alliance in Alliance.objects.filter(pk__in=pks).order_by("pk"):
        for indicator in Indicator.objects.filter(objective__alliance=alliance).order_by("pk"):
            periods = [p.start.isoformat() for p in reportable_periods(indicator, alliance)]
            world.indicators.append((alliance.pk, indicator.pk, periods))
        decision = Decision.objects.filter(meeting__alliance=alliance).order_by("pk").first()
        if decision is None:
            meeting = governance.save_meeting(
                alliance=alliance,
                user=world.writer,
                title="Comité de medición",
                starts_at=timezone.now(),
                agenda="Avance de los compromisos",
                place="Municipalidad",
            )
            decision = governance.record_decision(
                meeting=meeting, user=world.writer, text="Revisar el avance cada mes"
            )
        actors = [actor for pk, actor in world.signatures if pk == alliance.pk]
        world.decisions.append((alliance.pk, decision.meeting_id, decision.pk, actors))
    return world


# --- The people of the mixed run ------------------------------------------------------------


def mixed_people(count: int) -> list[dict]:
    """``count`` people in ``load_test``'s mix (of every ten: one administrator, two
    coordinators, seven representatives), spread over the busiest alliances that take
    reports, so that their writes change what the others read. One plan per person."""
    password = make_password(PASSWORD)
    alliances = list(
        Alliance.objects.filter(phase__in=REPORTING_PHASES)
        .exclude(name__startswith=WRITE_PREFIX)
        .annotate(n=Count("commitments"))
        .order_by("-n", "pk")[: max(1, count // 4)]
    )
    plans = []
    for number in range(count):
        role = role_of(number)
        alliance = alliances[number % len(alliances)]
        user, _ = User.objects.get_or_create(
            username=f"bench.mixed.{number:03d}",
            defaults={"password": password, "is_staff": role == "administrator"},
        )
        User.objects.filter(pk=user.pk).update(
            password=password,
            is_staff=role == "administrator",
            is_superuser=role == "administrator",
        )
        plan = {"username": user.username, "role": role, "alliance": alliance.pk}
        open_commitments = Commitment.objects.filter(
            alliance=alliance, cycle=alliance.cycle, status__in=["pending", "in_progress"]
        ).order_by("pk")
        indicator = (
            Indicator.objects.filter(objective__alliance=alliance)
            .exclude(frequency="")
            .order_by("pk")
            .first()
        )
        if role == "coordinator":
            alliance.coordinators.add(user)
            plan["commitments"] = list(open_commitments.values_list("pk", flat=True)[:50])
        elif role == "representative":
            # Odd numbers represent the indicator's responsible actor and report its values.
            members = alliance.memberships.filter(left_on__isnull=True).order_by("pk")
            actor_id = indicator.responsible_actor_id if indicator else None
            if not (number % 2 and actor_id and members.filter(actor_id=actor_id).exists()):
                actor_id = members.values_list("actor_id", flat=True).first()
                indicator = None
            Actor.objects.get(pk=actor_id).representatives.add(user)
            plan["commitments"] = list(
                open_commitments.filter(actor_id=actor_id).values_list("pk", flat=True)[:50]
            )
        if indicator and role != "administrator":
            plan["indicator"] = indicator.pk
            plan["periods"] = [p.start.isoformat() for p in reportable_periods(indicator, alliance)]
        plans.append(plan)
    return plans


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # nosec B608 - fixed table names
        return cursor.fetchone()[0]


@contextlib.contextmanager
def _maintenance(settings_dict: dict):
    """A cursor on the server's ``postgres`` database, in autocommit (databases are created
    and dropped from outside them)."""
    import psycopg2

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
            yield cursor
    finally:
        maintenance.close()


def ensure_database(settings_dict: dict) -> None:
    """Create the benchmark's database if it does not exist yet."""
    from psycopg2 import sql

    name = settings_dict["NAME"]
    with _maintenance(settings_dict) as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@contextlib.contextmanager
def measured_copy():
    """``with measured_copy():`` this process (its connection, and ``DATABASE_URL`` for the
    servers it starts) works on a copy of the prepared database, made afresh and dropped
    when the block ends, so the measurements' writes never reach the database the next run
    starts from. They did: each run's progress updates and corrections (the mixed run's
    thousands, on the same busiest alliances) stayed, and every run measured more rows than
    the one before (a value written by the mixed run took 62, then 68, 79, 88 and 102 ms).
    PostgreSQL copies the database file by file, statistics included (a second at today's
    scale), after a checkpoint: the run starts with nothing left to flush. (Its default
    since version 15 writes the whole copy to the write-ahead log instead, whose checkpoint
    then fell in the middle of the next measurement.)"""
    from psycopg2 import sql

    settings_dict = connection.settings_dict
    name = settings_dict["NAME"]
    copy = f"{name}_measured"
    url = os.environ["DATABASE_URL"]
    parts = urlsplit(url)
    connection.close()
    with _maintenance(settings_dict) as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy))
        )
        cursor.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(copy), sql.Identifier(name)
            )
        )
    settings_dict["NAME"] = copy
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{copy}"))
    try:
        yield copy
    finally:
        connection.close()
        settings_dict["NAME"] = name
        os.environ["DATABASE_URL"] = url
        with _maintenance(settings_dict) as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy))
            )
