"""Who may call what in the API: every endpoint × every role, with personal tokens.

Anonymous callers get 401; a signed-in person reads exactly the alliances the pages show
them, and anything else answers 404 (its existence is not revealed), as on the pages.
The endpoints come from the URL configuration, so a new one without an expectation here
fails ``test_every_api_url_has_an_expectation``.
"""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.api_world import ROLES, api_world_fixture, statuses, token_client  # noqa: F401

pytestmark = pytest.mark.django_db

READERS = statuses(401, 404, 200, 404, 200, 200)
SIGNED_IN = statuses(401, 200, 200, 200, 200, 200)
EVERYONE = statuses(200, 200, 200, 200, 200, 200)
# Whether the world's alliance's row is in the list each role reads.
SEES_THE_ALLIANCE = {
    "outsider_representative": False,
    "member_representative": True,
    "other_coordinator": False,
    "coordinator": True,
    "administrator": True,
}

ALLIANCE_RESOURCES = [
    "alliance",
    "objective",
    "indicator",
    "measurement",
    "commitment",
    "commitment-update",
    "phase-change",
    "evaluation",
    "agreement",
    "action-point",
]

EXPECTED = {
    "api:actor-list": SIGNED_IN,
    "api:actor-detail": SIGNED_IN,
    **{f"api:{resource}-list": SIGNED_IN for resource in ALLIANCE_RESOURCES},
    **{f"api:{resource}-detail": READERS for resource in ALLIANCE_RESOURCES},
    # The schema and its readers are public: they describe the API, not any alliance.
    "api:schema": EVERYONE,
    "api:docs": EVERYONE,
    "api:redoc": EVERYONE,
}


def api_urls(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from api_urls(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name and namespace.startswith("api:"):
            yield f"{namespace}{entry.name}"


def url_of(name, world):
    resource = name.split(":")[1].rsplit("-", 1)[0]
    if name.endswith("-detail"):
        return reverse(name, kwargs={"pk": world["ids"][resource]})
    return reverse(name)


def test_every_api_url_has_an_expectation():
    assert sorted(EXPECTED) == sorted(set(api_urls()))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_status_by_role(api_world, name):
    """Each endpoint read by each role, from one world per endpoint (reads change nothing
    but the token's last use)."""
    answers = {}
    for role in ROLES:
        response = token_client(api_world["tokens"][role]).get(url_of(name, api_world))
        answers[role] = response.status_code
        if response.status_code == 401:
            assert response["WWW-Authenticate"].startswith("Token"), role
    assert answers == EXPECTED[name]


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
@pytest.mark.parametrize("resource", ALLIANCE_RESOURCES)
def test_lists_hold_exactly_the_rows_of_readable_alliances(api_world, resource, role):
    response = token_client(api_world["tokens"][role]).get(reverse(f"api:{resource}-list"))
    rows = response.json()["results"]
    alliances = {row["id"] if resource == "alliance" else row["alliance"] for row in rows}
    assert (api_world["ids"][resource] in {row["id"] for row in rows}) is SEES_THE_ALLIANCE[role]
    assert (api_world["alliance"].pk in alliances) is SEES_THE_ALLIANCE[role]
    if resource in ("alliance", "objective", "indicator", "measurement"):  # the other has these
        sees_other = role in ("other_coordinator", "administrator")
        assert (api_world["other"].pk in alliances) is sees_other


def test_the_session_opens_the_api_too(client, api_world):
    client.force_login(api_world["users"]["member_representative"])
    response = client.get(reverse("api:alliance-detail", args=[api_world["alliance"].pk]))
    assert response.status_code == 200
    other = reverse("api:alliance-detail", args=[api_world["other"].pk])
    assert client.get(other).status_code == 404


def test_a_session_write_needs_the_csrf_token(api_world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(api_world["users"]["member_representative"])
    response = client.post(
        reverse("api:commitment-update-list"),
        {"commitment": api_world["ids"]["commitment"], "progress": 40},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- Writes by role ------------------------------------------------------------------

# Another alliance's commitment or indicator reads as unknown (400 on the field, as a
# commitment that does not exist), never as forbidden.
WRITERS = statuses(401, 400, 201, 400, 201, 201)


@pytest.mark.parametrize("role", ROLES)
def test_who_logs_commitment_progress(api_world, role):
    response = token_client(api_world["tokens"][role]).post(
        reverse("api:commitment-update-list"),
        {"commitment": api_world["ids"]["commitment"], "progress": 40},
        format="json",
    )
    assert response.status_code == WRITERS[role], response.content
    if response.status_code == 400:
        assert set(response.json()) == {"commitment"}


@pytest.mark.parametrize("role", ROLES)
def test_who_reports_an_indicator_value(api_world, role):
    response = token_client(api_world["tokens"][role]).post(
        reverse("api:measurement-list"),
        {
            "indicator": api_world["ids"]["indicator"],
            "period_start": timezone.localdate().isoformat(),
            "value": "200",
        },
        format="json",
    )
    assert response.status_code == WRITERS[role], response.content
    if response.status_code == 400:
        assert set(response.json()) == {"indicator"}


def test_a_member_who_is_not_responsible_reads_but_may_not_report(api_world):
    """A representative of another member actor reads the alliance (200) but the service
    refuses the report: 403, with its reason."""
    from tests.factories import ActorFactory, MembershipFactory, UserFactory

    person = UserFactory(username="otra-representante")
    MembershipFactory(alliance=api_world["alliance"], actor=ActorFactory(representatives=[person]))
    from alianzas.tokens import create_token

    _, plain = create_token(user=person, name="erp", scope="read_write")
    client = token_client(plain, language="en")
    indicator = reverse("api:indicator-detail", args=[api_world["ids"]["indicator"]])
    assert client.get(indicator).status_code == 200
    response = client.post(
        reverse("api:measurement-list"),
        {
            "indicator": api_world["ids"]["indicator"],
            "period_start": datetime.date.today().isoformat(),
            "value": "5",
        },
        format="json",
    )
    assert response.status_code == 403
    assert "responsible actor" in response.json()["detail"]
    response = client.post(
        reverse("api:commitment-update-list"),
        {"commitment": api_world["ids"]["commitment"], "progress": 50},
        format="json",
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "name", ["api:alliance-detail", "api:measurement-list", "api:commitment-update-list"]
)
def test_write_methods_other_than_the_two_are_not_allowed(api_world, name):
    client = token_client(api_world["tokens"]["administrator"])
    url = url_of(name, api_world)
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(url, {}, format="json").status_code == 405
