"""The alliance pages list each member actor's representatives: a change to who
represents an actor (here, in the admin or the shell) renews the pages of every alliance
the actor belongs to (``alianzas.generations`` renews only the people's own pages)."""

from django.db.models.signals import m2m_changed

from alianzas import generations
from alianzas.models import Actor, Membership


def _representatives_changed(sender, instance, action, pk_set, reverse, **kwargs):
    if not action.startswith("post_"):
        return
    actor_ids = set(pk_set or ()) if reverse else {instance.pk}
    if reverse and action == "post_clear":
        generations.everything_changed()
        return
    generations.alliance_changed(
        *Membership.objects.filter(actor_id__in=actor_ids).values_list("alliance_id", flat=True)
    )


def connect() -> None:
    m2m_changed.connect(
        _representatives_changed,
        sender=Actor.representatives.through,
        dispatch_uid="people:representatives",
    )
