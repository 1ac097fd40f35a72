"""The action points' rows of the reminder table (registered in ``FasesConfig.ready()``).

Like the commitments' rules (``seguimiento.reminders.rules``): one ``INSERT … SELECT`` per
query under the reminders' unique constraint (recipient, rule, object, period), so each is
recorded exactly once and e-mailed through the same outbox. An action point is owed by one
person, so its notices go to that person (not to every representative of the actor); the
escalation goes to the alliance's coordinators. The lead times, the grace period and how
far back overdue items are reminded are the reminder policy's, as for commitments.
"""

import datetime

from django.db import connection
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fases.models import ActionPoint
from seguimiento.models import ReminderRule
from seguimiento.reminders import Item, rules

DAY = datetime.timedelta(days=1)
ACTION_POINT_RULES = {
    ReminderRule.ACTION_POINT_DUE_SOON,
    ReminderRule.ACTION_POINT_OVERDUE,
    ReminderRule.ACTION_POINT_ESCALATION,
}


def _action_points(day, rule, *, to: str, condition: str, period: str, first, last):
    t = rules.policy_tables()
    if to == "owner":
        recipients = "JOIN {user} u ON u.id = ap.owner_id".format(user=t["user"])
        recipient = "ap.owner_id"
    else:
        recipients = (
            f"JOIN {t['coordinators']} k ON k.alliance_id = ap.alliance_id "
            f"JOIN {t['user']} u ON u.id = k.user_id"
        )
        recipient = "k.user_id"
    adapt = connection.ops.adapt_datefield_value
    params = {
        **day.params,
        "rule": str(rule),
        "open": ActionPoint.Status.OPEN.value,
        "first": adapt(first),
        "last": adapt(last),
    }
    sql = f"""
        SELECT DISTINCT {recipient} AS recipient_id, %(rule)s AS rule, ap.id AS object_id,
               {period} AS period, ap.alliance_id AS alliance_id
        FROM {ActionPoint._meta.db_table} ap
        JOIN {t["alliance"]} a ON a.id = ap.alliance_id
        LEFT JOIN {t["policy"]} p ON p.alliance_id = ap.alliance_id
        {recipients}
        WHERE ap.status = %(open)s
          AND ap.due_date >= %(first)s AND ap.due_date <= %(last)s
          AND a.phase <> %(closed)s
          AND u.is_active
          AND {condition}
    """  # nosec B608 - identifiers only (db_table, aliases, policy fields); values bound
    return rules.DueQuery(str(rule), sql, params)


def action_point_due_soon(day) -> list:
    """An action point falls due soon: its owner, at the first and the last notice, once
    per due date and notice (the same notices as a commitment's)."""
    return rules.due_soon(
        day,
        _action_points,
        ReminderRule.ACTION_POINT_DUE_SOON,
        to="owner",
        due_column="ap.due_date",
    )


def action_point_overdue(day) -> list:
    """An action point is overdue (for at most the look-back): its owner, once per due
    date."""
    days = rules.days_from_today("ap.due_date")
    return [
        _action_points(
            day,
            ReminderRule.ACTION_POINT_OVERDUE,
            to="owner",
            condition=f"{days} < 0 AND {days} >= -{rules.policy('lookback_days')}",
            period=rules.iso("ap.due_date"),
            first=day.today - day.widest["lookback_days"] * DAY,
            last=day.today - DAY,
        )
    ]


def action_point_escalation(day) -> list:
    """Still overdue after the grace period: the alliance's coordinators, once per due
    date."""
    days = rules.days_from_today("ap.due_date")
    return [
        _action_points(
            day,
            ReminderRule.ACTION_POINT_ESCALATION,
            to="coordinators",
            condition=f"{days} <= -{rules.policy('grace_days')}"
            f" AND {days} >= -{rules.policy('lookback_days')}",
            period=rules.iso("ap.due_date"),
            first=day.today - day.widest["lookback_days"] * DAY,
            last=day.today - day.narrowest["grace_days"] * DAY,
        )
    ]


RULES = (action_point_due_soon, action_point_overdue, action_point_escalation)


# --- In words ---------------------------------------------------------------------------


def load(ids) -> dict:
    return ActionPoint.objects.select_related("owner", "owner_actor").in_bulk(ids)


def describe(reminder, alliance, point: ActionPoint, today: datetime.date) -> Item | None:
    values = {
        "owner": point.owner,
        "actor": point.owner_actor,
        "alliance": alliance.name,
        "date": date_format(point.due_date, "DATE_FORMAT"),
        "days": abs((point.due_date - today).days),
    }
    if reminder.rule == ReminderRule.ACTION_POINT_DUE_SOON:
        detail = _("Action point of %(owner)s (%(actor)s), in %(alliance)s: due on %(date)s.")
    else:
        detail = ngettext(
            "Action point of %(owner)s (%(actor)s), in %(alliance)s: due on %(date)s, "
            "overdue by %(days)s day.",
            "Action point of %(owner)s (%(actor)s), in %(alliance)s: due on %(date)s, "
            "overdue by %(days)s days.",
            values["days"],
        )
    url = reverse("fases:governance", args=[alliance.pk]) + f"#action-point-{point.pk}"
    return Item(reminder, Truncator(point.description).chars(100), detail % values, url)
