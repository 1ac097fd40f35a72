"""What the cheaper API list, agreement page and actor page must keep: the API's members in
each alliance's own order and its throttles' decisions (counted per slice of the period, not
a list of every request); the agreement page's signatures, contributions and who may sign
read in a number of queries that does not grow with the members; the actor page's rows
(worked out once in Python) as the template wrote them, in queries that do not grow with
the rows."""

import datetime

import pytest
from django.db import connection
from django.template.defaultfilters import date as date_filter
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from alianzas.models import Membership, Role
from fases.api import serializers as api
from fases.api import throttling
from fases.api.views import AllianceViewSet
from fases.models import AgreementContribution
from seguimiento.models import CommitmentStatus
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    MembershipFactory,
    UserFactory,
    agreement_version,
    paper_signature,
)
from tests.test_others_speed import drf_walk

pytestmark = pytest.mark.django_db


def count_queries(client, url, **extra) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(queries), response.content.decode()


# --- API: alliances -----------------------------------------------------------------------


def test_each_alliances_members_keep_their_order_whatever_the_alliances_names():
    # Names that sort against the ids, members that joined against their ids' order.
    later = AllianceFactory(name="Zapallo andino")
    first = AllianceFactory(name="Agua segura")
    for alliance in (later, first):
        for day in (20, 5, 12):
            MembershipFactory(alliance=alliance, joined_on=datetime.date(2026, 3, day))
    rows = list(AllianceViewSet().rows().order_by("pk"))
    expected = [drf_walk(api.AllianceSerializer(), alliance) for alliance in rows]
    api.attach_related(rows)
    written = api.AllianceSerializer(rows, many=True).data
    assert written == expected
    assert [m["joined_on"] for m in written[0]["members"]] == [
        "2026-03-05",
        "2026-03-12",
        "2026-03-20",
    ]


def test_the_alliance_list_reads_the_same_queries_for_more_alliances(client, administrator):
    client.force_login(administrator)
    url = reverse("api:alliance-list")
    counts = []
    for _ in range(2):
        for _ in range(3):
            MembershipFactory.create_batch(2, alliance=AllianceFactory())
        counts.append(count_queries(client, url)[0])
    # Session, person, the page, its territories, SDGs and members: no count.
    assert counts == [6, 6]


def api_settings(settings, anon: str, user: str):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user},
    }


def test_a_persons_rate_is_counted_over_the_last_period(client, settings, monkeypatch):
    api_settings(settings, "1000/minute", "2/minute")
    now = [1_800_000_000.5]
    monkeypatch.setattr(throttling.PersonThrottle, "timer", lambda self: now[0])
    client.force_login(UserFactory())
    url = reverse("api:actor-list")
    assert client.get(url).status_code == 200
    now[0] += 30
    assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    # The first request leaves the minute (its second) 31 s later: one request then.
    assert int(refused["Retry-After"]) == 31
    now[0] += 31
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 429
    now[0] += 30
    assert client.get(url).status_code == 200


def test_the_throttle_keeps_a_few_numbers_whatever_the_rate(client, settings, monkeypatch):
    api_settings(settings, "1000/minute", "100000/minute")
    now = [1_800_000_000.0]
    monkeypatch.setattr(throttling.PersonThrottle, "timer", lambda self: now[0])
    person = UserFactory()
    client.force_login(person)
    url = reverse("api:actor-list")
    for _ in range(150):
        assert client.get(url).status_code == 200
        now[0] += 0.7
    stored = throttling.PersonThrottle.cache.get(f"throttle_slices_user_{person.pk}")
    assert isinstance(stored, dict)
    assert len(stored) <= throttling.SLICES + 1
    # The requests of the last minute (and of the slice it began in).
    assert 86 <= sum(stored.values()) <= 88


def test_the_counts_are_not_kept_where_drfs_own_throttle_keeps_its_list(client, settings):
    # A process still running DRF's throttle (a deploy, a rollback) reads its own key only;
    # a list found under this throttle's key counts as nothing.
    api_settings(settings, "1000/minute", "1/minute")
    person = UserFactory()
    cache = throttling.PersonThrottle.cache
    cache.set(f"throttle_user_{person.pk}", [9e9, 9e9], 60)
    cache.set(f"throttle_slices_user_{person.pk}", [1.0, 2.0], 60)
    client.force_login(person)
    url = reverse("api:actor-list")
    assert [client.get(url).status_code for _ in range(2)] == [200, 429]
    assert cache.get(f"throttle_user_{person.pk}") == [9e9, 9e9]


def test_anonymous_callers_are_still_counted_before_the_401(client, settings):
    api_settings(settings, "2/minute", "1000/minute")
    url = reverse("api:actor-list")
    assert [client.get(url).status_code for _ in range(3)] == [401, 401, 429]


# --- The agreement page -------------------------------------------------------------------


def agreement_world(members: int, representative=None):
    """An alliance with ``members`` member actors, a version each contributes to (with a
    commitment) and half of them signed; ``representative`` represents the last one."""
    alliance = AllianceFactory(name="Agua segura para Ayacucho")
    actors = [ActorFactory(name=f"Socio {n}") for n in range(members)]
    for actor in actors:
        MembershipFactory(alliance=alliance, actor=actor)
    if representative is not None:
        actors[-1].representatives.add(representative)
    version = agreement_version(alliance)
    for n, actor in enumerate(actors):
        contribution = AgreementContribution.objects.create(
            version=version,
            actor=actor,
            contribution=f"Aporte {n}",
            responsibilities=f"Responde por {n}",
        )
        contribution.commitments.add(
            CommitmentFactory(alliance=alliance, actor=actor, description=f"Compromiso {n}")
        )
        if n % 2 == 0 and n != members - 1:
            paper_signature(version, actor, signatory=f"Firmante {n}")
    return alliance


@pytest.mark.parametrize("who", ["administrator", "coordinator", "representative"])
def test_the_agreement_page_reads_the_same_queries_for_more_members(client, who, request):
    person = request.getfixturevalue("administrator") if who == "administrator" else UserFactory()
    counts = []
    for members in (2, 6):
        representative = person if who == "representative" else None
        alliance = agreement_world(members, representative)
        if who == "coordinator":
            alliance.coordinators.add(person)
        client.force_login(person)
        count, content = count_queries(
            client, reverse("fases:agreement", args=[alliance.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
        counts.append(count)
        for n in range(members):
            assert f"Aporte {n}" in content
            assert f"Compromiso {n}" in content
        assert "Firmante 0" in content
        # Only the representative of an unsigned member may sign.
        assert ("Sign the agreement" in content) == (who == "representative")
        assert ("Record a signature on paper" in content) == (who != "representative")
    assert counts[0] == counts[1]
    # Session, person, the menu, the alliance (and its coordinators but for an
    # administrator), versions, signatures, contributions, their commitments, members
    # (with whether the person represents each: no query of its own).
    assert counts[0] == {"administrator": 9, "coordinator": 10, "representative": 11}[who]


def test_a_representative_whose_actor_signed_may_not_sign_again(client):
    person = UserFactory()
    alliance = agreement_world(3, person)
    version = alliance.agreements.get().versions.get()
    paper_signature(
        version,
        alliance.memberships.order_by("pk").last().actor,
        signatory="Firmante final",
        signed_on=datetime.date(2026, 1, 16),
    )
    client.force_login(person)
    content = client.get(reverse("fases:agreement", args=[alliance.pk])).content.decode()
    assert "Firmante final" in content
    assert "Sign the agreement" not in content


def test_a_representative_of_a_member_that_left_may_not_sign(client):
    person = UserFactory()
    alliance = agreement_world(3, person)
    Membership.objects.filter(alliance=alliance, actor__representatives=person).update(
        left_on=datetime.date(2026, 2, 1)
    )
    client.force_login(person)
    response = client.get(reverse("fases:agreement", args=[alliance.pk]))
    assert response.status_code == 200  # it belonged: it still reads the alliance
    assert "Sign the agreement" not in response.content.decode()


# --- The actor page -----------------------------------------------------------------------


def actor_world(alliances: int):
    actor = ActorFactory(name="Municipalidad de Pichari")
    for n in range(alliances):
        alliance = AllianceFactory(name=f"Alianza <{n}> & co")
        MembershipFactory(
            alliance=alliance,
            actor=actor,
            role=Role.FUNDER if n else Role.LEADER,
            joined_on=datetime.date(2025, 1, 1),
            left_on=datetime.date(2026, 3, 9) if n == 1 else None,
        )
        CommitmentFactory(
            alliance=alliance,
            actor=actor,
            description=f"Vencido {n}",
            due_date=datetime.date(2025, 6, 30),
        )
        done = CommitmentFactory(
            alliance=alliance,
            actor=actor,
            description=f"Cumplido {n}",
            due_date=datetime.date(2025, 5, 31),
        )
        type(done).objects.filter(pk=done.pk).update(status=CommitmentStatus.FULFILLED)
    return actor


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_actor_page_writes_its_rows_as_the_template_did(client, administrator, language):
    actor = actor_world(3)
    client.force_login(administrator)
    response = client.get(
        reverse("seguimiento:actor_detail", args=[actor.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    content = response.content.decode()
    with translation.override(language):
        left = date_filter(datetime.date(2026, 3, 9), "SHORT_DATE_FORMAT")
        due = date_filter(datetime.date(2025, 6, 30), "SHORT_DATE_FORMAT")
        left_text = translation.gettext("left on %(date)s") % {"date": left}
        overdue = translation.gettext("overdue")
        fulfilled = str(CommitmentStatus.FULFILLED.label)
        leader, funder = str(Role.LEADER.label), str(Role.FUNDER.label)
    assert content.count(f"({left_text})") == 1
    assert f'<td>{due} <span class="overdue">{overdue}</span></td>' in content
    assert content.count('class="overdue"') == 3
    assert f"<td>{fulfilled}</td>" in content
    assert f"— {leader}" in content
    assert content.count(f"— {funder}") == 2
    assert "Alianza &lt;0&gt; &amp; co" in content
    for commitment in actor.commitments.all():
        link = reverse("fases:alliance_commitments", args=[commitment.alliance_id])
        assert f'href="{link}#commitment-{commitment.pk}"' in content
    assert f'href="{reverse("alianzas:actor_list")}"' in content
    assert f'href="{reverse("alianzas:actor_edit", args=[actor.pk])}"' in content


@pytest.mark.parametrize("who", ["administrator", "coordinator"])
def test_the_actor_page_reads_the_same_queries_for_more_rows(client, who, request):
    person = request.getfixturevalue("administrator") if who == "administrator" else UserFactory()
    counts = []
    for alliances in (1, 5):
        actor = actor_world(alliances)
        if who == "coordinator":
            for membership in actor.memberships.all():
                membership.alliance.coordinators.add(person)
        client.force_login(person)
        count, content = count_queries(client, reverse("seguimiento:actor_detail", args=[actor.pk]))
        counts.append(count)
        assert content.count("Vencido") == alliances
    assert counts[0] == counts[1]
    # Session, person, the menu, the actor, the commitments' count and page, the
    # memberships (and for a coordinator, whether the person may edit the actor).
    assert counts[0] == {"administrator": 7, "coordinator": 9}[who]
