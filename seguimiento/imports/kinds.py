"""Each kind of import: its columns (Spanish headers, what each accepts) and how one row is
imported, always through the service the form uses."""

import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alianzas import services as alliance_services
from alianzas.adjustments import AdjustmentReason
from alianzas.models import (
    Actor,
    Alliance,
    Direction,
    Frequency,
    Indicator,
    Membership,
    Objective,
    Region,
    Role,
    Sector,
)
from alianzas.search_key import SearchKey, search_key
from alianzas.validators import is_digits, normalise_ruc
from seguimiento import services
from seguimiento.models import Commitment, CommitmentKind, Import, Measurement
from seguimiento.periods import period_containing

NEW = "new"
UNCHANGED = "unchanged"


class RowProblem(Exception):
    """What is wrong with one row: [(column key or "", message)]."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems)
        self.problems = problems


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Spanish, as the template has it: the file's headers are matched to these
    required: bool = False
    help: object = ""  # lazy text: what the column takes
    accepted: Callable[[], list[str]] | None = None  # the accepted values, in Spanish


@dataclass
class Context:
    user: object
    alliance: Alliance | None
    reason: AdjustmentReason | None
    regions: dict = field(default_factory=dict)  # found by name, for the file's later rows
    # The file's RUCs already registered, read before the walk (``Kind.prepare``) and kept
    # up to date by the walk's own rows.
    registered_rucs: set = field(default_factory=set)


@dataclass(frozen=True)
class Kind:
    code: str
    columns: list[Column]
    # Model field → column key, to put a service's validation error next to its column.
    fields: dict[str, str]
    import_row: Callable[[Context, dict[str, str]], str]
    example: dict[str, str] = field(default_factory=dict)
    needs_alliance: bool = True
    # Reads once, before the walk, what every row would otherwise look up on its own.
    prepare: Callable[[Context, list[dict[str, str]]], None] | None = None

    def headers(self) -> dict[str, str]:
        return {column.key: column.header for column in self.columns}


# --- Reading one cell -------------------------------------------------------------------


class Cells:
    """Reads a row's cells, gathering every cell's problem, so a row shows all of them."""

    def __init__(self, values: dict):
        self.values = values
        self.problems: list[tuple[str, str]] = []

    def read(self, parse, *args, **kwargs):
        try:
            return parse(self.values, *args, **kwargs)
        except RowProblem as problem:
            self.problems.extend(problem.problems)
            return None

    def done(self) -> None:
        if self.problems:
            raise RowProblem(self.problems)


def required(values: dict, key: str) -> str:
    value = values.get(key, "")
    if not value:
        raise RowProblem([(key, _("This column is required."))])
    return value


def parse_date(values: dict, key: str, *, needed: bool = False) -> datetime.date | None:
    text = required(values, key) if needed else values.get(key, "")
    if not text:
        return None
    text = text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text) else text
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RowProblem(
        [
            (
                key,
                _("“%(value)s” is not a date: write it as 2026-03-31 or 31/03/2026.")
                % {"value": text},
            )
        ]
    )


def parse_decimal(values: dict, key: str, *, needed: bool = False) -> Decimal | None:
    text = required(values, key) if needed else values.get(key, "")
    if not text:
        return None
    cleaned = text.replace(" ", "").replace("S/", "")
    # The mark written last is the decimal one: 1.234,5 and 1,234.5 are both 1234.5, and
    # 1234,5 (a decimal comma alone) too.
    if cleaned.rfind(",") > cleaned.rfind("."):
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise RowProblem([(key, _("“%(value)s” is not a number.") % {"value": text})])
    return number


def choice_labels(choices) -> list[str]:
    with translation.override("es"):
        return [str(label) for label in choices.labels]


@functools.cache
def choice_names(choices) -> dict[str, str]:
    """Each choice by its code and by its Spanish and English names, as ``search_key``
    reads them; the first choice to have a name keeps it. Worked out once per process,
    not for every row of a file."""
    names: dict[str, str] = {}
    for value, label in choices.choices:
        names.setdefault(search_key(value), value)
        for language in ("es", "en"):
            with translation.override(language):
                names.setdefault(search_key(str(label)), value)
    return names


def parse_choice(values: dict, key: str, choices, *, needed: bool = False) -> str:
    """A choice by its Spanish or English name, or by its code."""
    text = required(values, key) if needed else values.get(key, "")
    if not text:
        return ""
    value = choice_names(choices).get(search_key(text))
    if value is not None:
        return value
    raise RowProblem(
        [
            (
                key,
                _("“%(value)s” is not one of the accepted values: %(accepted)s.")
                % {"value": text, "accepted": ", ".join(choice_labels(choices))},
            )
        ]
    )


def by_key(queryset, field_name: str, text: str):
    return queryset.alias(_key=SearchKey(field_name)).filter(_key=search_key(text))


def find_actor(values: dict, key: str, *, needed: bool = True, alliance=None) -> Actor | None:
    """An actor by its RUC, its name or its acronym (without case or accents); within the
    alliance's current members when ``alliance`` is given."""
    text = required(values, key) if needed else values.get(key, "")
    if not text:
        return None
    actors = Actor.objects.all()
    if alliance is not None:
        actors = actors.filter(memberships__alliance=alliance, memberships__left_on__isnull=True)
    ruc = normalise_ruc(text)
    if is_digits(ruc) and len(ruc) == 11:
        found = list(actors.filter(ruc=ruc)[:2])
    else:
        found = list(by_key(actors, "name", text)[:2]) or list(by_key(actors, "acronym", text)[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        message = (
            _("No current member of the alliance has the name, acronym or RUC “%(value)s”.")
            if alliance is not None
            else _("No actor in the registry has the name, acronym or RUC “%(value)s”.")
        )
    else:
        message = _("More than one actor is called “%(value)s”: write its RUC instead.")
    raise RowProblem([(key, message % {"value": text})])


def the_alliance(context: Context) -> Alliance:
    if context.alliance is None:  # the start of the import refuses this; never reached
        raise RowProblem([("", _("This kind of row is imported into an alliance."))])
    return context.alliance


# --- Actors ------------------------------------------------------------------------------


def find_region(values: dict, key: str, known: dict | None = None) -> Region | None:
    """The region named in the cell; ``known`` keeps those already found by the file's
    earlier rows (a registry names the same 25 regions thousands of times)."""
    if not values.get(key):
        return None
    if known is not None and values[key] in known:
        return known[values[key]]
    region = by_key(Region.objects.all(), "name", values[key]).first()
    if known is not None and region is not None:
        known[values[key]] = region
    if region is None:
        raise RowProblem(
            [(key, _("“%(value)s” is not a region of Peru.") % {"value": values[key]})]
        )
    return region


# RUCs looked up per query when an import begins (well under any database's limit).
RUCS_PER_QUERY = 1000


def registered_rucs(context: Context, rows: list[dict]) -> None:
    """Which of the file's RUCs are already registered: a few queries for a registry of
    thousands of rows, instead of one a row."""
    rucs = sorted({normalise_ruc(values.get("ruc", "")) for values in rows} - {""})
    for start in range(0, len(rucs), RUCS_PER_QUERY):
        context.registered_rucs.update(
            Actor.objects.filter(ruc__in=rucs[start : start + RUCS_PER_QUERY]).values_list(
                "ruc", flat=True
            )
        )


def import_actor(context: Context, values: dict) -> str:
    cells = Cells(values)
    name = cells.read(required, "name")
    sector = cells.read(parse_choice, "sector", Sector, needed=True)
    region = cells.read(find_region, "region", context.regions)
    cells.done()
    ruc = normalise_ruc(values.get("ruc", ""))
    if ruc:
        if ruc in context.registered_rucs:
            return UNCHANGED
    elif by_key(Actor.objects.filter(ruc=""), "name", name).exists():
        return UNCHANGED
    actor = Actor(
        name=name,
        acronym=values.get("acronym", ""),
        sector=sector,
        ruc=ruc,
        region=region,
        description=values.get("description", ""),
        website=values.get("website", ""),
        email=values.get("email", ""),
        phone=values.get("phone", ""),
        address=values.get("address", ""),
    )
    alliance_services.save_actor(user=context.user, actor=actor)
    if ruc:
        context.registered_rucs.add(ruc)
    return NEW


def regions() -> list[str]:
    return list(Region.objects.values_list("name", flat=True))


ACTORS = Kind(
    code=Import.Kind.ACTORS,
    needs_alliance=False,
    columns=[
        Column("name", "Nombre", True, gettext_lazy("The organisation's name.")),
        Column("acronym", "Siglas", help=gettext_lazy("Its acronym, if it has one.")),
        Column("sector", "Sector", True, accepted=lambda: choice_labels(Sector)),
        Column(
            "ruc",
            "RUC",
            help=gettext_lazy(
                "11 digits. An actor already registered with this RUC is left as it is."
            ),
        ),
        Column("region", "Región", accepted=regions),
        Column("description", "Descripción"),
        Column("website", "Sitio web", help=gettext_lazy("A full address: https://…")),
        Column("email", "Correo de contacto"),
        Column("phone", "Teléfono"),
        Column("address", "Dirección"),
    ],
    fields={
        "name": "name",
        "acronym": "acronym",
        "sector": "sector",
        "ruc": "ruc",
        "region": "region",
        "description": "description",
        "website": "website",
        "email": "email",
        "phone": "phone",
        "address": "address",
    },
    import_row=import_actor,
    prepare=registered_rucs,
    example={
        "name": "Municipalidad Distrital de Pichari",
        "acronym": "MDP",
        "sector": "Público",
        "ruc": "20131312955",
        "region": "Cusco",
        "description": "Gobierno local del distrito de Pichari.",
        "website": "https://www.munipichari.gob.pe",
        "email": "mesadepartes@munipichari.gob.pe",
        "phone": "066 123456",
        "address": "Plaza de Armas s/n, Pichari",
    },
)


# --- Members -----------------------------------------------------------------------------


def import_member(context: Context, values: dict) -> str:
    alliance = the_alliance(context)
    cells = Cells(values)
    actor = cells.read(find_actor, "actor")
    role = cells.read(parse_choice, "role", Role, needed=True)
    joined_on = cells.read(parse_date, "joined_on")
    cells.done()
    if alliance.memberships.filter(actor=actor, left_on__isnull=True).exists():
        return UNCHANGED
    membership = Membership(alliance=alliance, actor=actor, role=role)
    if joined_on:
        membership.joined_on = joined_on
    alliance_services.save_alliance_part(
        user=context.user, alliance=alliance, part=membership, adjustment=context.reason
    )
    return NEW


MEMBERS = Kind(
    code=Import.Kind.MEMBERS,
    columns=[
        Column(
            "actor",
            "Actor",
            True,
            gettext_lazy(
                "The actor's RUC, name or acronym, as registered. "
                "A current member is left as it is."
            ),
        ),
        Column("role", "Rol", True, accepted=lambda: choice_labels(Role)),
        Column("joined_on", "Fecha de ingreso", help=gettext_lazy("Today if empty.")),
    ],
    fields={"actor": "actor", "role": "role", "joined_on": "joined_on", "alliance": "actor"},
    import_row=import_member,
    example={"actor": "20131312955", "role": "Socio implementador", "joined_on": "2026-03-01"},
)


# --- Objectives and indicators ----------------------------------------------------------


def import_indicator(context: Context, values: dict) -> str:
    alliance = the_alliance(context)
    cells = Cells(values)
    title = cells.read(required, "objective")
    name = cells.read(required, "name")
    unit = cells.read(required, "unit")
    direction = cells.read(parse_choice, "direction", Direction)
    baseline_value = cells.read(parse_decimal, "baseline_value")
    baseline_date = cells.read(parse_date, "baseline_date")
    target_value = cells.read(parse_decimal, "target_value")
    target_date = cells.read(parse_date, "target_date")
    frequency = cells.read(parse_choice, "frequency", Frequency)
    responsible = cells.read(find_actor, "responsible_actor", needed=False, alliance=alliance)
    cells.done()
    objective = by_key(alliance.objectives.all(), "title", title).first()
    if objective is not None and by_key(objective.indicators.all(), "name", name).exists():
        return UNCHANGED
    indicator = Indicator(
        name=name,
        unit=unit,
        direction=direction or Direction.INCREASE,
        baseline_value=baseline_value,
        baseline_date=baseline_date,
        target_value=target_value,
        target_date=target_date,
        frequency=frequency or "",
        responsible_actor=responsible,
    )
    if objective is None:
        position = (alliance.objectives.aggregate(last=Max("position"))["last"] or 0) + 1
        objective = Objective(alliance=alliance, position=position, title=title)
        alliance_services.save_alliance_part(
            user=context.user, alliance=alliance, part=objective, adjustment=context.reason
        )
    indicator.objective = objective
    alliance_services.save_alliance_part(
        user=context.user, alliance=alliance, part=indicator, adjustment=context.reason
    )
    return NEW


INDICATORS = Kind(
    code=Import.Kind.INDICATORS,
    columns=[
        Column(
            "objective",
            "Objetivo",
            True,
            gettext_lazy(
                "The objective's text; rows with the same objective share it. A new one is added."
            ),
        ),
        Column(
            "name",
            "Indicador",
            True,
            gettext_lazy("An indicator already in this objective with this name is left as it is."),
        ),
        Column("unit", "Unidad", True, gettext_lazy("For example: hectares, %, people.")),
        Column("direction", "Sentido", accepted=lambda: choice_labels(Direction)),
        Column("baseline_value", "Línea de base", help=gettext_lazy("A number.")),
        Column("baseline_date", "Fecha de línea de base"),
        Column("target_value", "Meta", help=gettext_lazy("A number.")),
        Column("target_date", "Fecha de meta"),
        Column("frequency", "Frecuencia", accepted=lambda: choice_labels(Frequency)),
        Column(
            "responsible_actor",
            "Actor responsable",
            help=gettext_lazy("A current member: its RUC, name or acronym."),
        ),
    ],
    fields={
        "title": "objective",
        "position": "objective",
        "name": "name",
        "unit": "unit",
        "direction": "direction",
        "baseline_value": "baseline_value",
        "baseline_date": "baseline_date",
        "target_value": "target_value",
        "target_date": "target_date",
        "frequency": "frequency",
        "responsible_actor": "responsible_actor",
    },
    import_row=import_indicator,
    example={
        "objective": "Reducir la anemia infantil en el distrito",
        "name": "Niñas y niños de 6 a 35 meses con anemia",
        "unit": "%",
        "direction": "Disminuir",
        "baseline_value": "42,5",
        "baseline_date": "2026-01-31",
        "target_value": "30",
        "target_date": "2027-12-31",
        "frequency": "Trimestral",
        "responsible_actor": "MDP",
    },
)


# --- Commitments --------------------------------------------------------------------------


def import_commitment(context: Context, values: dict) -> str:
    alliance = the_alliance(context)
    cells = Cells(values)
    actor = cells.read(find_actor, "actor", alliance=alliance)
    kind = cells.read(parse_choice, "kind", CommitmentKind, needed=True)
    description = cells.read(required, "description")
    value_pen = cells.read(parse_decimal, "value_pen")
    due_date = cells.read(parse_date, "due_date", needed=True)
    cells.done()
    already = alliance.commitments.filter(
        actor=actor, cycle=alliance.cycle, description=description
    ).exists()
    if already:
        return UNCHANGED
    commitment = Commitment(
        alliance=alliance,
        actor=actor,
        kind=kind,
        description=description,
        value_pen=value_pen,
        due_date=due_date,
    )
    services.save_commitment(user=context.user, commitment=commitment, adjustment=context.reason)
    return NEW


COMMITMENTS = Kind(
    code=Import.Kind.COMMITMENTS,
    columns=[
        Column("actor", "Actor", True, gettext_lazy("A current member: its RUC, name or acronym.")),
        Column("kind", "Tipo", True, accepted=lambda: choice_labels(CommitmentKind)),
        Column(
            "description",
            "Descripción",
            True,
            gettext_lazy("The same actor and description in this cycle is left as it is."),
        ),
        Column("value_pen", "Valor (S/)", help=gettext_lazy("A number, if it has one.")),
        Column("due_date", "Fecha límite", True),
    ],
    fields={
        "actor": "actor",
        "kind": "kind",
        "description": "description",
        "value_pen": "value_pen",
        "due_date": "due_date",
    },
    import_row=import_commitment,
    example={
        "actor": "MDP",
        "kind": "Financiero",
        "description": "Financiar la compra de suplementos de hierro",
        "value_pen": "15000",
        "due_date": "2026-12-15",
    },
)


# --- Indicator values ---------------------------------------------------------------------


def import_measurement(context: Context, values: dict) -> str:
    alliance = the_alliance(context)
    name = required(values, "indicator")
    indicators = by_key(Indicator.objects.filter(objective__alliance=alliance), "name", name)
    if values.get("objective"):
        indicators = indicators.alias(_objective=SearchKey("objective__title")).filter(
            _objective=search_key(values["objective"])
        )
    found = list(indicators.select_related("objective__alliance")[:2])
    if not found:
        raise RowProblem(
            [("indicator", _("The alliance has no indicator “%(value)s”.") % {"value": name})]
        )
    if len(found) > 1:
        raise RowProblem(
            [
                (
                    "objective",
                    _("More than one objective has the indicator “%(value)s”: write its objective.")
                    % {"value": name},
                )
            ]
        )
    indicator = found[0]
    cells = Cells(values)
    day = cells.read(parse_date, "period", needed=True)
    value = cells.read(parse_decimal, "value", needed=True)
    cells.done()
    note = values.get("note", "")
    if indicator.frequency:
        start = period_containing(indicator.frequency, day).start
        kept = Measurement.objects.filter(indicator=indicator, period_start=start).first()
        if kept is not None and kept.value == value and kept.note == note:
            return UNCHANGED
    services.report_measurement(
        indicator=indicator, user=context.user, period_start=day, value=value, note=note
    )
    return NEW


MEASUREMENTS = Kind(
    code=Import.Kind.MEASUREMENTS,
    columns=[
        Column(
            "objective",
            "Objetivo",
            help=gettext_lazy(
                "Needed only when two objectives have an indicator of the same name."
            ),
        ),
        Column(
            "indicator",
            "Indicador",
            True,
            gettext_lazy("The indicator's name, as in the alliance."),
        ),
        Column(
            "period",
            "Periodo",
            True,
            gettext_lazy(
                "Any day of the period (its first day, say): "
                "2026-01-01 for January or the first quarter."
            ),
        ),
        Column(
            "value",
            "Valor",
            True,
            gettext_lazy("A number. A different value for a period already reported corrects it."),
        ),
        Column("note", "Nota"),
    ],
    fields={"value": "value", "period_start": "period", "note": "note", "indicator": "indicator"},
    import_row=import_measurement,
    example={
        "objective": "Reducir la anemia infantil en el distrito",
        "indicator": "Niñas y niños de 6 a 35 meses con anemia",
        "period": "2026-01-01",
        "value": "40,1",
        "note": "Padrón nominal de enero a marzo",
    },
)


KINDS: dict[str, Kind] = {
    kind.code: kind for kind in (ACTORS, MEMBERS, INDICATORS, COMMITMENTS, MEASUREMENTS)
}
