"""Tests that commit flush every table; the regions, the SDGs and the UBIGEO places are
loaded again before each (tests/conftest.py): by the data migrations' own loaders the first
time in a process, then as the same rows again. Both ways give what the migrations give."""

import pytest

from alianzas.models import Place, Region, SustainableDevelopmentGoal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("reference-data")]


def reference():
    return {
        "regions": list(Region.objects.order_by("code").values_list("code", "name")),
        "goals": list(SustainableDevelopmentGoal.objects.order_by("number").values_list("number")),
        "places": list(
            Place.objects.order_by("code").values_list("code", "name", "level", "parent__code")
        ),
    }


SEEN = {}


# Twice in the same process: the second finds the tables flushed by the first, and must find
# again exactly what the first found.
@pytest.mark.parametrize("time", ["first", "again"])
def test_the_reference_data_is_the_migrations_each_time(time):
    found = reference()
    SEEN[time] = found
    if time == "again" and "first" in SEEN:
        assert found == SEEN["first"]
    assert len(found["regions"]) >= 25
    assert len(found["goals"]) == 17
    levels = [level for _code, _name, level, _parent in found["places"]]
    assert levels.count("department") == 25
    assert levels.count("province") == 195
    assert levels.count("district") > 1800
    assert all(
        (parent is None) == (level == "department")
        for _code, _name, level, parent in found["places"]
    )
    # Nothing twice, whatever ran before.
    assert len({code for code, *_rest in found["places"]}) == len(found["places"])
