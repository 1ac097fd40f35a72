"""The partnering agreement (acuerdo de alianza) and alliances already under way.

Every member signs the agreement of the cycle before Implementación starts, and the refusal
names who has not; an amendment is a new version that every member signs again; a member
that joins later adheres to the version in force; continuing into a new cycle needs that
cycle's agreement, or the previous one renewed; a running alliance enters mid-course
through every phase's conditions, one audit row per phase.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from reportlab import rl_config
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph

from alianzas.lifecycle import Phase
from alianzas.models import Membership, PhaseChange, Role, Sector
from fases import agreements
from fases.agreements import AgreementError, AgreementNotPermitted, Contribution
from fases.mid_course import enter_mid_course
from fases.models import Agreement, AgreementSignature, AgreementVersion, SignatureMethod
from fases.requirements import unmet_requirements
from fases.services import PhaseChangeError, change_phase, record_evaluation
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
    full_ratings,
    measure_every_indicator,
    ready_for_implementation,
    sign_agreement_for_every_member,
)

pytestmark = pytest.mark.django_db

CONTENT = {
    "objective": "Agua segura para 480 hogares de Huamanga",
    "decision_making": "Por consenso del comité de gestión",
    "committee_frequency": "Cada mes",
    "conflict_resolution": "Mediación de la coordinación en 15 días",
    "returns_sharing": "Datos abiertos y crédito compartido",
    "starts_on": datetime.date(2026, 1, 1),
    "ends_on": datetime.date(2027, 12, 31),
}


@pytest.fixture(autouse=True)
def _in_english():
    """The messages are checked in English (the Spanish catalogue is compiled apart)."""
    with translation.override("en"):
        yield


def pdf_file(name="acta.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n")


def codes(alliance, transition):
    alliance.forget()
    return [r.code for r in unmet_requirements(alliance, transition)]


@pytest.fixture
def unsigned(coordinator):
    """Ready for Implementación in everything but the agreement: two members, each with a
    representative, and no agreement yet."""
    alliance = AllianceFactory(coordinators=[coordinator])
    ready_for_implementation(alliance)
    Agreement.objects.filter(alliance=alliance).delete()
    alliance.forget()
    state, company = [m.actor for m in alliance.active_memberships().order_by("role")]
    state.representatives.add(UserFactory(username="rep-estado"))
    company.representatives.add(UserFactory(username="rep-empresa"))
    return alliance


def members(alliance):
    return {m.actor.name: m.actor for m in alliance.active_memberships()}


class TestTheConditionForSuccess:
    def test_without_an_agreement_implementation_cannot_start(self, unsigned, coordinator):
        assert codes(unsigned, "start_implementation") == ["agreement"]
        with pytest.raises(PhaseChangeError) as refusal:
            change_phase(alliance=unsigned, transition="start_implementation", user=coordinator)
        assert "The partnering agreement of cycle 1 has not been drafted." in refusal.value.messages
        unsigned.refresh_from_db()
        assert unsigned.phase == Phase.IDENTIFICATION
        assert not PhaseChange.objects.filter(alliance=unsigned).exists()

    def test_the_refusal_names_each_member_that_has_not_signed(self, unsigned, coordinator):
        agreements.draft_agreement(alliance=unsigned, user=coordinator, content=CONTENT)
        company = members(unsigned)["Agua Andina S.A.C."]
        state = members(unsigned)["Municipalidad Provincial de Huamanga"]
        agreements.sign_agreement(alliance=unsigned, user=state.representatives.get(), actor=state)
        unsigned.forget()
        with pytest.raises(PhaseChangeError) as refusal:
            change_phase(alliance=unsigned, transition="start_implementation", user=coordinator)
        assert refusal.value.messages[1:] == [
            "Agua Andina S.A.C. has not signed the partnering agreement of cycle 1 (version 1)."
        ]
        assert [r.object_id for r in refusal.value.requirements] == [company.pk]
        unsigned.refresh_from_db()
        assert unsigned.phase == Phase.IDENTIFICATION

    def test_the_checklist_explains_it_and_links_to_the_member(self, client, unsigned, coordinator):
        agreements.draft_agreement(alliance=unsigned, user=coordinator, content=CONTENT)
        company = members(unsigned)["Agua Andina S.A.C."]
        client.force_login(coordinator)
        page = client.get(
            reverse("fases:alliance_detail", args=[unsigned.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
        text = page.content.decode()
        assert "Agua Andina S.A.C. has not signed the partnering agreement" in text
        summary = reverse("fases:alliance_detail", args=[unsigned.pk])
        assert f'href="{summary}#agreement-{company.pk}"' in text
        assert f'id="agreement-{company.pk}"' in text

    def test_both_representatives_sign_and_implementation_starts(self, unsigned, coordinator):
        agreements.draft_agreement(alliance=unsigned, user=coordinator, content=CONTENT)
        for actor in members(unsigned).values():
            signature = agreements.sign_agreement(
                alliance=unsigned, user=actor.representatives.get(), actor=actor
            )
            assert signature.method == SignatureMethod.REPRESENTATIVE
            assert signature.signatory == str(actor.representatives.get())
            assert signature.signed_on == timezone.localdate()
            assert not signature.adhesion
        unsigned.forget()
        change = change_phase(
            alliance=unsigned, transition="start_implementation", user=coordinator
        )
        assert change.target_phase == Phase.IMPLEMENTATION


class TestSigning:
    def test_a_representative_signs_only_for_their_own_actor(self, unsigned, coordinator):
        agreements.draft_agreement(alliance=unsigned, user=coordinator, content=CONTENT)
        state = members(unsigned)["Municipalidad Provincial de Huamanga"]
        company = members(unsigned)["Agua Andina S.A.C."]
        with pytest.raises(AgreementNotPermitted):
            agreements.sign_agreement(
                alliance=unsigned, user=state.representatives.get(), actor=company
            )
        with pytest.raises(AgreementNotPermitted):
            agreements.sign_agreement(alliance=unsigned, user=coordinator, actor=company)
        assert not AgreementSignature.objects.exists()

    def test_signing_twice_is_refused(self, unsigned, coordinator):
        agreements.draft_agreement(alliance=unsigned, user=coordinator, content=CONTENT)
        state = members(unsigned)["Municipalidad Provincial de Huamanga"]
        rep = state.representatives.get()
        agreements.sign_agreement(alliance=unsigned, user=rep, actor=state)
        with pytest.raises(AgreementError, match="already signed version 1"):
            agreements.sign_agreement(alliance=unsigned, user=rep, actor=state)
        assert AgreementSignature.objects.count() == 1

    def test_a_signature_on_paper_needs_its_evidence(self, unsigned, coordinator):
        agreements.draft_agreement(alliance=unsigned, user=coordinator, content=CONTENT)
        company = members(unsigned)["Agua Andina S.A.C."]
        with pytest.raises(ValidationError) as error:
            agreements.record_paper_signature(
                alliance=unsigned,
                user=coordinator,
                actor=company,
                signatory="Ana Torres, gerenta",
                signed_on=datetime.date(2026, 2, 1),
                evidence=None,
            )
        assert "evidence" in error.value.message_dict
        signature = agreements.record_paper_signature(
            alliance=unsigned,
            user=coordinator,
            actor=company,
            signatory="Ana Torres, gerenta",
            signed_on=datetime.date(2026, 2, 1),
            evidence=pdf_file(),
        )
        assert signature.method == SignatureMethod.PAPER
        assert signature.recorded_by == coordinator
        assert signature.evidence_name == "acta.pdf"

    def test_a_file_that_is_not_a_document_is_refused(self, unsigned, coordinator):
        agreements.draft_agreement(alliance=unsigned, user=coordinator, content=CONTENT)
        with pytest.raises(ValidationError):
            agreements.record_paper_signature(
                alliance=unsigned,
                user=coordinator,
                actor=members(unsigned)["Agua Andina S.A.C."],
                signatory="Ana Torres",
                signed_on=datetime.date(2026, 2, 1),
                evidence=SimpleUploadedFile("acta.pdf", b"#!/bin/sh\nrm -rf /\n"),
            )
        assert not AgreementSignature.objects.exists()

    def test_only_current_members_contribute_and_with_their_own_commitments(
        self, unsigned, coordinator
    ):
        state = members(unsigned)["Municipalidad Provincial de Huamanga"]
        company = members(unsigned)["Agua Andina S.A.C."]
        theirs = unsigned.commitments.get(actor=company)
        with pytest.raises(ValidationError):
            agreements.draft_agreement(
                alliance=unsigned,
                user=coordinator,
                content=CONTENT,
                contributions={state.pk: Contribution("Obras", "Licencias", (theirs.pk,))},
            )
        assert not Agreement.objects.filter(alliance=unsigned).exists()
        own = unsigned.commitments.get(actor=state)
        version = agreements.draft_agreement(
            alliance=unsigned,
            user=coordinator,
            content=CONTENT,
            contributions={state.pk: Contribution("Obras", "Licencias", (own.pk,))},
        )
        row = version.contributions.get()
        assert list(row.commitments.all()) == [own]


class TestAmendments:
    def test_an_amendment_needs_every_signature_again(self, unsigned, coordinator):
        agreements.draft_agreement(alliance=unsigned, user=coordinator, content=CONTENT)
        sign_agreement_for_every_member(unsigned)
        assert codes(unsigned, "start_implementation") == []
        with pytest.raises(AgreementError, match="amendment"):
            agreements.draft_agreement(
                alliance=unsigned, user=coordinator, content={**CONTENT, "objective": "Otro"}
            )
        with pytest.raises(ValidationError):
            agreements.amend_agreement(
                alliance=unsigned, user=coordinator, reason=" ", content=CONTENT
            )
        amendment = agreements.amend_agreement(
            alliance=unsigned,
            user=coordinator,
            reason="Se amplía la meta a 600 hogares",
            content={**CONTENT, "objective": "Agua segura para 600 hogares"},
        )
        assert amendment.number == 2
        assert codes(unsigned, "start_implementation") == ["agreement_signature"] * 2
        first = AgreementVersion.objects.get(agreement=amendment.agreement, number=1)
        assert first.objective == CONTENT["objective"]
        assert first.signatures.count() == 2

    def test_earlier_versions_stay_readable(self, client, unsigned, coordinator):
        first = agreements.draft_agreement(alliance=unsigned, user=coordinator, content=CONTENT)
        sign_agreement_for_every_member(unsigned)
        agreements.amend_agreement(
            alliance=unsigned,
            user=coordinator,
            reason="Se amplía la meta",
            content={**CONTENT, "objective": "Agua segura para 600 hogares"},
        )
        client.force_login(members(unsigned)["Agua Andina S.A.C."].representatives.get())
        old = client.get(
            reverse("fases:agreement_version", args=[unsigned.pk, first.pk]),
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert old.status_code == 200
        assert "Agua segura para 480 hogares de Huamanga" in old.content.decode()
        assert "replaced by a later version" in old.content.decode()
        current = client.get(
            reverse("fases:agreement", args=[unsigned.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert "Agua segura para 600 hogares" in current
        assert "Se amplía la meta" in current
        assert current.count("Not signed yet") == 2


class TestALaterMember:
    def test_a_member_that_joins_later_adheres_to_the_version_in_force(
        self, client, unsigned, coordinator
    ):
        sign_agreement_for_every_member(unsigned)
        change_phase(alliance=unsigned, transition="start_implementation", user=coordinator)
        newcomer = ActorFactory(name="Universidad de Huamanga", sector=Sector.ACADEMIA)
        rep = UserFactory(username="rep-universidad")
        newcomer.representatives.add(rep)
        MembershipFactory(
            alliance=unsigned,
            actor=newcomer,
            role=Role.TECHNICAL_ALLY,
            joined_on=timezone.localdate() + datetime.timedelta(days=1),
        )
        signature = agreements.sign_agreement(alliance=unsigned, user=rep, actor=newcomer)
        assert signature.adhesion
        assert signature.version.number == 1
        client.force_login(rep)
        page = client.get(reverse("fases:agreement", args=[unsigned.pk]), HTTP_ACCEPT_LANGUAGE="en")
        assert "adhesion" in page.content.decode()


class TestANewCycle:
    def evaluating(self, alliance, coordinator):
        sign_agreement_for_every_member(alliance)
        for transition in ("start_implementation", "start_monitoring"):
            change_phase(alliance=alliance, transition=transition, user=coordinator)
        measure_every_indicator(alliance)
        change_phase(alliance=alliance, transition="start_evaluation", user=coordinator)
        record_evaluation(
            alliance=alliance,
            user=coordinator,
            decision="continue",
            findings="Metas cumplidas.",
            ratings=full_ratings(),
        )
        return alliance

    def test_continuing_needs_the_next_cycles_agreement_and_a_renewal_is_one_action(
        self, unsigned, coordinator
    ):
        alliance = self.evaluating(unsigned, coordinator)
        assert codes(alliance, "continue_cycle") == ["next_agreement"]
        with pytest.raises(PhaseChangeError):
            change_phase(alliance=alliance, transition="continue_cycle", user=coordinator)
        renewed = agreements.renew_agreement(alliance=alliance, user=coordinator)
        assert renewed.cycle == 2
        assert renewed.renewed_from.cycle == 1
        version = renewed.versions.get()
        assert version.objective == "Agua segura para 480 hogares rurales"
        assert set(version.signatures.values_list("method", flat=True)) == {"renewal"}
        assert codes(alliance, "continue_cycle") == []
        change = change_phase(alliance=alliance, transition="continue_cycle", user=coordinator)
        assert change.cycle == 2
        with pytest.raises(AgreementError):
            agreements.renew_agreement(alliance=alliance, user=coordinator)

    def test_a_member_that_had_not_signed_signs_the_renewed_agreement(self, unsigned, coordinator):
        alliance = self.evaluating(unsigned, coordinator)
        newcomer = ActorFactory(name="Junta de usuarios", sector=Sector.COMMUNITY)
        MembershipFactory(alliance=alliance, actor=newcomer, role=Role.OBSERVER)
        agreements.renew_agreement(alliance=alliance, user=coordinator)
        alliance.forget()
        with translation.override("en"):
            unmet = unmet_requirements(alliance, "continue_cycle")
        assert [r.message for r in unmet if r.code.startswith("next_agreement")] == [
            "Junta de usuarios has not signed the partnering agreement of cycle 2 (version 1)."
        ]


class TestMidCourse:
    def test_entering_at_monitoring_writes_one_audit_row_per_phase(self, unsigned, coordinator):
        sign_agreement_for_every_member(unsigned)
        changes = enter_mid_course(
            alliance=unsigned,
            user=coordinator,
            target=Phase.MONITORING,
            reason="Funciona desde 2024; se registra ahora.",
        )
        unsigned.refresh_from_db()
        assert unsigned.phase == Phase.MONITORING
        rows = list(PhaseChange.objects.filter(alliance=unsigned).order_by("created_at", "pk"))
        assert rows == changes
        assert [(r.transition, r.mid_course) for r in rows] == [
            ("start_implementation", True),
            ("start_monitoring", True),
        ]
        assert all("Funciona desde 2024; se registra ahora." in r.comment for r in rows)
        assert all(r.user == coordinator for r in rows)

    def test_each_phases_conditions_are_checked_and_a_refusal_changes_nothing(
        self, unsigned, coordinator
    ):
        sign_agreement_for_every_member(unsigned)
        unsigned.objectives.get().indicators.update(frequency="")
        with pytest.raises(PhaseChangeError) as refusal, translation.override("en"):
            enter_mid_course(
                alliance=unsigned, user=coordinator, target=Phase.MONITORING, reason="En curso"
            )
        assert refusal.value.message.startswith(
            "The alliance cannot enter “Monitoring and follow-up”"
        )
        assert [r.code for r in refusal.value.requirements] == ["indicator_frequency"]
        unsigned.refresh_from_db()
        assert unsigned.phase == Phase.IDENTIFICATION
        assert not PhaseChange.objects.filter(alliance=unsigned).exists()

    def test_the_agreement_is_checked_on_the_way_in(self, unsigned, coordinator):
        with pytest.raises(PhaseChangeError) as refusal:
            enter_mid_course(
                alliance=unsigned, user=coordinator, target=Phase.IMPLEMENTATION, reason="x"
            )
        assert [r.code for r in refusal.value.requirements] == ["agreement"]
        assert not PhaseChange.objects.filter(alliance=unsigned).exists()

    def test_a_reason_and_a_coordinator_are_needed(self, unsigned, coordinator):
        sign_agreement_for_every_member(unsigned)
        with pytest.raises(PhaseChangeError):
            enter_mid_course(
                alliance=unsigned, user=coordinator, target=Phase.IMPLEMENTATION, reason="  "
            )
        rep = members(unsigned)["Agua Andina S.A.C."].representatives.get()
        with pytest.raises(PhaseChangeError):
            enter_mid_course(
                alliance=unsigned, user=rep, target=Phase.IMPLEMENTATION, reason="En curso"
            )
        with pytest.raises(PhaseChangeError):
            enter_mid_course(
                alliance=unsigned, user=coordinator, target=Phase.EVALUATION, reason="En curso"
            )
        assert not PhaseChange.objects.filter(alliance=unsigned).exists()

    def test_the_page_brings_it_in_and_the_history_says_so(self, client, unsigned, coordinator):
        sign_agreement_for_every_member(unsigned)
        client.force_login(coordinator)
        url = reverse("fases:enter_mid_course", args=[unsigned.pk])
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert "Every requirement is met." in page.content.decode()
        refused = client.post(
            url, {"target": "monitoring", "reason": ""}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert refused.status_code == 200
        assert not PhaseChange.objects.filter(alliance=unsigned).exists()
        response = client.post(
            url, {"target": "implementation", "reason": "Convenio vigente desde 2025."}
        )
        assert response.status_code == 302
        detail = client.get(
            reverse("fases:alliance_history", args=[unsigned.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert "entered mid-course" in detail
        assert "Convenio vigente desde 2025." in detail
        # Once it has changed phase it cannot enter mid-course again.
        assert client.get(url).status_code == 404


class TestPages:
    def test_the_coordinator_drafts_through_the_form(self, client, unsigned, coordinator):
        client.force_login(coordinator)
        state = members(unsigned)["Municipalidad Provincial de Huamanga"]
        own = unsigned.commitments.get(actor=state)
        data = {
            **{k: str(v) for k, v in CONTENT.items()},
            f"contribution_{state.pk}": "Terreno y licencias",
            f"responsibilities_{state.pk}": "Operar el sistema",
            f"commitments_{state.pk}": [own.pk],
            "document": pdf_file("convenio.pdf"),
        }
        response = client.post(reverse("fases:agreement_draft", args=[unsigned.pk]), data)
        assert response.status_code == 302
        version = AgreementVersion.objects.get(agreement__alliance=unsigned)
        assert version.document_name == "convenio.pdf"
        assert version.contributions.get().actor == state
        download = client.get(reverse("fases:agreement_document", args=[unsigned.pk, version.pk]))
        assert download.status_code == 200
        assert "attachment" in download["Content-Disposition"]

    def test_correcting_the_draft_keeps_its_document(self, client, unsigned, coordinator):
        client.force_login(coordinator)
        url = reverse("fases:agreement_draft", args=[unsigned.pk])
        data = {k: str(v) for k, v in CONTENT.items()}
        client.post(url, {**data, "document": pdf_file("convenio.pdf")})
        response = client.post(url, {**data, "objective": "Corregido"})
        assert response.status_code == 302
        version = AgreementVersion.objects.get(agreement__alliance=unsigned)
        assert (version.objective, version.document_name) == ("Corregido", "convenio.pdf")
        assert version.document

    def test_bad_input_is_explained_and_changes_nothing(self, client, unsigned, coordinator):
        client.force_login(coordinator)
        data = {
            **{k: str(v) for k, v in CONTENT.items()},
            "ends_on": "2025-01-01",
        }
        response = client.post(
            reverse("fases:agreement_draft", args=[unsigned.pk]), data, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 200
        assert "The agreement cannot end before it starts." in response.content.decode()
        garbage = client.post(
            reverse("fases:agreement_draft", args=[unsigned.pk]),
            {"starts_on": "nunca", "objective": "\x00"},
        )
        assert garbage.status_code == 200
        assert not Agreement.objects.filter(alliance=unsigned).exists()

    def test_a_representative_signs_through_the_form(self, client, unsigned, coordinator):
        agreements.draft_agreement(alliance=unsigned, user=coordinator, content=CONTENT)
        state = members(unsigned)["Municipalidad Provincial de Huamanga"]
        company = members(unsigned)["Agua Andina S.A.C."]
        client.force_login(state.representatives.get())
        url = reverse("fases:agreement_sign", args=[unsigned.pk])
        tampered = client.post(url, {"actor": company.pk, "confirm": "on"})
        assert tampered.status_code == 200
        assert not AgreementSignature.objects.exists()
        response = client.post(url, {"actor": state.pk, "confirm": "on"})
        assert response.status_code == 302
        assert AgreementSignature.objects.get().actor == state

    def test_the_pdf_escapes_what_people_typed(self, client, unsigned, coordinator, monkeypatch):
        typed = 'Agua <b>segura & "limpia" </i> <font color="nocolor">x</font>'
        # Unescaped, reportlab refuses this markup: the check below can fail.
        with pytest.raises(ValueError, match="Parse error"):
            Paragraph(typed, getSampleStyleSheet()["BodyText"]).wrap(400, 400)
        version = agreements.draft_agreement(
            alliance=unsigned, user=coordinator, content={**CONTENT, "objective": typed}
        )
        monkeypatch.setattr(rl_config, "pageCompression", 0)  # the text readable in the file
        client.force_login(members(unsigned)["Agua Andina S.A.C."].representatives.get())
        response = client.get(reverse("fases:agreement_pdf", args=[unsigned.pk, version.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        # Printed as typed, tags and all, not interpreted (reportlab writes "<" apart).
        assert b'(Agua <) Tj (b) Tj (>) Tj (segura & "limpia" <) Tj (/i) Tj (> <) Tj (font' in (
            response.content
        )

    @pytest.mark.parametrize("rows", [3, 30])
    def test_the_agreement_page_has_a_bounded_query_count(
        self, client, coordinator, rows, django_assert_max_num_queries
    ):
        alliance = AllianceFactory(coordinators=[coordinator])
        for n in range(rows):
            actor = ActorFactory(sector=Sector.PRIVATE if n % 2 else Sector.PUBLIC)
            MembershipFactory(alliance=alliance, actor=actor, role=Role.FUNDER)
            CommitmentFactory(alliance=alliance, actor=actor)
        version = sign_agreement_for_every_member(alliance)
        for membership in Membership.objects.filter(alliance=alliance):
            row = version.contributions.create(actor=membership.actor, contribution="Aporte")
            row.commitments.set(alliance.commitments.filter(actor=membership.actor))
        client.force_login(coordinator)
        with django_assert_max_num_queries(14):
            assert client.get(reverse("fases:agreement", args=[alliance.pk])).status_code == 200


@pytest.mark.parametrize("rows", [3, 50])
def test_the_agreement_adds_few_queries_to_the_alliance_page(
    client, coordinator, rows, django_assert_max_num_queries
):
    """The alliance page as tests/test_alliance_pages.py measures it, with a signed agreement
    on it: the checklist's two queries and none per member."""
    alliance = AllianceFactory(coordinators=[coordinator])
    for n in range(rows):
        actor = ActorFactory(sector=Sector.PRIVATE if n % 2 else Sector.PUBLIC)
        MembershipFactory(
            alliance=alliance, actor=actor, role=Role.LEADER if n == 0 else Role.FUNDER
        )
        CommitmentFactory(alliance=alliance, actor=actor)
        objective = ObjectiveFactory(alliance=alliance)
        IndicatorFactory(objective=objective, responsible_actor=actor)
    sign_agreement_for_every_member(alliance)
    client.force_login(coordinator)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("fases:alliance_detail", args=[alliance.pk]))
    assert response.status_code == 200
    agreement_queries = [q for q in queries.captured_queries if "fases_agreement" in q["sql"]]
    assert len(agreement_queries) <= 2, [q["sql"] for q in agreement_queries]


def test_the_demo_alliances_have_their_agreements_signed():
    """seed_demo: every curated and synthetic alliance has, for each cycle it entered
    Implementación in, an agreement signed by every member it had then (still current), as
    the condition for success asks of change_phase; the continuing curated one renewed its
    agreement for cycle 2."""
    import io

    from django.core.management import call_command

    from alianzas.models import Alliance

    call_command(
        "seed_demo",
        "--alliances",
        "12",
        "--actors",
        "10",
        "--commitments",
        "40",
        "--measurements",
        "10",
        stdout=io.StringIO(),
    )
    entered = PhaseChange.objects.filter(target_phase=Phase.IMPLEMENTATION).values_list(
        "alliance_id", "cycle"
    )
    assert len(entered) > 6
    for alliance_id, cycle in entered:
        alliance = Alliance.objects.get(pk=alliance_id)
        version = (
            AgreementVersion.objects.filter(agreement__alliance=alliance, agreement__cycle=cycle)
            .order_by("-number")
            .first()
        )
        assert version is not None, (alliance.name, cycle)
        signed = set(version.signatures.values_list("actor_id", flat=True))
        members = set(
            alliance.memberships.filter(left_on__isnull=True).values_list("actor_id", flat=True)
        )
        assert members <= signed, (alliance.name, cycle)
    assert Agreement.objects.filter(renewed_from__isnull=False).exists()
    # The curated demo signs through its representatives where it has them.
    assert AgreementSignature.objects.filter(method=SignatureMethod.REPRESENTATIVE).exists()


def test_the_admin_corrects_only_an_unsigned_text(client, administrator, unsigned, coordinator):
    version = agreements.draft_agreement(alliance=unsigned, user=coordinator, content=CONTENT)
    client.force_login(administrator)
    url = reverse("admin:fases_agreementversion_change", args=[version.pk])
    data = {
        **{k: str(v) for k, v in CONTENT.items()},
        "objective": "Corregido en el admin",
        "amendment_reason": "",
        "agreementcontribution_set-TOTAL_FORMS": "0",
        "agreementcontribution_set-INITIAL_FORMS": "0",
        "contributions-TOTAL_FORMS": "0",
        "contributions-INITIAL_FORMS": "0",
        "signatures-TOTAL_FORMS": "0",
        "signatures-INITIAL_FORMS": "0",
    }
    assert client.get(url).status_code == 200
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    version.refresh_from_db()
    assert version.objective == "Corregido en el admin"
    sign_agreement_for_every_member(unsigned)
    # Signed: read only; a change is an amendment, made on the agreement's page.
    refused = client.post(url, {**data, "objective": "Cambiado tras la firma"})
    assert refused.status_code == 403
    version.refresh_from_db()
    assert version.objective == "Corregido en el admin"
