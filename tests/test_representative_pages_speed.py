"""What the pages representatives and coordinators open most must keep when built from
scratch: Mis compromisos, the monitoring page and a commitment's page each read in a fixed
number of queries whatever the number of commitments, values and updates, and still show
what they did (each row's links, labels and overdue mark worked out once for the page; the
fulfilment bars written in the table; the buttons for those who may use them)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.template.defaultfilters import floatformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from alianzas.lifecycle import Phase
from seguimiento import monitoring
from seguimiento.models import Commitment, CommitmentKind, CommitmentStatus, CommitmentUpdate
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    ObjectiveFactory,
)

pytestmark = pytest.mark.django_db

PAST = datetime.date(2020, 1, 1)


@pytest.fixture(autouse=True)
def _built_from_scratch(settings):
    """Each visit builds the page: nothing read from the page cache."""
    settings.PAGE_CACHE = False


def queries_of(client, url, **headers) -> tuple[int, str]:
    """The queries of a visit that builds the page, and the page. A first visit is not
    counted: it also reads what a session keeps afterwards."""
    client.get(url, **headers)
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url, **headers)
    assert answer.status_code == 200
    return len(captured), answer.content.decode()


# --- Mis compromisos ------------------------------------------------------------------------


@pytest.fixture
def represented(alliance, member_representative):
    """The representative's actor, in ``alliance`` and in a closed one."""
    actor = member_representative.actors.get()
    closed = AllianceFactory(name="Alianza cerrada", phase=Phase.CLOSED)
    MembershipFactory(alliance=closed, actor=actor)
    return actor, closed


def add_commitments(alliance, closed, actor, count: int) -> None:
    for _ in range(count):
        CommitmentFactory(alliance=alliance, actor=actor, due_date=PAST)  # overdue
        CommitmentFactory(alliance=alliance, actor=actor, status=CommitmentStatus.FULFILLED)
        CommitmentFactory(alliance=closed, actor=actor)


def test_mis_compromisos_reads_a_page_in_the_same_queries_whatever_the_commitments(
    client, alliance, member_representative, represented
):
    actor, closed = represented
    client.force_login(member_representative)
    url = reverse("seguimiento:my_commitments")
    add_commitments(alliance, closed, actor, 1)
    few, _ = queries_of(client, url)
    add_commitments(alliance, closed, actor, 12)  # 39: more than a page of 25
    many, page = queries_of(client, url)
    assert many == few
    assert page.count('<tr id="commitment-') == 25
    # Session, person, navigation facts, the filter's alliances, the ids of the person's
    # commitments, the page's commitments, the action points of the committees.
    assert many <= 7


def test_mis_compromisos_pages_the_open_first_the_most_urgent_at_the_top(
    client, alliance, member_representative, represented
):
    """Paginated on the commitments' ids, then the page's rows read by id: the rows keep
    the order of the ids, page after page (open ones by due date, then the others)."""
    actor, closed = represented
    today = timezone.localdate()
    open_ones = [
        CommitmentFactory(alliance=alliance, actor=actor, due_date=today + datetime.timedelta(n))
        for n in (30, -10, 5, 0)
    ] + [CommitmentFactory(alliance=closed, actor=actor, due_date=PAST) for _ in range(22)]
    done = CommitmentFactory(
        alliance=alliance, actor=actor, status=CommitmentStatus.FULFILLED, due_date=PAST
    )
    client.force_login(member_representative)
    url = reverse("seguimiento:my_commitments")

    first = client.get(url).context["page"]
    second = client.get(url, {"page": 2}).context["page"]

    expected = [*sorted(open_ones, key=lambda c: (c.due_date, c.pk)), done]
    assert first.paginator.count == 27
    assert [c.pk for c in first.object_list] == [c.pk for c in expected[:25]]
    assert [c.pk for c in second.object_list] == [c.pk for c in expected[25:]]
    assert second.object_list[-1].status_label == "Cumplido"
    assert client.get(url, {"status": "fulfilled"}).context["page"].object_list == [done]


def test_mis_compromisos_rows_show_their_links_labels_and_overdue_mark(
    client, alliance, member_representative, represented
):
    actor, closed = represented
    overdue = CommitmentFactory(alliance=alliance, actor=actor, due_date=PAST)
    fulfilled = CommitmentFactory(
        alliance=alliance, actor=actor, status=CommitmentStatus.FULFILLED, progress=100
    )
    in_closed = CommitmentFactory(
        alliance=closed, actor=actor, description="<b>" + "x" * 200, progress=40
    )
    client.force_login(member_representative)
    _, page = queries_of(client, reverse("seguimiento:my_commitments"), HTTP_ACCEPT_LANGUAGE="en")

    def row(commitment) -> str:
        start = page.index(f'<tr id="commitment-{commitment.pk}"')
        return page[start : page.index("</tr>", start)]

    log = reverse("seguimiento:log_progress", args=[alliance.pk, overdue.pk])
    first = row(overdue)
    assert 'class="is-overdue"' in first
    assert '<span class="overdue">overdue</span>' in first
    assert f'href="{reverse("fases:alliance_detail", args=[alliance.pk])}' in first
    assert f"#commitments-actor-{actor.pk}" in first
    assert reverse("seguimiento:commitment_detail", args=[alliance.pk, overdue.pk]) in first
    assert f'href="{log}" hx-get="{log}"' in first
    assert f"{actor} · cycle 1" in first
    assert "<td>Pending</td>" in first
    # Fulfilled: no longer overdue nor open to progress.
    done = row(fulfilled)
    assert "is-overdue" not in done
    assert reverse("seguimiento:log_progress", args=[alliance.pk, fulfilled.pk]) not in done
    assert "<td>Fulfilled</td>" in done
    assert 'value="100"' in done
    assert "100%</progress> 100%" in done
    # Open, but its alliance is closed: no link to log progress; the description escaped
    # and cut.
    shut = row(in_closed)
    log_closed = reverse("seguimiento:log_progress", args=[closed.pk, in_closed.pk])
    assert log_closed not in shut
    assert "&lt;b&gt;" + "x" * 116 + "…</a>" in shut
    assert "<b>" not in shut
    assert "40%</progress> 40%" in shut
    # In Spanish, the labels worked out in Python are translated as the template's were.
    _, spanish = queries_of(client, reverse("seguimiento:my_commitments"))
    assert f"{actor} · ciclo 1" in spanish
    assert "<td>Pendiente</td>" in spanish
    assert "Registrar avance" in spanish


def test_mis_compromisos_filters_still_narrow_the_rows(
    client, alliance, member_representative, represented
):
    actor, closed = represented
    kept = CommitmentFactory(alliance=alliance, actor=actor)
    other = CommitmentFactory(alliance=closed, actor=actor)
    client.force_login(member_representative)
    url = reverse("seguimiento:my_commitments") + f"?alliance={alliance.pk}&status=pending"
    _, page = queries_of(client, url)
    assert f'id="commitment-{kept.pk}"' in page
    assert f'id="commitment-{other.pk}"' not in page
    assert f'<option value="{closed.pk}">Alianza cerrada</option>' in page


# --- The monitoring page --------------------------------------------------------------------


def furnish(alliance, members: int, values: int) -> None:
    """Members with commitments (with and without a value), indicators with values."""
    for number in range(members):
        actor = ActorFactory(acronym=f"A{number}" if number % 2 else "")
        MembershipFactory(alliance=alliance, actor=actor)
        CommitmentFactory(alliance=alliance, actor=actor, due_date=PAST)
        CommitmentFactory(
            alliance=alliance,
            actor=actor,
            kind=CommitmentKind.IN_KIND,
            value_pen=None,
            status=CommitmentStatus.FULFILLED,
        )
        indicator = IndicatorFactory(objective=ObjectiveFactory(alliance=alliance))
        for month in range(values):
            start = datetime.date(2025, 1 + month, 1)
            MeasurementFactory(
                indicator=indicator,
                period_start=start,
                period_end=start + datetime.timedelta(days=27),
                value=Decimal(100 + month),
            )


def test_the_monitoring_page_reads_in_the_same_queries_whatever_its_rows(
    client, alliance, coordinator
):
    client.force_login(coordinator)
    url = reverse("seguimiento:monitoring", args=[alliance.pk])
    furnish(alliance, 1, 1)
    few, _ = queries_of(client, url)
    furnish(alliance, 4, 6)
    many, page = queries_of(client, url)
    assert many == few
    # Session, person, navigation facts, the alliance, the person's right to it, its
    # indicators, their late ones, their values, the fulfilment, the overdue commitments,
    # the open risks, the person's recent files.
    assert many <= 12
    assert page.count('class="chart-card"') == 5


def test_the_monitoring_page_still_draws_its_bars_and_lists(client, alliance, coordinator):
    furnish(alliance, 2, 2)
    client.force_login(coordinator)
    url = reverse("seguimiento:monitoring", args=[alliance.pk])
    _, page = queries_of(client, url, HTTP_ACCEPT_LANGUAGE="en")
    actors = list(alliance.memberships.values_list("actor_id", flat=True))
    for actor_id in actors[1:]:  # the first member (the fixture's) has no commitment
        bar = f"bar-actor-{actor_id}"
        assert f'aria-labelledby="{bar}"' in page
        assert f'<title id="{bar}">' in page
        assert f'<title id="{bar}">Pledged S/ 150,000.00, delivered S/ 0.00</title>' in page
    # By kind: the in-kind commitments have no value, the financial ones one.
    assert '<title id="bar-kind-financial">Pledged S/ 300,000.00, delivered S/ 0.00' in page
    assert '<title id="bar-kind-in_kind">Pledged S/ 0.00, delivered S/ 0.00' in page
    assert '<rect x="0" y="1" width="240.0" height="18"' in page
    # The overdue commitments link to their pages; the charts' tables list every value.
    assert page.count("1 overdue commitment") == 0
    assert "2 overdue commitments" in page
    assert page.count('<th scope="row">Reported value</th>') == 4


def test_the_monitoring_bars_compare_counts_when_no_commitment_has_a_value(
    client, alliance, coordinator
):
    actor = alliance.memberships.get().actor
    CommitmentFactory(alliance=alliance, actor=actor, value_pen=None)
    CommitmentFactory(
        alliance=alliance, actor=actor, value_pen=None, status=CommitmentStatus.FULFILLED
    )
    client.force_login(coordinator)
    url = reverse("seguimiento:monitoring", args=[alliance.pk])
    _, page = queries_of(client, url, HTTP_ACCEPT_LANGUAGE="en")
    assert f'<title id="bar-actor-{actor.pk}">2 pledged, 1 fulfilled</title>' in page
    assert '<rect x="0" y="5" width="120.0" height="10"' in page
    _, spanish = queries_of(client, url)
    assert f'<title id="bar-actor-{actor.pk}">2 asumidos, 1 cumplidos</title>' in spanish


def test_the_monitoring_charts_write_each_value_formatted_for_the_language(
    client, alliance, coordinator
):
    indicator = IndicatorFactory(objective=ObjectiveFactory(alliance=alliance))
    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)
    MeasurementFactory(indicator=indicator, period_start=start, period_end=end, value="180.5")
    client.force_login(coordinator)
    url = reverse("seguimiento:monitoring", args=[alliance.pk])
    for language, cycle in (("en", "Cycle"), ("es-pe", "Ciclo")):
        with translation.override(language):
            first, last = (date_format(day, "SHORT_DATE_FORMAT") for day in (start, end))
            value = floatformat(Decimal("180.5"), "-2")
        _, page = queries_of(client, url, HTTP_ACCEPT_LANGUAGE=language)
        assert value in ("180.50", "180,50")
        assert f"<title>{cycle} 1: {last}: {value}</title>" in page
        assert (
            f'<td>{first} – {last}</td><td class="num">1</td><td class="num">{value}</td>' in page
        )


def test_the_fulfilment_sums_soles_to_the_cent_and_leaves_out_cancelled_ones(alliance):
    actor = alliance.memberships.get().actor
    CommitmentFactory(
        alliance=alliance,
        actor=actor,
        value_pen=Decimal("1234.56"),
        status=CommitmentStatus.FULFILLED,
        progress=100,
    )
    CommitmentFactory(alliance=alliance, actor=actor, value_pen=Decimal("0.44"), progress=30)
    CommitmentFactory(
        alliance=alliance,
        actor=actor,
        value_pen=Decimal("99.99"),
        status=CommitmentStatus.CANCELLED,
    )
    by_actor, by_kind = monitoring.fulfilment(alliance, alliance.cycle)
    [row] = by_actor.rows
    assert (row.label, row.commitments, row.fulfilled) == (str(actor), 2, 1)
    assert (row.pledged, row.delivered) == (Decimal("1235.00"), Decimal("1234.56"))
    assert isinstance(row.pledged, Decimal)
    assert isinstance(row.delivered, Decimal)
    assert row.average_progress == 65
    [kind] = by_kind.rows
    assert (kind.key, kind.pledged) == (CommitmentKind.FINANCIAL, Decimal("1235.00"))
    assert monitoring.fulfilment(alliance, alliance.cycle + 1)[0].rows == []


# --- A commitment's page ----------------------------------------------------------------------


@pytest.fixture
def commitment(alliance):
    return CommitmentFactory(alliance=alliance, actor=alliance.memberships.get().actor)


def add_updates(commitment, author, count: int) -> None:
    CommitmentUpdate.objects.bulk_create(
        CommitmentUpdate(
            commitment=commitment,
            author=author,
            progress=10,
            note=f"Avance {number}",
            status=CommitmentStatus.IN_PROGRESS,
            created_at=timezone.now(),
        )
        for number in range(count)
    )


def test_a_commitment_page_reads_in_the_same_queries_whatever_its_updates(
    client, commitment, coordinator, member_representative
):
    url = reverse("seguimiento:commitment_detail", args=[commitment.alliance_id, commitment.pk])
    counts = {}
    for person in (coordinator, member_representative):
        client.force_login(person)
        add_updates(commitment, person, 1)
        few, _ = queries_of(client, url)
        add_updates(commitment, person, 30)
        many, page = queries_of(client, url)
        assert many == few
        assert page.count('<tr id="update-') == 25
        counts[person.username] = many
    # Session, person, navigation facts, the alliance and its coordinators, the commitment,
    # the count and the page of updates; a representative is asked besides whether their
    # actor is a member (to see it) and whether it is the commitment's (to log progress): a
    # coordinator's right to both was read with the alliance.
    assert counts[coordinator.username] <= 8
    assert counts[member_representative.username] == counts[coordinator.username] + 2


def test_a_commitment_page_offers_its_buttons_to_those_who_may_use_them(
    client, commitment, coordinator, member_representative, outsider_representative
):
    url = reverse("seguimiento:commitment_detail", args=[commitment.alliance_id, commitment.pk])
    log = reverse("seguimiento:log_progress", args=[commitment.alliance_id, commitment.pk])
    cancel = reverse("seguimiento:cancel_commitment", args=[commitment.alliance_id, commitment.pk])
    add_updates(commitment, member_representative, 1)
    client.force_login(coordinator)
    _, page = queries_of(client, url, HTTP_ACCEPT_LANGUAGE="en")
    assert f'href="{log}" hx-get="{log}"' in page
    assert f'href="{cancel}" hx-get="{cancel}"' in page
    assert f"<td>{member_representative.get_full_name()}</td>" in page
    client.force_login(member_representative)
    _, page = queries_of(client, url, HTTP_ACCEPT_LANGUAGE="en")
    assert f'href="{log}"' in page
    assert cancel not in page
    # Another member's representative reads it (the alliance is theirs) but may not act.
    other = ActorFactory(representatives=[outsider_representative])
    MembershipFactory(alliance=commitment.alliance, actor=other)
    client.force_login(outsider_representative)
    _, page = queries_of(client, url, HTTP_ACCEPT_LANGUAGE="en")
    assert log not in page
    assert cancel not in page
    # Nobody logs progress on a fulfilled commitment, the coordinator included.
    Commitment.objects.filter(pk=commitment.pk).update(status=CommitmentStatus.FULFILLED)
    client.force_login(coordinator)
    _, page = queries_of(client, url, HTTP_ACCEPT_LANGUAGE="en")
    assert log not in page
    assert cancel not in page


def test_a_progress_update_links_its_evidence(client, commitment, coordinator):
    update = CommitmentUpdate.objects.create(
        commitment=commitment,
        author=None,
        progress=20,
        evidence="evidencias/acta.pdf",
        evidence_name="acta.pdf",
        status=CommitmentStatus.IN_PROGRESS,
    )
    client.force_login(coordinator)
    url = reverse("seguimiento:commitment_detail", args=[commitment.alliance_id, commitment.pk])
    _, page = queries_of(client, url, HTTP_ACCEPT_LANGUAGE="en")
    evidence = reverse("seguimiento:update_evidence", args=[update.pk])
    assert f'<a href="{evidence}" download>acta.pdf</a>' in page
    assert "<td>someone no longer registered</td>" in page
