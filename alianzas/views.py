"""Pages of alliances and actors. Views resolve the object and the user's access, call
a service and answer; the rules live in ``services``, ``access`` and the models."""

import hashlib
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from alianzas import access, adjustments, paging, places, selectors, services
from alianzas.forms import (
    ActorFilterForm,
    ActorForm,
    AdjustmentForm,
    AllianceForm,
    IndicatorForm,
    MembershipEndForm,
    MembershipForm,
    ObjectiveForm,
    PlaceSearchForm,
)
from alianzas.models import Actor, Indicator, Membership, Objective
from alianzas.refusals import NotPermitted, Refused
from alianzas.reversing import alliance_part_url
from alianzas.validators import is_digits

PAGE_SIZE = 25


def later(function, *args, **kwargs):
    """``function(*args, **kwargs)``, computed when a template first reads it: not at all when the
    part of the page that reads it comes from the cache."""
    return SimpleLazyObject(lambda: function(*args, **kwargs))


def heading_level(request, page_url: str) -> int:
    """The level of a form's heading: 1 when the form is the page (a whole page, or htmx
    sending back the form of the page at ``page_url``, as after a validation error), 3 when
    htmx opened it inside another page. A page keeps its one level-one heading either way."""
    if not request.htmx:
        return 1
    current = urlsplit(request.htmx.current_url or "").path
    return 1 if current == urlsplit(page_url).path else 3


def form_page(
    request, form, *, title: str, action: str, cancel: str, alliance=None, extra_forms=()
):
    """A form as a whole page, or as a fragment when htmx asks for it inside another page.

    ``extra_forms`` are shown in their own group below it (the reason for an adjustment).
    """
    template = "includes/form_fragment.html" if request.htmx else "form_page.html"
    context = {
        "form": form,
        "extra_forms": [extra for extra in extra_forms if extra is not None],
        "title": title,
        "action": action,
        "cancel": cancel,
        "alliance": alliance,
        "heading_level": heading_level(request, action),
    }
    return render(request, template, context)


def adjustment_form_for(request, alliance, part):
    """The form asking for the reason of an adjustment, when the change is one."""
    if not adjustments.required(alliance, part):
        return None
    return AdjustmentForm(request.POST or None)


def done(request, url: str, message: str):
    """After a change: back to ``url`` with a message. A form that htmx opened inside that
    very page reloads it, since navigating to the same address plus an anchor would not."""
    messages.success(request, message)
    if not request.htmx:
        return redirect(url)
    current = urlsplit(request.htmx.current_url or "").path
    if current == urlsplit(url).path:
        return HttpResponseClientRefresh()
    return HttpResponseClientRedirect(url)


def attach_errors(form, error: ValidationError):
    """Show a service's validation errors on the form, on their fields when the form has them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def submit(form, service, /, *, not_permitted_field: str | None = None, **arguments):
    """Call ``service(**arguments)`` for a valid ``form`` and return what it returns. If
    the service refuses, the refusal is shown on the form (validation errors on their
    fields) and the caller sees ``form.errors``; a refusal for lack of permission is a 403,
    or an error on ``not_permitted_field`` where the form chose on whose behalf to act."""
    try:
        return service(**arguments)
    except ValidationError as error:
        attach_errors(form, error)
    except NotPermitted as refusal:
        if not_permitted_field is None:
            raise PermissionDenied(refusal.message) from refusal
        form.add_error(not_permitted_field, refusal.message)
    except Refused as refusal:
        form.add_error(None, refusal.message)
    return None


def filtered(request, form_class):
    form = form_class(request.GET or None)
    return form, (form.cleaned_data if form.is_valid() else {})


def filters_key(filters: dict) -> str:
    """The chosen filters as a short, stable key, for caching what they select."""
    chosen = sorted((name, str(getattr(value, "pk", value))) for name, value in filters.items())
    return hashlib.sha256(repr(chosen).encode()).hexdigest()[:16]


def paginate(request, rows):
    return paging.page_of(rows, request.GET.get("page"), per_page=PAGE_SIZE)


# --- Alliance -------------------------------------------------------------------


@login_required
def alliance_create(request):
    if not access.can_create_alliance(request.user):
        raise PermissionDenied
    form = AllianceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = submit(form, services.create_alliance, **alliance_arguments(request, form))
        if saved:
            alliance = saved.alliance
            response = done(
                request,
                alliance_url(alliance),
                _("The alliance “%(name)s” was created. Now bring in its actors.")
                % {"name": alliance.name},
            )
            say_territory(request, saved.territory)
            return response
    return form_page(
        request,
        form,
        title=_("New alliance"),
        action=reverse("alianzas:alliance_create"),
        cancel=reverse("fases:dashboard"),
    )


@login_required
def alliance_edit(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    form = AllianceForm(request.POST or None, instance=alliance)
    if request.method == "POST" and form.is_valid():
        saved = submit(form, services.update_alliance, **alliance_arguments(request, form))
        if saved:
            response = done(request, alliance_url(alliance), _("The alliance was updated."))
            say_territory(request, saved.territory)
            return response
    return form_page(
        request,
        form,
        title=_("Edit the alliance"),
        action=reverse("alianzas:alliance_edit", args=[alliance.pk]),
        cancel=alliance_url(alliance),
        alliance=alliance,
    )


def alliance_arguments(request, form) -> dict:
    return {
        "user": request.user,
        "alliance": form.save(commit=False),
        "regions": form.cleaned_data["regions"],
        "goals": form.cleaned_data["goals"],
        "chosen_places": form.cleaned_data["places"],
    }


def say_territory(request, change) -> None:
    """What the territory's rules added or removed beyond what was ticked (after the
    message that the alliance was saved)."""
    for notice in change.notices():
        messages.info(request, notice)


@login_required
def place_search(request):
    """The place picker's answer (htmx): the places ticked so far, still ticked, then the
    provinces and districts matching ``q`` as unticked boxes."""
    form = PlaceSearchForm(request.GET)
    context = {"form": form, "name": "places", "id": "id_places"}
    if not form.is_valid():
        return render(request, "alianzas/place_options.html", context, status=400)
    ticked = list(form.cleaned_data["places"])
    query = form.cleaned_data["q"].strip()
    found = places.search(query, exclude=[place.pk for place in ticked])
    context.update(
        query=query,
        searched=len(query) >= places.SEARCH_MIN_LENGTH,
        min_length=places.SEARCH_MIN_LENGTH,
        options=[
            *({"place": p, "label": places.label(p), "checked": True} for p in ticked),
            *({"place": p, "label": places.label(p), "checked": False} for p in found),
        ],
        found=len(found),
        limit=places.SEARCH_LIMIT,
    )
    return render(request, "alianzas/place_options.html", context)


def alliance_url(alliance, anchor: str = "") -> str:
    """The page of ``alliance`` that shows the part ``anchor``, at that part."""
    return alliance_part_url(alliance.pk, anchor)


def save_part_page(request, alliance, form, *, title, action, anchor, message):
    """The shared flow of every form that adds to or changes a part of an alliance."""
    reason_form = adjustment_form_for(request, alliance, form.instance)
    if request.method == "POST":
        valid = form.is_valid()
        reason_valid = reason_form is None or reason_form.is_valid()
        if valid and reason_valid:
            submit(
                form,
                services.save_alliance_part,
                user=request.user,
                alliance=alliance,
                part=form.save(commit=False),
                adjustment=reason_form.reason_given() if reason_form else None,
            )
            if not form.errors:
                return done(request, alliance_url(alliance, anchor), message)
    return form_page(
        request,
        form,
        title=title,
        action=action,
        cancel=alliance_url(alliance, anchor),
        alliance=alliance,
        extra_forms=[reason_form],
    )


# --- Members --------------------------------------------------------------------


@login_required
def member_add(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    # ?actor= preselects an actor: the one offered when registering a duplicate on the spot.
    initial = {"actor": request.GET.get("actor")} if is_digits(request.GET.get("actor", "")) else {}
    form = MembershipForm(request.POST or None, alliance=alliance, initial=initial)
    return save_part_page(
        request,
        alliance,
        form,
        title=_("Add a member"),
        action=reverse("alianzas:member_add", args=[alliance.pk]),
        anchor="members",
        message=_("The actor joined the alliance."),
    )


@login_required
def member_end(request, pk, membership_pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    membership = get_object_or_404(
        Membership.objects.select_related("actor"),
        pk=membership_pk,
        alliance=alliance,
        left_on__isnull=True,
    )
    form = MembershipEndForm(request.POST or None, instance=membership)
    return save_part_page(
        request,
        alliance,
        form,
        title=_("%(actor)s leaves the alliance") % {"actor": membership.actor},
        action=reverse("alianzas:member_end", args=[alliance.pk, membership.pk]),
        anchor="members",
        message=_("The actor left the alliance; its history is kept."),
    )


# --- Objectives and indicators ------------------------------------------------


@login_required
def objective_create(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    form = ObjectiveForm(request.POST or None, alliance=alliance)
    return save_part_page(
        request,
        alliance,
        form,
        title=_("New objective"),
        action=reverse("alianzas:objective_create", args=[alliance.pk]),
        anchor="objectives",
        message=_("The objective was added. Give it an indicator with a baseline and a target."),
    )


@login_required
def objective_edit(request, pk, objective_pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    objective = get_object_or_404(Objective, pk=objective_pk, alliance=alliance)
    form = ObjectiveForm(request.POST or None, instance=objective, alliance=alliance)
    return save_part_page(
        request,
        alliance,
        form,
        title=_("Edit the objective"),
        action=reverse("alianzas:objective_edit", args=[alliance.pk, objective.pk]),
        anchor=f"objective-{objective.pk}",
        message=_("The objective was updated."),
    )


@login_required
def indicator_create(request, pk, objective_pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    objective = get_object_or_404(Objective, pk=objective_pk, alliance=alliance)
    form = IndicatorForm(request.POST or None, objective=objective)
    return save_part_page(
        request,
        alliance,
        form,
        title=_("New indicator for objective %(number)s") % {"number": objective.position},
        action=reverse("alianzas:indicator_create", args=[alliance.pk, objective.pk]),
        anchor=f"objective-{objective.pk}",
        message=_("The indicator was added."),
    )


@login_required
def indicator_edit(request, pk, indicator_pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    indicator = get_object_or_404(
        Indicator.objects.select_related("objective"),
        pk=indicator_pk,
        objective__alliance=alliance,
    )
    form = IndicatorForm(request.POST or None, instance=indicator, objective=indicator.objective)
    return save_part_page(
        request,
        alliance,
        form,
        title=_("Edit the indicator"),
        action=reverse("alianzas:indicator_edit", args=[alliance.pk, indicator.pk]),
        anchor=f"indicator-{indicator.pk}",
        message=_("The indicator was updated."),
    )


# --- Actors ---------------------------------------------------------------------


@login_required
def actor_list(request):
    form, filters = filtered(request, ActorFilterForm)
    context = {
        "nav": "actors",
        "filter_form": form,
        "page": paginate(request, selectors.actor_list(filters)),
        "can_register": access.can_register_actor(request.user),
    }
    return render(request, "alianzas/actor_list.html", context)


@login_required
def actor_create(request):
    if not access.can_register_actor(request.user):
        raise PermissionDenied
    return actor_form_page(request, Actor(), title=_("Register an actor"))


@login_required
def actor_edit(request, pk):
    actor = get_object_or_404(Actor, pk=pk)
    if not access.can_edit_actor(request.user, actor):
        raise PermissionDenied
    return actor_form_page(request, actor, title=_("Edit the actor"))


def actor_form_page(request, actor, *, title):
    form = ActorForm(request.POST or None, instance=actor)
    if request.method == "POST" and form.is_valid():
        actor = services.save_actor(user=request.user, actor=form.save(commit=False))
        return done(
            request,
            reverse("seguimiento:actor_detail", args=[actor.pk]),
            _("“%(name)s” was saved.") % {"name": actor.name},
        )
    action = (
        reverse("alianzas:actor_edit", args=[actor.pk])
        if actor.pk
        else reverse("alianzas:actor_create")
    )
    cancel = (
        reverse("seguimiento:actor_detail", args=[actor.pk])
        if actor.pk
        else reverse("alianzas:actor_list")
    )
    return form_page(request, form, title=title, action=action, cancel=cancel)
