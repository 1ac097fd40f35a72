"""The admin: every model's pages load, bad input is a form error, phases change only
through ``fases.services.change_phase`` and the change lists do not grow with their rows."""

import datetime
import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from simple_history.models import HistoricalChanges

from alianzas.admin import CycleFilter
from alianzas.lifecycle import Phase
from alianzas.models import Actor, Alliance, Indicator, Membership, PhaseChange, Role, User
from alianzas.publishing import publish_alliance
from alianzas.tokens import create_token
from fases.models import Evaluation
from fases.network import refresh_national
from fases.requirements import unmet_requirements
from fases.services import PhaseChangeError, change_phase
from seguimiento import national_figures
from seguimiento.models import Commitment, CommitmentUpdate, Import, Measurement
from seguimiento.services import log_progress
from tests.factories import (
    ActorFactory,
    AdjustmentFactory,
    AllianceFactory,
    CommitmentFactory,
    EmailOptOutFactory,
    EvaluationFactory,
    ExportFactory,
    HealthCheckFactory,
    IndicatorFactory,
    MembershipFactory,
    ObjectiveFactory,
    OutgoingMessageFactory,
    ReminderFactory,
    ReminderPolicyFactory,
    measure_every_indicator,
    ready_for_implementation,
)
from tests.governance_world import governance_rows
from tests.people_world import people_rows

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
MODEL_ADMINS = [
    pytest.param(model, model_admin, id=model._meta.label) for model, model_admin in REGISTERED
]
AUTOCOMPLETE_FIELDS = [
    pytest.param(model, field, id=f"{model._meta.label}.{field}")
    for model, field in dict.fromkeys(
        (owner, field)
        for model, model_admin in REGISTERED
        for owner, fields in [
            (model, model_admin.autocomplete_fields),
            *((inline.model, inline.autocomplete_fields) for inline in model_admin.inlines),
        ]
        for field in fields
    )
]

# Session, user, the region and SDG filters, two counts, the rows and two for the date
# hierarchy make 9, whether the page lists 3 alliances or 30; one to spare.
ALLIANCE_CHANGELIST_MAX_QUERIES = 10


# --- Helpers ------------------------------------------------------------------


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def change_url(alliance) -> str:
    return admin_url(Alliance, "change", alliance.pk)


def phase_url(alliance, transition: str) -> str:
    return reverse("admin:alianzas_alliance_phase_change", args=[alliance.pk, transition])


def _add_form_data(data: dict, form) -> None:
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = str(value)


def form_data(response) -> dict:
    """What a browser sends back, unchanged, for the admin form on ``response``:
    the main form, each inline's management form and its existing rows."""
    data: dict = {}
    _add_form_data(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = str(formset.management_form[name].value())
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(formset.initial_form_count())
        for form in formset.initial_forms:
            _add_form_data(data, form)
    return data


def add_inline_row(data: dict, prefix: str, **values) -> None:
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = str(value)


def inline_formset(response, model):
    return next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is model
    )


def error_messages(response) -> list[str]:
    return [m.message for m in response.context["messages"] if m.level == message_levels.ERROR]


def ready_alliance(**kwargs) -> Alliance:
    alliance = ready_for_implementation(AllianceFactory(**kwargs))
    assert unmet_requirements(alliance, "start_implementation") == []
    return alliance


def populate(count: int, user) -> None:
    """``count`` alliances in evaluation, with a row of every model the admin lists."""
    Group.objects.get_or_create(name="Coordinación nacional")
    for _ in range(count):
        alliance = ready_alliance(coordinators=[user])
        ActorFactory(representatives=[user])
        change_phase(alliance=alliance, transition="start_implementation", user=user)
        change_phase(alliance=alliance, transition="start_monitoring", user=user)
        measure_every_indicator(alliance)
        change_phase(alliance=alliance, transition="start_evaluation", user=user)
        EvaluationFactory(alliance=alliance, author=user)
        log_progress(commitment=alliance.commitments.first(), user=user, progress=40)
        AdjustmentFactory(alliance=alliance, user=user)
        HealthCheckFactory(alliance=alliance, actor=alliance.memberships.first().actor)
        ExportFactory(alliance=alliance, requested_by=user)
        ReminderPolicyFactory(alliance=alliance)
        ReminderFactory(
            recipient=user, alliance=alliance, message=OutgoingMessageFactory(recipient=user)
        )
        EmailOptOutFactory(user=user)
        publish_alliance(user=user, alliance=alliance)  # its publication record
        governance_rows(alliance, user)  # committee, meeting, action point, risk, calendar
        people_rows(alliance, user)  # an invitation and its people event
        create_token(user=user, name=f"Sistema regional {alliance.pk}", scope="read")
        refresh_national()  # the actor network's kept figures
        national_figures.refresh()  # the portfolio's kept figures
        Import.objects.create(
            alliance=alliance,
            kind=Import.Kind.ACTORS,
            requested_by=user,
            file=SimpleUploadedFile("actores.csv", b"Nombre;RUC\n"),
            file_name="actores.csv",
        )
        # Sign-in throttling (django-axes): a failed attempt and its log line.
        failure = {
            "username": user.username,
            "ip_address": "203.0.113.7",
            "user_agent": alliance.name,
        }
        AccessAttempt.objects.create(
            **failure, get_data="", post_data="", failures_since_start=1, path_info="/"
        )
        AccessFailureLog.objects.create(**failure, path_info="/")


@pytest.fixture
def staff_client(client, administrator):
    client.force_login(administrator)
    return client


# --- Every model's pages ------------------------------------------------------


def test_every_model_of_the_project_is_registered():
    project_models = [
        model
        for label in ("alianzas", "fases", "seguimiento")
        for model in apps.get_app_config(label).get_models()
    ]
    assert project_models
    # A model shown only inside its parent's page (an inline) counts as registered.
    inlined = {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }
    # A history table is read on its model's "History" page (django-simple-history).
    missing = [
        m._meta.label
        for m in project_models
        if not admin.site.is_registered(m)
        and m not in inlined
        and not issubclass(m, HistoricalChanges)
    ]
    assert missing == []


def test_every_web_address_in_the_admin_takes_https_when_the_scheme_is_missing(rf, administrator):
    """Django 5.2 assumes http for "example.org" and warns that 6.0 will assume https: each
    admin form's URL field asks for https now, so a typed address is saved as a secure link
    and the admin warns of nothing."""
    request = rf.get("/")
    request.user = administrator
    url_fields = []
    for model, model_admin in admin.site._registry.items():
        names = [f.name for f in model._meta.get_fields() if isinstance(f, models.URLField)]
        editable = [n for n in names if n not in model_admin.get_readonly_fields(request)]
        if not editable:
            continue
        form = model_admin.get_form(request, fields=editable)
        for name in editable:
            url_fields.append((model._meta.label, name))
            assert form.base_fields[name].clean("meet.example.org/x") == (
                "https://meet.example.org/x"
            ), f"{model._meta.label}.{name}"
    # The actor's website and the meeting's link at least: the check is not empty.
    assert {("alianzas.Actor", "website"), ("fases.Meeting", "link")} <= set(url_fields)


@pytest.mark.parametrize(("model", "model_admin"), MODEL_ADMINS)
def test_changelist_search_and_add_pages_load(staff_client, administrator, rf, model, model_admin):
    populate(1, administrator)

    assert staff_client.get(admin_url(model, "changelist")).status_code == 200
    if model_admin.search_fields:
        response = staff_client.get(admin_url(model, "changelist"), {"q": "agua"})
        assert response.status_code == 200

    request = rf.get("/")
    request.user = administrator
    expected = 200 if model_admin.has_add_permission(request) else 403
    assert staff_client.get(admin_url(model, "add")).status_code == expected


@pytest.mark.parametrize(("model", "model_admin"), MODEL_ADMINS)
def test_change_page_loads_for_a_saved_instance(staff_client, administrator, model, model_admin):
    populate(1, administrator)
    instance = model._default_manager.order_by("pk").first()
    assert instance is not None, f"populate() makes no {model._meta.label}: add one"

    response = staff_client.get(admin_url(model, "change", instance.pk))

    assert response.status_code == 200


@pytest.mark.parametrize(("model", "field"), AUTOCOMPLETE_FIELDS)
def test_autocomplete_fields_answer(staff_client, administrator, model, field):
    populate(1, administrator)
    params = {
        "app_label": model._meta.app_label,
        "model_name": model._meta.model_name,
        "field_name": field,
        "term": "a",
    }

    response = staff_client.get(reverse("admin:autocomplete"), params)

    assert response.status_code == 200
    assert response.json()["results"]


def test_alliance_search_by_member_name_lists_each_alliance_once(staff_client, alliance):
    MembershipFactory(alliance=alliance, actor=ActorFactory(name="Gobierno Local de Huanta"))

    response = staff_client.get(admin_url(Alliance, "changelist"), {"q": "Gobierno"})

    assert list(response.context["cl"].result_list) == [alliance]


def test_reference_data_and_audit_records_are_read_only(staff_client, administrator):
    populate(1, administrator)
    for model in (PhaseChange, CommitmentUpdate):
        instance = model.objects.first()
        response = staff_client.get(admin_url(model, "change", instance.pk))
        assert response.status_code == 200
        assert not response.context["has_change_permission"]
        assert not response.context["has_delete_permission"]
        assert staff_client.post(admin_url(model, "change", instance.pk), {}).status_code == 403
        assert staff_client.get(admin_url(model, "delete", instance.pk)).status_code == 403
        assert staff_client.get(admin_url(model, "add")).status_code == 403


# --- The alliance's page and its changes of phase -----------------------------


def test_ready_alliance_shows_the_transition_button(staff_client):
    alliance = ready_alliance()

    response = staff_client.get(change_url(alliance))

    assert response.status_code == 200
    content = response.content.decode()
    assert f'href="{phase_url(alliance, "start_implementation")}"' in content
    assert f'href="{phase_url(alliance, "close_early")}"' in content


def test_alliance_not_ready_shows_what_is_missing_instead_of_the_button(staff_client, alliance):
    response = staff_client.get(change_url(alliance))

    assert response.status_code == 200
    content = response.content.decode()
    assert phase_url(alliance, "start_implementation") not in content
    missing = unmet_requirements(alliance, "start_implementation")
    assert missing
    for requirement in missing:
        assert escape(requirement.message) in content


def test_phase_and_cycle_are_read_only_on_the_change_form(staff_client, alliance):
    data = form_data(staff_client.get(change_url(alliance)))
    data.update(name="Agua segura para Ayacucho y Huancavelica", phase="closed", cycle="7")

    response = staff_client.post(change_url(alliance), data)

    assert response.status_code == 302
    alliance.refresh_from_db()
    assert alliance.name == "Agua segura para Ayacucho y Huancavelica"
    assert alliance.phase == Phase.IDENTIFICATION
    assert alliance.cycle == 1
    assert not PhaseChange.objects.exists()


def test_confirm_page_shows_the_form(staff_client):
    alliance = ready_alliance()

    response = staff_client.get(phase_url(alliance, "start_implementation"))

    assert response.status_code == 200
    assert response.context["option"].name == "start_implementation"
    assert 'name="comment"' in response.content.decode()
    assert not response.context["form"].fields["comment"].required


def test_posting_a_ready_transition_changes_the_phase_once_and_records_it(
    staff_client, administrator
):
    alliance = ready_alliance()

    response = staff_client.post(
        phase_url(alliance, "start_implementation"), {"comment": "Acta firmada por todos."}
    )

    assert response.status_code == 302
    assert response.url == change_url(alliance)
    alliance.refresh_from_db()
    assert alliance.phase == Phase.IMPLEMENTATION
    change = PhaseChange.objects.get(alliance=alliance)
    assert change.transition == "start_implementation"
    assert change.source_phase == Phase.IDENTIFICATION
    assert change.target_phase == Phase.IMPLEMENTATION
    assert change.user == administrator
    assert change.comment == "Acta firmada por todos."

    page = staff_client.get(response.url)
    assert error_messages(page) == []
    assert "Acta firmada por todos." in page.content.decode()  # the read-only history


def test_posting_a_transition_with_unmet_requirements_changes_nothing(
    staff_client, administrator, alliance
):
    response = staff_client.post(
        phase_url(alliance, "start_implementation"), {"comment": "Intento"}, follow=True
    )

    assert response.status_code == 200
    alliance.refresh_from_db()
    assert alliance.phase == Phase.IDENTIFICATION
    assert not PhaseChange.objects.exists()
    with pytest.raises(PhaseChangeError) as refusal:
        change_phase(alliance=alliance, transition="start_implementation", user=administrator)
    assert error_messages(response) == refusal.value.messages


def test_close_early_without_a_reason_is_refused(staff_client, alliance):
    response = staff_client.post(phase_url(alliance, "close_early"), {"comment": "   "})

    assert response.status_code == 200
    assert response.context["form"].errors["comment"]
    alliance.refresh_from_db()
    assert alliance.phase == Phase.IDENTIFICATION
    assert not PhaseChange.objects.exists()


def test_close_early_with_a_reason(staff_client, alliance):
    response = staff_client.post(
        phase_url(alliance, "close_early"), {"comment": "El financiamiento se retiró."}
    )

    assert response.status_code == 302
    alliance.refresh_from_db()
    assert alliance.phase == Phase.CLOSED
    assert PhaseChange.objects.get(alliance=alliance).comment == "El financiamiento se retiró."
    page = staff_client.get(change_url(alliance))
    assert phase_url(alliance, "close_early") not in page.content.decode()


def test_transition_not_possible_from_this_phase_is_refused(staff_client, alliance):
    response = staff_client.get(phase_url(alliance, "close"))
    assert response.status_code == 302
    assert response.url == change_url(alliance)

    response = staff_client.post(phase_url(alliance, "close"), {"comment": "x"}, follow=True)

    assert error_messages(response)
    alliance.refresh_from_db()
    assert alliance.phase == Phase.IDENTIFICATION
    assert not PhaseChange.objects.exists()


def test_unknown_transition_or_alliance_is_404(staff_client, alliance):
    assert staff_client.get(phase_url(alliance, "fly_away")).status_code == 404
    assert staff_client.post(phase_url(alliance, "fly_away"), {"comment": "x"}).status_code == 404
    assert staff_client.get(phase_url(alliance, "save")).status_code == 404
    missing = reverse("admin:alianzas_alliance_phase_change", args=[alliance.pk + 1000, "close"])
    assert staff_client.get(missing).status_code == 404
    not_an_id = reverse("admin:alianzas_alliance_phase_change", args=["abc", "close"])
    assert staff_client.get(not_an_id).status_code == 404


@pytest.mark.parametrize("who", ["coordinator", "member_representative", "outsider_representative"])
def test_non_staff_users_are_sent_to_the_login(client, request, who):
    client.force_login(request.getfixturevalue(who))
    alliance = ready_alliance(coordinators=[request.getfixturevalue("coordinator")])
    urls = [
        reverse("admin:index"),
        admin_url(Alliance, "changelist"),
        change_url(alliance),
        phase_url(alliance, "start_implementation"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    response = client.post(phase_url(alliance, "start_implementation"), {"comment": "x"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    alliance.refresh_from_db()
    assert alliance.phase == Phase.IDENTIFICATION
    assert not PhaseChange.objects.exists()


# --- Bounded queries ----------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_alliance_changelist_queries_do_not_grow_with_the_rows(
    staff_client, django_assert_max_num_queries, count
):
    for _ in range(count):
        alliance = AllianceFactory()
        MembershipFactory(alliance=alliance, role=Role.LEADER)
        MembershipFactory(alliance=alliance, actor=ActorFactory(sector="private"))

    with django_assert_max_num_queries(ALLIANCE_CHANGELIST_MAX_QUERIES):
        response = staff_client.get(admin_url(Alliance, "changelist"))

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert len(rows) == count
    assert all(row._member_count == 2 and row._lead_actor_name for row in rows)


def test_no_changelist_grows_with_its_rows(staff_client, administrator):
    def queries_per_changelist() -> dict[str, int]:
        counts = {}
        for model, _model_admin in REGISTERED:
            with CaptureQueriesContext(connection) as queries:
                response = staff_client.get(admin_url(model, "changelist"))
            assert response.status_code == 200
            counts[model._meta.label] = len(queries)
        return counts

    populate(1, administrator)
    staff_client.get(reverse("admin:index"))
    few = queries_per_changelist()
    populate(4, administrator)
    many = queries_per_changelist()

    assert many == few


# The lists of the tables that grow with the country: the rows they read are a page's.
GROWING_TABLES = [Commitment, CommitmentUpdate, Measurement]


def _plan_without_sorting(sql: str, params) -> str:
    """The statement's plan when PostgreSQL may not sort or scan a table whole unless it
    must: a plan that still sorts has no index for the order it asks."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_sort")
        cursor.execute("RESET enable_seqscan")
    return plan


@pytest.mark.parametrize("model", GROWING_TABLES, ids=lambda model: model._meta.label)
def test_the_lists_of_the_growing_tables_read_a_page_not_the_table(
    staff_client, administrator, model
):
    populate(1, administrator)
    # A list filtered by cycle still has no statement that reads every row.
    url = admin_url(model, "changelist")
    filtered = f"{url}?cycle=1" if hasattr(model, "cycle") else f"{url}?status=done"
    for address in (url, filtered):
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get(address)
        assert response.status_code == 200
        statements = [query["sql"] for query in queries.captured_queries]
        # No filter or date hierarchy that lists the values of every row …
        assert not [sql for sql in statements if "DISTINCT" in sql], statements
        # … one count, not a second for "show all" …
        assert sum("COUNT(*)" in sql for sql in statements) == 1, statements
    # … and the page's rows read in an order an index keeps.
    changelist = response.context["cl"]
    sql, params = changelist.result_list.query.sql_with_params()
    assert "ORDER BY" in sql
    # An incremental sort orders only rows an index has already grouped (the
    # measurements' alliances): it reads a page's groups, not the table.
    plan = _plan_without_sorting(sql, params)
    assert not re.search(r"^\s*(->\s+)?Sort  \(", plan, re.MULTILINE), plan


def test_the_cycle_filter_offers_every_cycle_reached_and_ignores_a_tampered_value(
    staff_client, administrator
):
    first = CommitmentFactory(cycle=1, description="Del primer ciclo")
    third = CommitmentFactory(
        alliance=AllianceFactory(cycle=3), cycle=3, description="Del tercer ciclo"
    )
    url = admin_url(Commitment, "changelist")

    listed = staff_client.get(url)
    cycle_filter = next(
        spec for spec in listed.context["cl"].filter_specs if isinstance(spec, CycleFilter)
    )
    assert [value for value, _label in cycle_filter.lookup_choices] == ["1", "2", "3"]
    assert list(staff_client.get(f"{url}?cycle=3").context["cl"].result_list) == [third]
    for tampered in ("tres", "-1", "²", "99999999999999999999"):
        response = staff_client.get(f"{url}?cycle={tampered}")
        assert response.status_code == 200
        shown = set(response.context["cl"].result_list)
        assert shown in ({first, third}, set()), tampered


def test_the_due_date_filter_finds_the_overdue_the_coming_and_the_later(
    staff_client, administrator
):
    today = timezone.localdate()
    overdue = CommitmentFactory(due_date=today - datetime.timedelta(days=3))
    done_late = CommitmentFactory(due_date=today - datetime.timedelta(days=3))
    log_progress(commitment=done_late, user=administrator, progress=100)
    coming = CommitmentFactory(due_date=today + datetime.timedelta(days=10))
    later = CommitmentFactory(due_date=today + datetime.timedelta(days=90))
    url = admin_url(Commitment, "changelist")

    def listed(choice: str) -> set:
        response = staff_client.get(f"{url}?due={choice}")
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert listed("overdue") == {overdue}
    assert listed("30") == {coming}
    assert listed("later") == {later}
    assert listed("whenever") == {overdue, done_late, coming, later}


# --- Bad input is a form error ------------------------------------------------


def test_invalid_ruc_is_a_form_error_and_nothing_is_saved(staff_client):
    add_page = staff_client.get(admin_url(Actor, "add"))
    data = form_data(add_page)
    data.update(name="Empresa con RUC errado", sector="private", ruc="20131312954")
    actors_before = Actor.objects.count()

    response = staff_client.post(admin_url(Actor, "add"), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [e.code for e in errors["ruc"]] == ["ruc_check_digit"]
    assert Actor.objects.count() == actors_before

    data["ruc"] = "20131312955"
    assert staff_client.post(admin_url(Actor, "add"), data).status_code == 302
    assert Actor.objects.filter(ruc="20131312955").exists()


def test_commitment_for_an_actor_that_is_not_a_member_is_a_form_error(staff_client, alliance):
    outsider = Actor.objects.get(name="ONG Externa")
    data = form_data(staff_client.get(admin_url(Commitment, "add")))
    data.update(
        alliance=alliance.pk,
        actor=outsider.pk,
        description="Capacitar a las JASS",
        kind="technical",
        due_date="2026-12-31",
    )

    response = staff_client.post(admin_url(Commitment, "add"), data)

    assert response.status_code == 200
    assert "actor" in response.context["adminform"].form.errors
    assert not Commitment.objects.exists()


def test_commitment_inline_on_the_actor_page_shows_the_membership_error(staff_client, alliance):
    outsider = Actor.objects.get(name="ONG Externa")
    url = admin_url(Actor, "change", outsider.pk)
    data = form_data(staff_client.get(url))
    add_inline_row(
        data,
        "commitments",
        alliance=alliance.pk,
        description="Capacitar a las JASS",
        kind="technical",
        due_date="2026-12-31",
    )

    response = staff_client.post(url, data)

    assert response.status_code == 200
    form = inline_formset(response, Commitment).forms[-1]
    assert form.non_field_errors()
    assert escape(form.non_field_errors()[0]) in response.content.decode()
    assert not Commitment.objects.exists()


def test_commitment_through_the_alliance_page_takes_the_current_cycle(staff_client, alliance):
    member = alliance.memberships.get().actor
    url = change_url(alliance)
    data = form_data(staff_client.get(url))
    add_inline_row(
        data,
        "commitments",
        actor=member.pk,
        description="Capacitar a las JASS",
        kind="technical",
        due_date="2026-12-31",
    )

    response = staff_client.post(url, data)

    assert response.status_code == 302
    commitment = Commitment.objects.get()
    assert (commitment.actor, commitment.cycle, commitment.status) == (member, 1, "pending")


def test_two_current_leaders_entered_at_once_are_a_form_error(staff_client, alliance):
    url = change_url(alliance)
    data = form_data(staff_client.get(url))
    for sector in ("private", "academia"):
        add_inline_row(
            data,
            "memberships",
            actor=ActorFactory(sector=sector).pk,
            role=Role.LEADER,
            joined_on="2026-02-01",
        )

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert inline_formset(response, Membership).non_form_errors()
    assert alliance.memberships.count() == 1


def test_indicator_target_equal_to_baseline_is_a_form_error(staff_client):
    objective = ObjectiveFactory()
    data = form_data(staff_client.get(admin_url(Indicator, "add")))
    data.update(
        objective=objective.pk,
        name="Hectáreas reforestadas",
        unit="ha",
        direction="increase",
        baseline_value="50",
        target_value="50",
    )

    response = staff_client.post(admin_url(Indicator, "add"), data)

    assert response.status_code == 200
    assert "target_value" in response.context["adminform"].form.errors
    assert not Indicator.objects.exists()


def test_indicator_inline_validates_like_the_model(staff_client, alliance):
    objective = ObjectiveFactory(alliance=alliance)
    url = admin_url(type(objective), "change", objective.pk)
    data = form_data(staff_client.get(url))
    add_inline_row(
        data,
        "indicators",
        name="Hogares con agua",
        unit="hogares",
        direction="decrease",
        baseline_value="10",
        target_value="20",
        responsible_actor=Actor.objects.get(name="ONG Externa").pk,
    )

    response = staff_client.post(url, data)

    assert response.status_code == 200
    errors = inline_formset(response, Indicator).forms[-1].errors
    assert {"target_value", "responsible_actor"} <= set(errors)
    assert not Indicator.objects.exists()


def test_objective_inline_lists_its_indicators(staff_client, alliance):
    indicator = IndicatorFactory(objective=ObjectiveFactory(alliance=alliance))

    response = staff_client.get(change_url(alliance))

    assert admin_url(Indicator, "change", indicator.pk) in response.content.decode()


def test_evaluations_are_read_here_and_recorded_through_the_service(
    staff_client, administrator, alliance
):
    """The admin would skip the service's rules (only in Evaluación, every criterion rated):
    it shows evaluations and their ratings, and adds or changes none."""
    evaluation = EvaluationFactory(alliance=alliance, author=administrator, findings="Metas.")

    assert staff_client.get(admin_url(Evaluation, "add")).status_code == 403
    page = staff_client.get(admin_url(Evaluation, "change", evaluation.pk))
    assert page.status_code == 200
    assert "Metas." in page.content.decode()
    data = {"alliance": alliance.pk, "cycle": "1", "decision": "close", "findings": "Otra."}
    assert (
        staff_client.post(admin_url(Evaluation, "change", evaluation.pk), data).status_code == 403
    )
    evaluation.refresh_from_db()
    assert evaluation.findings == "Metas."
    assert Evaluation.objects.count() == 1


def test_measurement_for_a_period_not_started_is_a_form_error(staff_client):
    indicator = IndicatorFactory()
    future = datetime.date.today() + datetime.timedelta(days=60)
    data = form_data(staff_client.get(admin_url(Measurement, "add")))
    data.update(
        indicator=indicator.pk,
        period_start=future.isoformat(),
        period_end=(future + datetime.timedelta(days=30)).isoformat(),
        value="12",
    )

    response = staff_client.post(admin_url(Measurement, "add"), data)

    assert response.status_code == 200
    assert "period_start" in response.context["adminform"].form.errors
    assert not Measurement.objects.exists()


def test_commitment_status_and_progress_are_read_only(staff_client, alliance):
    member = alliance.memberships.get().actor
    commitment = CommitmentFactory(alliance=alliance, actor=member)
    url = admin_url(Commitment, "change", commitment.pk)
    data = form_data(staff_client.get(url))
    data.update(status="fulfilled", progress="100", description="Descripción corregida")

    assert staff_client.post(url, data).status_code == 302

    commitment.refresh_from_db()
    assert commitment.description == "Descripción corregida"
    assert (commitment.status, commitment.progress) == ("pending", 0)


def test_user_page_shows_language_and_roles(
    staff_client, coordinator, member_representative, alliance
):
    response = staff_client.get(admin_url(User, "change", coordinator.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="language"' in content
    assert change_url(alliance) in content

    member = Actor.objects.get(name="Gobierno Regional de Ayacucho")
    response = staff_client.get(admin_url(User, "change", member_representative.pk))
    assert admin_url(Actor, "change", member.pk) in response.content.decode()
