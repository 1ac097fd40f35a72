"""The national view for signed-in people: the portfolio's map, the actor network, and the
coordinators' choice to publish an alliance (``alianzas.publishing``)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from alianzas import access, publishing
from alianzas.forms import ActorFilterForm, AllianceFilterForm
from alianzas.models import Actor, Sector
from alianzas.refusals import NotPermitted, Refused
from alianzas.selectors import filter_alliances
from alianzas.views import filtered, paginate
from fases import network, territory_map
from fases.public.views import map_context


def portfolio_scope(request):
    """The alliances of the national view: the portfolio's (``access.managed_alliances``)."""
    if not access.can_see_portfolio(request.user):
        raise PermissionDenied
    return access.managed_alliances(request.user)


@login_required
def territory(request):
    alliances = portfolio_scope(request)
    form, filters = filtered(request, AllianceFilterForm)
    alliances = filter_alliances(alliances, filters)
    # Every alliance of the country: its counts are kept by a worker (fases.territory_map).
    national = access.is_administrator(request.user) and not any(filters.values())
    scope = territory_map.ALL if national else None
    context = {
        "nav": "portfolio",
        "filter_form": form,
        **map_context(request, alliances, scope=scope),
    }
    return render(request, "fases/territory.html", context)


def _network_scope_key(request) -> str:
    # Administrators see every alliance; a coordinator the ones they coordinate.
    if access.is_administrator(request.user):
        return network.NATIONAL
    return f"user-{request.user.pk}"


@login_required
def actor_network(request):
    alliances = portfolio_scope(request)
    form, filters = filtered(request, ActorFilterForm)
    result = network.actor_network(
        alliances,
        sector=filters.get("sector", ""),
        region=filters.get("region"),
        scope_key=_network_scope_key(request),
        named=False,
    )
    # The table a page at a time: thousands of actors at the national scale.
    page = paginate(request, result.nodes)
    network.name_nodes(page)
    network.label_figures(page)
    context = {
        "nav": "network",
        "filter_form": form,
        "network": result,
        "page": page,
        "actor": None,
        "sectors": Sector.choices,
    }
    return render(request, "fases/network.html", context)


@login_required
def actor_network_detail(request, pk):
    """One actor's partners: the network of the alliances it is in (within the portfolio)."""
    alliances = portfolio_scope(request)
    actor = get_object_or_404(Actor, pk=pk)
    mine = alliances.filter(memberships__actor=actor, memberships__left_on__isnull=True)
    result = network.actor_network(
        mine.distinct(), scope_key=f"{_network_scope_key(request)}-actor-{actor.pk}"
    )
    page = paginate(request, result.nodes)
    network.label_figures(page)
    context = {
        "nav": "network",
        "network": result,
        "page": page,
        "actor": actor,
        "filter_form": None,
        "sectors": Sector.choices,
    }
    return render(request, "fases/network.html", context)


class PublicationForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Why"), required=False, max_length=1000, widget=forms.Textarea
    )


@login_required
@require_POST
def set_publication(request, pk, published: bool):
    alliance = access.get_alliance_or_404(request.user, pk)
    form = PublicationForm(request.POST)
    url = reverse("fases:alliance_detail", args=[alliance.pk]) + "#publication"
    if not form.is_valid():
        for error in form.errors.get("comment", []):
            messages.error(request, error)
        return redirect(url)
    try:
        publishing.set_published(
            user=request.user,
            alliance=alliance,
            published=published,
            comment=form.cleaned_data["comment"],
        )
    except NotPermitted as refusal:
        raise PermissionDenied(refusal.message) from refusal
    except Refused as refusal:
        messages.error(request, refusal.message)
        return redirect(url)
    messages.success(
        request,
        _("The alliance is now public.") if published else _("The alliance is no longer public."),
    )
    return redirect(url)
