"""An alliance's territory as UBIGEO places.

The alliance's form still asks for departments (regions); its places follow them here, so
that the departments chosen on the form and the places read by the map, the filters and the
open data never disagree. Provinces and districts (added in the admin) are kept while their
department stays in the territory.
"""

from django.db.models import Exists, OuterRef, QuerySet

from alianzas.models import Alliance, Place, Region


def sync_departments(alliance: Alliance) -> None:
    codes = set(alliance.regions.values_list("code", flat=True))
    keep = [p for p in alliance.places.all() if p.department_code in codes]
    departments = Place.objects.filter(level=Place.Level.DEPARTMENT, code__in=codes)
    alliance.places.set({*keep, *departments})


def in_department(alliances: QuerySet[Alliance], region) -> QuerySet[Alliance]:
    """``alliances`` with a place in ``region``'s department (a ``Region`` or its pk)."""
    code = region.code if isinstance(region, Region) else Region.objects.get(pk=region).code
    return alliances.filter(
        Exists(
            Alliance.places.through.objects.filter(
                alliance=OuterRef("pk"), place__code__startswith=code
            )
        )
    )
