"""The docker compose stack stays consistent with what the settings read."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (ROOT / "config" / "settings.py").read_text()
READ_BY_SETTINGS = set(re.findall(r'env(?:_bool|_list)?\("([A-Z_]+)"', SETTINGS_SOURCE))
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP_SERVICES = ["migrate", "web", "worker", "beat"]


def test_every_variable_the_stack_sets_is_read_by_the_settings():
    for name in APP_SERVICES:
        unknown = set(COMPOSE["services"][name]["environment"]) - READ_BY_SETTINGS
        assert not unknown, f"{name} sets variables the settings never read: {unknown}"


def test_the_stack_runs_in_production_mode_on_postgresql_and_redis():
    for name in APP_SERVICES:
        environment = COMPOSE["services"][name]["environment"]
        assert environment["DJANGO_ENV"] == "production"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://")


def test_web_worker_and_beat_run_the_right_commands():
    services = COMPOSE["services"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"gunicorn", "config.wsgi:application"' in dockerfile
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
