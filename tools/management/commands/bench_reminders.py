"""Time the reminder sweep over a large synthetic dataset.

    createdb -h 127.0.0.1 -U postgres alianzas_remindersbench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/alianzas_remindersbench
    python manage.py migrate
    python manage.py bench_reminders --commitments 1000000

It fills the database up to the totals asked for with ``seed_demo`` (idempotent, so a
larger run reuses a smaller one's rows), gives every synthetic actor a representative
and every ten synthetic alliances a coordinator (half of them reading Spanish, half
English), forgets every reminder and stored e-mail, and then runs, each in a process of
its own so that the peak memory is the sweep's: ``send_reminders --dry-run``, a first
``send_reminders`` (everything due is new) and a second one (nothing is). The send tasks
go to an in-memory broker: the figures are the beat task's work (recording, composing
and queuing), not the mail server's.

Before the sweep it measures the sweep's floor on the same database: the rules' own
``INSERT … SELECT`` statements (``reminders.recording_statements``, the ones the sweep
executes), run bare in one transaction and committed; the best of ``FLOOR_RUNS`` runs,
the first of which also warms the cache for the sweep. Their reminders are forgotten
after each run (deleted, the table vacuumed), so the sweep starts from none, as the floor.

It writes and deletes rows, so it refuses a database whose name lacks "bench" unless
``--force`` is given.

``--json`` times the beat task itself (``--run-task``, in a process of its own): the
function Celery runs on a worker, not ``send_reminders``, whose first message queued
would also pay for opening the broker connection, which a running worker has open.
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from alianzas.models import Actor, Alliance, User
from seguimiento import reminders
from seguimiento.models import OutgoingMessage, Reminder
from tools.bench.data import add_scale_arguments

ALLIANCES_PER_COORDINATOR = 10
# The sweep's data by default: a million commitments over make bench's alliances and actors,
# no measurements (the sweep reads none).
SWEEP_SCALE = {"alliances": 10_000, "actors": 2_000, "commitments": 1_000_000, "measurements": 0}
# The floor is the best of this many runs of the bare statements.
FLOOR_RUNS = 2


@dataclass(frozen=True)
class Floor:
    seconds: float
    recorded: int


class Command(BaseCommand):
    help = "Time the reminder sweep over synthetic data (writes to the database)."

    def add_arguments(self, parser):
        add_scale_arguments(parser, SWEEP_SCALE)
        parser.add_argument(
            "--write-queued",
            action="store_true",
            help="Only write the messages the sweep queued for writing, as workers would, "
            "and say how long it took (the benchmark runs this in a process of its own).",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="Run only the first sweep and print its figures as one line of JSON "
            "(what `make bench` reads).",
        )
        parser.add_argument(
            "--run-task",
            action="store_true",
            help="Only run the beat task (seguimiento.sweep_reminders) once, as a worker "
            "runs it, and print its figures as one line of JSON (--json runs this in a "
            "process of its own).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even if the database's name does not contain 'bench'.",
        )

    def handle(self, *args, **options):
        if options["write_queued"]:
            self.write_queued()
            return
        if options["run_task"]:
            self.stdout.write(json.dumps(self.run_task()))
            return
        name = str(connection.settings_dict["NAME"])
        if "bench" not in name and not options["force"]:
            raise CommandError(
                f"bench_reminders writes and deletes rows; {name!r} does not look like a "
                "benchmark database (its name lacks 'bench'). Use --force to run anyway."
            )
        started = time.monotonic()
        call_command(
            "seed_demo",
            actors=options["actors"],
            alliances=options["alliances"],
            commitments=options["commitments"],
            measurements=options["measurements"],
            verbosity=0 if options["json"] else 1,
        )
        self.stdout.write(f"Seeded in {time.monotonic() - started:.1f} s.")
        self.give_people()
        self.forget_reminders()
        floor = self.floor()
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"Commitments: {self.count('seguimiento_commitment')}, "
                f"alliances: {self.count('alianzas_alliance')}, "
                f"database: {connection.vendor}"
            )
        )
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        if options["json"]:
            figures = json.loads(self.run([*manage, "bench_reminders", "--run-task"], quiet=True))
            figures["commitments"] = self.count("seguimiento_commitment")
            figures["floor_seconds"] = floor.seconds
            figures["floor_recorded"] = floor.recorded
            self.stdout.write(json.dumps(figures))
            return
        self.stdout.write(
            self.style.MIGRATE_HEADING("Floor: the rules' INSERT … SELECT, bare, one transaction")
        )
        self.stdout.write(
            f"{floor.recorded} reminders in {floor.seconds:.2f} s "
            f"(best of {FLOOR_RUNS}; committed, then forgotten)"
        )
        for title, command in (
            ("Dry run", [*manage, "send_reminders", "--dry-run"]),
            ("First sweep (everything due is new)", [*manage, "send_reminders"]),
            (
                "Writing the queued messages (the compose tasks, one after the other)",
                [*manage, "bench_reminders", "--write-queued"],
            ),
            ("Second sweep (nothing is new)", [*manage, "send_reminders"]),
        ):
            self.stdout.write(self.style.MIGRATE_HEADING(title))
            self.run(command)

    def floor(self) -> Floor:
        """The rules' statements as the sweep runs them (``recording_statements``), executed
        bare in one transaction and committed: what the sweep cannot go below. The best
        of ``FLOOR_RUNS``, each from no reminders at all, as the sweep starts."""
        now = timezone.now()
        today = timezone.localdate(now)
        best = None
        for _run in range(FLOOR_RUNS):
            recorded = 0
            started = time.monotonic()
            with transaction.atomic(), connection.cursor() as cursor:
                for statement in reminders.recording_statements(today=today, now=now):
                    cursor.execute(statement.sql, statement.params)
                    recorded += max(cursor.rowcount, 0)
            seconds = time.monotonic() - started
            self.forget_reminders()
            if best is None or seconds < best.seconds:
                best = Floor(seconds, recorded)
        return best

    def run_task(self) -> dict:
        """The beat task's work, timed: ``seguimiento.sweep_reminders`` run in this process
        through Celery as a worker runs it (recording, recovery, the claim and the queuing
        of the messages to write; the broker is in memory). Before the clock starts, the
        broker connection is opened and the result backend loaded, as a running worker's
        already are; the database connection is not: ``CONN_MAX_AGE`` (a minute) is
        shorter than beat's period, so each sweep starts with a new one, as here."""
        from celery import current_app

        from seguimiento.management.commands.send_reminders import peak_memory_mb
        from seguimiento.reminders import sweep_reminders

        with current_app.producer_or_acquire() as producer:
            producer.connection.ensure_connection()
        sweep_reminders.backend  # noqa: B018 - loaded once per worker, not per task
        connection.close()
        # The two steps' times, read around the functions the task calls.
        seconds = {}
        package = sys.modules["seguimiento.reminders"]
        steps = {"record": "record_due_reminders", "claim": "claim_messages"}
        functions = {step: getattr(package, step) for step in steps.values()}
        for name, step in steps.items():

            def timed(*args, _function=functions[step], _name=name, **kwargs):
                started = time.monotonic()
                try:
                    return _function(*args, **kwargs)
                finally:
                    seconds[_name] = time.monotonic() - started

            setattr(package, step, timed)
        try:
            cpu = time.process_time()
            started = time.monotonic()
            summary = sweep_reminders.apply(throw=True).get()
            wall = time.monotonic() - started
            cpu = time.process_time() - cpu
        finally:
            for step, function in functions.items():
                setattr(package, step, function)
        return {
            "seconds": wall,
            "record_seconds": seconds["record"],
            # Recovering lost messages (a few statements), the claim and the queuing.
            "claim_seconds": wall - seconds["record"],
            "claim_only_seconds": seconds["claim"],
            # The process's own work; the rest of the wall time is PostgreSQL's.
            "cpu_seconds": cpu,
            "memory_mb": peak_memory_mb(),
            "recorded": summary["recorded"],
            "queued": summary["messages"],
        }

    def write_queued(self) -> None:
        """What the workers do after a sweep: write every message claimed for writing."""
        from seguimiento.management.commands.send_reminders import peak_memory_mb

        started = time.monotonic()
        ids = list(
            OutgoingMessage.objects.filter(status=OutgoingMessage.Status.COMPOSING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        written = 0
        for start in range(0, len(ids), reminders.COMPOSE_BATCH):
            written += reminders.compose_messages(ids[start : start + reminders.COMPOSE_BATCH])
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Messages written and queued for sending: {written} in {seconds:.2f} s "
            f"({1000 * seconds / max(written, 1):.1f} ms each; "
            f"{reminders.COMPOSE_BATCH} a task); peak memory {peak_memory_mb():.0f} MB."
        )

    @staticmethod
    def count(table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # nosec B608 - a model's db_table
            return cursor.fetchone()[0]

    def give_people(self) -> None:
        """A representative for each synthetic actor, a coordinator for every ten synthetic
        alliances; created once, in bulk."""
        password = make_password(None)
        actors = list(
            Actor.objects.filter(name__startswith="Actor sintético ")
            .filter(representatives__isnull=True)
            .values_list("pk", flat=True)
        )
        users = [
            User(
                username=f"rep.bench.{pk}",
                email=f"rep.bench.{pk}@bench.example",
                first_name="Rep",
                language="en" if pk % 2 else "es-pe",
                password=password,
            )
            for pk in actors
        ]
        User.objects.bulk_create(users, batch_size=5000, ignore_conflicts=True)
        ids = dict(
            User.objects.filter(username__startswith="rep.bench.").values_list("username", "pk")
        )
        Actor.representatives.through.objects.bulk_create(
            [
                Actor.representatives.through(actor_id=pk, user_id=ids[f"rep.bench.{pk}"])
                for pk in actors
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
        alliances = list(
            Alliance.objects.filter(name__startswith="Alianza sintética ")
            .filter(coordinators__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        numbers = {pk // ALLIANCES_PER_COORDINATOR for pk in alliances}
        User.objects.bulk_create(
            [
                User(
                    username=f"coord.bench.{number}",
                    email=f"coord.bench.{number}@bench.example",
                    first_name="Coord",
                    language="en" if number % 2 else "es-pe",
                    password=password,
                )
                for number in numbers
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
        ids = dict(
            User.objects.filter(username__startswith="coord.bench.").values_list("username", "pk")
        )
        Alliance.coordinators.through.objects.bulk_create(
            [
                Alliance.coordinators.through(
                    alliance_id=pk,
                    user_id=ids[f"coord.bench.{pk // ALLIANCES_PER_COORDINATOR}"],
                )
                for pk in alliances
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
        self.stdout.write(
            f"People: {len(actors)} representatives and {len(alliances)} coordinations added."
        )

    def forget_reminders(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Reminder._meta.db_table}")  # nosec B608 - db_table
            cursor.execute(f"DELETE FROM {OutgoingMessage._meta.db_table}")  # nosec B608 - db_table
            if connection.vendor == "postgresql":
                cursor.execute(f"VACUUM ANALYZE {Reminder._meta.db_table}")
                cursor.execute("ANALYZE")

    def run(self, command: list[str], *, quiet: bool = False) -> str:
        # An in-memory broker: tasks are queued (as on a real broker), not run.
        env = {**os.environ, "CELERY_BROKER_URL": "memory://"}
        started = time.monotonic()
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        if result.returncode:
            raise CommandError(result.stderr)
        if quiet:
            return result.stdout.strip().splitlines()[-1]
        for line in result.stdout.splitlines():
            if not line.startswith("  ") or "×" not in line:  # the totals, not each person
                self.stdout.write(line)
        self.stdout.write(f"(process wall time, with Django's start-up: {wall:.2f} s)")
        return result.stdout
