"""One rule for "an indicator's value is late" (``seguimiento.due``), asked by every surface.

The rule has three forms: Python for one indicator (``late_period``), an ORM condition
(``late_q``: the dashboard and the monitoring pages) and SQL (``late_sql``: the
reminders). Over generated alliances (every phase, first and later cycles, cycles that
began mid-period or late in the evening, start dates or none) with indicators of every
frequency measured for some periods and not others, on many days, the three pick the
same indicators. Then the issue's example, through the dashboard, the monitoring page
and the reminders.
"""

import datetime
import random
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse

from alianzas.cycles import cycle_started_on
from alianzas.lifecycle import MONITORING_PHASES, NEW_CYCLE_TRANSITIONS, Phase
from alianzas.models import Alliance, Frequency, Indicator, Objective, PhaseChange
from seguimiento import monitoring, reminders, selectors
from seguimiento.due import late_period, late_q, late_sql
from seguimiento.models import Measurement, Reminder, ReminderRule
from seguimiento.periods import periods_between
from tests.factories import (
    AllianceFactory,
    IndicatorFactory,
    MeasurementFactory,
    ObjectiveFactory,
)

pytestmark = pytest.mark.django_db

LIMA = ZoneInfo("America/Lima")
SEED = 20260302
ALLIANCES = 60
DAYS = 30
FIRST, LAST = datetime.date(2025, 1, 1), datetime.date(2027, 3, 31)


def some_day(rng: random.Random, first=FIRST, last=LAST) -> datetime.date:
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def some_moment(rng: random.Random) -> datetime.datetime:
    """A time in Lima, often the first or last minutes of a period's first or last day."""
    day = some_boundary(rng) if rng.random() < 0.5 else some_day(rng)
    hour, minute = rng.choice([(0, 1), (9, 30), (18, 59), (19, 1), (23, 59)])
    return datetime.datetime.combine(day, datetime.time(hour, minute), LIMA)


def some_boundary(rng: random.Random) -> datetime.date:
    """The first or the last day of a month, a quarter, a half or a year."""
    day = some_day(rng)
    start = datetime.date(day.year, rng.choice([1, 2, 4, 7, 10, 12]), 1)
    return start - datetime.timedelta(days=rng.choice([0, 1]))


def generated_world(rng: random.Random) -> list[Indicator]:
    """Alliances of every phase, their cycles begun in every way, each with an indicator
    of every frequency (and one without) measured for about half of its periods."""
    phases = list(Phase.values)
    for number in range(ALLIANCES):
        start = rng.choice([None, some_day(rng), some_boundary(rng)])
        alliance = AllianceFactory(start_date=start)
        cycle = rng.choice([1, 2, 2, 3])
        Alliance.objects.filter(pk=alliance.pk).update(
            phase=phases[number % len(phases)], cycle=cycle, created_at=some_moment(rng)
        )
        # How the current cycle began: by one change of phase or two (the first counts),
        # by none recorded (then the start date counts), among changes that do not count
        # (another transition, one that began an earlier cycle, or any in the first).
        began = some_moment(rng)
        for _ in range(rng.choice([0, 1, 2, 2]) if cycle > 1 else 0):
            change(alliance, rng.choice(NEW_CYCLE_TRANSITIONS), cycle, began)
            began += datetime.timedelta(days=rng.randint(1, 60))
        if rng.random() < 0.5:
            change(alliance, "start_monitoring", cycle, some_moment(rng))
        if rng.random() < 0.5:
            change(alliance, NEW_CYCLE_TRANSITIONS[0], max(cycle - 1, 1), some_moment(rng))
        objective = ObjectiveFactory(alliance=alliance)
        for frequency in ["", *Frequency.values]:
            indicator = IndicatorFactory(objective=objective, frequency=frequency)
            for period in periods_between(frequency or Frequency.MONTHLY, FIRST, LAST):
                if rng.random() < 0.5:
                    # Now and then a value reported for a day within the period.
                    offset = rng.choice([0, 0, 0, 3])
                    MeasurementFactory(
                        indicator=indicator,
                        cycle=rng.randint(1, cycle),
                        period_start=period.start + datetime.timedelta(days=offset),
                        period_end=period.end,
                    )
    return list(Indicator.objects.select_related("objective__alliance").order_by("pk"))


def change(alliance, transition: str, cycle: int, when: datetime.datetime) -> None:
    PhaseChange.objects.create(
        alliance=alliance,
        transition=transition,
        source_phase=Phase.EVALUATION,
        target_phase=Phase.IMPLEMENTATION,
        cycle=cycle,
        created_at=when,
    )


def late_by_sql(today: datetime.date) -> set[int]:
    """The indicators the reminders' SQL finds late, one statement per frequency."""
    found = set()
    for frequency in Frequency.values:
        condition, params, _period = late_sql(frequency, today, indicator="i", alliance="a")
        sql = f"""
            SELECT i.id FROM {Indicator._meta.db_table} i
            JOIN {Objective._meta.db_table} o ON o.id = i.objective_id
            JOIN {Alliance._meta.db_table} a ON a.id = o.alliance_id
            WHERE {condition}
        """  # nosec B608 - db_table names; values bound
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found.update(row[0] for row in cursor.fetchall())
    return found


def test_python_orm_and_sql_forms_pick_the_same_late_indicators():
    rng = random.Random(SEED)
    indicators = generated_world(rng)
    # The first day after a period ends on the day a cycle began (an alliance's start,
    # its registration or a change of phase, often late in the evening): whether that
    # period is owed turns on that day.
    edges = sorted(
        {
            day
            for alliance in {i.objective.alliance for i in indicators}
            if alliance.phase in MONITORING_PHASES
            and (day := cycle_started_on(alliance) + datetime.timedelta(days=1)).day == 1
        }
    )
    days = [
        *edges,
        # The first days after periods end, and the last days before.
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 31),
        datetime.date(2026, 4, 1),
        datetime.date(2026, 7, 1),
        datetime.date(2026, 12, 31),
        datetime.date(2027, 1, 1),
    ]
    days += [some_day(rng) for _ in range(DAYS - len(days))]
    cases = late_cases = 0
    late_phases = set()
    for today in days:
        in_python = {i.pk for i in indicators if late_period(i, today) is not None}
        in_orm = set(Indicator.objects.filter(late_q(today)).values_list("pk", flat=True))
        in_sql = late_by_sql(today)
        assert in_orm == in_python, today
        assert in_sql == in_python, today
        cases += len(indicators)
        late_cases += len(in_python)
        late_phases |= {i.objective.alliance.phase for i in indicators if i.pk in in_python}

    assert len(indicators) == ALLIANCES * 5
    assert cases == len(indicators) * len(days) >= ALLIANCES * 5 * DAYS  # 9,000 at least
    # Neither side of the rule is empty, and both phases in which values are due appear.
    assert 0.05 * cases < late_cases < 0.5 * cases
    assert late_phases == {Phase.MONITORING, Phase.EVALUATION}


# --- The example: on 2 March, February's value is late everywhere ----------------


@pytest.fixture
def on(time_machine):
    def move(day: datetime.date):
        time_machine.move_to(datetime.datetime.combine(day, datetime.time(9), LIMA), tick=False)

    return move


def test_the_dashboards_two_forms_pick_the_same_indicators_in_the_same_order(on):
    """A person's few alliances are asked in SQL (``late_sql``), a portfolio through the
    ORM (``late_q``): the same late indicators, longest unmeasured first."""
    rng = random.Random(SEED + 1)
    indicators = generated_world(rng)
    alliance_ids = sorted({i.objective.alliance_id for i in indicators})
    seen = 0
    for today in [datetime.date(2026, 3, 2), datetime.date(2026, 7, 1), datetime.date(2027, 1, 1)]:
        on(today)
        for chunk in (alliance_ids[:10], alliance_ids[10:40], alliance_ids):
            by_ids = selectors.stale_indicators(chunk)
            by_queryset = selectors.stale_indicators(Alliance.objects.filter(pk__in=chunk))
            assert by_ids == by_queryset, today
            assert [i.last_period_end for i in by_ids] == [i.last_period_end for i in by_queryset]
            seen += len(by_ids)
    assert seen > 10  # late indicators were found, not two empty lists compared


@pytest.fixture
def monthly(alliance):
    """A monthly indicator of ``alliance`` measured for January 2026 only."""
    indicator = IndicatorFactory(
        objective=ObjectiveFactory(alliance=alliance),
        responsible_actor=alliance.memberships.get().actor,
        frequency=Frequency.MONTHLY,
        name="Hogares con agua clorada",
    )
    MeasurementFactory(
        indicator=indicator,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 1, 31),
    )
    return indicator


def surfaces(client, alliance, coordinator, django_capture_on_commit_callbacks) -> dict:
    """Where a late value shows: the dashboard, the monitoring page and the reminders."""
    client.force_login(coordinator)
    dashboard = client.get(reverse("fases:dashboard")).content.decode()
    page = client.get(reverse("seguimiento:monitoring", args=[alliance.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.sweep()
    return {
        "stale": selectors.stale_indicators([alliance.pk]),
        "dashboard": dashboard,
        "late": monitoring.alliance_monitoring(alliance, alliance.cycle).late_indicators,
        "page": page.content.decode(),
        "reminded": list(
            Reminder.objects.filter(rule__startswith="measurement")
            .order_by("rule")
            .values_list("recipient__username", "rule", "period")
        ),
    }


@pytest.mark.parametrize("phase", [Phase.MONITORING, Phase.EVALUATION])
def test_on_2_march_a_value_missing_for_february_is_late_on_every_surface(
    phase,
    on,
    client,
    alliance,
    coordinator,
    member_representative,
    monthly,
    django_capture_on_commit_callbacks,
):
    Alliance.objects.filter(pk=alliance.pk).update(phase=phase)
    alliance.refresh_from_db()
    on(datetime.date(2026, 3, 2))

    seen = surfaces(client, alliance, coordinator, django_capture_on_commit_callbacks)

    assert seen["stale"] == [monthly]
    assert monthly.name in seen["dashboard"]
    [late] = seen["late"]
    assert late.indicator == monthly
    assert (late.period.start, late.period.end) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )
    assert f'href="#indicator-{monthly.pk}"' in seen["page"]
    assert seen["reminded"] == [
        (member_representative.username, ReminderRule.MEASUREMENT_MISSING, "2026-02-01")
    ]

    on(datetime.date(2026, 3, 9))  # the grace period is over: the coordinators too
    with django_capture_on_commit_callbacks(execute=True):
        reminders.sweep()
    assert Reminder.objects.get(rule=ReminderRule.MEASUREMENT_ESCALATION).recipient == (coordinator)


@pytest.mark.parametrize(
    ("phase", "day", "february_measured"),
    [
        (Phase.MONITORING, datetime.date(2026, 2, 28), False),  # February has not ended
        (Phase.MONITORING, datetime.date(2026, 3, 2), True),  # its value is in
        (Phase.IMPLEMENTATION, datetime.date(2026, 3, 2), False),  # not monitored yet
        (Phase.CLOSED, datetime.date(2026, 3, 2), False),
    ],
)
def test_and_nowhere_when_it_is_not(
    phase,
    day,
    february_measured,
    on,
    client,
    alliance,
    coordinator,
    monthly,
    django_capture_on_commit_callbacks,
):
    Alliance.objects.filter(pk=alliance.pk).update(phase=phase)
    alliance.refresh_from_db()
    if february_measured:
        MeasurementFactory(
            indicator=monthly,
            period_start=datetime.date(2026, 2, 1),
            period_end=datetime.date(2026, 2, 28),
        )
    on(day)

    seen = surfaces(client, alliance, coordinator, django_capture_on_commit_callbacks)

    assert seen["stale"] == []
    assert monthly.name not in seen["dashboard"]
    assert seen["late"] == []
    assert (
        f'href="#indicator-{monthly.pk}"'
        not in seen["page"].split('id="late"')[1].split("</section>")[0]
    )
    assert seen["reminded"] == []


def test_a_cycle_begun_mid_period_owes_that_period_and_not_the_ones_before(on, alliance, monthly):
    """The second cycle began on 15 February: February's value is due on 2 March, and a
    value January never got is no longer asked for."""
    Measurement.objects.filter(indicator=monthly).delete()
    Alliance.objects.filter(pk=alliance.pk).update(phase=Phase.MONITORING, cycle=2)
    change(alliance, "continue_cycle", 2, datetime.datetime(2026, 2, 15, 10, tzinfo=LIMA))
    monthly.refresh_from_db()

    assert late_period(monthly, datetime.date(2026, 2, 10)) is None  # January: cycle 1's
    assert late_period(monthly, datetime.date(2026, 3, 2)).start == datetime.date(2026, 2, 1)
    for today in (datetime.date(2026, 2, 10), datetime.date(2026, 3, 2)):
        assert set(Indicator.objects.filter(late_q(today))) == (
            {monthly} if late_period(monthly, today) else set()
        )


def test_a_cycle_begun_late_in_the_evening_began_that_day():
    """At 23:30 in Lima on 31 March it is already 1 April in UTC: the cycle began on
    31 March all the same, so March's value (and the first quarter's) is owed."""
    alliance = AllianceFactory(start_date=datetime.date(2025, 1, 1))
    Alliance.objects.filter(pk=alliance.pk).update(phase=Phase.MONITORING, cycle=2)
    change(alliance, "continue_cycle", 2, datetime.datetime(2026, 3, 31, 23, 30, tzinfo=LIMA))
    objective = ObjectiveFactory(alliance=alliance)
    owing = {
        IndicatorFactory(objective=objective, frequency=frequency)
        for frequency in (Frequency.MONTHLY, Frequency.QUARTERLY)
    }
    IndicatorFactory(objective=objective, frequency=Frequency.ANNUAL)  # 2025: cycle 1's
    indicators = Indicator.objects.select_related("objective__alliance")

    for today, late in ((datetime.date(2026, 4, 1), owing), (datetime.date(2026, 3, 31), set())):
        assert {i for i in indicators if late_period(i, today)} == late
        assert set(Indicator.objects.filter(late_q(today))) == late
        assert late_by_sql(today) == {i.pk for i in late}
