"""Publishing an alliance: an explicit, recorded decision of its coordinators, which can be
withdrawn. A published alliance has a public page and is in the open data (``fases.public``);
what those show is decided there, never a person's name or e-mail."""

from django.db import transaction
from django.utils.translation import gettext as _

from alianzas import access
from alianzas.models import Alliance, Publication
from alianzas.refusals import NotPermitted, Refused


class PublicationError(Refused):
    pass


def can_publish(user, alliance: Alliance) -> bool:
    """The alliance's coordinators and the administrators decide what is public."""
    return access.can_manage_alliance(user, alliance)


def set_published(*, user, alliance: Alliance, published: bool, comment: str = "") -> Publication:
    """Publish ``alliance`` (or withdraw it) and record who decided, when and why."""
    if not can_publish(user, alliance):
        raise NotPermitted(_("Only the alliance's coordinators may publish it or withdraw it."))
    with transaction.atomic():
        locked = Alliance.objects.select_for_update().get(pk=alliance.pk)
        if locked.published == published:
            raise PublicationError(
                _("The alliance is already published.")
                if published
                else _("The alliance is not published.")
            )
        locked.published = published
        locked.save(update_fields=["published", "updated_at"])
        record = Publication(
            alliance=locked, published=published, user=user, comment=comment.strip()
        )
        record.full_clean()
        record.save()
    alliance.published = published
    return record


def publish_alliance(*, user, alliance: Alliance, comment: str = "") -> Publication:
    return set_published(user=user, alliance=alliance, published=True, comment=comment)


def withdraw_alliance(*, user, alliance: Alliance, comment: str = "") -> Publication:
    return set_published(user=user, alliance=alliance, published=False, comment=comment)
