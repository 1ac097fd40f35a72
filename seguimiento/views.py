from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from alianzas import access
from alianzas.views import alliance_url, attach_errors, done, form_page
from seguimiento import services
from seguimiento.forms import CommitmentForm
from seguimiento.models import Commitment


def commitment_page(request, alliance, form, *, title, action):
    if request.method == "POST" and form.is_valid():
        try:
            commitment = services.save_commitment(
                user=request.user, commitment=form.save(commit=False)
            )
        except ValidationError as error:
            attach_errors(form, error)
        except services.CommitmentError as refusal:
            form.add_error(None, refusal.message)
        else:
            return done(
                request,
                alliance_url(alliance, f"commitments-actor-{commitment.actor_id}"),
                _("The commitment was saved."),
            )
    return form_page(
        request,
        form,
        title=title,
        action=action,
        cancel=alliance_url(alliance, "commitments"),
        alliance=alliance,
    )


def actors_for(user, alliance):
    """Coordinators record for any member; a representative only for their own actors."""
    if access.can_manage_alliance(user, alliance):
        return None
    return list(user.actors.values_list("pk", flat=True))


@login_required
def commitment_create(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk)
    actors = actors_for(request.user, alliance)
    if actors is not None and not alliance.active_memberships().filter(actor__in=actors).exists():
        raise PermissionDenied
    form = CommitmentForm(request.POST or None, alliance=alliance, actors=actors)
    return commitment_page(
        request,
        alliance,
        form,
        title=_("New commitment"),
        action=reverse("seguimiento:commitment_create", args=[alliance.pk]),
    )


@login_required
def commitment_edit(request, pk, commitment_pk):
    alliance = access.get_alliance_or_404(request.user, pk)
    commitment = get_object_or_404(Commitment, pk=commitment_pk, alliance=alliance)
    if not access.can_update_commitment(request.user, commitment):
        raise PermissionDenied
    form = CommitmentForm(
        request.POST or None,
        instance=commitment,
        alliance=alliance,
        actors=actors_for(request.user, alliance),
    )
    return commitment_page(
        request,
        alliance,
        form,
        title=_("Edit the commitment"),
        action=reverse("seguimiento:commitment_edit", args=[alliance.pk, commitment.pk]),
    )
