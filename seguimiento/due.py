"""When an indicator's value is late: one rule, in the three forms its readers need.

The rule: an indicator with a frequency is late when it has no value for the last of its
reporting periods that has ended (``last_ended_period``), that period belongs to the
alliance's current cycle (it ends on or after the day the cycle began,
``alianzas.cycles.cycle_started_on``; a cycle that begins mid-period still owes that
period's value, as ``seguimiento.services.reportable_periods`` offers it), and the
alliance is in ``MONITORING_PHASES`` (Monitoreo and Evaluación). A value counts for the
period if it was reported for a period starting within it.

- ``late_period``: for one indicator, in Python (the rule as read; a few queries);
- ``late_q``: as a condition on indicators, for the ORM (the dashboard's stale list, the
  monitoring pages and the portfolio);
- ``late_sql``: as SQL for one frequency, for the reminders' ``INSERT … SELECT``; its
  condition, for every frequency at once, in ``late_indicator_ids`` for the few alliances
  a page shows (the dashboard's stale list, the monitoring page), where building ``late_q``
  would cost more than the query.

``tests/test_late_rule.py`` runs the three over generated indicators and dates and
checks that they pick the same ones.
"""

import datetime
import operator
import re
from functools import reduce

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from alianzas import compiled
from alianzas.cycles import cycle_started_on
from alianzas.lifecycle import MONITORING_PHASES, NEW_CYCLE_TRANSITIONS
from alianzas.models import Alliance, Frequency, Indicator, Objective, PhaseChange
from seguimiento.models import Measurement
from seguimiento.periods import Period, period_containing


def last_ended_period(frequency: str, today: datetime.date) -> Period:
    """The most recent period of ``frequency`` that has ended by ``today``."""
    current = period_containing(frequency, today)
    return period_containing(frequency, current.start - datetime.timedelta(days=1))


def _end_of(day: datetime.date) -> datetime.datetime:
    """The first moment after ``day`` in the current time zone: a time stamp is on or
    before ``day`` (its local date) if and only if it is earlier than this."""
    following = day + datetime.timedelta(days=1)
    return datetime.datetime.combine(following, datetime.time(), timezone.get_current_timezone())


# --- In Python, for one indicator ----------------------------------------------------


def late_period(indicator: Indicator, today: datetime.date) -> Period | None:
    """The period whose value ``indicator`` still owes on ``today``, or None."""
    if not indicator.frequency:
        return None
    alliance = indicator.objective.alliance
    if alliance.phase not in MONITORING_PHASES:
        return None
    period = last_ended_period(indicator.frequency, today)
    if period.end < cycle_started_on(alliance):
        return None
    measured = Measurement.objects.filter(
        indicator=indicator, period_start__range=(period.start, period.end)
    )
    return None if measured.exists() else period


# --- For the ORM: a condition on indicators -------------------------------------------


def late_q(today: datetime.date) -> Q:
    """Indicators late on ``today`` (filter ``Indicator`` rows with it)."""
    alliance = "objective__alliance"
    # The changes of phase that began the alliance's current cycle (none in the first).
    began = PhaseChange.objects.filter(
        alliance=OuterRef(alliance),
        cycle=OuterRef(f"{alliance}__cycle"),
        transition__in=NEW_CYCLE_TRANSITIONS,
    )
    later_cycle = Q(**{f"{alliance}__cycle__gt": 1})
    late = []
    for frequency in Frequency.values:
        period = last_ended_period(frequency, today)
        end = _end_of(period.end)
        began_by_the_end = later_cycle & Exists(began.filter(created_at__lt=end))
        started_by_the_end = Q(**{f"{alliance}__start_date__lte": period.end}) | Q(
            **{f"{alliance}__start_date__isnull": True, f"{alliance}__created_at__lt": end}
        )
        in_cycle = began_by_the_end | (~(later_cycle & Exists(began)) & started_by_the_end)
        measured = Measurement.objects.filter(
            indicator=OuterRef("pk"), period_start__range=(period.start, period.end)
        )
        late.append(Q(frequency=frequency) & in_cycle & ~Exists(measured))
    return Q(**{f"{alliance}__phase__in": MONITORING_PHASES}) & reduce(operator.or_, late)


# --- In SQL, for the reminders ---------------------------------------------------------


def placeholders(name: str, values, params: dict) -> str:
    """``%(name_0)s, %(name_1)s, …`` for an ``IN (…)`` list, binding ``values`` in
    ``params``; ``NULL`` (which nothing equals) when there are none."""
    names = [f"{name}_{index}" for index in range(len(values))]
    params.update(zip(names, (str(value) for value in values), strict=True))
    return ", ".join(f"%({n})s" for n in names) or "NULL"


def late_sql(
    frequency: str, today: datetime.date, *, indicator: str = "i", alliance: str = "a"
) -> tuple[str, dict, Period]:
    """A WHERE condition true for the indicators of ``frequency`` late on ``today``, its
    parameters (named ``late_…``) and the period they owe.

    ``indicator`` and ``alliance`` are the statement's aliases of the indicator's table and
    its alliance's. The first day of the current cycle is not computed: a cycle began by a
    change of phase is in time for the period if the change was made before the end of
    the period's last day; otherwise the alliance's start date (or the time it was
    registered) is compared, as ``cycle_started_on`` does.
    """
    period, values = _owed_period(frequency, today)
    names = ("late_frequency", "late_period_start", "late_period_end", "late_end")
    params = dict(zip(names, values, strict=True))
    sql = _late_where(
        params,
        indicator=indicator,
        alliance=alliance,
        frequency="%(late_frequency)s",
        start="%(late_period_start)s",
        end="%(late_period_end)s",
        after="%(late_end)s",
    )
    return sql, params, period


def _owed_period(frequency: str, today: datetime.date) -> tuple[Period, list]:
    """The period that indicators of ``frequency`` owe on ``today``, and what a statement
    binds of it: the frequency, its first and last days, and the first moment after it."""
    period = last_ended_period(frequency, today)
    adapt_date = connection.ops.adapt_datefield_value
    adapt_datetime = connection.ops.adapt_datetimefield_value
    values = [
        str(frequency),
        adapt_date(period.start),
        adapt_date(period.end),
        adapt_datetime(_end_of(period.end)),
    ]
    return period, values


def _late_where(
    params: dict, *, indicator: str, alliance: str, frequency: str, start: str, end: str, after: str
) -> str:
    """The rule as a WHERE condition: ``frequency``, ``start``, ``end`` and ``after`` (the
    first moment after the period's last day) are SQL expressions of the owed period, bound
    parameters (``late_sql``) or a row of every frequency's periods (``late_indicator_ids``).
    The phases and the transitions are bound in ``params``."""
    if not (indicator.isidentifier() and alliance.isidentifier()):
        raise ValueError("The aliases must be SQL identifiers.")
    phases = placeholders("late_phase", MONITORING_PHASES, params)
    transitions = placeholders("late_transition", NEW_CYCLE_TRANSITIONS, params)
    changes = PhaseChange._meta.db_table
    measurements = Measurement._meta.db_table
    # Identifiers only (aliases, Model._meta.db_table and the callers' fixed expressions);
    # every value is a parameter.
    return f"""
        {indicator}.frequency = {frequency}
        AND {alliance}.phase IN ({phases})
        AND COALESCE(
            (SELECT MIN(pc.created_at) FROM {changes} pc
             WHERE pc.alliance_id = {alliance}.id AND pc.cycle = {alliance}.cycle
               AND {alliance}.cycle > 1 AND pc.transition IN ({transitions}))
                < {after},
            {alliance}.start_date <= {end},
            {alliance}.created_at < {after}
        )
        AND NOT EXISTS (
            SELECT 1 FROM {measurements} m
            WHERE m.indicator_id = {indicator}.id
              AND m.period_start BETWEEN {start} AND {end}
        )
    """  # nosec B608 - identifiers only (checked aliases, db_table names); values bound


def late_indicator_ids(alliance_ids, today: datetime.date) -> list[int]:
    """The late indicators of a few alliances (a person's, one page's), in one statement
    (``late_indicators_sql``)."""
    alliance_ids = list(alliance_ids)
    if not alliance_ids:
        return []
    sql, params = late_indicators_sql(alliance_ids, today)
    with connection.cursor() as cursor:
        # Its text is the same for as many alliances: prepared, it is planned once.
        compiled.execute(cursor, sql, params)
        return [row[0] for row in cursor.fetchall()]


def late_indicators_sql(alliance_ids: list[int], today: datetime.date) -> tuple[str, list]:
    """A statement selecting the ids of the late indicators of a few (at least one)
    alliances, and its parameters (positional, so that it also serves as ``RawSQL`` in an
    ORM query's ``pk__in``): each indicator joined with the period its frequency owes (a row
    of every frequency's last ended period, as ``late_sql`` binds one), under ``late_sql``'s
    condition. ``late_q`` says the same for the ORM, but building its expression (two
    subqueries per frequency through the alliance) costs about 10 ms of Python on every
    page that asks; this costs none, and one join (not one branch of the statement a
    frequency, joined with ``UNION ALL``) is quick to plan: about 0.5 ms, not 1.5."""
    params: dict = {}
    scope = placeholders("scope", alliance_ids, params)
    rows = []
    for number, frequency in enumerate(Frequency.values):
        _period, values = _owed_period(frequency, today)
        names = (f"f{number}_{name}" for name in ("frequency", "start", "end", "after"))
        params.update(zip(names, values, strict=True))
        rows.append(
            f"SELECT %(f{number}_frequency)s AS frequency, %(f{number}_start)s AS period_start, "
            f"%(f{number}_end)s AS period_end, %(f{number}_after)s AS period_after"
        )
    late = _late_where(
        params,
        indicator="i",
        alliance="a",
        frequency="p.frequency",
        start="p.period_start",
        end="p.period_end",
        after="p.period_after",
    )
    sql = (
        f"SELECT i.id FROM {Indicator._meta.db_table} i "
        f"JOIN {Objective._meta.db_table} o ON o.id = i.objective_id "
        f"JOIN {Alliance._meta.db_table} a ON a.id = o.alliance_id "
        f"JOIN ({' UNION ALL '.join(rows)}) p "
        f"ON p.frequency = i.frequency "
        f"WHERE o.alliance_id IN ({scope}) AND {late}"
    )  # nosec B608 - identifiers only (db_table, fixed aliases); values bound
    return _positional(sql, params)


def _positional(sql: str, named: dict) -> tuple[str, list]:
    """``sql`` with its named parameters (``%(name)s``) made positional (``%s``, as the
    ORM's ``RawSQL`` takes them), and their values in order."""
    params = []

    def positional(match):
        params.append(named[match.group(1)])
        return "%s"

    return re.sub(r"%\((\w+)\)s", positional, sql), params


def late_condition(today: datetime.date, *, indicator: str = "i", alliance: str = "a"):
    """``late_sql`` of every frequency as one condition with positional parameters (``%s``,
    as the ORM's ``RawSQL`` takes them) and those parameters: for counting late indicators
    inside an ORM query without building ``late_q`` (about 10 ms of Python a page)."""
    parts, params = [], []
    for frequency in Frequency.values:
        sql, named, _period = late_sql(frequency, today, indicator=indicator, alliance=alliance)
        sql, values = _positional(sql, named)
        parts.append(f"({sql})")
        params.extend(values)
    return " OR ".join(parts), params


def late_count_sql(where: str, where_params, today: datetime.date):
    """A statement counting the late indicators of the alliances chosen by ``where`` (a
    condition on ``o.alliance_id``, the indicator's objective's alliance) and its
    parameters: a scalar subquery for ``RawSQL`` or a statement of its own."""
    late, params = late_condition(today)
    sql = (
        f"SELECT COUNT(*) FROM {Indicator._meta.db_table} i "
        f"JOIN {Objective._meta.db_table} o ON o.id = i.objective_id "
        f"JOIN {Alliance._meta.db_table} a ON a.id = o.alliance_id "
        f"WHERE {where} AND ({late})"
    )  # nosec B608 - identifiers only (db_table, checked aliases); values bound
    return sql, [*where_params, *params]
