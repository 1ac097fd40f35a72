"""Reads for the pages that show commitments and measurements: each returns what a page
shows in a fixed number of queries."""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.core.paginator import Page
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from alianzas.compiled import compiled
from alianzas.lifecycle import Phase
from alianzas.models import Actor, Alliance, Indicator, Membership, Objective, Role
from alianzas.selectors import count_of, small_scope_ids
from seguimiento.due import late_indicator_ids, late_q
from seguimiento.models import OPEN_STATUSES, Commitment, Measurement

logger = logging.getLogger(__name__)

BOARD_COLUMN_SIZE = 8
ATTENTION_SIZE = 5
DASHBOARD_CACHE_SECONDS = 60


def with_summary(
    alliances: QuerySet[Alliance], *, today: datetime.date | None = None
) -> QuerySet[Alliance]:
    """Annotate what a list row shows: lead actor, members, overdue commitments (due
    before ``today``, by default the day it is)."""
    current = Membership.objects.filter(left_on__isnull=True)
    # Ordered here: the default order of memberships (by alliance, i.e. its name) would join
    # the alliance again for every row.
    leader = (
        current.filter(alliance=OuterRef("pk"), role=Role.LEADER)
        .order_by("joined_on", "pk")
        .values("actor__name")[:1]
    )
    overdue = Commitment.objects.filter(
        status__in=OPEN_STATUSES, due_date__lt=today or timezone.localdate()
    )
    return alliances.annotate(
        lead_actor_name=Subquery(leader),
        member_count=count_of(current, "alliance"),
        overdue_count=count_of(overdue, "alliance"),
    )


@dataclass
class BoardColumn:
    phase: str
    label: str
    count: int
    alliances: list[Alliance]


def board(alliances: QuerySet[Alliance]) -> list[BoardColumn]:
    """One column per phase: how many alliances it holds and the most recently changed."""
    counts = dict(alliances.order_by().values_list("phase").annotate(n=Count("pk")))
    # Rank on the bare rows first and summarise only the few shown: the summary's
    # subqueries would otherwise run for every alliance in the portfolio.
    shown = (
        alliances.annotate(
            # Ties by id, as ``_board_of_few`` breaks them: the same alliances on every
            # visit, not whichever PostgreSQL happens to sort first.
            rank=Window(
                RowNumber(),
                partition_by=F("phase"),
                order_by=(F("updated_at").desc(), F("pk").asc()),
            )
        )
        .filter(rank__lte=BOARD_COLUMN_SIZE)
        .values_list("pk", flat=True)
    )
    ranked = with_summary(Alliance.objects.filter(pk__in=list(shown))).order_by(
        "phase", "-updated_at", "pk"
    )
    by_phase: dict[str, list[Alliance]] = {}
    for alliance in ranked:
        by_phase.setdefault(alliance.phase, []).append(alliance)
    return [
        BoardColumn(phase, label, counts.get(phase, 0), by_phase.get(phase, []))
        for phase, label in Phase.choices
    ]


def _board_of_few(ids: list[int]) -> tuple[list[BoardColumn], list[dict]]:
    """``board`` and ``overdue_by_alliance`` of a few alliances (no more than the board
    shows), from one query of them all with their summary."""
    summarised = _summary_of(ids, timezone.localdate())
    # By name (the database's order), then the most overdue first: the order of
    # overdue_by_alliance (a stable sort keeps the names' order among equal counts).
    overdue = sorted(
        (alliance for alliance in summarised if alliance.overdue_count),
        key=lambda alliance: -alliance.overdue_count,
    )
    # Each column, the most recently changed first (then by id), as ``board`` ranks them.
    recent = sorted(summarised, key=lambda alliance: alliance.pk)
    recent.sort(key=lambda alliance: alliance.updated_at, reverse=True)
    by_phase: dict[str, list[Alliance]] = {}
    for alliance in recent:
        by_phase.setdefault(alliance.phase, []).append(alliance)
    columns = [
        BoardColumn(
            phase,
            label,
            len(by_phase.get(phase, [])),
            by_phase.get(phase, [])[:BOARD_COLUMN_SIZE],
        )
        for phase, label in Phase.choices
    ]
    rows = [
        {"alliance_id": a.pk, "alliance__name": a.name, "count": a.overdue_count}
        for a in overdue[:ATTENTION_SIZE]
    ]
    return columns, rows


def summarised(page: Page) -> Page:
    """``page`` of alliance ids, ordered by name as ``_summary_of`` orders them, with the
    alliances in their place, each with ``with_summary``'s figures. Paginating the summarised
    rows themselves compiled their subqueries twice on every visit (the count and the page:
    about 6 ms of the alliance list's 12); the bare ids count and slice in about 1.7 ms, and
    the page's few are one compiled read (about 1 ms)."""
    ids = list(page.object_list)
    page.object_list = _summary_of(ids, timezone.localdate()) if ids else []
    return page


@compiled
def _summary_of(ids: list[int], today: datetime.date):
    """``with_summary`` of the alliances ``ids``, by name."""
    return with_summary(Alliance.objects.filter(pk__in=ids), today=today).order_by("name", "pk")


def overdue_by_alliance(scope) -> list[dict]:
    """Alliances with the most overdue commitments first. ``scope``: the alliances (a
    queryset) or their ids."""
    return list(
        Commitment.objects.filter(
            alliance__in=scope if isinstance(scope, list) else scope.values("pk"),
            status__in=OPEN_STATUSES,
            due_date__lt=timezone.localdate(),
        )
        .values("alliance_id", "alliance__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "alliance__name")[:ATTENTION_SIZE]
    )


@dataclass
class Dashboard:
    """The dashboard's figures: the board by phase, overdue commitments and indicators not
    measured."""

    columns: list[BoardColumn]
    overdue: list[dict]
    stale_indicators: list[Indicator]
    as_of: datetime.datetime | None = None  # set when the figures come from the cache


def dashboard(alliances: QuerySet[Alliance], *, scope_key: str, ids=None) -> Dashboard:
    """The dashboard's figures for ``alliances``. A person's own alliances (a few dozen)
    are looked up by id, fresh on every request. A national portfolio (thousands of
    alliances, hundreds of thousands of commitments) costs scans, so its figures are
    computed at most once a minute per ``scope_key`` (who sees it and with which filters)
    and shown with their time. ``ids``: ``small_scope_ids(alliances)`` when the caller
    has it already."""
    if ids is None:
        ids = small_scope_ids(alliances)
    if ids is not None and len(ids) <= BOARD_COLUMN_SIZE * len(Phase.choices):
        # As many as the board could show: all of them summarised, in one query, say the
        # board and which have overdue commitments.
        columns, overdue = _board_of_few(ids)
        return Dashboard(columns, overdue, stale_indicators(ids))
    if ids is not None:
        return Dashboard(board(alliances), overdue_by_alliance(ids), stale_indicators(ids))
    key = f"dashboard:{timezone.localdate()}:{scope_key}"

    def compute() -> Dashboard:
        return Dashboard(
            board(alliances),
            overdue_by_alliance(alliances),
            stale_indicators(alliances),
            as_of=timezone.now(),
        )

    try:
        figures = cache.get(key)
    except Exception:  # a cache that is down costs time, never the page
        logger.warning("The cache did not answer; dashboard figures computed.", exc_info=True)
        return compute()
    if figures is None:
        figures = compute()
        try:
            cache.set(key, figures, DASHBOARD_CACHE_SECONDS)
        except Exception:
            logger.warning("The cache did not keep the dashboard figures.", exc_info=True)
    return figures


def stale_indicators(scope) -> list[Indicator]:
    """Indicators whose value is late (``seguimiento.due``: the value of the last ended
    period is missing), the longest unmeasured first. ``scope``: the alliances (a queryset)
    or their ids."""
    if isinstance(scope, list):
        return _stale_indicators_of(scope)
    return list(
        Indicator.objects.filter(objective__alliance__in=scope.values("pk"))
        .filter(late_q(timezone.localdate()))
        .annotate(last_period_end=Max("measurements__period_end"))
        .select_related("objective__alliance")
        .order_by(F("last_period_end").asc(nulls_first=True), "pk")[:ATTENTION_SIZE]
    )


def _stale_indicators_of(alliance_ids: list[int]) -> list[Indicator]:
    """``stale_indicators`` of a person's few alliances: which are late, asked in SQL
    (``late_indicator_ids``, prepared), then those indicators, compiled."""
    if not alliance_ids:
        return []
    late = late_indicator_ids(alliance_ids, timezone.localdate())
    return _by_lateness(sorted(late)) if late else []


@compiled
def _by_lateness(indicator_ids: list[int]):
    """The indicators, the longest unmeasured first, with what the dashboard shows."""
    return (
        Indicator.objects.filter(pk__in=indicator_ids)
        .annotate(last_period_end=Max("measurements__period_end"))
        .select_related("objective__alliance")
        .order_by(F("last_period_end").asc(nulls_first=True), "pk")[:ATTENTION_SIZE]
    )


def progress_towards_target(baseline, target, value) -> int | None:
    """How far ``value`` has gone from ``baseline`` to ``target``, 0–100 (rounded down: 100
    only once the target is reached); ``None`` without a value, baseline or target. Every
    page that shows an indicator's progress asks this one definition."""
    if None in (value, baseline, target):
        return None
    span = target - baseline
    if span == 0:
        return 100 if value == target else 0
    share = (value - baseline) / span * Decimal(100)
    return max(0, min(100, int(share)))


@dataclass(frozen=True)
class LatestValue:
    """An indicator's latest value as the pages show it (``latest_value_annotations``)."""

    value: Decimal
    period_end: datetime.date


def latest_value_annotations(indicator: str = "pk") -> dict:
    """Annotations of an indicator's latest value and its period's end (``latest_value``,
    ``latest_period_end``) for a query whose ``indicator`` names the indicator's id: the
    measurement of its latest period (the one that starts last: there is one per start,
    ``measurement_one_per_period``), read with the indicator instead of in a query of its
    own."""
    latest = Measurement.objects.filter(indicator=OuterRef(indicator)).order_by("-period_start")
    return {
        "latest_value": Subquery(latest.values("value")[:1]),
        "latest_period_end": Subquery(latest.values("period_end")[:1]),
    }


def latest_value(row) -> LatestValue | None:
    """The ``LatestValue`` of a row read with ``latest_value_annotations``, if it has one."""
    if row.latest_period_end is None:
        return None
    return LatestValue(row.latest_value, row.latest_period_end)


@dataclass
class IndicatorRow:
    indicator: Indicator
    latest: Measurement | LatestValue | None

    @property
    def progress(self) -> int | None:
        """Share of the way from baseline to target covered by the latest value, 0–100."""
        i = self.indicator
        value = self.latest.value if self.latest is not None else None
        return progress_towards_target(i.baseline_value, i.target_value, value)


@compiled
def _objectives_of(alliance_id: int):
    return Objective.objects.filter(alliance_id=alliance_id)


@compiled
def _indicators_of(alliance_id: int):
    """The alliance's indicators, each with its responsible actor and its latest value, in
    each objective by id (``Indicator``'s order)."""
    return (
        Indicator.objects.filter(objective__alliance_id=alliance_id)
        .select_related("responsible_actor")
        .annotate(**latest_value_annotations())
        .order_by("objective_id", "pk")
    )


@compiled
def _measured_indicators_of(alliance_id: int, cycle: int):
    """``_indicators_of``, each also with whether it has a value in ``cycle``."""
    in_cycle = Measurement.objects.filter(indicator=OuterRef("pk"), cycle=cycle)
    return _indicators_of.build(alliance_id).annotate(measured=Exists(in_cycle))


def objectives_with_indicators(alliance: Alliance, *, measured: bool = False) -> list[tuple]:
    """Each objective with rows of its indicators and their latest value, in two queries;
    with ``measured``, each indicator also says whether it has a value in the alliance's
    current cycle (what the next step's checklist asks, read in the same query). Each
    objective's ``alliance`` and each indicator's ``objective`` are the objects given and
    read here, as the related managers would set them."""
    objectives = _objectives_of(alliance.pk)
    if measured:
        indicators = _measured_indicators_of(alliance.pk, alliance.cycle)
    else:
        indicators = _indicators_of(alliance.pk)
    rows = {objective.pk: [] for objective in objectives}
    by_pk = {objective.pk: objective for objective in objectives}
    for indicator in indicators:
        Indicator.objective.field.set_cached_value(indicator, by_pk[indicator.objective_id])
        rows[indicator.objective_id].append(IndicatorRow(indicator, latest_value(indicator)))
    for objective in objectives:
        Objective.alliance.field.set_cached_value(objective, alliance)
    return [(objective, rows[objective.pk]) for objective in objectives]


@compiled
def _commitments_of(alliance_id: int, cycle: int):
    return (
        Commitment.objects.filter(alliance_id=alliance_id, cycle=cycle)
        .select_related("actor")
        .order_by("actor__name", "due_date", "pk")
    )


def commitments_by_actor(alliance: Alliance, cycle: int) -> list[tuple[Actor, list]]:
    commitments = _commitments_of(alliance.pk, cycle, known={"alliance": alliance})
    grouped: dict[int, tuple[Actor, list]] = {}
    for commitment in commitments:
        grouped.setdefault(commitment.actor_id, (commitment.actor, []))[1].append(commitment)
    return list(grouped.values())


# What Mis compromisos shows of each commitment, its alliance and its actor.
MY_COMMITMENT_COLUMNS = (
    "alliance_id",
    "actor_id",
    "cycle",
    "description",
    "due_date",
    "status",
    "progress",
    "alliance__name",
    "alliance__phase",
    "actor__name",
    "actor__acronym",
)


def _in_my_order(commitments: QuerySet[Commitment]) -> QuerySet[Commitment]:
    """Mis compromisos' order: the open commitments first, the most urgent at the top."""
    return commitments.annotate(
        closed=Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1))
    ).order_by("closed", "due_date", "pk")


def _represented_commitments(user_id: int) -> QuerySet[Commitment]:
    actor_ids = Actor.representatives.through.objects.filter(user_id=user_id).values("actor_id")
    return Commitment.objects.filter(actor_id__in=actor_ids)


def my_commitment_ids(user_id: int, *, alliance=None, status: str = "") -> list[int]:
    """The ids of the commitments of ``user_id``'s actors in Mis compromisos' order, of
    ``alliance`` and in ``status`` if given. Paginating these (a person's own, a few hundred
    at most for the busiest actor) and reading the page's rows by id costs two compiled
    reads; paginating the rows themselves built and compiled the count and the page on
    every visit (about 5 ms of the page's 15, docs/performance.md)."""
    if alliance is None and not status:
        return _all_my_commitment_ids(user_id)
    commitments = _represented_commitments(user_id)
    if alliance is not None:
        commitments = commitments.filter(alliance=alliance)
    if status:
        commitments = commitments.filter(status=status)
    return list(_in_my_order(commitments).values_list("pk", flat=True))


@compiled
def _all_my_commitment_ids(user_id: int):
    return _in_my_order(_represented_commitments(user_id)).values_list("pk", flat=True)


def my_commitment_rows(ids: list[int]) -> list[Commitment]:
    """The commitments ``ids`` (from ``my_commitment_ids``) in the same order, with what
    their rows show of them, their alliance and their actor."""
    return _my_commitment_rows(ids) if ids else []


@compiled
def _my_commitment_rows(ids: list[int]):
    rows = Commitment.objects.filter(pk__in=ids).select_related("alliance", "actor")
    return _in_my_order(rows.only(*MY_COMMITMENT_COLUMNS))
