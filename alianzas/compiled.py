"""Querysets whose SQL is compiled once per process: the ORM's counterpart of
``alianzas.reversing``.

On the hot pages, building a queryset and compiling it to SQL cost more than running it:
the alliance page spent about 30 ms of its 110 compiling its 23 queries, the indicators'
alone 4.8 ms (docs/performance.md), for statements whose text is the same on every visit
and whose parameters are the alliance's id and little else.

``@compiled`` wraps a function that builds a queryset from whole numbers (ids, cycles;
lists of them) and dates (today, passed in), without reading anything else (no
``now()``, no setting, no database): a pure function of its arguments. Its SQL is
compiled on the first call of each shape (each argument a number, a date, or a list of so
many numbers) and database, with stand-ins where the arguments go (numbers, and days four
centuries ahead); later calls put their own values in those places and run
the statement through Django's own iterables, so the rows are what the queryset gives
(models with their ``select_related`` objects and annotations, or values). The function
returns a list.

It is compiled twice with different stand-ins, and kept only if the two differ in exactly
the stand-ins' places: an argument that changes the SQL's text instead of its parameters
(a branch on its value, a number written into the text) leaves the function uncompiled,
run as it is. Under ``COMPILED_QUERIES_CHECK`` (the test suite sets it) every call is also
built and compiled the ordinary way and must give the same statement and parameters, so
the whole suite checks each compiled function on every call.

On PostgreSQL each statement is also prepared on the connection the first time it runs
there (``COMPILED_QUERIES_PREPARED``, on where connections outlive a request): later calls
send ``EXECUTE`` with the values, and the server neither parses the statement again nor,
once a generic plan serves as well as a custom one (after five runs, PostgreSQL's own
rule), plans it again. Planning was most of the server's time for these reads (the
alliance page: 1.75 ms planning, 0.48 ms executing its statements).
"""

import copy
import datetime
import decimal
import functools
import itertools
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.sql.compiler import SQLCompiler

logger = logging.getLogger(__name__)

# Stand-ins for the arguments: distinct numbers that every integer column can hold (Django
# compiles a comparison with a number out of a column's range as always false, without a
# parameter). A constant of the statement equal to one is told apart by the second build.
_STAND_INS = itertools.cycle(range(10_007, 32_000))
# Dates stand in from this day on (four centuries ahead: no date of the data is one). A
# date reaches the statement as the backend adapts it: itself on PostgreSQL, its ISO text
# on SQLite (``adapt_datefield_value``); a date inside raw SQL, itself everywhere.
_FIRST_STAND_IN_DAY = datetime.date(2400, 1, 1)
_AS_TEXT = "text"


@dataclass
class _Statement:
    queryset: object  # built from the stand-ins: its iterable, model and prefetches
    compiler: SQLCompiler  # compiled: select, klass_info, annotation_col_map filled in
    sql: str
    params: tuple
    slots: tuple  # for each parameter: None (a constant) or (argument, index in a list)
    name: str = ""  # its name as a prepared statement (PostgreSQL)
    refused: bool = False  # PostgreSQL would not prepare it


class CompiledQueryMismatch(AssertionError):
    """A compiled function's statement differs from what building it gives
    (``COMPILED_QUERIES_CHECK``): it is not a pure function of its arguments."""


def _shape(args) -> tuple | None:
    """Each argument's shape: ``None`` for a number, ``"date"`` for a date, the length of a
    list; ``None`` overall for arguments that are not numbers (of 64 bits), dates (a
    ``datetime`` is not one) or non-empty lists of numbers."""
    shape = []
    for arg in args:
        if _number(arg):
            shape.append(None)
        elif type(arg) is datetime.date:
            shape.append("date")
        elif isinstance(arg, list | tuple) and arg and all(_number(item) for item in arg):
            shape.append(len(arg))
        else:
            return None
    return tuple(shape)


def _number(arg) -> bool:
    """A whole number a 64-bit column can hold. A larger one (an id from a URL: the path
    converter takes any digits) is left to the ORM, which reads no row for it; as a
    parameter, PostgreSQL would refuse it."""
    return type(arg) is int and -(2**63) <= arg < 2**63


def _stand_in(size):
    if size is None:
        return next(_STAND_INS)
    if size == "date":
        return _FIRST_STAND_IN_DAY + datetime.timedelta(days=next(_STAND_INS))
    return [next(_STAND_INS) for _ in range(size)]


def _stand_ins(shape) -> list:
    return [_stand_in(size) for size in shape]


def _places(stand_ins) -> dict:
    """Each stand-in as a parameter may hold it: (argument, index in its list or None,
    ``_AS_TEXT`` for a date as text or None)."""
    places = {}
    for position, arg in enumerate(stand_ins):
        if isinstance(arg, list):
            for index, number in enumerate(arg):
                places[number] = (position, index, None)
        elif isinstance(arg, datetime.date):
            places[arg] = (position, None, None)
            places[arg.isoformat()] = (position, None, _AS_TEXT)
        else:
            places[arg] = (position, None, None)
    return places


class _Uncompilable(Exception):
    pass


class CompiledQuery:
    every: list["CompiledQuery"] = []  # each one made, for the tests that check them all

    def __init__(self, build):
        self.build = build
        self._statements: dict[tuple, _Statement | None] = {}
        functools.update_wrapper(self, build)
        CompiledQuery.every.append(self)

    def __call__(self, *args, using: str = "default", known: dict | None = None) -> list:
        """The rows for ``args``. ``known``: {foreign key name: object} that every row refers
        to, set on each row as a related manager sets its instance (``alliance.memberships``
        gives memberships whose ``alliance`` is that alliance, without a query)."""
        shape = _shape(args)
        if shape is None:
            return _with_known(self.build(*args), known)
        connection = connections[using]
        key = (using, connection.vendor, shape)
        if key not in self._statements:
            try:
                self._statements[key] = self._compile(shape, using)
            except _Uncompilable as reason:
                logger.warning("%s is run uncompiled: %s", self.build.__qualname__, reason)
                self._statements[key] = None
        statement = self._statements[key]
        if statement is None:
            return _with_known(self.build(*args), known)
        params = tuple(
            constant if slot is None else _argument(args, slot)
            for constant, slot in zip(statement.params, statement.slots, strict=True)
        )
        if getattr(settings, "COMPILED_QUERIES_CHECK", False):
            self._check(args, using, statement.sql, params)
        return _run(statement, params, using, known)

    def _compile(self, shape, using) -> _Statement:
        first, second = _stand_ins(shape), _stand_ins(shape)
        queryset = self.build(*first)
        compiler = queryset.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
            other = self.build(*second).query.get_compiler(using=using)
            other_sql, other_params = other.as_sql()
        except EmptyResultSet as empty:
            raise _Uncompilable("the statement would read nothing") from empty
        if not sql or sql != other_sql or len(params) != len(other_params):
            raise _Uncompilable("the arguments change the statement's text")
        places, other_places = _places(first), _places(second)
        slots = []
        for param, other in zip(params, other_params, strict=True):
            if param == other:
                slots.append(None)
                continue
            slot = places.get(param) if type(param) in (int, datetime.date, str) else None
            if slot is None or other_places.get(other) != slot:
                raise _Uncompilable("a parameter follows an argument in another form")
            slots.append(slot)
        if {slot[:2] for slot in slots if slot} != {slot[:2] for slot in places.values()}:
            raise _Uncompilable("an argument is not a parameter of the statement")
        name = f"compiled_{next(_PREPARED_NAMES)}"
        return _Statement(queryset, compiler, sql, tuple(params), tuple(slots), name)

    def _check(self, args, using, sql, params) -> None:
        expected = self.build(*args).query.get_compiler(using=using).as_sql()
        if (sql, params) != (expected[0], tuple(expected[1])):
            raise CompiledQueryMismatch(
                f"{self.build.__qualname__}{args}: the compiled statement is not what the "
                f"function builds: it must build from its arguments only."
            )


def _argument(args, slot):
    position, index, form = slot
    value = args[position] if index is None else args[position][index]
    return value.isoformat() if form == _AS_TEXT else value


def _with_known(queryset, known: dict | None, *, chain: bool = True) -> list:
    if known:
        if chain:
            queryset = queryset._chain()
        queryset._known_related_objects = {
            queryset.model._meta.get_field(name): {obj.pk: obj} for name, obj in known.items()
        }
    return list(queryset)


def _run(statement: _Statement, params: tuple, using: str, known: dict | None) -> list:
    """The rows of ``statement`` with ``params``, through the queryset's own iterable (and
    its prefetches), on this thread's connection: a copy of the compiled compiler whose
    ``as_sql`` answers without compiling again, given to a copy of the queryset that is
    evaluated here and never handed out. On PostgreSQL, the statement prepared on the
    connection (``_prepared``), run with ``EXECUTE``."""
    compiler = copy.copy(statement.compiler)
    connection = connections[using]
    compiler.connection = connection
    name = _prepared(statement, connection)
    sql = statement.sql if name is None else _execute_statement(name, params)
    answer = (sql, params)
    compiler.as_sql = lambda *args, **kwargs: answer
    queryset = statement.queryset._chain()
    queryset.query.get_compiler = lambda *args, **kwargs: compiler
    return _with_known(queryset, known, chain=False)


_PREPARED_NAMES = itertools.count(1)


def _placeholders(sql: str) -> str:
    """``sql`` as PREPARE takes it: ``%s`` numbered (``$1``, ``$2`` …), ``%%`` a ``%``."""
    parts, number, position = [], 0, 0
    while (found := sql.find("%", position)) != -1:
        parts.append(sql[position:found])
        following = sql[found + 1 : found + 2]
        if following == "s":
            number += 1
            parts.append(f"${number}")
        elif following == "%":
            parts.append("%")
        else:
            raise ValueError(f"an unexpected % in {sql!r}")
        position = found + 2
    parts.append(sql[position:])
    return "".join(parts)


def _sql_type(param) -> str:
    """The type a parameter is declared with, as PostgreSQL would type it written out as
    psycopg2 writes it (``42`` a whole number, ``'2026-12-01'::date`` a date): declared, so
    that a parameter outside any comparison (``CASE … THEN 0``, ``SELECT 1 AS a``) comes
    back as the number it is, not as text. Anything else is left to PostgreSQL."""
    kind = type(param)
    if kind is bool:
        return "boolean"
    if kind is int:
        return "bigint"
    if kind is datetime.date:
        return "date"
    if kind is datetime.datetime:
        return "timestamptz" if param.tzinfo else "timestamp"
    if kind is decimal.Decimal or kind is float:  # psycopg2 writes both as numerals
        return "numeric"
    # Text, as psycopg2 writes it ('…'), has no type until the statement gives it one
    # (an id compared with a number column, a word with a text column): left to infer.
    return "unknown"


def _prepared(statement: _Statement, connection) -> str | None:
    """The name ``statement`` is prepared under on ``connection`` (prepared now if it is
    not yet), or None: not PostgreSQL, not wanted (``COMPILED_QUERIES_PREPARED``), or
    refused (logged once), in which case it runs as it is."""
    if statement.refused:
        return None
    if _prepare(connection, statement.name, statement.sql, statement.params):
        return statement.name
    statement.refused = connection.vendor == "postgresql" and _wanted()
    return None


def _wanted() -> bool:
    return bool(getattr(settings, "COMPILED_QUERIES_PREPARED", False))


def _prepare(connection, name: str, sql: str, params) -> bool:
    """Whether ``sql`` is prepared as ``name`` on ``connection``, preparing it now if it is
    not yet (its parameters typed as ``params`` are, ``_sql_type``).

    Prepared on the driver's own cursor, as Django sets a new connection up (its time
    zone, say): once per connection, not a statement of the request that asked first. A
    prepared statement outlives the transaction it was prepared in (PostgreSQL's
    ``PREPARE`` is not transactional), so a rollback keeps it; a new connection prepares
    again. Inside a transaction a refusal is rolled back to a savepoint of its own, so that
    the transaction goes on."""
    if connection.vendor != "postgresql" or not _wanted():
        return False
    # As Django's cursor does first (once a request): a connection the server dropped is
    # replaced now, so that the statement is prepared where it will run.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    kept = connection.__dict__.get("_compiled_prepared")
    if kept is None or kept[0] is not raw:
        kept = connection.__dict__["_compiled_prepared"] = (raw, set())
    if name in kept[1]:
        return True
    types = ", ".join(_sql_type(param) for param in params)
    declared = f" ({types})" if types else ""
    prepare = f"PREPARE {name}{declared} AS {_placeholders(sql)}"
    in_transaction = connection.in_atomic_block or not connection.get_autocommit()
    with raw.cursor() as cursor:
        if in_transaction:
            cursor.execute("SAVEPOINT compiled_prepare")
        try:
            cursor.execute(prepare)
        except connection.Database.Error:
            if in_transaction:
                cursor.execute("ROLLBACK TO SAVEPOINT compiled_prepare")
            logger.warning("Run unprepared: %s", sql, exc_info=True)
            return False
        finally:
            if in_transaction:
                cursor.execute("RELEASE SAVEPOINT compiled_prepare")
    kept[1].add(name)
    return True


def _execute_statement(name: str, params) -> str:
    return f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"


_RAW_NAMES: dict[str, str] = {}  # raw SQL → its name as a prepared statement
_RAW_REFUSED: set[str] = set()


def execute(cursor, sql: str, params) -> None:
    """``cursor.execute(sql, params)`` for a statement written in SQL whose text is the same
    on every call (positional ``%s`` parameters, their types the same on every call),
    prepared on PostgreSQL as the compiled reads are."""
    connection = cursor.db
    name = _RAW_NAMES.get(sql)
    if name is None:
        name = _RAW_NAMES.setdefault(sql, f"raw_{next(_PREPARED_NAMES)}")
    if sql not in _RAW_REFUSED and _prepare(connection, name, sql, params):
        cursor.execute(_execute_statement(name, params), params)
        return
    if connection.vendor == "postgresql" and _wanted():
        _RAW_REFUSED.add(sql)
    cursor.execute(sql, params)


def compiled(build) -> CompiledQuery:
    """``@compiled``: see the module's docstring."""
    return CompiledQuery(build)
