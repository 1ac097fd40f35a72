from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alianzas import access
from alianzas.lifecycle import Phase
from alianzas.views import alliance_url, done, later, submit
from fases import risks, services
from fases.forms import EvaluationForm, PhaseChangeForm
from fases.services import next_step
from fases.templatetags.evaluation import rating_chart


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
    """Record or correct the evaluation of the current cycle; once saved, the page offers
    the change of phase its decision names."""
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    is_open = alliance.phase == Phase.EVALUATION
    current = services.evaluation_of(alliance, alliance.cycle) if is_open else None
    form = EvaluationForm(request.POST or None, instance=current)
    if request.method == "POST" and is_open and form.is_valid():
        submit(
            form,
            services.record_evaluation,
            alliance=alliance,
            user=request.user,
            decision=form.cleaned_data["decision"],
            findings=form.cleaned_data["findings"],
            lessons_learned=form.cleaned_data["lessons_learned"],
            ratings=form.ratings(),
        )
        if not form.errors:
            return done(
                request,
                reverse("fases:record_evaluation", args=[alliance.pk]) + "#decided",
                _("The evaluation was saved. Its decision can now be carried out."),
            )
    step = next_step(alliance) if current is not None else None
    context = {
        "alliance": alliance,
        "form": form,
        "is_open": is_open,
        "evaluation": current,
        "chart": rating_chart(current.ordered_ratings) if current else None,
        "step": step,
        "can_change_phase": access.can_change_phase(request.user, alliance),
        "title": _("Evaluation of cycle %(cycle)s") % {"cycle": alliance.cycle},
        "action": reverse("fases:record_evaluation", args=[alliance.pk]),
        "cancel": alliance_url(alliance, "evaluation"),
        # The register's open items, and the high ones not reviewed in this cycle (which
        # refuse the evaluation): shown before anyone tries.
        "open_risks": later(risks.open_items, alliance),
        "unreviewed_risks": later(risks.unreviewed_high_risks, alliance),
    }
    template = (
        "fases/evaluation_form_fragment.html" if request.htmx else "fases/evaluation_form.html"
    )
    return render(request, template, context)


@login_required
def evaluation_detail(request, pk, cycle):
    """The evaluation of one cycle, read-only, for whoever may see the alliance."""
    alliance = access.get_alliance_or_404(request.user, pk)
    evaluation = services.evaluation_of(alliance, cycle)
    if evaluation is None and cycle != alliance.cycle:
        raise Http404(_("This cycle has no evaluation."))
    context = {
        "nav": "alliances",
        "alliance": alliance,
        "cycle": cycle,
        "evaluation": evaluation,
        "chart": rating_chart(evaluation.ordered_ratings) if evaluation else None,
        "can_record": (
            cycle == alliance.cycle
            and alliance.phase == Phase.EVALUATION
            and access.can_record_evaluation(request.user, alliance)
        ),
    }
    return render(request, "fases/evaluation_detail.html", context)
