from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alianzas import access
from alianzas.views import alliance_url, done, form_page
from fases import services
from fases.forms import EvaluationForm, PhaseChangeForm


@login_required
@require_POST
def change_phase(request, pk, transition):
    alliance = access.get_alliance_or_404(request.user, pk)
    form = PhaseChangeForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("comment", []):
            messages.error(request, error)
        return redirect(alliance_url(alliance, "next-step"))
    try:
        change = services.change_phase(
            alliance=alliance,
            transition=transition,
            user=request.user,
            comment=form.cleaned_data["comment"],
        )
    except services.PhaseChangeNotPermitted as refusal:
        raise PermissionDenied(refusal.message) from refusal
    except services.PhaseChangeError as refusal:
        for message in refusal.messages:
            messages.error(request, message)
        return redirect(alliance_url(alliance, "next-step"))
    messages.success(
        request,
        _("The alliance is now in “%(phase)s” (cycle %(cycle)s).")
        % {"phase": change.get_target_phase_display(), "cycle": change.cycle},
    )
    return redirect(alliance_url(alliance))


@login_required
def record_evaluation(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    current = alliance.evaluations.filter(cycle=alliance.cycle).first()
    form = EvaluationForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_evaluation(
                alliance=alliance,
                user=request.user,
                decision=form.cleaned_data["decision"],
                findings=form.cleaned_data["findings"],
            )
        except services.PhaseChangeError as refusal:
            form.add_error(None, refusal.message)
        else:
            return done(
                request, alliance_url(alliance, "next-step"), _("The evaluation was saved.")
            )
    return form_page(
        request,
        form,
        title=_("Evaluation of cycle %(cycle)s") % {"cycle": alliance.cycle},
        action=reverse("fases:record_evaluation", args=[alliance.pk]),
        cancel=alliance_url(alliance, "evaluation"),
        alliance=alliance,
    )
