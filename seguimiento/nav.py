"""What every page's navigation needs to know about the person signed in: whether to offer
“My commitments” and the portfolio, and how many reminders are unread.

All three come from one query, asked only when a template first reads one of them, and
kept in the cache until the person's roles or notices change."""

from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from alianzas import access, generations
from alianzas.models import Actor, Alliance
from seguimiento.models import Reminder

ANONYMOUS = {"is_representative": False, "can_see_portfolio": False, "unread_reminders": 0}


def navigation_facts(user) -> dict:
    """One row: does ``user`` represent an actor, coordinate an alliance, and how many of
    their reminders are unread."""
    unread = (
        Reminder.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values("pk")
        .annotate(
            represents=Exists(Actor.representatives.through.objects.filter(user=OuterRef("pk"))),
            coordinates=Exists(Alliance.coordinators.through.objects.filter(user=OuterRef("pk"))),
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
        )
        .get()
    )
    return {
        "is_representative": row["represents"],
        "can_see_portfolio": access.is_administrator(user) or row["coordinates"],
        "unread_reminders": row["unread"],
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
