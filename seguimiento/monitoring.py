"""Reads for the monitoring pages, each in a fixed number of queries, and the geometry of
their charts.

One alliance's page shows, per indicator, a line chart of its baseline, reported values
and target; the fulfilment of the commitments by actor and by kind; and what is late.
The coordinators' portfolio shows the same figures per alliance. The coordinates are
computed here, so the templates only draw them (server-side SVG, no JavaScript).
"""

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alianzas.compiled import compiled
from alianzas.lifecycle import Phase
from alianzas.models import Alliance, Indicator
from alianzas.numbers import DecimalWriter
from seguimiento.due import last_ended_period, late_count_sql, late_indicator_ids
from seguimiento.models import (
    OPEN_STATUSES,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Export,
    Measurement,
)
from seguimiento.periods import Period
from seguimiento.selectors import IndicatorRow

RECENT_EXPORTS = 5


def format_value(value) -> str:
    return floatformat(value, "-2") if value is not None else "—"


def format_date(day: datetime.date | None) -> str:
    return date_format(day, "SHORT_DATE_FORMAT") if day else "—"


# --- What is due and late (an indicator's late value: seguimiento.due, ``late_q``) ---------


def due_q(today: datetime.date) -> Q:
    """Commitments that count for the fulfilment rate: not cancelled, and either due by
    ``today`` or already fulfilled."""
    return ~Q(status=CommitmentStatus.CANCELLED) & (
        Q(due_date__lte=today) | Q(status=CommitmentStatus.FULFILLED)
    )


def overdue_q(today: datetime.date) -> Q:
    return Q(status__in=OPEN_STATUSES, due_date__lt=today)


def fulfilment_rate(fulfilled: int, due: int) -> int | None:
    return None if not due else int(fulfilled * 100 / due)


@dataclass
class LateIndicator:
    indicator: Indicator
    period: Period


# --- Charts ---------------------------------------------------------------------------

WIDTH = 640
HEIGHT = 260
PLOT_LEFT = 64
PLOT_RIGHT = 624
PLOT_TOP = 16
PLOT_BOTTOM = 200
MAX_X_TICKS = 6
Y_TICKS = 5
LEGEND_SPACING = 140
# A chart with a single date spans this many days on each side of it.
SINGLE_DATE_MARGIN = 31


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    date: datetime.date
    value: Decimal
    cycle: int | None = None
    label: str = ""  # its date and value, as the page writes them
    title: str = ""  # a reported value's: its cycle and label


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class LegendItem:
    kind: str
    label: str
    x: int

    @property
    def text_x(self) -> int:
        return self.x + 26


@dataclass
class Series:
    """The values of one cycle, oldest first."""

    cycle: int
    selected: bool
    points: list[ChartPoint]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass
class IndicatorChart:
    indicator: Indicator
    cycle: int
    measurements: list[Measurement]
    latest: Measurement | None
    progress: int | None
    is_late: bool = False
    baseline: ChartPoint | None = None
    target: ChartPoint | None = None
    target_y: float | None = None
    series: list[Series] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)

    width = WIDTH
    height = HEIGHT
    plot_left = PLOT_LEFT
    plot_right = PLOT_RIGHT
    plot_top = PLOT_TOP
    plot_bottom = PLOT_BOTTOM

    @property
    def has_chart(self) -> bool:
        return bool(self.baseline or self.target or self.series)

    @property
    def selected_series(self) -> Series | None:
        return next((s for s in self.series if s.selected), None)

    @property
    def other_series(self) -> list[Series]:
        return [s for s in self.series if not s.selected]

    y_label_x = PLOT_LEFT - 8
    x_label_y = PLOT_BOTTOM + 20
    x_tick_end = PLOT_BOTTOM + 5
    legend_y = HEIGHT - 14

    @property
    def legend(self) -> list[LegendItem]:
        """What the chart shows, left to right below it."""
        items = []
        if self.selected_series:
            items.append(("selected", _("Cycle %(number)s") % {"number": self.cycle}))
        if self.other_series:
            items.append(("other", _("Other cycles")))
        if self.baseline:
            items.append(("baseline", _("Baseline")))
        if self.target or self.target_y is not None:
            items.append(("target", _("Target")))
        return [
            LegendItem(kind, label, PLOT_LEFT + index * LEGEND_SPACING)
            for index, (kind, label) in enumerate(items)
        ]

    @property
    def description(self) -> str:
        """The chart in words, for screen readers and as its text alternative."""
        i = self.indicator
        parts = []
        if i.baseline_value is not None:
            parts.append(
                _("Baseline: %(value)s %(unit)s (%(date)s).")
                % {
                    "value": format_value(i.baseline_value),
                    "unit": i.unit,
                    "date": format_date(i.baseline_date),
                }
            )
        if i.target_value is not None:
            parts.append(
                _("Target: %(value)s %(unit)s by %(date)s.")
                % {
                    "value": format_value(i.target_value),
                    "unit": i.unit,
                    "date": format_date(i.target_date),
                }
            )
        count = len(self.measurements)
        if count:
            parts.append(
                ngettext("%(count)s value reported;", "%(count)s values reported;", count)
                % {"count": count}
            )
            parts.append(
                _("latest: %(value)s %(unit)s (period ending %(date)s).")
                % {
                    "value": format_value(self.latest.value),
                    "unit": i.unit,
                    "date": format_date(self.latest.period_end),
                }
            )
        else:
            parts.append(_("No values reported yet."))
        if self.progress is not None:
            parts.append(_("Progress: %(progress)s%%.") % {"progress": self.progress})
        return " ".join(parts)


def _scale(value: float, low: float, high: float, out_low: float, out_high: float) -> float:
    if high == low:
        return round((out_low + out_high) / 2, 1)
    return round(out_low + (value - low) / (high - low) * (out_high - out_low), 1)


def _nice_step(span: Decimal) -> Decimal:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``Y_TICKS`` ticks."""
    raw = span / (Y_TICKS - 1)
    power = Decimal(10) ** math.floor(math.log10(raw))
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def _value_domain(values: list[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    """The lowest and highest value of the axis, widened to round numbers, and its step."""
    low, high = min(values), max(values)
    if low == high:
        margin = abs(low) / 10 if low else Decimal(1)
        low, high = low - margin, high + margin
    step = _nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _date_domain(dates: list[datetime.date]) -> tuple[datetime.date, datetime.date]:
    first, last = min(dates), max(dates)
    if first == last:
        margin = datetime.timedelta(days=SINGLE_DATE_MARGIN)
        return first - margin, last + margin
    return first, last


def _x_ticks(first: datetime.date, last: datetime.date, to_x) -> list[Tick]:
    """The first day of each year within the chart, or its two ends if it spans no new year."""
    years = [datetime.date(year, 1, 1) for year in range(first.year + 1, last.year + 1)]
    if len(years) < 2:
        return [Tick(to_x(first), format_date(first)), Tick(to_x(last), format_date(last))]
    step = math.ceil(len(years) / MAX_X_TICKS)
    return [Tick(to_x(day), str(day.year)) for day in years[::step]]


def indicator_chart(
    indicator: Indicator,
    measurements: list[Measurement],
    cycle: int,
    *,
    is_late: bool = False,
) -> IndicatorChart:
    """The chart of one indicator: baseline, values of every cycle (``cycle``'s stand out)
    and target, placed on one time axis (x) and one value axis (y, higher values up)."""
    measurements = sorted(measurements, key=lambda m: (m.period_end, m.period_start, m.pk))
    latest = max(measurements, key=lambda m: m.period_start, default=None)
    chart = IndicatorChart(
        indicator=indicator,
        cycle=cycle,
        measurements=measurements,
        latest=latest,
        progress=IndicatorRow(indicator, latest).progress,
        is_late=is_late,
    )
    has_baseline = indicator.baseline_value is not None and indicator.baseline_date is not None
    has_target = indicator.target_value is not None and indicator.target_date is not None
    dates = [m.period_end for m in measurements]
    dates += [indicator.baseline_date] if has_baseline else []
    dates += [indicator.target_date] if has_target else []
    if not dates:
        return chart
    values = [m.value for m in measurements]
    values += [v for v in (indicator.baseline_value, indicator.target_value) if v is not None]
    first, last = _date_domain(dates)
    low, high, step = _value_domain(values)
    span = (last - first).days

    def to_x(day: datetime.date) -> float:
        return _scale((day - first).days, 0, span, PLOT_LEFT, PLOT_RIGHT)

    def to_y(value: Decimal) -> float:
        return _scale(float(value), float(low), float(high), PLOT_BOTTOM, PLOT_TOP)

    def point(day, value) -> ChartPoint:
        label = f"{format_date(day)}: {format_value(value)}"
        return ChartPoint(to_x(day), to_y(value), day, value, label=label)

    if has_baseline:
        chart.baseline = point(indicator.baseline_date, indicator.baseline_value)
    if has_target:
        chart.target = point(indicator.target_date, indicator.target_value)
    if indicator.target_value is not None:
        chart.target_y = to_y(indicator.target_value)
    # What the page writes of each value (its point's title, its row of the data table),
    # formatted once: its end date and value appear in both.
    title = _("Cycle %(cycle)s: %(label)s")
    by_cycle: dict[int, list[ChartPoint]] = defaultdict(list)
    for m in measurements:
        m.start_label, m.end_label = format_date(m.period_start), format_date(m.period_end)
        m.value_label = floatformat(m.value, "-2")
        label = f"{m.end_label}: {m.value_label}"
        by_cycle[m.cycle].append(
            ChartPoint(
                to_x(m.period_end),
                to_y(m.value),
                m.period_end,
                m.value,
                m.cycle,
                label,
                title % {"cycle": m.cycle, "label": label},
            )
        )
    chart.series = [
        Series(number, number == cycle, points) for number, points in sorted(by_cycle.items())
    ]
    chart.x_ticks = _x_ticks(first, last, to_x)
    decimals = max(0, -step.normalize().as_tuple().exponent)
    ticks = (low + step * n for n in range(int((high - low) / step) + 1))
    chart.y_ticks = [Tick(to_y(value), floatformat(value, f"-{decimals}")) for value in ticks]
    return chart


# --- Fulfilment of commitments ------------------------------------------------------

BAR_WIDTH = 240


@dataclass
class Fulfilment:
    """Pledged against delivered for one actor, one kind or the whole alliance."""

    label: str
    key: str | int | None = None
    commitments: int = 0
    fulfilled: int = 0
    pledged: Decimal = Decimal(0)
    delivered: Decimal = Decimal(0)
    progress_sum: int = 0
    pledged_width: float = 0
    delivered_width: float = 0
    # The soles as the table writes them (``{{ value|floatformat:"2g" }}``; _with_bars).
    pledged_label: str = ""
    delivered_label: str = ""

    def add(self, row: dict) -> None:
        self.commitments += row["commitments"]
        self.fulfilled += row["fulfilled"]
        self.pledged += row["pledged"] or 0
        self.delivered += row["delivered"] or 0
        self.progress_sum += row["progress_sum"] or 0

    @property
    def average_progress(self) -> int | None:
        return round(self.progress_sum / self.commitments) if self.commitments else None

    @property
    def rate(self) -> int | None:
        return fulfilment_rate(self.fulfilled, self.commitments)


@dataclass
class FulfilmentTable:
    rows: list[Fulfilment]
    total: Fulfilment
    # "value" when the bars compare soles; "count" when no commitment has a value.
    basis: str = "value"
    bar_width = BAR_WIDTH


def _with_bars(rows: list[Fulfilment], total: Fulfilment) -> FulfilmentTable:
    by_value = any(row.pledged for row in rows)
    table = FulfilmentTable(rows, total, "value" if by_value else "count")
    top = max((row.pledged if by_value else row.commitments for row in rows), default=0)
    # The language's formats read once for the table, not once for each amount.
    soles = DecimalWriter(2, grouped=True)
    for row in (*rows, total):
        row.pledged_label, row.delivered_label = soles(row.pledged), soles(row.delivered)
    for row in rows:
        pledged, delivered = (
            (row.pledged, row.delivered) if by_value else (row.commitments, row.fulfilled)
        )
        row.pledged_width = _scale(float(pledged), 0, float(top or 1), 0, BAR_WIDTH)
        row.delivered_width = _scale(float(delivered), 0, float(top or 1), 0, BAR_WIDTH)
    return table


def _actor_label(name: str, acronym: str) -> str:
    return f"{name} ({acronym})" if acronym else name


# The commitments of one alliance's cycle grouped by actor and kind. In SQL: the ORM's
# grouped query with its filtered aggregates cost about a millisecond of Python to build on
# every visit of the monitoring page, for a statement that does not change.
FULFILMENT_SQL = """
    SELECT c.actor_id, a.name, a.acronym, c.kind, COUNT(*),
           SUM(CASE WHEN c.status = %(fulfilled)s THEN 1 ELSE 0 END),
           SUM(c.value_pen),
           SUM(CASE WHEN c.status = %(fulfilled)s THEN c.value_pen END),
           SUM(c.progress)
    FROM seguimiento_commitment c JOIN alianzas_actor a ON a.id = c.actor_id
    WHERE c.alliance_id = %(alliance)s AND c.cycle = %(cycle)s AND c.status <> %(cancelled)s
    GROUP BY c.actor_id, a.name, a.acronym, c.kind
    ORDER BY a.name, c.actor_id, c.kind
"""
FULFILMENT_COLUMNS = (
    "actor_id",
    "actor__name",
    "actor__acronym",
    "kind",
    "commitments",
    "fulfilled",
    "pledged",
    "delivered",
    "progress_sum",
)


def _soles(total) -> Decimal | None:
    """A sum of soles as a Decimal of cents, as the ORM gives it: PostgreSQL sums numeric
    columns as Decimals already, SQLite as integers or floats."""
    if total is None or isinstance(total, Decimal):
        return total
    return Decimal(str(total)).quantize(Decimal("0.01"))


def fulfilment(alliance: Alliance, cycle: int) -> tuple[FulfilmentTable, FulfilmentTable]:
    """The commitments of ``cycle`` (cancelled ones left out) by actor and by kind, in one
    query grouped by both."""
    with connection.cursor() as cursor:
        cursor.execute(
            FULFILMENT_SQL,
            {
                "alliance": alliance.pk,
                "cycle": cycle,
                "fulfilled": CommitmentStatus.FULFILLED.value,
                "cancelled": CommitmentStatus.CANCELLED.value,
            },
        )
        rows = [dict(zip(FULFILMENT_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["pledged"], row["delivered"] = _soles(row["pledged"]), _soles(row["delivered"])
    actors: dict[int, Fulfilment] = {}
    kinds = {kind: Fulfilment(str(label), kind) for kind, label in CommitmentKind.choices}
    total = Fulfilment(_("All actors"))
    for row in rows:
        actor = actors.setdefault(
            row["actor_id"],
            Fulfilment(_actor_label(row["actor__name"], row["actor__acronym"]), row["actor_id"]),
        )
        actor.add(row)
        kinds[row["kind"]].add(row)
        total.add(row)
    by_kind = [kind for kind in kinds.values() if kind.commitments]
    return _with_bars(list(actors.values()), total), _with_bars(by_kind, total)


# --- One alliance -------------------------------------------------------------------


@dataclass
class AllianceMonitoring:
    cycle: int
    charts: list[IndicatorChart]
    by_actor: FulfilmentTable
    by_kind: FulfilmentTable
    overdue: list[Commitment]
    late_indicators: list[LateIndicator]
    exports: list[Export] = field(default_factory=list)

    @property
    def unmeasured(self) -> list[Indicator]:
        """Indicators with no value in the cycle shown. They are not late while none of
        their periods has ended, but the page must not say they have their last value."""
        return [
            chart.indicator
            for chart in self.charts
            if not any(m.cycle == self.cycle for m in chart.measurements)
        ]


# What a chart draws of each value, and what the page lists of each overdue commitment.
CHART_MEASUREMENT_COLUMNS = ("indicator_id", "cycle", "period_start", "period_end", "value")
OVERDUE_COLUMNS = (
    "alliance_id",
    "actor_id",
    "cycle",
    "description",
    "due_date",
    "status",
    "actor__name",
    "actor__acronym",
)


def alliance_monitoring(
    alliance: Alliance, cycle: int, *, user=None, today: datetime.date | None = None
) -> AllianceMonitoring:
    """Everything the monitoring page shows, in five queries whatever the number of
    indicators, values and commitments (six with ``user``'s recent exports)."""
    today = today or timezone.localdate()
    indicators = _indicators_of(alliance.pk)
    late_ids = set(late_indicator_ids([alliance.pk], today)) if indicators else set()
    for indicator in indicators:
        indicator.is_late = indicator.pk in late_ids
    measurements: dict[int, list[Measurement]] = defaultdict(list)
    # By the indicators just read, unordered (each chart sorts its own): no join to the
    # objectives and the alliance that the model's ordering would add.
    for measurement in _chart_measurements_of([i.pk for i in indicators]) if indicators else ():
        measurements[measurement.indicator_id].append(measurement)
    charts = [indicator_chart(i, measurements[i.pk], cycle, is_late=i.is_late) for i in indicators]
    late = [
        LateIndicator(i, last_ended_period(i.frequency, today)) for i in indicators if i.is_late
    ]
    by_actor, by_kind = fulfilment(alliance, cycle)
    overdue = _overdue_of(alliance.pk, today)
    for commitment in overdue:
        commitment.days_late = (today - commitment.due_date).days
    exports = recent_exports(alliance, user) if user is not None else []
    return AllianceMonitoring(cycle, charts, by_actor, by_kind, overdue, late, exports)


@compiled
def _overdue_of(alliance_id: int, today: datetime.date):
    return (
        Commitment.objects.filter(overdue_q(today), alliance=alliance_id)
        .select_related("actor")
        .only(*OVERDUE_COLUMNS)
        .order_by("due_date", "pk")
    )


@compiled
def _indicators_of(alliance_id: int):
    return (
        Indicator.objects.filter(objective__alliance_id=alliance_id)
        .select_related("objective", "responsible_actor")
        .order_by("objective__position", "objective_id", "pk")
    )


@compiled
def _chart_measurements_of(indicator_ids: list):
    """The values the charts draw, by the indicators just read, unordered (each chart sorts
    its own): no join to the objectives and the alliance that the model's ordering would
    add."""
    return (
        Measurement.objects.filter(indicator_id__in=indicator_ids)
        .order_by()
        .only(*CHART_MEASUREMENT_COLUMNS)
    )


def recent_exports(alliance: Alliance, user) -> list[Export]:
    """The files ``user`` last asked for about ``alliance``, newest first."""
    return _recent_exports(alliance.pk, user.pk, known={"alliance": alliance})


@compiled
def _recent_exports(alliance_id: int, user_id: int):
    return Export.objects.filter(alliance=alliance_id, requested_by=user_id).order_by(
        "-created_at", "-pk"
    )[:RECENT_EXPORTS]


# --- The portfolio ------------------------------------------------------------------


def _count(rows: QuerySet, outer: str):
    counts = rows.filter(**{outer: OuterRef("pk")}).order_by().values(outer)
    counts = counts.annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def portfolio_rows(
    alliances: QuerySet[Alliance], today: datetime.date | None = None
) -> QuerySet[Alliance]:
    """Annotate each alliance with the portfolio's figures: commitments of its current cycle
    due and fulfilled, the fulfilment rate, overdue commitments (any cycle) and late
    indicators. Subqueries, so one query for a whole page."""
    today = today or timezone.localdate()
    current_cycle = Commitment.objects.filter(cycle=OuterRef("cycle"))
    # The late indicators in SQL (late_sql): building late_q's expression cost about 10 ms
    # of Python on every visit. Correlated with the outer query's alliance table.
    outer = f"{connection.ops.quote_name(Alliance._meta.db_table)}.id"
    late, late_params = late_count_sql(f"o.alliance_id = {outer}", [], today)
    return alliances.annotate(
        due_count=_count(current_cycle.filter(due_q(today)), "alliance"),
        fulfilled_count=_count(current_cycle.filter(status=CommitmentStatus.FULFILLED), "alliance"),
        overdue_count=_count(Commitment.objects.filter(overdue_q(today)), "alliance"),
        late_indicator_count=RawSQL(late, late_params, output_field=IntegerField()),
    ).annotate(
        fulfilment_rate=Case(
            When(due_count__gt=0, then=F("fulfilled_count") * 100 / F("due_count")),
            default=None,
            output_field=IntegerField(),
        )
    )


@dataclass
class PhaseCount:
    phase: str
    label: str
    count: int
    width: float = 0


@dataclass
class PortfolioSummary:
    alliances: int
    phases: list[PhaseCount]
    due: int
    fulfilled: int
    overdue: int
    late_indicators: int
    # When the figures come from what a worker kept (seguimiento.national_figures): when
    # it computed them. None when computed from the rows for this visit.
    computed_at: datetime.datetime | None = None
    bar_width = BAR_WIDTH

    @property
    def rate(self) -> int | None:
        return fulfilment_rate(self.fulfilled, self.due)


def phase_bars(counts: dict[str, int]) -> list[PhaseCount]:
    """Every phase with its number of alliances (``counts``) and the width of its bar."""
    top = max(counts.values(), default=0) or 1
    phases = [PhaseCount(phase, str(label), counts.get(phase, 0)) for phase, label in Phase.choices]
    for phase in phases:
        phase.width = _scale(phase.count, 0, top, 0, BAR_WIDTH)
    return phases


def portfolio_summary(
    alliances: QuerySet[Alliance], today: datetime.date | None = None
) -> PortfolioSummary:
    """The figures over all ``alliances`` computed from the rows, in three queries (the late
    indicators in SQL, ``late_count_sql``): for a person's own alliances. Over the
    country's, ``seguimiento.national_figures`` reads what a worker kept."""
    today = today or timezone.localdate()
    counts = dict(alliances.order_by().values_list("phase").annotate(n=Count("pk")))
    phases = phase_bars(counts)
    ids = alliances.order_by().values("pk")
    current_cycle = Q(cycle=F("alliance__cycle"))
    figures = Commitment.objects.filter(alliance__in=ids).aggregate(
        due=Count("pk", filter=current_cycle & due_q(today)),
        fulfilled=Count("pk", filter=current_cycle & Q(status=CommitmentStatus.FULFILLED)),
        overdue=Count("pk", filter=overdue_q(today)),
    )
    chosen, chosen_params = ids.query.sql_with_params()
    late, late_params = late_count_sql(f"o.alliance_id IN ({chosen})", chosen_params, today)
    with connection.cursor() as cursor:
        cursor.execute(late, late_params)
        (late,) = cursor.fetchone()
    return PortfolioSummary(
        alliances=sum(counts.values()),
        phases=phases,
        due=figures["due"],
        fulfilled=figures["fulfilled"],
        overdue=figures["overdue"],
        late_indicators=late,
    )
