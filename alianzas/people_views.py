"""Pages that bring people in: invitations, coordinators and representatives, members'
roles and interests, and an actor registered on the spot. Thin: the rules are in
``alianzas.invitations`` and ``alianzas.members``."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alianzas import access, invitations, members
from alianzas.models import Membership, Role
from alianzas.people_forms import (
    InterestsForm,
    InvitationForm,
    MemberRoleForm,
    NewActorForm,
    NewMemberForm,
    NewPersonForm,
)
from alianzas.refusals import NotPermitted, Refused
from alianzas.views import (
    adjustment_form_for,
    alliance_url,
    attach_errors,
    done,
    form_page,
    submit,
)

# --- Invitations ---------------------------------------------------------------------


@login_required
def invite(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    form = InvitationForm(request.POST or None, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = submit(
            form,
            invitations.invite,
            user=request.user,
            alliance=alliance,
            kind=data["kind"],
            email=data["email"],
            actor=data.get("actor"),
            language=data["language"],
        )
        if result is not None:
            invitation, reused = result
            message = (
                _("%(email)s already had a pending invitation: it was sent again.")
                if reused
                else _("The invitation was sent to %(email)s.")
            ) % {"email": invitation.email}
            return done(request, alliance_url(alliance, "people"), message)
    return form_page(
        request,
        form,
        title=_("Invite a person"),
        action=reverse("alianzas:invite", args=[alliance.pk]),
        cancel=alliance_url(alliance, "people"),
        alliance=alliance,
    )


def _post_action(request, pk, service, success: str, **arguments):
    """A button on the alliance page that calls ``service``; a refusal comes back as a
    message on the same page."""
    alliance = access.get_alliance_or_404(request.user, pk)
    try:
        service(user=request.user, alliance=alliance, **arguments)
    except NotPermitted as refusal:
        raise PermissionDenied(refusal.message) from refusal
    except Refused as refusal:
        messages.error(request, refusal.message)
        return redirect(alliance_url(alliance, "people"))
    messages.success(request, success)
    if not access.can_view_alliance(request.user, alliance):
        return redirect("fases:dashboard")  # they just left the alliance's team
    return redirect(alliance_url(alliance, "people"))


@login_required
@require_POST
def invitation_send_again(request, pk, invitation_pk):
    return _post_action(
        request,
        pk,
        invitations.send_again,
        _("The invitation was sent again; its link is valid for another %(days)s days.")
        % {"days": settings.INVITATION_DAYS},
        invitation_pk=invitation_pk,
    )


@login_required
@require_POST
def invitation_withdraw(request, pk, invitation_pk):
    return _post_action(
        request,
        pk,
        invitations.withdraw,
        _("The invitation was withdrawn: its link no longer works."),
        invitation_pk=invitation_pk,
    )


@login_required
@require_POST
def coordinator_remove(request, pk, person_pk):
    return _post_action(
        request,
        pk,
        invitations.remove_coordinator,
        _("The person no longer coordinates the alliance."),
        person_pk=person_pk,
    )


@login_required
@require_POST
def representative_remove(request, pk, member_actor_pk, person_pk):
    leaving = request.user.pk == person_pk
    return _post_action(
        request,
        pk,
        invitations.remove_representative,
        _("You no longer represent the actor.")
        if leaving
        else _("The person no longer represents the actor."),
        actor_pk=member_actor_pk,
        person_pk=person_pk,
    )


# --- Opening an invitation ------------------------------------------------------------

THROTTLE_PREFIX = "invitation-throttle"


def _client_address(request) -> str:
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or "unknown"


def _throttle_key(request) -> str:
    return f"{THROTTLE_PREFIX}:{_client_address(request)}"


def _throttled(request) -> bool:
    return (cache.get(_throttle_key(request)) or 0) >= settings.AXES_FAILURE_LIMIT


def _failed(request) -> None:
    """A bad link or a refused form counts against the address, as a wrong password does
    at sign-in (django-axes): after ``AXES_FAILURE_LIMIT`` of them, ``AXES_COOLOFF_TIME``
    of refusals."""
    key = _throttle_key(request)
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if cache.add(key, 1, seconds):
        return
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, seconds)


def invitation_accept(request, invitation_token):
    """The link in the e-mail. Shown in the invitation's language unless the person chose
    another; every state but "valid" is a page that changes nothing."""
    if _throttled(request):
        from alianzas.lockout import lockout_response

        return lockout_response(request)
    opened = invitations.open_link(invitation_token)
    invitation = opened.invitation
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or (
        invitation.language if invitation else None
    )
    with translation.override(language or translation.get_language()):
        if opened.state != "valid":
            if opened.state == "tampered":
                _failed(request)
            return render(
                request,
                "alianzas/invitation_closed.html",
                {"state": opened.state, "invitation": invitation},
                status=404 if opened.state == "tampered" else 410,
            )
        return _accept_page(request, invitation)


def _accept_page(request, invitation):
    user = request.user
    form = None
    if user.is_authenticated:
        if request.method == "POST":
            try:
                invitations.accept(user=user, invitation_pk=invitation.pk)
            except Refused as refusal:
                messages.error(request, refusal.message)
            else:
                return _welcome(request, invitation)
    else:
        form = NewPersonForm(request.POST or None)
        if request.method == "POST":
            if form.is_valid():
                person = submit(
                    form,
                    invitations.accept_as_new_person,
                    invitation_pk=invitation.pk,
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    password=form.cleaned_data["password1"],
                )
                if person is not None:
                    login(request, person, backend="django.contrib.auth.backends.ModelBackend")
                    return _welcome(request, invitation)
            _failed(request)
    path = request.path
    context = {
        "invitation": invitation,
        "form": form,
        "action": path,
        "login_url": f"{reverse('login')}?next={path}",
        "days": settings.INVITATION_DAYS,
    }
    return render(request, "alianzas/invitation_accept.html", context)


def _welcome(request, invitation):
    messages.success(
        request,
        _("Welcome: you are now %(role)s in “%(alliance)s”.")
        % {"role": invitation.role_label, "alliance": invitation.alliance},
    )
    # A representative lands on their actor's commitments, what they came to report on.
    anchor = f"commitments-actor-{invitation.actor_id}" if invitation.actor_id else ""
    return redirect(alliance_url(invitation.alliance, anchor))


# --- Members: role, interests, actor on the spot ------------------------------------------


def _current_membership(alliance, membership_pk):
    return get_object_or_404(
        Membership.objects.select_related("actor", "alliance"),
        pk=membership_pk,
        alliance=alliance,
        left_on__isnull=True,
    )


@login_required
def member_role(request, pk, membership_pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    membership = _current_membership(alliance, membership_pk)
    form = MemberRoleForm(request.POST or None, initial={"role": membership.role})
    reason_form = adjustment_form_for(request, alliance, membership)
    if request.method == "POST":
        valid = form.is_valid()
        if valid and (reason_form is None or reason_form.is_valid()):
            submit(
                form,
                members.change_role,
                user=request.user,
                alliance=alliance,
                membership=membership,
                role=form.cleaned_data["role"],
                former_leader_role=form.cleaned_data["former_leader_role"],
                adjustment=reason_form.reason_given() if reason_form else None,
            )
            if not form.errors:
                message = (
                    _("%(actor)s is now the lead actor.")
                    if form.cleaned_data["role"] == Role.LEADER
                    else _("The role of %(actor)s was changed.")
                ) % {"actor": membership.actor}
                return done(request, alliance_url(alliance, "members"), message)
    return form_page(
        request,
        form,
        title=_("Role of %(actor)s") % {"actor": membership.actor},
        action=reverse("alianzas:member_role", args=[alliance.pk, membership.pk]),
        cancel=alliance_url(alliance, "members"),
        alliance=alliance,
        extra_forms=[reason_form],
    )


@login_required
def member_interests(request, pk, membership_pk):
    alliance = access.get_alliance_or_404(request.user, pk)
    membership = _current_membership(alliance, membership_pk)
    if not members.can_edit_interests(request.user, membership):
        raise PermissionDenied
    form = InterestsForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        submit(
            form,
            members.update_interests,
            user=request.user,
            membership=membership,
            seeks=form.cleaned_data["seeks"],
            brings=form.cleaned_data["brings"],
        )
        if not form.errors:
            return done(
                request,
                alliance_url(alliance, "members"),
                _("The interests and expectations of %(actor)s were saved.")
                % {"actor": membership.actor},
            )
    return form_page(
        request,
        form,
        title=_("What %(actor)s seeks and brings") % {"actor": membership.actor},
        action=reverse("alianzas:member_interests", args=[alliance.pk, membership.pk]),
        cancel=alliance_url(alliance, "members"),
        alliance=alliance,
    )


@login_required
def member_new_actor(request, pk):
    """Add a member whose actor is not registered yet: both in one form."""
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    actor_form = NewActorForm(request.POST or None)
    member_form = NewMemberForm(request.POST or None, alliance=alliance)
    reason_form = adjustment_form_for(request, alliance, member_form.instance)
    existing = None
    if request.method == "POST":
        forms_valid = [actor_form.is_valid(), member_form.is_valid()]
        if reason_form is not None:
            forms_valid.append(reason_form.is_valid())
        if forms_valid[0] and not all(forms_valid):
            # Say at once that the actor is registered, before the rest is completed.
            existing = members.duplicate_of(actor_form.instance)
            if existing is not None:
                actor_form.add_error(None, members.duplicate_message(actor_form.instance, existing))
        if all(forms_valid):
            try:
                members.register_and_join(
                    user=request.user,
                    alliance=alliance,
                    actor=actor_form.save(commit=False),
                    membership=member_form.save(commit=False),
                    adjustment=reason_form.reason_given() if reason_form else None,
                )
            except members.DuplicateActor as duplicate:
                existing = duplicate.existing
                actor_form.add_error(None, duplicate.message)
            except Exception as error:  # a refusal or validation error, shown on the form
                _show(actor_form, error)
            else:
                return done(
                    request,
                    alliance_url(alliance, "members"),
                    _("“%(name)s” was registered and joined the alliance.")
                    % {"name": actor_form.instance.name},
                )
    template = (
        "alianzas/member_new_actor_fragment.html"
        if request.htmx
        else ("alianzas/member_new_actor.html")
    )
    context = {
        "alliance": alliance,
        "form": actor_form,
        "extra_forms": [f for f in (member_form, reason_form) if f is not None],
        "existing": existing,
        "title": _("Register a new actor and add it"),
        "action": reverse("alianzas:member_new_actor", args=[alliance.pk]),
        "cancel": alliance_url(alliance, "members"),
        "add_existing": (
            reverse("alianzas:member_add", args=[alliance.pk]) + f"?actor={existing.pk}"
            if existing
            else ""
        ),
    }
    return render(request, template, context)


def _show(form, error):
    from django.core.exceptions import ValidationError

    if isinstance(error, ValidationError):
        attach_errors(form, error)
    elif isinstance(error, NotPermitted):
        raise PermissionDenied(error.message) from error
    elif isinstance(error, Refused):
        form.add_error(None, error.message)
    else:
        raise error
