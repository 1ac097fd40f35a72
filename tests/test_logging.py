"""Log lines: one JSON object per line in production, readable lines in development,
from Django and gunicorn alike."""

import datetime
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.test import RequestFactory

from config.logs import JsonFormatter
from tests.test_settings import ROOT, run_python


def formatted(record: logging.LogRecord) -> dict:
    line = JsonFormatter().format(record)
    assert "\n" not in line
    return json.loads(line)


def record(name="seguimiento.reminders", level=logging.INFO, msg="Sent %s", args=(3,), **extra):
    made = logging.getLogger(name).makeRecord(name, level, __file__, 1, msg, args, None)
    made.__dict__.update(extra)
    return made


def test_a_json_line_has_time_level_logger_and_message():
    line = formatted(record())
    assert line == {
        "time": line["time"],
        "level": "INFO",
        "logger": "seguimiento.reminders",
        "message": "Sent 3",
    }
    assert datetime.datetime.fromisoformat(line["time"]).tzinfo is not None


def test_a_request_log_carries_its_method_path_and_status():
    request = RequestFactory().get("/alianzas/7/", {"q": "agua"})
    line = formatted(
        record(
            "django.request",
            logging.WARNING,
            "Not Found: %s",
            ("/alianzas/7/",),
            request=request,
            status_code=404,
        )
    )
    assert line["method"] == "GET"
    assert line["path"] == "/alianzas/7/"
    assert line["status"] == 404
    assert "request" not in line
    assert "status_code" not in line


def test_an_exception_stays_inside_its_line():
    try:
        raise ValueError("sin conexión")
    except ValueError:
        failed = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "Failed", (), sys.exc_info()
        )
    line = formatted(failed)
    assert "ValueError: sin conexión" in line["exc_info"]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "plain"),
        ({"LOG_FORMAT": "json"}, "json"),
        (
            {
                "DJANGO_ENV": "production",
                "SECRET_KEY": "k" * 30 + "Zq9-Xw2_Lm4Pv7Rt1Ys8Bn3Hd6Jf0Ge5",
                "ALLOWED_HOSTS": "alianzas.example.pe",
                "DATABASE_URL": "sqlite:////tmp/never-opened.sqlite3",
            },
            "json",
        ),
    ],
    ids=["development", "asked-for", "production"],
)
def test_the_format_follows_the_environment(tmp_path, env, expected):
    show = (
        "import django; django.setup(); import logging; "
        "logging.getLogger('alianzas').warning('Prueba %s', 1)"
    )
    result = run_python(["-c", show], {"ALIANZAS_VAR_DIR": str(tmp_path), **env}, tmp_path)
    assert result.returncode == 0, result.stderr
    # Log lines go to stderr: a management command's stdout is its output alone.
    assert result.stdout == ""
    last = result.stderr.splitlines()[-1]
    if expected == "json":
        assert json.loads(last) | {"time": None} == {
            "time": None,
            "level": "WARNING",
            "logger": "alianzas",
            "message": "Prueba 1",
        }
    else:
        assert last.endswith(" WARNING alianzas Prueba 1")
        assert not last.startswith("{")


def test_an_unknown_format_is_refused(tmp_path):
    result = run_python(["-c", "import django; django.setup()"], {"LOG_FORMAT": "xml"}, tmp_path)
    assert result.returncode != 0
    assert "LOG_FORMAT must be 'json' or 'plain'" in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_with_its_config_logs_every_line_as_json(tmp_path):
    port = free_port()
    env = {
        "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ALIANZAS_VAR_DIR": str(tmp_path),
        "LOG_FORMAT": "json",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    server = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "-c",
            "config/gunicorn.py",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=5
                ) as response:
                    assert response.status == 200
                break
            except OSError:
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        stdout, stderr = server.communicate(timeout=30)
    # One line per request on stdout; gunicorn's and Django's other lines on stderr.
    [access] = [json.loads(line) for line in stdout.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(access)
    assert access["logger"] == "gunicorn.access"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/healthz", 200)
    others = [json.loads(line) for line in stderr.splitlines()]
    assert any(line["message"].startswith("Using worker: gthread") for line in others)
    assert "gunicorn.error" in {line["logger"] for line in others}
