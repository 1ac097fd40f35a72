"""The IATI 2.03 export: valid against the official schema, and saying what the alliance is."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from alianzas.models import Actor, Place, Role, Sector, SustainableDevelopmentGoal
from fases import iati
from tests.factories import (
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    ObjectiveFactory,
)

pytestmark = pytest.mark.django_db

SCHEMA_DIR = Path(iati.__file__).resolve().parent / "data" / "iati-schemas-2.03"


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "iati-activities-schema.xsd")))


def validated(schema, content: bytes):
    document = etree.fromstring(content)
    schema.assertValid(document)
    return document


@pytest.fixture
def alliance(settings):
    settings.IATI_REPORTING_ORG_REF = "PE-RUC-20504915523"
    alliance = AllianceFactory(
        name="Agua segura para Huamanga",
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2028, 12, 31),
    )
    state = Actor.objects.create(
        name="Municipalidad Provincial de Huamanga", sector=Sector.PUBLIC, ruc="20143623042"
    )
    company = Actor.objects.create(name="Agua Andina S.A.C.", sector=Sector.PRIVATE)
    ngo = Actor.objects.create(name="Red de Juntas de Agua", sector=Sector.CIVIL_SOCIETY)
    observer = Actor.objects.create(name="Observatorio del Agua", sector=Sector.ACADEMIA)
    MembershipFactory(alliance=alliance, actor=state, role=Role.LEADER)
    MembershipFactory(alliance=alliance, actor=company, role=Role.FUNDER)
    MembershipFactory(alliance=alliance, actor=ngo, role=Role.IMPLEMENTING_PARTNER)
    MembershipFactory(alliance=alliance, actor=observer, role=Role.OBSERVER)
    alliance.places.set(Place.objects.filter(code__in=["05", "0501", "050101"]))
    alliance.goals.set(SustainableDevelopmentGoal.objects.filter(number__in=[6, 17]))
    objective = ObjectiveFactory(alliance=alliance, title="Más hogares con agua segura")
    indicator = IndicatorFactory(objective=objective, name="Hogares con agua", unit="hogares")
    MeasurementFactory(indicator=indicator, value=Decimal("180"))
    ObjectiveFactory(alliance=alliance, title="Sin indicadores todavía")
    CommitmentFactory(alliance=alliance, actor=company, value_pen=Decimal("150000.50"))
    CommitmentFactory(alliance=alliance, actor=state, value_pen=None, kind="technical")
    return alliance


def test_an_alliance_is_a_valid_iati_activity(schema, alliance):
    document = validated(schema, iati.activities_xml(type(alliance).objects.filter(pk=alliance.pk)))
    (activity,) = document.findall("iati-activity")
    assert activity.findtext("iati-identifier") == f"PE-RUC-20504915523-ALIANZA-{alliance.pk}"
    assert activity.find("reporting-org").get("ref") == "PE-RUC-20504915523"
    assert activity.findtext("title/narrative") == "Agua segura para Huamanga"
    assert activity.get("default-currency") == "PEN"


def test_participating_organisations_identifiers_roles_and_types(schema, alliance):
    document = validated(schema, iati.activities_xml(type(alliance).objects.all()))
    orgs = {
        org.findtext("narrative"): (org.get("ref"), org.get("role"), org.get("type"))
        for org in document.iter("participating-org")
    }
    assert orgs == {
        # The leader is accountable, and identified by its RUC.
        "Municipalidad Provincial de Huamanga": ("PE-RUC-20143623042", "2", "10"),
        # No RUC: named only.
        "Agua Andina S.A.C.": (None, "1", "70"),
        "Red de Juntas de Agua": (None, "4", "22"),
    }  # the observer takes no part in delivering it


def test_status_dates_tags_country_and_places(schema, alliance):
    activity = validated(schema, iati.activities_xml(type(alliance).objects.all())).find(
        "iati-activity"
    )
    assert activity.find("activity-status").get("code") == "1"  # Identificación: pipeline
    dates = {d.get("type"): d.get("iso-date") for d in activity.findall("activity-date")}
    assert dates == {"1": "2026-01-01", "3": "2028-12-31"}
    assert [(t.get("vocabulary"), t.get("code")) for t in activity.findall("tag")] == [
        ("2", "6"),
        ("2", "17"),
    ]
    assert activity.find("recipient-country").get("code") == "PE"
    assert [loc.get("ref") for loc in activity.findall("location")] == [
        "PE-UBIGEO-05",
        "PE-UBIGEO-0501",
        "PE-UBIGEO-050101",
    ]


@pytest.mark.parametrize(
    ("phase", "code"),
    [("implementation", "2"), ("monitoring", "2"), ("evaluation", "2"), ("closed", "4")],
)
def test_activity_status_follows_the_phase(schema, alliance, phase, code):
    type(alliance).objects.filter(pk=alliance.pk).update(phase=phase)
    activity = validated(schema, iati.activities_xml(type(alliance).objects.all())).find(
        "iati-activity"
    )
    assert activity.find("activity-status").get("code") == code


def test_results_framework_and_committed_amounts(schema, alliance):
    activity = validated(schema, iati.activities_xml(type(alliance).objects.all())).find(
        "iati-activity"
    )
    (result,) = activity.findall("result")  # the objective without indicators is left out
    assert result.findtext("title/narrative") == "Más hogares con agua segura"
    indicator = result.find("indicator")
    assert indicator.findtext("title/narrative") == "Hogares con agua"
    assert indicator.get("measure") == "1"
    assert indicator.get("ascending") == "true"
    baseline = indicator.find("baseline")
    assert (baseline.get("year"), baseline.get("value")) == ("2025", "120")
    periods = [
        (
            p.find("period-start").get("iso-date"),
            p.find("period-end").get("iso-date"),
            p.find("target").get("value") if p.find("target") is not None else None,
            p.find("actual").get("value") if p.find("actual") is not None else None,
        )
        for p in indicator.findall("period")
    ]
    assert periods == [
        ("2025-12-31", "2027-12-31", "480", None),
        ("2026-01-01", "2026-03-31", None, "180"),
    ]
    (transaction,) = activity.findall("transaction")  # the one with a value in soles
    assert transaction.find("transaction-type").get("code") == "11"
    value = transaction.find("value")
    assert (value.text, value.get("currency")) == ("150000.5", "PEN")
    assert transaction.findtext("provider-org/narrative") == "Agua Andina S.A.C."


def test_an_alliance_without_members_or_dates_is_still_valid(schema, settings):
    alliance = AllianceFactory(start_date=None)
    document = validated(schema, iati.activities_xml(type(alliance).objects.all()))
    org = document.find("iati-activity/participating-org")
    assert org.get("ref") == settings.IATI_REPORTING_ORG_REF


def test_no_person_is_named(alliance, coordinator):
    alliance.coordinators.add(coordinator)
    content = iati.activities_xml(type(alliance).objects.all()).decode()
    for text in (coordinator.username, coordinator.email, coordinator.last_name):
        assert text not in content


def test_the_export_reads_a_fixed_number_of_queries(alliance, django_assert_max_num_queries):
    for _ in range(5):
        other = AllianceFactory()
        MembershipFactory(alliance=other)
        IndicatorFactory(objective=ObjectiveFactory(alliance=other))
    with django_assert_max_num_queries(12):
        iati.activities_xml(type(alliance).objects.all())
