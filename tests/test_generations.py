"""Cached page content is never stale: every write shown on an alliance's pages replaces the
alliance's generation, and the pages built from it are built again (alianzas.generations)."""

import datetime
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alianzas import generations
from alianzas.criteria import Criterion
from alianzas.models import Alliance, Region
from fases.models import EvaluationRating
from fases.services import change_phase
from seguimiento import reminders
from seguimiento import services as monitoring_services
from seguimiento.models import Commitment, Measurement, Reminder
from tests.factories import (
    ActorFactory,
    AdjustmentFactory,
    AllianceFactory,
    CommitmentFactory,
    EvaluationFactory,
    ExportFactory,
    HealthCheckFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    ObjectiveFactory,
    ReminderFactory,
    ReminderPolicyFactory,
    UserFactory,
    ready_for_implementation,
)

pytestmark = pytest.mark.django_db

LIMA = zoneinfo.ZoneInfo("America/Lima")


def generation(alliance) -> str:
    return generations.alliance_generation(alliance.pk)


# Each model whose rows show on an alliance's pages: a factory that makes one for ``alliance``.
ROWS = {
    "membership": lambda a: MembershipFactory(alliance=a),
    "objective": lambda a: ObjectiveFactory(alliance=a),
    "indicator": lambda a: IndicatorFactory(objective=ObjectiveFactory(alliance=a)),
    "commitment": lambda a: CommitmentFactory(alliance=a),
    "measurement": lambda a: MeasurementFactory(
        indicator=IndicatorFactory(objective=ObjectiveFactory(alliance=a))
    ),
    "evaluation": lambda a: EvaluationFactory(alliance=a),
    "adjustment": lambda a: AdjustmentFactory(alliance=a),
    "health_check": lambda a: HealthCheckFactory(alliance=a),
    "export": lambda a: ExportFactory(alliance=a),
    "reminder_policy": lambda a: ReminderPolicyFactory(alliance=a),
}


@pytest.mark.parametrize("make", ROWS.values(), ids=ROWS.keys())
def test_adding_changing_or_deleting_a_row_replaces_the_alliances_generation(
    make, django_capture_on_commit_callbacks
):
    alliance = AllianceFactory()
    other = AllianceFactory()
    before, untouched = generation(alliance), generation(other)
    with django_capture_on_commit_callbacks(execute=True):
        row = make(alliance)
    created = generation(alliance)
    assert created != before

    with django_capture_on_commit_callbacks(execute=True):
        row.save()
    saved = generation(alliance)
    assert saved != created

    with django_capture_on_commit_callbacks(execute=True):
        row.delete()
    assert generation(alliance) != saved
    # Only the alliance written to is rebuilt.
    assert generation(other) == untouched


def test_a_generation_is_stable_while_nothing_changes(client, django_capture_on_commit_callbacks):
    """Reading the alliance's pages and writing to another alliance leave its generation as
    it was (its cached pages stay valid); a write to it then replaces it, so the equality
    below is about nothing having changed, not about a function that always answers alike."""
    coordinator = UserFactory()
    alliance = AllianceFactory(coordinators=[coordinator])
    other = AllianceFactory()
    first = generation(alliance)
    assert first  # a real token, not "no cache" (None) compared with itself

    client.force_login(coordinator)
    for _ in range(2):
        assert client.get(reverse("fases:alliance_detail", args=[alliance.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        ObjectiveFactory(alliance=other)
    assert generation(alliance) == first

    with django_capture_on_commit_callbacks(execute=True):
        ObjectiveFactory(alliance=alliance)
    assert generation(alliance) != first


def test_changing_regions_coordinators_or_the_alliance_itself_replaces_it():
    alliance = AllianceFactory()
    steps = [
        lambda: alliance.regions.add(Region.objects.get(code="05")),
        lambda: alliance.coordinators.add(UserFactory()),
        lambda: alliance.coordinators.clear(),
        lambda: alliance.save(),
    ]
    for step in steps:
        before = generation(alliance)
        step()
        assert generation(alliance) != before


def test_renaming_an_actor_replaces_the_generation_of_its_alliances():
    membership = MembershipFactory()
    before = generation(membership.alliance)
    membership.actor.name = "Nuevo nombre"
    membership.actor.save()
    assert generation(membership.alliance) != before


# --- Writes that send no signals (alianzas.generation_queries) ------------------------


def test_an_update_replaces_the_generation_of_the_alliances_of_the_rows_it_writes():
    measurement = MeasurementFactory(
        indicator=IndicatorFactory(objective=ObjectiveFactory(alliance=AllianceFactory()))
    )
    alliance = measurement.indicator.objective.alliance
    untouched = AllianceFactory()
    before, other = generation(alliance), generation(untouched)

    updated = Measurement.objects.filter(pk=measurement.pk).update(value=Decimal("999"))

    assert updated == 1
    assert generation(alliance) != before
    assert generation(untouched) == other


def test_an_update_that_matches_nothing_replaces_no_generation():
    alliance = AllianceFactory()
    CommitmentFactory(alliance=alliance)
    before = generation(alliance)
    Commitment.objects.filter(pk=-1).update(description="Nada")
    assert generation(alliance) == before


def test_an_update_that_moves_rows_replaces_both_alliances_generations():
    commitment = CommitmentFactory()
    source, target = commitment.alliance, AllianceFactory()
    before = {a.pk: generation(a) for a in (source, target)}

    # The filter no longer matches the row once it moved: it is read again by key.
    Commitment.objects.filter(alliance=source).update(alliance=target)

    assert all(generation(a) != before[a.pk] for a in (source, target))


def test_a_bulk_create_replaces_the_generation_of_the_alliances_of_its_rows():
    indicator = IndicatorFactory()
    alliance = indicator.objective.alliance
    untouched = AllianceFactory()
    before, other = generation(alliance), generation(untouched)

    Measurement.objects.bulk_create(
        Measurement(
            indicator_id=indicator.pk,  # no instance to follow: the alliance is read back
            cycle=alliance.cycle,
            period_start=datetime.date(2026, month, 1),
            period_end=datetime.date(2026, month, 28),
            value=Decimal(month),
        )
        for month in (1, 2, 3)
    )

    assert generation(alliance) != before
    assert generation(untouched) == other


def test_ratings_bulk_created_by_the_evaluation_service_replace_the_generation():
    evaluation = EvaluationFactory()
    before = generation(evaluation.alliance)
    EvaluationRating.objects.bulk_create(
        [EvaluationRating(evaluation=evaluation, criterion=Criterion.values[0], score=4)]
    )
    assert generation(evaluation.alliance) != before


def test_a_bulk_update_replaces_the_generation():
    commitment = CommitmentFactory()
    before = generation(commitment.alliance)
    commitment.description = "Reescrito en bloque"
    Commitment.objects.bulk_update([commitment], ["description"])
    assert generation(commitment.alliance) != before


def test_a_queryset_delete_replaces_the_generation():
    """No override needed: Django sends pre_delete for each row while receivers listen."""
    commitment = CommitmentFactory()
    before = generation(commitment.alliance)
    Commitment.objects.filter(pk=commitment.pk).delete()
    assert generation(commitment.alliance) != before


# --- The pages ---------------------------------------------------------------------


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def cache_page(client, url) -> str:
    """Visit ``url`` until its content is cached: the first visit sets the CSRF cookie the
    key needs, the second stores the content."""
    client.get(url)
    return client.get(url).content.decode()


def alliance_url(alliance) -> str:
    return reverse("fases:alliance_detail", args=[alliance.pk])


def commitments_url(alliance) -> str:
    """The alliance's commitments tab, cached as its summary is."""
    return reverse("fases:alliance_commitments", args=[alliance.pk])


class TestAlliancePage:
    def test_a_second_visit_reads_the_content_from_the_cache(self, alliance, coordinator):
        client = signed_in(coordinator)
        client.get(alliance_url(alliance))  # sets the CSRF cookie
        with CaptureQueriesContext(connection) as first:
            client.get(alliance_url(alliance))
        with CaptureQueriesContext(connection) as second:
            response = client.get(alliance_url(alliance))
        assert "Agua segura para Ayacucho" in response.content.decode()
        # Session, person, the alliance (the access check), the navigation.
        assert len(second) <= 4 < len(first)

    def test_nothing_is_cached_when_the_page_cache_is_off(self, alliance, coordinator, settings):
        settings.PAGE_CACHE = False
        client = signed_in(coordinator)
        cache_page(client, alliance_url(alliance))
        with CaptureQueriesContext(connection) as third:
            client.get(alliance_url(alliance))
        assert len(third) > 10

    def test_a_new_commitment_shows_at_once(self, alliance, coordinator):
        client = signed_in(coordinator)
        cache_page(client, commitments_url(alliance))
        CommitmentFactory(alliance=alliance, description="Donar cien filtros de agua")
        assert (
            "Donar cien filtros de agua" in client.get(commitments_url(alliance)).content.decode()
        )

    def test_progress_logged_by_a_representative_shows_to_the_coordinator(
        self, alliance, coordinator, member_representative
    ):
        actor = member_representative.actors.get()
        commitment = CommitmentFactory(alliance=alliance, actor=actor)
        client = signed_in(coordinator)
        assert "37%" not in cache_page(client, commitments_url(alliance))
        signed_in(member_representative).post(
            reverse("seguimiento:log_progress", args=[alliance.pk, commitment.pk]),
            {"progress": "37", "note": "Avance"},
        )
        assert "37%" in client.get(commitments_url(alliance)).content.decode()

    def test_a_commitment_rewritten_with_update_shows_at_once(self, alliance, coordinator):
        """update() sends no signal; the followed models' manager reports it instead."""
        commitment = CommitmentFactory(alliance=alliance, description="Donar filtros")
        client = signed_in(coordinator)
        cache_page(client, commitments_url(alliance))
        Commitment.objects.filter(pk=commitment.pk).update(description="Donar cien filtros")
        assert "Donar cien filtros" in client.get(commitments_url(alliance)).content.decode()

    def test_a_renamed_actor_shows_its_new_name(self, alliance, coordinator):
        client = signed_in(coordinator)
        cache_page(client, alliance_url(alliance))
        actor = alliance.actors.get()
        actor.name = "Gobierno Regional de Ayacucho (GORE)"
        actor.save()
        assert "(GORE)" in client.get(alliance_url(alliance)).content.decode()

    def test_a_coordinator_removed_no_longer_sees_what_managers_see(self, alliance, coordinator):
        client = signed_in(coordinator)
        edit = reverse("alianzas:alliance_edit", args=[alliance.pk])
        assert edit in cache_page(client, alliance_url(alliance))
        # Still able to read it as the representative of a member.
        MembershipFactory(alliance=alliance, actor=ActorFactory(representatives=[coordinator]))
        alliance.coordinators.remove(coordinator)
        assert edit not in client.get(alliance_url(alliance)).content.decode()

    def test_each_language_has_its_own_content(self, alliance, coordinator):
        client = signed_in(coordinator)
        assert "Miembros" in cache_page(client, alliance_url(alliance))
        english = client.get(alliance_url(alliance), HTTP_ACCEPT_LANGUAGE="en")
        assert "Members" in english.content.decode()

    def test_each_browser_gets_forms_that_its_own_cookie_accepts(self, alliance, coordinator):
        """The content holds CSRF tokens: a second browser of the same person must not be
        served the first one's."""
        MembershipFactory(alliance=alliance, actor=ActorFactory(sector="private"), role="leader")
        first, second = (Client(enforce_csrf_checks=True) for _ in range(2))
        for browser in (first, second):
            browser.force_login(coordinator)
        first.get(alliance_url(alliance))
        first.get(alliance_url(alliance))  # now cached for the first browser's cookie
        page = second.get(alliance_url(alliance)).content.decode()
        second.get(alliance_url(alliance))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = second.post(
            reverse("alianzas:member_add", args=[alliance.pk]),
            {"csrfmiddlewaretoken": token},
        )
        assert response.status_code != 403


class TestPagesBuiltOrCached:
    """The dashboard, the monitoring view and Mis compromisos once cached too, built on every
    visit now (docs/performance.md): what changed shows at once all the same."""

    def test_the_dashboard_shows_a_phase_change_at_once(self, alliance, coordinator):
        ready_for_implementation(alliance)
        CommitmentFactory(alliance=alliance, actor=alliance.actors.get(name__startswith="Gob"))
        client = signed_in(coordinator)
        dashboard = reverse("fases:dashboard")
        cache_page(client, dashboard)
        change_phase(alliance=alliance, transition="start_implementation", user=coordinator)
        page = client.get(dashboard).content.decode()
        column = page.split('phase-implementation">')[1].split("</section>")[0]
        assert "Agua segura para Ayacucho" in column

    def test_the_dashboard_shows_an_alliance_their_actor_joins(
        self, alliance, member_representative
    ):
        client = signed_in(member_representative)
        dashboard = reverse("fases:dashboard")
        cache_page(client, dashboard)
        MembershipFactory(
            alliance=AllianceFactory(name="Reforestación del Alto Mayo"),
            actor=member_representative.actors.get(),
        )
        assert "Reforestación del Alto Mayo" in client.get(dashboard).content.decode()

    def test_my_commitments_shows_new_progress(self, alliance, member_representative):
        actor = member_representative.actors.get()
        commitment = CommitmentFactory(alliance=alliance, actor=actor)
        client = signed_in(member_representative)
        mine = reverse("seguimiento:my_commitments")
        assert "64%" not in cache_page(client, mine)
        monitoring_services.log_progress(
            commitment=commitment, user=member_representative, progress=64, note=""
        )
        assert "64%" in client.get(mine).content.decode()

    def test_my_commitments_shows_a_commitment_in_a_new_alliance(self, member_representative):
        actor = (
            member_representative.actors.get()
            if member_representative.actors.exists()
            else (ActorFactory(representatives=[member_representative]))
        )
        client = signed_in(member_representative)
        mine = reverse("seguimiento:my_commitments")
        cache_page(client, mine)
        CommitmentFactory(actor=actor, description="Capacitar a cuarenta promotoras")
        assert "Capacitar a cuarenta promotoras" in client.get(mine).content.decode()

    def test_monitoring_shows_a_new_measurement(self, alliance, coordinator):
        indicator = IndicatorFactory(objective=ObjectiveFactory(alliance=alliance))
        client = signed_in(coordinator)
        url = reverse("seguimiento:monitoring", args=[alliance.pk])
        cache_page(client, url)
        MeasurementFactory(
            indicator=indicator,
            period_start=datetime.date(2026, 4, 1),
            period_end=datetime.date(2026, 6, 30),
            value="432.5",
        )
        # Peru's decimal point (config/formats/es_PE).
        assert "432.5" in client.get(url).content.decode()


class TestNavigation:
    """The navigation's facts are cached per person; what changes them renews them."""

    def unread_shown(self, client) -> str | None:
        page = client.get(reverse("seguimiento:alliance_list")).content.decode()
        found = re.search(r"\((\d+)<span class=\"visually-hidden\">", page)
        return found and found.group(1)

    def test_the_unread_count_follows_new_and_read_notices(self, coordinator):
        client = signed_in(coordinator)
        assert self.unread_shown(client) is None
        ReminderFactory(recipient=coordinator)
        ReminderFactory(recipient=coordinator)
        assert self.unread_shown(client) == "2"
        reminders.mark_all_read(user=coordinator)
        assert self.unread_shown(client) is None

    def test_notices_marked_read_with_update_leave_the_count(self, coordinator):
        client = signed_in(coordinator)
        ReminderFactory(recipient=coordinator)
        assert self.unread_shown(client) == "1"
        Reminder.objects.filter(recipient=coordinator).update(read_at=timezone.now())
        assert self.unread_shown(client) is None

    def test_notices_recorded_by_the_sweep_show_at_once(
        self, alliance, member_representative, time_machine, django_capture_on_commit_callbacks
    ):
        time_machine.move_to(datetime.datetime(2026, 3, 4, 9, tzinfo=LIMA), tick=False)
        actor = member_representative.actors.get()
        CommitmentFactory(alliance=alliance, actor=actor, due_date=datetime.date(2026, 3, 11))
        client = signed_in(member_representative)
        assert self.unread_shown(client) is None
        with django_capture_on_commit_callbacks(execute=True):
            reminders.sweep()
        assert self.unread_shown(client) == "1"

    def test_becoming_a_representative_offers_my_commitments(self, coordinator):
        client = signed_in(coordinator)
        mine = reverse("seguimiento:my_commitments")
        assert mine not in client.get(reverse("seguimiento:alliance_list")).content.decode()
        ActorFactory(representatives=[coordinator])
        assert mine in client.get(reverse("seguimiento:alliance_list")).content.decode()


def test_seed_demo_renews_every_cached_page(alliance, coordinator):
    """seed_demo bulk-creates rows, which send no signals."""
    client = signed_in(coordinator)
    cache_page(client, alliance_url(alliance))
    Alliance.objects.filter(pk=alliance.pk).update(name="Renombrada sin señales")
    call_command("seed_demo", verbosity=0)
    # In the cached content, not only in the title above it.
    assert "<h1>Renombrada sin señales</h1>" in client.get(alliance_url(alliance)).content.decode()


def test_the_dashboards_requirement_checks_are_kept_until_the_alliance_changes(
    alliance, coordinator
):
    from fases.selectors import blocked_alliances

    def unmet() -> set[str]:
        [(_alliance, step)] = blocked_alliances(coordinator)
        return {requirement.code for requirement in step.unmet}

    before = unmet()
    assert {"min_members", "min_sectors", "lead_actor"} <= before
    with CaptureQueriesContext(connection) as again:
        assert unmet() == before
    assert len(again) == 1  # the coordinator's alliances; their checks are cached

    MembershipFactory(alliance=alliance, actor=ActorFactory(sector="private"), role="leader")
    assert not {"min_members", "min_sectors", "lead_actor"} & unmet()
