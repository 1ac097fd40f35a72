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
    ActorFactory(representatives=[representative])
    AllianceFactory(coordinators=[coordinator])
    ReminderFactory(recipient=representative)
    ReminderFactory(recipient=representative)
    ReminderFactory(recipient=representative, read_at=timezone.now())
    ReminderFactory(recipient=coordinator)

    assert navigation_facts(representative) == {
        "is_representative": True,
        "can_see_portfolio": False,
        "unread_reminders": 2,
    }
    assert navigation_facts(coordinator) == {
        "is_representative": False,
        "can_see_portfolio": True,
        "unread_reminders": 1,
    }
    assert navigation_facts(administrator) == {
        "is_representative": False,
        "can_see_portfolio": True,
        "unread_reminders": 0,
    }
    assert navigation_facts(outsider) == {
        "is_representative": False,
        "can_see_portfolio": False,
        "unread_reminders": 0,
    }


def test_the_facts_cost_one_query(django_assert_num_queries):
    person = UserFactory()
    with django_assert_num_queries(1):
        navigation_facts(person)
