"""Where the workflow misled or stuck a newcomer, and input that broke a page (issue 14,
items 1–6 and 11–13). Each test fails without its fix."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from alianzas.form_fields import ModelChoiceField, ModelMultipleChoiceField
from alianzas.lifecycle import Phase
from alianzas.models import Alliance, Indicator, Membership, Region, Role
from alianzas.templatetags.money import soles
from fases.requirements import unmet_requirements
from fases.services import change_phase, next_step, transition_options
from seguimiento.carry_over import carry_over_commitments
from seguimiento.models import Commitment, CommitmentUpdate
from seguimiento.services import MAX_REPORTABLE_PERIODS, CommitmentError
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    EvaluationFactory,
    ExportFactory,
    MembershipFactory,
    measure_every_indicator,
    ready_for_implementation,
    sign_agreement_for_every_member,
)

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HUGE = "99999999999999999999999"


def text(response) -> str:
    return response.content.decode()


def today() -> datetime.date:
    return timezone.localdate()


def moved(alliance, coordinator, *transitions):
    for transition in transitions:
        change_phase(alliance=alliance, transition=transition, user=coordinator)
    alliance.refresh_from_db()
    return alliance


def in_monitoring(coordinator, **fields):
    alliance = ready_for_implementation(AllianceFactory(coordinators=[coordinator], **fields))
    return moved(alliance, coordinator, "start_implementation", "start_monitoring")


def in_evaluation(coordinator, **fields):
    alliance = in_monitoring(coordinator, **fields)
    measure_every_indicator(alliance)
    return moved(alliance, coordinator, "start_evaluation")


# --- 1. Stuck in Monitoreo: a start date still to come ---------------------------------


class TestAFutureStartDate:
    def later(self, coordinator):
        return in_monitoring(coordinator, start_date=today() + datetime.timedelta(days=200))

    def test_the_page_says_the_alliance_starts_later_and_offers_no_report(
        self, client, coordinator
    ):
        alliance = self.later(coordinator)
        indicator = Indicator.objects.get(objective__alliance=alliance)
        client.force_login(coordinator)
        page = text(client.get(reverse("fases:alliance_detail", args=[alliance.pk]), **EN))
        assert "(starts in the future)" in page
        assert 'id="starts-later"' in page
        report = reverse("seguimiento:report_measurement", args=[alliance.pk, indicator.pk])
        objectives = reverse("fases:alliance_objectives", args=[alliance.pk])
        assert report not in text(client.get(objectives, **EN))
        # The checklist of the next step says when the first period opens.
        assert "Its first reporting period" in page
        assert "opens on" in page

    def test_a_started_alliance_offers_the_report_link(self, client, coordinator):
        alliance = in_monitoring(coordinator, start_date=today() - datetime.timedelta(days=200))
        indicator = Indicator.objects.get(objective__alliance=alliance)
        client.force_login(coordinator)
        page = text(client.get(reverse("fases:alliance_detail", args=[alliance.pk]), **EN))
        assert "(starts in the future)" not in page
        objectives = text(client.get(reverse("fases:alliance_objectives", args=[alliance.pk])))
        assert (
            reverse("seguimiento:report_measurement", args=[alliance.pk, indicator.pk])
            in objectives
        )

    def test_the_refusal_and_the_history_say_which_period_opens_when(self, client, coordinator):
        alliance = self.later(coordinator)
        indicator = Indicator.objects.get(objective__alliance=alliance)
        client.force_login(coordinator)
        response = client.get(
            reverse("seguimiento:report_measurement", args=[alliance.pk, indicator.pk]), **EN
        )
        assert response.status_code == 200
        page = text(response)
        assert "the first one, “Quarter" in page
        assert "opens on" in page
        history = text(
            client.get(
                reverse("seguimiento:indicator_history", args=[alliance.pk, indicator.pk]), **EN
            )
        )
        assert 'id="first-period"' in history
        assert reverse("seguimiento:report_measurement", args=[alliance.pk, indicator.pk]) not in (
            history
        )

    def test_the_evaluation_checklist_names_the_opening_period(self, coordinator):
        alliance = self.later(coordinator)
        (unmet,) = unmet_requirements(alliance, "start_evaluation")
        with translation.override("en"):
            (unmet,) = unmet_requirements(alliance, "start_evaluation")
        assert "opens on" in unmet.message


# --- 2. The Evaluación checklist ------------------------------------------------------


class TestEvaluationNextStep:
    def test_until_it_is_recorded_the_next_step_is_recording_the_evaluation(
        self, client, coordinator
    ):
        alliance = in_evaluation(coordinator)
        step = next_step(alliance)
        assert step.name == "record_evaluation"
        assert [r.code for r in step.unmet] == ["evaluation"]
        assert step.met == []
        client.force_login(coordinator)
        page = text(client.get(reverse("fases:alliance_detail", args=[alliance.pk]), **EN))
        assert "Next step: Record the evaluation" in page
        assert "The evaluation decided this" not in page
        assert "Next step: Continue" not in page

    def test_once_recorded_its_decision_is_the_next_step(self, coordinator):
        alliance = in_evaluation(coordinator)
        EvaluationFactory(alliance=alliance, author=coordinator, decision="reformulate")
        alliance.forget()
        assert next_step(alliance).name == "reformulate"


# --- 3. The monitoring view -----------------------------------------------------------


def test_the_monitoring_view_does_not_say_a_never_measured_indicator_has_its_value(
    client, coordinator
):
    alliance = in_monitoring(coordinator, start_date=today())
    client.force_login(coordinator)
    page = text(client.get(reverse("seguimiento:monitoring", args=[alliance.pk]), **EN))
    assert "every indicator has its last value" not in page
    assert "1 indicator has no value in cycle 1 yet" in page


def test_the_monitoring_view_says_so_once_every_indicator_has_a_value(client, coordinator):
    alliance = in_monitoring(coordinator, start_date=today())
    measure_every_indicator(alliance)
    client.force_login(coordinator)
    page = text(client.get(reverse("seguimiento:monitoring", args=[alliance.pk]), **EN))
    assert "every indicator has its last value" in page
    assert 'id="unmeasured"' not in page


# --- 4. Commitments of a new cycle ----------------------------------------------------


class TestANewCycleNeedsCommitments:
    def in_cycle_two(self, coordinator):
        alliance = in_evaluation(coordinator)
        EvaluationFactory(alliance=alliance, author=coordinator, decision="continue")
        sign_agreement_for_every_member(alliance, cycle=2)
        return moved(alliance, coordinator, "continue_cycle")

    def test_monitoring_waits_for_every_members_commitment_of_the_cycle(self, coordinator):
        alliance = self.in_cycle_two(coordinator)
        assert (alliance.phase, alliance.cycle) == (Phase.IMPLEMENTATION, 2)
        codes = [r.code for r in unmet_requirements(alliance, "start_monitoring")]
        assert codes.count("actor_commitment") == 2

    def test_the_coordinator_carries_open_commitments_over_in_one_recorded_action(
        self, client, coordinator
    ):
        alliance = self.in_cycle_two(coordinator)
        open_ones = set(Commitment.objects.filter(alliance=alliance, cycle=1).values_list("pk"))
        client.force_login(coordinator)
        url = reverse("seguimiento:carry_over_commitments", args=[alliance.pk])
        page = text(client.get(url, **EN))
        assert "Carry them over" in page
        response = client.post(url, **EN)
        assert response.status_code == 302
        assert set(Commitment.objects.filter(alliance=alliance, cycle=2).values_list("pk")) == (
            open_ones
        )
        notes = CommitmentUpdate.objects.filter(commitment__alliance=alliance, author=coordinator)
        assert notes.count() == len(open_ones)
        assert all("cycle 1 to cycle 2" in note for note in notes.values_list("note", flat=True))
        alliance.refresh_from_db()
        assert unmet_requirements(alliance, "start_monitoring") == []
        moved(alliance, coordinator, "start_monitoring")
        # Twice is refused with the reason, and changes nothing.
        before = CommitmentUpdate.objects.count()
        with pytest.raises(CommitmentError):
            carry_over_commitments(alliance=alliance, user=coordinator)
        assert CommitmentUpdate.objects.count() == before

    def test_representatives_may_not_carry_over(self, client, coordinator, member_representative):
        alliance = self.in_cycle_two(coordinator)
        MembershipFactory(
            alliance=alliance, actor=ActorFactory(representatives=[member_representative])
        )
        client.force_login(member_representative)
        url = reverse("seguimiento:carry_over_commitments", args=[alliance.pk])
        assert client.post(url).status_code == 403
        assert not Commitment.objects.filter(alliance=alliance, cycle=2).exists()

    def test_continuing_a_cycle_asks_for_every_members_commitment_too(self, coordinator):
        alliance = in_evaluation(coordinator)
        newcomer = MembershipFactory(alliance=alliance, role=Role.TECHNICAL_ALLY)
        EvaluationFactory(alliance=alliance, author=coordinator, decision="continue")
        alliance.forget()
        unmet = unmet_requirements(alliance, "continue_cycle")
        assert [(r.code, r.object_id) for r in unmet if r.code == "actor_commitment"] == [
            ("actor_commitment", newcomer.actor_id)
        ]


# --- 5. Closing -----------------------------------------------------------------------


class TestClosing:
    def test_early_close_is_a_secondary_confirmed_action(self, client, coordinator):
        alliance = AllianceFactory(coordinators=[coordinator])
        client.force_login(coordinator)
        page = text(client.get(reverse("fases:alliance_detail", args=[alliance.pk]), **EN))
        assert 'summary class="button danger"' not in page
        assert '<details class="confirm early-close" id="close-early">' in page
        assert '<summary class="button secondary small">Close early…</summary>' in page
        assert "Reason (required)" in page

    def test_evaluation_offers_only_the_decided_close(self, client, coordinator):
        alliance = in_evaluation(coordinator)
        names = [option.name for option in transition_options(alliance, coordinator)]
        assert "close" in names
        assert "close_early" not in names
        client.force_login(coordinator)
        page = text(client.get(reverse("fases:alliance_detail", args=[alliance.pk]), **EN))
        assert reverse("fases:change_phase", args=[alliance.pk, "close_early"]) not in page


# --- 6. Wording, links and formats ----------------------------------------------------


def test_the_confirm_button_does_not_double_its_colon(client, coordinator):
    alliance = ready_for_implementation(AllianceFactory(coordinators=[coordinator]))
    client.force_login(coordinator)
    page = text(client.get(reverse("fases:alliance_detail", args=[alliance.pk]), **EN))
    assert "Confirm “Start implementation”" in page
    assert "Confirm: " not in page


def test_the_export_page_goes_back_to_the_alliance(client, coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    export = ExportFactory(alliance=alliance, requested_by=coordinator)
    client.force_login(coordinator)
    page = text(client.get(reverse("seguimiento:export_detail", args=[export.pk]), **EN))
    first_link = page.split('<p class="small"><a href="', 1)[1].split('"', 1)[0]
    assert first_link == reverse("fases:alliance_detail", args=[alliance.pk])


def test_a_long_commitment_title_ends_with_an_ellipsis(client, coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    membership = MembershipFactory(alliance=alliance)
    commitment = CommitmentFactory(
        alliance=alliance,
        actor=membership.actor,
        description="Financiar la instalación de doscientos sistemas de agua segura en Huamanga",
    )
    client.force_login(coordinator)
    page = text(
        client.get(reverse("seguimiento:log_progress", args=[alliance.pk, commitment.pk]), **EN)
    )
    assert "Financiar la instalación de doscientos sistemas de agua seg…" in page


def test_territory_and_sdgs_are_tick_boxes_with_a_hint(client, coordinator):
    client.force_login(coordinator)
    page = text(client.get(reverse("alianzas:alliance_create"), **EN))
    assert 'type="checkbox" name="regions"' in page
    assert 'type="checkbox" name="goals"' in page
    assert '<select name="regions"' not in page
    assert "multiple" not in page
    assert "Tick every region where the alliance works" in page
    assert "<legend>Territory</legend>" in page


def test_evaluation_ratings_are_marked_required(client, coordinator):
    alliance = in_evaluation(coordinator)
    client.force_login(coordinator)
    page = text(client.get(reverse("fases:record_evaluation", args=[alliance.pk]), **EN))
    from alianzas.criteria import EVALUATION_CRITERIA

    assert page.count('<span class="required">(required)</span>') >= len(EVALUATION_CRITERIA)


@pytest.mark.parametrize("language", ["es-pe", "en"])
def test_money_is_written_as_in_peru(language):
    with translation.override(language):
        assert soles(Decimal("250000")) == "S/\u00a0250,000.00"
        assert soles(None) == "—"


def test_the_alliance_page_shows_soles(client, coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    membership = MembershipFactory(alliance=alliance)
    CommitmentFactory(alliance=alliance, actor=membership.actor, value_pen=Decimal("250000"))
    client.force_login(coordinator)
    page = text(client.get(reverse("fases:alliance_commitments", args=[alliance.pk])))
    assert "S/\u00a0250,000.00" in page
    assert "250\u00a0000,00" not in page


def test_a_period_not_started_is_refused_with_that_reason(client, coordinator):
    alliance = in_monitoring(coordinator, start_date=today() - datetime.timedelta(days=200))
    indicator = Indicator.objects.get(objective__alliance=alliance)
    url = reverse("seguimiento:report_measurement", args=[alliance.pk, indicator.pk])
    next_year = datetime.date(today().year + 1, 1, 1)
    client.force_login(coordinator)
    page = text(client.post(url, {"period_start": next_year.isoformat(), "value": "5"}, **EN))
    assert "has not started yet" in page
    assert "is not one of the available choices" not in page
    assert not indicator.measurements.exists()


# --- 11. Ids the database cannot hold --------------------------------------------------


def test_choice_fields_refuse_ids_out_of_range_before_asking_the_database(
    django_assert_num_queries,
):
    # SQLite raises OverflowError for these and PostgreSQL DataError (or compares them as
    # numerics): they must never reach the database.
    field = ModelChoiceField(queryset=Region.objects.all())
    multiple = ModelMultipleChoiceField(queryset=Region.objects.all())
    with django_assert_num_queries(0):
        for value in (HUGE, str(2**63), "-" + HUGE, "1e400", "9" * 400):
            with pytest.raises(ValidationError):
                field.clean(value)
        with pytest.raises(ValidationError):
            multiple.clean(["1", HUGE])
    region = Region.objects.order_by("pk").first()
    assert multiple.clean([str(region.pk)]).get() == region


@pytest.mark.parametrize("pk", [HUGE, str(2**63), str(2**63 - 1), "0"])
@pytest.mark.parametrize(
    "name",
    ["fases:alliance_detail", "seguimiento:monitoring", "fases:governance", "fases:agreement"],
)
def test_an_alliance_id_no_alliance_has_is_not_found(client, coordinator, administrator, name, pk):
    """The path takes any digits; the alliance is read by a compiled, prepared statement
    whose parameter is a 64-bit number: a larger id is not found, never a server error."""
    AllianceFactory(coordinators=[coordinator])
    for person in (coordinator, administrator):
        client.force_login(person)
        assert client.get(reverse(name, args=[pk])).status_code == 404


@pytest.mark.parametrize("name", ["regions", "goals"])
@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "-1", str(2**63)])
def test_the_alliance_form_refuses_huge_ids(client, coordinator, name, value):
    client.force_login(coordinator)
    data = {"name": "Agua", "problem": "Agua", "origin": "from_the_base", name: [value]}
    response = client.post(reverse("alianzas:alliance_create"), data, **EN)
    assert response.status_code == 200
    assert "errorlist" in text(response)
    assert not Alliance.objects.filter(name="Agua").exists()


@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("fases:dashboard", {"region": HUGE}),
        ("fases:dashboard", {"goal": "-" + HUGE}),
        ("seguimiento:alliance_list", {"region": HUGE, "goal": HUGE}),
        ("alianzas:actor_list", {"region": HUGE}),
        ("seguimiento:my_commitments", {"alliance": HUGE}),
    ],
)
def test_filters_refuse_huge_ids(client, coordinator, url_name, query):
    client.force_login(coordinator)
    assert client.get(reverse(url_name), query).status_code == 200


def test_member_and_commitment_forms_refuse_huge_ids(client, coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    MembershipFactory(alliance=alliance)
    client.force_login(coordinator)
    for url, data in [
        (reverse("alianzas:member_add", args=[alliance.pk]), {"actor": HUGE, "role": "funder"}),
        (
            reverse("seguimiento:commitment_create", args=[alliance.pk]),
            {"actor": HUGE, "description": "x", "kind": "financial", "due_date": "2026-12-31"},
        ),
    ]:
        response = client.post(url, data, **EN)
        assert response.status_code == 200, url
        assert "errorlist" in text(response)
    assert Membership.objects.filter(alliance=alliance).count() == 1
    assert not Commitment.objects.filter(alliance=alliance).exists()


# --- 12 and 13. Implausible dates, and lists the user sizes ---------------------------


@pytest.mark.parametrize("start", ["9999-12-01", "0001-01-01", "1900-01-01", "2999-01-01"])
def test_an_implausible_start_date_is_refused_with_the_bounds(client, coordinator, start):
    alliance = in_monitoring(coordinator)
    before = alliance.start_date
    client.force_login(coordinator)
    data = {
        "name": alliance.name,
        "problem": alliance.problem,
        "origin": alliance.origin,
        "start_date": start,
    }
    response = client.post(reverse("alianzas:alliance_edit", args=[alliance.pk]), data, **EN)
    assert response.status_code == 200
    assert "most likely a typing mistake" in text(response)
    alliance.refresh_from_db()
    assert alliance.start_date == before


def test_the_model_bounds_are_shared_by_every_writer():
    """The admin and the services clean the models: the bounds are there, not in a form."""
    alliance = AllianceFactory.build(start_date=datetime.date(1900, 1, 1))
    with pytest.raises(ValidationError) as refusal:
        alliance.full_clean(exclude=["coordinators"])
    assert set(refusal.value.message_dict) == {"start_date"}
    alliance.start_date = today() + datetime.timedelta(days=365 * 11)
    with pytest.raises(ValidationError):
        alliance.full_clean()
    alliance.start_date = today() + datetime.timedelta(days=365 * 9)
    alliance.full_clean()


def test_indicator_and_commitment_dates_have_bounds(client, coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    membership = MembershipFactory(alliance=alliance)
    alliance = ready_for_implementation(alliance)
    indicator = Indicator.objects.filter(objective__alliance=alliance).first()
    client.force_login(coordinator)
    url = reverse("alianzas:indicator_edit", args=[alliance.pk, indicator.pk])
    base = {
        "name": indicator.name,
        "unit": indicator.unit,
        "direction": "increase",
        "baseline_value": "1",
        "target_value": "2",
        "frequency": "quarterly",
    }
    for baseline, target in [("1900-01-01", "2027-01-01"), ("2026-01-01", "2999-12-31")]:
        data = {**base, "baseline_date": baseline, "target_date": target}
        response = client.post(url, data, **EN)
        assert "most likely a typing mistake" in text(response), (baseline, target)
    indicator.refresh_from_db()
    assert indicator.baseline_date == datetime.date(2025, 12, 31)
    commitments = Commitment.objects.count()
    for due in ("1900-01-01", "2999-12-31"):
        data = {
            "actor": membership.actor_id,
            "description": "Aportar",
            "kind": "financial",
            "due_date": due,
        }
        response = client.post(
            reverse("seguimiento:commitment_create", args=[alliance.pk]), data, **EN
        )
        assert "most likely a typing mistake" in text(response), due
    assert Commitment.objects.count() == commitments


def test_a_leaving_date_in_the_future_is_refused_and_the_member_stays(client, coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    membership = MembershipFactory(alliance=alliance)
    client.force_login(coordinator)
    url = reverse("alianzas:member_end", args=[alliance.pk, membership.pk])
    response = client.post(url, {"left_on": "2999-12-31"}, **EN)
    assert "record a departure on the day it happens" in text(response)
    membership.refresh_from_db()
    assert membership.is_active
    client.post(url, {"left_on": today().isoformat()}, **EN)
    membership.refresh_from_db()
    assert membership.left_on == today()


def test_the_value_form_offers_a_bounded_list_whatever_the_start_date(client, coordinator):
    alliance = in_monitoring(coordinator)
    indicator = Indicator.objects.get(objective__alliance=alliance)
    Indicator.objects.filter(pk=indicator.pk).update(frequency="monthly")
    # Written before the bounds existed (or by raw SQL): the page must still hold.
    Alliance.objects.filter(pk=alliance.pk).update(start_date=datetime.date(1, 1, 1))
    client.force_login(coordinator)
    url = reverse("seguimiento:report_measurement", args=[alliance.pk, indicator.pk])
    response = client.get(url, **EN)
    assert response.status_code == 200
    select = text(response).split('name="period_start"', 1)[1].split("</select>", 1)[0]
    assert 0 < select.count("<option") <= MAX_REPORTABLE_PERIODS
    Alliance.objects.filter(pk=alliance.pk).update(start_date=datetime.date(9999, 12, 1))
    response = client.get(url, **EN)
    assert response.status_code == 200
    assert "opens on" in text(response)
    page = client.get(reverse("fases:alliance_detail", args=[alliance.pk]), **EN)
    assert page.status_code == 200
