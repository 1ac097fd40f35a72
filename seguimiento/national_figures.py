"""The portfolio's figures kept off the requests: computed by a worker, read by the pages.

The national portfolio counts, over every alliance, the commitments of the current cycles
that are due and fulfilled, the overdue ones and the indicators without their last value.
Computed from the rows that is seconds of SQL at the national scale (100,000 alliances,
2 million commitments: about 4 s a visit), and it grew with the country on every visit.
The beat task ``seguimiento.refresh_portfolio_figures`` (every ``FIGURES_REFRESH_SECONDS``)
computes them once for every alliance, keeps them per alliance (``AllianceFigures``) and
in total (``NationalFigures``, scope ``PORTFOLIO``), and a visit reads one row, or sums the
kept rows of the alliances a filter chooses. The page says when they were computed.

The rules are those of ``seguimiento.monitoring`` (``due_q``, ``overdue_q``) and
``seguimiento.due.late_q``; ``tests/test_portfolio_speed.py`` checks that the kept figures
equal the ones computed from the rows.
"""

import datetime

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from alianzas.lifecycle import Phase
from alianzas.models import Alliance, Indicator
from seguimiento.due import late_q
from seguimiento.models import AllianceFigures, Commitment, CommitmentStatus, NationalFigures
from seguimiento.monitoring import PortfolioSummary, due_q, overdue_q, phase_bars

PORTFOLIO = "portfolio"  # the scope of the totals over every alliance
FIELDS = ("due", "fulfilled", "overdue", "late_indicators")
BATCH = 5000


def compute(today: datetime.date) -> dict[int, tuple[int, int, int, int]]:
    """``(due, fulfilled, overdue, late indicators)`` of every alliance with any: two
    grouped queries over the whole country (the worker's, never a visit's)."""
    current_cycle = Q(cycle=F("alliance__cycle"))
    commitments = (
        Commitment.objects.values_list("alliance_id")
        .annotate(
            due=Count("pk", filter=current_cycle & due_q(today)),
            fulfilled=Count("pk", filter=current_cycle & Q(status=CommitmentStatus.FULFILLED)),
            overdue=Count("pk", filter=overdue_q(today)),
        )
        .order_by()
    )
    figures = {
        alliance: [due, fulfilled, overdue, 0]
        for alliance, due, fulfilled, overdue in commitments
        if due or fulfilled or overdue
    }
    late = (
        Indicator.objects.filter(late_q(today))
        .values_list("objective__alliance_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for alliance, count in late:
        figures.setdefault(alliance, [0, 0, 0, 0])[3] = count
    return {alliance: tuple(row) for alliance, row in figures.items()}


def refresh(today: datetime.date | None = None) -> NationalFigures:
    """Compute every alliance's figures and the national totals, and keep them: only the
    alliances whose figures changed are written. The worker's task, every
    ``FIGURES_REFRESH_SECONDS`` (the figures change with the day too, so it always runs)."""
    today = today or timezone.localdate()
    computed_at = timezone.now()
    figures = compute(today)
    phases = dict(Alliance.objects.order_by().values_list("phase").annotate(n=Count("pk")))
    with transaction.atomic():
        kept = {
            row[0]: row[1:] for row in AllianceFigures.objects.values_list("alliance_id", *FIELDS)
        }
        changed = [
            AllianceFigures(alliance_id=alliance, **dict(zip(FIELDS, row, strict=True)))
            for alliance, row in figures.items()
            if kept.get(alliance) != row
        ]
        # An alliance deleted since the figures were computed is left out (its row would
        # break the foreign key); the next refresh counts whatever was added meanwhile.
        existing = set(
            Alliance.objects.filter(pk__in=[f.alliance_id for f in changed]).values_list(
                "pk", flat=True
            )
        )
        AllianceFigures.objects.bulk_create(
            [f for f in changed if f.alliance_id in existing],
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["alliance"],
            update_fields=list(FIELDS),
        )
        gone = [alliance for alliance in kept if alliance not in figures]
        for start in range(0, len(gone), BATCH):
            AllianceFigures.objects.filter(alliance_id__in=gone[start : start + BATCH]).delete()
        totals = [sum(row[i] for row in figures.values()) for i in range(len(FIELDS))]
        national, _created = NationalFigures.objects.update_or_create(
            scope=PORTFOLIO,
            defaults={
                "data": {
                    "alliances": sum(phases.values()),
                    "phases": {phase: phases.get(phase, 0) for phase in Phase.values},
                    "day": today.isoformat(),
                    **dict(zip(FIELDS, totals, strict=True)),
                },
                "computed_at": computed_at,
            },
        )
    return national


def national_totals() -> NationalFigures:
    """The kept national totals; computed here only before the worker's first run."""
    kept = NationalFigures.objects.filter(scope=PORTFOLIO).first()
    return kept or refresh()


def _summary(data: dict, phases: dict[str, int], computed_at) -> PortfolioSummary:
    return PortfolioSummary(
        alliances=sum(phases.values()),
        phases=phase_bars(phases),
        computed_at=computed_at,
        **{name: data[name] for name in FIELDS},
    )


def portfolio_summary(alliances: QuerySet[Alliance], *, national: bool) -> PortfolioSummary:
    """The portfolio's figures over ``alliances`` (the country's, perhaps filtered) from the
    kept figures: with ``national`` (every alliance, no filter) the kept totals, one query;
    otherwise the number of ``alliances`` by phase and the sums of their kept figures, in
    one query over the alliances the filters choose (and one for when they were kept)."""
    kept = national_totals()
    if national:
        return _summary(kept.data, kept.data["phases"], kept.computed_at)
    rows = (
        alliances.order_by()
        .values_list("phase")
        .annotate(
            n=Count("pk"),
            **{name: Coalesce(Sum(f"kept_figures__{name}"), 0) for name in FIELDS},
        )
    )
    phases, totals = {}, dict.fromkeys(FIELDS, 0)
    for phase, count, *sums in rows:
        phases[phase] = count
        for name, value in zip(FIELDS, sums, strict=True):
            totals[name] += value
    return _summary(totals, phases, kept.computed_at)


def portfolio_rows(alliances: QuerySet[Alliance]) -> QuerySet[Alliance]:
    """``alliances`` with the kept figures under the names ``monitoring.portfolio_rows``
    gives the ones it counts from the rows: the country's table reads what its totals were
    summed from (and building the counting query cost more than the page's own rendering)."""
    kept = {
        f"{name}_count": Coalesce(F(f"kept_figures__{name}"), 0)
        for name in ("due", "fulfilled", "overdue")
    }
    return alliances.annotate(
        **kept, late_indicator_count=Coalesce(F("kept_figures__late_indicators"), 0)
    ).annotate(
        fulfilment_rate=Case(
            When(due_count__gt=0, then=F("fulfilled_count") * 100 / F("due_count")),
            default=None,
            output_field=IntegerField(),
        )
    )
