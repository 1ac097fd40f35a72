"""An alliance's territory as UBIGEO places.

The alliance's form asks for departments (regions) and, beside them, for provinces and
districts. The rules that keep the two in step are here, so that the departments chosen on
the form and the places read by the map, the filters and the open data never disagree:

- a province or district puts its department in the territory (regions and places);
- unticking a department takes its provinces and districts out with it;
- only provinces and districts are picked as places (departments are the regions), at most
  ``MAX_PLACES`` of them.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alianzas.models import Alliance, Place, Region
from alianzas.search_key import SearchKey, search_key
from alianzas.validators import is_digits

PICKABLE_LEVELS = (Place.Level.PROVINCE, Place.Level.DISTRICT)
# A territory is a handful of places; a hundred is far more than any alliance names, and
# keeps the form, the page and the open data small.
MAX_PLACES = 100
SEARCH_LIMIT = 20
SEARCH_MIN_LENGTH = 2
SEARCH_MAX_LENGTH = 60


@dataclass(frozen=True)
class TerritoryChange:
    """What the rules did beyond what was ticked, for the page to say so."""

    added_regions: list[Region] = field(default_factory=list)
    dropped_places: list[Place] = field(default_factory=list)

    def notices(self) -> list[str]:
        said = []
        if self.added_regions:
            said.append(
                ngettext(
                    "%(regions)s was added to the regions, for the places chosen in it.",
                    "%(regions)s were added to the regions, for the places chosen in them.",
                    len(self.added_regions),
                )
                % {"regions": ", ".join(region.name for region in self.added_regions)}
            )
        if self.dropped_places:
            said.append(
                _("Removed with their unticked region: %(places)s.")
                % {"places": ", ".join(place.name for place in self.dropped_places)}
            )
        return said


def pickable() -> QuerySet[Place]:
    """The places a coordinator picks one by one: provinces and districts."""
    return Place.objects.filter(level__in=PICKABLE_LEVELS)


def label(place: Place) -> str:
    """The place, its level and where it lies, as "Machupicchu — distrito, Urubamba, Cusco"
    (reads ``parent__parent``: select it with the place)."""
    within = []
    parent = place.parent
    while parent is not None:
        within.append(parent.name)
        parent = parent.parent
    return _("%(name)s — %(level)s, %(within)s") % {
        "name": place.name,
        "level": place.get_level_display().lower(),
        "within": ", ".join(within),
    }


def search(query: str, *, exclude=()) -> list[Place]:
    """Provinces and districts whose name holds ``query`` (without case or accents) or
    whose UBIGEO code begins with it: names that begin with it first, at most
    ``SEARCH_LIMIT``. One query."""
    query = query.strip()
    if len(query) < SEARCH_MIN_LENGTH:
        return []
    key = search_key(query)
    matches = Q(key__contains=key)
    if is_digits(query):
        matches |= Q(code__startswith=query)
    found = (
        pickable()
        .annotate(key=SearchKey("name"))
        .filter(matches)
        .exclude(pk__in=list(exclude))
        .annotate(
            rank=Case(
                When(key__startswith=key, then=Value(0)), default=1, output_field=IntegerField()
            )
        )
        .select_related("parent__parent")
        .order_by("rank", "key", "code")
    )
    return list(found[:SEARCH_LIMIT])


def too_many(count: int) -> str:
    return _(
        "Choose at most %(limit)s provinces and districts; %(count)s were chosen. "
        "Tick the region instead when the alliance works in all of it."
    ) % {"limit": MAX_PLACES, "count": count}


def check_places(chosen) -> None:
    """Refuse, on the ``places`` field, what is not a province or district or is too many."""
    chosen = list(chosen)
    if len(chosen) > MAX_PLACES:
        raise ValidationError({"places": too_many(len(chosen))}, code="too_many_places")
    if any(place.level not in PICKABLE_LEVELS for place in chosen):
        raise ValidationError(
            {"places": _("Only provinces and districts are chosen here; tick regions above.")},
            code="not_pickable",
        )


def set_territory(alliance: Alliance, *, regions, places=None) -> TerritoryChange:
    """Set ``alliance``'s departments (``regions``) and, when given, its provinces and
    districts (``places``, the whole choice: what is left out is removed).

    Without ``places`` the provinces and districts already there stay while their department
    does (``sync_departments``). With them, a department that was in the territory and is
    no longer ticked takes its places out; every other place brings its department in.
    """
    regions = list(regions)
    if places is None:
        alliance.regions.set(regions)
        sync_departments(alliance)
        return TerritoryChange()
    places = list(places)
    check_places(places)
    ticked = {region.code for region in regions}
    unticked = set(alliance.regions.values_list("code", flat=True)) - ticked
    kept = [place for place in places if place.department_code not in unticked]
    dropped = [place for place in places if place.department_code in unticked]
    added = list(Region.objects.filter(code__in={place.department_code for place in kept} - ticked))
    alliance.regions.set([*regions, *added])
    departments = Place.objects.filter(
        level=Place.Level.DEPARTMENT, code__in=ticked | {region.code for region in added}
    )
    alliance.places.set([*kept, *departments])
    return TerritoryChange(added_regions=added, dropped_places=dropped)


def by_department(places) -> list[tuple[Place, list[Place]]]:
    """An alliance's places grouped for reading: each department with its provinces and
    districts under it (in code order). Works on what was already fetched."""
    places = sorted(places, key=lambda place: place.code)
    departments = {p.code: p for p in places if p.level == Place.Level.DEPARTMENT}
    groups: dict[str, list[Place]] = {code: [] for code in departments}
    orphans = []
    for place in places:
        if place.level == Place.Level.DEPARTMENT:
            continue
        if place.department_code in groups:
            groups[place.department_code].append(place)
        else:  # a place added in the admin without its department
            orphans.append(place)
    grouped = [(departments[code], inside) for code, inside in groups.items()]
    return [*grouped, (None, orphans)] if orphans else grouped


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
