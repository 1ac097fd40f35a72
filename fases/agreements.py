"""The partnering agreement (acuerdo de alianza) of each cycle: drafting it, amending it,
signing it, a later member's adhesion and its renewal into the next cycle.

The method's obstacles include "identificar y negociar las respectivas responsabilidades"
and the distribution of returns; the agreement writes them down and every member signs it.
Its rules:

- One agreement per alliance and cycle. Its text is a version; while nobody has signed the
  version in force it may be corrected in place; once someone has signed, a change is an
  amendment (adenda): a new version with its reason, which every member signs again. Earlier
  versions stay as they were, readable.
- Each current member actor signs the version in force through its representative, or a
  coordinator records that it was signed on paper, with the evidence. A member that joined
  after the version was written adheres to it the same way (``adhesion``).
- To start Implementación the version in force is signed by every current member
  (``fases.requirements``); to continue into a new cycle, the new cycle's agreement is
  signed, and renewing the previous one (``renew_agreement``) is one action that carries
  over its text and the signatures of the members that signed it.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from alianzas import access
from alianzas.lifecycle import Phase
from alianzas.models import Actor, Alliance
from alianzas.refusals import NotPermitted, Refused
from fases.models import (
    Agreement,
    AgreementContribution,
    AgreementSignature,
    AgreementVersion,
    SignatureMethod,
    agreement_of,
)
from seguimiento.evidence import clean_filename
from seguimiento.models import Commitment

CONTENT_FIELDS = (
    "objective",
    "decision_making",
    "committee_frequency",
    "conflict_resolution",
    "returns_sharing",
    "starts_on",
    "ends_on",
)


class AgreementError(Refused):
    """A change to the agreement that is refused, with the reason."""


class AgreementNotPermitted(AgreementError, NotPermitted):
    pass


@dataclass(frozen=True)
class Contribution:
    """What one member brings and answers for, and the ids of its commitments that carry it."""

    contribution: str = ""
    responsibilities: str = ""
    commitment_ids: tuple[int, ...] = ()


def _check_drafter(user, alliance: Alliance) -> None:
    if not access.can_draft_agreement(user, alliance):
        raise AgreementNotPermitted(
            _("Only the alliance's coordinators and the administrators may write its agreement.")
        )
    if alliance.phase == Phase.CLOSED:
        raise AgreementError(_("The alliance is closed: its agreements can only be read."))


def _locked(alliance: Alliance) -> Alliance:
    # The alliance row is the lock for everything about its agreement: two coordinators
    # amending at once, or a signature arriving during an amendment, queue behind it.
    return Alliance.objects.select_for_update().get(pk=alliance.pk)


def _write_version(
    *,
    version: AgreementVersion,
    alliance: Alliance,
    content: dict,
    contributions: dict[int, Contribution],
    document,
) -> AgreementVersion:
    for name in CONTENT_FIELDS:
        value = content.get(name)
        setattr(version, name, value.strip() if isinstance(value, str) else value)
    if document is not None:
        version.document = document
        version.document_name = clean_filename(document.name)
    version.full_clean(exclude=["agreement"] if version.agreement_id is None else None)
    errors = {}
    members = {m.actor_id for m in alliance.active_memberships()}
    strangers = set(contributions) - members
    if strangers:
        errors["contributions"] = _("Only current members can contribute to the agreement.")
    commitment_ids = {i for c in contributions.values() for i in c.commitment_ids}
    commitments = {
        c.pk: c
        for c in Commitment.objects.filter(
            pk__in=commitment_ids, alliance=alliance, cycle=alliance.cycle
        )
    }
    for actor_id, given in contributions.items():
        if any(
            pk not in commitments or commitments[pk].actor_id != actor_id
            for pk in given.commitment_ids
        ):
            errors["contributions"] = _(
                "A member's contribution can only be linked to its own commitments of this cycle."
            )
    if errors:
        raise ValidationError(errors)
    version.save()
    version.contributions.all().delete()
    for actor_id, given in contributions.items():
        if not (
            given.contribution.strip() or given.responsibilities.strip() or given.commitment_ids
        ):
            continue
        row = AgreementContribution.objects.create(
            version=version,
            actor_id=actor_id,
            contribution=given.contribution.strip(),
            responsibilities=given.responsibilities.strip(),
        )
        row.commitments.set(given.commitment_ids)
    return version


def draft_agreement(
    *,
    alliance: Alliance,
    user,
    content: dict,
    contributions: dict[int, Contribution] | None = None,
    document=None,
) -> AgreementVersion:
    """Write the agreement of the alliance's current cycle, or correct its version in force
    while nobody has signed it. Once signed, a change is an amendment (``amend_agreement``).

    Raises ``AgreementNotPermitted`` for anyone but its managers, ``AgreementError`` when
    the version in force is already signed, ``ValidationError`` by field for bad input."""
    _check_drafter(user, alliance)
    with transaction.atomic():
        locked = _locked(alliance)
        agreement, _created = Agreement.objects.get_or_create(
            alliance=locked,
            cycle=locked.cycle,
            defaults={"created_by": user if user.is_authenticated else None},
        )
        version = agreement.versions.order_by("-number").first()
        if version is None:
            version = AgreementVersion(agreement=agreement, number=1)
        elif version.signatures.exists():
            raise AgreementError(
                _(
                    "This version of the agreement has already been signed: change it with an "
                    "amendment, which the members sign again."
                )
            )
        version.created_by = user if user.is_authenticated else None
        written = _write_version(
            version=version,
            alliance=locked,
            content=content,
            contributions=contributions or {},
            document=document,
        )
    alliance.forget()
    return written


def amend_agreement(
    *,
    alliance: Alliance,
    user,
    reason: str,
    content: dict,
    contributions: dict[int, Contribution] | None = None,
    document=None,
) -> AgreementVersion:
    """An amendment (adenda): a new version of the current cycle's agreement with its
    reason. The earlier version stays readable; the new one has no signatures yet, so every
    member signs again."""
    _check_drafter(user, alliance)
    with transaction.atomic():
        locked = _locked(alliance)
        agreement = Agreement.objects.filter(alliance=locked, cycle=locked.cycle).first()
        previous = agreement.versions.order_by("-number").first() if agreement else None
        if previous is None:
            raise AgreementError(
                _("There is no agreement in this cycle to amend yet: draft it first.")
            )
        version = AgreementVersion(
            agreement=agreement,
            number=previous.number + 1,
            amendment_reason=(reason or "").strip(),
            created_by=user if user.is_authenticated else None,
        )
        # The earlier version's signed document is not the amendment's: the amendment's own
        # is uploaded with it, or once it is signed (``draft_agreement`` corrects it until
        # the first signature).
        written = _write_version(
            version=version,
            alliance=locked,
            content=content,
            contributions=contributions or {},
            document=document,
        )
    alliance.forget()
    return written


def _version_in_force(alliance: Alliance, *, signed_by: Actor | None = None) -> AgreementVersion:
    """The latest version of the cycle's agreement (one agreement per alliance and cycle), with
    its agreement, in one query; with ``signed_by``, ``version.signed`` says whether that
    actor has signed it, asked in the same query."""
    versions = (
        AgreementVersion.objects.filter(
            agreement__alliance=alliance, agreement__cycle=alliance.cycle
        )
        .select_related("agreement")
        .order_by("-number")
    )
    if signed_by is not None:
        versions = versions.annotate(
            signed=Exists(
                AgreementSignature.objects.filter(version=OuterRef("pk"), actor=signed_by)
            )
        )
    version = versions.first()
    if version is None:
        raise AgreementError(_("The agreement of this cycle has not been drafted yet."))
    return version


def _check_member(alliance: Alliance, actor: Actor):
    membership = alliance.active_memberships().filter(actor=actor).first()
    if membership is None:
        raise AgreementError(
            _("%(actor)s is not a current member of the alliance.") % {"actor": actor}
        )
    return membership


def _sign(*, alliance, actor, user, method, signatory, signed_on, evidence) -> AgreementSignature:
    with transaction.atomic():
        locked = _locked(alliance)
        if locked.phase == Phase.CLOSED:
            raise AgreementError(_("The alliance is closed: its agreements can only be read."))
        membership = _check_member(locked, actor)
        version = _version_in_force(locked, signed_by=actor)
        if version.signed:
            raise AgreementError(
                _("%(actor)s has already signed version %(number)s of the agreement.")
                % {"actor": actor, "number": version.number}
            )
        signature = AgreementSignature(
            version=version,
            actor=actor,
            method=method,
            signatory=(signatory or "").strip(),
            signed_on=signed_on,
            # A member that joined after this version was written adheres to it.
            adhesion=membership.joined_on > timezone.localdate(version.created_at),
            recorded_by=user,
        )
        if evidence is not None:
            signature.evidence = evidence
            signature.evidence_name = clean_filename(evidence.name)
        signature.full_clean(exclude=["version", "actor", "recorded_by"])
        signature.save()
    alliance.forget()
    return signature


def sign_agreement(*, alliance: Alliance, user, actor: Actor, evidence=None) -> AgreementSignature:
    """``user`` signs the version in force for ``actor``, a current member they represent.
    Who and when are recorded; evidence (the signed page, a minute) is optional."""
    if actor.pk not in access.signable_actor_ids(user, alliance):
        raise AgreementNotPermitted(
            _("Only a representative of %(actor)s may sign for it.") % {"actor": actor}
        )
    return _sign(
        alliance=alliance,
        actor=actor,
        user=user,
        method=SignatureMethod.REPRESENTATIVE,
        signatory=str(user),
        signed_on=timezone.localdate(),
        evidence=evidence,
    )


def record_paper_signature(
    *,
    alliance: Alliance,
    user,
    actor: Actor,
    signatory: str,
    signed_on: datetime.date,
    evidence,
) -> AgreementSignature:
    """A coordinator records that ``actor`` signed the version in force on paper: who signed,
    when, and the evidence (the signed document), which is required."""
    _check_drafter(user, alliance)
    errors = {}
    if not (signatory or "").strip():
        errors["signatory"] = _("Give the name of the person who signed.")
    if evidence is None:
        errors["evidence"] = _("A signature on paper needs its evidence: attach the signed page.")
    if signed_on and signed_on > timezone.localdate():
        errors["signed_on"] = _("The date of the signature cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    return _sign(
        alliance=alliance,
        actor=actor,
        user=user,
        method=SignatureMethod.PAPER,
        signatory=signatory,
        signed_on=signed_on,
        evidence=evidence,
    )


def renew_agreement(*, alliance: Alliance, user) -> Agreement:
    """In Evaluación, carry the agreement in force over to the next cycle in one action: the
    same text (a first version that says it renews the earlier one) and the signatures of
    the members that signed it and still are members. Members that had not signed sign the
    renewed agreement as usual."""
    _check_drafter(user, alliance)
    with transaction.atomic():
        locked = _locked(alliance)
        if locked.phase != Phase.EVALUATION:
            raise AgreementError(
                _("An agreement is renewed for the next cycle during “%(phase)s”.")
                % {"phase": Phase.EVALUATION.label}
            )
        current = agreement_of(locked, locked.cycle)
        if current is None or current.in_force is None:
            raise AgreementError(
                _("Cycle %(cycle)s has no agreement to renew.") % {"cycle": locked.cycle}
            )
        if Agreement.objects.filter(alliance=locked, cycle=locked.cycle + 1).exists():
            raise AgreementError(
                _("Cycle %(cycle)s already has its agreement.") % {"cycle": locked.cycle + 1}
            )
        source = current.in_force
        renewed = Agreement.objects.create(
            alliance=locked,
            cycle=locked.cycle + 1,
            renewed_from=current,
            created_by=user if user.is_authenticated else None,
        )
        version = AgreementVersion(
            agreement=renewed,
            number=1,
            document=source.document.name if source.document else "",
            document_name=source.document_name,
            created_by=user if user.is_authenticated else None,
            **{name: getattr(source, name) for name in CONTENT_FIELDS},
        )
        version.save()
        for row in source.contributions.all():
            AgreementContribution.objects.create(
                version=version,
                actor_id=row.actor_id,
                contribution=row.contribution,
                responsibilities=row.responsibilities,
            )
        members = {m.actor_id for m in locked.active_memberships()}
        today = timezone.localdate()
        AgreementSignature.objects.bulk_create(
            AgreementSignature(
                version=version,
                actor_id=signature.actor_id,
                method=SignatureMethod.RENEWAL,
                signatory=signature.signatory,
                signed_on=today,
                recorded_by=user if user.is_authenticated else None,
            )
            for signature in source.signatures.all()
            if signature.actor_id in members
        )
    alliance.forget()
    return renewed


# --- Reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberSignature:
    """A current member and its signature of the version in force (None: not signed yet)."""

    actor: Actor
    joined_on: datetime.date
    signature: AgreementSignature | None
    contribution: AgreementContribution | None
    # Whether the ``signer`` given to ``version_details`` represents this current member.
    represented: bool = False


def version_details(
    version: AgreementVersion, alliance: Alliance, signer=None
) -> list[MemberSignature]:
    """Every current member with its signature and contribution to ``version``, in the
    members' order, plus those that signed and have since left. Three queries (four with
    contributions' commitments). With ``signer`` (an active person), each current member's
    row also says whether that person represents it (``represented``), in the same query:
    ``{row.actor.pk for row in rows if row.represented}`` is
    ``access.signable_actor_ids(signer, alliance)``."""
    signatures = {s.actor_id: s for s in version.signatures.select_related("actor")}
    contributions = {c.actor_id: c for c in version.contributions.prefetch_related("commitments")}
    memberships = alliance.memberships.filter(left_on__isnull=True).select_related("actor")
    if signer is not None:
        memberships = memberships.annotate(
            represented=Exists(
                Actor.representatives.through.objects.filter(
                    actor_id=OuterRef("actor_id"), user_id=signer.pk
                )
            )
        )
    rows, seen = [], set()
    for membership in memberships:
        seen.add(membership.actor_id)
        rows.append(
            MemberSignature(
                membership.actor,
                membership.joined_on,
                signatures.get(membership.actor_id),
                contributions.get(membership.actor_id),
                getattr(membership, "represented", False),
            )
        )
    for actor_id, signature in signatures.items():
        if actor_id not in seen:
            rows.append(
                MemberSignature(signature.actor, None, signature, contributions.get(actor_id))
            )
    return rows


def attach_document(*, alliance: Alliance, user, document) -> AgreementVersion:
    """Attach the signed document (a scan of the signed agreement, or the amendment) to the
    version in force, replacing an earlier upload; the text itself does not change."""
    _check_drafter(user, alliance)
    if document is None:
        raise ValidationError({"document": _("Choose the file of the signed document.")})
    with transaction.atomic():
        locked = _locked(alliance)
        version = _version_in_force(locked)
        version.document = document
        version.document_name = clean_filename(document.name)
        version.full_clean(exclude=["agreement"])
        version.save(update_fields=["document", "document_name"])
    alliance.forget()
    return version
