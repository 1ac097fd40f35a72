"""``alianzas.compiled``: a query's SQL compiled once per shape of its arguments gives the
rows the queryset gives, for any arguments; what cannot be compiled safely runs as it is;
an impure function is caught by the check the suite runs on every call."""

import datetime
import os
import threading

import pytest
from django.db import connection, transaction
from django.db.models import Case, Count, Exists, OuterRef, Value, When
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from alianzas.compiled import CompiledQuery, CompiledQueryMismatch, compiled
from alianzas.models import Alliance, Membership
from seguimiento.models import Commitment
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    MembershipFactory,
)
from tests.processes import run_python

pytestmark = pytest.mark.django_db


def _members(alliance_id, cycle):
    committed = Commitment.objects.filter(
        alliance=OuterRef("alliance_id"), actor=OuterRef("actor_id"), cycle=cycle
    )
    return (
        Membership.objects.filter(alliance_id=alliance_id, left_on__isnull=True)
        .select_related("actor")
        .annotate(committed=Exists(committed))
        .order_by("joined_on", "pk")
    )


members = compiled(_members)


@pytest.fixture
def alliances():
    made = []
    for size in (3, 1, 2):
        alliance = AllianceFactory()
        for index in range(size):
            membership = MembershipFactory(alliance=alliance, actor=ActorFactory())
            if index % 2 == 0:
                CommitmentFactory(alliance=alliance, actor=membership.actor, cycle=alliance.cycle)
        made.append(alliance)
    return made


def _facts(rows):
    return [(m.pk, m.actor.name, m.committed) for m in rows]


def test_the_rows_are_the_querysets_for_every_argument(alliances):
    for alliance in alliances:
        for cycle in (alliance.cycle, alliance.cycle + 1):
            assert _facts(members(alliance.pk, cycle)) == _facts(_members(alliance.pk, cycle))
    assert any(m.committed for m in members(alliances[0].pk, alliances[0].cycle))


def test_the_sql_is_compiled_once_per_shape(alliances, monkeypatch):
    fresh = CompiledQuery(_members)
    fresh(alliances[0].pk, 1)
    compilations = []
    original = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        compilations.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    monkeypatch.setattr("django.conf.settings.COMPILED_QUERIES_CHECK", False)
    with CaptureQueriesContext(connection) as captured:
        rows = fresh(alliances[1].pk, 1)
    assert compilations == []
    assert len(captured.captured_queries) == 1
    assert _facts(rows) == _facts(_members(alliances[1].pk, 1))


def test_lists_of_ids_of_each_length(alliances):
    by_ids = compiled(
        lambda ids: Alliance.objects.filter(pk__in=ids).annotate(n=Count("memberships"))
    )
    for ids in ([alliances[0].pk], [a.pk for a in alliances], [alliances[2].pk, alliances[0].pk]):
        assert {(a.pk, a.n) for a in by_ids(ids)} == {
            (a.pk, a.memberships.count()) for a in Alliance.objects.filter(pk__in=ids)
        }
    # An empty list is run as it is (Django reads nothing for it).
    assert by_ids([]) == []


def test_arguments_that_are_not_numbers_are_run_as_they_are(alliances):
    by_name = compiled(lambda name: Alliance.objects.filter(name=name))
    assert [a.pk for a in by_name(alliances[1].name)] == [alliances[1].pk]


def test_an_argument_that_changes_the_text_leaves_the_function_uncompiled(alliances, caplog):
    def branching(alliance_id):
        queryset = Alliance.objects.filter(pk=alliance_id)
        return queryset.filter(cycle__gte=1) if alliance_id % 2 else queryset

    query = CompiledQuery(branching)
    for alliance in alliances:
        assert [a.pk for a in query(alliance.pk)] == [alliance.pk]
    assert "run uncompiled" in caplog.text


def test_an_impure_function_is_caught_by_the_check(alliances):
    chosen = {"cycle": 1}
    impure = CompiledQuery(lambda alliance_id: Alliance.objects.filter(pk=alliance_id, **chosen))
    impure(alliances[0].pk)
    chosen["cycle"] = 2
    with pytest.raises(CompiledQueryMismatch):
        impure(alliances[0].pk)


def test_known_objects_are_set_without_a_query(alliances):
    alliance = alliances[0]
    rows = members(alliance.pk, alliance.cycle, known={"alliance": alliance})
    with CaptureQueriesContext(connection) as captured:
        assert all(m.alliance is alliance for m in rows)
    assert captured.captured_queries == []


@pytest.mark.django_db(transaction=True)
def test_another_thread_runs_it_on_its_own_connection():
    alliance = AllianceFactory()
    MembershipFactory(alliance=alliance, actor=ActorFactory(name="Hilo"))
    members(alliance.pk, 1)  # compiled on this thread's connection
    found = []

    def read():
        try:
            found.append([m.actor.name for m in members(alliance.pk, 1)])
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert found == [["Hilo"]]


def test_the_pages_compile_every_query_they_compile(client):
    """The alliance page, the dashboard, the monitoring view and Mis compromisos, seen by
    their people: every compiled query they run is compiled (none left running uncompiled
    because its arguments change its text)."""
    from django.urls import reverse

    from alianzas.lifecycle import Phase
    from tests.factories import (
        ActionPointFactory,
        DecisionFactory,
        IndicatorFactory,
        MeasurementFactory,
        MeetingFactory,
        ObjectiveFactory,
        RiskFactory,
        UserFactory,
    )

    coordinator, representative = UserFactory(), UserFactory()
    alliance = AllianceFactory(coordinators=[coordinator])
    Alliance.objects.filter(pk=alliance.pk).update(phase=Phase.MONITORING)
    actors = [ActorFactory(representatives=[representative]), ActorFactory()]
    for actor in actors:
        MembershipFactory(alliance=alliance, actor=actor)
        CommitmentFactory(alliance=alliance, actor=actor, cycle=1)
    indicator = IndicatorFactory(objective=ObjectiveFactory(alliance=alliance))
    MeasurementFactory(indicator=indicator)
    RiskFactory(alliance=alliance, likelihood=3, impact=3)
    decision = DecisionFactory(meeting=MeetingFactory(alliance=alliance))
    ActionPointFactory(decision=decision, owner_actor=actors[0], owner=representative)
    for query in CompiledQuery.every:
        query._statements.clear()

    client.force_login(coordinator)
    for url in (
        reverse("fases:alliance_detail", args=[alliance.pk]),
        reverse("fases:dashboard"),
        reverse("seguimiento:monitoring", args=[alliance.pk]),
    ):
        assert client.get(url).status_code == 200
    client.force_login(representative)
    assert client.get(reverse("seguimiento:my_commitments")).status_code == 200

    used = {query.__name__: query._statements for query in CompiledQuery.every if query._statements}
    assert len(used) >= 15, sorted(used)
    left = {name for name, statements in used.items() if None in statements.values()}
    assert left == set(), f"run uncompiled: {sorted(left)}"


# --- Dates: today is an argument ----------------------------------------------------


def _overdue(alliance_id, today):
    return Commitment.objects.filter(alliance_id=alliance_id, due_date__lt=today).order_by("pk")


def test_a_date_argument_is_compiled_and_gives_the_querysets_rows():
    alliance = AllianceFactory()
    due = [datetime.date(2026, 3, day) for day in (1, 10, 20)]
    made = [CommitmentFactory(alliance=alliance, due_date=day) for day in due]
    overdue = CompiledQuery(_overdue)
    for today in (datetime.date(2026, 2, 1), datetime.date(2026, 3, 10), datetime.date(2027, 1, 1)):
        expected = list(_overdue(alliance.pk, today))
        assert overdue(alliance.pk, today) == expected
    assert overdue(alliance.pk, datetime.date(2026, 3, 15)) == made[:2]
    # Compiled (on PostgreSQL the date is a parameter as it is, on SQLite as its text).
    assert list(overdue._statements.values()) != [None]


def test_a_date_worked_out_inside_the_function_leaves_it_uncompiled(caplog):
    alliance = AllianceFactory()
    made = CommitmentFactory(alliance=alliance, due_date=datetime.date(2026, 3, 2))
    # The day after ``today``: a parameter that is not the argument itself.
    next_day = CompiledQuery(
        lambda alliance_id, today: _overdue(alliance_id, today + datetime.timedelta(days=1))
    )
    assert next_day(alliance.pk, datetime.date(2026, 3, 1)) == []
    assert next_day(alliance.pk, datetime.date(2026, 3, 2)) == [made]
    assert list(next_day._statements.values()) == [None]
    assert "run uncompiled" in caplog.text


def test_a_moment_is_not_a_date_and_runs_as_it_is():
    alliance = AllianceFactory()
    made = CommitmentFactory(alliance=alliance, due_date=datetime.date(2026, 3, 2))
    updated_before = CompiledQuery(
        lambda alliance_id, moment: Commitment.objects.filter(
            alliance_id=alliance_id, updated_at__lt=moment
        )
    )
    later = made.updated_at + datetime.timedelta(seconds=1)
    assert updated_before(alliance.pk, later) == [made]
    assert updated_before._statements == {}  # a datetime is no date: never compiled


@pytest.mark.skipif(connection.vendor == "sqlite", reason="this is the run that starts the other")
def test_date_arguments_behave_the_same_on_sqlite(tmp_path):
    """On SQLite (the embedded default) a date reaches the statement as its text."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'compiled.sqlite3'}",
        "CI": "",
    }
    outcome = run_python(
        ["-m", "pytest", "-p", "no:cacheprovider", "-q", __file__, "-k", "date_"],
        environment,
        timeout=900,
    )
    assert outcome.returncode == 0, outcome.stdout[-4000:] + outcome.stderr[-2000:]
    assert "3 passed" in outcome.stdout, outcome.stdout[-2000:]


# --- Prepared on PostgreSQL -----------------------------------------------------------


def _closed_first(alliance_id):
    """A read whose parameters are not all compared with a column: a number in a CASE."""
    return (
        Commitment.objects.filter(alliance_id=alliance_id)
        .annotate(closed=Case(When(status="done", then=Value(1)), default=Value(0)))
        .order_by("-closed", "pk")
    )


def test_a_compiled_read_runs_prepared_with_the_rows_and_types_it_builds():
    alliance = AllianceFactory()
    CommitmentFactory(alliance=alliance)
    query = CompiledQuery(_closed_first)
    query(alliance.pk)  # prepared on this connection
    with CaptureQueriesContext(connection) as captured:
        rows = query(alliance.pk)
    assert [sql["sql"].split("(")[0] for sql in captured.captured_queries] == [
        f"EXECUTE {next(iter(query._statements.values())).name}"
    ]
    built = list(_closed_first(alliance.pk))
    assert [(c.pk, c.closed) for c in rows] == [(c.pk, c.closed) for c in built]
    # The CASE's numbers come back as numbers, as they do unprepared (not as text).
    assert all(type(c.closed) is int for c in rows)


def test_without_the_setting_it_runs_unprepared(settings):
    settings.COMPILED_QUERIES_PREPARED = False
    alliance = AllianceFactory()
    query = CompiledQuery(_closed_first)
    with CaptureQueriesContext(connection) as captured:
        query(alliance.pk)
        query(alliance.pk)
    assert [sql["sql"].startswith("SELECT") for sql in captured.captured_queries] == [True] * 2


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_it_again():
    alliance = AllianceFactory()
    made = CommitmentFactory(alliance=alliance)
    query = CompiledQuery(_closed_first)
    assert query(alliance.pk) == [made]
    connection.close()  # as CONN_MAX_AGE or a failed health check closes it
    assert query(alliance.pk) == [made]
    # Prepared inside a transaction that is rolled back: still prepared (PostgreSQL's
    # PREPARE is not transactional), so the next call's EXECUTE finds it.
    connection.close()

    def read_then_fail():
        with transaction.atomic():
            query(alliance.pk)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        read_then_fail()
    assert query(alliance.pk) == [made]


def test_a_statement_postgresql_refuses_runs_unprepared_and_spoils_no_transaction(
    monkeypatch, caplog
):
    alliance = AllianceFactory()
    made = CommitmentFactory(alliance=alliance)
    monkeypatch.setattr("alianzas.compiled._placeholders", lambda sql: "SELEC nothing")
    query = CompiledQuery(_closed_first)
    with transaction.atomic():
        assert query(alliance.pk) == [made]
        # The transaction goes on: the refusal was rolled back to a savepoint of its own.
        assert Commitment.objects.filter(pk=made.pk).exists()
    assert "Run unprepared" in caplog.text
    assert all(statement.refused for statement in query._statements.values())


def test_the_placeholders_are_numbered_and_percent_signs_kept():
    from alianzas.compiled import _placeholders

    assert _placeholders("a = %s AND b LIKE '%%x' AND c IN (%s, %s)") == (
        "a = $1 AND b LIKE '%x' AND c IN ($2, $3)"
    )


def test_a_statement_written_in_sql_runs_prepared_with_the_same_rows():
    from alianzas import compiled as compiled_module

    alliance = AllianceFactory()
    made = CommitmentFactory(alliance=alliance)
    CommitmentFactory(alliance=alliance, description="Otra cosa")
    # An id written as text (as ``seguimiento.due`` binds them) takes the column's type.
    sql = (
        "SELECT id FROM seguimiento_commitment WHERE alliance_id IN (%s) "
        "AND description LIKE %s ORDER BY id"
    )
    params = [str(alliance.pk), "Financiar%"]
    with connection.cursor() as cursor:
        compiled_module.execute(cursor, sql, params)
        first = cursor.fetchall()
    with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
        compiled_module.execute(cursor, sql, params)
        second = cursor.fetchall()
    assert first == second == [(made.pk,)]
    assert captured.captured_queries[0]["sql"].startswith("EXECUTE raw_")


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_replaced_before_preparing():
    """The first read of a request may be a compiled one: it checks the connection as
    Django's cursor does (once a request), so that what it prepares is on the connection
    the statement then runs on."""
    import psycopg2

    alliance = AllianceFactory()
    made = CommitmentFactory(alliance=alliance)
    query = CompiledQuery(_closed_first)
    assert query(alliance.pk) == [made]
    assert connection.health_check_enabled
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    settings_dict = connection.settings_dict
    killer = psycopg2.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
    )
    try:
        killer.autocommit = True
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()
    connection.health_check_done = False  # as at the start of the next request
    assert query(alliance.pk) == [made]
