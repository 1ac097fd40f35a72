"""Alliances as IATI 2.03 activities (https://iatistandard.org/en/iati-standard/203/).

One alliance is one ``iati-activity``; the open data's IATI file is every published alliance.
What is said and how each code is chosen:

- the reporting organisation is a setting (``IATI_REPORTING_ORG_REF``/``_NAME``/``_TYPE``);
- the activity's identifier is ``<reporting org>-ALIANZA-<id>``;
- each active member is a participating organisation, identified ``PE-RUC-<ruc>`` when it has
  a RUC and by its name alone when it has none; its IATI role comes from its role in the
  alliance (``ROLE``) and its IATI organisation type from its sector (``ORGANISATION_TYPE``);
  observers take no part in delivering the alliance, so they are not listed;
- the activity status comes from the phase (``STATUS``), the dates from the alliance's dates
  and its changes of phase;
- the SDGs are tags of vocabulary 2 (goals); the recipient country is PE; each UBIGEO place
  is a location (``PE-UBIGEO-<code>``);
- each objective with indicators is a result (outcome), each indicator with its baseline, a
  period from the baseline to the target with the target, and a period per measurement with
  its actual value;
- each commitment with a value in soles (not cancelled) is an incoming commitment (11) in PEN
  from its actor (its amount and date; its wording stays inside the application).

No person is named anywhere: organisations only.
"""

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from alianzas.lifecycle import Phase
from alianzas.models import Alliance, Membership, Objective, Role, Sector
from seguimiento.models import Commitment, CommitmentStatus

VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# IATI ActivityStatus: 1 pipeline/identification, 2 implementation, 4 closed.
STATUS = {
    Phase.IDENTIFICATION: "1",
    Phase.IMPLEMENTATION: "2",
    Phase.MONITORING: "2",
    Phase.EVALUATION: "2",
    Phase.CLOSED: "4",
}
# IATI OrganisationRole: 1 funding, 2 accountable, 4 implementing (3, extending, unused).
ROLE = {
    Role.LEADER: "2",
    Role.FUNDER: "1",
    Role.IMPLEMENTING_PARTNER: "4",
    Role.TECHNICAL_ALLY: "4",
}
# IATI OrganisationType: 10 government, 22 national NGO, 40 multilateral, 70 private sector,
# 80 academic/research. The sector does not tell a bilateral agency (10) from a multilateral
# one (40); most cooperation in the registry is multilateral, so 40. Communities are
# national civil society (22).
ORGANISATION_TYPE = {
    Sector.PUBLIC: "10",
    Sector.PRIVATE: "70",
    Sector.INTERNATIONAL_COOPERATION: "40",
    Sector.CIVIL_SOCIETY: "22",
    Sector.ACADEMIA: "80",
    Sector.COMMUNITY: "22",
}
# IATI ActivityDateType.
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
INCOMING_COMMITMENT = "11"
OUTCOME = "2"
UNIT, PERCENTAGE = "1", "2"


def organisation_ref(actor) -> str | None:
    return f"PE-RUC-{actor.ruc}" if actor.ruc else None


def activity_identifier(alliance: Alliance) -> str:
    return f"{settings.IATI_REPORTING_ORG_REF}-ALIANZA-{alliance.pk}"


def export_queryset(alliances: QuerySet[Alliance]) -> QuerySet[Alliance]:
    """What the export reads, in a fixed number of queries whatever the number of alliances."""
    return alliances.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(left_on__isnull=True).select_related("actor"),
            to_attr="current_memberships",
        ),
        "goals",
        "places",
        "phase_changes",
        Prefetch(
            "objectives",
            queryset=Objective.objects.prefetch_related("indicators__measurements"),
        ),
        Prefetch(
            "commitments",
            queryset=Commitment.objects.filter(value_pen__isnull=False)
            .exclude(status=CommitmentStatus.CANCELLED)
            .select_related("actor"),
            to_attr="valued_commitments",
        ),
    )


def _sub(parent, tag, text=None, **attributes):
    element = ET.SubElement(
        parent, tag, {k.replace("_", "-"): str(v) for k, v in attributes.items()}
    )
    if text is not None:
        element.text = str(text)
    return element


def _narrative(parent, tag, text, **attributes):
    element = _sub(parent, tag, **attributes)
    _sub(element, "narrative", text)
    return element


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value is not None else ""


def _day(moment) -> datetime.date:
    return timezone.localdate(moment) if isinstance(moment, datetime.datetime) else moment


def activity(parent, alliance: Alliance) -> ET.Element:
    node = _sub(
        parent,
        "iati-activity",
        last_updated_datetime=alliance.updated_at.isoformat(timespec="seconds"),
        default_currency="PEN",
        hierarchy=1,
    )
    node.set(XML_LANG, "es")
    _sub(node, "iati-identifier", activity_identifier(alliance))
    _narrative(
        node,
        "reporting-org",
        settings.IATI_REPORTING_ORG_NAME,
        ref=settings.IATI_REPORTING_ORG_REF,
        type=settings.IATI_REPORTING_ORG_TYPE,
    )
    _narrative(node, "title", alliance.name)
    _narrative(node, "description", alliance.problem or alliance.name, type=1)
    memberships = [m for m in alliance.current_memberships if m.role in ROLE]
    if not memberships:
        # The schema needs one participating organisation: the reporter is accountable.
        _narrative(
            node,
            "participating-org",
            settings.IATI_REPORTING_ORG_NAME,
            ref=settings.IATI_REPORTING_ORG_REF,
            role="2",
            type=settings.IATI_REPORTING_ORG_TYPE,
        )
    for membership in memberships:
        actor = membership.actor
        attributes = {"role": ROLE[membership.role], "type": ORGANISATION_TYPE[actor.sector]}
        if ref := organisation_ref(actor):
            attributes = {"ref": ref, **attributes}
        _narrative(node, "participating-org", actor.name, **attributes)
    _sub(node, "activity-status", code=STATUS[alliance.phase])
    for code, day in activity_dates(alliance):
        _sub(node, "activity-date", type=code, iso_date=day.isoformat())
    _sub(node, "recipient-country", code="PE", percentage=100)
    for place in alliance.places.all():
        location = _sub(node, "location", ref=f"PE-UBIGEO-{place.code}")
        _sub(location, "location-reach", code=1)
        _narrative(location, "name", place.name)
        _narrative(location, "description", f"UBIGEO {place.code} ({place.get_level_display()})")
        _sub(location, "location-class", code=1)
    for goal in alliance.goals.all():
        _narrative(node, "tag", goal.name, vocabulary=2, code=goal.number)
    for commitment in alliance.valued_commitments:
        transaction = _sub(node, "transaction", ref=f"COMPROMISO-{commitment.pk}")
        _sub(transaction, "transaction-type", code=INCOMING_COMMITMENT)
        day = _day(commitment.created_at).isoformat()
        _sub(transaction, "transaction-date", iso_date=day)
        _sub(
            transaction,
            "value",
            _number(commitment.value_pen),
            currency="PEN",
            value_date=day,
        )
        provider = {"type": ORGANISATION_TYPE[commitment.actor.sector]}
        if ref := organisation_ref(commitment.actor):
            provider["ref"] = ref
        _narrative(transaction, "provider-org", commitment.actor.name, **provider)
    for objective in alliance.objectives.all():
        indicators = list(objective.indicators.all())
        if indicators:
            result(node, alliance, objective, indicators)
    return node


def activity_dates(alliance: Alliance) -> list[tuple[str, datetime.date]]:
    changes = sorted(alliance.phase_changes.all(), key=lambda change: change.created_at)
    dates = [(PLANNED_START, alliance.start_date or _day(alliance.created_at))]
    started = next(
        (
            c
            for c in changes
            if c.source_phase == Phase.IDENTIFICATION and c.target_phase != Phase.CLOSED
        ),
        None,
    )
    if started:
        dates.append((ACTUAL_START, _day(started.created_at)))
    if alliance.end_date:
        dates.append((PLANNED_END, alliance.end_date))
    closed = [c for c in changes if c.target_phase == Phase.CLOSED]
    if alliance.phase == Phase.CLOSED and closed:
        dates.append((ACTUAL_END, _day(closed[-1].created_at)))
    return dates


def result(parent, alliance, objective, indicators) -> None:
    node = _sub(parent, "result", type=OUTCOME, aggregation_status="false")
    _narrative(node, "title", objective.title)
    if objective.description:
        _narrative(node, "description", objective.description)
    for indicator in indicators:
        measure = PERCENTAGE if indicator.unit.strip() == "%" else UNIT
        element = _sub(
            node,
            "indicator",
            measure=measure,
            ascending="false" if indicator.direction == "decrease" else "true",
        )
        _narrative(element, "title", indicator.name)
        _narrative(element, "description", indicator.unit)
        if indicator.baseline_value is not None and indicator.baseline_date:
            _sub(
                element,
                "baseline",
                year=indicator.baseline_date.year,
                iso_date=indicator.baseline_date.isoformat(),
                value=_number(indicator.baseline_value),
            )
        if indicator.target_value is not None and indicator.target_date:
            period = _sub(element, "period")
            start = indicator.baseline_date or alliance.start_date or indicator.target_date
            _sub(period, "period-start", iso_date=min(start, indicator.target_date).isoformat())
            _sub(period, "period-end", iso_date=indicator.target_date.isoformat())
            _sub(period, "target", value=_number(indicator.target_value))
        for measurement in sorted(indicator.measurements.all(), key=lambda m: m.period_start):
            period = _sub(element, "period")
            _sub(period, "period-start", iso_date=measurement.period_start.isoformat())
            _sub(period, "period-end", iso_date=measurement.period_end.isoformat())
            _sub(period, "actual", value=_number(measurement.value))


def activities_xml(alliances: QuerySet[Alliance]) -> bytes:
    """The IATI activities file of ``alliances`` (at least one: the schema requires it)."""
    root = ET.Element(
        "iati-activities",
        {"version": VERSION, "generated-datetime": timezone.now().isoformat(timespec="seconds")},
    )
    for alliance in export_queryset(alliances):
        activity(root, alliance)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
