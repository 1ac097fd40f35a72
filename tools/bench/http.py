"""The server the bench measures and the clients that measure it: gunicorn with production
settings on 127.0.0.1, signing in through the login form, wrk for the pages, and sessions
(``http.client``) for the writes and the mixed run.

Every request reaches gunicorn on a connection of its own (``Connection: close``), as the
proxy in front sends them (``deploy/nginx.conf``: nginx keeps no connection to a replica
without an ``upstream`` block's ``keepalive``), so the kernel hands each one to whichever
worker is free. Kept alive, a connection stays with the worker that accepted it, and wrk's
eight connections were split between the two workers by chance, once per run: 4 and 4, 2
and 6, 3 and 5, or all 8 on one worker while the other idled (the alliance page at 30
requests/s instead of 60, its median 271 ms instead of 132; six runs of the same page on
2026-11-30). A page's figures then said how its connections fell, not what it costs."""

import contextlib
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

# Sent with every request (wrk's and the sessions'): see above.
CLOSE = "Connection: close"

GUNICORN_WORKERS = 2
SETTINGS_MODULE = "tools.bench_settings"

WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bad_status": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def production_env(folder: Path, *, page_cache: bool) -> dict:
    """Production settings (``tools.bench_settings``: the project's plus the API peer),
    sessions and cached pages in Redis as the compose stack runs them."""
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "CONN_MAX_AGE": "600",
        # A Redis that is not there reads as an empty cache.
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/3"),
        "PAGE_CACHE": "true" if page_cache else "false",
        "STATIC_ROOT": str(folder / "static"),
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
    }


class Server:
    """``with Server(page_cache=…) as server:`` gunicorn (two workers of one thread)
    answering at ``server.base`` until the block ends; ``server.folder`` is a temporary
    folder of its own (static files, wrk's script)."""

    def __init__(self, *, page_cache: bool):
        self.temporary = tempfile.TemporaryDirectory(prefix="alianzas-bench-")
        self.folder = Path(self.temporary.name)
        self.env = production_env(self.folder, page_cache=page_cache)
        self.process = None
        self.base = ""

    def __enter__(self) -> "Server":
        empty_cache(self.env["CACHE_URL"])
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=settings.BASE_DIR,
            env=self.env,
            check=True,
        )
        port = free_port()
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "config.wsgi:application",
                *("--config", str(settings.BASE_DIR / "config/gunicorn.py")),
                *("--bind", f"127.0.0.1:{port}"),
                *("--workers", str(GUNICORN_WORKERS)),
                *("--threads", "1"),
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            # The access log (one JSON line a request, as in production) is not shown.
            stdout=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{port}"
        wait_until_up(self.base + "/livez", self.process)
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.temporary.cleanup()


def empty_cache(url: str) -> None:
    """Every server starts with the bench's Redis database (``BENCH_CACHE_URL``, database 3
    by default) empty: pages are built at first, as after a deploy, and nothing this process
    wrote to the data (seeding, resetting the write alliances; its own cache is another)
    is hidden behind a value cached by an earlier run."""
    import redis

    # No Redis: the server reads that as an empty cache.
    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError("gunicorn stopped before answering.")
        try:
            urllib.request.urlopen(url, timeout=1)  # nosec B310 - http://127.0.0.1 built here
            return
        except OSError:
            time.sleep(0.2)
    raise CommandError(f"gunicorn did not answer {url} within {seconds} s.")


def drain(base: str, *, quick: float = 0.05, most: float = 60) -> None:
    """Wait until the server is idle: when wrk stops, the requests it sent are still queued
    at gunicorn (a slow page's for seconds), and the next page's first requests would wait
    behind them. ``/livez`` waits in the same queue, so the queue is empty when it answers
    at once, twice in a row (once per worker, most likely), or after ``most`` seconds."""
    deadline = time.monotonic() + most
    in_a_row = 0
    while in_a_row < 2 and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            urllib.request.urlopen(base + "/livez", timeout=most)  # nosec B310 - 127.0.0.1
        except OSError:
            time.sleep(0.2)
            continue
        in_a_row = in_a_row + 1 if time.monotonic() - started < quick else 0


def sign_in(base: str, username: str, password: str) -> dict[str, str]:
    """Sign in through the login form, as a browser does; the cookies (session, CSRF)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = base + "/cuenta/login/"
    form = opener.open(login).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    opener.open(urllib.request.Request(login, data=data, headers={"Referer": login}))
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise CommandError(f"Signing in as {username} failed.")
    return cookies


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_answers_200(url: str, cookie: str) -> None:
    """A page that redirects to the login or fails would be measured as fast; refuse."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        status = opener.open(urllib.request.Request(url, headers={"Cookie": cookie})).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise CommandError(f"{url} answered {status} instead of 200.")


def wrk(url: str, cookie: str, script: Path, *, seconds: float, connections: int) -> dict:
    finished = subprocess.run(
        [
            "wrk",
            *("--threads", str(min(2, connections))),
            *("--connections", str(connections)),
            *("--duration", f"{seconds:g}s"),
            *("--timeout", "10s"),
            *("--header", f"Cookie: {cookie}"),
            *("--header", CLOSE),
            *("--script", str(script)),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def bare_view(server: "Server", cookie: str, options: dict) -> dict:
    """The bare view (``/livez``) under wrk as every page is measured (the same connections
    and seconds, once the queue has drained and after the same pause), on ``server``: the
    floor of what that server is measured doing next. The machine's speed drifts within a
    run (docs/performance.md), so each part of the run is set against a floor measured
    beside it rather than against one measured minutes earlier."""
    script = server.folder / "report.lua"
    script.write_text(WRK_REPORT)
    drain(server.base)
    time.sleep(options["settle"])
    return wrk(
        server.base + "/livez",
        cookie,
        script,
        seconds=options["seconds"],
        connections=options["connections"],
    )


class Session:
    """One person with their cookies, as a browser behind the proxy: each request on a
    connection of its own (see above); a form is posted with the CSRF token of the
    session's cookie and the page as Referer, and its redirect is followed."""

    def __init__(self, base: str, cookies: dict[str, str]):
        parts = urllib.parse.urlsplit(base)
        self.base = base
        self.host, self.port = parts.hostname, parts.port
        self.cookies = dict(cookies)
        self.connection = None

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        """(status, headers as a dict with lower-case names, body)."""
        name, _, value = CLOSE.partition(": ")
        headers = {"Cookie": cookie_header(self.cookies), name: value, **(headers or {})}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        finally:
            self.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def get(self, path: str):
        return self.request("GET", path)

    def post_and_follow(self, path: str, form: dict) -> tuple[int, int, float, str]:
        """POST ``form`` to ``path`` and GET where it redirects: (the POST's status, the
        final status, seconds for both, where it went)."""
        body = urllib.parse.urlencode(
            {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}, doseq=True
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": self.base + path,
        }
        started = time.monotonic()
        status, answer, _body = self.request("POST", path, body, headers)
        final, location = status, ""
        if status in (301, 302, 303):
            location = urllib.parse.urlsplit(answer.get("location", ""))
            location = location.path + (f"?{location.query}" if location.query else "")
            final = self.get(location)[0]
        return status, final, time.monotonic() - started, location

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
