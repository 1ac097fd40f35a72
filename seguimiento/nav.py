"""What every page's navigation needs to know about the person signed in: whether to offer
“My commitments” and the portfolio, and how many reminders are unread.

All three come from one query, asked only when a template first reads one of them, and
kept in the cache until the person's roles or notices change."""

from functools import cache

from django.db import connection

from alianzas import access, generations
from alianzas.models import Actor, Alliance
from seguimiento.models import Reminder

ANONYMOUS = {"is_representative": False, "can_see_portfolio": False, "unread_reminders": 0}


def navigation_facts(user) -> dict:
    """One row: does ``user`` represent an actor, coordinate an alliance, and how many of
    their reminders are unread. Written in SQL: every page asks it, and building the same
    statement through the ORM (three subqueries) cost a millisecond of Python a page."""
    representatives = Actor.representatives.through._meta.db_table
    coordinators = Alliance.coordinators.through._meta.db_table
    reminders = Reminder._meta.db_table
    sql = f"""
        SELECT EXISTS (SELECT 1 FROM {representatives} WHERE user_id = %s),
               EXISTS (SELECT 1 FROM {coordinators} WHERE user_id = %s),
               (SELECT COUNT(*) FROM {reminders}
                WHERE recipient_id = %s AND read_at IS NULL)
    """  # nosec B608 - table names from Model._meta; the value is bound
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk] * 3)
        represents, coordinates, unread = cursor.fetchone()
    return {
        "is_representative": bool(represents),
        "can_see_portfolio": access.is_administrator(user) or bool(coordinates),
        "unread_reminders": unread,
    }


def navigation(request) -> dict:
    """The navigation's three facts, each a callable the template calls on first read."""
    user = getattr(request, "user", None)
    if user is None or not (user.is_authenticated and user.is_active):
        return dict(ANONYMOUS)

    # Cached until the person's roles or notices change (alianzas.generations).
    facts = cache(
        lambda: generations.person_value(user, "navigation", lambda: navigation_facts(user))
    )
    return {name: (lambda name=name: facts()[name]) for name in ANONYMOUS}
