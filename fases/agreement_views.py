"""Pages of the partnering agreement and of the entry of a running alliance. Thin: they
resolve the alliance and the person's access, call ``fases.agreements`` or
``fases.mid_course`` and answer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alianzas import access
from alianzas.lifecycle import Phase
from alianzas.views import alliance_url, done, form_page, submit
from fases import agreements, mid_course
from fases.agreement_forms import (
    AgreementForm,
    DocumentForm,
    MidCourseForm,
    PaperSignatureForm,
    SignForm,
)
from fases.agreement_pdf import agreement_pdf as render_pdf
from fases.models import AgreementSignature, AgreementVersion, agreement_of
from fases.services import PhaseChangeError, PhaseChangeNotPermitted
from seguimiento.views import evidence_response


def _versions(alliance) -> list[AgreementVersion]:
    """Every version of every cycle's agreement, the latest first, with its agreement."""
    return list(
        AgreementVersion.objects.filter(agreement__alliance=alliance)
        .select_related("agreement")
        .order_by("-agreement__cycle", "-number")
    )


def _coordinators(user) -> tuple:
    """What to read with the alliance for the page's checks (may see it, may draft): its
    coordinators' ids, once; nothing for an administrator, who may do both anyway."""
    if access.is_administrator(user):
        return ()
    return ("coordinators",)


def _page(request, alliance, version, agreement, versions=None):
    user = request.user
    can_draft = access.can_draft_agreement(user, alliance) and not alliance.is_closed
    in_force = agreement is not None and version is not None and version == agreement.in_force
    current_cycle = agreement is not None and agreement.cycle == alliance.cycle
    # Who may sign asks whether the person represents each current member: read with the
    # members (``version_details``'s ``signer``), not in a query of its own.
    may_sign = in_force and current_cycle and user.is_authenticated and user.is_active
    rows = (
        agreements.version_details(version, alliance, user if may_sign else None) if version else []
    )
    signed = {row.actor.pk for row in rows if row.signature}
    if in_force and not hasattr(agreement, "signed_actor_ids"):
        # The rows hold every signature of the version in force (those of members that
        # have left too): who signed it, as ``agreement_of`` would have asked.
        agreement.signed_actor_ids = signed
    # ``access.signable_actor_ids``: the current members the person represents.
    signable = {row.actor.pk for row in rows if row.represented} if may_sign else set()
    unsigned_signable = signable - signed
    # Only in Evaluación is the next cycle's agreement shown or renewed into: asked once.
    next_agreement = (
        agreement_of(alliance, alliance.cycle + 1) if alliance.phase == Phase.EVALUATION else None
    )
    context = {
        "nav": "alliances",
        "alliance": alliance,
        "agreement": agreement,
        "version": version,
        "rows": rows,
        "in_force": in_force,
        "current_cycle": current_cycle,
        "versions": _versions(alliance) if versions is None else versions,
        "can_draft": can_draft and current_cycle and in_force,
        "can_start": can_draft and agreement is None,
        "can_sign": bool(unsigned_signable) and not alliance.is_closed,
        "can_renew": (
            can_draft
            and in_force
            and current_cycle
            and alliance.phase == Phase.EVALUATION
            and next_agreement is None
        ),
        "next_agreement": next_agreement,
    }
    return render(request, "fases/agreements/agreement.html", context)


@login_required
def agreement(request, pk):
    """The agreement of the current cycle: its version in force, who signed, and every
    version of every cycle (earlier versions stay readable)."""
    alliance = access.get_alliance_or_404(request.user, pk, prefetch=_coordinators(request.user))
    # The list of versions, latest first, also names the version in force (the cycle's
    # latest): what ``agreement_of`` would ask again; who signed it comes with the rows.
    versions = _versions(alliance)
    in_force = next((v for v in versions if v.agreement.cycle == alliance.cycle), None)
    current = None
    if in_force is not None:
        current = in_force.agreement
        current.in_force = in_force
    return _page(request, alliance, in_force, current, versions=versions)


@login_required
def agreement_version(request, pk, version_pk):
    alliance = access.get_alliance_or_404(request.user, pk, prefetch=_coordinators(request.user))
    version = get_object_or_404(
        AgreementVersion.objects.select_related("agreement"),
        pk=version_pk,
        agreement__alliance=alliance,
    )
    owner = agreement_of(alliance, version.agreement.cycle)
    return _page(request, alliance, version, owner)


def _agreement_form_page(request, alliance, *, amendment: bool):
    current = agreement_of(alliance, alliance.cycle)
    instance = current.in_force if (current and not amendment) else None
    if amendment and current is not None and current.in_force is not None:
        # An amendment starts from the text in force.
        source = current.in_force
        instance = AgreementVersion(
            **{name: getattr(source, name) for name in agreements.CONTENT_FIELDS}
        )
    form = AgreementForm(
        request.POST or None,
        request.FILES or None,
        instance=instance,
        alliance=alliance,
        amendment=amendment,
    )
    if amendment and instance is not None and instance.pk is None:
        # The members' contributions in force, as the amendment's starting point.
        for row in current.in_force.contributions.prefetch_related("commitments"):
            form.initial.setdefault(f"contribution_{row.actor_id}", row.contribution)
            form.initial.setdefault(f"responsibilities_{row.actor_id}", row.responsibilities)
            form.initial.setdefault(
                f"commitments_{row.actor_id}", [c.pk for c in row.commitments.all()]
            )
    if request.method == "POST" and form.is_valid():
        arguments = {
            "alliance": alliance,
            "user": request.user,
            "content": form.content(),
            "contributions": form.contributions(),
            # Only a file uploaded now: the form's initial value is the one already kept.
            "document": request.FILES.get("document"),
        }
        if amendment:
            submit(
                form,
                agreements.amend_agreement,
                reason=form.cleaned_data["amendment_reason"],
                **arguments,
            )
        else:
            submit(form, agreements.draft_agreement, **arguments)
        if not form.errors:
            return done(
                request,
                reverse("fases:agreement", args=[alliance.pk]),
                _("The amendment was saved: every member signs it again.")
                if amendment
                else _("The agreement was saved. The members can now sign it."),
            )
    return form_page(
        request,
        form,
        title=(
            _("Amend the agreement of cycle %(cycle)s")
            if amendment
            else _("Partnering agreement of cycle %(cycle)s")
        )
        % {"cycle": alliance.cycle},
        action=reverse(
            "fases:agreement_amend" if amendment else "fases:agreement_draft", args=[alliance.pk]
        ),
        cancel=reverse("fases:agreement", args=[alliance.pk]),
        alliance=alliance,
    )


@login_required
def agreement_draft(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    current = agreement_of(alliance, alliance.cycle)
    if current and current.in_force and current.signed_actor_ids:
        messages.info(
            request,
            _("This version has already been signed: a change is an amendment."),
        )
        return redirect("fases:agreement_amend", pk=alliance.pk)
    return _agreement_form_page(request, alliance, amendment=False)


@login_required
def agreement_amend(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    if agreement_of(alliance, alliance.cycle) is None:
        return redirect("fases:agreement_draft", pk=alliance.pk)
    return _agreement_form_page(request, alliance, amendment=True)


@login_required
def agreement_sign(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk)
    actor_ids = access.signable_actor_ids(request.user, alliance)
    if not actor_ids:
        raise PermissionDenied
    form = SignForm(request.POST or None, request.FILES or None, actor_ids=actor_ids)
    if request.method == "POST" and form.is_valid():
        submit(
            form,
            agreements.sign_agreement,
            not_permitted_field="actor",
            alliance=alliance,
            user=request.user,
            actor=form.cleaned_data["actor"],
            evidence=form.cleaned_data["evidence"],
        )
        if not form.errors:
            return done(
                request,
                reverse("fases:agreement", args=[alliance.pk]),
                _("%(actor)s signed the agreement.") % {"actor": form.cleaned_data["actor"]},
            )
    return form_page(
        request,
        form,
        title=_("Sign the agreement of cycle %(cycle)s") % {"cycle": alliance.cycle},
        action=reverse("fases:agreement_sign", args=[alliance.pk]),
        cancel=reverse("fases:agreement", args=[alliance.pk]),
        alliance=alliance,
    )


@login_required
def agreement_paper_signature(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    form = PaperSignatureForm(request.POST or None, request.FILES or None, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        submit(
            form,
            agreements.record_paper_signature,
            alliance=alliance,
            user=request.user,
            actor=form.cleaned_data["actor"],
            signatory=form.cleaned_data["signatory"],
            signed_on=form.cleaned_data["signed_on"],
            evidence=form.cleaned_data["evidence"],
        )
        if not form.errors:
            return done(
                request,
                reverse("fases:agreement", args=[alliance.pk]),
                _("The signature of %(actor)s on paper was recorded.")
                % {"actor": form.cleaned_data["actor"]},
            )
    return form_page(
        request,
        form,
        title=_("Record a signature on paper"),
        action=reverse("fases:agreement_paper_signature", args=[alliance.pk]),
        cancel=reverse("fases:agreement", args=[alliance.pk]),
        alliance=alliance,
    )


@login_required
def agreement_attach(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        submit(
            form,
            agreements.attach_document,
            alliance=alliance,
            user=request.user,
            document=form.cleaned_data["document"],
        )
        if not form.errors:
            return done(
                request,
                reverse("fases:agreement", args=[alliance.pk]),
                _("The signed document was attached."),
            )
    return form_page(
        request,
        form,
        title=_("Attach the signed document"),
        action=reverse("fases:agreement_attach", args=[alliance.pk]),
        cancel=reverse("fases:agreement", args=[alliance.pk]),
        alliance=alliance,
    )


@login_required
@require_POST
def agreement_renew(request, pk):
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    try:
        renewed = agreements.renew_agreement(alliance=alliance, user=request.user)
    except agreements.AgreementNotPermitted as refusal:
        raise PermissionDenied(refusal.message) from refusal
    except agreements.AgreementError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("The agreement was renewed for cycle %(cycle)s.") % {"cycle": renewed.cycle},
        )
    return redirect("fases:agreement", pk=alliance.pk)


@login_required
def agreement_pdf(request, pk, version_pk):
    alliance = access.get_alliance_or_404(request.user, pk)
    version = get_object_or_404(
        AgreementVersion.objects.select_related("agreement"),
        pk=version_pk,
        agreement__alliance=alliance,
    )
    content = render_pdf(alliance, version)
    response = HttpResponse(content, content_type="application/pdf")
    name = slugify(f"acuerdo-{alliance.name[:60]}-c{version.agreement.cycle}-v{version.number}")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


class _Document:
    """A version's signed document seen as evidence, for ``evidence_response``."""

    def __init__(self, version):
        self.evidence = version.document
        self.evidence_name = version.document_name


@login_required
def agreement_document(request, pk, version_pk):
    alliance = access.get_alliance_or_404(request.user, pk)
    version = get_object_or_404(AgreementVersion, pk=version_pk, agreement__alliance=alliance)
    return evidence_response(_Document(version))


@login_required
def agreement_signature_evidence(request, pk, signature_pk):
    alliance = access.get_alliance_or_404(request.user, pk)
    signature = get_object_or_404(
        AgreementSignature, pk=signature_pk, version__agreement__alliance=alliance
    )
    return evidence_response(signature)


@login_required
def enter_mid_course(request, pk):
    """Bring a running alliance in at Implementación or Monitoreo, with its reason; the page
    lists what each phase on the way still lacks."""
    alliance = access.get_alliance_or_404(request.user, pk, manage=True)
    if not mid_course.may_enter_mid_course(alliance):
        raise Http404(_("Only a newly registered alliance can be brought in mid-course."))
    form = MidCourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changes = mid_course.enter_mid_course(
                alliance=alliance,
                user=request.user,
                target=form.cleaned_data["target"],
                reason=form.cleaned_data["reason"],
            )
        except PhaseChangeNotPermitted as refusal:
            raise PermissionDenied(refusal.message) from refusal
        except PhaseChangeError as refusal:
            # The phase at which it stopped, then each thing that phase still lacks.
            for message in refusal.messages:
                form.add_error(None, message)
        if not form.errors:
            return done(
                request,
                alliance_url(alliance, "history"),
                _("The alliance entered mid-course and is now in “%(phase)s”.")
                % {"phase": changes[-1].get_target_phase_display()},
            )
    context = {
        "nav": "alliances",
        "alliance": alliance,
        "form": form,
        "path": mid_course.path_to(alliance, Phase.MONITORING),
        "title": _("Bring in an alliance already under way"),
        "action": reverse("fases:enter_mid_course", args=[alliance.pk]),
        "cancel": alliance_url(alliance),
    }
    return render(request, "fases/agreements/mid_course.html", context)
