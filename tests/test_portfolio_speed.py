"""The national pages read figures a worker kept, and those figures equal the rows' own.

/cartera/ for an administrator, the map of every alliance and the public portfolio's map
counted every commitment, indicator and place of the country on each visit
(``seguimiento.national_figures``, ``fases.territory_map``): now the beat tasks count them
and the pages read the kept figures, and these tests check the kept figures against the
figures computed from the rows, whatever the filters.
"""

import datetime
import random
import zoneinfo

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alianzas.lifecycle import Phase
from alianzas.models import Alliance, Frequency, Indicator, PhaseChange, Place
from alianzas.selectors import filter_alliances
from fases import tasks as fases_tasks
from fases import territory_map
from seguimiento import monitoring, national_figures
from seguimiento import tasks as seguimiento_tasks
from seguimiento.due import late_q
from seguimiento.models import (
    AllianceFigures,
    Commitment,
    CommitmentStatus,
    Measurement,
    NationalFigures,
)
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

LIMA = zoneinfo.ZoneInfo("America/Lima")
TODAY = datetime.date(2026, 8, 15)
STATUSES = list(CommitmentStatus.values)


def says_when(content: bytes) -> bool:
    """Whether the page says when the figures were counted (in Spanish once the new
    message is translated, in English until then)."""
    text = content.decode()
    return "Cifras al" in text or "Figures as of" in text


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 8, 15, 10, tzinfo=LIMA), tick=False)
    return TODAY


@pytest.fixture
def country(coordinator, today):
    """Alliances in every phase and cycle, with commitments of every status and indicators
    late and not, some places and some published: chosen at random with a fixed seed."""
    rng = random.Random(20261130)
    actor = ActorFactory()
    places = list(Place.objects.filter(code__in=["15", "1501", "150101", "07", "08", "0801"]))
    made = []
    for n in range(14):
        phase = Phase.values[n % len(Phase.values)]
        alliance = AllianceFactory(
            phase=phase,
            published=n % 3 == 0,
            coordinators=[coordinator] if n % 2 else [],
            start_date=datetime.date(2025, 1, 1) if n % 4 else None,
        )
        if n % 5 == 4:  # a second cycle, begun by a change of phase
            Alliance.objects.filter(pk=alliance.pk).update(cycle=2)
            PhaseChange.objects.create(
                alliance=alliance,
                transition="continue_cycle",
                source_phase=Phase.EVALUATION,
                target_phase=Phase.MONITORING,
                cycle=2,
                created_at=datetime.datetime(2026, 3, 1, 12, tzinfo=LIMA),
            )
        MembershipFactory(alliance=alliance, actor=actor)
        alliance.places.set(rng.sample(places, rng.randint(0, 3)))
        for _ in range(rng.randint(0, 6)):
            CommitmentFactory(
                alliance=alliance,
                actor=actor,
                cycle=rng.choice([1, 2]),
                status=rng.choice(STATUSES),
                due_date=TODAY + datetime.timedelta(days=rng.randint(-200, 60)),
            )
        objective = ObjectiveFactory(alliance=alliance)
        for _ in range(rng.randint(0, 3)):
            indicator = IndicatorFactory(
                objective=objective, frequency=rng.choice(["", *Frequency.values])
            )
            if rng.random() < 0.5:
                MeasurementFactory(
                    indicator=indicator,
                    period_start=datetime.date(2026, 7, 1),
                    period_end=datetime.date(2026, 7, 31),
                )
        made.append(alliance)
    return made


def rows_figures(alliances) -> dict[int, tuple]:
    """Each alliance's figures computed from the rows, as the portfolio's table shows them."""
    return {
        row.pk: (row.due_count, row.fulfilled_count, row.overdue_count, row.late_indicator_count)
        for row in monitoring.portfolio_rows(alliances, TODAY)
    }


def kept_figures() -> dict[int, tuple]:
    return {
        f.alliance_id: (f.due, f.fulfilled, f.overdue, f.late_indicators)
        for f in AllianceFigures.objects.all()
    }


def same_summary(kept, live) -> None:
    assert kept.alliances == live.alliances
    assert [(p.phase, p.count, p.width) for p in kept.phases] == [
        (p.phase, p.count, p.width) for p in live.phases
    ]
    assert (kept.due, kept.fulfilled, kept.overdue, kept.late_indicators, kept.rate) == (
        live.due,
        live.fulfilled,
        live.overdue,
        live.late_indicators,
        live.rate,
    )


# --- The portfolio's kept figures ---------------------------------------------------------


def test_the_kept_figures_equal_the_rows_figures(country):
    national_figures.refresh(TODAY)
    expected = {pk: row for pk, row in rows_figures(Alliance.objects.all()).items() if any(row)}
    assert expected, "the fixture has figures to count"
    assert kept_figures() == expected
    assert any(row[3] for row in expected.values()), "and late indicators"
    every = Alliance.objects.all()
    same_summary(
        national_figures.portfolio_summary(every, national=True),
        monitoring.portfolio_summary(every, TODAY),
    )


@pytest.mark.parametrize(
    "filters",
    [
        {"phase": Phase.MONITORING},
        {"phase": Phase.CLOSED},
        {"q": "zzz-nothing"},
        {"region": "15"},
        {"sector": "public"},
    ],
)
def test_a_filtered_portfolio_sums_the_kept_figures_of_the_alliances_it_chooses(country, filters):
    from alianzas.models import Region

    if "region" in filters:
        filters = {"region": Region.objects.get(code=filters["region"])}
    national_figures.refresh(TODAY)
    chosen = filter_alliances(Alliance.objects.all(), filters)
    kept = national_figures.portfolio_summary(chosen, national=False)
    same_summary(kept, monitoring.portfolio_summary(chosen, TODAY))
    assert kept.computed_at is not None


def test_a_refresh_writes_what_changed_and_forgets_what_no_longer_counts(country):
    national_figures.refresh(TODAY)
    busy = next(a for a in country if AllianceFigures.objects.filter(alliance=a).exists())
    Commitment.objects.filter(alliance=busy).delete()
    Measurement.objects.filter(indicator__objective__alliance=busy).delete()
    national_figures.refresh(TODAY)
    row = rows_figures(Alliance.objects.filter(pk=busy.pk))[busy.pk]
    kept = AllianceFigures.objects.filter(alliance=busy).first()
    if any(row):  # late indicators are left
        assert (kept.due, kept.fulfilled, kept.overdue, kept.late_indicators) == row
    else:
        assert kept is None
    assert kept_figures() == {
        pk: row for pk, row in rows_figures(Alliance.objects.all()).items() if any(row)
    }
    # The figures change with the day as well: a later refresh counts what fell due since.
    later = TODAY + datetime.timedelta(days=90)
    national_figures.refresh(later)
    assert NationalFigures.objects.get(scope=national_figures.PORTFOLIO).data["day"] == (
        later.isoformat()
    )
    assert kept_figures() == {
        r.pk: (r.due_count, r.fulfilled_count, r.overdue_count, r.late_indicator_count)
        for r in monitoring.portfolio_rows(Alliance.objects.all(), later)
        if any((r.due_count, r.fulfilled_count, r.overdue_count, r.late_indicator_count))
    }


@pytest.mark.parametrize("day", [TODAY, datetime.date(2026, 10, 3), datetime.date(2027, 1, 2)])
def test_the_rows_late_indicators_in_sql_agree_with_late_q(country, day):
    """The rows and a person's summary count the late indicators with ``late_count_sql``,
    the worker with ``late_q``: the same indicators on any day."""
    by_orm = dict(
        Indicator.objects.filter(late_q(day))
        .values_list("objective__alliance_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = monitoring.portfolio_rows(Alliance.objects.all(), day)
    assert {r.pk: r.late_indicator_count for r in rows if r.late_indicator_count} == by_orm
    summary = monitoring.portfolio_summary(Alliance.objects.all(), day)
    assert summary.late_indicators == sum(by_orm.values())


def test_the_worker_task_keeps_them_and_beat_runs_it():
    AllianceFactory()
    seguimiento_tasks.refresh_portfolio_figures()
    assert NationalFigures.objects.filter(scope=national_figures.PORTFOLIO).exists()
    fases_tasks.refresh_territory_map()
    assert set(NationalFigures.objects.values_list("scope", flat=True)) == {
        national_figures.PORTFOLIO,
        territory_map.ALL,
        territory_map.PUBLISHED,
    }
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"seguimiento.refresh_portfolio_figures", "fases.refresh_territory_map"} <= tasks


class TestPortfolioPage:
    def test_an_administrator_reads_the_kept_figures_and_is_told_when_they_were_counted(
        self, client, administrator, country
    ):
        client.force_login(administrator)
        assert not NationalFigures.objects.exists()
        # The first visit ever, before the worker's first run, counts them itself.
        response = client.get(reverse("seguimiento:portfolio"))
        summary = response.context["summary"]
        assert summary.computed_at is not None
        same_summary(summary, monitoring.portfolio_summary(Alliance.objects.all(), TODAY))
        assert says_when(response.content)
        # The table's rows read the same kept figures, equal to the rows' own.
        counted = rows_figures(Alliance.objects.all())
        live = {r.pk: r for r in monitoring.portfolio_rows(Alliance.objects.all(), TODAY)}
        for row in response.context["page"]:
            assert (
                row.due_count,
                row.fulfilled_count,
                row.overdue_count,
                row.late_indicator_count,
            ) == counted[row.pk]
            assert row.fulfilment_rate == live[row.pk].fulfilment_rate
            # Each row links to the alliance's page and its monitoring.
            for url in (
                reverse("fases:alliance_detail", args=[row.pk]),
                reverse("seguimiento:monitoring", args=[row.pk]),
            ):
                assert f'href="{url}"' in response.content.decode()
        # Later visits read them: a change shows once the worker counts again.
        Commitment.objects.update(status=CommitmentStatus.CANCELLED)
        assert client.get(reverse("seguimiento:portfolio")).context["summary"].due == summary.due
        national_figures.refresh()
        assert client.get(reverse("seguimiento:portfolio")).context["summary"].due == 0

    def test_an_administrators_filters_choose_the_figures(self, client, administrator, country):
        client.force_login(administrator)
        national_figures.refresh(TODAY)
        response = client.get(reverse("seguimiento:portfolio"), {"phase": Phase.MONITORING})
        chosen = Alliance.objects.filter(phase=Phase.MONITORING)
        same_summary(response.context["summary"], monitoring.portfolio_summary(chosen, TODAY))
        assert response.context["page"].paginator.count == chosen.count()

    def test_a_coordinator_sees_their_own_figures_counted_from_the_rows(
        self, client, coordinator, country
    ):
        client.force_login(coordinator)
        response = client.get(reverse("seguimiento:portfolio"))
        summary = response.context["summary"]
        assert summary.computed_at is None
        assert not says_when(response.content)
        mine = Alliance.objects.filter(coordinators=coordinator)
        same_summary(summary, monitoring.portfolio_summary(mine, TODAY))
        assert not NationalFigures.objects.exists()

    def test_the_administrators_queries_do_not_grow_with_the_country(
        self, client, administrator, today
    ):
        def visit():
            client.get(reverse("seguimiento:portfolio"))  # the kept figures exist
            with CaptureQueriesContext(connection) as captured:
                response = client.get(reverse("seguimiento:portfolio"))
            assert response.status_code == 200
            return len(captured)

        client.force_login(administrator)
        for _ in range(3):
            AllianceFactory(phase=Phase.MONITORING)
        few = visit()
        for _ in range(30):
            alliance = AllianceFactory(phase=Phase.MONITORING)
            CommitmentFactory(alliance=alliance, due_date=TODAY)
        national_figures.refresh()
        assert visit() == few


# --- The map's kept counts ----------------------------------------------------------------


def same_map(kept, live) -> None:
    assert [(a.code, a.count, a.shade) for a in kept.areas] == [
        (a.code, a.count, a.shade) for a in live.areas
    ]
    assert (kept.total, kept.without_place) == (live.total, live.without_place)
    assert kept.computed_at is not None
    assert live.computed_at is None


@pytest.mark.parametrize("department", [None, "15", "08", "20"])
def test_the_kept_map_counts_equal_the_rows_counts(country, department):
    territory_map.refresh()
    every = Alliance.objects.all()
    published = Alliance.objects.filter(published=True)
    for scope, alliances in ((territory_map.ALL, every), (territory_map.PUBLISHED, published)):
        same_map(
            territory_map.territory_map(alliances, department, scope=scope),
            territory_map.territory_map(alliances, department),
        )


def test_the_administrators_map_reads_the_kept_counts_unless_filtered(
    client, administrator, country
):
    client.force_login(administrator)
    shown = client.get(reverse("fases:territory_map")).context["territory"]
    assert shown.computed_at is not None
    same_map(shown, territory_map.territory_map(Alliance.objects.all()))
    filtered = client.get(reverse("fases:territory_map"), {"phase": Phase.MONITORING})
    assert filtered.context["territory"].computed_at is None
    live = territory_map.territory_map(Alliance.objects.filter(phase=Phase.MONITORING))
    assert [a.count for a in filtered.context["territory"].areas] == [a.count for a in live.areas]


def test_a_coordinators_map_is_counted_from_their_alliances(client, coordinator, country):
    client.force_login(coordinator)
    shown = client.get(reverse("fases:territory_map")).context["territory"]
    assert shown.computed_at is None
    mine = Alliance.objects.filter(coordinators=coordinator)
    assert shown.total == territory_map.territory_map(mine).total


def test_the_public_map_reads_the_kept_counts_of_the_published_alliances(client, country):
    response = client.get(reverse("public:portfolio"))
    shown = response.context["territory"]
    assert shown.computed_at is not None
    same_map(shown, territory_map.territory_map(Alliance.objects.filter(published=True)))
    assert says_when(response.content)
    one = client.get(reverse("public:portfolio"), {"department": "15"}).context["territory"]
    same_map(one, territory_map.territory_map(Alliance.objects.filter(published=True), "15"))
    filtered = client.get(reverse("public:portfolio"), {"phase": Phase.IMPLEMENTATION})
    assert filtered.context["territory"].computed_at is None
