"""The partnership health check's page: a member actor answers it during Monitoreo."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from alianzas import access
from alianzas.lifecycle import Phase
from alianzas.views import alliance_url, done, heading_level, submit
from seguimiento import partnership_health as health
from seguimiento.forms import HealthCheckForm
from seguimiento.models import HealthCheck


@login_required
def health_check(request, pk):
    """A member actor's answer to the partnership health check of the current cycle.

    A representative of several member actors chooses which one answers (``?actor=``,
    the first by default); each may correct its answer until Monitoreo ends.
    """
    alliance = access.get_alliance_or_404(request.user, pk)
    actors = health.answerable_actors(request.user, alliance)
    choices = list(actors)
    if not choices:
        raise PermissionDenied
    is_open = alliance.phase == Phase.MONITORING
    chosen = _chosen_actor(request, choices)
    existing = (
        HealthCheck.objects.filter(alliance=alliance, cycle=alliance.cycle, actor=chosen)
        .prefetch_related("answers")
        .first()
    )
    initial = {"actor": chosen.pk}
    if existing is not None:
        initial.update({answer.condition: answer.score for answer in existing.answers.all()})
        initial["comment"] = existing.comment
    form = HealthCheckForm(request.POST or None, actors=actors, initial=initial)
    if request.method == "POST" and is_open and form.is_valid():
        actor = form.cleaned_data["actor"]
        submit(
            form,
            health.answer_health_check,
            # The form chose the actor: not representing it is an error on that choice.
            not_permitted_field="actor",
            alliance=alliance,
            actor=actor,
            user=request.user,
            scores=form.scores(),
            comment=form.cleaned_data["comment"],
        )
        if not form.errors:
            return done(
                request,
                alliance_url(alliance, "health"),
                _("Thank you: the answer of %(actor)s to the health check was saved.")
                % {"actor": actor},
            )
    context = {
        "alliance": alliance,
        "form": form,
        "is_open": is_open,
        "actor": chosen,
        "choices": choices,
        "existing": existing,
        "title": _("Partnership health check, cycle %(cycle)s") % {"cycle": alliance.cycle},
        "action": reverse("seguimiento:health_check", args=[alliance.pk]),
        "cancel": alliance_url(alliance, "health"),
    }
    context["heading_level"] = heading_level(request, context["action"])
    template = (
        "seguimiento/health_check_fragment.html"
        if request.htmx
        else "seguimiento/health_check.html"
    )
    return render(request, template, context)


def _chosen_actor(request, choices):
    """The actor asked for (in the form or the address) among ``choices``, else the first."""
    wanted = request.POST.get("actor") or request.GET.get("actor")
    by_pk = {str(actor.pk): actor for actor in choices}
    return by_pk.get(str(wanted).strip(), choices[0])
