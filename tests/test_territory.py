"""Territory as UBIGEO places, the migration from regions, and the map of the portfolio."""

from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from alianzas import access
from alianzas.models import Alliance, Place, Region
from alianzas.selectors import filter_alliances
from alianzas.services import update_alliance
from fases import territory_map
from seguimiento.monitoring import portfolio_summary
from tests.factories import AllianceFactory, MembershipFactory

pytestmark = pytest.mark.django_db

migration = import_module("alianzas.migrations.0007_places")


def place(code):
    return Place.objects.get(code=code)


def test_the_places_come_from_the_geojson_with_the_regions_names():
    assert Place.objects.filter(level="department").count() == 25
    assert Place.objects.filter(level="province").count() == 195
    assert Place.objects.filter(level="district").count() == 1834
    # Departments keep the regions' names (with their accents); the rest is title-cased.
    assert place("08").name == "Cusco"
    assert place("02").name == "Áncash"
    assert place("1501").parent == place("15")
    assert place("150132").name == "San Juan de Lurigancho"
    assert place("150132").parent == place("1501")
    for region in Region.objects.all():
        assert place(region.code).name == region.name


def test_the_migration_turns_each_alliance_regions_into_department_places():
    with_two = AllianceFactory()
    with_two.regions.set(Region.objects.filter(code__in=["15", "07"]))
    without = AllianceFactory()
    migration.load_places(apps, None)  # what 0010 runs (idempotent on places)
    assert sorted(with_two.places.values_list("code", flat=True)) == ["07", "15"]
    assert not without.places.exists()
    assert Place.objects.count() == 25 + 195 + 1834  # nothing doubled


def test_a_place_must_fit_its_level_and_parent():
    with pytest.raises(ValidationError) as error:
        Place(code="1599", name="Nueva", level="district", parent=place("1501")).full_clean()
    assert "code" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Place(code="159901", name="Nueva", level="district", parent=place("15")).full_clean()
    assert "parent" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Place(code="15019²", name="Nueva", level="district", parent=place("1501")).full_clean()
    assert "code" in error.value.message_dict
    # An administrator adds a district created after 2016.
    Place(code="150199", name="Distrito nuevo", level="district", parent=place("1501")).full_clean()


def test_the_form_regions_keep_the_places_in_step(coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    alliance.places.set([place("0501"), place("080101")])
    update_alliance(user=coordinator, alliance=alliance, regions=Region.objects.filter(code="05"))
    # Ayacucho's province stays, Cusco's district goes with Cusco, Ayacucho itself is added.
    assert sorted(alliance.places.values_list("code", flat=True)) == ["05", "0501"]


def test_the_region_filter_counts_a_district_in_its_department():
    alliance = AllianceFactory()
    alliance.places.set([place("080101")])
    cusco = Region.objects.get(code="08")
    assert list(filter_alliances(Alliance.objects.all(), {"region": cusco})) == [alliance]
    assert not filter_alliances(Alliance.objects.all(), {"region": cusco.pk}).exclude(
        pk=alliance.pk
    )


@pytest.fixture
def portfolio(coordinator):
    """Alliances in one, two or no departments, one with only a district."""
    made = []
    for codes in (["15"], ["15", "07"], ["080101"], ["0801", "08"], [], ["05"]):
        alliance = AllianceFactory(coordinators=[coordinator])
        alliance.places.set(Place.objects.filter(code__in=codes))
        MembershipFactory(alliance=alliance)
        made.append(alliance)
    AllianceFactory().places.set([place("20")])  # someone else's: not in the portfolio
    return made


@pytest.mark.parametrize("role", ["coordinator", "administrator"])
def test_the_map_counts_equal_the_portfolio(portfolio, role, request):
    user = request.getfixturevalue(role)
    alliances = access.managed_alliances(user)
    shown = territory_map.territory_map(alliances)
    for area in shown.areas:
        region = Region.objects.get(code=area.code)
        assert area.count == filter_alliances(alliances, {"region": region}).count(), area.name
    assert shown.total + shown.without_place == portfolio_summary(alliances).alliances


def test_the_map_page_shows_the_same_figures_as_its_table(client, coordinator, portfolio):
    client.force_login(coordinator)
    response = client.get(reverse("fases:territory_map"))
    assert response.status_code == 200
    counts = {a.code: a.count for a in response.context["territory"].areas}
    assert counts["15"] == 2
    assert counts["07"] == 1
    assert counts["08"] == 2
    assert counts["05"] == 1
    assert counts["20"] == 0
    content = response.content.decode()
    assert "<svg" in content
    assert "map-shade-5" in content
    assert response.context["territory"].without_place == 1


def test_the_map_of_one_department_counts_its_provinces(client, coordinator, portfolio):
    client.force_login(coordinator)
    response = client.get(reverse("fases:territory_map"), {"department": "08"})
    shown = response.context["territory"]
    assert shown.department.code == "08"
    counts = {a.code: a.count for a in shown.areas}
    assert counts["0801"] == 2  # a district of it and the province itself
    assert sum(counts.values()) == 2
    assert shown.total == 2


def test_the_map_filters_like_the_portfolio(client, coordinator, portfolio):
    client.force_login(coordinator)
    response = client.get(reverse("fases:territory_map"), {"phase": "closed"})
    assert all(area.count == 0 for area in response.context["territory"].areas)


def test_a_bad_department_or_filter_is_ignored_not_a_500(client, coordinator, portfolio):
    client.force_login(coordinator)
    for query in ({"department": "99"}, {"department": "<x>"}, {"goal": "abc", "phase": "??"}):
        assert client.get(reverse("fases:territory_map"), query).status_code == 200


def test_the_map_reads_a_fixed_number_of_queries(
    client, coordinator, portfolio, django_assert_max_num_queries
):
    client.force_login(coordinator)
    client.get(reverse("fases:territory_map"))
    for _ in range(10):
        AllianceFactory(coordinators=[coordinator]).places.set([place("04")])
    with django_assert_max_num_queries(14):
        client.get(reverse("fases:territory_map"))


def test_the_geometry_file_is_built_from_the_geojson(tmp_path):
    size = territory_map.write_map_file(tmp_path / "map.json")
    shapes = territory_map.geometry()
    assert len(shapes["departments"]) == 25
    assert len(shapes["provinces"]) == 195
    assert size == territory_map.MAP_FILE.stat().st_size  # the vendored file is up to date


@pytest.mark.django_db(transaction=True)
def test_the_migration_itself_from_regions_to_places():
    """Run 0010 for real: from the schema just before it, alliances with regions come out
    with the same departments as places (and the places are loaded)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    target = ("alianzas", "0007_places")
    executor = MigrationExecutor(connection)
    before = sorted(executor.loader.graph.node_map[target].parents)
    before = [(p.key if hasattr(p, "key") else p) for p in before]
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        OldAlliance, OldRegion = (
            old.get_model("alianzas", "Alliance"),
            old.get_model("alianzas", "Region"),
        )
        two = OldAlliance.objects.create(name="Dos", problem="p", origin="articulation")
        two.regions.set(OldRegion.objects.filter(code__in=["15", "07"]))
        none = OldAlliance.objects.create(name="Ninguna", problem="p", origin="articulation")
        executor = MigrationExecutor(connection)
        executor.migrate([target])
        new = executor.loader.project_state([target]).apps
        NewAlliance, NewPlace = (
            new.get_model("alianzas", "Alliance"),
            new.get_model("alianzas", "Place"),
        )
        assert sorted(NewAlliance.objects.get(pk=two.pk).places.values_list("code", flat=True)) == [
            "07",
            "15",
        ]
        assert not NewAlliance.objects.get(pk=none.pk).places.exists()
        assert NewPlace.objects.filter(level="district").count() == 1834
        assert NewPlace.objects.get(code="15").name == "Lima"
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
