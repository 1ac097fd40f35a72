"""What the permission matrix's world needs for the governance pages (fases/governance_urls.py):
a committee seat, a meeting with a decision and an action point owed by the member
representative, a risk, and that representative's calendar secret."""

from fases import calendar_feeds
from fases.models import CommitteeMember
from tests.factories import ActionPointFactory, DecisionFactory, MeetingFactory, RiskFactory


def governance_kwargs(alliance, member, member_representative) -> dict:
    seat = CommitteeMember.objects.create(
        alliance=alliance, person=member_representative, actor=member, role="chair"
    )
    meeting = MeetingFactory(alliance=alliance)
    decision = DecisionFactory(meeting=meeting)
    point = ActionPointFactory(decision=decision, owner_actor=member, owner=member_representative)
    return {
        "member_pk": seat.pk,
        "meeting_pk": meeting.pk,
        "decision_pk": decision.pk,
        "action_point_pk": point.pk,
        "risk_pk": RiskFactory(alliance=alliance).pk,
        "feed_token": calendar_feeds.feed_of(member_representative).token,
    }


def governance_rows(alliance, user) -> None:
    """A row of every governance model for the admin's tests (tests/test_admin.py)."""
    member = alliance.memberships.first().actor
    member.representatives.add(user)
    CommitteeMember.objects.create(alliance=alliance, person=user, actor=member, role="member")
    decision = DecisionFactory(meeting=MeetingFactory(alliance=alliance))
    ActionPointFactory(decision=decision, owner_actor=member, owner=user)
    RiskFactory(alliance=alliance)
    calendar_feeds.feed_of(user)


def property_objects(world: dict) -> dict:
    """For tests/test_properties.py: a meeting of the monitored alliance with a decision,
    an action point owed by the member representative, and a risk (made once per world)."""
    if "governance" not in world:
        alliance = world["monitored"]
        member = world["membership"].actor
        meeting = MeetingFactory(alliance=alliance)
        decision = DecisionFactory(meeting=meeting)
        world["governance"] = {
            "meeting": meeting,
            "decision": decision,
            "action_point": ActionPointFactory(
                decision=decision, owner_actor=member, owner=world["member_representative"]
            ),
            "risk": RiskFactory(alliance=alliance),
        }
    return world["governance"]
