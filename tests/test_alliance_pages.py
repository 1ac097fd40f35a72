"""The coordinators' workflow through the pages: what they see, what they change, and what
bad input gets (a clear Spanish message and no change)."""

import datetime

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from alianzas.lifecycle import Phase
from alianzas.models import (
    Actor,
    Alliance,
    Indicator,
    Membership,
    Objective,
    PhaseChange,
    Role,
    Sector,
)
from seguimiento.models import Commitment
from seguimiento.selectors import ATTENTION_SIZE
from tests.factories import (
    ActorFactory,
    AdministratorFactory,
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
    evaluation_form_data,
    ready_for_implementation,
    sign_agreement_for_every_member,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def as_coordinator(client, coordinator):
    client.force_login(coordinator)
    return client


class TestCreateAndEditAlliance:
    def test_the_creator_becomes_its_coordinator(self, client):
        person = UserFactory()
        client.force_login(person)
        response = client.post(
            reverse("alianzas:alliance_create"),
            {
                "name": "Bosques de Madre de Dios",
                "problem": "Deforestación por minería ilegal.",
                "origin": "articulation",
                "regions": ["17"],
                "goals": ["13", "15"],
                "start_date": "2026-03-01",
            },
        )
        alliance = Alliance.objects.get(name="Bosques de Madre de Dios")
        assert response.status_code == 302
        assert response.url == reverse("fases:alliance_detail", args=[alliance.pk])
        assert list(alliance.coordinators.all()) == [person]
        assert [g.number for g in alliance.goals.all()] == [13, 15]
        assert alliance.phase == Phase.IDENTIFICATION

    def test_an_end_before_the_start_is_refused_in_spanish(self, as_coordinator):
        response = as_coordinator.post(
            reverse("alianzas:alliance_create"),
            {
                "name": "Fechas al revés",
                "problem": "x",
                "origin": "extension",
                "start_date": "2026-05-01",
                "end_date": "2026-04-30",
            },
        )
        assert response.status_code == 200
        assert "La fecha de término prevista no puede ser anterior" in page_text(response)
        assert not Alliance.objects.filter(name="Fechas al revés").exists()

    def test_unknown_choices_and_garbage_are_refused_without_a_server_error(self, as_coordinator):
        response = as_coordinator.post(
            reverse("alianzas:alliance_create"),
            {"name": "", "problem": "", "origin": "nada", "regions": ["99"], "start_date": "ayer"},
        )
        assert response.status_code == 200
        text = page_text(response)
        assert "Este campo es obligatorio." in text
        assert "Introduzca una fecha válida." in text
        assert not Alliance.objects.exists()

    def test_editing_keeps_the_phase(self, as_coordinator, alliance):
        response = as_coordinator.post(
            reverse("alianzas:alliance_edit", args=[alliance.pk]),
            {
                "name": "Nuevo nombre",
                "problem": "Otro problema",
                "origin": "extension",
                "phase": "closed",
            },
        )
        assert response.status_code == 302
        alliance.refresh_from_db()
        assert (alliance.name, alliance.phase) == ("Nuevo nombre", Phase.IDENTIFICATION)


class TestMembers:
    def test_add_a_member_with_a_role(self, as_coordinator, alliance):
        university = ActorFactory(name="UNSCH", sector=Sector.ACADEMIA)
        response = as_coordinator.post(
            reverse("alianzas:member_add", args=[alliance.pk]),
            {"actor": university.pk, "role": Role.TECHNICAL_ALLY, "joined_on": "2026-02-01"},
        )
        assert response.status_code == 302
        assert alliance.memberships.get(actor=university).role == Role.TECHNICAL_ALLY

    def test_a_second_leader_is_refused(self, as_coordinator, alliance):
        MembershipFactory(alliance=alliance, role=Role.LEADER)
        other = ActorFactory()
        response = as_coordinator.post(
            reverse("alianzas:member_add", args=[alliance.pk]),
            {"actor": other.pk, "role": Role.LEADER, "joined_on": "2026-02-01"},
        )
        assert "La alianza ya tiene un actor líder." in page_text(response)
        assert not alliance.memberships.filter(actor=other).exists()

    def test_a_current_member_or_a_tampered_id_is_refused(self, as_coordinator, alliance):
        member = alliance.memberships.get().actor
        for tampered in (member.pk, 999_999, "x"):
            response = as_coordinator.post(
                reverse("alianzas:member_add", args=[alliance.pk]),
                {"actor": tampered, "role": Role.FUNDER, "joined_on": "2026-02-01"},
            )
            assert response.status_code == 200
            assert "Escoja una opción válida" in page_text(response)
        assert alliance.memberships.count() == 1

    def test_leaving_keeps_the_membership_with_its_date(self, as_coordinator, alliance):
        membership = alliance.memberships.get()
        response = as_coordinator.post(
            reverse("alianzas:member_end", args=[alliance.pk, membership.pk]),
            {"left_on": "2026-06-30"},
        )
        assert response.status_code == 302
        membership.refresh_from_db()
        assert membership.left_on == datetime.date(2026, 6, 30)

    def test_leaving_before_joining_is_refused(self, as_coordinator, alliance):
        membership = alliance.memberships.get()
        response = as_coordinator.post(
            reverse("alianzas:member_end", args=[alliance.pk, membership.pk]),
            {"left_on": "2025-01-01"},
        )
        assert "La fecha de salida no puede ser anterior a la fecha de ingreso." in page_text(
            response
        )
        membership.refresh_from_db()
        assert membership.left_on is None

    def test_a_membership_of_another_alliance_is_not_found(self, as_coordinator, alliance):
        foreign = MembershipFactory()
        response = as_coordinator.get(
            reverse("alianzas:member_end", args=[alliance.pk, foreign.pk])
        )
        assert response.status_code == 404


class TestObjectivesAndIndicators:
    def test_add_an_objective_and_an_indicator(self, as_coordinator, alliance):
        as_coordinator.post(
            reverse("alianzas:objective_create", args=[alliance.pk]),
            {"position": 1, "title": "Reducir la anemia infantil"},
        )
        objective = Objective.objects.get(alliance=alliance)
        member = alliance.memberships.get().actor
        response = as_coordinator.post(
            reverse("alianzas:indicator_create", args=[alliance.pk, objective.pk]),
            {
                "name": "Prevalencia de anemia en menores de 3 años",
                "unit": "%",
                "direction": "decrease",
                "baseline_value": "43.1",
                "baseline_date": "2025-12-31",
                "target_value": "30",
                "target_date": "2028-12-31",
                "frequency": "annual",
                "responsible_actor": member.pk,
            },
        )
        assert response.status_code == 302
        assert objective.indicators.get().target_value == 30

    def test_a_target_equal_to_the_baseline_is_refused(self, as_coordinator, alliance):
        objective = ObjectiveFactory(alliance=alliance)
        response = as_coordinator.post(
            reverse("alianzas:indicator_create", args=[alliance.pk, objective.pk]),
            {
                "name": "Hogares",
                "unit": "hogares",
                "direction": "increase",
                "baseline_value": "100",
                "target_value": "100",
            },
        )
        assert "la meta tiene que ser mayor que la línea de base" in page_text(response)
        assert not Indicator.objects.exists()

    def test_a_responsible_actor_outside_the_alliance_is_refused(self, as_coordinator, alliance):
        objective = ObjectiveFactory(alliance=alliance)
        outsider = ActorFactory()
        response = as_coordinator.post(
            reverse("alianzas:indicator_create", args=[alliance.pk, objective.pk]),
            {"name": "X", "unit": "u", "direction": "increase", "responsible_actor": outsider.pk},
        )
        assert "Escoja una opción válida" in page_text(response)
        assert not Indicator.objects.exists()

    def test_an_objective_of_another_alliance_is_not_found(self, as_coordinator, alliance):
        foreign = ObjectiveFactory()
        url = reverse("alianzas:indicator_create", args=[alliance.pk, foreign.pk])
        assert as_coordinator.get(url).status_code == 404


class TestCommitments:
    def test_a_coordinator_records_a_members_commitment(self, as_coordinator, alliance):
        member = alliance.memberships.get().actor
        response = as_coordinator.post(
            reverse("seguimiento:commitment_create", args=[alliance.pk]),
            {
                "actor": member.pk,
                "description": "Aportar 2 técnicos",
                "kind": "human_resources",
                "due_date": "2026-12-31",
            },
        )
        assert response.status_code == 302
        assert Commitment.objects.get().cycle == alliance.cycle

    def test_a_commitment_for_a_non_member_is_refused(self, as_coordinator, alliance):
        outsider = ActorFactory()
        response = as_coordinator.post(
            reverse("seguimiento:commitment_create", args=[alliance.pk]),
            {
                "actor": outsider.pk,
                "description": "x",
                "kind": "technical",
                "due_date": "2026-12-31",
            },
        )
        assert "Escoja una opción válida" in page_text(response)
        assert not Commitment.objects.exists()

    def test_a_representative_records_only_for_their_own_actor(
        self, client, alliance, member_representative
    ):
        own = alliance.memberships.get().actor
        other = MembershipFactory(alliance=alliance, actor=ActorFactory()).actor
        client.force_login(member_representative)
        url = reverse("seguimiento:commitment_create", args=[alliance.pk])
        refused = client.post(
            url,
            {"actor": other.pk, "description": "x", "kind": "technical", "due_date": "2026-12-31"},
        )
        assert "Escoja una opción válida" in page_text(refused)
        accepted = client.post(
            url,
            {"actor": own.pk, "description": "y", "kind": "technical", "due_date": "2026-12-31"},
        )
        assert accepted.status_code == 302
        assert list(Commitment.objects.values_list("actor_id", flat=True)) == [own.pk]

    def test_a_representative_cannot_edit_another_actors_commitment(
        self, client, alliance, member_representative
    ):
        other = MembershipFactory(alliance=alliance, actor=ActorFactory()).actor
        commitment = CommitmentFactory(alliance=alliance, actor=other)
        client.force_login(member_representative)
        url = reverse("seguimiento:commitment_edit", args=[alliance.pk, commitment.pk])
        assert client.post(url, {"description": "cambiado"}).status_code == 403
        commitment.refresh_from_db()
        assert commitment.description != "cambiado"

    def test_a_fulfilled_commitment_cannot_be_changed(self, as_coordinator, alliance):
        commitment = CommitmentFactory(alliance=alliance, actor=alliance.memberships.get().actor)
        commitment.fulfil()
        commitment.save()
        response = as_coordinator.post(
            reverse("seguimiento:commitment_edit", args=[alliance.pk, commitment.pk]),
            {
                "actor": commitment.actor_id,
                "description": "cambiado",
                "kind": "technical",
                "due_date": "2026-12-31",
            },
        )
        assert "ya no se pueden cambiar sus datos" in page_text(response)
        commitment.refresh_from_db()
        assert commitment.description != "cambiado"


class TestAlliancePage:
    def test_the_checklist_links_every_unmet_item_to_its_place(self, as_coordinator, alliance):
        response = as_coordinator.get(reverse("fases:alliance_detail", args=[alliance.pk]))
        text = page_text(response)
        assert "Siguiente paso: Iniciar la implementación" in text
        summary = reverse("fases:alliance_detail", args=[alliance.pk])
        objectives = reverse("fases:alliance_objectives", args=[alliance.pk])
        commitments = reverse("fases:alliance_commitments", args=[alliance.pk])
        assert (
            f'<a href="{summary}#members">Se necesitan al menos dos actores miembros (hay 1).</a>'
            in text
        )
        assert f'<a href="{objectives}#objectives">Falta definir al menos un objetivo.</a>' in text
        member = alliance.memberships.get().actor
        assert f'href="{commitments}#commitments-actor-{member.pk}"' in text
        # Each link's place is on the tab it leads to.
        for url, anchor in [
            (summary, "members"),
            (summary, "next-step"),
            (objectives, "objectives"),
            (commitments, "commitments"),
            (reverse("fases:alliance_history", args=[alliance.pk]), "history"),
        ]:
            assert f'id="{anchor}"' in page_text(as_coordinator.get(url))

    def test_a_ready_alliance_offers_the_transition(self, as_coordinator, alliance):
        ready_for_implementation(alliance)
        CommitmentFactory(alliance=alliance, actor=alliance.memberships.first().actor)
        response = as_coordinator.get(reverse("fases:alliance_detail", args=[alliance.pk]))
        text = page_text(response)
        assert "Se cumplen todos los requisitos." in text
        action = reverse("fases:change_phase", args=[alliance.pk, "start_implementation"])
        assert f'action="{action}"' in text

    def test_a_representative_sees_the_checklist_but_no_buttons(
        self, client, alliance, member_representative
    ):
        client.force_login(member_representative)
        text = page_text(client.get(reverse("fases:alliance_detail", args=[alliance.pk])))
        assert "Siguiente paso" in text
        assert "fase/start_implementation" not in text
        assert reverse("alianzas:alliance_edit", args=[alliance.pk]) not in text


class TestChangePhasePage:
    def test_start_implementation_and_see_it_in_the_history(self, as_coordinator, coordinator):
        alliance = ready_for_implementation(AllianceFactory(coordinators=[coordinator]))
        response = as_coordinator.post(
            reverse("fases:change_phase", args=[alliance.pk, "start_implementation"]),
            {"comment": "Firmamos el convenio marco"},
            follow=True,
        )
        alliance.refresh_from_db()
        assert alliance.phase == Phase.IMPLEMENTATION
        text = page_text(response)
        assert "La alianza está ahora en «Implementación» (ciclo 1)." in text
        history = as_coordinator.get(reverse("fases:alliance_history", args=[alliance.pk]))
        assert "Firmamos el convenio marco" in page_text(history)
        assert PhaseChange.objects.get().user == coordinator

    def test_a_refusal_lists_what_is_missing_and_changes_nothing(self, as_coordinator, alliance):
        response = as_coordinator.post(
            reverse("fases:change_phase", args=[alliance.pk, "start_implementation"]),
            follow=True,
        )
        text = page_text(response)
        assert "Aún no es posible «Iniciar la implementación»:" in text
        assert "Falta designar un actor líder entre los miembros." in text
        alliance.refresh_from_db()
        assert alliance.phase == Phase.IDENTIFICATION
        assert not PhaseChange.objects.exists()

    @pytest.mark.parametrize("name", ["delete", "start_monitoring", "zzz"])
    def test_a_tampered_transition_is_refused(self, as_coordinator, alliance, name):
        response = as_coordinator.post(
            reverse("fases:change_phase", args=[alliance.pk, name]), follow=True
        )
        assert "Este cambio no es posible mientras la alianza está en" in page_text(response)
        assert not PhaseChange.objects.exists()

    def test_closing_early_needs_a_reason(self, as_coordinator, alliance):
        url = reverse("fases:change_phase", args=[alliance.pk, "close_early"])
        refused = as_coordinator.post(url, {"comment": "  "}, follow=True)
        assert "Indique el motivo del cierre anticipado de la alianza." in page_text(refused)
        as_coordinator.post(url, {"comment": "Se retiró el financiamiento."})
        alliance.refresh_from_db()
        assert alliance.phase == Phase.CLOSED

    def test_an_evaluation_decides_the_next_cycle(self, as_coordinator, coordinator):
        from tests.test_phase_transitions import advance

        alliance = ready_for_implementation(AllianceFactory(coordinators=[coordinator]))
        advance(alliance, coordinator, "start_implementation", "start_monitoring")
        advance(alliance, coordinator, "start_evaluation")
        as_coordinator.post(
            reverse("fases:record_evaluation", args=[alliance.pk]),
            evaluation_form_data("continue", "Las metas se cumplieron en un 80 %."),
        )
        sign_agreement_for_every_member(alliance, cycle=2)  # the next cycle's agreement
        as_coordinator.post(reverse("fases:change_phase", args=[alliance.pk, "continue_cycle"]))
        alliance.refresh_from_db()
        assert (alliance.phase, alliance.cycle) == (Phase.IMPLEMENTATION, 2)


class TestHtmxFragments:
    def test_a_form_opens_in_place(self, as_coordinator, alliance):
        response = as_coordinator.get(
            reverse("alianzas:objective_create", args=[alliance.pk]), **HTMX
        )
        text = page_text(response)
        assert "<html" not in text
        assert 'hx-post="' in text

    def test_errors_come_back_in_the_fragment_and_success_reloads_the_page(
        self, as_coordinator, alliance
    ):
        url = reverse("alianzas:objective_create", args=[alliance.pk])
        invalid = as_coordinator.post(url, {"position": "uno", "title": ""}, **HTMX)
        assert invalid.status_code == 200
        assert "<html" not in page_text(invalid)
        assert "Este campo es obligatorio." in page_text(invalid)
        valid = as_coordinator.post(url, {"position": 1, "title": "Objetivo"}, **HTMX)
        assert (
            valid.headers["HX-Redirect"]
            == reverse("fases:alliance_objectives", args=[alliance.pk]) + "#objectives"
        )


class TestActors:
    def test_register_an_actor_with_a_valid_ruc(self, as_coordinator, alliance):
        response = as_coordinator.post(
            reverse("alianzas:actor_create"),
            {
                "name": "SUNAT",
                "sector": "public",
                "ruc": " 20131312955 ",
                "website": "sunat.gob.pe",
            },
        )
        actor = Actor.objects.get(name="SUNAT")
        assert response.url == reverse("seguimiento:actor_detail", args=[actor.pk])
        assert (actor.ruc, actor.website) == ("20131312955", "https://sunat.gob.pe")

    def test_a_wrong_check_digit_is_explained(self, as_coordinator, alliance):
        response = as_coordinator.post(
            reverse("alianzas:actor_create"),
            {"name": "Empresa", "sector": "private", "ruc": "20131312954"},
        )
        assert "El RUC 20131312954 no es válido: su dígito verificador no corresponde." in (
            page_text(response)
        )
        assert not Actor.objects.filter(name="Empresa").exists()

    def test_search_and_filters(self, as_coordinator):
        ActorFactory(name="Asociación Pro Amazonía", sector=Sector.CIVIL_SOCIETY)
        ActorFactory(name="Minera del Sur", sector=Sector.PRIVATE)
        url = reverse("alianzas:actor_list")
        text = page_text(as_coordinator.get(url, {"q": "amazon", "sector": "civil_society"}))
        assert "Asociación Pro Amazonía" in text
        assert "Minera del Sur" not in text

    def test_the_actor_page_hides_alliances_the_viewer_cannot_see(
        self, client, alliance, outsider_representative
    ):
        member = alliance.memberships.get().actor
        client.force_login(outsider_representative)
        text = page_text(client.get(reverse("seguimiento:actor_detail", args=[member.pk])))
        assert member.name in text
        assert alliance.name not in text


class TestFiltersAndLanguage:
    def test_dashboard_filters_by_phase_and_text(self, as_coordinator, coordinator):
        AllianceFactory(name="Agua para Puno", coordinators=[coordinator])
        AllianceFactory(name="Turismo en Cusco", coordinators=[coordinator])
        text = page_text(as_coordinator.get(reverse("seguimiento:alliance_list"), {"q": "puno"}))
        assert "Agua para Puno" in text
        assert "Turismo en Cusco" not in text

    def test_the_alliance_list_pages_by_name_each_row_with_its_figures(
        self, as_coordinator, coordinator
    ):
        """The list is paginated on the alliances' ids, then the page's rows are read with
        their figures: the rows keep the name order, page after page, with their own lead
        actor, members and overdue commitments."""
        names = [f"Alianza {number:02d}" for number in range(27)]
        for name in reversed(names):
            AllianceFactory(name=name, coordinators=[coordinator])
        last = Alliance.objects.get(name="Alianza 26")
        lead = MembershipFactory(alliance=last, role=Role.LEADER, actor__name="Gobierno de Tacna")
        MembershipFactory(alliance=last)
        CommitmentFactory(alliance=last, actor=lead.actor, due_date=datetime.date(2020, 1, 1))
        url = reverse("seguimiento:alliance_list")

        first = as_coordinator.get(url)
        second = as_coordinator.get(url, {"page": 2})
        empty = as_coordinator.get(url, {"q": "ninguna coincide"})

        rows = first.context["page"].object_list
        assert [alliance.name for alliance in rows] == names[:25]
        assert [alliance.name for alliance in second.context["page"].object_list] == names[25:]
        assert first.context["page"].paginator.count == 27
        shown = second.context["page"].object_list[-1]
        assert (shown.lead_actor_name, shown.member_count, shown.overdue_count) == (
            "Gobierno de Tacna",
            2,
            1,
        )
        assert '<span class="overdue">1</span>' in page_text(second)
        assert list(empty.context["page"].object_list) == []
        assert "Ninguna alianza coincide con estos filtros." in page_text(empty)

    def test_bad_filter_values_are_ignored_not_fatal(self, as_coordinator):
        response = as_coordinator.get(
            reverse("fases:dashboard"),
            {"region": "abc", "goal": "99", "phase": "x", "page": "-1"},
        )
        assert response.status_code == 200

    def test_switching_to_english(self, as_coordinator):
        as_coordinator.post(reverse("set_language"), {"language": "en", "next": "/"})
        text = page_text(as_coordinator.get(reverse("fases:dashboard")))
        assert "My alliances" in text
        assert '<html lang="en">' in text

    def test_password_reset_mail_is_in_spanish(self, client):
        UserFactory(username="rosa", email="rosa@example.pe")
        client.post(reverse("password_reset"), {"email": "rosa@example.pe"})
        assert mail.outbox[0].subject == "Elija una nueva contraseña para Alianzas"
        assert "Su nombre de usuario es rosa." in mail.outbox[0].body


class TestQueryCounts:
    """List pages use the same number of queries for 3 rows and for 50."""

    @pytest.mark.parametrize("rows", [3, 50])
    def test_dashboard_and_lists(self, client, coordinator, rows, django_assert_max_num_queries):
        for n in range(rows):
            alliance = AllianceFactory(coordinators=[coordinator], name=f"Alianza {n:03}")
            membership = MembershipFactory(alliance=alliance, role=Role.LEADER)
            CommitmentFactory(
                alliance=alliance, actor=membership.actor, due_date=datetime.date(2026, 1, 1)
            )
        client.force_login(coordinator)
        for name, bound in (
            # The requirement checklist of at most ATTENTION_SIZE blocked alliances costs
            # four queries each (the fourth: the cycle's agreement); everything else on the
            # dashboard is a fixed number.
            ("fases:dashboard", 13 + 4 * ATTENTION_SIZE),
            ("seguimiento:alliance_list", 7),
            ("alianzas:actor_list", 7),
        ):
            with django_assert_max_num_queries(bound):
                assert client.get(reverse(name)).status_code == 200
        # Built on every visit (no page cache since it meets its goal built), but what the
        # requirement checks found and which alliances the person sees are kept until one
        # of them changes: session, person, navigation, the board with its overdue
        # commitments, which indicators are late and those indicators, and the
        # coordinator's alliances to check remain.
        client.get(reverse("fases:dashboard"))
        with django_assert_max_num_queries(8):
            assert client.get(reverse("fases:dashboard")).status_code == 200

    @pytest.mark.parametrize("rows", [3, 50])
    def test_alliance_page(self, client, coordinator, rows, django_assert_max_num_queries):
        alliance = AllianceFactory(coordinators=[coordinator])
        for n in range(rows):
            actor = ActorFactory(sector=Sector.PRIVATE if n % 2 else Sector.PUBLIC)
            MembershipFactory(
                alliance=alliance, actor=actor, role=Role.LEADER if n == 0 else Role.FUNDER
            )
            CommitmentFactory(alliance=alliance, actor=actor)
            objective = ObjectiveFactory(alliance=alliance)
            IndicatorFactory(objective=objective, responsible_actor=actor)
        client.force_login(coordinator)
        # 21 before this round's agreements, governance, people and publication, and at
        # most 5 more with all of them on it: the checklist and the buttons share one check
        # of the next step's requirements (fases.pages.alliance_detail).
        with django_assert_max_num_queries(21 + 5):
            response = client.get(reverse("fases:alliance_detail", args=[alliance.pk]))
        assert response.status_code == 200
        # Then cached until the alliance changes (the first visit sets the CSRF cookie the
        # key needs, the second stores): session, person, alliance, navigation.
        client.get(reverse("fases:alliance_detail", args=[alliance.pk]))
        with django_assert_max_num_queries(4):
            response = client.get(reverse("fases:alliance_detail", args=[alliance.pk]))
        assert response.status_code == 200
        assert Membership.objects.filter(alliance=alliance).count() == rows


class TestAttention:
    """The dashboard's board and overdue commitments: fresh for a person's own alliances,
    counted at most once a minute (and said so) across a national portfolio."""

    def overdue_in(self, alliance):
        membership = MembershipFactory(alliance=alliance, role=Role.LEADER)
        return CommitmentFactory(
            alliance=alliance, actor=membership.actor, due_date=datetime.date(2020, 1, 1)
        )

    def test_a_coordinator_sees_a_new_overdue_commitment_at_once(self, as_coordinator, coordinator):
        alliance = AllianceFactory(coordinators=[coordinator], name="Agua Ayacucho")
        before = as_coordinator.get(reverse("fases:dashboard"))
        assert before.context["figures"].overdue == []
        self.overdue_in(alliance)
        page = as_coordinator.get(reverse("fases:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
        assert page.context["figures"].overdue[0]["alliance__name"] == "Agua Ayacucho"
        assert page.context["figures"].as_of is None

    def test_a_national_portfolio_is_counted_once_a_minute(self, client, settings, monkeypatch):
        monkeypatch.setattr("alianzas.selectors.LARGE_SCOPE", 2)
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        cache.clear()
        client.force_login(AdministratorFactory())
        first, second, _third = (AllianceFactory(name=f"Alianza {n}") for n in "ABC")
        self.overdue_in(first)
        url = reverse("fases:dashboard")
        before = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        self.overdue_in(second)
        AllianceFactory(name="Alianza nueva")
        after = client.get(url, HTTP_ACCEPT_LANGUAGE="en")

        assert before.context["figures"].as_of is not None
        assert [row["alliance__name"] for row in after.context["figures"].overdue] == ["Alianza A"]
        assert "are counted once a minute" in page_text(after)
        shown = [a.name for column in after.context["figures"].columns for a in column.alliances]
        assert "Alianza A" in shown
        assert "Alianza nueva" not in shown  # the board is from the same minute
        filtered = client.get(url, {"q": "Alianza"}, HTTP_ACCEPT_LANGUAGE="en")
        assert len(filtered.context["figures"].overdue) == 2  # other filters, other count

    def test_a_cache_that_is_down_costs_time_not_the_page(self, client, settings, monkeypatch):
        monkeypatch.setattr("alianzas.selectors.LARGE_SCOPE", 0)
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
                "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
            }
        }
        client.force_login(AdministratorFactory())
        self.overdue_in(AllianceFactory(name="Alianza sin caché"))
        page = client.get(reverse("fases:dashboard"))
        assert page.status_code == 200
        assert page.context["figures"].overdue[0]["alliance__name"] == "Alianza sin caché"


def test_a_page_reads_the_members_once_and_a_service_always_reads_them_afresh(
    coordinator, django_assert_num_queries
):
    """``Alliance.reading``: while the alliance page is built, the checklist, the transitions
    and the panels share one read of the current members and of the cycle's commitments;
    outside it each ask reads the database, so a change is never hidden by an earlier read."""
    from fases.requirements import unmet_requirements

    alliance = AllianceFactory(coordinators=[coordinator], phase=Phase.IDENTIFICATION)
    MembershipFactory(alliance=alliance, role=Role.LEADER)
    with alliance.reading():
        unmet_requirements(alliance, "start_implementation")
        # Members, commitments, objectives, indicators and the agreement: all kept.
        with django_assert_num_queries(0):
            unmet_requirements(alliance, "start_implementation")
    before = {r.code for r in unmet_requirements(alliance, "start_implementation")}
    assert "min_members" in before
    MembershipFactory(alliance=alliance)
    after = {r.code for r in unmet_requirements(alliance, "start_implementation")}
    assert "min_members" not in after
