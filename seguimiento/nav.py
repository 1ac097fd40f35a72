"""What every page's navigation needs to know about the person signed in: whether to offer
“My commitments” and the portfolio, and how many reminders are unread; and, read with them,
which actors the person represents (what the alliance page asks of every row).

They come from one query, asked only when a template or a view first reads one of them
(``person_facts``: once per request), and kept in the cache until the person's roles or
notices change."""

from django.db import connection

from alianzas import access, generations
from alianzas.models import Actor, Alliance
from seguimiento.models import Reminder

ANONYMOUS = {"is_representative": False, "can_see_portfolio": False, "unread_reminders": 0}


def navigation_facts(user) -> dict:
    """In one query: does ``user`` coordinate an alliance, how many of their reminders are
    unread, and which actors they represent (``represented_actor_ids``, in id order), so
    whether they represent any. Written in SQL: every page asks it, and building the same
    statement through the ORM (three subqueries) cost a millisecond of Python a page. The
    first row holds the counts; each further row, one actor (SQLite has no arrays)."""
    representatives = Actor.representatives.through._meta.db_table
    coordinators = Alliance.coordinators.through._meta.db_table
    reminders = Reminder._meta.db_table
    sql = f"""
        SELECT 0 AS kind,
               CASE WHEN EXISTS (SELECT 1 FROM {coordinators} WHERE user_id = %s)
                    THEN 1 ELSE 0 END AS value,
               (SELECT COUNT(*) FROM {reminders}
                WHERE recipient_id = %s AND read_at IS NULL) AS unread
        UNION ALL
        SELECT 1, actor_id, 0 FROM {representatives} WHERE user_id = %s
        ORDER BY kind, value
    """  # nosec B608 - table names from Model._meta; the value is bound
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk] * 3)
        (_kind, coordinates, unread), *actors = cursor.fetchall()
    represented = [actor_id for _kind, actor_id, _unread in actors]
    return {
        "is_representative": bool(represented),
        "can_see_portfolio": access.is_administrator(user) or bool(coordinates),
        "unread_reminders": unread,
        "represented_actor_ids": represented,
    }


def person_facts(request) -> dict:
    """``navigation_facts`` of the person signed in to ``request``: read once per request
    (the navigation and the view share them), and cached until the person's roles or
    notices change (``alianzas.generations``)."""
    facts = getattr(request, "_person_facts", None)
    if facts is None:
        user = request.user
        facts = generations.person_value(user, "person-facts", lambda: navigation_facts(user))
        request._person_facts = facts
    return facts


def navigation(request) -> dict:
    """The navigation's three facts, each a callable the template calls on first read."""
    user = getattr(request, "user", None)
    if user is None or not (user.is_authenticated and user.is_active):
        return dict(ANONYMOUS)

    return {name: (lambda name=name: person_facts(request)[name]) for name in ANONYMOUS}
