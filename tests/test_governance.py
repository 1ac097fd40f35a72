"""Governance: the committee, its meetings and decisions, the action points they create
(in Mis compromisos, on the alliance's page, in the reminders), the register of risks and
conflicts (which can hold back the evaluation), the minutes as PDF and the calendars."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from alianzas.models import Alliance, Role, Sector
from fases import calendar_feeds, governance, minutes_pdf, risks
from fases.models import (
    ActionPoint,
    CalendarFeed,
    CommitteeMember,
    CommitteeRole,
    Evaluation,
    Meeting,
)
from fases.services import UnreviewedRiskError, record_evaluation
from seguimiento.models import Reminder, ReminderRule
from seguimiento.reminders import record_due_reminders
from tests.factories import (
    ActionPointFactory,
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    DecisionFactory,
    IndicatorFactory,
    MeetingFactory,
    MembershipFactory,
    ObjectiveFactory,
    RiskFactory,
    UserFactory,
    full_ratings,
)

pytestmark = pytest.mark.django_db

LIMA = ZoneInfo("America/Lima")


@pytest.fixture
def member(alliance):
    return alliance.memberships.get().actor


@pytest.fixture
def meeting(alliance, coordinator):
    return governance.save_meeting(
        alliance=alliance,
        user=coordinator,
        title="Primera reunión del comité",
        starts_at=timezone.make_aware(datetime.datetime(2026, 3, 10, 10, 0)),
        place="Municipalidad de Huamanga",
        agenda="Plan de trabajo\nRiesgos",
    )


def action_for(member, member_representative, due=datetime.date(2026, 4, 15)):
    return {
        "description": "Enviar el padrón de comunidades",
        "owner_actor": member,
        "owner": member_representative,
        "due_date": due,
    }


# --- Committee, meetings, decisions ------------------------------------------------------


def test_a_committee_seat_is_for_a_member_actor(
    alliance, coordinator, member, member_representative
):
    outsider = ActorFactory(name="Empresa ajena")
    with pytest.raises(ValidationError) as refused:
        governance.add_committee_member(
            alliance=alliance,
            user=coordinator,
            person=member_representative,
            actor=outsider,
            role="chair",
        )
    assert "actor" in refused.value.message_dict
    seat = governance.add_committee_member(
        alliance=alliance,
        user=coordinator,
        person=member_representative,
        actor=member,
        role="chair",
    )
    assert governance.committee(alliance) == [seat]
    with pytest.raises(ValidationError):  # the same person twice
        governance.add_committee_member(
            alliance=alliance,
            user=coordinator,
            person=member_representative,
            actor=member,
            role="member",
        )


def test_representatives_may_not_run_the_committee(alliance, member, member_representative):
    with pytest.raises(governance.GovernanceNotPermitted):
        governance.add_committee_member(
            alliance=alliance,
            user=member_representative,
            person=member_representative,
            actor=member,
            role="chair",
        )
    assert not CommitteeMember.objects.exists()


def test_a_meeting_needs_a_place_or_a_link(alliance, coordinator):
    with pytest.raises(ValidationError) as refused:
        governance.save_meeting(
            alliance=alliance,
            user=coordinator,
            title="Sin lugar",
            starts_at=timezone.now(),
            agenda="Algo",
        )
    assert "place" in refused.value.message_dict
    assert not Meeting.objects.exists()


def test_a_decision_creates_an_action_point_for_its_owner(
    meeting, coordinator, member, member_representative
):
    decision = governance.record_decision(
        meeting=meeting,
        user=coordinator,
        text="Levantar el padrón",
        action=action_for(member, member_representative),
    )
    point = decision.action_points.get()
    assert (point.owner, point.owner_actor, point.alliance) == (
        member_representative,
        member,
        meeting.alliance,
    )
    assert point.status == ActionPoint.Status.OPEN


def test_the_owner_must_speak_for_the_owner_actor(meeting, coordinator, member):
    stranger = UserFactory(username="sin-actor")
    with pytest.raises(ValidationError) as refused:
        governance.record_decision(
            meeting=meeting, user=coordinator, text="Algo", action=action_for(member, stranger)
        )
    assert "owner" in refused.value.message_dict
    # Both or neither: the decision was not kept without its action point.
    assert not meeting.decisions.exists()


def test_closing_an_action_point_needs_a_note_and_happens_once(
    meeting, coordinator, member, member_representative
):
    decision = governance.record_decision(
        meeting=meeting,
        user=coordinator,
        text="X",
        action=action_for(member, member_representative),
    )
    point = decision.action_points.get()
    with pytest.raises(ValidationError):
        governance.close_action_point(
            action_point=point, user=member_representative, status="done", note=" "
        )
    governance.close_action_point(
        action_point=point, user=member_representative, status="done", note="Enviado el 3/4"
    )
    point.refresh_from_db()
    assert (point.status, point.closing_note, point.closed_by) == (
        "done",
        "Enviado el 3/4",
        member_representative,
    )
    with pytest.raises(governance.GovernanceError):
        governance.close_action_point(
            action_point=point, user=coordinator, status="cancelled", note="No"
        )
    assert point.history.count() == 2


def test_an_outsider_cannot_close_an_action_point(
    meeting, coordinator, member, member_representative, outsider_representative
):
    decision = governance.record_decision(
        meeting=meeting,
        user=coordinator,
        text="X",
        action=action_for(member, member_representative),
    )
    with pytest.raises(governance.GovernanceNotPermitted):
        governance.close_action_point(
            action_point=decision.action_points.get(),
            user=outsider_representative,
            status="cancelled",
            note="no",
        )


# --- Pages ---------------------------------------------------------------------------


def test_the_action_point_is_in_the_owners_mis_compromisos_and_on_the_alliance_page(
    client, meeting, coordinator, member, member_representative, outsider_representative
):
    governance.record_decision(
        meeting=meeting,
        user=coordinator,
        text="X",
        action=action_for(member, member_representative),
    )
    client.force_login(member_representative)
    page = client.get(
        reverse("seguimiento:my_commitments"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "My action points" in page
    assert "Enviar el padrón de comunidades" in page
    page = client.get(reverse("fases:alliance_detail", args=[meeting.alliance_id])).content.decode()
    assert "Enviar el padrón de comunidades" in page
    client.force_login(outsider_representative)
    page = client.get(reverse("seguimiento:my_commitments")).content.decode()
    assert "Enviar el padrón de comunidades" not in page


def test_a_meeting_is_recorded_through_the_pages(
    client, alliance, coordinator, member, member_representative
):
    client.force_login(coordinator)
    response = client.post(
        reverse("fases:meeting_create", args=[alliance.pk]),
        {
            "title": "Reunión",
            "starts_at": "2026-03-10T10:00",
            "place": "",
            "link": "",
            "agenda": "A",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Give the place or the link of the meeting." in response.content.decode()
    response = client.post(
        reverse("fases:meeting_create", args=[alliance.pk]),
        {
            "title": "Reunión",
            "starts_at": "2026-03-10T10:00",
            "link": "https://meet.example.pe/x",
            "agenda": "A\nB",
            "attendees": [member.pk],
            "minutes": "Se acordó…",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert list(meeting.attendees.all()) == [member]
    # A decision whose action point lacks its owner is refused and explained.
    url = reverse("fases:decision_create", args=[alliance.pk, meeting.pk])
    response = client.post(
        url, {"text": "D", "description": "Hacer algo"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "An action point needs this." in response.content.decode()
    assert not meeting.decisions.exists()
    # An id from elsewhere is an invalid choice, never a 500.
    response = client.post(
        url,
        {
            "text": "D",
            "description": "Hacer",
            "owner_actor": ActorFactory().pk,
            "owner": member_representative.pk,
            "due_date": "2026-04-01",
        },
    )
    assert response.status_code == 200
    assert not meeting.decisions.exists()
    client.post(
        url,
        {
            "text": "D",
            "description": "Hacer",
            "owner_actor": member.pk,
            "owner": member_representative.pk,
            "due_date": "2026-04-01",
        },
    )
    assert ActionPoint.objects.get().owner == member_representative


def test_the_minutes_pdf_escapes_what_people_typed(
    client, alliance, coordinator, member, member_representative
):
    meeting = governance.save_meeting(
        alliance=alliance,
        user=coordinator,
        title='<b>Acta & "más"</b> <font name="nada">',
        starts_at=timezone.now(),
        place="<para>Lugar</para>",
        agenda="<i>uno\n</b>dos & tres",
        minutes="<script>alert(1)</script> 5 < 6",
    )
    governance.record_decision(
        meeting=meeting,
        user=coordinator,
        text="<u>decisión",
        action=action_for(member, member_representative),
    )
    assert minutes_pdf._text("<b>&") == "&lt;b&gt;&amp;"
    client.force_login(member_representative)
    response = client.get(reverse("fases:minutes_pdf", args=[alliance.pk, meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("rows", [2, 20])
def test_the_new_pages_have_bounded_query_counts(
    client,
    alliance,
    coordinator,
    member,
    member_representative,
    rows,
    django_assert_max_num_queries,
):
    governance.add_committee_member(
        alliance=alliance,
        user=coordinator,
        person=member_representative,
        actor=member,
        role="chair",
    )
    for n in range(rows):
        meeting = MeetingFactory(alliance=alliance, title=f"Reunión {n}")
        decision = DecisionFactory(meeting=meeting)
        ActionPointFactory(decision=decision, owner_actor=member, owner=member_representative)
        RiskFactory(alliance=alliance, likelihood=1 + n % 5, impact=1 + (n * 3) % 5).actors.add(
            member
        )
    client.force_login(member_representative)
    for url, bound in (
        (reverse("fases:governance", args=[alliance.pk]), 12),
        (reverse("fases:meeting_detail", args=[alliance.pk, meeting.pk]), 14),
        (reverse("fases:risk_register", args=[alliance.pk]), 12),
        (reverse("seguimiento:my_commitments"), 14),
        (reverse("seguimiento:monitoring", args=[alliance.pk]), 40),
        (reverse("fases:calendar_settings"), 10),
    ):
        with django_assert_max_num_queries(bound):
            assert client.get(url).status_code == 200, url


def test_the_alliance_page_costs_at_most_five_queries_more_with_governance(
    client, coordinator, django_assert_num_queries
):
    """The same alliance, measured without and then with a committee, meetings, action
    points and risks (the page cache is off: every visit is built)."""
    alliance = AllianceFactory(coordinators=[coordinator])
    people = []
    for n in range(4):
        person = UserFactory(username=f"rep-{n}")
        actor = ActorFactory(
            sector=Sector.PRIVATE if n % 2 else Sector.PUBLIC, representatives=[person]
        )
        MembershipFactory(
            alliance=alliance, actor=actor, role=Role.LEADER if n == 0 else Role.FUNDER
        )
        CommitmentFactory(alliance=alliance, actor=actor)
        IndicatorFactory(objective=ObjectiveFactory(alliance=alliance), responsible_actor=actor)
        people.append((person, actor))
    client.force_login(coordinator)
    url = reverse("fases:alliance_detail", args=[alliance.pk])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = count()
    for person, actor in people:
        meeting = MeetingFactory(alliance=alliance)
        ActionPointFactory(
            decision=DecisionFactory(meeting=meeting), owner_actor=actor, owner=person
        )
        RiskFactory(alliance=alliance)
    after = count()
    assert after <= before + 5, (before, after)


# --- Reminders -------------------------------------------------------------------------


@pytest.fixture
def overdue_point(meeting, coordinator, member, member_representative):
    decision = governance.record_decision(
        meeting=meeting,
        user=coordinator,
        text="X",
        action=action_for(member, member_representative, due=datetime.date(2026, 4, 15)),
    )
    return decision.action_points.get()


def reminded(rule):
    return sorted(Reminder.objects.filter(rule=rule).values_list("recipient__username", "period"))


def record(date: str) -> None:
    today = datetime.date.fromisoformat(date)
    record_due_reminders(
        today=today, now=datetime.datetime(today.year, today.month, today.day, 9, tzinfo=LIMA)
    )


def test_action_points_are_reminded_to_their_owner_once_then_escalated(overdue_point):
    record("2026-04-08")  # 7 days before
    record("2026-04-08")
    record("2026-04-14")  # 1 day before
    assert reminded(ReminderRule.ACTION_POINT_DUE_SOON) == [
        ("representante-miembro", "2026-04-15:first"),
        ("representante-miembro", "2026-04-15:last"),
    ]
    record("2026-04-16")
    record("2026-04-20")
    assert reminded(ReminderRule.ACTION_POINT_OVERDUE) == [("representante-miembro", "2026-04-15")]
    assert reminded(ReminderRule.ACTION_POINT_ESCALATION) == []
    record("2026-04-22")  # 7 days late: the grace period is over
    record("2026-04-23")
    assert reminded(ReminderRule.ACTION_POINT_ESCALATION) == [("coordinadora", "2026-04-15")]


def test_a_closed_action_point_is_not_reminded(overdue_point, member_representative):
    governance.close_action_point(
        action_point=overdue_point,
        user=member_representative,
        status="cancelled",
        note="Ya no aplica",
    )
    record("2026-04-22")
    assert not Reminder.objects.filter(rule__startswith="action_point").exists()


def test_the_notice_describes_the_action_point(client, overdue_point, member_representative):
    record("2026-04-16")
    client.force_login(member_representative)
    page = client.get(
        reverse("seguimiento:notifications"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Enviar el padrón de comunidades" in page
    assert "Action point of" in page
    assert "overdue by" in page


# --- Risks and the evaluation ------------------------------------------------------------


def evaluating(alliance) -> Alliance:
    Alliance.objects.filter(pk=alliance.pk).update(phase="evaluation")
    alliance.refresh_from_db()
    return alliance


def test_an_unreviewed_high_risk_refuses_the_evaluation_and_names_it(alliance, coordinator, member):
    alliance = evaluating(alliance)
    Alliance.objects.filter(pk=alliance.pk).update(cycle=2)
    alliance.refresh_from_db()
    high = RiskFactory(
        alliance=alliance,
        title="Cambio de autoridades",
        likelihood=3,
        impact=5,
        reviewed_in_cycle=1,
    )
    RiskFactory(
        alliance=alliance, title="Bajo", likelihood=5, impact=2, reviewed_in_cycle=1
    )  # 10: not high
    with pytest.raises(UnreviewedRiskError) as refused:
        record_evaluation(
            alliance=alliance,
            user=coordinator,
            decision="continue",
            findings="F",
            ratings=full_ratings(),
        )
    assert "Cambio de autoridades" in refused.value.message
    assert "Bajo" not in refused.value.message
    assert not Evaluation.objects.exists()
    # Reviewing it in this cycle (saving its assessment) lifts the condition.
    risks.save_risk(
        alliance=alliance,
        user=coordinator,
        risk=high,
        kind="risk",
        title=high.title,
        likelihood=3,
        impact=5,
    )
    record_evaluation(
        alliance=alliance,
        user=coordinator,
        decision="continue",
        findings="F",
        ratings=full_ratings(),
    )
    assert Evaluation.objects.get().cycle == 2


def test_the_evaluation_page_explains_the_condition_before_anyone_tries(
    client, alliance, coordinator
):
    alliance = evaluating(alliance)
    Alliance.objects.filter(pk=alliance.pk).update(cycle=2)
    RiskFactory(
        alliance=alliance,
        title="Conflicto por el agua",
        kind="conflict",
        likelihood=4,
        impact=4,
        reviewed_in_cycle=1,
    )
    client.force_login(coordinator)
    page = client.get(
        reverse("fases:record_evaluation", args=[alliance.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "The evaluation cannot be recorded until these high-rated items are reviewed" in page
    assert "Conflicto por el agua" in page


def test_a_closed_or_reviewed_high_risk_does_not_hold_the_evaluation(alliance, coordinator):
    alliance = evaluating(alliance)
    RiskFactory(alliance=alliance, likelihood=5, impact=5, status="closed", reviewed_in_cycle=0)
    RiskFactory(alliance=alliance, likelihood=5, impact=5)  # reviewed in cycle 1
    assert risks.unreviewed_high_risks(alliance) == []


def test_a_conflict_is_settled_by_a_decision_of_its_own_alliance(alliance, coordinator, meeting):
    decision = governance.record_decision(meeting=meeting, user=coordinator, text="Mesa de diálogo")
    other = DecisionFactory()
    with pytest.raises(ValidationError) as refused:
        risks.save_risk(
            alliance=alliance,
            user=coordinator,
            kind="conflict",
            title="C",
            likelihood=2,
            impact=2,
            settled_by=other,
        )
    assert "settled_by" in refused.value.message_dict
    with pytest.raises(ValidationError):  # a risk is not settled
        risks.save_risk(
            alliance=alliance,
            user=coordinator,
            kind="risk",
            title="R",
            likelihood=2,
            impact=2,
            settled_by=decision,
        )
    conflict = risks.save_risk(
        alliance=alliance,
        user=coordinator,
        kind="conflict",
        title="C",
        likelihood=2,
        impact=2,
        settled_by=decision,
        status="closed",
    )
    assert list(decision.settled_conflicts.all()) == [conflict]


def test_the_matrix_counts_open_items_by_cell(alliance):
    items = [
        RiskFactory(alliance=alliance, likelihood=5, impact=3),
        RiskFactory(alliance=alliance, likelihood=5, impact=3),
        RiskFactory(alliance=alliance, likelihood=1, impact=1, status="closed"),
    ]
    grid = risks.matrix(items)
    assert grid[0][2].count == 2
    assert grid[0][2].level == "high"
    assert grid[4][0].count == 0
    assert grid[4][0].level == "low"


def test_open_risks_are_listed_in_the_monitoring_view(client, alliance, member_representative):
    RiskFactory(alliance=alliance, title="Sequía prolongada")
    RiskFactory(alliance=alliance, title="Ya resuelto", status="closed")
    client.force_login(member_representative)
    page = client.get(reverse("seguimiento:monitoring", args=[alliance.pk])).content.decode()
    assert "Sequía prolongada" in page
    assert "Ya resuelto" not in page


# --- Calendars -------------------------------------------------------------------------


def test_the_personal_feed_parses_has_stable_uids_and_renewing_ends_the_old_address(
    client, overdue_point, member, member_representative
):
    alliance = overdue_point.alliance
    CommitmentFactory(alliance=alliance, actor=member, due_date=datetime.date(2026, 5, 1))
    Alliance.objects.filter(pk=alliance.pk).update(phase="monitoring")
    IndicatorFactory(
        objective=ObjectiveFactory(alliance=alliance),
        responsible_actor=member,
        frequency="quarterly",
    )
    feed = calendar_feeds.feed_of(member_representative)
    url = reverse("fases:person_calendar", args=[feed.token])

    first = Calendar.from_ical(client.get(url).content)
    second = Calendar.from_ical(client.get(url).content)
    uids = sorted(str(event["UID"]) for event in first.walk("VEVENT"))
    assert uids == sorted(str(event["UID"]) for event in second.walk("VEVENT"))
    kinds = {uid.split("-")[0] for uid in uids}
    assert kinds == {"commitment", "action", "meeting", "period"}
    assert f"action-point-{overdue_point.pk}@127.0.0.1" in uids
    action = next(e for e in first.walk("VEVENT") if str(e["UID"]).startswith("action-point"))
    assert action.decoded("DTSTART") == datetime.date(2026, 4, 15)

    renewed = calendar_feeds.renew_feed(member_representative)
    assert client.get(url).status_code == 404
    assert client.get(reverse("fases:person_calendar", args=[renewed.token])).status_code == 200
    assert CalendarFeed.objects.count() == 1


def test_the_alliance_feed_is_for_its_readers(
    client, overdue_point, member_representative, outsider_representative
):
    alliance = overdue_point.alliance
    mine = calendar_feeds.feed_of(member_representative)
    theirs = calendar_feeds.feed_of(outsider_representative)
    response = client.get(reverse("fases:alliance_calendar", args=[mine.token, alliance.pk]))
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert {str(e["UID"]).split("@")[0] for e in events} >= {
        f"meeting-{overdue_point.decision.meeting_id}",
        f"action-point-{overdue_point.pk}",
    }
    assert (
        client.get(reverse("fases:alliance_calendar", args=[theirs.token, alliance.pk])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("fases:alliance_calendar", args=["no-such-secret", alliance.pk])
        ).status_code
        == 404
    )


def test_renewing_from_the_calendar_page(client, member_representative):
    client.force_login(member_representative)
    old = calendar_feeds.feed_of(member_representative).token
    assert client.get(reverse("fases:calendar_settings")).status_code == 200
    client.post(reverse("fases:calendar_settings"))
    assert CalendarFeed.objects.get().token != old


# --- The demo ---------------------------------------------------------------------------


def test_the_demo_alliances_have_a_committee_meetings_action_points_and_risks(settings):
    import io

    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    open_alliances = Alliance.objects.exclude(phase="closed")
    assert open_alliances.exists()
    for alliance in open_alliances:
        assert CommitteeMember.objects.filter(alliance=alliance).exists(), alliance
        meetings = Meeting.objects.filter(alliance=alliance)
        assert meetings.count() == 2, alliance
        assert all(meeting.minutes for meeting in meetings)
        points = ActionPoint.objects.filter(alliance=alliance)
        assert points.count() == 3, alliance
        overdue = points.filter(status="open", due_date__lt=today)
        assert overdue.count() == 1, alliance
        assert alliance.risks.filter(kind="conflict", settled_by__isnull=False).exists()
        assert alliance.risks.count() == 3
    # A second run adds nothing.
    before = (Meeting.objects.count(), ActionPoint.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Meeting.objects.count(), ActionPoint.objects.count()) == before


def test_the_alliance_page_names_the_unreviewed_high_risk_in_its_next_step(
    client, alliance, coordinator
):
    alliance = evaluating(alliance)
    Alliance.objects.filter(pk=alliance.pk).update(cycle=2)
    risk = RiskFactory(
        alliance=alliance,
        title="Cambio de autoridades",
        likelihood=5,
        impact=3,
        reviewed_in_cycle=1,
    )
    client.force_login(coordinator)
    page = client.get(
        reverse("fases:alliance_detail", args=[alliance.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    summary = reverse("fases:alliance_detail", args=[alliance.pk])
    assert f'href="{summary}#risks-{risk.pk}"' in page
    assert f'id="risks-{risk.pk}"' in page
    assert "has not been reviewed in cycle 2" in page


def test_owners_offered_are_the_members_representatives_the_coordinators_and_the_committee(
    alliance, coordinator, member, member_representative, outsider_representative
):
    from fases.governance_forms import ActionPointForm

    seated = UserFactory(username="sentada")
    CommitteeMember.objects.create(
        alliance=alliance, person=seated, actor=member, role=CommitteeRole.MEMBER
    )
    gone = UserFactory(username="se-fue")
    former = ActorFactory(representatives=[gone])
    MembershipFactory(alliance=alliance, actor=former, left_on=datetime.date(2026, 1, 5))
    left_committee = UserFactory(username="dejo-el-comite")
    CommitteeMember.objects.create(
        alliance=alliance,
        person=left_committee,
        actor=member,
        role=CommitteeRole.MEMBER,
        left_on=datetime.date(2026, 2, 1),
    )
    inactive = UserFactory(username="inactiva", is_active=False)
    member.representatives.add(inactive)
    # Linked to many actors and alliances: offered once, as before.
    for _ in range(3):
        other = AllianceFactory(coordinators=[coordinator])
        linked = ActorFactory(representatives=[coordinator, member_representative])
        MembershipFactory(alliance=other, actor=linked)
        MembershipFactory(alliance=alliance, actor=linked)
    offered = list(ActionPointForm(alliance=alliance).fields["owner"].queryset)

    assert sorted(person.username for person in offered) == sorted(
        ["coordinadora", "representante-miembro", "sentada"]
    )
    assert outsider_representative not in offered


def test_the_owner_is_checked_without_joining_everything_the_person_is_linked_to(
    alliance, member_representative
):
    from fases.governance_forms import ActionPointForm

    form = ActionPointForm(alliance=alliance)
    sql = str(form.fields["owner"].queryset.filter(pk=member_representative.pk).query)
    assert "DISTINCT" not in sql
    assert sql.count(" IN (SELECT ") == 3
