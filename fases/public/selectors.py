"""What the public site reads: published alliances only, and of them only what is public.

Public: the alliance's name, problem, origin, dates, phase and cycle, its changes of phase
(from, to, cycle, date: not who made them nor their comments), its places and SDGs, its
member ORGANISATIONS (name, acronym, sector, RUC, role), its objectives and indicators with
their baseline, target and measured values, and the total its members committed in soles.
Never public: people (coordinators, representatives, who reported what), e-mails and phones,
comments, notes, evidence, health checks, evaluations' texts, unpublished alliances. Of the
partnering agreement, its terms in force (shared objective, how decisions are taken, how
often the committee meets, its dates), not who drafted or signed it nor why it was amended.
"""

from collections import Counter
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum
from django.shortcuts import get_object_or_404

from alianzas.models import Alliance, Indicator, Membership, Objective, PhaseChange
from fases.models import AgreementVersion
from seguimiento.models import Commitment, CommitmentStatus, Measurement


def published_alliances() -> QuerySet[Alliance]:
    return Alliance.objects.filter(published=True)


def public_list(alliances: QuerySet[Alliance]) -> QuerySet[Alliance]:
    """A page of the public portfolio, in a fixed number of queries."""
    return alliances.prefetch_related("places", "goals").order_by("name", "pk")


def current_members():
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(left_on__isnull=True)
        .select_related("actor")
        .order_by("role", "actor__name"),
        to_attr="public_members",
    )


def public_alliance(pk: int) -> Alliance:
    """A published alliance with what its public page shows; 404 if it is not published."""
    latest = Measurement.objects.order_by("indicator_id", "-period_end", "-pk")
    return get_object_or_404(
        published_alliances().prefetch_related(
            "places",
            "goals",
            current_members(),
            Prefetch(
                "phase_changes",
                queryset=PhaseChange.objects.order_by("created_at", "pk").only(
                    "alliance_id", "source_phase", "target_phase", "cycle", "created_at"
                ),
                to_attr="public_phase_changes",
            ),
            Prefetch(
                "objectives",
                queryset=Objective.objects.prefetch_related(
                    Prefetch(
                        "indicators",
                        queryset=Indicator.objects.prefetch_related(
                            Prefetch("measurements", queryset=latest, to_attr="ordered_values")
                        ),
                    )
                ),
            ),
        ),
        pk=pk,
    )


def committed_pen(alliance_ids) -> dict[int, Decimal]:
    rows = (
        Commitment.objects.filter(alliance_id__in=alliance_ids, value_pen__isnull=False)
        .exclude(status=CommitmentStatus.CANCELLED)
        .values("alliance_id")
        .annotate(total=Sum("value_pen"))
        .order_by()
    )
    return {row["alliance_id"]: row["total"] for row in rows}


def sectors_of(alliance) -> Counter:
    return Counter(m.actor.get_sector_display() for m in alliance.public_members)


def indicator_progress(indicator) -> dict:
    """The latest value and how far it has gone from the baseline to the target (%)."""
    values = indicator.ordered_values
    latest = values[0] if values else None
    progress = None
    if latest and indicator.baseline_value is not None and indicator.target_value is not None:
        span = indicator.target_value - indicator.baseline_value
        if span:
            progress = round(100 * (latest.value - indicator.baseline_value) / span)
            progress = max(0, min(progress, 100))
    return {"latest": latest, "progress": progress}


def agreement_in_force(alliance: Alliance) -> AgreementVersion | None:
    """The latest version of the current cycle's partnering agreement, if there is one."""
    return (
        AgreementVersion.objects.filter(
            agreement__alliance=alliance, agreement__cycle=alliance.cycle
        )
        .only(
            "number", "objective", "decision_making", "committee_frequency", "starts_on", "ends_on"
        )
        .order_by("-number")
        .first()
    )
