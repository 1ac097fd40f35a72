"""What is due: the reminder rules, one function per row of the README's table, each
giving the SELECT of (recipient_id, rule, object_id, period, alliance_id) due on a day;
``record_due_reminders`` inserts what they select with one ``INSERT … SELECT`` per query.

Every value from data or settings (dates, the policy's values, phases, statuses) is a
bound parameter; the statements are assembled from identifiers only: table names
(``Model._meta.db_table``), aliases and the policy's field names.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import connection, transaction

from alianzas import generations
from alianzas.lifecycle import Phase
from alianzas.models import Actor, Alliance, Frequency, Indicator, Membership, Objective, User
from seguimiento.due import late_sql, placeholders
from seguimiento.models import (
    OPEN_STATUSES,
    Commitment,
    HealthCheck,
    Reminder,
    ReminderPolicy,
    ReminderRule,
)

DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class DueQuery:
    """A SELECT of (recipient_id, rule, object_id, period, alliance_id) due now."""

    rule: str
    sql: str
    params: dict


@dataclass(frozen=True)
class Day:
    """What every rule's query needs: the day, the parameters every statement binds (the
    day and the global policy's values) and, for the index ranges, the widest and the
    narrowest value of each policy field over every policy."""

    today: datetime.date
    params: dict
    widest: dict
    narrowest: dict


def _tables() -> dict[str, str]:
    return {
        "policy": ReminderPolicy._meta.db_table,
        "commitment": Commitment._meta.db_table,
        "alliance": Alliance._meta.db_table,
        "user": User._meta.db_table,
        "representatives": Actor.representatives.through._meta.db_table,
        "coordinators": Alliance.coordinators.through._meta.db_table,
        "indicator": Indicator._meta.db_table,
        "objective": Objective._meta.db_table,
        "membership": Membership._meta.db_table,
        "health_check": HealthCheck._meta.db_table,
    }


def _days_from_today(column: str) -> str:
    """SQL for the number of days from today to the date in ``column`` (negative if past)."""
    if connection.vendor == "postgresql":
        return f"({column} - %(today)s)"
    return f"CAST(julianday({column}) - julianday(%(today)s) AS INTEGER)"


def _iso(column: str) -> str:
    """SQL for the date in ``column`` as YYYY-MM-DD text."""
    if connection.vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM-DD')"
    return f"date({column})"


def _policy(name: str) -> str:
    """SQL for the alliance's value of policy field ``name`` (one of
    ``ReminderPolicy.DEFAULTS``): its own row's, or the global one (a parameter)."""
    if name not in ReminderPolicy.DEFAULTS:
        raise ValueError(name)
    return f"COALESCE(p.{name}, %(global_{name})s)"


def policy_parameters() -> dict:
    """The global policy's values and, for the index ranges, the widest of every policy."""
    global_values = ReminderPolicy.global_values()
    widest = dict(global_values)
    narrowest = dict(global_values)
    overrides = ReminderPolicy.objects.filter(alliance__isnull=False).values(
        *ReminderPolicy.DEFAULTS
    )
    for row in overrides:
        for name, value in row.items():
            if value is not None:
                widest[name] = max(widest[name], value)
                narrowest[name] = min(narrowest[name], value)
    params = {f"global_{name}": value for name, value in global_values.items()}
    params["widest"] = widest
    params["narrowest"] = narrowest
    return params


def _day_of(today: datetime.date) -> Day:
    policy = policy_parameters()
    widest, narrowest = policy.pop("widest"), policy.pop("narrowest")
    params = {
        "today": connection.ops.adapt_datefield_value(today),
        "closed": Phase.CLOSED.value,
        **policy,
    }
    return Day(today, params, widest, narrowest)


# --- Commitments ----------------------------------------------------------------------


def _commitments(day: Day, rule, *, to: str, condition: str, period: str, first, last) -> DueQuery:
    """The open commitments due between ``first`` and ``last`` (the range uses the
    (status, due_date) index) that meet ``condition`` (which applies each alliance's own
    policy), for their actor's representatives or their alliance's coordinators."""
    t = _tables()
    recipients = (
        f"JOIN {t['representatives']} k ON k.actor_id = c.actor_id"
        if to == "representatives"
        else f"JOIN {t['coordinators']} k ON k.alliance_id = c.alliance_id"
    )
    adapt_date = connection.ops.adapt_datefield_value
    params = {
        **day.params,
        "rule": str(rule),
        "first": adapt_date(first),
        "last": adapt_date(last),
    }
    statuses = placeholders("open", OPEN_STATUSES, params)
    sql = f"""
        SELECT DISTINCT k.user_id AS recipient_id, %(rule)s AS rule, c.id AS object_id,
               {period} AS period, c.alliance_id AS alliance_id
        FROM {t["commitment"]} c
        JOIN {t["alliance"]} a ON a.id = c.alliance_id
        LEFT JOIN {t["policy"]} p ON p.alliance_id = c.alliance_id
        {recipients}
        JOIN {t["user"]} u ON u.id = k.user_id
        WHERE c.status IN ({statuses})
          AND c.due_date >= %(first)s AND c.due_date <= %(last)s
          AND a.phase <> %(closed)s
          AND u.is_active
          AND {condition}
    """  # nosec B608 - identifiers only (db_table, aliases, policy fields); values bound
    return DueQuery(rule, sql, params)


def due_soon(day: Day, build, rule: str, *, to: str, due_column: str) -> list[DueQuery]:
    """The two notices before a due date: the first (unless the last is already due) and the
    last, once per due date and notice. ``build`` writes one rule's query for its kind of
    row (commitments here, action points on the floor above); ``due_column`` is its date."""
    days = _days_from_today(due_column)
    due = _iso(due_column)
    return [
        build(
            day,
            rule,
            to=to,
            condition=f"{days} <= {_policy('first_notice_days')}"
            f" AND {days} > {_policy('last_notice_days')}",
            period=f"{due} || ':first'",
            first=day.today + DAY,
            last=day.today + day.widest["first_notice_days"] * DAY,
        ),
        build(
            day,
            rule,
            to=to,
            condition=f"{days} > 0 AND {days} <= {_policy('last_notice_days')}",
            period=f"{due} || ':last'",
            first=day.today + DAY,
            last=day.today + day.widest["last_notice_days"] * DAY,
        ),
    ]


def commitment_due_soon(day: Day) -> list[DueQuery]:
    """A commitment falls due soon: its representatives, at the first notice (unless the
    last one is already due) and at the last, once per due date and notice."""
    return due_soon(
        day,
        _commitments,
        ReminderRule.COMMITMENT_DUE_SOON,
        to="representatives",
        due_column="c.due_date",
    )


def commitment_overdue(day: Day) -> list[DueQuery]:
    """A commitment is overdue (for at most the lookback): its representatives, once per
    due date."""
    days = _days_from_today("c.due_date")
    return [
        _commitments(
            day,
            ReminderRule.COMMITMENT_OVERDUE,
            to="representatives",
            condition=f"{days} < 0 AND {days} >= -{_policy('lookback_days')}",
            period=_iso("c.due_date"),
            first=day.today - day.widest["lookback_days"] * DAY,
            last=day.today - DAY,
        )
    ]


def commitment_escalation(day: Day) -> list[DueQuery]:
    """Still overdue after the grace period: the alliance's coordinators, once per due
    date."""
    days = _days_from_today("c.due_date")
    return [
        _commitments(
            day,
            ReminderRule.COMMITMENT_ESCALATION,
            to="coordinators",
            condition=f"{days} <= -{_policy('grace_days')}"
            f" AND {days} >= -{_policy('lookback_days')}",
            period=_iso("c.due_date"),
            first=day.today - day.widest["lookback_days"] * DAY,
            last=day.today - day.narrowest["grace_days"] * DAY,
        )
    ]


# --- Indicator values -----------------------------------------------------------------


def _late_values(day: Day, rule, *, to: str, after_grace: bool) -> list[DueQuery]:
    """The indicators whose value is late (``seguimiento.due``: one query per frequency,
    each owing the last period of its frequency that has ended), once per period."""
    t = _tables()
    recipients = (
        f"JOIN {t['representatives']} k ON k.actor_id = i.responsible_actor_id"
        if to == "representatives"
        else f"JOIN {t['coordinators']} k ON k.alliance_id = o.alliance_id"
    )
    queries = []
    for frequency in Frequency.values:
        late, late_params, period = late_sql(frequency, day.today, indicator="i", alliance="a")
        grace = f"AND %(days_since_end)s >= {_policy('grace_days')}" if after_grace else ""
        sql = f"""
            SELECT DISTINCT k.user_id AS recipient_id, %(rule)s AS rule,
                   i.id AS object_id, %(period)s AS period, o.alliance_id AS alliance_id
            FROM {t["indicator"]} i
            JOIN {t["objective"]} o ON o.id = i.objective_id
            JOIN {t["alliance"]} a ON a.id = o.alliance_id
            LEFT JOIN {t["policy"]} p ON p.alliance_id = o.alliance_id
            {recipients}
            JOIN {t["user"]} u ON u.id = k.user_id
            WHERE u.is_active
              AND {late}
              {grace}
        """  # nosec B608 - identifiers only (db_table, aliases, policy fields); values bound
        params = {
            **day.params,
            **late_params,
            "rule": str(rule),
            "period": period.start.isoformat(),
            "days_since_end": (day.today - period.end).days,
        }
        queries.append(DueQuery(rule, sql, params))
    return queries


def measurement_missing(day: Day) -> list[DueQuery]:
    """An indicator's value for its last ended period is missing: the responsible actor's
    representatives, once per period."""
    return _late_values(
        day, ReminderRule.MEASUREMENT_MISSING, to="representatives", after_grace=False
    )


def measurement_escalation(day: Day) -> list[DueQuery]:
    """Still missing after the grace period (counted from the period's end): the
    alliance's coordinators, once per period."""
    return _late_values(
        day, ReminderRule.MEASUREMENT_ESCALATION, to="coordinators", after_grace=True
    )


# --- Alliances ------------------------------------------------------------------------


def health_check_not_answered(day: Day) -> list[DueQuery]:
    """An alliance in Monitoreo whose health check of this cycle a member actor has not
    answered: that actor's representatives, once per cycle."""
    t = _tables()
    params = {
        **day.params,
        "rule": str(ReminderRule.HEALTH_CHECK),
        "monitoring": Phase.MONITORING.value,
    }
    sql = f"""
        SELECT DISTINCT k.user_id AS recipient_id, %(rule)s AS rule, a.id AS object_id,
               'cycle-' || a.cycle AS period, a.id AS alliance_id
        FROM {t["alliance"]} a
        JOIN {t["membership"]} ms ON ms.alliance_id = a.id AND ms.left_on IS NULL
        JOIN {t["representatives"]} k ON k.actor_id = ms.actor_id
        JOIN {t["user"]} u ON u.id = k.user_id
        WHERE a.phase = %(monitoring)s
          AND u.is_active
          AND NOT EXISTS (
              SELECT 1 FROM {t["health_check"]} h
              WHERE h.alliance_id = a.id AND h.cycle = a.cycle AND h.actor_id = ms.actor_id
          )
    """  # nosec B608 - identifiers only (db_table and aliases); values bound
    return [DueQuery(ReminderRule.HEALTH_CHECK, sql, params)]


def weekly_summary(day: Day) -> list[DueQuery]:
    """The coordinators' weekly summary of each alliance not closed: once a week, from the
    policy's day on."""
    t = _tables()
    monday = day.today - day.today.weekday() * DAY
    params = {
        **day.params,
        "rule": str(ReminderRule.WEEKLY_DIGEST),
        "week": monday.isoformat(),
        "weekday": day.today.weekday(),
    }
    sql = f"""
        SELECT DISTINCT k.user_id AS recipient_id, %(rule)s AS rule, a.id AS object_id,
               %(week)s AS period, a.id AS alliance_id
        FROM {t["alliance"]} a
        JOIN {t["coordinators"]} k ON k.alliance_id = a.id
        JOIN {t["user"]} u ON u.id = k.user_id
        LEFT JOIN {t["policy"]} p ON p.alliance_id = a.id
        WHERE a.phase <> %(closed)s
          AND u.is_active
          AND {_policy("digest_weekday")} <= %(weekday)s
    """  # nosec B608 - identifiers only (db_table, aliases, policy fields); values bound
    return [DueQuery(ReminderRule.WEEKLY_DIGEST, sql, params)]


# The README's table, row by row.
RULES = (
    commitment_due_soon,
    commitment_overdue,
    commitment_escalation,
    measurement_missing,
    measurement_escalation,
    health_check_not_answered,
    weekly_summary,
)


# Rows of the table whose objects live on a floor above (the committee's action points in
# ``fases``): registered there in ``AppConfig.ready()`` (``register_rule``), never named here.
_registered_rules = []


def register_rule(function) -> None:
    """Called by a floor above in its ``ready()``: ``function(day)`` returns a list of
    ``DueQuery`` like the functions of ``RULES`` (it may build them with ``days_from_today``,
    ``iso``, ``policy`` and ``policy_tables``), recorded by the same sweep under the same
    unique constraint, so exactly once."""
    if function not in _registered_rules:
        _registered_rules.append(function)


# The helpers the registered rules build their statements with.
days_from_today = _days_from_today
iso = _iso
policy = _policy
policy_tables = _tables


def due_queries(today: datetime.date) -> list[DueQuery]:
    """Every rule's SELECT of the reminders due ``today``."""
    day = _day_of(today)
    return [query for rule in (*RULES, *_registered_rules) for query in rule(day)]


# --- Recording them ---------------------------------------------------------------------


def _not_recorded(query: DueQuery) -> str:
    return f"""
        FROM ({query.sql}) due
        WHERE NOT EXISTS (
            SELECT 1 FROM {Reminder._meta.db_table} r
            WHERE r.recipient_id = due.recipient_id AND r.rule = due.rule
              AND r.object_id = due.object_id AND r.period = due.period
        )
    """  # nosec B608 - a rule's SELECT and a db_table; values bound by the caller


@dataclass(frozen=True)
class Recording:
    """One rule's ``INSERT … SELECT`` of the reminders it finds due, ready to execute."""

    rule: str
    sql: str
    params: dict


def recording_statements(*, today: datetime.date, now: datetime.datetime):
    """The statements ``record_due_reminders`` executes, one per query of ``due_queries``
    and in its order. The sweep benchmark runs these same statements bare, in one
    transaction, as the sweep's floor."""
    table = Reminder._meta.db_table
    for query in due_queries(today):
        sql = f"""
            INSERT INTO {table}
                (recipient_id, rule, object_id, period, alliance_id, created_at, email_status)
            SELECT due.recipient_id, due.rule, due.object_id, due.period, due.alliance_id,
                   %(now)s, %(pending)s
            {_not_recorded(query)}
            ON CONFLICT DO NOTHING
        """  # nosec B608 - a rule's SELECT and a db_table; values bound
        params = {
            **query.params,
            "now": connection.ops.adapt_datetimefield_value(now),
            "pending": Reminder.Email.PENDING,
        }
        yield Recording(query.rule, sql, params)


def record_due_reminders(*, today: datetime.date, now: datetime.datetime) -> Counter:
    """Insert every reminder due ``today`` that is not recorded yet; the count per rule.

    NOT EXISTS skips what earlier sweeps recorded without touching it; ON CONFLICT
    covers a concurrent sweep inserting the same rows at the same moment.
    """
    recorded = Counter()
    for statement in recording_statements(today=today, now=now):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.sql, statement.params)
            recorded[statement.rule] += max(cursor.rowcount, 0)
    if recorded.total():
        # The unread counts in everyone's navigation (recipients are not read back).
        generations.notices_changed()
    return recorded


def due_now(*, today: datetime.date) -> dict[int, Counter]:
    """What ``record_due_reminders`` would insert, by recipient and rule; writes nothing."""
    due: dict[int, Counter] = defaultdict(Counter)
    for query in due_queries(today):
        sql = f"SELECT due.recipient_id, due.rule, COUNT(*) {_not_recorded(query)}"
        sql += " GROUP BY due.recipient_id, due.rule"
        with connection.cursor() as cursor:
            cursor.execute(sql, query.params)
            for recipient_id, rule, count in cursor.fetchall():
                due[recipient_id][rule] += count
    return due
