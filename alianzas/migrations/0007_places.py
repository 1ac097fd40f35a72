"""UBIGEO places (departments, provinces, districts) and each alliance's territory as places.

The places are loaded from the vendored GeoJSON (alianzas/data/peru-geojson, MPL-2.0, 2016);
the departments take the names of today's regions (which have their accents), and every
alliance's regions become its department places.
"""

import functools
import json
from pathlib import Path

import django.db.models.deletion
from django.db import migrations, models

GEOJSON = Path(__file__).resolve().parent.parent / "data" / "peru-geojson"
SMALL_WORDS = {"de", "del", "la", "las", "los", "el", "y", "en"}


def nice(name: str) -> str:
    """'SAN JUAN DE LURIGANCHO' -> 'San Juan de Lurigancho' (the GeoJSON is upper case)."""
    words = name.strip().lower().split()
    return " ".join(
        w if (i and w in SMALL_WORDS) else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )


@functools.cache  # the test suite loads them again after each test that flushes
def features(name: str):
    with open(GEOJSON / f"{name}.geojson", encoding="utf-8") as handle:
        return [feature["properties"] for feature in json.load(handle)["features"]]


def load_places(apps, schema_editor):
    Place = apps.get_model("alianzas", "Place")
    Region = apps.get_model("alianzas", "Region")
    Alliance = apps.get_model("alianzas", "Alliance")
    departments = {}
    for region in Region.objects.all():
        departments[region.code] = Place.objects.update_or_create(
            code=region.code, defaults={"name": region.name, "level": "department"}
        )[0]
    for row in features("peru_departamental_simple"):
        code = row["FIRST_IDDP"]
        if code not in departments:
            departments[code] = Place.objects.update_or_create(
                code=code, defaults={"name": nice(row["NOMBDEP"]), "level": "department"}
            )[0]
    provinces = {}
    for row in features("peru_provincial_simple"):
        code = row["FIRST_IDPR"]
        if code in provinces or code[:2] not in departments:
            continue  # a province drawn as two polygons is listed twice
        provinces[code] = Place.objects.update_or_create(
            code=code,
            defaults={
                "name": nice(row["NOMBPROV"]),
                "level": "province",
                "parent": departments[code[:2]],
            },
        )[0]
    existing = set(Place.objects.filter(level="district").values_list("code", flat=True))
    Place.objects.bulk_create(
        [
            Place(
                code=row["IDDIST"],
                name=nice(row["NOMBDIST"]),
                level="district",
                parent=provinces[row["IDPROV"]],
            )
            for row in features("peru_distrital_simple")
            if row["IDDIST"] not in existing and row["IDPROV"] in provinces
        ]
    )
    # Each alliance's regions become its department places.
    Through = Alliance.places.through
    Through.objects.bulk_create(
        [
            Through(alliance_id=alliance_id, place_id=departments[code].pk)
            for alliance_id, code in Alliance.regions.through.objects.values_list(
                "alliance_id", "region__code"
            )
            if code in departments
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("alianzas", "0006_search")]

    operations = [
        migrations.CreateModel(
            name="Place",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=6, unique=True, verbose_name="ubigeo code")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "level",
                    models.CharField(
                        choices=[
                            ("department", "Department"),
                            ("province", "Province"),
                            ("district", "District"),
                        ],
                        max_length=12,
                        verbose_name="level",
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="alianzas.place",
                        verbose_name="part of",
                    ),
                ),
            ],
            options={
                "verbose_name": "place",
                "verbose_name_plural": "places",
                "ordering": ["code"],
                "indexes": [
                    models.Index(fields=["level", "code"], name="alianzas_pl_level_407ae0_idx")
                ],
            },
        ),
        migrations.AddField(
            model_name="alliance",
            name="places",
            field=models.ManyToManyField(
                blank=True,
                help_text="Departments, provinces or districts (UBIGEO) where the alliance works.",
                related_name="alliances",
                to="alianzas.place",
                verbose_name="places",
            ),
        ),
        migrations.RunPython(load_places, migrations.RunPython.noop),
    ]
