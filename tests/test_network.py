"""The actor network: centrality against a small network worked out by hand, and its pages."""

import pytest
from django.urls import reverse
from django.utils import translation

from alianzas.models import Actor, Alliance, Region, Sector
from config.celery import app
from fases import network, tasks
from fases.models import NetworkFigures
from tests.factories import AllianceFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(coordinator):
    """Three alliances: {a, b, c}, {c, d}, {d, e}. So the links are a–b, a–c, b–c, c–d, d–e.

    Worked out by hand (n = 5; degree = partners / (n − 1); betweenness = the share of the
    (n − 1)(n − 2) / 2 = 6 pairs of other actors whose shortest path runs through it):
    a: 2 partners, 0.5, 0        b: 2 partners, 0.5, 0
    c: 3 partners, 0.75, 4/6 (a–d, a–e, b–d, b–e)
    d: 2 partners, 0.5, 3/6 (a–e, b–e, c–e)
    e: 1 partner, 0.25, 0
    """
    lima, cusco = Region.objects.get(code="15"), Region.objects.get(code="08")
    actors = {
        "a": Actor.objects.create(name="A", sector=Sector.PUBLIC, region=lima),
        "b": Actor.objects.create(name="B", sector=Sector.PRIVATE, region=lima),
        "c": Actor.objects.create(name="C", sector=Sector.CIVIL_SOCIETY, region=lima),
        "d": Actor.objects.create(name="D", sector=Sector.ACADEMIA, region=cusco),
        "e": Actor.objects.create(name="E", sector=Sector.PUBLIC, region=cusco),
    }
    for members in ("abc", "cd", "de"):
        alliance = AllianceFactory(coordinators=[coordinator])
        for i, key in enumerate(members):
            MembershipFactory(
                alliance=alliance, actor=actors[key], role="leader" if i == 0 else "funder"
            )
    # A former member does not count.
    left = MembershipFactory(
        alliance=alliance, actor=Actor.objects.create(name="F", sector="public")
    )
    left.left_on = left.joined_on
    left.save()
    return actors


EXPECTED = {
    "A": (1, 2, 0.5, 0.0),
    "B": (1, 2, 0.5, 0.0),
    "C": (2, 3, 0.75, 4 / 6),
    "D": (2, 2, 0.5, 3 / 6),
    "E": (1, 1, 0.25, 0.0),
}


def test_centrality_matches_the_hand_computed_network(small):
    result = network.actor_network(Alliance.objects.all(), scope_key=network.NATIONAL)
    figures = {n.name: (n.alliances, n.partners, n.degree, n.betweenness) for n in result.nodes}
    assert figures.keys() == EXPECTED.keys()
    for name, (alliances, partners, degree, betweenness) in EXPECTED.items():
        got = figures[name]
        assert got[:2] == (alliances, partners), name
        assert got[2] == pytest.approx(degree), name
        assert got[3] == pytest.approx(betweenness), name
    # The brokers come first.
    assert [n.name for n in result.nodes[:2]] == ["C", "D"]
    assert sorted((min(a, b), max(a, b)) for a, b, _ in result.edges) == sorted(
        (small[x].pk, small[y].pk) for x, y in ("ab", "ac", "bc", "cd", "de")
    )


def test_shared_alliances_weigh_the_link(small):
    again = AllianceFactory()
    MembershipFactory(alliance=again, actor=small["a"], role="leader")
    MembershipFactory(alliance=again, actor=small["b"])
    result = network.actor_network(Alliance.objects.all(), scope_key=network.NATIONAL)
    weights = {frozenset((a, b)): w for a, b, w in result.edges}
    assert weights[frozenset((small["a"].pk, small["b"].pk))] == 2
    # Drawn as one path per weight: four links of one alliance, a–b of two.
    drawn = {weight: path.count("M") for weight, path in result.lines}
    assert drawn == {1: 4, 2: 1}
    a, b = (next(n for n in result.drawn if n.pk == small[k].pk) for k in "ab")
    assert dict(result.lines)[2] in (
        f"M{a.x:.1f} {a.y:.1f}L{b.x:.1f} {b.y:.1f}",
        f"M{b.x:.1f} {b.y:.1f}L{a.x:.1f} {a.y:.1f}",
    )


def test_the_filters_choose_the_actors_not_the_figures(small):
    result = network.actor_network(
        Alliance.objects.all(), scope_key="t", region=Region.objects.get(code="08")
    )
    assert {n.name: n.betweenness for n in result.nodes} == pytest.approx({"D": 0.5, "E": 0.0})
    result = network.actor_network(Alliance.objects.all(), scope_key="t", sector=Sector.PUBLIC)
    assert [n.name for n in result.nodes] == ["A", "E"]


def test_the_layout_is_computed_once_per_change(small, settings, django_assert_max_num_queries):
    settings.PAGE_CACHE = True
    network.actor_network(Alliance.objects.all(), scope_key="t")
    with django_assert_max_num_queries(1):  # the actors only: the graph comes from the cache
        network.actor_network(Alliance.objects.all(), scope_key="t")
    MembershipFactory(
        alliance=Alliance.objects.get(memberships__actor=small["a"]), actor=small["e"]
    )
    result = network.actor_network(Alliance.objects.all(), scope_key="t")
    # Heard the new membership: E now works with A, B and C besides D.
    assert {n.name: n.partners for n in result.nodes}["E"] == 4


def test_the_network_pages(client, coordinator, small, django_assert_max_num_queries):
    client.force_login(coordinator)
    response = client.get(reverse("fases:actor_network"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count("<circle") == 5
    assert "0.667" in content  # C's betweenness in the table
    with django_assert_max_num_queries(12):
        client.get(reverse("fases:actor_network"), {"sector": "public", "region": "zzz"})
    page = client.get(reverse("fases:actor_network_detail", args=[small["e"].pk]))
    assert page.status_code == 200
    assert {n.name for n in page.context["network"].nodes} == {"D", "E"}


def test_the_network_is_for_the_portfolio_readers(client, member_representative):
    client.force_login(member_representative)
    assert client.get(reverse("fases:actor_network")).status_code == 403


def test_a_large_network_estimates_betweenness_and_says_so(small, monkeypatch):
    monkeypatch.setattr(network, "EXACT_UP_TO", 3)
    monkeypatch.setattr(network, "SAMPLED_SOURCES", 5)  # every actor: the estimate is exact
    result = network.actor_network(Alliance.objects.all(), scope_key="large")
    assert result.estimated
    assert {n.name: n.betweenness for n in result.nodes} == pytest.approx(
        {name: figures[3] for name, figures in EXPECTED.items()}
    )


def test_the_national_figures_are_kept_and_renewed_by_the_worker_when_members_change(
    small, django_assert_max_num_queries
):
    everything = Alliance.objects.all()
    first = network.actor_network(everything, scope_key=network.NATIONAL)  # computes, keeps
    assert NetworkFigures.objects.get(scope=network.NATIONAL).computed_at == first.computed_at
    with django_assert_max_num_queries(2):  # the kept figures and the actors: no graph
        network.actor_network(everything, scope_key=network.NATIONAL)
    MembershipFactory(
        alliance=Alliance.objects.get(memberships__actor=small["a"]), actor=small["e"]
    )
    # The visit reads what was kept: the worker renews it, not the visit.
    partners = {
        n.name: n.partners for n in network.actor_network(everything, scope_key="all").nodes
    }
    assert partners["E"] == 1
    assert tasks.refresh_actor_network() is True
    partners = {
        n.name: n.partners for n in network.actor_network(everything, scope_key="all").nodes
    }
    assert partners["E"] == 4
    # Nothing changed since: the worker does not compute it again.
    kept = NetworkFigures.objects.get(scope=network.NATIONAL).computed_at
    assert tasks.refresh_actor_network() is False
    assert NetworkFigures.objects.get(scope=network.NATIONAL).computed_at == kept
    # A change of an actor's sector changes the drawing's grouping: computed again.
    Actor.objects.filter(pk=small["e"].pk).update(sector=Sector.ACADEMIA)
    assert tasks.refresh_actor_network() is True


def test_beat_renews_the_national_network(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-actor-network"]
    assert entry["task"] == tasks.refresh_actor_network.name
    assert entry["task"] in app.tasks
    assert entry["schedule"] == settings.NETWORK_REFRESH_SECONDS


def test_the_national_page_says_when_and_lists_a_page_at_a_time(
    client, administrator, small, monkeypatch
):
    monkeypatch.setattr("alianzas.views.PAGE_SIZE", 2)
    client.force_login(administrator)
    url = reverse("fases:actor_network")
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    content = first.content.decode()
    assert "Figures as of" in content
    assert [n.name for n in first.context["page"]] == ["C", "D"]  # the brokers first
    assert content.count("<circle") == 5  # the drawing shows every actor still
    second = client.get(url, {"page": 2}, HTTP_ACCEPT_LANGUAGE="en")
    assert [n.name for n in second.context["page"]] == ["A", "B"]
    assert "Page 2 of 3" in second.content.decode()


def test_the_table_writes_the_figures_in_the_language_of_the_page(client, administrator, small):
    client.force_login(administrator)
    url = reverse("fases:actor_network")
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # C's betweenness (Peru writes a decimal point, as English does).
    assert '<td class="num">0.667</td>' in spanish
    assert '<td class="num">0.667</td>' in english
    # Each drawn actor's label: its sector's name in the page's language.
    assert "(Public): " in english
    assert "(Público): " in spanish
    detail = client.get(reverse("fases:actor_network_detail", args=[small["e"].pk]))
    assert {n.degree_label for n in detail.context["page"]} == {"1.000"}
    # A language that writes a decimal comma (Django's generic Spanish) gets one.
    node = network.Node(
        pk=1, sector="public", alliances=2, degree=2 / 3, betweenness=0.0625, partners=1
    )
    with translation.override("es"):
        network.label_figures([node])
    assert (node.degree_label, node.betweenness_label) == ("0,667", "0,063")
