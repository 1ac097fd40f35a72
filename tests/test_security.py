"""Security: sign-in throttling, the headers of every page, and the history of changes."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from alianzas.lifecycle import Phase
from alianzas.models import Actor, Alliance, Indicator, Membership, Objective, Sector
from fases.services import change_phase
from seguimiento.models import Commitment, CommitmentStatus, Measurement
from tests.factories import (
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MeasurementFactory,
    ObjectiveFactory,
    UserFactory,
    ready_for_implementation,
)
from tests.test_permissions import ALL_URLS, EXPECTED, url_for, world  # noqa: F401

pytestmark = pytest.mark.django_db

PASSWORD = "clave-segura-2026"  # the factories' password
WRONG = "no-es-la-clave"


def sign_in(client, username, password, address="198.51.100.20"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Sign-in throttling (django-axes) ---------------------------------------------


def lock_out(client, username):
    """Wrong passwords up to the limit; the last one already answers with the lockout."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, username, WRONG)
        assert response.status_code == 200  # the form again, with its error
    return sign_in(client, username, WRONG)


def test_repeated_wrong_passwords_lock_the_account_with_a_clear_page(client, coordinator):
    response = lock_out(client, "coordinadora")

    assert response.status_code == 429
    text = response.content.decode()
    assert "Sign-in locked" in text
    assert f"The password was wrong {settings.AXES_FAILURE_LIMIT} times in a row" in text
    assert "Try again in 15 minutes." in text
    # Locked out, even the right password does not sign in.
    response = sign_in(client, "coordinadora", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)


def test_the_lockout_page_is_in_the_default_language(client, coordinator):
    lock_out(client, "coordinadora")
    response = client.post(
        reverse("login"),
        {"username": "coordinadora", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.20",
    )
    assert response.status_code == 429
    assert '<html lang="es-pe">' in response.content.decode()


def test_fewer_failures_than_the_limit_do_not_lock(client, coordinator):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "coordinadora", WRONG)
    response = sign_in(client, "coordinadora", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_lockout_is_for_that_username_from_that_address_only(client, coordinator):
    """An attacker guessing from one address cannot lock the real person out everywhere."""
    lock_out(client, "coordinadora")

    response = sign_in(client, "coordinadora", PASSWORD, address="203.0.113.99")
    assert response.status_code == 302
    assert signed_in(client)


def test_behind_a_proxy_the_lockout_is_for_the_forwarded_address(client, coordinator, settings):
    """Behind nginx every request comes from the proxy: with AXES_PROXY_COUNT set, the
    client's own address (the right-most X-Forwarded-For entry, which the proxy wrote) is
    the one locked, not the proxy's; what the client writes to its left changes nothing."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": "coordinadora", "password": WRONG},
            REMOTE_ADDR="10.0.0.2",
            # A fresh forged address each time, then the one nginx appends.
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, 198.51.100.20",
        )
    locked = client.post(
        reverse("login"),
        {"username": "coordinadora", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert locked.status_code == 429

    other = client.post(
        reverse("login"),
        {"username": "coordinadora", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert other.status_code == 302
    assert signed_in(client)


def test_after_the_cool_off_the_right_password_signs_in_again(client, coordinator):
    lock_out(client, "coordinadora")
    later = timezone.now() + settings.AXES_COOLOFF_TIME + datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        response = sign_in(client, "coordinadora", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_an_administrator_unlocks_the_account_with_the_command(client, coordinator):
    lock_out(client, "coordinadora")
    assert sign_in(client, "coordinadora", PASSWORD).status_code == 429

    call_command("axes_reset_username", "coordinadora")

    response = sign_in(client, "coordinadora", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_an_administrator_unlocks_the_account_in_the_admin(client, coordinator, administrator):
    lock_out(client, "coordinadora")
    attempt = AccessAttempt.objects.get(username="coordinadora")
    staff = client.__class__()
    staff.force_login(administrator)
    delete = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert staff.post(delete, {"post": "yes"}).status_code == 302

    response = sign_in(client, "coordinadora", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_admin_sign_in_is_throttled_too(client, administrator):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            reverse("admin:login"),
            {"username": "administradora", "password": WRONG},
            REMOTE_ADDR="198.51.100.20",
        )
    assert response.status_code == 429


def test_passwords_must_be_strong(client, coordinator):
    client.force_login(coordinator)
    for weak in ("1234567890", "qwertyuiop", "corta", "coordinadora1"):
        response = client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
        )
        assert response.status_code == 200, weak
        assert response.context["form"].errors["new_password2"], weak
    coordinator.refresh_from_db()
    assert coordinator.check_password(PASSWORD)


# --- Headers of every page ------------------------------------------------------------


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


# Health checks answer load balancers in JSON from config.probes's middleware, ahead of
# every other one; the rest are the application's pages.
HEALTH_CHECKS = {"healthz", "livez"}
PAGES = [(name, parameters) for name, parameters in ALL_URLS if name not in HEALTH_CHECKS]


@pytest.mark.parametrize("role", ["member_representative", "administrator"])
@pytest.mark.parametrize(("name", "parameters"), PAGES, ids=[n for n, _ in PAGES])
def test_every_page_is_served_with_the_security_headers(client, world, name, parameters, role):  # noqa: F811
    client.force_login(world["users"][role])
    method, _expected = EXPECTED.get(name, ("get", None))
    response = getattr(client, method)(url_for(name, parameters, world))

    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_tell_htmx_not_to_use_eval_or_inline_styles(client, coordinator):
    client.force_login(coordinator)
    text = client.get(reverse("fases:dashboard")).content.decode()
    assert '"allowEval": false' in text
    assert '"includeIndicatorStyles": false' in text
    assert "<script>" not in text
    assert " onclick=" not in text
    assert " style=" not in text


# --- History of changes (django-simple-history) -------------------------------------


def member_commitment(alliance):
    """The commitment of the alliance fixture's member actor (a requirement to implement)."""
    actor = alliance.memberships.get(actor__name="Gobierno Regional de Ayacucho").actor
    commitment, _created = Commitment.objects.get_or_create(
        alliance=alliance,
        actor=actor,
        defaults={
            "cycle": alliance.cycle,
            "description": "Instalar 50 sistemas de agua",
            "kind": "in_kind",
            "due_date": datetime.date(2026, 12, 31),
        },
    )
    return commitment


@pytest.fixture
def implementing(alliance, coordinator):
    ready_for_implementation(alliance)
    member_commitment(alliance)
    change_phase(alliance=alliance, transition="start_implementation", user=coordinator)
    return alliance


def latest_change(model_history, pk):
    """The last two versions of object ``pk`` and the names of the fields that differ."""
    newest, previous = model_history.filter(id=pk).order_by("-history_id")[:2]
    return newest, {change.field for change in newest.diff_against(previous).changes}


def test_editing_an_alliance_records_who_changed_what(client, alliance, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("alianzas:alliance_edit", args=[alliance.pk]),
        {
            "name": "Agua segura para Huamanga",
            "problem": alliance.problem,
            "origin": alliance.origin,
            "start_date": "2026-01-01",
        },
    )
    assert response.status_code == 302

    newest, changed = latest_change(Alliance.history, alliance.pk)
    assert newest.history_user == coordinator
    assert newest.history_type == "~"
    assert "name" in changed
    assert newest.name == "Agua segura para Huamanga"


def test_a_change_of_phase_is_in_the_alliance_history(client, alliance, coordinator):
    ready_for_implementation(alliance)
    member_commitment(alliance)
    client.force_login(coordinator)
    url = reverse("fases:change_phase", args=[alliance.pk, "start_implementation"])
    assert client.post(url, {"comment": ""}).status_code == 302

    newest, changed = latest_change(Alliance.history, alliance.pk)
    assert (newest.phase, newest.history_user) == (Phase.IMPLEMENTATION, coordinator)
    assert "phase" in changed
    # An old version is rebuilt as an alliance although the phase field is protected.
    first = Alliance.history.filter(id=alliance.pk).earliest("history_id")
    assert first.instance.phase == Phase.IDENTIFICATION


def test_a_member_leaving_is_in_the_membership_history(client, alliance, coordinator):
    membership = alliance.memberships.get()
    client.force_login(coordinator)
    url = reverse("alianzas:member_end", args=[alliance.pk, membership.pk])
    assert client.post(url, {"left_on": "2026-06-30"}).status_code == 302

    newest, changed = latest_change(Membership.history, membership.pk)
    assert newest.history_user == coordinator
    assert changed == {"left_on"}


def test_objective_and_indicator_edits_are_in_their_history(client, alliance, coordinator):
    objective = ObjectiveFactory(alliance=alliance)
    indicator = IndicatorFactory(objective=objective)
    client.force_login(coordinator)
    url = reverse("alianzas:objective_edit", args=[alliance.pk, objective.pk])
    response = client.post(url, {"position": "1", "title": "Agua para todas las familias"})
    assert response.status_code == 302
    newest, changed = latest_change(Objective.history, objective.pk)
    assert newest.history_user == coordinator
    assert "title" in changed

    url = reverse("alianzas:indicator_edit", args=[alliance.pk, indicator.pk])
    data = {
        "name": indicator.name,
        "unit": "familias",
        "direction": indicator.direction,
        "baseline_value": "120",
        "baseline_date": "2025-12-31",
        "target_value": "500",
        "target_date": "2027-12-31",
        "frequency": "",
        "responsible_actor": "",
    }
    assert client.post(url, data).status_code == 302
    newest, changed = latest_change(Indicator.history, indicator.pk)
    assert newest.history_user == coordinator
    assert {"unit", "target_value"} <= changed


def test_a_representatives_progress_is_in_the_commitment_history(
    client, implementing, member_representative
):
    commitment = member_commitment(implementing)
    client.force_login(member_representative)
    url = reverse("seguimiento:log_progress", args=[implementing.pk, commitment.pk])
    assert client.post(url, {"progress": "40", "note": "Primer tramo"}).status_code == 302

    newest, changed = latest_change(Commitment.history, commitment.pk)
    assert newest.history_user == member_representative
    assert "status" in changed
    # Progress is not editable in forms, so the admin's diff leaves it out; the row keeps it.
    assert (newest.status, newest.progress) == (CommitmentStatus.IN_PROGRESS, 40)
    assert newest.prev_record.progress == 0


def test_a_coordinators_commitment_edit_is_in_its_history(client, alliance, coordinator):
    commitment = CommitmentFactory(alliance=alliance, actor=alliance.memberships.get().actor)
    client.force_login(coordinator)
    url = reverse("seguimiento:commitment_edit", args=[alliance.pk, commitment.pk])
    data = {
        "actor": commitment.actor_id,
        "description": commitment.description,
        "kind": commitment.kind,
        "value_pen": "175000.00",
        "due_date": "2026-12-31",
    }
    assert client.post(url, data).status_code == 302
    newest, changed = latest_change(Commitment.history, commitment.pk)
    assert (newest.history_user, changed) == (coordinator, {"value_pen"})


def test_deleting_leaves_a_last_version_behind(alliance):
    measurement = MeasurementFactory(indicator=IndicatorFactory(objective__alliance=alliance))
    pk = measurement.pk
    measurement.delete()
    assert Measurement.history.filter(id=pk).latest("history_id").history_type == "-"


def test_adding_a_coordinator_is_in_the_history_but_repeating_it_is_not(alliance, coordinator):
    versions = Alliance.history.filter(id=alliance.pk)
    before = versions.count()

    alliance.coordinators.add(coordinator)  # already one: not a change
    assert versions.count() == before

    alliance.coordinators.add(UserFactory())
    assert versions.count() == before + 1
    assert versions.latest("history_id").coordinators.count() == 2


def test_a_new_actor_is_recorded_without_reading_links_it_cannot_have_yet(
    django_assert_num_queries, coordinator
):
    """The first version of a new row copies no links, and asks for none; the next change
    of its links is recorded with them."""
    actor = Actor(name="Asociación de Regantes del Mantaro", sector=Sector.CIVIL_SOCIETY)
    with django_assert_num_queries(2):  # the actor and its first version
        actor.save()
    first = actor.history.get()
    assert (first.history_type, first.representatives.count()) == ("+", 0)

    actor.representatives.add(coordinator)
    newest = actor.history.latest("history_id")
    assert newest.history_type == "~"
    assert [row.user for row in newest.representatives.all()] == [coordinator]


# --- The history in the admin -------------------------------------------------------


def audited_objects(alliance):
    objective = ObjectiveFactory(alliance=alliance)
    indicator = IndicatorFactory(objective=objective)
    return [
        alliance,
        alliance.memberships.get(),
        alliance.memberships.get().actor,
        objective,
        indicator,
        CommitmentFactory(alliance=alliance, actor=alliance.memberships.get().actor),
        MeasurementFactory(indicator=indicator),
    ]


def admin_url(obj, view, *args):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk, *args])


def test_administrators_read_the_history_of_every_audited_model(client, alliance, administrator):
    client.force_login(administrator)
    for obj in audited_objects(alliance):
        response = client.get(admin_url(obj, "history"))
        assert response.status_code == 200, obj._meta.label
        version = obj.history.latest("history_id")
        response = client.get(admin_url(obj, "simple_history", version.history_id))
        assert response.status_code == 200, obj._meta.label


def test_the_admin_history_shows_who_changed_the_alliance(
    client, alliance, coordinator, administrator
):
    client.force_login(coordinator)
    client.post(
        reverse("alianzas:alliance_edit", args=[alliance.pk]),
        {"name": "Agua segura 2026", "problem": alliance.problem, "origin": alliance.origin},
    )
    client.force_login(administrator)
    response = client.get(admin_url(alliance, "history"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert escape(str(coordinator)) in response.content.decode()


def test_an_old_version_cannot_be_restored_from_the_admin(client, implementing, administrator):
    """Restoring the version from Identificación would undo the phase without the rules."""
    first = Alliance.history.filter(id=implementing.pk).earliest("history_id")
    client.force_login(administrator)
    url = admin_url(implementing, "simple_history", first.history_id)
    response = client.post(
        url, {"name": first.name, "problem": first.problem, "origin": first.origin}
    )
    assert response.status_code == 403
    implementing.refresh_from_db()
    assert implementing.phase == Phase.IMPLEMENTATION


# --- In a real browser: the policy blocks nothing the pages use -----------------------


@pytest.mark.django_db(transaction=True)
def test_the_pages_run_under_the_policy_without_violations(
    live_server, browser_page, coordinator, administrator
):
    from tests.browser import sign_in as browser_sign_in

    page = browser_page
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append((page.url, message.text[:60]))
            if "Content Security Policy" in message.text
            else None
        ),
    )
    alliance = AllianceFactory(name="Agua segura", coordinators=[coordinator])
    browser_sign_in(page, live_server, "coordinadora")
    page.goto(live_server.url + reverse("fases:alliance_objectives", args=[alliance.pk]))
    # An htmx request: the objective form opens inside the page, its fields usable.
    page.locator(f"a[hx-get='{reverse('alianzas:objective_create', args=[alliance.pk])}']").click()
    page.locator("#objectives-form input[name=title]").wait_for()
    assert page.evaluate("typeof htmx") == "object"

    page.context.clear_cookies()
    browser_sign_in(page, live_server, "administradora")
    page.goto(live_server.url + reverse("admin:alianzas_alliance_history", args=[alliance.pk]))
    page.goto(live_server.url + reverse("admin:alianzas_alliance_change", args=[alliance.pk]))

    assert violations == []
