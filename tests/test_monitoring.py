"""The monitoring pages: charts, fulfilment, what is late, the portfolio and the exports."""

import csv
import datetime
import io
import zoneinfo
from decimal import Decimal
from unittest import mock

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation

from alianzas import access
from alianzas.models import Frequency, Indicator, PhaseChange, Role
from fases.models import EvaluationRating
from seguimiento import due, exports, monitoring
from seguimiento.models import CommitmentKind, CommitmentStatus, Export, Measurement
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    EvaluationFactory,
    ExportFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIMA = zoneinfo.ZoneInfo("America/Lima")
TODAY = datetime.date(2026, 8, 15)

# Every page reads the session and the user, and the navigation asks a few questions of its
# own (the portfolio link, the representatives' and reminders' links): up to this many.
NAVIGATION_QUERIES = 6
# The monitoring page: the alliance, its indicators, which are late, their values, the
# commitments grouped by actor and kind, the overdue ones and the user's recent exports.
MONITORING_PAGE_QUERIES = NAVIGATION_QUERIES + 7
# The portfolio: phases, commitment figures, late indicators, the page's count and rows,
# and the filter form's regions and SDGs.
PORTFOLIO_PAGE_QUERIES = NAVIGATION_QUERIES + 7


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 8, 15, 10, tzinfo=LIMA), tick=False)
    return TODAY


def measure(indicator, start, end, value, cycle=1):
    return MeasurementFactory(
        indicator=indicator, cycle=cycle, period_start=start, period_end=end, value=Decimal(value)
    )


# --- Charts -----------------------------------------------------------------------------


@pytest.fixture
def indicator(alliance):
    return IndicatorFactory(
        objective=ObjectiveFactory(alliance=alliance),
        baseline_value=Decimal(100),
        baseline_date=datetime.date(2026, 1, 1),
        target_value=Decimal(200),
        target_date=datetime.date(2026, 12, 31),
        frequency=Frequency.QUARTERLY,
    )


class TestChart:
    def test_baseline_values_and_target_are_placed_on_the_axes(self, indicator):
        # 364 days from baseline to target: 2 July is half-way, 1 October three quarters.
        values = [
            measure(indicator, datetime.date(2026, 7, 1), datetime.date(2026, 7, 2), "150"),
            measure(indicator, datetime.date(2026, 9, 1), datetime.date(2026, 10, 1), "175"),
        ]
        chart = monitoring.indicator_chart(indicator, values, cycle=1)

        left, right, top, bottom = (
            monitoring.PLOT_LEFT,
            monitoring.PLOT_RIGHT,
            monitoring.PLOT_TOP,
            monitoring.PLOT_BOTTOM,
        )
        assert (chart.baseline.x, chart.baseline.y) == (left, bottom)
        assert (chart.target.x, chart.target.y) == (right, top)
        assert chart.target_y == top
        [series] = chart.series
        assert series.selected
        assert [(p.x, p.y) for p in series.points] == [(344.0, 108.0), (484.0, 62.0)]
        assert series.path == "344.0,108.0 484.0,62.0"
        assert chart.latest.value == Decimal("175")
        assert chart.progress == 75
        assert [t.position for t in chart.y_ticks] == [200.0, 154.0, 108.0, 62.0, 16.0]
        with translation.override("en"):
            assert [t.label for t in chart.y_ticks] == ["100", "125", "150", "175", "200"]
        # Within one year the axis is labelled with its two ends.
        assert [t.position for t in chart.x_ticks] == [left, right]

    def test_years_label_a_longer_axis(self, indicator):
        indicator.target_date = datetime.date(2028, 12, 31)
        chart = monitoring.indicator_chart(indicator, [], cycle=1)
        assert [t.label for t in chart.x_ticks] == ["2027", "2028"]
        assert chart.x_ticks[0].position < chart.x_ticks[1].position < chart.target.x

    def test_the_chosen_cycle_stands_out_from_the_others(self, indicator):
        values = [
            measure(indicator, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31), "110", 1),
            measure(indicator, datetime.date(2026, 4, 1), datetime.date(2026, 6, 30), "130", 2),
            measure(indicator, datetime.date(2026, 7, 1), datetime.date(2026, 9, 30), "160", 2),
        ]
        chart = monitoring.indicator_chart(indicator, values, cycle=2)
        assert chart.selected_series.cycle == 2
        assert len(chart.selected_series.points) == 2
        assert [s.cycle for s in chart.other_series] == [1]

        earlier = monitoring.indicator_chart(indicator, values, cycle=1)
        assert earlier.selected_series.cycle == 1
        assert [s.cycle for s in earlier.other_series] == [2]
        with translation.override("en"):
            assert [item.kind for item in earlier.legend] == [
                "selected",
                "other",
                "baseline",
                "target",
            ]

    def test_an_indicator_without_values_shows_baseline_and_target(self, indicator):
        chart = monitoring.indicator_chart(indicator, [], cycle=1)
        assert chart.has_chart
        assert chart.series == []
        assert chart.latest is None
        assert chart.progress is None
        with translation.override("en"):
            assert "No values reported yet." in chart.description
            assert "Baseline: 100 hogares" in chart.description

    def test_an_indicator_with_nothing_dated_has_no_chart(self, alliance):
        bare = IndicatorFactory(
            objective=ObjectiveFactory(alliance=alliance),
            baseline_value=None,
            baseline_date=None,
            target_value=None,
            target_date=None,
        )
        chart = monitoring.indicator_chart(bare, [], cycle=1)
        assert not chart.has_chart

    def test_a_single_point_sits_in_the_middle(self, indicator):
        indicator.target_value = indicator.target_date = None
        chart = monitoring.indicator_chart(indicator, [], cycle=1)
        middle_x = (monitoring.PLOT_LEFT + monitoring.PLOT_RIGHT) / 2
        middle_y = (monitoring.PLOT_TOP + monitoring.PLOT_BOTTOM) / 2
        assert (chart.baseline.x, chart.baseline.y) == (middle_x, middle_y)
        assert chart.target_y is None


# --- Fulfilment and what is late ------------------------------------------------------------


@pytest.fixture
def pledges(alliance):
    """Two actors' commitments in cycle 1 (one cancelled) and one of cycle 2."""
    water = ActorFactory(name="Agua Andina", acronym="AA")
    school = ActorFactory(name="Universidad del Centro")
    for actor in (water, school):
        MembershipFactory(alliance=alliance, actor=actor, role=Role.FUNDER)

    def pledge(actor, kind, value, status=CommitmentStatus.PENDING, progress=0, cycle=1):
        return CommitmentFactory(
            alliance=alliance,
            actor=actor,
            kind=kind,
            value_pen=None if value is None else Decimal(value),
            status=status,
            progress=progress,
            cycle=cycle,
        )

    pledge(water, CommitmentKind.FINANCIAL, "1000", CommitmentStatus.FULFILLED, 100)
    pledge(water, CommitmentKind.FINANCIAL, "500", CommitmentStatus.IN_PROGRESS, 40)
    pledge(water, CommitmentKind.IN_KIND, None)
    pledge(school, CommitmentKind.TECHNICAL, "300", CommitmentStatus.FULFILLED, 100)
    pledge(school, CommitmentKind.HUMAN_RESOURCES, "200", CommitmentStatus.CANCELLED)
    pledge(school, CommitmentKind.FINANCIAL, "9999", cycle=2)
    return water, school


class TestFulfilment:
    def test_pledged_and_delivered_by_actor_and_kind(self, alliance, pledges):
        by_actor, by_kind = monitoring.fulfilment(alliance, 1)

        figures = {
            row.label: (
                row.commitments,
                row.fulfilled,
                row.pledged,
                row.delivered,
                row.average_progress,
            )
            for row in by_actor.rows
        }
        assert figures == {
            "Agua Andina (AA)": (3, 1, Decimal(1500), Decimal(1000), 47),
            "Universidad del Centro": (1, 1, Decimal(300), Decimal(300), 100),
        }
        assert by_actor.basis == "value"
        first, second = by_actor.rows
        assert (first.pledged_width, first.delivered_width) == (240.0, 160.0)
        assert (second.pledged_width, second.delivered_width) == (48.0, 48.0)

        assert [(row.key, row.commitments, row.fulfilled) for row in by_kind.rows] == [
            (CommitmentKind.FINANCIAL, 2, 1),
            (CommitmentKind.IN_KIND, 1, 0),
            (CommitmentKind.TECHNICAL, 1, 1),
        ]
        total = by_actor.total
        assert (total.commitments, total.fulfilled, total.pledged, total.delivered) == (
            4,
            2,
            Decimal(1800),
            Decimal(1300),
        )
        assert total.average_progress == 60
        assert total.rate == 50

    def test_bars_compare_counts_when_nothing_has_a_value(self, alliance):
        actor = ActorFactory()
        MembershipFactory(alliance=alliance, actor=actor)
        CommitmentFactory(alliance=alliance, actor=actor, value_pen=None)
        by_actor, _ = monitoring.fulfilment(alliance, 1)
        assert by_actor.basis == "count"
        assert by_actor.rows[0].pledged_width == 240.0
        assert by_actor.rows[0].delivered_width == 0


@pytest.fixture
def monitored(coordinator):
    """An alliance in Monitoreo on 15 August 2026 with indicators of every situation."""
    alliance = AllianceFactory(phase="monitoring", coordinators=[coordinator])
    objective = ObjectiveFactory(alliance=alliance)

    def indicator(name, frequency, *starts):
        made = IndicatorFactory(objective=objective, name=name, frequency=frequency)
        for start in starts:
            measure(made, start, start + datetime.timedelta(days=27), "200")
        return made

    indicator("al día", Frequency.QUARTERLY, datetime.date(2026, 4, 1))
    late = indicator("atrasado", Frequency.QUARTERLY, datetime.date(2026, 1, 1))
    indicator("mensual", Frequency.MONTHLY, datetime.date(2026, 7, 1))
    indicator("sin frecuencia", "")
    # Its last ended period, 2025, ended before the alliance started.
    indicator("anual", Frequency.ANNUAL)
    actor = ActorFactory()
    MembershipFactory(alliance=alliance, actor=actor)

    def pledge(due, status=CommitmentStatus.PENDING):
        return CommitmentFactory(alliance=alliance, actor=actor, due_date=due, status=status)

    overdue = [
        pledge(datetime.date(2026, 1, 31), CommitmentStatus.IN_PROGRESS),
        pledge(datetime.date(2026, 8, 1)),
    ]
    pledge(datetime.date(2026, 7, 1), CommitmentStatus.FULFILLED)
    pledge(datetime.date(2026, 7, 1), CommitmentStatus.CANCELLED)
    pledge(datetime.date(2026, 9, 1))
    return alliance, late, overdue


class TestLate:
    def test_overdue_commitments_and_indicators_missing_their_last_value(self, monitored):
        alliance, late, overdue = monitored
        data = monitoring.alliance_monitoring(alliance, 1, today=TODAY)
        assert data.overdue == overdue
        assert [c.days_late for c in data.overdue] == [196, 14]
        assert [item.indicator for item in data.late_indicators] == [late]
        period = data.late_indicators[0].period
        assert (period.start, period.end) == (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
        assert [chart.is_late for chart in data.charts] == [False, True, False, False, False]

    def test_indicators_are_not_late_before_monitoring(self, monitored):
        _alliance, late, _overdue = monitored
        Indicator.objects.filter(pk=late.pk).update(objective=ObjectiveFactory())
        designing = Indicator.objects.get(pk=late.pk)
        assert designing.objective.alliance.phase == "identification"
        assert not Indicator.objects.filter(due.late_q(TODAY), pk=designing.pk).exists()

    def test_a_value_for_the_period_clears_it(self, monitored):
        alliance, late, _overdue = monitored
        measure(late, datetime.date(2026, 4, 1), datetime.date(2026, 6, 30), "250")
        assert monitoring.alliance_monitoring(alliance, 1, today=TODAY).late_indicators == []


# --- The monitoring page ------------------------------------------------------------------------


class TestMonitoringPage:
    def test_shows_charts_fulfilment_and_late_items(self, client, monitored, today):
        alliance, late, _overdue = monitored
        client.force_login(alliance.coordinators.get())
        response = client.get(
            reverse("seguimiento:monitoring", args=[alliance.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count('<svg class="chart"') == 5
        assert 'role="img"' in html
        assert "<title id=" in html
        assert "Data table" in html
        assert f'href="#indicator-{late.pk}"' in html
        assert "2 overdue commitments" in html
        assert 'style="' not in html
        assert "<script>" not in html

    def test_a_bad_cycle_shows_the_current_one_with_a_message(self, client, alliance, coordinator):
        client.force_login(coordinator)
        url = reverse("seguimiento:monitoring", args=[alliance.pk])
        for bad in ("abc", "0", "-1", "99", "1.5", "%00"):
            response = client.get(url, {"cycle": bad}, HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 200
            assert response.context["data"].cycle == alliance.cycle
            assert "Select a valid choice" in response.content.decode()

    def test_an_earlier_cycle_can_be_chosen(self, client, coordinator, pledges, alliance):
        type(alliance).objects.filter(pk=alliance.pk).update(cycle=2)
        client.force_login(coordinator)
        url = reverse("seguimiento:monitoring", args=[alliance.pk])
        assert client.get(url).context["data"].cycle == 2
        response = client.get(url, {"cycle": "1"})
        assert response.context["data"].cycle == 1
        assert response.context["data"].by_actor.total.commitments == 4

    def test_those_who_may_not_see_the_alliance_get_404(
        self, client, alliance, outsider_representative
    ):
        client.force_login(outsider_representative)
        response = client.get(reverse("seguimiento:monitoring", args=[alliance.pk]))
        assert response.status_code == 404
        missing = reverse("seguimiento:monitoring", args=[alliance.pk + 1000])
        assert client.get(missing).status_code == 404

    @pytest.mark.parametrize("rows", [3, 30])
    def test_queries_do_not_grow_with_rows(
        self,
        client,
        coordinator,
        rows,
        today,
        django_assert_num_queries,
        django_assert_max_num_queries,
    ):
        alliance = AllianceFactory(phase="monitoring", coordinators=[coordinator])
        for n in range(rows):
            actor = ActorFactory()
            MembershipFactory(alliance=alliance, actor=actor)
            CommitmentFactory(
                alliance=alliance,
                actor=actor,
                kind=CommitmentKind.values[n % 5],
                due_date=datetime.date(2026, 1, 1 + n % 28),
            )
            made = IndicatorFactory(
                objective=ObjectiveFactory(alliance=alliance),
                frequency=Frequency.QUARTERLY,
                responsible_actor=actor,
            )
            measure(made, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31), "150")
            measure(made, datetime.date(2026, 4, 1), datetime.date(2026, 6, 30), "170", 1)
        ExportFactory(alliance=alliance, requested_by=coordinator)
        client.force_login(coordinator)
        with django_assert_num_queries(6):
            monitoring.alliance_monitoring(alliance, 1, user=coordinator)
        with django_assert_max_num_queries(MONITORING_PAGE_QUERIES):
            response = client.get(reverse("seguimiento:monitoring", args=[alliance.pk]))
        assert response.status_code == 200
        assert len(response.context["data"].charts) == rows


# --- Portfolio ----------------------------------------------------------------------------------


class TestPortfolio:
    def test_figures_per_alliance_and_in_total(self, coordinator, monitored, today):
        alliance, _late, _overdue = monitored
        quiet = AllianceFactory(coordinators=[coordinator], name="Zz tranquila")
        managed = AllianceFactory._meta.model.objects.filter(pk__in=[alliance.pk, quiet.pk])

        rows = {row.pk: row for row in monitoring.portfolio_rows(managed, TODAY)}
        busy = rows[alliance.pk]
        # Due: the two overdue and the fulfilled one; the cancelled and the future one not.
        assert (busy.due_count, busy.fulfilled_count, busy.fulfilment_rate) == (3, 1, 33)
        assert (busy.overdue_count, busy.late_indicator_count) == (2, 1)
        assert rows[quiet.pk].fulfilment_rate is None
        assert rows[quiet.pk].overdue_count == 0

        summary = monitoring.portfolio_summary(managed, TODAY)
        assert summary.alliances == 2
        assert {p.phase: p.count for p in summary.phases} == {
            "identification": 1,
            "implementation": 0,
            "monitoring": 1,
            "evaluation": 0,
            "closed": 0,
        }
        assert (summary.due, summary.fulfilled, summary.rate) == (3, 1, 33)
        assert (summary.overdue, summary.late_indicators) == (2, 1)

    def test_commitments_of_earlier_cycles_do_not_count_for_the_rate(self, alliance, pledges):
        type(alliance).objects.filter(pk=alliance.pk).update(cycle=2)
        row = monitoring.portfolio_rows(type(alliance).objects.filter(pk=alliance.pk)).get()
        assert (row.due_count, row.fulfilled_count) == (0, 0)

    def test_coordinators_see_only_their_alliances(self, client, coordinator, alliance):
        AllianceFactory(name="Alianza ajena", coordinators=[UserFactory()])
        client.force_login(coordinator)
        response = client.get(reverse("seguimiento:portfolio"))
        assert response.status_code == 200
        assert [a.pk for a in response.context["page"]] == [alliance.pk]
        assert "Alianza ajena" not in response.content.decode()

    def test_administrators_see_every_alliance(self, client, administrator, alliance):
        AllianceFactory(name="Alianza ajena", coordinators=[UserFactory()])
        client.force_login(administrator)
        response = client.get(reverse("seguimiento:portfolio"))
        assert response.context["page"].paginator.count == 2

    def test_filters_apply(self, client, coordinator, alliance):
        AllianceFactory(name="Bosques de Oxapampa", coordinators=[coordinator])
        client.force_login(coordinator)
        response = client.get(reverse("seguimiento:portfolio"), {"q": "oxapampa"})
        assert [a.name for a in response.context["page"]] == ["Bosques de Oxapampa"]
        assert response.context["summary"].alliances == 1

    def test_representatives_have_no_portfolio(self, client, alliance, member_representative):
        client.force_login(member_representative)
        assert client.get(reverse("seguimiento:portfolio")).status_code == 403
        dashboard = client.get(reverse("fases:dashboard")).content.decode()
        assert f'href="{reverse("seguimiento:portfolio")}"' not in dashboard

    def test_the_navigation_links_coordinators_to_it(self, client, alliance, coordinator):
        client.force_login(coordinator)
        dashboard = client.get(reverse("fases:dashboard")).content.decode()
        assert f'href="{reverse("seguimiento:portfolio")}"' in dashboard
        assert "hook: navigation of monitoring pages" not in dashboard

    @pytest.mark.parametrize("rows", [3, 50])
    def test_queries_do_not_grow_with_alliances(
        self,
        client,
        coordinator,
        rows,
        today,
        django_assert_num_queries,
        django_assert_max_num_queries,
    ):
        for n in range(rows):
            alliance = AllianceFactory(coordinators=[coordinator], phase="monitoring")
            membership = MembershipFactory(alliance=alliance, role=Role.LEADER)
            CommitmentFactory(
                alliance=alliance,
                actor=membership.actor,
                due_date=datetime.date(2026, 1, n % 28 + 1),
            )
            IndicatorFactory(
                objective=ObjectiveFactory(alliance=alliance), frequency=Frequency.MONTHLY
            )
        client.force_login(coordinator)
        managed = access.managed_alliances(coordinator)
        with django_assert_num_queries(4):
            monitoring.portfolio_summary(managed)
            list(monitoring.portfolio_rows(managed)[:25])
        with django_assert_max_num_queries(PORTFOLIO_PAGE_QUERIES):
            response = client.get(reverse("seguimiento:portfolio"))
        assert response.status_code == 200
        assert response.context["summary"].late_indicators == rows


# --- Exports ------------------------------------------------------------------------------------


@pytest.fixture
def recorded(alliance, coordinator):
    """An alliance with something in every part of the report."""
    actor = alliance.memberships.get().actor
    objective = ObjectiveFactory(alliance=alliance, description="Con agua y saneamiento")
    indicator = IndicatorFactory(objective=objective, frequency=Frequency.QUARTERLY)
    IndicatorFactory(objective=objective, name="Sin valores")
    measure(indicator, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31), "150")
    measure(indicator, datetime.date(2026, 4, 1), datetime.date(2026, 6, 30), "190.5")
    CommitmentFactory(alliance=alliance, actor=actor, description='=HYPERLINK("x")')
    CommitmentFactory(
        alliance=alliance, actor=actor, description="Capacitar a 40 gasfiteros, año 1"
    )
    CommitmentFactory(alliance=alliance, actor=actor, status=CommitmentStatus.FULFILLED)
    evaluation = EvaluationFactory(alliance=alliance, lessons_learned="Más coordinación <b>")
    EvaluationRating.objects.create(evaluation=evaluation, criterion="trust", score=4)
    PhaseChange.objects.create(
        alliance=alliance,
        transition="start_implementation",
        source_phase="identification",
        target_phase="implementation",
        cycle=1,
        user=coordinator,
        comment="Listos & firmes",
    )
    return alliance


def build(alliance, kind, user, language="en"):
    export = ExportFactory(alliance=alliance, kind=kind, requested_by=user, language=language)
    with translation.override(language):
        return exports.build(export)


def read(export) -> bytes:
    with export.file.open("rb") as handle:
        return handle.read()


class TestBuild:
    @pytest.mark.parametrize("kind", Export.Kind.values)
    def test_every_kind_builds_its_file(self, recorded, coordinator, kind):
        export = build(recorded, kind, coordinator)
        export.refresh_from_db()
        assert (export.status, export.progress, export.error) == (Export.Status.DONE, 100, "")
        assert export.finished_at is not None
        assert export.file.name.startswith("exports/")
        assert export.file.name.endswith("." + exports.extension(kind))
        assert read(export)

    def test_the_report_is_a_pdf(self, recorded, coordinator):
        content = read(build(recorded, Export.Kind.REPORT_PDF, coordinator))
        assert content.startswith(b"%PDF")
        assert len(content) > 2000

    def test_the_report_of_an_empty_alliance(self, alliance, coordinator):
        assert read(build(alliance, Export.Kind.REPORT_PDF, coordinator)).startswith(b"%PDF")

    def test_commitments_csv_is_utf8_with_bom_for_excel(self, recorded, coordinator):
        content = read(build(recorded, Export.Kind.COMMITMENTS_CSV, coordinator))
        assert content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert rows[0][:5] == ["ID", "Cycle", "Actor", "Kind", "Description"]
        assert len(rows) == 1 + 3
        descriptions = [row[4] for row in rows[1:]]
        assert "Capacitar a 40 gasfiteros, año 1" in descriptions
        # Text that a spreadsheet would run as a formula is written as text.
        assert '\'=HYPERLINK("x")' in descriptions

    def test_measurements_csv(self, recorded, coordinator):
        content = read(build(recorded, Export.Kind.MEASUREMENTS_CSV, coordinator))
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert rows[0][5:8] == ["Period start", "Period end", "Value"]
        assert [row[5:8] for row in rows[1:]] == [
            ["2026-01-01", "2026-03-31", "150"],
            ["2026-04-01", "2026-06-30", "190.5"],
        ]

    def test_the_header_follows_the_export_language(self, recorded, coordinator):
        english = build(recorded, Export.Kind.COMMITMENTS_CSV, coordinator, "en")
        assert read(english).decode("utf-8-sig").startswith("ID,Cycle,")

    @pytest.mark.parametrize(
        ("kind", "count"),
        [(Export.Kind.COMMITMENTS_XLSX, 3), (Export.Kind.MEASUREMENTS_XLSX, 2)],
    )
    def test_spreadsheets_open_with_their_rows(self, recorded, coordinator, kind, count):
        content = read(build(recorded, kind, coordinator))
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "ID"
        assert len(rows) == 1 + count
        if kind == Export.Kind.MEASUREMENTS_XLSX:
            assert rows[1][5] == datetime.datetime(2026, 1, 1)
            assert rows[2][7] == 190.5
        else:
            formula = [row for row in rows if str(row[4]).startswith("=")]
            assert formula  # kept as text: openpyxl reads it back as a string cell
            assert all(isinstance(row[4], str) for row in formula)

    def test_a_failing_build_records_the_error(self, recorded, coordinator):
        def broken(alliance, progress):
            progress(30)
            raise RuntimeError("boom")

        with mock.patch.dict(exports.BUILDERS, {Export.Kind.COMMITMENTS_CSV: broken}):
            export = build(recorded, Export.Kind.COMMITMENTS_CSV, coordinator)
        export.refresh_from_db()
        assert export.status == Export.Status.FAILED
        assert "boom" in export.error
        assert export.progress == 30
        assert not export.file
        assert export.finished_at is not None

    def test_progress_is_recorded_as_it_goes(self, recorded, coordinator):
        seen = []
        original = exports._progress

        def spy(export, value, **changes):
            original(export, value, **changes)
            seen.append(Export.objects.get(pk=export.pk).progress)

        with mock.patch.object(exports, "_progress", spy):
            build(recorded, Export.Kind.REPORT_PDF, coordinator)
        assert seen == sorted(seen)
        assert seen[0] == 0
        assert len(seen) > 3


class TestExportPages:
    def test_asking_builds_the_file_and_offers_it(
        self, client, recorded, coordinator, django_capture_on_commit_callbacks
    ):
        client.force_login(coordinator)
        url = reverse("seguimiento:export_create", args=[recorded.pk, "commitments_csv"])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, HTTP_ACCEPT_LANGUAGE="en")
        export = Export.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("seguimiento:export_detail", args=[export.pk])
        assert (export.requested_by, export.alliance, export.language) == (
            coordinator,
            recorded,
            "en",
        )
        assert (export.status, export.progress) == (Export.Status.DONE, 100)

        page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        download = reverse("seguimiento:export_download", args=[export.pk])
        assert f'href="{download}"' in page
        assert "hx-trigger" not in page

        response = client.get(download)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith("attachment;")
        assert ".csv" in response["Content-Disposition"]
        body = b"".join(response.streaming_content)
        assert body.startswith(b"\xef\xbb\xbfID,")

    def test_the_task_is_queued_only_after_commit(
        self, client, alliance, coordinator, django_capture_on_commit_callbacks
    ):
        client.force_login(coordinator)
        url = reverse("seguimiento:export_create", args=[alliance.pk, "report_pdf"])
        with mock.patch("seguimiento.tasks.build_export.delay") as delay:
            with django_capture_on_commit_callbacks(execute=False) as callbacks:
                client.post(url)
            export = Export.objects.get()
            assert export.status == Export.Status.QUEUED
            assert not delay.called
            # On commit: the task is queued (and the alliance's cached pages are renewed).
            for callback in callbacks:
                callback()
        delay.assert_called_once_with(export.pk)

    def test_a_broker_that_cannot_be_reached_fails_the_export(
        self, client, alliance, coordinator, django_capture_on_commit_callbacks
    ):
        client.force_login(coordinator)
        url = reverse("seguimiento:export_create", args=[alliance.pk, "report_pdf"])
        with (
            mock.patch("seguimiento.tasks.build_export.delay", side_effect=OSError("no broker")),
            django_capture_on_commit_callbacks(execute=True),
        ):
            assert client.post(url).status_code == 302
        export = Export.objects.get()
        assert export.status == Export.Status.FAILED
        assert "no broker" in export.error

    def test_a_pending_export_polls_for_its_progress(self, client, alliance, coordinator):
        export = ExportFactory(alliance=alliance, requested_by=coordinator, progress=40)
        client.force_login(coordinator)
        url = reverse("seguimiento:export_detail", args=[export.pk])
        page = client.get(url).content.decode()
        assert f'hx-get="{url}"' in page
        assert 'hx-trigger="every 1s"' in page
        assert 'value="40"' in page
        fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert fragment.lstrip().startswith('<div id="export-progress"')
        assert "<html" not in fragment

    def test_a_failed_export_says_so_and_has_nothing_to_download(
        self, client, alliance, coordinator
    ):
        export = ExportFactory(
            alliance=alliance, requested_by=coordinator, status="failed", error="Boom"
        )
        client.force_login(coordinator)
        page = client.get(
            reverse("seguimiento:export_detail", args=[export.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert "could not be prepared" in page
        assert "Boom" not in page  # the technical error is for the administrators
        assert "hx-trigger" not in page
        download = reverse("seguimiento:export_download", args=[export.pk])
        assert client.get(download).status_code == 404

    def test_only_the_requester_sees_the_export(
        self, client, alliance, coordinator, member_representative, administrator
    ):
        export = ExportFactory(
            alliance=alliance, requested_by=coordinator, status="done", progress=100
        )
        export.file.save("x.csv", ContentFile(b"a,b\n"))
        urls = [
            reverse("seguimiento:export_detail", args=[export.pk]),
            reverse("seguimiento:export_download", args=[export.pk]),
        ]
        for other in (member_representative, administrator):
            client.force_login(other)
            assert [client.get(url).status_code for url in urls] == [404, 404]
        client.force_login(coordinator)
        assert [client.get(url).status_code for url in urls] == [200, 200]
        # No longer allowed to see the alliance: no longer allowed to see its files.
        alliance.coordinators.remove(coordinator)
        assert [client.get(url).status_code for url in urls] == [404, 404]

    def test_bad_input_is_answered_with_404(self, client, alliance, coordinator):
        client.force_login(coordinator)
        create = reverse("seguimiento:export_create", args=[alliance.pk, "report_pdf"])
        assert client.get(create).status_code == 405
        unknown = reverse("seguimiento:export_create", args=[alliance.pk, "secrets_zip"])
        assert client.post(unknown).status_code == 404
        elsewhere = reverse("seguimiento:export_create", args=[alliance.pk + 1000, "report_pdf"])
        assert client.post(elsewhere).status_code == 404
        assert not Export.objects.exists()
        for name in ("seguimiento:export_detail", "seguimiento:export_download"):
            assert client.get(reverse(name, args=[987654])).status_code == 404
        assert client.get("/exportaciones/abc/").status_code == 404

    def test_a_file_missing_from_storage_is_not_found(self, client, alliance, coordinator):
        export = ExportFactory(alliance=alliance, requested_by=coordinator, status="done")
        export.file.save("x.csv", ContentFile(b"a"))
        export.file.storage.delete(export.file.name)
        client.force_login(coordinator)
        response = client.get(reverse("seguimiento:export_download", args=[export.pk]))
        assert response.status_code == 404

    def test_representatives_may_ask_for_their_alliance_files(
        self, client, alliance, member_representative, django_capture_on_commit_callbacks
    ):
        client.force_login(member_representative)
        url = reverse("seguimiento:export_create", args=[alliance.pk, "measurements_xlsx"])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url)
        export = Export.objects.get()
        assert response.status_code == 302
        assert export.requested_by == member_representative
        assert export.status == Export.Status.DONE


class TestAlliancePage:
    def test_links_to_monitoring_and_offers_every_export(self, client, alliance, coordinator):
        client.force_login(coordinator)
        html = client.get(reverse("fases:alliance_detail", args=[alliance.pk])).content.decode()
        assert f'href="{reverse("seguimiento:monitoring", args=[alliance.pk])}"' in html
        for kind in Export.Kind.values:
            action = reverse("seguimiento:export_create", args=[alliance.pk, kind])
            assert f'action="{action}"' in html
        assert "hook: monitoring view and exports" not in html
        assert html.count("csrfmiddlewaretoken") >= len(Export.Kind.values)


def test_measurements_of_other_alliances_stay_out(alliance, coordinator):
    other = IndicatorFactory()
    measure(other, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31), "999")
    _header, rows = exports.measurement_rows(alliance)
    assert rows == []
    assert Measurement.objects.count() == 1


@pytest.mark.parametrize(
    ("baseline", "target", "value", "expected"),
    [
        ("0", "3", "2", 66),  # rounded down: 66.7 % is not yet 67
        ("0", "100", "99.9", 99),  # 100 only once the target is reached
        ("10", "0", "5", 50),  # a target below the baseline
        ("0", "10", "-5", 0),
        ("0", "10", "25", 100),
        ("5", "5", "5", 100),  # no span: reached or not
        ("5", "5", "4", 0),
        (None, "10", "5", None),
    ],
)
def test_the_members_and_the_public_pages_share_one_progress_and_latest_value(
    baseline, target, value, expected
):
    """``objectives_with_indicators`` (the alliance page, the report) and
    ``public_objectives`` (the public page) read the same latest value (the period that
    starts last, whatever order the values were reported in) and say the same progress."""
    from fases.public.selectors import public_objectives
    from seguimiento.selectors import objectives_with_indicators

    def number(text):
        return None if text is None else Decimal(text)

    indicator = IndicatorFactory(baseline_value=number(baseline), target_value=number(target))
    MeasurementFactory(
        indicator=indicator,
        period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2026, 6, 30),
        value=Decimal(value),
    )
    MeasurementFactory(  # reported afterwards, for an earlier period
        indicator=indicator,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        value=Decimal("-1"),
    )
    alliance = indicator.objective.alliance
    [(_objective, [row])] = objectives_with_indicators(alliance)
    [(_objective, [(_indicator, public)])] = public_objectives(alliance)
    assert row.progress == public["progress"] == expected
    assert row.latest.value == public["latest"].value == Decimal(value)
    assert row.latest.period_end == public["latest"].period_end == datetime.date(2026, 6, 30)
