"""The alliance's register of risks and conflicts.

Each item is rated for likelihood and impact (1–5); their product places it on a 5 × 5
matrix drawn on the server. Saving an item's assessment is reviewing it: the date and the
cycle of the review are recorded. The evaluation of a cycle cannot be recorded while an
open high item (likelihood × impact ≥ ``Risk.HIGH``) has not been reviewed in that cycle
(``unreviewed_high_risks``, asked by ``fases.services.record_evaluation`` and shown on the
evaluation page before anyone tries).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ExpressionWrapper, F, IntegerField, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alianzas.compiled import compiled
from alianzas.models import Alliance
from fases.governance import _require_manager, _require_open, member_actor_ids
from fases.models import Decision, Risk
from fases.requirements import Requirement


class Section:
    RISKS = "risks"


def with_score(risks):
    return risks.annotate(
        product=ExpressionWrapper(F("likelihood") * F("impact"), output_field=IntegerField())
    )


def register(alliance: Alliance):
    """The alliance's items, open first, the highest rated first."""
    return _register_of(alliance.pk)


def _register_of(alliance_id: int):
    return (
        with_score(Risk.objects.filter(alliance_id=alliance_id))
        .select_related("owner_actor", "settled_by__meeting")
        .prefetch_related("actors")
        .order_by("status", "-product", "-likelihood", "pk")
    )


def open_items(alliance: Alliance) -> list[Risk]:
    """The alliance's open items, as ``register`` orders them, with their actors."""
    return _open_items_of(alliance.pk)


@compiled
def _open_items_of(alliance_id: int):
    return _register_of(alliance_id).filter(status=Risk.Status.OPEN)


def save_risk(
    *,
    alliance: Alliance,
    user,
    kind: str,
    title: str,
    likelihood: int,
    impact: int,
    description: str = "",
    response: str = "",
    owner_actor=None,
    status: str = Risk.Status.OPEN,
    actors=(),
    settled_by: Decision | None = None,
    risk: Risk | None = None,
) -> Risk:
    """Add an item to the register (``risk`` None) or review one: either way the
    assessment is dated today and counts as reviewed in the alliance's current cycle."""
    _require_manager(user, alliance)
    _require_open(alliance)
    if risk is not None and risk.alliance_id != alliance.pk:
        raise ValidationError(_("This item belongs to another alliance."))
    members = member_actor_ids(alliance)
    actors = list(actors)
    errors = {}
    if any(actor.pk not in members for actor in actors):
        errors["actors"] = _("Choose actors that are members of the alliance.")
    if owner_actor is not None and owner_actor.pk not in members:
        errors["owner_actor"] = _("Choose an actor that is a member of the alliance.")
    if settled_by is not None and settled_by.meeting.alliance_id != alliance.pk:
        errors["settled_by"] = _("Choose a decision of this alliance's meetings.")
    risk = risk or Risk(alliance=alliance)
    risk.kind = kind
    risk.title = (title or "").strip()
    risk.description = (description or "").strip()
    risk.likelihood = likelihood
    risk.impact = impact
    risk.response = (response or "").strip()
    risk.owner_actor = owner_actor
    risk.status = status
    risk.settled_by = settled_by
    risk.reviewed_on = timezone.localdate()
    risk.reviewed_in_cycle = alliance.cycle
    try:
        risk.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        risk.save()
        risk.actors.set(actors)
    return risk


def unreviewed_high_risks(alliance: Alliance) -> list[Requirement]:
    """The open high items not reviewed in the alliance's current cycle, each named, in
    the checklist's words."""
    unreviewed = _unreviewed_high_risks_of(alliance.pk, alliance.cycle)
    return [_unreviewed(risk, alliance.cycle) for risk in unreviewed]


@compiled
def _unreviewed_high_risks_of(alliance_id: int, cycle: int):
    return (
        with_score(Risk.objects.filter(alliance_id=alliance_id, status=Risk.Status.OPEN))
        .filter(product__gte=Risk.HIGH)
        .filter(~Q(reviewed_in_cycle=cycle))
        .order_by("-product", "pk")
    )


def unreviewed_high_risks_of(alliances) -> dict[int, list[Requirement]]:
    """``unreviewed_high_risks`` of several alliances in one query (the dashboard's next
    steps), by alliance id."""
    cycles = {alliance.pk: alliance.cycle for alliance in alliances}
    found = {pk: [] for pk in cycles}
    high = (
        with_score(Risk.objects.filter(alliance__in=list(cycles), status=Risk.Status.OPEN))
        .filter(product__gte=Risk.HIGH)
        .order_by("-product", "pk")
    )
    for risk in high:
        if risk.reviewed_in_cycle != cycles[risk.alliance_id]:
            found[risk.alliance_id].append(_unreviewed(risk, cycles[risk.alliance_id]))
    return found


def _unreviewed(risk: Risk, cycle: int) -> Requirement:
    return Requirement(
        "risk_reviewed",
        _(
            "The %(kind)s “%(title)s” is rated high (%(likelihood)s × %(impact)s = "
            "%(score)s) and has not been reviewed in cycle %(cycle)s."
        )
        % {
            "kind": risk.get_kind_display().lower(),
            "title": risk.title,
            "likelihood": risk.likelihood,
            "impact": risk.impact,
            "score": risk.product,
            "cycle": cycle,
        },
        Section.RISKS,
        risk.pk,
    )


@dataclass(frozen=True)
class Cell:
    likelihood: int
    impact: int
    count: int

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def level(self) -> str:
        if self.score >= Risk.HIGH:
            return "high"
        return "medium" if self.score >= 6 else "low"


def matrix(items) -> list[list[Cell]]:
    """Rows of likelihood 5 to 1, columns of impact 1 to 5, each with its number of
    open items (from ``items``, already loaded)."""
    counts = {}
    for risk in items:
        if risk.status == Risk.Status.OPEN:
            key = (risk.likelihood, risk.impact)
            counts[key] = counts.get(key, 0) + 1
    return [
        [Cell(likelihood, impact, counts.get((likelihood, impact), 0)) for impact in range(1, 6)]
        for likelihood in range(5, 0, -1)
    ]
