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

from collections import Counter, defaultdict
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404

from alianzas.lifecycle import Phase
from alianzas.models import Alliance, Membership, Objective, PhaseChange
from alianzas.reversing import PageUrls
from fases.models import AgreementVersion
from seguimiento.models import Commitment, CommitmentStatus
from seguimiento.selectors import latest_value, latest_value_annotations, progress_towards_target


def published_alliances() -> QuerySet[Alliance]:
    return Alliance.objects.filter(published=True)


def public_list(alliances: QuerySet[Alliance]) -> QuerySet[Alliance]:
    """The rows of the public portfolio: only the columns its table shows (``with_row_facts``
    adds the rest to the page's rows)."""
    return alliances.only("pk", "name", "phase").order_by("name", "pk")


def with_row_facts(alliances) -> list[Alliance]:
    """The ``alliances`` (a page of ``public_list``) with what each row shows worked out once,
    in two more queries whatever their number: ``public_url``, ``phase_label``, and
    ``territory_label`` and ``goals_label`` (its places' names in code order and its SDGs'
    numbers, comma-separated, or "—"). The template only writes them."""
    rows = list(alliances)
    ids = [alliance.pk for alliance in rows]
    places = defaultdict(list)
    for alliance_id, name in (
        Alliance.places.through.objects.filter(alliance_id__in=ids)
        .order_by("place__code")
        .values_list("alliance_id", "place__name")
    ):
        places[alliance_id].append(name)
    goals = defaultdict(list)
    for alliance_id, number in (
        Alliance.goals.through.objects.filter(alliance_id__in=ids)
        .order_by("sustainabledevelopmentgoal_id")
        .values_list("alliance_id", "sustainabledevelopmentgoal_id")
    ):
        # SDG numbers (1 to 17) read the same in every language: no localising needed.
        goals[alliance_id].append(str(number))
    phases = {value: str(label) for value, label in Phase.choices}
    urls = PageUrls()
    for alliance in rows:
        names, numbers = places[alliance.pk], goals[alliance.pk]
        alliance.public_url = urls("public:alliance", alliance.pk)
        alliance.phase_label = phases.get(alliance.phase, alliance.phase)
        alliance.territory_label = ", ".join(names) if names else "—"
        alliance.goals_label = ", ".join(numbers) if numbers else "—"
    return rows


def current_members():
    """The current members, and of them only what is public: the organisation's name,
    acronym, sector and RUC, and its role."""
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(left_on__isnull=True)
        .select_related("actor")
        .only(
            "alliance_id",
            "role",
            "actor__name",
            "actor__acronym",
            "actor__sector",
            "actor__ruc",
        )
        .order_by("role", "actor__name"),
        to_attr="public_members",
    )


def public_alliance(pk: int) -> Alliance:
    """A published alliance with what its public page shows (but its objectives:
    ``public_objectives``); 404 if it is not published. ``committed`` is what its members
    committed in soles (``committed_pen``), read in the alliance's own query."""
    committed = (
        _counted_commitments()
        .filter(alliance=OuterRef("pk"))
        .values("alliance_id")
        .annotate(total=Sum("value_pen"))
    )
    return get_object_or_404(
        published_alliances()
        .annotate(committed=Subquery(committed.values("total")))
        .prefetch_related(
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
        ),
        pk=pk,
    )


def _counted_commitments() -> QuerySet[Commitment]:
    """The commitments counted in what an alliance's members committed: valued, not cancelled."""
    return (
        Commitment.objects.filter(value_pen__isnull=False)
        .exclude(status=CommitmentStatus.CANCELLED)
        .order_by()
    )


INDICATOR_FIELDS = ("name", "unit", "baseline_value", "target_value", "target_date")


def public_objectives(alliance: Alliance) -> list[tuple[SimpleNamespace, list[tuple]]]:
    """The alliance's objectives in order (``position``, ``title``), each with its indicators
    (``INDICATOR_FIELDS``) and their ``indicator_progress``, in one query: the objectives
    joined to their indicators, and each indicator's latest measured value and its period's
    end (``latest_value``, ``latest_period_end``) read with it."""
    rows = (
        Objective.objects.filter(alliance=alliance)
        .order_by("position", "pk", "indicators__pk")
        .values_list(
            "pk",
            "position",
            "title",
            "indicators__pk",
            *(f"indicators__{name}" for name in INDICATOR_FIELDS),
        )
        .annotate(**latest_value_annotations("indicators__pk"))
    )
    objectives = {}
    for pk, position, title, indicator_pk, *values in rows:
        if pk not in objectives:
            objectives[pk] = (SimpleNamespace(pk=pk, position=position, title=title), [])
        if indicator_pk is not None:
            fields = dict(
                zip((*INDICATOR_FIELDS, "latest_value", "latest_period_end"), values, strict=True)
            )
            indicator = SimpleNamespace(pk=indicator_pk, **fields)
            objectives[pk][1].append((indicator, indicator_progress(indicator)))
    return list(objectives.values())


def committed_pen(alliance_ids) -> dict[int, Decimal]:
    rows = (
        _counted_commitments()
        .filter(alliance_id__in=alliance_ids)
        .values("alliance_id")
        .annotate(total=Sum("value_pen"))
    )
    return {row["alliance_id"]: row["total"] for row in rows}


def sectors_of(alliance) -> Counter:
    return Counter(m.actor.get_sector_display() for m in alliance.public_members)


def indicator_progress(indicator) -> dict:
    """The latest value (``value``, ``period_end``: ``public_objectives`` reads them) and how
    far it has gone from the baseline to the target (%), as the members' pages say it."""
    latest = latest_value(indicator)
    value = latest.value if latest is not None else None
    return {
        "latest": latest,
        "progress": progress_towards_target(
            indicator.baseline_value, indicator.target_value, value
        ),
    }


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
