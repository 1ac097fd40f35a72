"""Faults: the broker stops, PostgreSQL restarts, a worker is killed in the middle of a send.

Each test starts throwaway servers of its own (a Redis, a PostgreSQL cluster) and stops
them itself; the shared PostgreSQL and Redis are never touched. Under ``CI=true`` a missing
``redis-server`` or PostgreSQL server binaries fail these tests instead of skipping them.
"""

import datetime
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from alianzas.lifecycle import Phase
from alianzas.models import Alliance, PhaseChange
from seguimiento import reminders
from seguimiento.models import CommitmentUpdate, Export, OutgoingMessage, Reminder
from seguimiento.reminders.tasks import send_reminder_message, sweep_reminders
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    MembershipFactory,
    UserFactory,
    ready_for_implementation,
    sign_agreement_for_every_member,
)
from tests.processes import run_python
from tests.support import forget_broker_connections, require_service, worker_on_redis

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not reached in {timeout} s: {condition.__doc__}")


# --- A Redis of the test's own ----------------------------------------------------------


class ThrowawayRedis:
    """``redis-server`` on a free port, without persistence: stopping it loses whatever
    was queued in it, as a crashed broker would."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        require_service(self.binary is not None, "redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)

        def answers() -> bool:
            """the throwaway Redis answers"""
            try:
                return client.ping()
            except redis.RedisError:
                return False

        wait_for(answers, timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis():
    server = ThrowawayRedis()
    yield server
    server.stop()


@contextmanager
def broker(url: str):
    """This process queues tasks on the broker at ``url`` (not in-process)."""
    from config.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    forget_broker_connections(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        forget_broker_connections(app)


def overdue_team(size: int):
    """``size`` representatives of as many actors, each owing an overdue commitment."""
    alliance = AllianceFactory()
    people = []
    for number in range(size):
        person = UserFactory(username=f"falla-{number}")
        actor = ActorFactory(representatives=[person])
        MembershipFactory(alliance=alliance, actor=actor)
        CommitmentFactory(
            alliance=alliance,
            actor=actor,
            due_date=timezone.localdate() - datetime.timedelta(days=10),
        )
        people.append(person)
    return alliance, people


# --- Redis stopped ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_pages_and_changes_work_and_reminders_go_out_once_it_is_back(
    client, own_redis, monkeypatch, settings
):
    # As docker-compose.yml deploys it: the broker and the cache (and through it the
    # sessions) on one Redis.
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": own_redis.url.replace("/0", "/1"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    coordinator = UserFactory(username="coordinadora-falla")
    alliance = ready_for_implementation(AllianceFactory(coordinators=[coordinator]))
    representative = UserFactory(username="representante-falla")
    actor = ActorFactory(representatives=[representative])
    MembershipFactory(alliance=alliance, actor=actor)
    commitment = CommitmentFactory(alliance=alliance, actor=actor)
    sign_agreement_for_every_member(alliance)  # the member added after the others signed
    _, people = overdue_team(3)
    client.force_login(coordinator)

    # Which requests reach for the broker: the connections opened to its database (0; the
    # cache is database 1 of the same server).
    broker_attempts = []
    original_connect = redis.connection.AbstractConnection.connect

    def counting_connect(connection_self):
        if connection_self.db == 0:
            broker_attempts.append(connection_self.port)
        return original_connect(connection_self)

    monkeypatch.setattr(redis.connection.AbstractConnection, "connect", counting_connect)

    with broker(own_redis.url):  # never started: nothing listens on its port
        assert client.get(reverse("fases:dashboard")).status_code == 200
        assert client.get(reverse("fases:alliance_detail", args=[alliance.pk])).status_code == 200
        moved = client.post(
            reverse("fases:change_phase", args=[alliance.pk, "start_implementation"])
        )
        assert moved.status_code == 302
        assert Alliance.objects.get(pk=alliance.pk).phase == Phase.IMPLEMENTATION
        assert PhaseChange.objects.filter(alliance=alliance).count() == 1
        # Pages and a change of phase never reach for the broker, so they cannot wait on it.
        assert broker_attempts == [], "a page or a change of phase contacted the broker"
        # An export needs a worker: it is refused visibly instead of failing the request,
        # because the broker refused the connection (no wait for a timeout).
        exported = client.post(
            reverse("seguimiento:export_create", args=[alliance.pk, "commitments_csv"])
        )
        assert exported.status_code == 302
        assert Export.objects.get().status == Export.Status.FAILED
        assert broker_attempts
        assert set(broker_attempts) == {own_redis.port}
        assert "refused" in Export.objects.get().error.lower(), Export.objects.get().error
        attempts_before_progress = len(broker_attempts)
        client.force_login(representative)
        logged = client.post(
            reverse("seguimiento:log_progress", args=[alliance.pk, commitment.pk]),
            {"progress": "40", "note": "sin broker"},
        )
        assert logged.status_code == 302
        assert CommitmentUpdate.objects.filter(note="sin broker").count() == 1
        assert len(broker_attempts) == attempts_before_progress, "progress reached the broker"

        # The sweep (by hand: beat cannot queue it) records everything due; queuing the
        # writing of the messages fails, is logged, and leaves them stored.
        report = reminders.sweep()
        assert sum(report.recorded.values()) >= len(people)
        recipients = set(Reminder.objects.values_list("recipient__username", flat=True))
        assert {p.username for p in people} <= recipients
        assert len(report.claimed.message_ids) == len(recipients)
        assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {"composing"}
        assert mail.outbox == []

        # The broker comes back, empty; a worker starts, and beat's next sweep (ten
        # minutes on: LOST_AFTER) finds the messages whose task was lost.
        own_redis.start()
        with worker_on_redis(own_redis.url, pool="threads", concurrency=2):
            monkeypatch.setattr(reminders, "LOST_AFTER", datetime.timedelta(0))
            sweep_reminders.delay()

            def all_sent() -> bool:
                """every stored message sent"""
                return set(OutgoingMessage.objects.values_list("status", flat=True)) == {
                    "sent"
                } and len(mail.outbox) >= len(recipients)

            wait_for(all_sent)
            sweep_reminders.delay()  # and once more: nothing is sent twice
            time.sleep(1.5)

    delivered = Counter(message.to[0] for message in mail.outbox)
    expected = set(Reminder.objects.values_list("recipient__email", flat=True))
    assert delivered == Counter(expected), delivered
    assert set(Reminder.objects.values_list("email_status", flat=True)) == {"included"}


def test_the_cache_keeps_one_client_that_reconnects_after_redis_restarts_and_forks(own_redis):
    """config.cache builds the redis client once per pool, not once per call: the same
    client must answer after Redis comes back and in a process forked from this one (as
    gunicorn forks its workers)."""
    from config.cache import TolerantRedisCache

    cache = TolerantRedisCache(
        own_redis.url.replace("/0", "/1"),
        {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}},
    )
    own_redis.start()
    try:
        cache.set("kept", 1)
        client = cache._cache.get_client()
        assert cache.get("kept") == 1
        assert cache._cache.get_client(write=True) is client

        own_redis.stop()
        assert cache.get("kept", "missed") == "missed"  # down: a miss, not an error
        own_redis.start()
        TolerantRedisCache._down_until = 0.0
        cache.set("kept", 2)
        assert cache.get("kept") == 2
        assert cache._cache.get_client() is client

        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports through its exit status
            ok = cache.get("kept") == 2 and cache._cache.get_client() is client
            cache.set("from-the-child", 3)
            os._exit(0 if ok else 1)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert cache.get("from-the-child") == 3
    finally:
        TolerantRedisCache._down_until = 0.0


# --- PostgreSQL restarted ---------------------------------------------------------------


def pg_bindir() -> Path | None:
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
    return Path(result.stdout.strip()) if result.returncode == 0 else None


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory, on a free port, trusting local
    connections. PostgreSQL refuses to run as root, so as root it runs as ``postgres``."""

    def __init__(self):
        bindir = pg_bindir()
        available = bindir is not None and (bindir / "initdb").exists()
        require_service(available, "the PostgreSQL server binaries (initdb, pg_ctl)")
        self.bindir = bindir
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="alianzas-pg-"))
        self.data = self.directory / "data"
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.directory, user="postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/alianzas_faults"

    def run(self, *command: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bindir / command[0]), *command[1:]],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def pg_ctl(self, *action: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.directory / "log"), "-o", options,
            "-w", *action,
        )  # fmt: skip

    def create(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")
        self.pg_ctl("start")
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                 "alianzas_faults")  # fmt: skip

    def backends(self) -> list[int]:
        """The pids of the server processes serving the application's database."""
        result = subprocess.run(
            [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
             "postgres", "-tAc", "SELECT pid FROM pg_stat_activity WHERE datname ="
             " 'alianzas_faults' AND pid <> pg_backend_pid()"],
            capture_output=True, text=True, check=True, timeout=10,
        )  # fmt: skip
        return sorted(int(pid) for pid in result.stdout.split())

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m",
                 "immediate", "-w", "stop"],
                capture_output=True, timeout=60,
            )  # fmt: skip
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def own_postgres():
    cluster = ThrowawayPostgres()
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.remove()


class Browser:
    """A signed-in person's requests over plain HTTP, cookies and CSRF token included."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, content
        finally:
            conn.close()

    def sign_in(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/cuenta/login/")
        assert status == 200, page[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        from urllib.parse import urlencode

        form = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        status, page = self.request("POST", "/cuenta/login/", form)
        assert status == 302, page[:500]


@contextmanager
def gunicorn(env: dict, port: int):
    """The app under gunicorn: one worker process, one thread, so every request uses the
    same persistent database connection (CONN_MAX_AGE) — the one a restart breaks."""
    log = open(Path(tempfile.gettempdir()) / f"alianzas-gunicorn-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "1", "--timeout", "30"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip

    def listening() -> bool:
        """gunicorn listens"""
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_for(listening, timeout=20)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_after_postgresql_restarts_the_next_request_succeeds_without_manual_action(own_postgres):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": own_postgres.url,
        "CONN_MAX_AGE": "60",
        "DEBUG": "false",
        "DJANGO_SUPERUSER_PASSWORD": "reinicio-2026-clave",
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
    }
    for command in (
        ["migrate", "--noinput"],
        ["createsuperuser", "--noinput", "--username", "reinicio", "--email", "r@example.pe"],
    ):
        result = run_python(["manage.py", *command], env)
        assert result.returncode == 0, result.stderr[-2000:]

    port = free_port()
    with gunicorn(env, port):
        browser = Browser(port)
        browser.sign_in("reinicio", "reinicio-2026-clave")
        assert browser.request("GET", "/")[0] == 200
        assert browser.request("GET", "/alianzas/")[0] == 200
        # One persistent connection, kept between requests.
        before = own_postgres.backends()
        assert len(before) == 1, before

        own_postgres.pg_ctl("restart", "-m", "fast")

        # The connection the worker kept is dead; the first request after the restart
        # notices (conn_health_checks), connects again and succeeds.
        assert browser.request("GET", "/")[0] == 200
        after = own_postgres.backends()
        assert len(after) == 1, after
        assert after != before
        assert browser.request("GET", "/alianzas/")[0] == 200

        # Down for a while: requests fail fast with a server error (no hang), and the
        # first one after it is back succeeds.
        own_postgres.pg_ctl("stop", "-m", "fast")
        status, _ = browser.request("GET", "/")
        assert status == 500
        # It failed at the connection, refused, and a server that drops packets instead is
        # given up on after the connect timeout the settings give PostgreSQL.
        log_text = (Path(tempfile.gettempdir()) / f"alianzas-gunicorn-{port}.log").read_text()
        assert "OperationalError" in log_text, log_text[-2000:]
        assert "refused" in log_text.lower(), log_text[-2000:]
        configured = run_python(
            ["manage.py", "shell", "--no-imports", "-c",
             "from django.db import connection; "
             "print(connection.settings_dict['OPTIONS'].get('connect_timeout'))"],
            env, timeout=60,
        )  # fmt: skip
        assert configured.stdout.strip() == "5", configured.stderr[-2000:]
        own_postgres.pg_ctl("start")
        assert browser.request("GET", "/")[0] == 200


# --- A worker killed while it sends -----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_neither_drops_nor_duplicates_an_email(own_redis, tmp_path):
    _alliance, people = overdue_team(4)
    delivered_file = tmp_path / "delivered.log"
    started_file = delivered_file.with_suffix(".started")
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.fault_settings",
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": own_redis.url,
        "SLOW_MAIL_FILE": str(delivered_file),
        "SLOW_MAIL_SECONDS": "1",
    }

    def worker(name: str) -> subprocess.Popen:
        return subprocess.Popen(
            [str(BIN / "celery"), "-A", "config", "worker", "--pool", "solo", "--loglevel",
             "info", "--without-mingle", "--without-gossip", "--without-heartbeat",
             "-n", f"{name}@%h"],
            cwd=ROOT, env=env, stdout=open(tmp_path / f"{name}.log", "w"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def lines(path: Path) -> list[str]:
        return path.read_text().splitlines() if path.exists() else []

    def statuses() -> Counter:
        return Counter(OutgoingMessage.objects.values_list("status", flat=True))

    own_redis.start()
    first = second = None
    try:
        with broker(own_redis.url):
            reminders.sweep()
            first = worker("primero")

            def second_send_begun() -> bool:
                """the first message delivered and the second one being sent"""
                return len(lines(started_file)) == 2 and len(lines(delivered_file)) == 1

            wait_for(second_send_begun, timeout=30)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)

            # Killed between the claim and the end of the send: that message stays
            # "sending"; the one before it was sent; the rest wait in the broker.
            assert statuses() == Counter(sent=1, sending=1, queued=2), statuses()
            interrupted = OutgoingMessage.objects.get(status="sending")

            second = worker("segundo")

            def the_queued_sent() -> bool:
                """the messages still queued sent by the second worker"""
                return statuses() == Counter(sent=3, sending=1)

            wait_for(the_queued_sent, timeout=30)
            # The killed task delivered again (as the broker does after its visibility
            # timeout) finds the message claimed and sends nothing.
            send_reminder_message.delay(interrupted.pk)
            time.sleep(2)
            assert statuses() == Counter(sent=3, sending=1)

            # Past the send's lease, the sweep queues it again; it goes out once.
            reminders.recover_messages(timezone.now() + reminders.STUCK_AFTER)
            wait_for(lambda: statuses() == Counter(sent=4), timeout=30)
            send_reminder_message.delay(interrupted.pk)  # and a late redelivery: skipped
            time.sleep(2)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)

    delivered = Counter(line.split()[0] for line in lines(delivered_file))
    assert delivered == Counter(p.email for p in people), delivered
    attempts = Counter(line.split()[0] for line in lines(started_file))
    assert attempts[interrupted.address] == 2, attempts
    assert sum(attempts.values()) == 5, attempts
    # Both attempts carried the same Message-ID, and there was one to compare.
    tried = {line for line in lines(started_file) if line.startswith(interrupted.address)}
    assert len(tried) == 1, tried
    message_id = tried.pop().split(" ", 1)[1]
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", message_id), message_id
    interrupted.refresh_from_db()
    assert (interrupted.status, interrupted.attempts) == ("sent", 2)


# --- Signing out while Redis is unreachable ---------------------------------------------


def session_engine_with_a_shared_cache(cache_url: str) -> str:
    """The session engine config/settings.py chooses when a shared cache is configured."""
    result = run_python(
        ["-c", "from django.conf import settings; print(settings.SESSION_ENGINE)"],
        {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "CACHE_URL": cache_url},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


@pytest.mark.django_db
def test_signing_out_while_redis_is_unreachable_ends_the_session(client, own_redis, settings):
    """Redis keeps its data but the web server cannot reach it (a partition) while the
    person signs out; once Redis answers again, the old session cookie must sign nobody in."""
    own_redis.start()
    cache_url = own_redis.url.replace("/0", "/1")
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": cache_url,
            "KEY_PREFIX": "alianzas",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # The engine the settings choose with a shared cache, not one this test picks.
    settings.SESSION_ENGINE = session_engine_with_a_shared_cache(cache_url)
    from config.cache import TolerantRedisCache

    person = UserFactory(username="salida-sin-redis")
    client.force_login(person)
    dashboard = reverse("fases:dashboard")
    assert client.get(dashboard).status_code == 200
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    # Unreachable: every cache call is skipped as if Redis did not answer.
    TolerantRedisCache._down_until = time.monotonic() + 3600
    try:
        assert client.post(reverse("logout")).status_code == 302
    finally:
        TolerantRedisCache._down_until = 0.0

    # Redis answers again, with whatever it held; the old cookie comes back.
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    answer = client.get(dashboard)
    assert answer.status_code == 302, "the signed-out session still signs the person in"
    assert answer.url.startswith(reverse("login"))
