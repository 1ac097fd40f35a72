"""Who may open what: every named URL of the application × every role.

The URLs come from the URL configuration itself, so a new page without an
expectation here makes this test fail instead of going unchecked. Alliances
a user may not see answer 404, never 403, so their existence is not revealed.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from alianzas.models import Role
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
)

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
    "alianzas:dashboard": ("get", OPEN_TO_SIGNED_IN),
    "alianzas:alliance_list": ("get", OPEN_TO_SIGNED_IN),
    "alianzas:alliance_create": ("get", OPEN_TO_SIGNED_IN),
    "alianzas:alliance_detail": ("get", ALLIANCE_READERS),
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
    "alianzas:actor_detail": ("get", OPEN_TO_SIGNED_IN),
    "alianzas:actor_create": ("get", OPEN_TO_SIGNED_IN),
    # The member actor: its representatives and its alliance's coordinators edit it.
    "alianzas:actor_edit": ("get", statuses(LOGIN, 403, 200, 403, 200, 200)),
    # --- hook: representatives' pages (commitments, measurements, evidence) ---
    # --- hook: monitoring, portfolio and exports ---
    # --- hook: evaluation and health check ---
    # --- hook: adjustments ---
    "login": ("get", PUBLIC),
    "logout": ("post", statuses(302, 302, 302, 302, 302, 302)),
    "password_change": ("get", statuses(LOGIN, 200, 200, 200, 200, 200)),
    "password_change_done": ("get", statuses(LOGIN, 200, 200, 200, 200, 200)),
    "password_reset": ("get", PUBLIC),
    "password_reset_done": ("get", PUBLIC),
    "password_reset_confirm": ("get", PUBLIC),
    "password_reset_complete": ("get", PUBLIC),
    "set_language": ("post", statuses(302, 302, 302, 302, 302, 302)),
}


def named_urls(patterns=None, namespace=""):
    """Every named URL pattern outside the admin, as (full name, parameter names)."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
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
    indicator = IndicatorFactory(objective=objective)
    commitment = CommitmentFactory(alliance=alliance, actor=member)
    ActorFactory(representatives=[outsider_representative])
    other_coordinator = UserFactory(username="coordinador-otra")
    AllianceFactory(coordinators=[other_coordinator])
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
            "transition": "start_implementation",
            "uidb64": "MQ",
            "token": "no-es-un-token",
        },
        "actor_pk": member.pk,
    }


def url_for(name, parameters, world):
    kwargs = {p: world["kwargs"][p] for p in parameters}
    if name.startswith("alianzas:actor_") and "pk" in kwargs:
        kwargs["pk"] = world["actor_pk"]
    return reverse(name, kwargs=kwargs)


def test_every_url_has_an_expectation():
    assert sorted(EXPECTED) == [name for name, _ in ALL_URLS]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "parameters"), ALL_URLS, ids=[n for n, _ in ALL_URLS])
def test_status_by_role(client, world, name, parameters, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    method, expected = EXPECTED[name]
    response = getattr(client, method)(url_for(name, parameters, world))
    assert response.status_code == expected[role]
    if (
        response.status_code == LOGIN
        and role == "anonymous"
        and name
        not in (
            "logout",
            "set_language",
        )
    ):
        assert response.url.startswith(reverse("login"))
