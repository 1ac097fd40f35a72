"""Invitations e-mailed through the outbox: the message is stored in the transaction that
records the invitation, in the invitee's language, and a worker sends it once after the
commit, with the reminders' retries (``delivery``). Registered with
``alianzas.invitations.register_mailer`` from ``SeguimientoConfig.ready``."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alianzas.models import Invitation, User
from seguimiento.models import OutgoingMessage
from seguimiento.reminders.delivery import after_commit, queue_send
from seguimiento.reminders.wording import site_url


def store_invitation(invitation: Invitation, path: str) -> OutgoingMessage:
    recipient = User.objects.filter(email__iexact=invitation.email, is_active=True).first()
    with translation.override(invitation.language):
        context = {
            "invitation": invitation,
            "alliance": invitation.alliance,
            "inviter": invitation.invited_by or _("A coordinator"),
            "role": invitation.role_label,
            "url": site_url(path),
            "days": settings.INVITATION_DAYS,
            "expires_at": invitation.expires_at,
            "has_account": recipient is not None,
        }
        subject = _("Invitation to the alliance “%(alliance)s”") % {
            "alliance": invitation.alliance.name
        }
        text = render_to_string("emails/invitation.txt", context)
        html = render_to_string("emails/invitation.html", context)
    message = OutgoingMessage.objects.create(
        recipient=recipient,
        address=invitation.email,
        language=invitation.language,
        subject=subject[:250],
        text=text,
        html=html,
        status=OutgoingMessage.Status.QUEUED,
        next_attempt_at=timezone.now(),
    )
    after_commit(queue_send, message.pk)
    return message
