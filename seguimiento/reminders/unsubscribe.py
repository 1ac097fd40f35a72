"""Which kinds of reminder each person receives by e-mail: the preferences, and the signed
one-click links (and ``List-Unsubscribe`` headers) that switch a kind off.

A kind switched off is only not e-mailed: its reminders still show in the application.
"""

from django.core import signing
from django.db import transaction
from django.urls import reverse

from alianzas.models import User
from seguimiento.models import EmailOptOut, ReminderRule
from seguimiento.reminders.wording import site_url

UNSUBSCRIBE_SALT = "seguimiento.reminders.unsubscribe"


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
