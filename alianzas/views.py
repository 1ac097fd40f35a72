"""Pages of alliances and actors. Views resolve the object and the user's access, call
a service and answer; the rules live in ``services``, ``access`` and the models."""

import hashlib
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from alianzas import access, generations, selectors, services
from alianzas.forms import (
    ActorFilterForm,
    ActorForm,
    AdjustmentForm,
    AllianceFilterForm,
    AllianceForm,
    IndicatorForm,
    MembershipEndForm,
    MembershipForm,
    ObjectiveForm,
)
from alianzas.models import Actor, Indicator, Membership, Objective
from alianzas.refusals import NotPermitted, Refused
from fases import adjustments
from fases.services import next_step, transition_options
from seguimiento.services import REPORTING_PHASES

PAGE_SIZE = 25


def later(function, *args, **kwargs):
    """``function(*args, **kwargs)``, computed when a template first reads it: not at all when the
    part of the page that reads it comes from the cache."""
    return SimpleLazyObject(lambda: function(*args, **kwargs))


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
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Dashboard and lists --------------------------------------------------------


@login_required
def dashboard(request):
    form, filters = filtered(request, AllianceFilterForm)
    visible = access.visible_alliances(request.user)
    alliances = selectors.filter_alliances(visible, filters)
    # The content is cached until one of the alliances the person sees changes (all of
    # them, not only those filtered in: the list waiting for requirements is not filtered):
    # a person's own few by id, a national portfolio as a whole. A portfolio's figures are
    # also counted at most once a minute (selectors.dashboard). Which alliances the person
    # sees is kept until their roles or their actors' memberships change.
    ids = generations.person_value(
        request.user, "dashboard-scope", lambda: selectors.small_scope_ids(visible)
    )
    scope_key = f"{access.visibility_key(request.user)}:{filters_key(filters)}"
    context = {
        "nav": "dashboard",
        "filter_form": form,
        "content_cache": generations.content_cache(
            "dashboard", request, ids or (), any_alliance=ids is None
        ),
        "figures": later(selectors.dashboard, alliances, scope_key=scope_key),
        "blocked": later(selectors.blocked_alliances, request.user),
        "can_create": access.can_create_alliance(request.user),
    }
    return render(request, "alianzas/dashboard.html", context)


@login_required
def alliance_list(request):
    form, filters = filtered(request, AllianceFilterForm)
    alliances = selectors.filter_alliances(access.visible_alliances(request.user), filters)
    rows = selectors.with_summary(alliances).order_by("name", "pk")
    context = {
        "nav": "alliances",
        "filter_form": form,
        # Cached until any alliance changes.
        "content_cache": generations.content_cache("alliances", request, any_alliance=True),
        "page": later(paginate, request, rows),
        "can_create": access.can_create_alliance(request.user),
    }
    return render(request, "alianzas/alliance_list.html", context)


# --- Alliance -------------------------------------------------------------------


@login_required
def alliance_detail(request, pk):
    # The coordinators answer the access check, whether the person manages the alliance
    # and the page's list of coordinators.
    alliance = access.get_alliance_or_404(request.user, pk, prefetch=("coordinators",))
    user = request.user
    # Everything below the title is cached for this person until the alliance changes
    # (alianzas.generations); what it needs is read only when it is rendered.
    context = {
        "nav": "alliances",
        "alliance": alliance,
        "content_cache": generations.content_cache("alliance", request, [alliance.pk]),
        "can_manage": later(access.can_manage_alliance, user, alliance),
        "memberships": alliance.memberships.select_related("actor").order_by(
            "left_on", "joined_on", "pk"
        ),
        "objectives": later(selectors.objectives_with_indicators, alliance),
        "commitments": later(selectors.commitments_by_actor, alliance, alliance.cycle),
        "next_step": later(next_step, alliance),
        "options": later(transition_options, alliance, user),
        "history": alliance.phase_changes.select_related("user").order_by("-created_at", "-pk"),
        "represented_actor_ids": later(lambda: set(user.actors.values_list("pk", flat=True))),
        "reportable_indicator_ids": later(
            lambda: (
                access.reportable_indicator_ids(user, alliance)
                if alliance.phase in REPORTING_PHASES
                else set()
            )
        ),
    }
    return render(request, "alianzas/alliance_detail.html", context)


@login_required
def alliance_create(request):
    if not access.can_create_alliance(request.user):
        raise PermissionDenied
    form = AllianceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        alliance = services.create_alliance(
            user=request.user,
            alliance=form.save(commit=False),
            regions=form.cleaned_data["regions"],
            goals=form.cleaned_data["goals"],
        )
        return done(
            request,
            alliance_url(alliance),
            _("The alliance “%(name)s” was created. Now bring in its actors.")
            % {"name": alliance.name},
        )
    return form_page(
        request,
        form,
        title=_("New alliance"),
        action=reverse("alianzas:alliance_create"),
        cancel=reverse("alianzas:dashboard"),
    )


@login_required
def alliance_edit(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    form = AllianceForm(request.POST or None, instance=alliance)
    if request.method == "POST" and form.is_valid():
        services.update_alliance(
            user=request.user,
            alliance=form.save(commit=False),
            regions=form.cleaned_data["regions"],
            goals=form.cleaned_data["goals"],
        )
        return done(request, alliance_url(alliance), _("The alliance was updated."))
    return form_page(
        request,
        form,
        title=_("Edit the alliance"),
        action=reverse("alianzas:alliance_edit", args=[alliance.pk]),
        cancel=alliance_url(alliance),
        alliance=alliance,
    )


def alliance_url(alliance, anchor: str = "") -> str:
    url = reverse("alianzas:alliance_detail", args=[alliance.pk])
    return f"{url}#{anchor}" if anchor else url


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
    form = MembershipForm(request.POST or None, alliance=alliance)
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
def actor_detail(request, pk):
    actor = get_object_or_404(Actor.objects.select_related("region"), pk=pk)
    # Only the alliances this user may see: the registry must not reveal the others.
    visible = access.visible_alliances(request.user)
    memberships = (
        actor.memberships.filter(alliance__in=visible.values("pk"))
        .select_related("alliance")
        .order_by("left_on", "alliance__name")
    )
    commitments = (
        actor.commitments.filter(alliance__in=visible.values("pk"))
        .select_related("alliance")
        .order_by("due_date", "pk")
    )
    context = {
        "nav": "actors",
        "actor": actor,
        "memberships": memberships,
        "commitments": commitments,
        "can_edit": access.can_edit_actor(request.user, actor),
    }
    return render(request, "alianzas/actor_detail.html", context)


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
            reverse("alianzas:actor_detail", args=[actor.pk]),
            _("“%(name)s” was saved.") % {"name": actor.name},
        )
    action = (
        reverse("alianzas:actor_edit", args=[actor.pk])
        if actor.pk
        else reverse("alianzas:actor_create")
    )
    cancel = (
        reverse("alianzas:actor_detail", args=[actor.pk])
        if actor.pk
        else reverse("alianzas:actor_list")
    )
    return form_page(request, form, title=title, action=action, cancel=cancel)
