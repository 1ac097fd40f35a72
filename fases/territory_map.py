"""The map of Peru: departments (and the provinces of one department) coloured by the number
of alliances that work there, drawn on the server as SVG.

The geometry comes from the vendored GeoJSON (``alianzas/data/peru-geojson``, MPL-2.0); it is
projected and simplified ONCE into ``fases/data/peru_map.json`` (``manage.py
build_territory_map``) and read from there, once per process. No tile server, no request
outside the application, no JavaScript.

Counting rule (the same as the portfolio's region filter, ``alianzas.places.in_department``):
an alliance counts in a department when any of its places (the department, a province or a
district of it) is there, once per department; in a province, when one of its places is
the province or one of its districts.

The counts over the whole country (every alliance, or every published one) read every place
of every alliance: they grew with the country on every visit (300–600 ms of SQL at 100,000
alliances). Those two maps are counted by the beat task ``fases.refresh_territory_map`` (every
``FIGURES_REFRESH_SECONDS``) and kept (``seguimiento.NationalFigures``, scopes ``ALL`` and
``PUBLISHED``); a filtered map is counted for its visit.
"""

import datetime
import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.formats import localize

from alianzas.models import Alliance, Place
from seguimiento.models import NationalFigures

GEOJSON = Path(__file__).resolve().parent.parent / "alianzas" / "data" / "peru-geojson"
MAP_FILE = Path(__file__).resolve().parent / "data" / "peru_map.json"
HEIGHT = 600  # the national map's height in SVG units; the width follows the projection
TOLERANCE = {"department": 0.7, "province": 0.35}  # Douglas–Peucker, in SVG units
SHADES = 5  # colour classes map-shade-1 … map-shade-5 (static/css), 0 for none


# --- Building the geometry (once) --------------------------------------------------------


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker, iterative: the fewest points within ``tolerance`` of the line."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        length = math.hypot(x2 - x1, y2 - y1)
        farthest, distance = None, tolerance
        for i in range(first + 1, last):
            x0, y0 = points[i]
            if length:
                d = abs((y2 - y1) * x0 - (x2 - x1) * y0 + x2 * y1 - y2 * x1) / length
            else:
                d = math.hypot(x0 - x1, y0 - y1)
            if d > distance:
                farthest, distance = i, d
        if farthest is not None:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def _load(name: str) -> list[dict]:
    with open(GEOJSON / f"{name}.geojson", encoding="utf-8") as handle:
        return json.load(handle)["features"]


def build() -> dict:
    """Project (equirectangular at Peru's mean latitude) and simplify the departments and
    provinces; the result is what ``peru_map.json`` holds."""
    departments = _load("peru_departamental_simple")
    provinces = _load("peru_provincial_simple")
    lons = [pt[0] for f in departments for ring in _rings(f["geometry"]) for pt in ring]
    lats = [pt[1] for f in departments for ring in _rings(f["geometry"]) for pt in ring]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    squeeze = math.cos(math.radians((north + south) / 2))
    scale = HEIGHT / (north - south)
    width = round((east - west) * squeeze * scale, 1)

    def project(point):
        return ((point[0] - west) * squeeze * scale, (north - point[1]) * scale)

    def shape(feature, tolerance):
        d, xs, ys = [], [], []
        for ring in _rings(feature["geometry"]):
            points = _simplify([project(p) for p in ring], tolerance)
            if len(points) < 4:
                continue
            xs += [x for x, _ in points]
            ys += [y for _, y in points]
            d.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points[:-1]) + "Z")
        return "".join(d), (min(xs), min(ys), max(xs), max(ys))

    result = {"width": width, "height": HEIGHT, "departments": {}, "provinces": {}}
    for feature in departments:
        code = feature["properties"]["FIRST_IDDP"]
        d, box = shape(feature, TOLERANCE["department"])
        result["departments"][code] = {"d": d, "box": [round(v, 1) for v in box]}
    for feature in provinces:
        code = feature["properties"]["FIRST_IDPR"]
        d, box = shape(feature, TOLERANCE["province"])
        if code in result["provinces"]:  # a province drawn as two polygons
            d = result["provinces"][code]["d"] + d
        result["provinces"][code] = {"d": d}
    return result


def write_map_file(path: Path = MAP_FILE) -> int:
    content = json.dumps(build(), separators=(",", ":"), sort_keys=True)
    path.write_text(content, encoding="utf-8")
    return len(content.encode())


@functools.cache
def geometry() -> dict:
    """The projected geometry, read once per process (built in memory if the file is
    missing, which ``manage.py build_territory_map`` avoids)."""
    if MAP_FILE.exists():
        return json.loads(MAP_FILE.read_text(encoding="utf-8"))
    return build()


# --- Counting and drawing -----------------------------------------------------------------


def department_counts(alliances: QuerySet[Alliance]) -> dict[str, int]:
    """Alliances per department code: one query."""
    rows = (
        Alliance.places.through.objects.filter(alliance__in=alliances.order_by().values("pk"))
        .annotate(area=Substr("place__code", 1, 2))
        .values("area")
        .annotate(n=Count("alliance", distinct=True))
        .order_by()
    )
    return {row["area"]: row["n"] for row in rows}


def province_counts(alliances: QuerySet[Alliance], department: str = "") -> dict[str, int]:
    """Alliances per province of ``department`` (of every department if empty), counting
    places inside a province: one query."""
    rows = (
        Alliance.places.through.objects.filter(
            alliance__in=alliances.order_by().values("pk"),
            place__code__startswith=department,
            place__level__in=[Place.Level.PROVINCE, Place.Level.DISTRICT],
        )
        .annotate(area=Substr("place__code", 1, 4))
        .values("area")
        .annotate(n=Count("alliance", distinct=True))
        .order_by()
    )
    return {row["area"]: row["n"] for row in rows}


@dataclass
class Area:
    code: str
    name: str
    count: int
    shade: int
    d: str
    link: str = ""
    label: str = ""  # "name: count", what the map's titles say (``with_labels``)
    query: str = ""  # "?<the filters>&department=<code>", this area's drill-down (idem)


@dataclass
class TerritoryMap:
    areas: list[Area]
    view_box: str
    department: Place | None
    total: int  # alliances in the scope with at least one place in the map's area
    without_place: int | None = None  # alliances with no place at all (national map only)
    computed_at: datetime.datetime | None = None  # when kept counts were computed

    @property
    def top(self) -> int:
        return max((a.count for a in self.areas), default=0)

    @property
    def legend(self) -> list[tuple[int, str]]:
        top = self.top
        if not top:
            return []
        steps = []
        for shade in range(1, SHADES + 1):
            low = math.floor((shade - 1) * top / SHADES) + 1
            high = math.floor(shade * top / SHADES)
            if high >= low:
                steps.append((shade, f"{low}–{high}" if high > low else f"{low}"))
        return steps


def with_labels(territory: TerritoryMap, map_query: str) -> TerritoryMap:
    """``territory`` with each area's ``label`` and drill-down ``query`` (after the filters
    of ``map_query``, urlencoded) worked out once: the template only writes them."""
    before = f"?{map_query}&department=" if map_query else "?department="
    for area in territory.areas:
        area.label = f"{area.name}: {localize(area.count)}"
        area.query = before + area.code
    return territory


def shade(count: int, top: int) -> int:
    if not count or not top:
        return 0
    return max(1, math.ceil(count * SHADES / top))


# --- Kept counts of the whole country ------------------------------------------------------

ALL = "map:all"  # every alliance: the national view's map without filters
PUBLISHED = "map:published"  # every published alliance: the public portfolio's map


def _scopes() -> dict[str, QuerySet[Alliance]]:
    # As fases.public.selectors.published_alliances (which imports nothing of the map).
    return {ALL: Alliance.objects.all(), PUBLISHED: Alliance.objects.filter(published=True)}


@dataclass
class Counts:
    """What a map shows of a scope of alliances, whichever department it is drawn for."""

    departments: dict[str, int]
    with_place: int
    alliances: int
    provinces: dict[str, int] | None = None  # of every department; None: count when asked
    computed_at: datetime.datetime | None = None


def count(alliances: QuerySet[Alliance]) -> Counts:
    """The national counts of ``alliances``, without the provinces: three queries."""
    with_place = alliances.filter(places__isnull=False).order_by().values("pk").distinct()
    return Counts(department_counts(alliances), with_place.count(), alliances.count())


def refresh() -> None:
    """Count the maps of the whole country again and keep the counts (the worker's task,
    every ``FIGURES_REFRESH_SECONDS``): four queries a scope."""
    for scope, alliances in _scopes().items():
        counted = count(alliances)
        NationalFigures.objects.update_or_create(
            scope=scope,
            defaults={
                "data": {
                    "departments": counted.departments,
                    "provinces": province_counts(alliances),
                    "with_place": counted.with_place,
                    "alliances": counted.alliances,
                },
                "computed_at": timezone.now(),
            },
        )


def kept(scope: str) -> Counts:
    """The kept counts of ``scope`` (``ALL`` or ``PUBLISHED``); counted here only before the
    worker's first run."""
    figures = NationalFigures.objects.filter(scope=scope).first()
    if figures is None:
        refresh()
        figures = NationalFigures.objects.get(scope=scope)
    data = figures.data
    return Counts(
        data["departments"],
        data["with_place"],
        data["alliances"],
        data["provinces"],
        figures.computed_at,
    )


# --- The map -------------------------------------------------------------------------------


def territory_map(
    alliances: QuerySet[Alliance], department: str | None = None, *, scope: str | None = None
) -> TerritoryMap:
    """The national map of ``alliances`` or, with ``department`` (a 2-digit code that
    exists), the map of its provinces. Counted from the rows in five queries at most, or,
    with ``scope`` (``ALL``, ``PUBLISHED``: ``alliances`` are the whole scope), read from
    the kept counts in one."""
    shapes = geometry()
    counted = kept(scope) if scope else None
    if department:
        place = Place.objects.get(code=department, level=Place.Level.DEPARTMENT)
        if counted:
            counts = {k: n for k, n in counted.provinces.items() if k.startswith(department)}
            total = counted.departments.get(department, 0)
        else:
            counts = province_counts(alliances, department)
            total = department_counts(alliances).get(department, 0)
        names = dict(
            Place.objects.filter(level=Place.Level.PROVINCE, code__startswith=department)
            .order_by("code")
            .values_list("code", "name")
        )
        top = max(counts.values(), default=0)
        areas = [
            Area(code, name, counts.get(code, 0), shade(counts.get(code, 0), top), shape["d"])
            for code, name in names.items()
            if (shape := shapes["provinces"].get(code))
        ]
        x1, y1, x2, y2 = shapes["departments"][department]["box"]
        m = 2  # margin
        view_box = f"{x1 - m:.1f} {y1 - m:.1f} {x2 - x1 + 2 * m:.1f} {y2 - y1 + 2 * m:.1f}"
        return TerritoryMap(
            areas, view_box, place, total, computed_at=counted and counted.computed_at
        )
    counted = counted or count(alliances)
    counts = counted.departments
    names = dict(
        Place.objects.filter(level=Place.Level.DEPARTMENT)
        .order_by("code")
        .values_list("code", "name")
    )
    top = max(counts.values(), default=0)
    areas = [
        Area(code, name, counts.get(code, 0), shade(counts.get(code, 0), top), shape["d"])
        for code, name in names.items()
        if (shape := shapes["departments"].get(code))
    ]
    return TerritoryMap(
        areas,
        f"0 0 {shapes['width']} {shapes['height']}",
        None,
        counted.with_place,
        without_place=counted.alliances - counted.with_place,
        computed_at=counted.computed_at,
    )
