"""Who may open what: every named URL of the application × every role.

The URLs come from the URL configuration itself, so a new page without an
expectation here makes this test fail instead of going unchecked. Alliances
a user may not see answer 404, never 403, so their existence is not revealed.
"""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from alianzas.models import Role
from alianzas.tokens import create_token
from seguimiento.models import Import
from seguimiento.reminders import unsubscribe_token
from seguimiento.services import log_progress
from tests.agreement_world import agreement_kwargs
from tests.factories import (
    ActorFactory,
    AdministratorFactory,
    AllianceFactory,
    CommitmentFactory,
    ExportFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    ObjectiveFactory,
    ReminderFactory,
    UserFactory,
)
from tests.governance_world import governance_kwargs
from tests.people_world import people_kwargs

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "outsider_representative",
    "member_representative",
    "other_coordinator",
    "coordinator",
    "administrator",
]
# Anonymous, outsider representative, member representative, coordinator of another
# alliance, coordinator, administrator.
LOGIN = 302


def statuses(*codes):
    return dict(zip(ROLES, codes, strict=True))


OPEN_TO_SIGNED_IN = statuses(LOGIN, 200, 200, 200, 200, 200)
ALLIANCE_READERS = statuses(LOGIN, 404, 200, 404, 200, 200)
ALLIANCE_MANAGERS = statuses(LOGIN, 404, 403, 404, 200, 200)
PUBLIC = statuses(200, 200, 200, 200, 200, 200)

# (method, expected status by role) for every named URL outside the admin.
EXPECTED = {
    "fases:dashboard": ("get", OPEN_TO_SIGNED_IN),
    "seguimiento:alliance_list": ("get", OPEN_TO_SIGNED_IN),
    "alianzas:alliance_create": ("get", OPEN_TO_SIGNED_IN),
    "fases:alliance_detail": ("get", ALLIANCE_READERS),
    "fases:alliance_objectives": ("get", ALLIANCE_READERS),
    "fases:alliance_commitments": ("get", ALLIANCE_READERS),
    "fases:alliance_history": ("get", ALLIANCE_READERS),
    "alianzas:alliance_edit": ("get", ALLIANCE_MANAGERS),
    "alianzas:member_add": ("get", ALLIANCE_MANAGERS),
    "alianzas:member_end": ("get", ALLIANCE_MANAGERS),
    "alianzas:objective_create": ("get", ALLIANCE_MANAGERS),
    "alianzas:objective_edit": ("get", ALLIANCE_MANAGERS),
    "alianzas:indicator_create": ("get", ALLIANCE_MANAGERS),
    "alianzas:indicator_edit": ("get", ALLIANCE_MANAGERS),
    # Representatives record their own actor's commitments.
    "seguimiento:commitment_create": ("get", ALLIANCE_READERS),
    "seguimiento:commitment_edit": ("get", ALLIANCE_READERS),
    "fases:record_evaluation": ("get", ALLIANCE_MANAGERS),
    # A refused change of phase redirects back to the alliance with the reasons.
    "fases:change_phase": ("post", statuses(LOGIN, 404, 403, 404, 302, 302)),
    "alianzas:actor_list": ("get", OPEN_TO_SIGNED_IN),
    "alianzas:place_search": ("get", OPEN_TO_SIGNED_IN),
    "seguimiento:actor_detail": ("get", OPEN_TO_SIGNED_IN),
    "alianzas:actor_create": ("get", OPEN_TO_SIGNED_IN),
    # The member actor: its representatives and its alliance's coordinators edit it.
    "alianzas:actor_edit": ("get", statuses(LOGIN, 403, 200, 403, 200, 200)),
    # Representatives follow their actor's commitments and report its indicator's values
    # (the world's member actor is the indicator's responsible actor); evidence downloads
    # go to whoever may read the alliance.
    "seguimiento:my_commitments": ("get", OPEN_TO_SIGNED_IN),
    "seguimiento:commitment_detail": ("get", ALLIANCE_READERS),
    "seguimiento:log_progress": ("get", ALLIANCE_READERS),
    # Cancelling a pledge made to the alliance is its coordinators' decision.
    "seguimiento:cancel_commitment": ("get", ALLIANCE_MANAGERS),
    # Carrying open commitments over into a new cycle is the coordinators' action.
    "seguimiento:carry_over_commitments": ("get", ALLIANCE_MANAGERS),
    "seguimiento:indicator_history": ("get", ALLIANCE_READERS),
    "seguimiento:report_measurement": ("get", ALLIANCE_READERS),
    "seguimiento:update_evidence": ("get", ALLIANCE_READERS),
    "seguimiento:measurement_evidence": ("get", ALLIANCE_READERS),
    # --- hook: representatives' pages (commitments, measurements, evidence) ---
    "seguimiento:monitoring": ("get", ALLIANCE_READERS),
    # Coordinators (of any alliance) and administrators; nothing to hide, so 403.
    "seguimiento:portfolio": ("get", statuses(LOGIN, 403, 403, 200, 200, 200)),
    # Readers of the alliance ask for files; each then goes to its own export's page.
    "seguimiento:export_create": ("post", statuses(LOGIN, 404, 302, 404, 302, 302)),
    # The world's export was asked for by the coordinator: nobody else sees it.
    "seguimiento:export_detail": ("get", statuses(LOGIN, 404, 404, 404, 200, 404)),
    "seguimiento:export_download": ("get", statuses(LOGIN, 404, 404, 404, 200, 404)),
    # --- hook: monitoring, portfolio and exports ---
    # Any reader of the alliance reads an evaluation (the world's alliance is in its cycle 1).
    "fases:evaluation_detail": ("get", ALLIANCE_READERS),
    # The health check is answered by the member actors' representatives only.
    "seguimiento:health_check": ("get", statuses(LOGIN, 404, 200, 404, 403, 403)),
    # --- hook: evaluation and health check ---
    # --- hook: adjustments ---
    # Reminders: each person's own (someone else's answers 404, even to administrators);
    # the opt-out link in the e-mails is the credential, so it needs no sign-in.
    "seguimiento:notifications": ("get", OPEN_TO_SIGNED_IN),
    "seguimiento:reminder_read": ("post", statuses(LOGIN, 404, 302, 404, 404, 404)),
    "seguimiento:reminders_read_all": ("post", statuses(LOGIN, 302, 302, 302, 302, 302)),
    "seguimiento:reminder_preferences": ("get", OPEN_TO_SIGNED_IN),
    "seguimiento:reminder_unsubscribe": ("get", PUBLIC),
    "login": ("get", PUBLIC),
    "logout": ("post", statuses(302, 302, 302, 302, 302, 302)),
    "password_change": ("get", statuses(LOGIN, 200, 200, 200, 200, 200)),
    "password_change_done": ("get", statuses(LOGIN, 200, 200, 200, 200, 200)),
    "password_reset": ("get", PUBLIC),
    "password_reset_done": ("get", PUBLIC),
    "password_reset_confirm": ("get", PUBLIC),
    "password_reset_complete": ("get", PUBLIC),
    "set_language": ("post", statuses(302, 302, 302, 302, 302, 302)),
    # For load balancers and orchestrators: no sign-in, nothing about any alliance.
    "healthz": ("get", PUBLIC),
    "livez": ("get", PUBLIC),
    # --- national view: map, actor network, publishing, public site and open data ---
    # The map and the network read the portfolio: its readers only (nothing to hide: 403).
    "fases:territory_map": ("get", statuses(LOGIN, 403, 403, 200, 200, 200)),
    "fases:actor_network": ("get", statuses(LOGIN, 403, 403, 200, 200, 200)),
    "fases:actor_network_detail": ("get", statuses(LOGIN, 403, 403, 200, 200, 200)),
    # Publishing is the coordinators' choice; a refused or accepted one redirects back.
    "fases:publish_alliance": ("post", statuses(LOGIN, 404, 403, 404, 302, 302)),
    "fases:withdraw_alliance": ("post", statuses(LOGIN, 404, 403, 404, 302, 302)),
    "public:portfolio": ("get", PUBLIC),
    "public:open_data": ("get", PUBLIC),
    "public:data_csv": ("get", PUBLIC),
    "public:data_json": ("get", PUBLIC),
    # The world's alliance is not published: no public page or file for anyone (its
    # coordinator sees the private page), and an IATI file needs one published alliance.
    "public:alliance": ("get", statuses(404, 404, 404, 404, 404, 404)),
    "public:alliance_iati": ("get", statuses(404, 404, 404, 404, 404, 404)),
    "public:data_iati": ("get", statuses(404, 404, 404, 404, 404, 404)),
    # --- People (alianzas/people_views.py): coordinators invite, resend, withdraw, remove
    # coordinators (never the last: refused, back to the page) and representatives (the
    # world's person is the coordinator, no representative: refused). A representative only
    # leaves themselves. The invitation link is its own credential: open to anyone. ---
    "alianzas:invite": ("get", ALLIANCE_MANAGERS),
    "alianzas:invitation_send_again": ("post", statuses(LOGIN, 404, 403, 404, 302, 302)),
    "alianzas:invitation_withdraw": ("post", statuses(LOGIN, 404, 403, 404, 302, 302)),
    "alianzas:invitation_accept": ("get", PUBLIC),
    "alianzas:coordinator_remove": ("post", statuses(LOGIN, 404, 403, 404, 302, 302)),
    "alianzas:representative_remove": ("post", statuses(LOGIN, 404, 403, 404, 302, 302)),
    "alianzas:member_role": ("get", ALLIANCE_MANAGERS),
    # The member's interests: its representatives and the coordinators.
    "alianzas:member_interests": ("get", ALLIANCE_READERS),
    "alianzas:member_new_actor": ("get", ALLIANCE_MANAGERS),
    # --- Governance (fases/governance_urls.py): readers read the committee, meetings, minutes
    # and the risk register; coordinators record them. The world's action point is owed by
    # the member representative, who may close it. A calendar's secret is its credential
    # (calendar applications cannot sign in): the world's is the member representative's. ---
    "fases:governance": ("get", ALLIANCE_READERS),
    "fases:committee_member_add": ("get", ALLIANCE_MANAGERS),
    "fases:committee_member_end": ("post", statuses(LOGIN, 404, 403, 404, 302, 302)),
    "fases:meeting_create": ("get", ALLIANCE_MANAGERS),
    "fases:meeting_detail": ("get", ALLIANCE_READERS),
    "fases:meeting_edit": ("get", ALLIANCE_MANAGERS),
    "fases:minutes_pdf": ("get", ALLIANCE_READERS),
    "fases:decision_create": ("get", ALLIANCE_MANAGERS),
    "fases:action_point_create": ("get", ALLIANCE_MANAGERS),
    "fases:action_point_close": ("get", statuses(LOGIN, 404, 200, 404, 200, 200)),
    "fases:risk_register": ("get", ALLIANCE_READERS),
    "fases:risk_create": ("get", ALLIANCE_MANAGERS),
    "fases:risk_edit": ("get", ALLIANCE_MANAGERS),
    "fases:calendar_settings": ("get", OPEN_TO_SIGNED_IN),
    "fases:person_calendar": ("get", PUBLIC),
    "fases:alliance_calendar": ("get", PUBLIC),
    # --- Spreadsheet imports: coordinators into their alliances, administrators into any and
    # into the registry (nothing to hide there, so 403); each import is seen only by whoever
    # uploaded it (the world's, the coordinator). Templates and the search: anyone signed in
    # (the search lists only what each person may see, tests/test_search.py). ---
    "seguimiento:alliance_import": ("get", ALLIANCE_MANAGERS),
    "seguimiento:registry_import": ("get", statuses(LOGIN, 403, 403, 403, 403, 200)),
    "seguimiento:import_template": ("get", OPEN_TO_SIGNED_IN),
    "seguimiento:import_detail": ("get", statuses(LOGIN, 404, 404, 404, 200, 404)),
    "seguimiento:import_confirm": ("post", statuses(LOGIN, 404, 404, 404, 302, 404)),
    "seguimiento:search": ("get", OPEN_TO_SIGNED_IN),
    # --- API tokens: each person's own page; someone else's token answers 404, even to an
    # administrator (the world's token is the member representative's). The API itself
    # (namespace "api") has its own matrix, tests/test_api_permissions.py. ---
    "api_tokens:list": ("get", OPEN_TO_SIGNED_IN),
    "api_tokens:revoke": ("post", statuses(LOGIN, 404, 302, 404, 404, 404)),
    # --- The partnering agreement (fases/agreement_urls.py): readers of the alliance read it,
    # every version, its PDF, its signed document and the signatures' evidence; coordinators
    # draft, amend, attach the document, record signatures on paper and renew it; each
    # representative signs for their own actor only (the coordinator represents none: 403).
    # The world's version is signed, so the draft sends its managers on to the amendment. ---
    "fases:agreement": ("get", ALLIANCE_READERS),
    "fases:agreement_version": ("get", ALLIANCE_READERS),
    "fases:agreement_pdf": ("get", ALLIANCE_READERS),
    "fases:agreement_document": ("get", ALLIANCE_READERS),
    "fases:agreement_signature_evidence": ("get", ALLIANCE_READERS),
    "fases:agreement_draft": ("get", statuses(LOGIN, 404, 403, 404, 302, 302)),
    "fases:agreement_amend": ("get", ALLIANCE_MANAGERS),
    "fases:agreement_attach": ("get", ALLIANCE_MANAGERS),
    "fases:agreement_paper_signature": ("get", ALLIANCE_MANAGERS),
    "fases:agreement_sign": ("get", statuses(LOGIN, 404, 200, 404, 403, 403)),
    # Renewing outside Evaluación is refused with a message, back on the agreement's page.
    "fases:agreement_renew": ("post", statuses(LOGIN, 404, 403, 404, 302, 302)),
    # An alliance already under way is brought in by its coordinators (the world's is new).
    "fases:enter_mid_course": ("get", ALLIANCE_MANAGERS),
}


def named_urls(patterns=None, namespace=""):
    """Every named URL pattern outside the admin, as (full name, parameter names)."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name in ("admin", "api"):  # the API: tests/test_api_permissions.py
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_urls(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", list(entry.pattern.converters)


ALL_URLS = sorted(dict(named_urls()).items())


@pytest.fixture
def world(coordinator, member_representative, outsider_representative, administrator):
    """One alliance with a member actor (represented), an objective, an indicator and a
    commitment; another alliance with its own coordinator; an actor outside both."""
    alliance = AllianceFactory(coordinators=[coordinator])
    member = ActorFactory(representatives=[member_representative])
    membership = MembershipFactory(alliance=alliance, actor=member, role=Role.LEADER)
    objective = ObjectiveFactory(alliance=alliance)
    indicator = IndicatorFactory(objective=objective, responsible_actor=member, frequency="annual")
    commitment = CommitmentFactory(alliance=alliance, actor=member)
    update = log_progress(
        commitment=commitment,
        user=member_representative,
        progress=10,
        evidence=SimpleUploadedFile("avance.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    measurement = MeasurementFactory(
        indicator=indicator,
        evidence=SimpleUploadedFile("medicion.pdf", b"%PDF-1.4\n%%EOF\n"),
        evidence_name="medicion.pdf",
    )
    ActorFactory(representatives=[outsider_representative])
    other_coordinator = UserFactory(username="coordinador-otra")
    AllianceFactory(coordinators=[other_coordinator])
    export = ExportFactory(alliance=alliance, requested_by=coordinator, status="done", progress=100)
    export.file.save("informe.csv", SimpleUploadedFile("informe.csv", b"ID\n"))
    return {
        "users": {
            "anonymous": None,
            "outsider_representative": outsider_representative,
            "member_representative": member_representative,
            "other_coordinator": other_coordinator,
            "coordinator": coordinator,
            "administrator": administrator,
        },
        "kwargs": {
            "pk": alliance.pk,
            "membership_pk": membership.pk,
            "objective_pk": objective.pk,
            "indicator_pk": indicator.pk,
            "commitment_pk": commitment.pk,
            "update_pk": update.pk,
            "measurement_pk": measurement.pk,
            "transition": "start_implementation",
            "cycle": 1,
            "export_pk": export.pk,
            "kind": "report_pdf",
            "uidb64": "MQ",
            "token": "no-es-un-token",
            "reminder_pk": ReminderFactory(recipient=member_representative, alliance=alliance).pk,
            "optout_token": unsubscribe_token(member_representative.pk, ["commitment_overdue"]),
            **governance_kwargs(alliance, member, member_representative),
            **agreement_kwargs(alliance, member),
            **people_kwargs(alliance, member, coordinator),
            "import_pk": Import.objects.create(
                alliance=alliance, kind="members", requested_by=coordinator, file_name="a.csv"
            ).pk,
            "import_kind": "members",
            "token_pk": create_token(user=member_representative, name="ERP", scope="read")[0].pk,
        },
        "actor_pk": member.pk,
    }


def world_outside_a_test() -> dict:
    """The matrix's world, with the same cast as tests/conftest.py, for a fixture that
    builds it once for many tests (pytest's wrapper refuses a direct call)."""
    return world._get_wrapped_function()(
        UserFactory(username="coordinadora"),
        UserFactory(username="representante-miembro"),
        UserFactory(username="representante-externo"),
        AdministratorFactory(username="administradora"),
    )


@pytest.fixture(scope="class")
def shared_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The matrix's world built once for a class of tests that only send requests in it,
    with its files in one folder: each test's requests are rolled back to it (a
    savepoint), and the whole is rolled back after the class. One world, not one for each
    of the matrix's 200 URLs."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        yield {**world_outside_a_test(), "media": media}
        transaction.set_rollback(True)


@pytest.fixture
def _shared_media(settings, shared_world):
    """The files the shared world saved (evidence, an export) are where its pages look."""
    settings.MEDIA_ROOT = shared_world["media"]


def url_for(name, parameters, world):
    kwargs = {p: world["kwargs"][p] for p in parameters}
    if name.rsplit(":", 1)[-1].startswith("actor_") and "pk" in kwargs:
        kwargs["pk"] = world["actor_pk"]
    return reverse(name, kwargs=kwargs)


def test_every_url_has_an_expectation():
    assert sorted(EXPECTED) == [name for name, _ in ALL_URLS]


@pytest.mark.usefixtures("_shared_media")
class TestEveryUrlByRole:
    @pytest.mark.parametrize(("name", "parameters"), ALL_URLS, ids=[n for n, _ in ALL_URLS])
    def test_status_by_role(self, client, shared_world, name, parameters):
        """Each URL as each role, from the same shared_world: what one role's request changes is
        rolled back before the next role's (one shared_world per URL, not per URL and role)."""
        method, expected = EXPECTED[name]
        url = url_for(name, parameters, shared_world)
        answers = {}
        for role in ROLES:
            cache.clear()  # nothing cached from a state that was rolled back
            with transaction.atomic():
                client.logout()
                user = shared_world["users"][role]
                if user is not None:
                    client.force_login(user)
                response = getattr(client, method)(url)
                answers[role] = response.status_code
                if (
                    response.status_code == LOGIN
                    and role == "anonymous"
                    and name not in ("logout", "set_language")
                ):
                    assert response.url.startswith(reverse("login")), role
                transaction.set_rollback(True)
        assert answers == expected


@pytest.mark.parametrize("role", ROLES)
def test_one_alliance_and_the_list_apply_the_same_rule(world, role):
    """``can_view_alliance`` (the pages of one alliance) and ``visible_alliances`` (the
    lists) are written separately for speed: they must agree for every role, for a former
    member's representative and for a person no longer active."""
    from django.contrib.auth.models import AnonymousUser

    from alianzas import access
    from alianzas.models import Alliance

    user = world["users"][role] or AnonymousUser()
    former = UserFactory()
    left = MembershipFactory(actor=ActorFactory(representatives=[former]))
    left.left_on = left.joined_on
    left.save()
    inactive = UserFactory(is_active=False)
    Alliance.objects.get(pk=world["kwargs"]["pk"]).coordinators.add(inactive)
    for person in (user, former, inactive):
        for alliance in Alliance.objects.all():
            listed = access.visible_alliances(person).filter(pk=alliance.pk).exists()
            assert access.can_view_alliance(person, alliance) is listed, (person, alliance)


def test_the_union_queries_run_on_sqlite_too(world):
    """The embedded default (`make run`) is SQLite, which refuses ORDER BY inside a UNION;
    the suite runs on PostgreSQL, which accepts it, so the SQL itself is checked."""
    from alianzas import access

    for person in (world["users"]["coordinator"], world["users"]["member_representative"]):
        sql = str(access.visible_alliances(person).order_by().values("pk").query)
        assert " UNION " in sql
        assert "ORDER BY" not in sql, sql


# --- Every page tried with POST too (issue 14, item 23) -------------------------------
# An edit page refused by GET must be refused the same way when its form is sent: a view
# that checked permission only on GET would accept the write. Each page the matrix opens
# with GET is sent an empty form by every role: whoever may not open it gets the same
# refusal (or 405, a method the page does not take) and the database is left as it was;
# whoever may open it gets an answer, never a server error.
GET_PAGES = [(n, p) for n, p in ALL_URLS if EXPECTED.get(n, ("post",))[0] == "get"]
REFUSALS = {LOGIN, 403, 404}


def rows():
    """Every row of the project's tables, to show a refused POST changed nothing."""
    from django.apps import apps

    state = {}
    for label in ("alianzas", "fases", "seguimiento"):
        for model in apps.get_app_config(label).get_models():
            state[model._meta.label] = sorted(
                map(repr, model._default_manager.order_by("pk").values_list())
            )
    return state


@pytest.mark.usefixtures("_shared_media")
class TestEveryPageSentAnEmptyForm:
    @pytest.mark.parametrize(("name", "parameters"), GET_PAGES, ids=[n for n, _ in GET_PAGES])
    def test_post_by_role(self, client, shared_world, name, parameters):
        url = url_for(name, parameters, shared_world)
        _, expected = EXPECTED[name]
        for role in ROLES:
            client.logout()
            user = shared_world["users"][role]
            if user is not None:
                client.force_login(user)
            before = rows() if expected[role] in REFUSALS else None
            response = client.post(url, {})
            if before is None:
                assert response.status_code < 500, (role, response.status_code)
                continue
            assert response.status_code in (expected[role], 405), (role, response.status_code)
            if response.status_code == LOGIN and role == "anonymous":
                assert response.url.startswith(reverse("login"))
            assert rows() == before, f"a refused POST by {role} changed the database"
