"""The open data: every published alliance as CSV, JSON and IATI XML, under CC BY 4.0.

The same facts as the public pages (``fases.public.selectors`` says which), in files a
spreadsheet or a program reads. The IATI file is ``fases.iati``.
"""

import csv
import io
import json

from django.db.models import Prefetch, QuerySet
from django.urls import reverse

from alianzas.models import Alliance, Indicator, Objective
from fases.public.selectors import committed_pen, current_members
from seguimiento.models import Measurement

LICENCE = "CC-BY-4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

CSV_COLUMNS = [
    "id",
    "name",
    "problem",
    "origin",
    "phase",
    "cycle",
    "start_date",
    "end_date",
    "places_ubigeo",
    "places",
    "sdgs",
    "organisations",
    "organisation_rucs",
    "committed_pen",
    "url",
]


def open_data_queryset(alliances: QuerySet[Alliance]) -> QuerySet[Alliance]:
    return alliances.prefetch_related(
        "places",
        "goals",
        current_members(),
        Prefetch(
            "objectives",
            queryset=Objective.objects.prefetch_related(
                Prefetch(
                    "indicators",
                    queryset=Indicator.objects.prefetch_related(
                        Prefetch(
                            "measurements",
                            queryset=Measurement.objects.order_by("period_start", "pk"),
                        )
                    ),
                )
            ),
        ),
    ).order_by("pk")


def records(alliances: QuerySet[Alliance], base_url: str) -> list[dict]:
    alliances = list(open_data_queryset(alliances))
    committed = committed_pen([a.pk for a in alliances])
    out = []
    for alliance in alliances:
        out.append(
            {
                "id": alliance.pk,
                "name": alliance.name,
                "problem": alliance.problem,
                "origin": alliance.origin,
                "phase": alliance.phase,
                "cycle": alliance.cycle,
                "start_date": alliance.start_date.isoformat() if alliance.start_date else None,
                "end_date": alliance.end_date.isoformat() if alliance.end_date else None,
                "places": [
                    {"ubigeo": p.code, "name": p.name, "level": p.level}
                    for p in alliance.places.all()
                ],
                "sdgs": [g.number for g in alliance.goals.all()],
                "organisations": [
                    {
                        "name": m.actor.name,
                        "ruc": m.actor.ruc or None,
                        "sector": m.actor.sector,
                        "role": m.role,
                    }
                    for m in alliance.public_members
                ],
                "objectives": [
                    {
                        "title": o.title,
                        "indicators": [
                            {
                                "name": i.name,
                                "unit": i.unit,
                                "baseline": _num(i.baseline_value),
                                "baseline_date": _day(i.baseline_date),
                                "target": _num(i.target_value),
                                "target_date": _day(i.target_date),
                                "values": [
                                    {
                                        "period_start": _day(m.period_start),
                                        "period_end": _day(m.period_end),
                                        "value": _num(m.value),
                                    }
                                    for m in i.measurements.all()
                                ],
                            }
                            for i in o.indicators.all()
                        ],
                    }
                    for o in alliance.objectives.all()
                ],
                "committed_pen": _num(committed.get(alliance.pk)),
                "url": base_url + reverse("public:alliance", args=[alliance.pk]),
            }
        )
    return out


def _num(value):
    return None if value is None else format(value.normalize(), "f")


def _day(value):
    return value.isoformat() if value else None


def as_json(alliances, base_url: str) -> str:
    return json.dumps(
        {
            "licence": LICENCE,
            "licence_url": LICENCE_URL,
            "source": base_url + reverse("public:open_data"),
            "alliances": records(alliances, base_url),
        },
        ensure_ascii=False,
        indent=1,
    )


def as_csv(alliances, base_url: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in records(alliances, base_url):
        writer.writerow(
            [
                row["id"],
                row["name"],
                row["problem"],
                row["origin"],
                row["phase"],
                row["cycle"],
                row["start_date"] or "",
                row["end_date"] or "",
                ";".join(p["ubigeo"] for p in row["places"]),
                ";".join(p["name"] for p in row["places"]),
                ";".join(str(n) for n in row["sdgs"]),
                ";".join(o["name"] for o in row["organisations"]),
                ";".join(o["ruc"] or "" for o in row["organisations"]),
                row["committed_pen"] or "",
                row["url"],
            ]
        )
    return buffer.getvalue()
