"""Reminders in words: each one as an item a person reads, in the active language, for the
e-mail and the notifications page.

The weekly summary also says what each alliance's next step still lacks. Phases and
their requirements are a floor above (``fases``), so it registers the function that says
it (``register_summary_notes``) in its ``AppConfig.ready()``; without one the summary
has no such notes.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alianzas.models import Alliance, Indicator, User
from seguimiento.models import OPEN_STATUSES, Commitment, Reminder, ReminderRule
from seguimiento.periods import period_containing

# Rules about one commitment, one indicator or one alliance: what ``object_id`` names.
COMMITMENT_RULES = {
    ReminderRule.COMMITMENT_DUE_SOON,
    ReminderRule.COMMITMENT_OVERDUE,
    ReminderRule.COMMITMENT_ESCALATION,
}
INDICATOR_RULES = {ReminderRule.MEASUREMENT_MISSING, ReminderRule.MEASUREMENT_ESCALATION}
# The others (health check, weekly summary) name an alliance.

# The digest details this many alliances (each costs a few queries).
DIGEST_DETAILS = 10

_summary_notes = []


def register_summary_notes(function) -> None:
    """Called by a floor above in its ``ready()``: ``function(alliance)`` returns lines
    (in the active language) the weekly summary adds about ``alliance``."""
    if function not in _summary_notes:
        _summary_notes.append(function)


# Kinds of reminder whose objects live on a floor above: ``{rule: (load, describe)}``.
_kinds = {}


def register_kind(rules, *, load, describe) -> None:
    """Called by a floor above in its ``ready()`` for the reminders of ``rules`` (rules it
    registered with ``rules.register_rule``): ``load(ids)`` returns ``{id: object}`` for
    their ``object_id``s in one query, and ``describe(reminder, alliance, obj, today)`` an
    ``Item`` (or None to leave it out)."""
    for rule in rules:
        _kinds[str(rule)] = (load, describe)


def summary_notes(alliance) -> list[str]:
    return [note for function in _summary_notes for note in function(alliance)]


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


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
    # The registered kinds' objects, by rule: {rule: {id: object}}.
    registered: dict = field(default_factory=dict)


def load(reminders, *, today: datetime.date) -> Loaded:
    ids = defaultdict(set)
    for reminder in reminders:
        if reminder.rule in COMMITMENT_RULES:
            ids["commitment"].add(reminder.object_id)
        elif reminder.rule in INDICATOR_RULES:
            ids["indicator"].add(reminder.object_id)
        elif reminder.rule == ReminderRule.WEEKLY_DIGEST:
            ids["digest"].add(reminder.alliance_id)
        elif reminder.rule in _kinds:
            ids[f"registered:{reminder.rule}"].add(reminder.object_id)
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
        registered=_load_registered(ids),
    )


def _load_registered(ids) -> dict:
    """One query per registered loader, for every rule it serves."""
    by_loader = defaultdict(set)
    for rule, (loader, _describe) in _kinds.items():
        by_loader[loader] |= ids.get(f"registered:{rule}", set())
    loaded = {loader: loader(wanted) for loader, wanted in by_loader.items() if wanted}
    return {rule: loaded.get(loader, {}) for rule, (loader, _describe) in _kinds.items()}


def _url(name: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:  # a page that is not there (yet): the alliance's page instead
        return reverse("fases:alliance_detail", kwargs={"pk": kwargs["pk"]})


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
    summaries also carry the registered notes (what each alliance still lacks: a few
    queries per alliance, so only for the e-mail, and for at most ``DIGEST_DETAILS``
    alliances)."""
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
                    steps[key] = summary_notes(alliance)
                item.notes.extend(steps[key])
        items.append(item)
    return items


def _describe_one(reminder, alliance, loaded: Loaded, today) -> Item | None:
    rule = reminder.rule
    if rule in _kinds:
        obj = loaded.registered.get(rule, {}).get(reminder.object_id)
        return None if obj is None else _kinds[rule][1](reminder, alliance, obj, today)
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
        return Item(
            reminder, alliance.name, detail, _url("seguimiento:health_check", pk=alliance.pk)
        )
    detail = _("Phase: %(phase)s (cycle %(cycle)s).") % {
        "phase": alliance.get_phase_display(),
        "cycle": alliance.cycle,
    }
    return Item(reminder, alliance.name, detail, _url("fases:alliance_detail", pk=alliance.pk))
