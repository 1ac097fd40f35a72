"""Every page's query count is constant in the number of rows (issue 6/6, "Fast when nothing
is cached").

Every GET address of the permission matrix (tests/test_permissions.py) that someone of its
world may open, the alliance's pages again for a second alliance in Evaluación (published),
and every list of the API (``/api/v1/``) are counted after the matrix's world has grown
(more member actors with representatives, objectives, indicators and values with
corrections, commitments and their updates, alliances, reminders of every kind, committee
seats, meetings, decisions, action points, risks, agreement versions, signatures and
contributions, tokens, invitations, exports, imports) and again after it has grown by as
much once more. The two counts must be equal: a page may add a fixed number of queries when
a section first has rows (so the world as it is is not compared), but a query run once per
row (an N+1) makes the second count larger, and the failure prints the queries that repeat.

Each page is opened by the first of the matrix's readers who gets it (as
tests/test_browser_every_page.py picks them; the signed-out pages and the files open to
anyone, by an anonymous visitor; a person's own pages by the member representative too),
with ``PAGE_CACHE = False`` so the page is built from scratch, twice from an emptied cache:
the first visit (cold: what the first person to open it after a change waits for) may only
fall between the counts (a first visit may create one row once, a person's calendar
secret), the second (warm: the per-person caches filled, as in real use) must not change.
The world is built once for the module (building it for each of a hundred pages would take
minutes) and rolled back at the end; each test reads its page's counts."""

import datetime
import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alianzas import invitations
from alianzas.lifecycle import Phase
from alianzas.models import (
    Actor,
    Alliance,
    Indicator,
    Invitation,
    PhaseChange,
    Role,
)
from alianzas.publishing import publish_alliance
from alianzas.tokens import create_token
from fases.api.urls import router
from fases.models import (
    AgreementContribution,
    AgreementVersion,
    CommitteeMember,
    Decision,
    Meeting,
)
from seguimiento.models import Commitment, Import, MeasurementCorrection
from seguimiento.services import log_progress
from tests.factories import (
    ActionPointFactory,
    ActorFactory,
    AdjustmentFactory,
    AllianceFactory,
    CommitmentFactory,
    DecisionFactory,
    EvaluationFactory,
    ExportFactory,
    HealthCheckFactory,
    IndicatorFactory,
    MeasurementFactory,
    MeetingFactory,
    MembershipFactory,
    ObjectiveFactory,
    ReminderFactory,
    RiskFactory,
    UserFactory,
    agreement_version,
    paper_signature,
    sign_agreement_for_every_member,
)
from tests.test_browser_every_page import READERS, SIGNED_OUT
from tests.test_permissions import ALL_URLS, EXPECTED, url_for, world_outside_a_test

# The module's world is built by the ``counts`` fixture, outside any test's transaction; the
# mark makes pytest-django create the test database at all.
pytestmark = pytest.mark.django_db

PERSONAL = (
    "fases:dashboard",
    "seguimiento:alliance_list",
    "seguimiento:my_commitments",
    "seguimiento:notifications",
    "seguimiento:reminder_preferences",
    "fases:calendar_settings",
    "api_tokens:list",
)
EVALUATED = "@evaluation"


def pages() -> dict[str, tuple[str, list[str], str, str]]:
    """Test id: (URL name, its parameters, who opens it, query string)."""
    found = {}
    for name, parameters in ALL_URLS:
        method, expected = EXPECTED.get(name, ("post", {}))
        if method != "get":
            continue
        # The first of the matrix's readers who gets a 200; the signed-out pages (and files
        # open to anyone that no reader gets), an anonymous visitor.
        reader = next((r for r in READERS if expected.get(r) == 200), None)
        if name in SIGNED_OUT or (reader is None and expected.get("anonymous") == 200):
            reader = "anonymous"
        if reader is not None:
            found[name] = (name, parameters, reader, "")
        # The alliance's own pages again for a second alliance of the same coordinator, in
        # Evaluación and published: the sections of monitoring, evaluation and the public
        # site. (Bringing an alliance in mid-course is only for one still in Identificación.)
        own_page = parameters == ["pk"] and not name.rsplit(":", 1)[-1].startswith("actor_")
        if own_page and name != "fases:enter_mid_course":
            if name.startswith("public:"):
                found[name + EVALUATED] = (name, parameters, "anonymous", "")
            elif expected.get("coordinator") == 200:
                found[name + EVALUATED] = (name, parameters, "coordinator", "")
    # A person's own pages list other rows for a representative (their actor's commitments,
    # their reminders, tokens and action points) than for a coordinator: counted for both.
    for name in PERSONAL:
        found[f"{name}@member_representative"] = (name, [], "member_representative", "")
    # The search, with a word most rows of the world have (without, it lists nothing).
    for reader in ("coordinator", "member_representative"):
        found[f"seguimiento:search@{reader}"] = ("seguimiento:search", [], reader, "?q=agua")
    # The IATI file of every published alliance (the grown world has some).
    found["public:data_iati"] = ("public:data_iati", [], "anonymous", "")
    return found


PAGES = pages()

# The API's lists, signed in with a session (as the browsable API): by the coordinator and
# by the member representative (whose rows are chosen by another rule).
API_LISTS = {
    f"api:{basename}-list{suffix}": (f"api:{basename}-list", reader)
    for _prefix, _viewset, basename in router.registry
    for suffix, reader in (("", "coordinator"), ("@member_representative", "member_representative"))
}


def grow(world: dict, round_: int) -> None:
    """More rows of everything the pages list, for the same alliance, actor and people."""
    users = world["users"]
    coordinator, representative = users["coordinator"], users["member_representative"]
    kwargs = world["kwargs"]
    alliance = Alliance.objects.get(pk=kwargs["pk"])
    member = Actor.objects.get(pk=world["actor_pk"])
    indicator = Indicator.objects.get(pk=kwargs["indicator_pk"])
    commitment = Commitment.objects.get(pk=kwargs["commitment_pk"])
    meeting = Meeting.objects.get(pk=kwargs["meeting_pk"])
    decision = Decision.objects.get(pk=kwargs["decision_pk"])
    version = AgreementVersion.objects.get(pk=kwargs["version_pk"])
    evidence_day = datetime.date(2026, 1, 15)

    # Member actors, each with a representative who sits on the committee, signed the
    # agreement (with a contribution carried out by its commitment), answered the health
    # check and made a commitment with an update; and actors outside the alliance.
    actors = []
    for _ in range(6):
        person = UserFactory()
        actor = ActorFactory(representatives=[person])
        actors.append(actor)
        MembershipFactory(alliance=alliance, actor=actor)
        CommitteeMember.objects.create(alliance=alliance, person=person, actor=actor, role="member")
        paper_signature(version, actor, signed_on=evidence_day)
        HealthCheckFactory(alliance=alliance, actor=actor)
        pledge = CommitmentFactory(alliance=alliance, actor=actor)
        log_progress(commitment=pledge, user=person, progress=20)
        AgreementContribution.objects.create(
            version=version, actor=actor, contribution="Personal técnico"
        ).commitments.add(pledge)
        ActorFactory()
    # Objectives, each with two indicators (one the member actor reports, one another
    # member), each with a value.
    for number in range(4):
        objective = ObjectiveFactory(alliance=alliance)
        for responsible in (member, actors[number]):
            MeasurementFactory(
                indicator=IndicatorFactory(
                    objective=objective, responsible_actor=responsible, frequency="annual"
                )
            )
    # More values of the world's indicator (its history), one a period.
    for step in range(3):
        start = datetime.date(2026, 4, 1) + datetime.timedelta(days=10 * (3 * round_ + step))
        value = MeasurementFactory(indicator=indicator, period_start=start, period_end=start)
        MeasurementCorrection.objects.create(
            measurement=value,
            previous_value=value.value - 1,
            previously_reported_by=representative,
            corrected_by=coordinator,
        )
    # The member actor's commitments (Mis compromisos) with updates; more updates of the
    # world's commitment (its history).
    pledges = [CommitmentFactory(alliance=alliance, actor=member) for _ in range(12)]
    for pledge in pledges:
        log_progress(commitment=pledge, user=representative, progress=30)
    for step in range(3):
        log_progress(
            commitment=commitment, user=representative, progress=10 + 10 * round_ + 3 * step
        )
    # Alliances coordinated by the same coordinator with the member actor: published (the
    # public site and the open data list them), evaluated, with a phase change.
    for _ in range(5):
        other = AllianceFactory(coordinators=[coordinator])
        MembershipFactory(alliance=other, actor=member, role=Role.LEADER)
        log_progress(
            commitment=CommitmentFactory(alliance=other, actor=member),
            user=representative,
            progress=40,
        )
        MeasurementFactory(
            indicator=IndicatorFactory(
                objective=ObjectiveFactory(alliance=other), responsible_actor=member
            )
        )
        publish_alliance(user=coordinator, alliance=other)
        EvaluationFactory(alliance=other)
        PhaseChange.objects.create(
            alliance=other,
            transition="start_implementation",
            source_phase="identification",
            target_phase="implementation",
            cycle=1,
            user=coordinator,
        )
        AdjustmentFactory(alliance=alliance)
    # Reminders and notices for both people, of each kind, about real rows.
    point = ActionPointFactory(decision=decision, owner_actor=member, owner=representative)
    about = {
        "commitment_overdue": pledges[0].pk,
        "commitment_due_soon": pledges[1].pk,
        "commitment_escalation": pledges[2].pk,
        "measurement_missing": indicator.pk,
        "measurement_escalation": indicator.pk,
        "health_check": alliance.pk,
        "weekly_digest": alliance.pk,
        "action_point_overdue": point.pk,
        "action_point_due_soon": point.pk,
        "action_point_escalation": point.pk,
    }
    for rule, object_id in about.items():
        for person in (representative, coordinator):
            ReminderFactory(
                recipient=person,
                alliance=alliance,
                rule=rule,
                object_id=object_id,
                period=f"2026-0{round_}-01",
            )
    # Governance: meetings with decisions and action points, more of them on the world's
    # meeting, risks.
    for _ in range(3):
        extra = DecisionFactory(meeting=MeetingFactory(alliance=alliance))
        ActionPointFactory(decision=extra, owner_actor=member, owner=representative)
        ActionPointFactory(
            decision=DecisionFactory(meeting=meeting), owner_actor=member, owner=representative
        )
        ActionPointFactory(decision=decision, owner_actor=member, owner=representative)
        RiskFactory(alliance=alliance)
    # The agreement: amendments (its versions' list).
    for _ in range(2):
        agreement_version(alliance)
    # Tokens, invitations (each an event of the people's page), exports and imports.
    for step in range(3):
        create_token(user=representative, name=f"ERP {round_}-{step}", scope="read")
        create_token(user=coordinator, name=f"Tablero {round_}-{step}", scope="read")
        invitations.invite(
            user=coordinator,
            alliance=alliance,
            kind=Invitation.Kind.REPRESENTATIVE,
            email=f"rep-{round_}-{step}@example.pe",
            actor=member,
        )
        invitations.invite(
            user=coordinator,
            alliance=alliance,
            kind=Invitation.Kind.COORDINATOR,
            email=f"co-{round_}-{step}@example.pe",
        )
        ExportFactory(alliance=alliance, requested_by=coordinator, status="done", progress=100)
        Import.objects.create(
            alliance=alliance, kind="members", requested_by=coordinator, file_name="b.csv"
        )


def evaluated_alliance(world: dict) -> Alliance:
    """The coordinator's second alliance, in Evaluación and published, with the member
    actor as its leader and a signed agreement."""
    coordinator = world["users"]["coordinator"]
    alliance = AllianceFactory(coordinators=[coordinator])
    member = Actor.objects.get(pk=world["actor_pk"])
    MembershipFactory(alliance=alliance, actor=member, role=Role.LEADER)
    sign_agreement_for_every_member(alliance)
    publish_alliance(user=coordinator, alliance=alliance)
    Alliance.objects.filter(pk=alliance.pk).update(phase=Phase.EVALUATION)
    return alliance


def grow_evaluated(world: dict) -> None:
    """More members (represented, signed, answered the health check, committed and
    reported), objectives, indicators and values, governance and people in the second
    alliance."""
    alliance = Alliance.objects.get(pk=world["evaluated_pk"])
    coordinator = world["users"]["coordinator"]
    version = AgreementVersion.objects.filter(agreement__alliance=alliance).get()
    actors = []
    for _ in range(3):
        person = UserFactory()
        actor = ActorFactory(representatives=[person])
        actors.append(actor)
        MembershipFactory(alliance=alliance, actor=actor)
        paper_signature(version, actor)
        HealthCheckFactory(alliance=alliance, actor=actor)
        pledge = CommitmentFactory(alliance=alliance, actor=actor)
        log_progress(commitment=pledge, user=person, progress=50)
        CommitteeMember.objects.create(alliance=alliance, person=person, actor=actor, role="member")
        decision = DecisionFactory(meeting=MeetingFactory(alliance=alliance))
        ActionPointFactory(decision=decision, owner_actor=actor, owner=person)
        RiskFactory(alliance=alliance)
        invitations.invite(
            user=coordinator,
            alliance=alliance,
            kind=Invitation.Kind.REPRESENTATIVE,
            email=f"otra-{person.pk}@example.pe",
            actor=actor,
        )
    for actor in actors[:2]:
        objective = ObjectiveFactory(alliance=alliance)
        for frequency in ("quarterly", "annual"):
            MeasurementFactory(
                indicator=IndicatorFactory(
                    objective=objective, responsible_actor=actor, frequency=frequency
                )
            )


LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+\b|_django_curs_\w+")
IN_LISTS = re.compile(r"IN \((?:%s|\?)(?:, (?:%s|\?))*\)")


def shape(sql: str) -> str:
    """A query with its values left out, so the same query for each row counts as one."""
    return IN_LISTS.sub("IN (…)", LITERALS.sub("?", sql))


def count(client: Client, url: str) -> tuple[int, list[str], list[str]]:
    """The status and the queries of ``url`` opened twice: cold (as the first person to
    open it after a change) and warm (the per-person caches filled, as in real use)."""
    with CaptureQueriesContext(connection) as cold:
        client.get(url)
    with CaptureQueriesContext(connection) as warm:
        response = client.get(url)
    return (
        response.status_code,
        [q["sql"] for q in cold.captured_queries],
        [q["sql"] for q in warm.captured_queries],
    )


def measure(world: dict) -> dict:
    """What ``count`` finds for every page and API list, opened by its reader, from an
    empty cache (so each count starts from the same state)."""
    cache.clear()
    clients = {}
    for role, user in world["users"].items():
        clients[role] = Client()
        if user is not None:
            clients[role].force_login(user)
    found = {}
    for page, (name, parameters, reader, query) in PAGES.items():
        if page.endswith(EVALUATED):
            url = reverse(name, kwargs={"pk": world["evaluated_pk"]})
        else:
            url = url_for(name, parameters, world) + query
        found[page] = count(clients[reader], url)
    for page, (name, reader) in API_LISTS.items():
        found[page] = count(clients[reader], reverse(name))
    return found


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker, tmp_path_factory):
    """The queries of every page in the matrix's world grown once and grown twice; the rows
    are rolled back at the end."""
    with (
        django_db_blocker.unblock(),
        override_settings(PAGE_CACHE=False, MEDIA_ROOT=tmp_path_factory.mktemp("media")),
    ):
        cache.clear()
        with transaction.atomic():
            # The matrix's own world, once for the module.
            world = world_outside_a_test()
            world["evaluated_pk"] = evaluated_alliance(world).pk
            stages = []
            for round_ in (1, 2):
                grow(world, round_)
                grow_evaluated(world)
                stages.append(measure(world))
            transaction.set_rollback(True)
        cache.clear()
    return stages


def repeated(before: list[str], after: list[str]) -> str:
    """The queries run more often after growing, with how many more times."""
    more = Counter(map(shape, after)) - Counter(map(shape, before))
    return "\n".join(f"{times}× more: {sql}" for sql, times in more.most_common())


def check(stages: list[dict], name: str) -> None:
    """The warm count is the same grown once and grown twice. The cold one may only fall: a
    page's first visit may create a row once (a person's calendar secret), never per row."""
    (status_once, cold_once, warm_once), (status_twice, cold_twice, warm_twice) = (
        stage[name] for stage in stages
    )
    assert status_once == status_twice == 200, (status_once, status_twice)
    assert len(cold_twice) <= len(cold_once), (
        f"{name} (cold): {len(cold_once)} queries grown once, {len(cold_twice)} grown twice:"
        f" a query runs once per row:\n{repeated(cold_once, cold_twice)}"
    )
    assert len(warm_twice) == len(warm_once), (
        f"{name}: {len(warm_once)} queries grown once, {len(warm_twice)} grown twice:"
        f" a query runs once per row:\n{repeated(warm_once, warm_twice)}"
    )


@pytest.mark.parametrize("page_id", list(PAGES))
def test_page_queries_do_not_grow_with_rows(counts, page_id):
    check(counts, page_id)


@pytest.mark.parametrize("page_id", list(API_LISTS))
def test_api_list_queries_do_not_grow_with_rows(counts, page_id):
    check(counts, page_id)


def test_every_get_page_is_counted():
    """A new page someone may open is counted here without being listed."""
    counted = {name for name, _parameters, _reader, _query in PAGES.values()}
    openable = {
        name
        for name, (method, expected) in EXPECTED.items()
        if method == "get" and 200 in expected.values()
    }
    assert openable <= counted
