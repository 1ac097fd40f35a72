"""Calendars (ICS, built with the ``icalendar`` library) that people subscribe to.

Each person has a private address (``CalendarFeed.token``) with their actors' commitments'
due dates, the action points they owe, their alliances' meetings and the ends of the
reporting periods of the indicators their actors report. Each alliance has a calendar
for its readers, served under the same personal secret (a calendar application cannot
sign in): renewing the secret ends every old address at once.

Every event carries a UID made of what it is and its id (``commitment-12@host``), so a
calendar that reads the feed again updates the event instead of adding it twice.
"""

import datetime
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from alianzas import access
from alianzas.lifecycle import REPORTING_PHASES
from alianzas.models import Alliance, Indicator
from fases.models import ActionPoint, CalendarFeed, Meeting
from seguimiento.models import OPEN_STATUSES, Commitment
from seguimiento.periods import period_containing

MEETING_LENGTH = datetime.timedelta(hours=2)  # the calendar needs an end; minutes say more


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def feed_of(user) -> CalendarFeed:
    """The person's calendar secret, made on first use."""
    feed = CalendarFeed.objects.filter(person=user).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(person=user, token=_new_token())
    except IntegrityError:  # made at the same moment by another request
        return CalendarFeed.objects.get(person=user)


def renew_feed(user) -> CalendarFeed:
    """A new secret for the person: the old addresses answer "not found" from now on."""
    feed = feed_of(user)
    feed.token = _new_token()
    feed.renewed_at = timezone.now()
    feed.save(update_fields=["token", "renewed_at"])
    return feed


def person_for_token(token: str):
    """The active person whose secret ``token`` is, or None."""
    feed = CalendarFeed.objects.select_related("person").filter(token=token).first()
    if feed is None or not feed.person.is_active:
        return None
    return feed.person


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "alianzas"


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Alianzas//Alianzas Multiactor//ES")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(uid: str, summary: str, start, *, url: str, description: str = "", end=None):
    event = Event()
    event.add("uid", f"{uid}@{_host()}")
    event.add("summary", summary)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    if end is not None:
        event.add("dtend", end)
    elif isinstance(start, datetime.date) and not isinstance(start, datetime.datetime):
        event.add("dtend", start + datetime.timedelta(days=1))
    if description:
        event.add("description", description)
    event.add("url", url)
    return event


def _commitment_events(commitments):
    for c in commitments:
        yield _event(
            f"commitment-{c.pk}",
            _("Commitment due: %(actor)s, %(alliance)s")
            % {"actor": c.actor, "alliance": c.alliance},
            c.due_date,
            description=c.description,
            url=_link(reverse("seguimiento:commitment_detail", args=[c.alliance_id, c.pk])),
        )


def _action_point_events(points):
    for p in points:
        yield _event(
            f"action-point-{p.pk}",
            _("Action point due: %(owner)s (%(actor)s), %(alliance)s")
            % {"owner": p.owner, "actor": p.owner_actor, "alliance": p.alliance},
            p.due_date,
            description=p.description,
            url=_link(reverse("fases:governance", args=[p.alliance_id]) + f"#action-point-{p.pk}"),
        )


def _meeting_events(meetings):
    for m in meetings:
        where = m.place or m.link
        event = _event(
            f"meeting-{m.pk}",
            _("Meeting: %(title)s (%(alliance)s)") % {"title": m.title, "alliance": m.alliance},
            m.starts_at,
            end=m.starts_at + MEETING_LENGTH,
            description="\n".join(m.agenda_items),
            url=_link(reverse("fases:meeting_detail", args=[m.alliance_id, m.pk])),
        )
        if where:
            event.add("location", where)
        yield event


def _period_events(indicators, today: datetime.date):
    """The end of each indicator's current reporting period."""
    for indicator in indicators:
        period = period_containing(indicator.frequency, today)
        yield _event(
            f"period-{indicator.pk}-{period.start.isoformat()}",
            _("Reporting period ends: %(indicator)s (%(alliance)s)")
            % {"indicator": indicator.name, "alliance": indicator.objective.alliance},
            period.end,
            description=str(period.label),
            url=_link(
                reverse(
                    "seguimiento:indicator_history",
                    args=[indicator.objective.alliance_id, indicator.pk],
                )
            ),
        )


def _build(name: str, *, commitments, points, meetings, indicators) -> bytes:
    calendar = _calendar(name)
    today = timezone.localdate()
    for events in (
        _commitment_events(commitments),
        _action_point_events(points),
        _meeting_events(meetings),
        _period_events(indicators, today),
    ):
        for event in events:
            calendar.add_component(event)
    return calendar.to_ical()


def person_calendar(user) -> bytes:
    """The person's calendar: four queries whatever its size."""
    actor_ids = user.actors.values("pk")
    coordinated = Alliance.coordinators.through.objects.filter(user_id=user.pk).values(
        "alliance_id"
    )
    represented = Alliance.objects.filter(memberships__actor__representatives=user.pk).values("pk")
    alliances = Q(alliance_id__in=coordinated) | Q(alliance_id__in=represented)
    return _build(
        _("Alianzas: %(person)s") % {"person": user.get_full_name() or user.username},
        commitments=Commitment.objects.filter(
            actor_id__in=actor_ids, status__in=OPEN_STATUSES
        ).select_related("actor", "alliance"),
        points=ActionPoint.objects.filter(
            owner=user, status=ActionPoint.Status.OPEN
        ).select_related("owner", "owner_actor", "alliance"),
        meetings=Meeting.objects.filter(alliances).select_related("alliance").distinct(),
        indicators=Indicator.objects.filter(
            responsible_actor_id__in=actor_ids,
            objective__alliance__phase__in=REPORTING_PHASES,
            frequency__gt="",
        ).select_related("objective__alliance"),
    )


def alliance_calendar(alliance: Alliance) -> bytes:
    """The alliance's calendar, for whoever may read the alliance: four queries."""
    return _build(
        _("Alianzas: %(alliance)s") % {"alliance": alliance.name},
        commitments=Commitment.objects.filter(
            alliance=alliance, status__in=OPEN_STATUSES
        ).select_related("actor", "alliance"),
        points=ActionPoint.objects.filter(
            alliance=alliance, status=ActionPoint.Status.OPEN
        ).select_related("owner", "owner_actor", "alliance"),
        meetings=Meeting.objects.filter(alliance=alliance).select_related("alliance"),
        indicators=Indicator.objects.filter(objective__alliance=alliance, frequency__gt="")
        .filter(objective__alliance__phase__in=REPORTING_PHASES)
        .select_related("objective__alliance"),
    )


def readable_alliance(user, pk: int) -> Alliance | None:
    alliance = Alliance.objects.filter(pk=pk).first()
    if alliance is None or not access.can_view_alliance(user, alliance):
        return None
    return alliance
