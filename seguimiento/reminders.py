"""Reminders: what falls due is recorded once as rows, then e-mailed once per recipient.

The sweep (``sweep``) runs every few minutes from Celery beat, and by hand with
``manage.py send_reminders``:

1. ``record_due_reminders`` inserts every reminder now due with one
   ``INSERT … SELECT`` per rule: set-based, no object is loaded into Python. The unique
   constraint on (recipient, rule, object, period) makes a second sweep, a second beat or
   a redelivered task insert nothing; each INSERT commits by itself, so a sweep stopped
   half-way keeps what it recorded and the next one records the rest.
2. ``claim_messages`` puts each recipient's reminders not e-mailed yet into one new
   message per recipient, set-wise, with a conditional UPDATE (``… WHERE email_status =
   'pending'``), so two sweeps never claim the same reminder; after the commit it queues
   tasks that write the messages in batches (``compose_messages``): each in its
   recipient's language, stored, then queued for sending after its own commit.
3. ``deliver`` (called by the send task) claims the stored message (queued → sending)
   before sending it, so a task delivered twice sends it once, and records the outcome.

The sweep itself (1 and 2) costs a few statements whatever the number of commitments;
writing the messages costs a few queries per batch plus, for weekly summaries, what
each alliance's next step lacks, and runs on the workers.

A reminder is a row whatever happens to the e-mail: it shows in the application
(``notifications``) even for kinds the person switched off by e-mail.
"""

import datetime
import logging
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from smtplib import SMTPException

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.db import connection, transaction
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alianzas import generations
from alianzas.models import Actor, Alliance, Frequency, Indicator, Membership, Objective, User
from fases.lifecycle import Phase
from fases.services import next_step
from seguimiento.models import (
    OPEN_STATUSES,
    Commitment,
    EmailOptOut,
    HealthCheck,
    Measurement,
    OutgoingMessage,
    Reminder,
    ReminderPolicy,
    ReminderRule,
)
from seguimiento.periods import period_containing

logger = logging.getLogger(__name__)

# Rules about one commitment, one indicator or one alliance: what ``object_id`` names.
COMMITMENT_RULES = {
    ReminderRule.COMMITMENT_DUE_SOON,
    ReminderRule.COMMITMENT_OVERDUE,
    ReminderRule.COMMITMENT_ESCALATION,
}
INDICATOR_RULES = {ReminderRule.MEASUREMENT_MISSING, ReminderRule.MEASUREMENT_ESCALATION}
# The others (health check, weekly summary) name an alliance.

# An e-mail lists this many items of each kind, and links to the notifications page
# for the rest; the digest details this many alliances (each costs a few queries).
ITEMS_PER_KIND = 15
DIGEST_DETAILS = 10
# Messages written by one task: a few queries for the batch, then one UPDATE each.
COMPOSE_BATCH = 200
# A queued message whose task has not run this long after it was due was lost
# (the broker was down, or the process died between the commit and the queuing).
LOST_AFTER = datetime.timedelta(minutes=10)
# The lease of a send: a message still "sending" after this long belonged to a worker
# that died mid-send, and is queued again. Far longer than a send can take (the SMTP
# backend gives up after EMAIL_TIMEOUT), so a slow send is never taken over while it runs.
STUCK_AFTER = datetime.timedelta(minutes=30)
# A message that has been claimed this many times (failures, and workers dying while
# sending it) is marked failed instead of being tried again.
MAX_SEND_ATTEMPTS = settings.REMINDER_SEND_MAX_RETRIES + 1
UNSUBSCRIBE_SALT = "seguimiento.reminders.unsubscribe"


# --- What is due: one INSERT … SELECT per rule ------------------------------------


@dataclass(frozen=True)
class DueQuery:
    """A SELECT of (recipient_id, rule, object_id, period, alliance_id) due now."""

    rule: str
    sql: str
    params: dict


def _tables() -> dict[str, str]:
    return {
        "reminder": Reminder._meta.db_table,
        "policy": ReminderPolicy._meta.db_table,
        "commitment": Commitment._meta.db_table,
        "alliance": Alliance._meta.db_table,
        "user": User._meta.db_table,
        "representatives": Actor.representatives.through._meta.db_table,
        "coordinators": Alliance.coordinators.through._meta.db_table,
        "indicator": Indicator._meta.db_table,
        "objective": Objective._meta.db_table,
        "measurement": Measurement._meta.db_table,
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
    """SQL for the alliance's value of policy field ``name``: its own row's, or the global."""
    return f"COALESCE(p.{name}, %(global_{name})s)"


def _quoted(values) -> str:
    # Only ever our own choice values (never input): safe to write into the statement.
    return ", ".join(f"'{value}'" for value in values)


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


def due_queries(today: datetime.date) -> list[DueQuery]:
    """Every rule's SELECT of the reminders due ``today``."""
    t = _tables()
    policy = policy_parameters()
    widest, narrowest = policy.pop("widest"), policy.pop("narrowest")
    adapt_date = connection.ops.adapt_datefield_value
    base = {"today": adapt_date(today), **policy}
    days = _days_from_today("c.due_date")
    due_iso = _iso("c.due_date")
    day = datetime.timedelta(days=1)
    queries = []

    def commitments(rule, *, to, condition, period, first, last):
        recipients = (
            f"JOIN {t['representatives']} k ON k.actor_id = c.actor_id"
            if to == "representatives"
            else f"JOIN {t['coordinators']} k ON k.alliance_id = c.alliance_id"
        )
        # The date range uses the (status, due_date) index; the exact condition then
        # applies each alliance's own policy.
        sql = f"""
            SELECT DISTINCT k.user_id AS recipient_id, %(rule)s AS rule, c.id AS object_id,
                   {period} AS period, c.alliance_id AS alliance_id
            FROM {t["commitment"]} c
            JOIN {t["alliance"]} a ON a.id = c.alliance_id
            LEFT JOIN {t["policy"]} p ON p.alliance_id = c.alliance_id
            {recipients}
            JOIN {t["user"]} u ON u.id = k.user_id
            WHERE c.status IN ({_quoted(OPEN_STATUSES)})
              AND c.due_date >= %(first)s AND c.due_date <= %(last)s
              AND a.phase <> '{Phase.CLOSED}'
              AND u.is_active
              AND {condition}
        """
        params = {
            **base,
            "rule": str(rule),
            "first": adapt_date(first),
            "last": adapt_date(last),
        }
        queries.append(DueQuery(rule, sql, params))

    # Falling due soon: the first notice, unless the last one is already due.
    commitments(
        ReminderRule.COMMITMENT_DUE_SOON,
        to="representatives",
        condition=f"{days} <= {_policy('first_notice_days')}"
        f" AND {days} > {_policy('last_notice_days')}",
        period=f"{due_iso} || ':first'",
        first=today + day,
        last=today + widest["first_notice_days"] * day,
    )
    commitments(
        ReminderRule.COMMITMENT_DUE_SOON,
        to="representatives",
        condition=f"{days} > 0 AND {days} <= {_policy('last_notice_days')}",
        period=f"{due_iso} || ':last'",
        first=today + day,
        last=today + widest["last_notice_days"] * day,
    )
    commitments(
        ReminderRule.COMMITMENT_OVERDUE,
        to="representatives",
        condition=f"{days} < 0 AND {days} >= -{_policy('lookback_days')}",
        period=due_iso,
        first=today - widest["lookback_days"] * day,
        last=today - day,
    )
    commitments(
        ReminderRule.COMMITMENT_ESCALATION,
        to="coordinators",
        condition=f"{days} <= -{_policy('grace_days')} AND {days} >= -{_policy('lookback_days')}",
        period=due_iso,
        first=today - widest["lookback_days"] * day,
        last=today - narrowest["grace_days"] * day,
    )

    # Indicator values: for each frequency, the period that just ended.
    for frequency in Frequency.values:
        ended = period_containing(frequency, period_containing(frequency, today).start - day)
        for rule, to, condition in (
            (
                ReminderRule.MEASUREMENT_MISSING,
                f"JOIN {t['representatives']} k ON k.actor_id = i.responsible_actor_id",
                "",
            ),
            (
                ReminderRule.MEASUREMENT_ESCALATION,
                f"JOIN {t['coordinators']} k ON k.alliance_id = o.alliance_id",
                f"AND %(days_since_end)s >= {_policy('grace_days')}",
            ),
        ):
            sql = f"""
                SELECT DISTINCT k.user_id AS recipient_id, %(rule)s AS rule,
                       i.id AS object_id, %(period)s AS period, o.alliance_id AS alliance_id
                FROM {t["indicator"]} i
                JOIN {t["objective"]} o ON o.id = i.objective_id
                JOIN {t["alliance"]} a ON a.id = o.alliance_id
                LEFT JOIN {t["policy"]} p ON p.alliance_id = o.alliance_id
                {to}
                JOIN {t["user"]} u ON u.id = k.user_id
                WHERE i.frequency = %(frequency)s
                  AND a.phase = '{Phase.MONITORING}'
                  AND u.is_active
                  AND (a.start_date IS NULL OR a.start_date <= %(period_end)s)
                  AND NOT EXISTS (
                      SELECT 1 FROM {t["measurement"]} m
                      WHERE m.indicator_id = i.id AND m.period_start = %(period_start)s
                  )
                  {condition}
            """
            params = {
                **base,
                "rule": str(rule),
                "frequency": str(frequency),
                "period": ended.start.isoformat(),
                "period_start": adapt_date(ended.start),
                "period_end": adapt_date(ended.end),
                "days_since_end": (today - ended.end).days,
            }
            queries.append(DueQuery(rule, sql, params))

    # The health check of this cycle, for each member actor that has not answered it.
    sql = f"""
        SELECT DISTINCT k.user_id AS recipient_id, %(rule)s AS rule, a.id AS object_id,
               'cycle-' || a.cycle AS period, a.id AS alliance_id
        FROM {t["alliance"]} a
        JOIN {t["membership"]} ms ON ms.alliance_id = a.id AND ms.left_on IS NULL
        JOIN {t["representatives"]} k ON k.actor_id = ms.actor_id
        JOIN {t["user"]} u ON u.id = k.user_id
        WHERE a.phase = '{Phase.MONITORING}'
          AND u.is_active
          AND NOT EXISTS (
              SELECT 1 FROM {t["health_check"]} h
              WHERE h.alliance_id = a.id AND h.cycle = a.cycle AND h.actor_id = ms.actor_id
          )
    """
    queries.append(
        DueQuery(ReminderRule.HEALTH_CHECK, sql, {**base, "rule": str(ReminderRule.HEALTH_CHECK)})
    )

    # The coordinators' weekly summary: once a week, from the policy's day on.
    monday = today - today.weekday() * day
    sql = f"""
        SELECT DISTINCT k.user_id AS recipient_id, %(rule)s AS rule, a.id AS object_id,
               %(week)s AS period, a.id AS alliance_id
        FROM {t["alliance"]} a
        JOIN {t["coordinators"]} k ON k.alliance_id = a.id
        JOIN {t["user"]} u ON u.id = k.user_id
        LEFT JOIN {t["policy"]} p ON p.alliance_id = a.id
        WHERE a.phase <> '{Phase.CLOSED}'
          AND u.is_active
          AND {_policy("digest_weekday")} <= %(weekday)s
    """
    queries.append(
        DueQuery(
            ReminderRule.WEEKLY_DIGEST,
            sql,
            {
                **base,
                "rule": str(ReminderRule.WEEKLY_DIGEST),
                "week": monday.isoformat(),
                "weekday": today.weekday(),
            },
        )
    )
    return queries


def _not_recorded(query: DueQuery) -> str:
    return f"""
        FROM ({query.sql}) due
        WHERE NOT EXISTS (
            SELECT 1 FROM {Reminder._meta.db_table} r
            WHERE r.recipient_id = due.recipient_id AND r.rule = due.rule
              AND r.object_id = due.object_id AND r.period = due.period
        )
    """


def record_due_reminders(*, today: datetime.date, now: datetime.datetime) -> Counter:
    """Insert every reminder due ``today`` that is not recorded yet; the count per rule.

    NOT EXISTS skips what earlier sweeps recorded without touching it; ON CONFLICT
    covers a concurrent sweep inserting the same rows at the same moment.
    """
    recorded = Counter()
    table = Reminder._meta.db_table
    for query in due_queries(today):
        sql = f"""
            INSERT INTO {table}
                (recipient_id, rule, object_id, period, alliance_id, created_at, email_status)
            SELECT due.recipient_id, due.rule, due.object_id, due.period, due.alliance_id,
                   %(now)s, %(pending)s
            {_not_recorded(query)}
            ON CONFLICT DO NOTHING
        """
        params = {
            **query.params,
            "now": connection.ops.adapt_datetimefield_value(now),
            "pending": Reminder.Email.PENDING,
        }
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            recorded[query.rule] += max(cursor.rowcount, 0)
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


# --- Describing reminders: for the e-mail and the notifications page -----------------


@dataclass
class Item:
    """One reminder as a person reads it."""

    reminder: Reminder
    title: str
    detail: str
    url: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Loaded:
    """What a list of reminders names, loaded in a few queries whatever their number."""

    commitments: dict
    indicators: dict
    alliances: dict
    overdue: dict


def load(reminders, *, today: datetime.date) -> Loaded:
    ids = defaultdict(set)
    for reminder in reminders:
        if reminder.rule in COMMITMENT_RULES:
            ids["commitment"].add(reminder.object_id)
        elif reminder.rule in INDICATOR_RULES:
            ids["indicator"].add(reminder.object_id)
        elif reminder.rule == ReminderRule.WEEKLY_DIGEST:
            ids["digest"].add(reminder.alliance_id)
        ids["alliance"].add(reminder.alliance_id)
    overdue = {}
    if ids["digest"]:
        overdue = dict(
            Commitment.objects.filter(
                alliance_id__in=ids["digest"], status__in=OPEN_STATUSES, due_date__lt=today
            )
            .values_list("alliance_id")
            .annotate(count=Count("pk"))
            .order_by()
        )
    return Loaded(
        commitments=(
            Commitment.objects.select_related("actor").in_bulk(ids["commitment"])
            if ids["commitment"]
            else {}
        ),
        indicators=Indicator.objects.in_bulk(ids["indicator"]) if ids["indicator"] else {},
        alliances=Alliance.objects.in_bulk(ids["alliance"]) if ids["alliance"] else {},
        overdue=overdue,
    )


def _url(name: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:  # a page that is not there (yet): the alliance's page instead
        return reverse("alianzas:alliance_detail", kwargs={"pk": kwargs["pk"]})


def _day(value: datetime.date) -> str:
    return date_format(value, "DATE_FORMAT")


def describe(
    reminders,
    *,
    today: datetime.date,
    loaded: Loaded | None = None,
    steps: dict | None = None,
) -> list[Item]:
    """``reminders`` as items in the active language. Reminders whose object is gone are
    left out. Given ``steps`` (a cache shared by the messages of a batch), the weekly
    summaries also say what each alliance still lacks (a few queries per alliance, so only
    for the e-mail, and for at most ``DIGEST_DETAILS`` alliances)."""
    loaded = loaded or load(reminders, today=today)
    items = []
    detailed = 0
    for reminder in reminders:
        alliance = loaded.alliances.get(reminder.alliance_id)
        if alliance is None:
            continue
        item = _describe_one(reminder, alliance, loaded, today)
        if item is None:
            continue
        if reminder.rule == ReminderRule.WEEKLY_DIGEST:
            count = loaded.overdue.get(alliance.pk, 0)
            item.notes.append(
                ngettext("%(count)s overdue commitment.", "%(count)s overdue commitments.", count)
                % {"count": count}
            )
            if steps is not None and detailed < DIGEST_DETAILS:
                detailed += 1
                key = (alliance.pk, translation.get_language())
                if key not in steps:
                    steps[key] = _next_step_notes(alliance)
                item.notes.extend(steps[key])
        items.append(item)
    return items


def _next_step_notes(alliance) -> list[str]:
    step = next_step(alliance)
    if step is None:
        return []
    if not step.unmet:
        return [_("Ready for “%(step)s”.") % {"step": step.label}]
    notes = [_("Still missing for “%(step)s”:") % {"step": step.label}]
    notes.extend(f"– {requirement}" for requirement in step.unmet[:5])
    if len(step.unmet) > 5:
        notes.append(_("– and %(count)s more.") % {"count": len(step.unmet) - 5})
    return notes


def _describe_one(reminder, alliance, loaded: Loaded, today) -> Item | None:
    rule = reminder.rule
    if rule in COMMITMENT_RULES:
        commitment = loaded.commitments.get(reminder.object_id)
        if commitment is None:
            return None
        values = {
            "actor": commitment.actor,
            "alliance": alliance.name,
            "date": _day(commitment.due_date),
            "days": abs((commitment.due_date - today).days),
        }
        if rule == ReminderRule.COMMITMENT_DUE_SOON:
            detail = _("%(actor)s, in %(alliance)s: due on %(date)s.") % values
        else:
            detail = (
                ngettext(
                    "%(actor)s, in %(alliance)s: due on %(date)s, overdue by %(days)s day.",
                    "%(actor)s, in %(alliance)s: due on %(date)s, overdue by %(days)s days.",
                    values["days"],
                )
                % values
            )
        url = _url("seguimiento:commitment_detail", pk=alliance.pk, commitment_pk=commitment.pk)
        return Item(reminder, Truncator(commitment.description).chars(100), detail, url)
    if rule in INDICATOR_RULES:
        indicator = loaded.indicators.get(reminder.object_id)
        if indicator is None or not indicator.frequency:
            return None
        period = period_containing(
            indicator.frequency, datetime.date.fromisoformat(reminder.period)
        )
        detail = _("%(alliance)s: no value for %(period)s (it ended on %(date)s).") % {
            "alliance": alliance.name,
            "period": period.label,
            "date": _day(period.end),
        }
        url = _url("seguimiento:indicator_history", pk=alliance.pk, indicator_pk=indicator.pk)
        return Item(reminder, indicator.name, detail, url)
    if rule == ReminderRule.HEALTH_CHECK:
        detail = _("Your organisation has not answered the health check of cycle %(cycle)s.") % {
            "cycle": reminder.period.removeprefix("cycle-")
        }
        return Item(reminder, alliance.name, detail, _url("fases:health_check", pk=alliance.pk))
    detail = _("Phase: %(phase)s (cycle %(cycle)s).") % {
        "phase": alliance.get_phase_display(),
        "cycle": alliance.cycle,
    }
    return Item(reminder, alliance.name, detail, _url("alianzas:alliance_detail", pk=alliance.pk))


# --- One message per recipient: claimed set-wise, written in batches -----------------


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token(user_id: int, rules) -> str:
    return signing.dumps({"u": user_id, "r": sorted(rules)}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[User, list[str]] | None:
    """The person and the kinds a one-click link switches off, or None if it is not ours."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=data["u"], is_active=True)
        rules = [rule for rule in data["r"] if rule in ReminderRule.values]
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        return None
    return (user, rules) if rules else None


def unsubscribe_url(user_id: int, rules) -> str:
    token = unsubscribe_token(user_id, rules)
    return site_url(reverse("seguimiento:reminder_unsubscribe", kwargs={"optout_token": token}))


def language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


@dataclass
class Claimed:
    run: str
    message_ids: list[int]
    skipped: int


def claim_messages(*, now: datetime.datetime) -> Claimed:
    """Put every reminder not e-mailed yet into one new message per recipient, in a few
    statements whatever their number, and queue the writing of the messages.

    The claim is ``UPDATE … WHERE email_status = 'pending'``: when two sweeps claim at
    once, the second waits for the first's rows and finds them taken, and its messages
    left without reminders are deleted. Everything commits together: a sweep stopped
    here leaves the reminders pending for the next one.
    """
    t = {
        "reminder": Reminder._meta.db_table,
        "message": OutgoingMessage._meta.db_table,
        "user": User._meta.db_table,
        "opt_out": EmailOptOut._meta.db_table,
    }
    run = uuid.uuid4().hex
    params = {
        "run": run,
        "now": connection.ops.adapt_datetimefield_value(now),
        "pending": Reminder.Email.PENDING,
        "included": Reminder.Email.INCLUDED,
        "skipped": Reminder.Email.SKIPPED,
        "composing": OutgoingMessage.Status.COMPOSING,
        "language": settings.LANGUAGE_CODE,
    }
    reminder = t["reminder"]
    with transaction.atomic(), connection.cursor() as cursor:
        # Kinds switched off, and people who cannot be e-mailed: the application only.
        cursor.execute(
            f"""
            UPDATE {reminder} SET email_status = %(skipped)s
            WHERE email_status = %(pending)s AND (
                EXISTS (SELECT 1 FROM {t["opt_out"]} o
                        WHERE o.user_id = {reminder}.recipient_id AND o.rule = {reminder}.rule)
                OR EXISTS (SELECT 1 FROM {t["user"]} u
                           WHERE u.id = {reminder}.recipient_id
                             AND (NOT u.is_active OR u.email = ''))
            )
            """,
            params,
        )
        skipped = max(cursor.rowcount, 0)
        cursor.execute(
            f"""
            INSERT INTO {t["message"]}
                (recipient_id, address, language, subject, text, html, unsubscribe_url,
                 status, attempts, error, created_at, next_attempt_at, run)
            SELECT u.id, u.email, COALESCE(NULLIF(u.language, ''), %(language)s), '', '', '',
                   '', %(composing)s, 0, '', %(now)s, %(now)s, %(run)s
            FROM {t["user"]} u
            JOIN (SELECT DISTINCT recipient_id FROM {reminder}
                  WHERE email_status = %(pending)s) due ON due.recipient_id = u.id
            """,
            params,
        )
        cursor.execute(
            f"SELECT id, recipient_id FROM {t['message']}"
            " WHERE run = %(run)s AND status = %(composing)s",
            params,
        )
        messages = cursor.fetchall()
        # One UPDATE per person rather than one joined to the new messages: the planner's
        # statistics hardly ever see reminders pending or messages being written, and from
        # an estimate of one row it would compare every reminder with every message.
        # Each of these is one probe of the pending reminders' index.
        cursor.executemany(
            f"""
            UPDATE {reminder} SET email_status = %s, message_id = %s
            WHERE recipient_id = %s AND email_status = %s
            """,
            [
                (Reminder.Email.INCLUDED, message_id, recipient_id, Reminder.Email.PENDING)
                for message_id, recipient_id in messages
            ],
        )
        cursor.execute(
            f"""
            DELETE FROM {t["message"]}
            WHERE run = %(run)s AND status = %(composing)s
              AND NOT EXISTS (SELECT 1 FROM {reminder} r WHERE r.message_id = {t["message"]}.id)
            """,
            params,
        )
        message_ids = list(
            OutgoingMessage.objects.filter(run=run, status=OutgoingMessage.Status.COMPOSING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        queue_composing(message_ids)
    return Claimed(run, message_ids, skipped)


def queue_composing(message_ids: list[int]) -> None:
    """After the commit, one task per batch of messages writes them (in-process without a
    broker, spread over the workers with one)."""
    for start in range(0, len(message_ids), COMPOSE_BATCH):
        batch = message_ids[start : start + COMPOSE_BATCH]
        after_commit(queue_compose, batch)


def compose_messages(message_ids, *, today: datetime.date | None = None) -> int:
    """Write the messages still being written among ``message_ids``, each in its
    recipient's language, and queue them for sending; returns how many were written.

    Each becomes "queued" with a conditional UPDATE, so a batch written twice (a task
    delivered again) queues each message once.
    """
    today = today or timezone.localdate()
    messages = list(
        OutgoingMessage.objects.filter(
            pk__in=list(message_ids), status=OutgoingMessage.Status.COMPOSING
        ).select_related("recipient")
    )
    if not messages:
        return 0
    ids = [message.pk for message in messages]
    counts = defaultdict(Counter)
    for message_id, rule, count in (
        Reminder.objects.filter(message_id__in=ids)
        .values_list("message_id", "rule")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        counts[message_id][rule] = count
    # The first ITEMS_PER_KIND of each kind in each message, in one query.
    shown = list(
        Reminder.objects.filter(message_id__in=ids)
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("message_id"), F("rule")],
                order_by=[F("alliance_id").asc(), F("object_id").asc(), F("period").asc()],
            )
        )
        .filter(position__lte=ITEMS_PER_KIND)
    )
    loaded = load(shown, today=today)
    by_message = defaultdict(list)
    for reminder in shown:
        by_message[reminder.message_id].append(reminder)
    steps = {}
    written = 0
    for message in messages:
        with translation.override(message.language):
            render_message(message, counts[message.pk], by_message[message.pk], loaded, steps)
        with transaction.atomic():
            updated = OutgoingMessage.objects.filter(
                pk=message.pk, status=OutgoingMessage.Status.COMPOSING
            ).update(
                status=OutgoingMessage.Status.QUEUED,
                subject=message.subject,
                text=message.text,
                html=message.html,
                unsubscribe_url=message.unsubscribe_url,
                next_attempt_at=timezone.now(),
            )
            if updated:
                written += 1
                after_commit(queue_send, message.pk)
    return written


def render_message(message, counts: Counter, reminders, loaded: Loaded, steps: dict) -> None:
    """Fill in the message's subject, text and HTML in the active language."""
    today = timezone.localdate()
    user = message.recipient
    order = {rule: position for position, rule in enumerate(ReminderRule.values)}
    reminders = sorted(reminders, key=lambda r: order[r.rule])
    items = describe(reminders, today=today, loaded=loaded, steps=steps)
    items_by_rule = defaultdict(list)
    for item in items:
        item.url = site_url(item.url)
        items_by_rule[item.reminder.rule].append(item)
    sections = [
        {
            "title": rule.label,
            "items": items_by_rule[rule.value],
            "more": counts[rule.value] - len(items_by_rule[rule.value]),
            "unsubscribe_url": unsubscribe_url(user.pk, [rule.value]),
        }
        for rule in ReminderRule
        if counts.get(rule.value)
    ]
    total = sum(counts.values())
    message.subject = ngettext(
        "Alianzas: %(count)s reminder", "Alianzas: %(count)s reminders", total
    ) % {"count": total}
    message.unsubscribe_url = unsubscribe_url(user.pk, list(counts))
    context = {
        "user": user,
        "sections": sections,
        "total": total,
        "notifications_url": site_url(reverse("seguimiento:notifications")),
        "preferences_url": site_url(reverse("seguimiento:reminder_preferences")),
        "unsubscribe_url": message.unsubscribe_url,
    }
    message.text = render_to_string("emails/reminders.txt", context)
    message.html = render_to_string("emails/reminders.html", context)


# --- Sending -------------------------------------------------------------------------


def after_commit(queue, *args) -> None:
    """Queue a task once the transaction commits. Robust: a broker that cannot be reached
    is logged, and the sweep queues the message again later (``recover_messages``)."""

    def queue_it():
        queue(*args)

    queue_it.__qualname__ = f"{queue.__name__}{args!r}"
    transaction.on_commit(queue_it, robust=True)


def queue_compose(message_ids: list[int]) -> None:
    from seguimiento.reminder_tasks import compose_reminder_messages

    compose_reminder_messages.delay(list(message_ids))


def queue_send(message_id: int) -> None:
    """Hand the message to a worker (in-process without a broker)."""
    from seguimiento.reminder_tasks import send_reminder_message

    send_reminder_message.delay(message_id)


# Errors worth another attempt: the mail server refused or could not be reached.
RETRYABLE = (SMTPException, OSError)


def deliver(message_id: int, *, retry_at: datetime.datetime | None = None) -> str:
    """Send the stored message once and record the outcome: "sent", or "skipped" when it
    was not queued (already sent, or being sent by another task). A failure is recorded
    and re-raised: queued again for ``retry_at`` if it is worth retrying (``RETRYABLE``)
    and a time is given, failed for good otherwise."""
    now = timezone.now()
    # The claim: a task delivered twice, or a retry racing a re-queue, sends it once.
    claimed = OutgoingMessage.objects.filter(
        pk=message_id, status=OutgoingMessage.Status.QUEUED
    ).update(status=OutgoingMessage.Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now)
    if not claimed:
        return "skipped"
    message = OutgoingMessage.objects.get(pk=message_id)
    headers = {"Auto-Submitted": "auto-generated", "Message-ID": message_id_header(message)}
    if message.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.text, to=[message.address], headers=headers
    )
    email.attach_alternative(message.html, "text/html")
    try:
        email.send()
    except Exception as error:
        description = f"{type(error).__name__}: {error}"[:2000]
        if retry_at is None or not isinstance(error, RETRYABLE):
            OutgoingMessage.objects.filter(pk=message_id).update(
                status=OutgoingMessage.Status.FAILED, error=description
            )
        else:
            OutgoingMessage.objects.filter(pk=message_id).update(
                status=OutgoingMessage.Status.QUEUED, error=description, next_attempt_at=retry_at
            )
        raise
    OutgoingMessage.objects.filter(pk=message_id).update(
        status=OutgoingMessage.Status.SENT, sent_at=timezone.now(), error=""
    )
    return "sent"


def message_id_header(message: OutgoingMessage) -> str:
    """The same Message-ID on every attempt at one stored message: if a worker dies after
    the mail server accepted it but before "sent" is recorded, the copy sent again is
    recognisably the same e-mail (mail clients and servers that de-duplicate by
    Message-ID show it once)."""
    stamp = message.created_at.strftime("%Y%m%d%H%M%S")
    return f"<reminder.{message.pk}.{stamp}@{DNS_NAME}>"


def recover_messages(now: datetime.datetime) -> tuple[int, int]:
    """Queue again the messages whose task was lost (the broker was down, or the process
    died between the commit and the queuing), and those whose worker died while sending
    them (past the lease, ``STUCK_AFTER``): a send cut short is not lost. A message
    already claimed ``MAX_SEND_ATTEMPTS`` times is marked failed instead.

    A worker that dies after the mail server accepted a message but before recording it
    sent makes it go out twice, with the same Message-ID; one that dies earlier (the
    likely case: the send is the slow part) had not delivered it, and it goes out once.
    Returns (queued again, failed)."""
    lost = now - LOST_AFTER
    requeued = 0
    with transaction.atomic():
        for status, queue in (
            (OutgoingMessage.Status.COMPOSING, None),
            (OutgoingMessage.Status.QUEUED, queue_send),
        ):
            ids = list(
                OutgoingMessage.objects.filter(status=status, next_attempt_at__lt=lost)
                .order_by("pk")
                .values_list("pk", flat=True)[:5000]
            )
            # Conditional, so of two sweeps only one queues them again.
            again = [
                pk
                for pk in ids
                if OutgoingMessage.objects.filter(
                    pk=pk, status=status, next_attempt_at__lt=lost
                ).update(next_attempt_at=now)
            ]
            requeued += len(again)
            if queue is None:
                queue_composing(again)
            else:
                for pk in again:
                    after_commit(queue, pk)
    stuck = OutgoingMessage.objects.filter(
        status=OutgoingMessage.Status.SENDING, next_attempt_at__lt=now - STUCK_AFTER
    )
    failed = stuck.filter(attempts__gte=MAX_SEND_ATTEMPTS).update(
        status=OutgoingMessage.Status.FAILED,
        error=_("The worker stopped while sending this message; it may not have been sent."),
    )
    with transaction.atomic():
        ids = list(stuck.order_by("pk").values_list("pk", flat=True)[:5000])
        # Conditional on the claim's time, so of two sweeps only one queues each again.
        again = [
            pk
            for pk in ids
            if OutgoingMessage.objects.filter(
                pk=pk,
                status=OutgoingMessage.Status.SENDING,
                next_attempt_at__lt=now - STUCK_AFTER,
            ).update(
                status=OutgoingMessage.Status.QUEUED,
                next_attempt_at=now,
                # The same note as for a failed one: it is why the message is sent again.
                error=_(
                    "The worker stopped while sending this message; it may not have been sent."
                ),
            )
        ]
        for pk in again:
            after_commit(queue_send, pk)
    return requeued + len(again), failed


def requeue_failed(message_ids) -> int:
    """Queue failed messages again (the admin's action); returns how many."""
    with transaction.atomic():
        ids = list(
            OutgoingMessage.objects.select_for_update()
            .filter(pk__in=list(message_ids), status=OutgoingMessage.Status.FAILED)
            .values_list("pk", flat=True)
        )
        OutgoingMessage.objects.filter(pk__in=ids).update(
            status=OutgoingMessage.Status.QUEUED, next_attempt_at=timezone.now(), attempts=0
        )
        for message_id in ids:
            after_commit(queue_send, message_id)
    return len(ids)


# --- The sweep -------------------------------------------------------------------


@dataclass
class SweepReport:
    dry_run: bool
    recorded: Counter
    claimed: Claimed | None = None
    requeued: int = 0
    failed_stuck: int = 0
    due: dict[int, Counter] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def sweep(*, now: datetime.datetime | None = None) -> SweepReport:
    """Record what is due and e-mail it: safe to run twice, or twice at once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    started = time.monotonic()
    recorded = record_due_reminders(today=today, now=now)
    recorded_at = time.monotonic()
    requeued, failed = recover_messages(now)
    claimed = claim_messages(now=now)
    report = SweepReport(False, recorded, claimed, requeued, failed)
    report.seconds = {
        "record": recorded_at - started,
        # With no broker this includes writing and sending the messages, in-process.
        "claim": time.monotonic() - recorded_at,
    }
    return report


def dry_run(*, now: datetime.datetime | None = None) -> SweepReport:
    """What ``sweep`` would record and e-mail now, writing nothing: the same SELECTs,
    and the reminders already recorded but not e-mailed yet."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    started = time.monotonic()
    due = due_now(today=today)
    recorded = Counter()
    for counts in due.values():
        recorded.update(counts)
    pending = (
        Reminder.objects.filter(email_status=Reminder.Email.PENDING)
        .values_list("recipient_id", "rule")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for recipient_id, rule, count in pending:
        due.setdefault(recipient_id, Counter())[rule] += count
    return SweepReport(True, recorded, due=due, seconds={"select": time.monotonic() - started})


# --- In the application ----------------------------------------------------------------


def unread_count(user) -> int:
    return Reminder.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, user, reminder_id: int) -> bool:
    """Mark one of ``user``'s reminders read; False if it is not theirs."""
    reminder = Reminder.objects.filter(pk=reminder_id, recipient=user).first()
    if reminder is None:
        return False
    Reminder.objects.filter(pk=reminder.pk, read_at__isnull=True).update(read_at=timezone.now())
    generations.person_changed(user.pk)  # the unread count in their navigation
    return True


def mark_all_read(*, user) -> int:
    marked = Reminder.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    generations.person_changed(user.pk)
    return marked


def email_enabled_rules(user) -> set[str]:
    return set(ReminderRule.values) - set(user.email_opt_outs.values_list("rule", flat=True))


def set_email_rules(*, user, enabled) -> None:
    """Keep e-mail on for the kinds in ``enabled`` and switch it off for the others."""
    enabled = set(enabled) & set(ReminderRule.values)
    with transaction.atomic():
        user.email_opt_outs.filter(rule__in=enabled).delete()
        switch_off(user=user, rules=set(ReminderRule.values) - enabled)


def switch_off(*, user, rules) -> None:
    """No more e-mail of these kinds for ``user`` (the reminders still show in the app)."""
    EmailOptOut.objects.bulk_create(
        [EmailOptOut(user=user, rule=rule) for rule in rules if rule in ReminderRule.values],
        ignore_conflicts=True,
    )
