"""Settings come from the environment: a safe embedded default, a strict production mode."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "name": str(s.DATABASES["default"]["NAME"]),
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "broker": s.CELERY_BROKER_URL,
    "email": s.EMAIL_BACKEND,
    "debug": s.DEBUG,
    "language": s.LANGUAGE_CODE,
    "time_zone": s.TIME_ZONE,
}))
"""


def run_python(args, env, tmp_path):
    base = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_no_environment_gives_the_embedded_default(tmp_path):
    result = run_python(["-c", SHOW_SETTINGS], {"ALIANZAS_VAR_DIR": str(tmp_path)}, tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown == {
        "engine": "django.db.backends.sqlite3",
        "name": str(tmp_path / "alianzas.sqlite3"),
        "eager": True,
        "broker": "memory://",
        "email": "django.core.mail.backends.console.EmailBackend",
        "debug": True,
        "language": "es-pe",
        "time_zone": "America/Lima",
    }


def test_embedded_default_migrates_and_passes_checks(tmp_path):
    env = {"ALIANZAS_VAR_DIR": str(tmp_path)}
    migrate = run_python(["manage.py", "migrate", "--noinput"], env, tmp_path)
    assert migrate.returncode == 0, migrate.stderr
    assert (tmp_path / "alianzas.sqlite3").exists()
    check = run_python(["manage.py", "check"], env, tmp_path)
    assert check.returncode == 0, check.stderr


def test_database_and_broker_urls_switch_to_real_services(tmp_path):
    env = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/alianzas",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    shown = json.loads(run_python(["-c", SHOW_SETTINGS], env, tmp_path).stdout)
    assert shown["engine"] == "django.db.backends.postgresql"
    assert (shown["eager"], shown["broker"]) == (False, "redis://127.0.0.1:6379/0")


def test_redis_url_is_the_broker_when_no_broker_url_is_given(tmp_path):
    shown = json.loads(
        run_python(
            ["-c", SHOW_SETTINGS], {"REDIS_URL": "redis://127.0.0.1:6379/1"}, tmp_path
        ).stdout
    )
    assert (shown["eager"], shown["broker"]) == (False, "redis://127.0.0.1:6379/1")


PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 64,
    "ALLOWED_HOSTS": "alianzas.example.pe",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/alianzas",
}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without(missing, tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_python(["-c", SHOW_SETTINGS], env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path):
    result = run_python(["-c", SHOW_SETTINGS], {**PRODUCTION, "SECRET_KEY": "corta"}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters" in result.stderr


def test_production_with_its_settings_starts_without_debug(tmp_path):
    result = run_python(["-c", SHOW_SETTINGS], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


def test_a_misspelt_boolean_is_refused(tmp_path):
    result = run_python(["-c", SHOW_SETTINGS], {"DEBUG": "sí"}, tmp_path)
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr
