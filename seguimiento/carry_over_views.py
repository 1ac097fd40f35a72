"""The coordinators' page that carries open commitments over into a new cycle."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alianzas import access
from alianzas.refusals import NotPermitted, Refused
from alianzas.views import alliance_url, done
from seguimiento.carry_over import carry_over_commitments, open_from_earlier_cycles


@login_required
def carry_over(request, pk):
    """GET: what would be carried over, and a button; POST: carry it over (one action)."""
    alliance = access.get_alliance_or_404(request.user, pk)
    if not access.can_manage_alliance(request.user, alliance):
        raise PermissionDenied
    back = alliance_url(alliance, "commitments")
    if request.method == "POST":
        try:
            moved = carry_over_commitments(alliance=alliance, user=request.user)
        except NotPermitted as refusal:
            raise PermissionDenied(refusal.message) from refusal
        except Refused as refusal:
            messages.error(request, refusal.message)
            return redirect(back)
        return done(
            request,
            back,
            ngettext(
                "%(count)s commitment was carried over to cycle %(cycle)s.",
                "%(count)s commitments were carried over to cycle %(cycle)s.",
                len(moved),
            )
            % {"count": len(moved), "cycle": alliance.cycle},
        )
    context = {
        "nav": "alliances",
        "alliance": alliance,
        "title": _("Carry open commitments over to cycle %(cycle)s") % {"cycle": alliance.cycle},
        "commitments": list(open_from_earlier_cycles(alliance).select_related("actor")),
        "back": back,
    }
    return render(request, "seguimiento/carry_over.html", context)
