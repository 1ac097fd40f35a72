"""The alliance's governance: its management committee, the committee's meetings and
their decisions, and the action points the decisions create.

Every write goes through these services: each checks permission (``alianzas.access``),
refuses what the rules do not allow with a ``GovernanceError`` in the user's language,
validates the model (``full_clean``) and saves in one transaction. The admin corrects
through them too (``fases.governance_admin``).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from alianzas import access
from alianzas.compiled import compiled
from alianzas.models import Actor, Alliance, Membership
from alianzas.refusals import NotPermitted, Refused
from fases.models import (
    ActionPoint,
    CommitteeMember,
    CommitteeRole,
    Decision,
    Meeting,
    Risk,
)


class GovernanceError(Refused):
    """A change to the committee, its meetings or action points that is refused."""


class GovernanceNotPermitted(GovernanceError, NotPermitted):
    pass


def _require_manager(user, alliance: Alliance) -> None:
    if not access.can_manage_alliance(user, alliance):
        raise GovernanceNotPermitted(
            _("Only the alliance's coordinators and the administrators may do this.")
        )


def _require_open(alliance: Alliance) -> None:
    if alliance.is_closed:
        raise GovernanceError(_("The alliance is closed: its governance can only be read."))


def member_actor_ids(alliance: Alliance) -> set[int]:
    """The actors that are members of the alliance now."""
    return set(
        Membership.objects.filter(alliance=alliance, left_on__isnull=True).values_list(
            "actor_id", flat=True
        )
    )


def _validated(instance, *, exclude=()) -> None:
    instance.full_clean(exclude=list(exclude))


# --- The committee ----------------------------------------------------------------------


def add_committee_member(
    *, alliance: Alliance, user, person, actor: Actor, role: str
) -> CommitteeMember:
    """Seat ``person`` on the committee for the member actor ``actor`` with ``role``."""
    _require_manager(user, alliance)
    _require_open(alliance)
    if actor is None or actor.pk not in member_actor_ids(alliance):
        raise ValidationError({"actor": _("Choose an actor that is a member of the alliance.")})
    member = CommitteeMember(alliance=alliance, person=person, actor=actor, role=role)
    with transaction.atomic():
        if CommitteeMember.objects.filter(
            alliance=alliance, person=person, left_on__isnull=True
        ).exists():
            raise ValidationError({"person": _("This person is already on the committee.")})
        _validated(member)
        member.save()
    return member


def end_committee_membership(*, member: CommitteeMember, user) -> CommitteeMember:
    """The person leaves the committee today (their seat stays in its history)."""
    _require_manager(user, member.alliance)
    if member.left_on is not None:
        raise GovernanceError(_("This person has already left the committee."))
    member.left_on = timezone.localdate()
    member.save(update_fields=["left_on"])
    return member


def committee(alliance: Alliance) -> list[CommitteeMember]:
    """The committee as it is now, the chair first."""
    order = {role: position for position, role in enumerate(CommitteeRole.values)}
    members = list(
        CommitteeMember.objects.filter(alliance=alliance, left_on__isnull=True).select_related(
            "person", "actor"
        )
    )
    return sorted(members, key=lambda m: (order[m.role], str(m.person)))


# --- Meetings and decisions -------------------------------------------------------------


def save_meeting(
    *,
    alliance: Alliance,
    user,
    title: str,
    starts_at: datetime.datetime,
    agenda: str,
    place: str = "",
    link: str = "",
    minutes: str = "",
    attendees=(),
    meeting: Meeting | None = None,
) -> Meeting:
    """Schedule a meeting (``meeting`` None) or record what happened at it: who attended
    (member actors), the minutes. Nothing is saved unless all of it is valid."""
    _require_manager(user, alliance)
    _require_open(alliance)
    attendees = list(attendees)
    members = member_actor_ids(alliance)
    if any(actor.pk not in members for actor in attendees):
        raise ValidationError({"attendees": _("Only member actors can attend a meeting.")})
    if meeting is None:
        meeting = Meeting(alliance=alliance, cycle=alliance.cycle, created_by=user)
    elif meeting.alliance_id != alliance.pk:
        raise GovernanceError(_("This meeting belongs to another alliance."))
    meeting.title = (title or "").strip()
    meeting.starts_at = starts_at
    meeting.place = (place or "").strip()
    meeting.link = link or ""
    meeting.agenda = (agenda or "").strip()
    meeting.minutes = (minutes or "").strip()
    _validated(meeting, exclude=["created_by"])
    with transaction.atomic():
        meeting.save()
        meeting.attendees.set(attendees)
    return meeting


def meetings(alliance: Alliance):
    """The alliance's meetings, the latest first, with their numbers of decisions."""
    return Meeting.objects.filter(alliance=alliance).annotate(
        decision_count=Count("decisions", distinct=True)
    )


def _check_owner(alliance: Alliance, owner_actor, owner) -> dict:
    """The errors, by field, of an action point's owner: a member actor, and a person
    who represents it or sits on the committee for it."""
    errors = {}
    if owner_actor is None or owner_actor.pk not in member_actor_ids(alliance):
        errors["owner_actor"] = _("Choose an actor that is a member of the alliance.")
    elif owner is None or not (
        owner.actors.filter(pk=owner_actor.pk).exists()
        or CommitteeMember.objects.filter(
            alliance=alliance, actor=owner_actor, person=owner, left_on__isnull=True
        ).exists()
    ):
        errors["owner"] = _(
            "The owner must represent %(actor)s or sit on the committee for it."
        ) % {"actor": owner_actor}
    return errors


def record_decision(
    *,
    meeting: Meeting,
    user,
    text: str,
    action: dict | None = None,
) -> Decision:
    """Record a decision of ``meeting``; with ``action`` (``description``,
    ``owner_actor``, ``owner``, ``due_date``) it also creates its first action point, both
    or neither."""
    alliance = meeting.alliance
    _require_manager(user, alliance)
    _require_open(alliance)
    decision = Decision(meeting=meeting, text=(text or "").strip())
    _validated(decision)
    with transaction.atomic():
        decision.save()
        if action:
            add_action_point(decision=decision, user=user, **action)
    return decision


def add_action_point(
    *,
    decision: Decision,
    user,
    description: str,
    owner_actor,
    owner,
    due_date: datetime.date,
) -> ActionPoint:
    """An action point of ``decision`` for ``owner`` (on behalf of ``owner_actor``)."""
    alliance = decision.meeting.alliance
    _require_manager(user, alliance)
    _require_open(alliance)
    point = ActionPoint(
        decision=decision,
        alliance=alliance,
        description=(description or "").strip(),
        owner_actor=owner_actor,
        owner=owner,
        due_date=due_date,
    )
    errors = _check_owner(alliance, owner_actor, owner)
    # When the owner passed its checks, their queries have found the owner actor among the
    # alliance's current memberships and the owner among its representatives or committee:
    # those rows exist, and full_clean need not ask the database for each again.
    known = [] if errors else ["alliance", "owner_actor", "owner"]
    try:
        _validated(point, exclude=["closed_by", *known])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    point.save()
    return point


def can_close_action_point(user, point: ActionPoint) -> bool:
    """Its owner, the representatives of its actor and the alliance's managers."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        point.owner_id == user.pk
        or access.represents(user, point.owner_actor_id)
        or access.can_manage_alliance(user, point.alliance)
    )


def close_action_point(*, action_point: ActionPoint, user, status: str, note: str) -> ActionPoint:
    """Mark an open action point done (with a note of what was done) or cancelled (with
    the reason); it then is final."""
    if not can_close_action_point(user, action_point):
        raise GovernanceNotPermitted(
            _("Only the owner, their actor's representatives and the coordinators may do this.")
        )
    note = (note or "").strip()
    if status not in (ActionPoint.Status.DONE, ActionPoint.Status.CANCELLED):
        raise ValidationError({"status": _("Choose done or cancelled.")})
    if not note:
        raise ValidationError(
            {
                "note": _("Say what was done.")
                if status == ActionPoint.Status.DONE
                else _("Give the reason for cancelling it.")
            }
        )
    with transaction.atomic():
        locked = ActionPoint.objects.select_for_update().get(pk=action_point.pk)
        if locked.status != ActionPoint.Status.OPEN:
            raise GovernanceError(_("This action point is already closed."))
        locked.status = status
        locked.closing_note = note
        locked.closed_at = timezone.now()
        locked.closed_by = user if user.is_authenticated else None
        locked.save(update_fields=["status", "closing_note", "closed_at", "closed_by"])
    return locked


def open_action_points(alliance: Alliance):
    return (
        ActionPoint.objects.filter(alliance=alliance, status=ActionPoint.Status.OPEN)
        .select_related("owner_actor", "owner", "decision__meeting")
        .order_by("due_date", "pk")
    )


OWNED_SHOWN = 50


def action_points_owned_by(user) -> list[ActionPoint]:
    """The first ``OWNED_SHOWN`` open action points a person owes, in every alliance, the
    most urgent first."""
    return _action_points_owned_by(user.pk)


@compiled
def _action_points_owned_by(user_id: int):
    return (
        ActionPoint.objects.filter(owner_id=user_id, status=ActionPoint.Status.OPEN)
        .select_related("alliance", "owner", "owner_actor", "decision__meeting")
        .order_by("due_date", "pk")[:OWNED_SHOWN]
    )


# The counts of the alliance page's governance panel: two indexed counts in one statement
# (a join of both tables would count their product).
_SUMMARY_COUNTS = f"""
    SELECT (SELECT COUNT(*) FROM {Meeting._meta.db_table} WHERE alliance_id = %s),
           (SELECT COUNT(*) FROM {Risk._meta.db_table} WHERE alliance_id = %s AND status = %s)
"""  # nosec B608 - table names from the models, values as parameters


def alliance_summary(alliance: Alliance) -> dict:
    """What the alliance's page shows of its governance, in two queries: the counts of
    meetings and open risks, and the first open action points with their owners."""
    with connection.cursor() as cursor:
        cursor.execute(_SUMMARY_COUNTS, [alliance.pk, alliance.pk, Risk.Status.OPEN])
        meetings, open_risks = cursor.fetchone()
    points = _open_action_points(alliance.pk)
    return {"action_points": points, "meetings": meetings, "open_risks": open_risks}


@compiled
def _open_action_points(alliance_id: int):
    """The first ten open action points of the alliance, with their owners."""
    return (
        ActionPoint.objects.filter(alliance_id=alliance_id, status=ActionPoint.Status.OPEN)
        .select_related("owner_actor", "owner")
        .order_by("due_date", "pk")[:10]
    )


def committee_actor_of(alliance: Alliance, person) -> Actor | None:
    """The actor ``person`` sits on the committee for, if any."""
    seat = (
        CommitteeMember.objects.filter(alliance=alliance, person=person, left_on__isnull=True)
        .select_related("actor")
        .first()
    )
    return seat.actor if seat else None
