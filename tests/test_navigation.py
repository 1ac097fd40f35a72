"""The navigation's three facts for each kind of person: whether to offer “My
commitments” and the portfolio, and how many reminders are unread."""

import pytest
from django.utils import timezone

from seguimiento.nav import navigation_facts
from tests.factories import (
    ActorFactory,
    AdministratorFactory,
    AllianceFactory,
    ReminderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_each_person_gets_their_own_facts():
    representative, coordinator, outsider = UserFactory(), UserFactory(), UserFactory()
    administrator = AdministratorFactory()
    represented = ActorFactory(representatives=[representative])
    AllianceFactory(coordinators=[coordinator])
    ReminderFactory(recipient=representative)
    ReminderFactory(recipient=representative)
    ReminderFactory(recipient=representative, read_at=timezone.now())
    ReminderFactory(recipient=coordinator)

    assert navigation_facts(representative) == {
        "is_representative": True,
        "can_see_portfolio": False,
        "unread_reminders": 2,
        "represented_actor_ids": [represented.pk],
    }
    assert navigation_facts(coordinator) == {
        "is_representative": False,
        "can_see_portfolio": True,
        "unread_reminders": 1,
        "represented_actor_ids": [],
    }
    assert navigation_facts(administrator) == {
        "is_representative": False,
        "can_see_portfolio": True,
        "unread_reminders": 0,
        "represented_actor_ids": [],
    }
    assert navigation_facts(outsider) == {
        "is_representative": False,
        "can_see_portfolio": False,
        "unread_reminders": 0,
        "represented_actor_ids": [],
    }


def test_the_facts_cost_one_query(django_assert_num_queries):
    person = UserFactory()
    with django_assert_num_queries(1):
        navigation_facts(person)


def test_every_represented_actor_in_id_order_and_the_counts_still_one_row(
    django_assert_num_queries,
):
    """The represented actors come as rows after the counts' row: however many there
    are, the counts are read once and are not multiplied by them."""
    person = UserFactory()
    actors = sorted(ActorFactory(representatives=[person]).pk for _ in range(3))
    AllianceFactory(coordinators=[person])
    ReminderFactory(recipient=person)
    ReminderFactory(recipient=person)
    with django_assert_num_queries(1):
        facts = navigation_facts(person)
    assert facts == {
        "is_representative": True,
        "can_see_portfolio": True,
        "unread_reminders": 2,
        "represented_actor_ids": actors,
    }


def test_the_alliance_page_follows_a_change_of_representation_at_once(client, settings):
    """The alliance page offers a representative the links of their actor's rows from the
    facts kept with the navigation: adding or removing the representation changes them on
    the next visit, with the page cache on."""
    from django.urls import reverse

    from alianzas.lifecycle import Phase
    from alianzas.models import Alliance
    from tests.factories import CommitmentFactory, MembershipFactory

    settings.PAGE_CACHE = True
    person = UserFactory()
    actor = ActorFactory()
    alliance = AllianceFactory()
    Alliance.objects.filter(pk=alliance.pk).update(phase=Phase.IMPLEMENTATION)
    MembershipFactory(alliance=alliance, actor=actor)
    commitment = CommitmentFactory(alliance=alliance, actor=actor)
    log = reverse("seguimiento:log_progress", args=[alliance.pk, commitment.pk])
    page = reverse("fases:alliance_commitments", args=[alliance.pk])
    actor.representatives.add(person)
    client.force_login(person)
    assert log in client.get(page).content.decode()
    actor.representatives.remove(person)
    # No longer a member's representative: the alliance is not theirs to see.
    assert client.get(page).status_code == 404
    actor.representatives.add(person)
    assert log in client.get(page).content.decode()
