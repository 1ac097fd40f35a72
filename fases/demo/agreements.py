"""The ``agreement`` step of the curated demo's stories (``fases/demo/curated.py``): the
alliance's partnering agreement, drafted by its coordinator and signed by every current
member through ``fases.agreements``, as people would in the application.

``- agreement: {objective: …, decisions: …, committee: …, conflicts: …, returns: …,
months: 24}`` drafts the agreement of the current cycle (anything not given takes a plain
default) and then every current member signs it: through its representative when the demo
has one for it, otherwise a coordinator records the signature on paper, with the agreement's
own PDF as the evidence. ``- agreement: {renew: true}`` renews it, in Evaluación, for the
next cycle.
"""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from fases import agreements
from fases.agreement_pdf import agreement_pdf
from fases.demo.common import add_months

FIELDS = {"objective", "decisions", "committee", "conflicts", "returns", "months", "renew"}


def perform(alliance, data: dict, *, coordinator, representatives: dict[int, object]) -> None:
    """``representatives``: the demo's representative of each actor, by actor id."""
    if data.get("renew"):
        agreements.renew_agreement(alliance=alliance, user=coordinator)
        return
    first = alliance.objectives.order_by("position").first()
    start = (alliance.start_date or datetime.date.today()).replace(day=1)
    version = agreements.draft_agreement(
        alliance=alliance,
        user=coordinator,
        content={
            "objective": data.get("objective") or (first.title if first else alliance.name),
            "decision_making": data.get("decisions")
            or "Por consenso en el comité de gestión; si no lo hay, por mayoría de sus miembros.",
            "committee_frequency": data.get("committee") or "Cada mes",
            "conflict_resolution": data.get("conflicts")
            or "Se plantean en el comité; si no se resuelven en 30 días, media la coordinación.",
            "returns_sharing": data.get("returns")
            or "Los datos son abiertos, los resultados se publican con el crédito de todos los "
            "socios y los recursos se rinden al comité.",
            "starts_on": start,
            "ends_on": add_months(start, int(data.get("months") or 24)),
        },
    )
    for membership in alliance.active_memberships().order_by("pk"):
        representative = representatives.get(membership.actor_id)
        if representative is not None:
            agreements.sign_agreement(
                alliance=alliance, user=representative, actor=membership.actor
            )
        else:
            agreements.record_paper_signature(
                alliance=alliance,
                user=coordinator,
                actor=membership.actor,
                signatory=f"Representante legal de {membership.actor.name}",
                signed_on=start,
                evidence=SimpleUploadedFile(
                    "acuerdo-firmado.pdf", agreement_pdf(alliance, version)
                ),
            )
