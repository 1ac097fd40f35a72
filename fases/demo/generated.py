"""The synthetic commitments and measurements generated inside PostgreSQL, for the ten-times
benchmark (2,000,000 commitments, 1,000,000 measurements) to load in minutes.

The same draws as the row-by-row path of ``fases.demo.synthetic`` (which SQLite takes):
commitments go round the synthetic alliances' active memberships, with the status, progress
and due date of ``COMMITMENT_STATES`` for the alliance's phase and the commitment's cycle,
and each started one gets the progress update its status follows from; measurements go
round the measured indicators, each filling its periods backwards from the last one ended.
Here the rows are drawn by ``generate_series`` and ``random()`` (seeded with ``setseed``,
so a run is repeatable) and inserted with one ``INSERT … SELECT`` per batch: no row
crosses to Python.

Every value is a bound parameter; the statements are assembled from table names
(``Model._meta.db_table``) and the CASE branches of ``COMMITMENT_STATES``.
"""

import datetime
import zlib

from django.db import connection

from alianzas.lifecycle import Phase
from alianzas.models import Alliance, Indicator, Membership, Objective
from fases.demo.common import MONTHS_PER_PERIOD
from seguimiento.models import (
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    CommitmentUpdate,
    Measurement,
)

# Rows per INSERT … SELECT: a batch is one statement and one progress line.
BATCH = 500_000

S = CommitmentStatus
# The synthetic commitments' (status, weight), here and on the row-by-row path: of an
# earlier cycle or a closed alliance ("past"), of an alliance still in Identificación,
# or in each later active phase.
COMMITMENT_STATES = {
    "past": [(S.FULFILLED, 75), (S.CANCELLED, 15), (S.IN_PROGRESS, 10)],
    Phase.IDENTIFICATION: [(S.PENDING, 90), (S.IN_PROGRESS, 10)],
    Phase.IMPLEMENTATION: [
        (S.PENDING, 35),
        (S.IN_PROGRESS, 40),
        (S.FULFILLED, 20),
        (S.CANCELLED, 5),
    ],
    Phase.MONITORING: [(S.PENDING, 20), (S.IN_PROGRESS, 40), (S.FULFILLED, 35), (S.CANCELLED, 5)],
    Phase.EVALUATION: [(S.PENDING, 10), (S.IN_PROGRESS, 30), (S.FULFILLED, 55), (S.CANCELLED, 5)],
}
# Indicators are measured once their alliance monitors them (or did, in an earlier cycle).
MEASURED_PHASES = (Phase.MONITORING, Phase.EVALUATION, Phase.CLOSED)


def _drawn_status(weights, params: dict, name: str) -> str:
    """A CASE choosing a status by ``weights`` from ``r_status`` (uniform in [0, 1))."""
    total = sum(weight for _status, weight in weights)
    branches, cumulative = [], 0
    for index, (status, weight) in enumerate(weights):
        cumulative += weight
        params[f"{name}_{index}"] = str(status)
        params[f"{name}_{index}_below"] = cumulative / total
        branches.append(f"WHEN r_status < %({name}_{index}_below)s THEN %({name}_{index})s")
    return "CASE " + " ".join(branches) + f" ELSE %({name}_0)s END"


def _numbered(cursor, table: str, select: str, params: dict) -> int:
    """``select`` (rows numbered ``n`` from 0) as a temporary table keyed by ``n``, with
    fresh statistics; how many rows. The generated rows find theirs by ``n``: a join the
    planner cannot get wrong (left to estimate a window function over a join, it once
    compared every generated row with every membership)."""
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMPORARY TABLE {table} ON COMMIT DROP AS {select}", params)
    cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (n)")
    cursor.execute(f"ANALYZE {table}")
    cursor.execute(f"SELECT count(*) FROM {table}")  # nosec B608 - a name given here
    return cursor.fetchone()[0]


def _seed(label: str, number: int) -> None:
    """Seed ``random()`` for this session: the same data on every run."""
    seed = zlib.crc32(f"{label}-{number}".encode()) / 2**32
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed * 2 - 1])


def insert_commitments(
    *, prefix: str, first: int, last: int, today: datetime.date, tz: str, words: dict
) -> tuple[int, int]:
    """The synthetic commitments number ``first`` to ``last`` (zero-based, inclusive) and
    their progress updates; returns (commitments, updates) inserted."""
    _seed("compromisos", first)
    params = {
        "prefix": prefix + "%",
        "today": today,
        "tz": tz,
        "first": first,
        "last": last,
        "past_phase": str(Phase.CLOSED),
        "identification": str(Phase.IDENTIFICATION),
        "pending": str(S.PENDING),
        "in_progress": str(S.IN_PROGRESS),
        "fulfilled": str(S.FULFILLED),
        "cancelled": str(S.CANCELLED),
        "kinds": [str(kind) for kind in CommitmentKind.values],
        "valued": [str(CommitmentKind.FINANCIAL), str(CommitmentKind.IN_KIND)],
        "note": "Avance reportado.",
    }
    phase_cases = []
    for index, (phase, weights) in enumerate(COMMITMENT_STATES.items()):
        if phase == "past":
            continue
        params[f"phase_{index}"] = str(phase)
        phase_cases.append(
            f"WHEN phase = %(phase_{index})s THEN {_drawn_status(weights, params, f's{index}')}"
        )
    past = _drawn_status(COMMITMENT_STATES["past"], params, "past")
    descriptions = []
    for index, kind in enumerate(CommitmentKind.values):
        params[f"words_{index}"] = list(words[kind])
        descriptions.append(
            f"WHEN {index} THEN (%(words_{index})s::text[])"
            f"[1 + floor(r_word * {len(words[kind])})::int]"
        )
    membership, alliance = Membership._meta.db_table, Alliance._meta.db_table
    commitment, update = Commitment._meta.db_table, CommitmentUpdate._meta.db_table
    pairs = f"""
        SELECT row_number() OVER (ORDER BY ms.alliance_id, ms.id) - 1 AS n,
               ms.alliance_id, ms.actor_id, a.phase, a.cycle, a.start_date,
               GREATEST(%(today)s::date - a.start_date, 61) AS elapsed
        FROM {membership} ms JOIN {alliance} a ON a.id = ms.alliance_id
        WHERE a.name LIKE %(prefix)s AND ms.left_on IS NULL
    """  # nosec B608 - identifiers only; values bound
    sql = f"""
        WITH drawn AS (
            SELECT s.i, p.*, p.cycle - mod(s.i / %(total)s, p.cycle) AS commitment_cycle,
                   s.i < %(total)s AS first_round,
                   random() AS r_status, random() AS r_due, random() AS r_progress,
                   floor(random() * {len(CommitmentKind.values)})::int AS k,
                   random() AS r_word, random() AS r_value
            FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS s(i)
            JOIN synthetic_pairs p ON p.n = mod(s.i, %(total)s)
        ),
        stated AS (
            SELECT d.*,
                   commitment_cycle < cycle OR phase = %(past_phase)s AS past,
                   CASE WHEN commitment_cycle < cycle OR phase = %(past_phase)s THEN {past}
                        {" ".join(phase_cases)} END AS drawn_status
            FROM drawn d
        ),
        settled AS (
            SELECT s.*,
                   -- A member's first commitment stands, as the phase guards require.
                   CASE WHEN drawn_status = %(cancelled)s AND first_round
                        THEN %(in_progress)s ELSE drawn_status END AS status,
                   (%(kinds)s::text[])[k + 1] AS kind
            FROM stated s
        ),
        inserted AS (
            INSERT INTO {commitment}
                (alliance_id, actor_id, cycle, description, kind, value_pen, due_date,
                 status, progress, created_at, updated_at)
            SELECT alliance_id, actor_id, commitment_cycle,
                   CASE k {" ".join(descriptions)} END,
                   kind,
                   CASE WHEN kind = ANY(%(valued)s::text[])
                        THEN (5 + floor(r_value * 795)) * 1000 END,
                   CASE WHEN past
                            THEN start_date + 30 + floor(r_due * (elapsed - 59))::int
                        WHEN phase = %(identification)s
                            THEN %(today)s::date + 30 + floor(r_due * 371)::int
                        ELSE start_date + 30 + floor(r_due * (elapsed + 336))::int END,
                   status,
                   CASE status WHEN %(fulfilled)s THEN 100
                               WHEN %(in_progress)s THEN 5 + floor(r_progress * 91)::int
                               ELSE 0 END,
                   now(), now()
            FROM settled
            ORDER BY i
            RETURNING id, progress, status, due_date
        ),
        updates AS (
            -- Each started commitment has the progress update its status follows from.
            INSERT INTO {update}
                (commitment_id, progress, status, note, evidence, evidence_name, created_at)
            SELECT id, progress, status, %(note)s, '', '',
                   (LEAST(due_date, %(today)s::date) + time '12:00') AT TIME ZONE %(tz)s
            FROM inserted WHERE status <> %(pending)s
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM updates)
    """  # nosec B608 - identifiers and CASE branches built here; values bound
    with connection.cursor() as cursor:
        params["total"] = _numbered(cursor, "synthetic_pairs", pairs, params)
        cursor.execute(sql, params)
        return cursor.fetchone()


def insert_measurements(
    *, prefix: str, first: int, last: int, today: datetime.date, measured_only: bool
) -> int:
    """The synthetic measurements number ``first`` to ``last`` (zero-based, inclusive):
    round the synthetic indicators (only those of alliances measuring them, or measured
    in an earlier cycle, if ``measured_only``), each filling its periods backwards from the
    one before its earliest measured, or from the last one ended. Returns how many."""
    _seed("mediciones", first)
    steps = " ".join(
        f"WHEN %(frequency_{index})s THEN {months}"
        for index, months in enumerate(MONTHS_PER_PERIOD.values())
    )
    params = {
        "prefix": prefix + "%",
        "first": first,
        "last": last,
        "current": today.year * 12 + today.month - 1,
        "measured_only": measured_only,
        "measured": [str(phase) for phase in MEASURED_PHASES],
        **{f"frequency_{i}": str(f) for i, f in enumerate(MONTHS_PER_PERIOD)},
    }
    indicator, objective = Indicator._meta.db_table, Objective._meta.db_table
    alliance, measurement = Alliance._meta.db_table, Measurement._meta.db_table
    pool = f"""
            -- How many periods back the earliest measured one is (-1: none yet): the
            -- new ones go further back, so they never meet an existing one.
            SELECT p.*, p.step * ((%(current)s - mod(%(current)s, p.step)) / p.step) AS ended,
                   COALESCE(
                       (SELECT max((%(current)s - mod(%(current)s, p.step)
                                    - (extract(year FROM m.period_start)::int * 12
                                       + extract(month FROM m.period_start)::int - 1))
                                   / p.step - 1)
                        FROM {measurement} m WHERE m.indicator_id = p.id),
                       -1) AS furthest
            FROM (
                SELECT row_number() OVER (ORDER BY i.id) - 1 AS n, i.id, a.cycle,
                       COALESCE(i.baseline_value, 100) AS low,
                       COALESCE(i.target_value, COALESCE(i.baseline_value, 100) * 1.5) AS high,
                       CASE i.frequency {steps} ELSE 3 END AS step
                FROM {indicator} i
                JOIN {objective} o ON o.id = i.objective_id
                JOIN {alliance} a ON a.id = o.alliance_id
                WHERE a.name LIKE %(prefix)s
                  AND (NOT %(measured_only)s OR a.phase = ANY(%(measured)s::text[]) OR a.cycle > 1)
            ) p
    """  # nosec B608 - identifiers and CASE branches built here; values bound
    sql = f"""
        WITH drawn AS (
            SELECT p.*, p.furthest + 1
                       + row_number() OVER (PARTITION BY p.n ORDER BY s.i) - 1 AS back
            FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS s(i)
            JOIN synthetic_pool p ON p.n = mod(s.i, %(total)s)
        ),
        dated AS (
            SELECT d.*, make_date(
                       ((ended - (back + 1) * step) / 12)::int,
                       (mod(ended - (back + 1) * step, 12) + 1)::int,
                       1
                   ) AS period_start
            FROM drawn d
        )
        INSERT INTO {measurement}
            (indicator_id, cycle, period_start, period_end, value, note, evidence,
             evidence_name, created_at, updated_at)
        SELECT id, GREATEST(1, cycle - back / 3), period_start,
               (period_start + make_interval(months => step::int) - interval '1 day')::date,
               round(low + (high - low) * LEAST(1.0, GREATEST(0.0,
                   0.85 - 0.1 * back + (random() * 0.16 - 0.08)))::numeric, 2),
               '', '', '', now(), now()
        FROM dated
        ON CONFLICT DO NOTHING
    """  # nosec B608 - identifiers and CASE branches built here; values bound
    with connection.cursor() as cursor:
        params["total"] = _numbered(cursor, "synthetic_pool", pool, params)
        if not params["total"]:
            return 0
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)
