"""Lists counted up to a cap: below it the count is exact, above it the page says "more
than" and the database counts no further (docs/scaling.md: the alliance list's count of
every alliance was what grew with the country)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alianzas import paging
from alianzas.models import Alliance
from tests.factories import ActorFactory, AllianceFactory

pytestmark = pytest.mark.django_db

ES = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture
def cap_of_three(monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    monkeypatch.setattr("alianzas.views.PAGE_SIZE", 2)


def test_below_the_cap_the_count_is_exact():
    AllianceFactory.create_batch(3)
    paginator = paging.CappedPaginator(Alliance.objects.order_by("pk"), 2)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (3, False, 2)


def test_above_the_cap_the_count_stops_there_and_says_so(cap_of_three):
    AllianceFactory.create_batch(5)
    paginator = paging.CappedPaginator(Alliance.objects.order_by("name", "pk"), 2)
    with CaptureQueriesContext(connection) as counted:
        assert (paginator.count, paginator.capped, paginator.num_pages) == (3, True, 2)
    # One count, of at most four rows (the cap and one more, to know there are more), in
    # no order: the order would only make the database walk an index in it.
    assert len(counted.captured_queries) == 1
    assert "LIMIT 4" in counted.captured_queries[0]["sql"]
    assert "ORDER BY" not in counted.captured_queries[0]["sql"]
    # Exactly at the cap is not "more than".
    paginator = paging.CappedPaginator(Alliance.objects.order_by("pk")[:3], 2)
    assert (paginator.count, paginator.capped) == (3, False)
    assert paging.CappedPaginator(list(range(5)), 2).capped


def test_a_list_already_cut_is_counted_as_cut():
    """A slice keeps its order for the count (Django refuses to reorder one): the count is
    of the rows the cut keeps, within the cap too."""
    AllianceFactory.create_batch(4)
    cut = Alliance.objects.order_by("name")[1:]
    assert paging.count_up_to(cut, 10) == 3
    assert paging.count_up_to(cut, 2) == 2


def test_the_alliance_list_says_more_than_the_cap(client, administrator, cap_of_three):
    AllianceFactory.create_batch(5)
    client.force_login(administrator)
    page = client.get(reverse("seguimiento:alliance_list"), **ES).content.decode()
    assert "Más de 3 alianzas: los filtros acotan la lista." in page
    assert "Página 1 de más de 2" in page
    # A filter that keeps fewer than the cap counts them exactly.
    Alliance.objects.filter(pk=Alliance.objects.order_by("pk").first().pk).update(phase="closed")
    filtered = client.get(reverse("seguimiento:alliance_list"), {"phase": "closed"}, **ES)
    assert "1 alianza" in filtered.content.decode()
    assert "Más de" not in filtered.content.decode()
    # Past the last page offered: the last one, not an error.
    last = client.get(reverse("seguimiento:alliance_list"), {"page": 99}, **ES)
    assert last.status_code == 200
    assert last.context["page"].number == 2


def test_the_actor_list_and_the_portfolio_say_it_too(client, administrator, cap_of_three):
    ActorFactory.create_batch(4)
    AllianceFactory.create_batch(4)
    client.force_login(administrator)
    actors = client.get(reverse("alianzas:actor_list"), **ES).content.decode()
    assert "Más de 3 actores: los filtros acotan la lista." in actors
    portfolio = client.get(reverse("seguimiento:portfolio"), **ES).content.decode()
    assert "Más de 3 alianzas: los filtros acotan la lista." in portfolio


def test_in_english_too(client, administrator, cap_of_three):
    AllianceFactory.create_batch(5)
    client.force_login(administrator)
    page = client.get(reverse("seguimiento:alliance_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert "More than 3 alliances: the filters narrow the list." in page.content.decode()
    assert "Page 1 of more than 2" in page.content.decode()
