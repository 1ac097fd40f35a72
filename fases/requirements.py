"""What an alliance still lacks before each change of phase.

These are the method's conditions for success turned into checks: precise
objectives with measurable indicators, real leadership, responsibilities
negotiated with every actor, results measured before they are evaluated.
``unmet_requirements`` is the only place they are written; the state
machine's conditions, the refusal messages and the checklist on the pages
all read its answer.
"""

import functools
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alianzas.compiled import compiled
from alianzas.cycles import CYCLE_START_CHANGES
from alianzas.lifecycle import NEW_CYCLE_TRANSITIONS
from alianzas.models import Indicator, Membership, Objective, PhaseChange, Role
from fases.models import (
    AgreementVersion,
    Evaluation,
    agreement_of,
    current_agreement,
    current_evaluation,
)
from seguimiento.models import Commitment, CommitmentStatus, Measurement
from seguimiento.services import first_period_opening


class Section:
    """Where on the alliance's page an unmet requirement is fixed (an anchor there)."""

    MEMBERS = "members"
    OBJECTIVES = "objectives"
    OBJECTIVE = "objective"
    INDICATORS = "indicators"
    INDICATOR = "indicator"
    ACTOR_COMMITMENTS = "commitments-actor"
    EVALUATION = "evaluation"
    AGREEMENT = "agreement"


@dataclass(frozen=True)
class Requirement:
    code: str
    message: str
    section: str
    object_id: int | None = None

    def __str__(self) -> str:
        return self.message

    @property
    def anchor(self) -> str:
        return f"{self.section}-{self.object_id}" if self.object_id else self.section


# What each transition asks for, as the checklist names it when it is met.
_DECISION_TITLES = [
    ("evaluation", gettext_lazy("The evaluation of this cycle is recorded")),
    ("evaluation_decision", gettext_lazy("The evaluation decided this")),
]
TITLES = {
    "start_implementation": [
        ("min_members", gettext_lazy("At least two member actors")),
        ("min_sectors", gettext_lazy("Members from at least two sectors")),
        ("lead_actor", gettext_lazy("A lead actor among the members")),
        ("objective", gettext_lazy("At least one objective")),
        (
            "objective_indicator",
            gettext_lazy("Every objective has an indicator with baseline, target and date"),
        ),
        ("actor_commitment", gettext_lazy("Every member has a commitment in this cycle")),
        ("agreement", gettext_lazy("The partnering agreement of this cycle is drafted")),
        (
            "agreement_signature",
            gettext_lazy("Every member signed the partnering agreement in force"),
        ),
    ],
    "start_monitoring": [
        ("indicator", gettext_lazy("The alliance has indicators")),
        ("indicator_frequency", gettext_lazy("Every indicator has a measurement frequency")),
        ("indicator_responsible", gettext_lazy("Every indicator has a responsible member")),
    ],
    "start_evaluation": [
        ("indicator", gettext_lazy("The alliance has indicators")),
        ("indicator_measurement", gettext_lazy("Every indicator was measured in this cycle")),
    ],
    "continue_cycle": [
        *_DECISION_TITLES,
        ("next_agreement", gettext_lazy("The next cycle's agreement is drafted or renewed")),
        (
            "next_agreement_signature",
            gettext_lazy("Every member signed the next cycle's agreement"),
        ),
    ],
    "reformulate": _DECISION_TITLES,
    "close": _DECISION_TITLES,
}


# Requirements that hold trivially while another is unmet ("every objective…" with no
# objective) are not shown as met until that one is.
_ONLY_AFTER = {
    "objective_indicator": "objective",
    "actor_commitment": "min_members",
    "agreement_signature": "agreement",
    "next_agreement_signature": "next_agreement",
}


def requirement_titles(transition_name: str, exclude: set[str]) -> list[str]:
    """The titles of the requirements of ``transition_name`` that are met, given the codes
    of those that are not (``exclude``)."""
    return [
        str(title)
        for code, title in TITLES.get(transition_name, [])
        if code not in exclude and _ONLY_AFTER.get(code) not in exclude
    ]


def unmet_requirements(alliance, transition_name: str) -> list[Requirement]:
    """The requirements for ``transition_name`` that ``alliance`` does not meet yet, in order."""
    check = _CHECKS.get(transition_name)
    return check(alliance) if check else []


# ``Alliance.read_once`` keys: what the checks read of an alliance, once per page (the
# alliance's page, ``change_phase``'s two checks), or for several alliances at once
# (``shared_reads``, the dashboard).
ACTIVE_MEMBERSHIPS = "active_memberships"
OBJECTIVES = "checked_objectives"
INDICATORS = "checked_indicators"
EVALUATION = "cycle_evaluation"
AGREEMENT = "cycle_agreement"
NEXT_AGREEMENT = "next_cycle_agreement"


def _committed_key(alliance) -> str:
    return f"committed_actor_ids:{alliance.cycle}"


def _active_memberships(alliance):
    """The current members with their actors (once per page: ``Alliance.reading``)."""
    return alliance.read_once(
        ACTIVE_MEMBERSHIPS,
        lambda: list(alliance.memberships.filter(left_on__isnull=True).select_related("actor")),
    )


def _objectives(alliance) -> list:
    """The alliance's objectives, in order (their indicators: ``_checked_indicators``)."""
    return alliance.read_once(OBJECTIVES, lambda: list(alliance.objectives.all()))


def _checked_indicators(alliance) -> list:
    """Every indicator of the alliance in the checklist's order, each with ``measured``:
    whether it has a value in the current cycle."""

    def read():
        measured = Measurement.objects.filter(indicator=OuterRef("pk"), cycle=alliance.cycle)
        return list(_indicators(alliance).annotate(measured=Exists(measured)))

    return alliance.read_once(INDICATORS, read)


def cycle_evaluation(alliance):
    """``fases.models.current_evaluation``, or what the page read for it (``shared_reads``)."""
    return alliance.read_once(EVALUATION, lambda: current_evaluation(alliance))


def cycle_agreement(alliance):
    """``fases.models.current_agreement``, or what the page read for it (``page_reads``)."""
    return alliance.read_once(AGREEMENT, lambda: current_agreement(alliance))


def _next_agreement(alliance):
    return alliance.read_once(
        NEXT_AGREEMENT,
        lambda: alliance.remembered(
            "next_agreement", lambda: agreement_of(alliance, alliance.cycle + 1)
        ),
    )


def shared_reads(alliances) -> dict[int, dict]:
    """For a page that checks the next step of several ``alliances`` (the dashboard): what
    every check reads per alliance (the current members, the actors committed in the
    cycle, the objectives and indicators, the cycle's evaluation and agreements, when the
    cycle began), each read for all of them in one query, as ``Alliance.reading``
    sources. Each is read only when a check first needs it; the same rows, and in each
    alliance the same order, as each check would read."""
    alliances = list(alliances)
    ids = [alliance.pk for alliance in alliances]
    cycles = {alliance.pk: alliance.cycle for alliance in alliances}

    def grouped(rows, alliance_of) -> dict[int, list]:
        by_alliance = {pk: [] for pk in ids}
        for row in rows:
            by_alliance[alliance_of(row)].append(row)
        return by_alliance

    @functools.cache
    def members() -> dict[int, list]:
        return grouped(_current_members_of(ids), lambda m: m.alliance_id)

    def committed(pk) -> set:
        return {m.actor_id for m in members()[pk] if m.committed}

    @functools.cache
    def objectives() -> dict[int, list]:
        return grouped(_objectives_of(ids), lambda o: o.alliance_id)

    @functools.cache
    def indicators() -> dict[int, list]:
        return grouped(_checked_indicators_of(ids), lambda i: i.of_alliance)

    @functools.cache
    def evaluations() -> dict[int, Evaluation | None]:
        found = dict.fromkeys(ids)
        for evaluation in _evaluations_of(ids):
            if evaluation.cycle == cycles[evaluation.alliance_id]:
                found[evaluation.alliance_id] = evaluation
        return found

    @functools.cache
    def agreements() -> dict[tuple[int, int], object]:
        return _agreements_of(
            {(pk, cycle + step) for pk, cycle in cycles.items() for step in (0, 1)}
        )

    @functools.cache
    def cycle_start_changes() -> dict[int, list]:
        later = [pk for pk, cycle in cycles.items() if cycle > 1]
        found = {pk: [] for pk in later}
        if later:
            rows = (
                PhaseChange.objects.filter(alliance__in=later, transition__in=NEW_CYCLE_TRANSITIONS)
                .only("alliance_id", "cycle", "created_at")
                .order_by()
            )
            for change in rows:
                if change.cycle == cycles[change.alliance_id]:
                    found[change.alliance_id].append(change)
        return found

    sources = {}
    for alliance in alliances:
        pk, cycle = alliance.pk, alliance.cycle
        sources[pk] = {
            ACTIVE_MEMBERSHIPS: lambda pk=pk: members()[pk],
            _committed_key(alliance): lambda pk=pk: committed(pk),
            OBJECTIVES: lambda pk=pk: objectives()[pk],
            INDICATORS: lambda pk=pk: indicators()[pk],
            EVALUATION: lambda pk=pk: evaluations()[pk],
            AGREEMENT: lambda pk=pk, cycle=cycle: agreements().get((pk, cycle)),
            NEXT_AGREEMENT: lambda pk=pk, cycle=cycle: agreements().get((pk, cycle + 1)),
        }
        if cycle > 1:
            sources[pk][CYCLE_START_CHANGES] = lambda pk=pk: cycle_start_changes()[pk]
    return sources


# What ``shared_reads`` reads for several alliances, each SQL compiled once per number of
# alliances (``alianzas.compiled``).


@compiled
def _current_members_of(ids: list):
    """The alliances' current members with their actors, each with whether its actor has a
    commitment in the cycle (not cancelled): the only committed actors a check asks about
    are current members."""
    committed = Commitment.objects.filter(
        alliance=OuterRef("alliance_id"),
        actor=OuterRef("actor_id"),
        cycle=OuterRef("alliance__cycle"),
    ).exclude(status=CommitmentStatus.CANCELLED)
    return (
        Membership.objects.filter(alliance__in=ids, left_on__isnull=True)
        .select_related("actor")
        .annotate(committed=Exists(committed))
        .order_by("alliance_id", "joined_on", "pk")
    )


@compiled
def _objectives_of(ids: list):
    return Objective.objects.filter(alliance__in=ids).order_by("alliance_id", "position", "pk")


@compiled
def _checked_indicators_of(ids: list):
    measured = Measurement.objects.filter(
        indicator=OuterRef("pk"), cycle=OuterRef("objective__alliance__cycle")
    )
    return (
        Indicator.objects.filter(objective__alliance__in=ids)
        .annotate(of_alliance=F("objective__alliance_id"), measured=Exists(measured))
        .order_by("objective__position", "objective_id", "pk")
    )


@compiled
def _evaluations_of(ids: list):
    return Evaluation.objects.filter(alliance__in=ids).order_by()


@compiled
def _agreement_versions_of(alliance_ids: list, cycles: list):
    return (
        AgreementVersion.objects.filter(
            agreement__alliance__in=alliance_ids, agreement__cycle__in=cycles
        )
        .select_related("agreement")
        .annotate(signed_by=F("signatures__actor_id"))
        .order_by()
    )


def page_reads(alliance, *, active_memberships, cycle_commitments, objectives, indicators) -> dict:
    """For the alliance's own page, as ``Alliance.reading`` sources: the current members,
    who has committed in the cycle, the objectives and the indicators from the rows the page
    lists (``active_memberships``, ``cycle_commitments``, ``objectives``, ``indicators``:
    callables, the objectives in their model order, the indicators in the checklist's, each
    with ``measured``), and the agreements of this cycle and the next in one query, read
    when a check or the agreement panel first asks."""
    agreements = functools.cache(
        lambda: _agreements_of({(alliance.pk, alliance.cycle), (alliance.pk, alliance.cycle + 1)})
    )
    return {
        ACTIVE_MEMBERSHIPS: active_memberships,
        OBJECTIVES: objectives,
        INDICATORS: indicators,
        _committed_key(alliance): lambda: {
            commitment.actor_id
            for commitment in cycle_commitments()
            if commitment.status != CommitmentStatus.CANCELLED
        },
        AGREEMENT: lambda: agreements().get((alliance.pk, alliance.cycle)),
        NEXT_AGREEMENT: lambda: agreements().get((alliance.pk, alliance.cycle + 1)),
    }


def _agreements_of(wanted: set[tuple[int, int]]) -> dict[tuple[int, int], object]:
    """``agreement_of`` for each ``(alliance id, cycle)`` of ``wanted`` that has one, in one
    query: the versions of those agreements with their agreement, a row for each actor who
    signed each; the highest version of an agreement is the one in force."""
    rows = _agreement_versions_of(
        sorted({pk for pk, _cycle in wanted}), sorted({cycle for _pk, cycle in wanted})
    )
    found = {}
    for version in rows:
        key = (version.agreement.alliance_id, version.agreement.cycle)
        if key not in wanted:
            continue
        known = found.get(key)
        if known is None or version.number > known.in_force.number:
            known = found[key] = version.agreement
            known.in_force = version
            known.signed_actor_ids = set()
        if version.number == known.in_force.number and version.signed_by is not None:
            known.signed_actor_ids.add(version.signed_by)
    return found


def _indicators(alliance):
    return Indicator.objects.filter(objective__alliance=alliance).order_by(
        "objective__position", "objective_id", "pk"
    )


def _start_implementation(alliance) -> list[Requirement]:
    unmet = []
    memberships = _active_memberships(alliance)
    if len(memberships) < 2:
        unmet.append(
            Requirement(
                "min_members",
                _("At least two member actors are needed (there are %(count)s).")
                % {"count": len(memberships)},
                Section.MEMBERS,
            )
        )
    if len({m.actor.sector for m in memberships}) < 2:
        unmet.append(
            Requirement(
                "min_sectors",
                _("The member actors must come from at least two different sectors."),
                Section.MEMBERS,
            )
        )
    if not any(m.role == Role.LEADER for m in memberships):
        unmet.append(
            Requirement(
                "lead_actor",
                _("A lead actor must be designated among the members."),
                Section.MEMBERS,
            )
        )

    objectives = _objectives(alliance)
    indicators = {}
    for indicator in _checked_indicators(alliance):
        indicators.setdefault(indicator.objective_id, []).append(indicator)
    if not objectives:
        unmet.append(
            Requirement(
                "objective", _("At least one objective must be defined."), Section.OBJECTIVES
            )
        )
    for objective in objectives:
        if not any(i.has_baseline_and_target for i in indicators.get(objective.pk, [])):
            unmet.append(
                Requirement(
                    "objective_indicator",
                    _(
                        "Objective %(number)s has no indicator with a baseline, "
                        "a target and a target date."
                    )
                    % {"number": objective.position},
                    Section.OBJECTIVE,
                    objective.pk,
                )
            )

    unmet.extend(_actor_commitments(alliance, memberships))
    unmet += _agreement_signed(alliance, cycle_agreement(alliance), memberships)
    return unmet


def _agreement_signed(alliance, agreement, memberships, *, next_cycle: bool = False):
    """The agreement of the cycle (or of the next one) is drafted, and its version in force
    is signed by every current member: each one that has not signed is named."""
    cycle = alliance.cycle + 1 if next_cycle else alliance.cycle
    prefix = "next_agreement" if next_cycle else "agreement"
    if agreement is None or agreement.in_force is None:
        message = (
            _(
                "The partnering agreement of cycle %(cycle)s has not been drafted, nor the "
                "agreement of cycle %(previous)s renewed."
            )
            % {"cycle": cycle, "previous": alliance.cycle}
            if next_cycle
            else _("The partnering agreement of cycle %(cycle)s has not been drafted.")
            % {"cycle": cycle}
        )
        return [Requirement(prefix, message, Section.AGREEMENT)]
    return [
        Requirement(
            f"{prefix}_signature",
            _(
                "%(actor)s has not signed the partnering agreement of cycle %(cycle)s "
                "(version %(version)s)."
            )
            % {"actor": membership.actor, "cycle": cycle, "version": agreement.in_force.number},
            Section.AGREEMENT,
            membership.actor_id,
        )
        for membership in memberships
        if membership.actor_id not in agreement.signed_actor_ids
    ]


def _continue_cycle(alliance) -> list[Requirement]:
    unmet = _decided("continue")(alliance)
    return unmet + _agreement_signed(
        alliance, _next_agreement(alliance), _active_memberships(alliance), next_cycle=True
    )


def _actor_commitments(alliance, memberships=None) -> list[Requirement]:
    """Each current member's commitment in the current cycle: asked before implementation
    starts, and in every cycle again before monitoring starts and before the cycle is
    continued (a new cycle's commitments are carried over or made anew)."""
    if memberships is None:
        memberships = _active_memberships(alliance)
    committed_actor_ids = alliance.read_once(
        _committed_key(alliance),
        lambda: set(
            alliance.commitments.filter(cycle=alliance.cycle)
            .exclude(status=CommitmentStatus.CANCELLED)
            .values_list("actor_id", flat=True)
        ),
    )
    return [
        Requirement(
            "actor_commitment",
            _("%(actor)s has no commitment in this cycle yet.") % {"actor": membership.actor},
            Section.ACTOR_COMMITMENTS,
            membership.actor_id,
        )
        for membership in memberships
        if membership.actor_id not in committed_actor_ids
    ]


def _start_monitoring(alliance) -> list[Requirement]:
    memberships = _active_memberships(alliance)
    member_actor_ids = {m.actor_id for m in memberships}
    # Checked twice in one change of phase (the service, then django-fsm's conditions).
    indicators = _checked_indicators(alliance)
    commitments = _actor_commitments(alliance, memberships)
    if not indicators:
        return [
            Requirement(
                "indicator", _("The alliance has no indicators to monitor."), Section.INDICATORS
            ),
            *commitments,
        ]
    unmet = []
    for indicator in indicators:
        if not indicator.frequency:
            unmet.append(
                Requirement(
                    "indicator_frequency",
                    _("The indicator “%(name)s” has no measurement frequency.")
                    % {"name": indicator.name},
                    Section.INDICATOR,
                    indicator.pk,
                )
            )
        if indicator.responsible_actor_id not in member_actor_ids:
            unmet.append(
                Requirement(
                    "indicator_responsible",
                    _("The indicator “%(name)s” has no responsible member actor.")
                    % {"name": indicator.name},
                    Section.INDICATOR,
                    indicator.pk,
                )
            )
    unmet.extend(commitments)
    return unmet


def _start_evaluation(alliance) -> list[Requirement]:
    indicators = _checked_indicators(alliance)
    if not indicators:
        return [
            Requirement(
                "indicator", _("The alliance has no indicators to evaluate."), Section.INDICATORS
            )
        ]
    return [
        Requirement(
            "indicator_measurement",
            _not_measured(indicator, alliance),
            Section.INDICATOR,
            indicator.pk,
        )
        for indicator in indicators
        if not indicator.measured
    ]


def _not_measured(indicator, alliance) -> str:
    """The checklist's line for an indicator without a value: when no period is open yet
    (the alliance starts later), it says which period opens and when, so that nobody waits
    on a value that cannot be reported."""
    message = _("The indicator “%(name)s” has no measurement in cycle %(cycle)s.") % {
        "name": indicator.name,
        "cycle": alliance.cycle,
    }
    opening = first_period_opening(indicator, alliance)
    if opening is None:
        return message
    return _("%(message)s Its first reporting period, “%(period)s”, opens on %(date)s.") % {
        "message": message,
        "period": opening.label,
        "date": date_format(opening.start),
    }


def _decided(decision: str):
    def check(alliance) -> list[Requirement]:
        evaluation = cycle_evaluation(alliance)
        if evaluation is None:
            return [
                Requirement(
                    "evaluation",
                    _("The evaluation of cycle %(cycle)s has not been recorded.")
                    % {"cycle": alliance.cycle},
                    Section.EVALUATION,
                )
            ]
        if evaluation.decision != decision:
            return [
                Requirement(
                    "evaluation_decision",
                    _("The evaluation of cycle %(cycle)s decided “%(decided)s”, not “%(asked)s”.")
                    % {
                        "cycle": alliance.cycle,
                        "decided": evaluation.get_decision_display(),
                        "asked": Evaluation.Decision(decision).label,
                    },
                    Section.EVALUATION,
                )
            ]
        return []

    return check


_CHECKS = {
    "start_implementation": _start_implementation,
    "start_monitoring": _start_monitoring,
    "start_evaluation": _start_evaluation,
    "continue_cycle": _continue_cycle,
    "reformulate": _decided("reformulate"),
    "close": _decided("close"),
}


# Each cycle's implementation needs every member's commitment for that cycle (in a new
# cycle, carried over or made anew: ``seguimiento.carry_over``). Asked before monitoring
# starts (above) and before a cycle is continued, next to what the decision needs.
_continue_without_commitments = _CHECKS["continue_cycle"]
_CHECKS["continue_cycle"] = lambda alliance: [
    *_continue_without_commitments(alliance),
    *_actor_commitments(alliance),
]
_COMMITMENT_TITLE = (
    "actor_commitment",
    gettext_lazy("Every member has a commitment in this cycle"),
)
TITLES["start_monitoring"] = [*TITLES["start_monitoring"], _COMMITMENT_TITLE]
TITLES["continue_cycle"] = [*TITLES["continue_cycle"], _COMMITMENT_TITLE]
