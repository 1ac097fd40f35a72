"""Settings come from the environment: a safe embedded default, a strict production mode."""

import json
import subprocess
from pathlib import Path

import pytest

from tests import processes

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
    return processes.run_python(args, {**processes.bare_environment(tmp_path), **env})


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


# A production environment as an operator would write it: a random key, real host names.
REALISTIC_PRODUCTION = {
    **PRODUCTION,
    "SECRET_KEY": "p7Zq-3vYx_Lm9Tr2Wd8Kc5Hs1Nb6Gf4Jq0Aa_Ue7Ro3Vi9Xy2Pl5Mk8Nt1Bz4Cw6",
    "ALLOWED_HOSTS": "alianzas.example.pe",
    "CSRF_TRUSTED_ORIGINS": "https://alianzas.example.pe",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def test_production_passes_the_deployment_checks(tmp_path):
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        REALISTIC_PRODUCTION,
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


SHOW_STORAGE_AND_CACHE = """
import json, django
django.setup()
from django.conf import settings as s
from django.core.files.storage import storages
storage = storages["default"]
print(json.dumps({
    "storage": f"{type(storage).__module__}.{type(storage).__name__}",
    "options": {
        name: getattr(storage, name, None)
        for name in ("bucket_name", "endpoint_url", "region_name", "addressing_style",
                     "default_acl", "querystring_auth", "file_overwrite", "access_key",
                     "location")
    },
    "cache": s.CACHES["default"]["BACKEND"],
    "cache_location": s.CACHES["default"].get("LOCATION"),
    "sessions": s.SESSION_ENGINE,
    "page_cache": s.PAGE_CACHE,
}))
"""


def show_storage_and_cache(env, tmp_path):
    result = run_python(
        ["-c", SHOW_STORAGE_AND_CACHE], {"ALIANZAS_VAR_DIR": str(tmp_path), **env}, tmp_path
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("bucket_variable", ["AWS_STORAGE_BUCKET_NAME", "STORAGE_BUCKET"])
def test_a_bucket_puts_uploaded_files_in_s3_compatible_storage(bucket_variable, tmp_path):
    shown = show_storage_and_cache(
        {
            bucket_variable: "alianzas-evidencias",
            "AWS_S3_ENDPOINT_URL": "http://minio:9000",
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_S3_ADDRESSING_STYLE": "path",
            "AWS_ACCESS_KEY_ID": "alianzas",
            "AWS_SECRET_ACCESS_KEY": "not-a-real-secret",
        },
        tmp_path,
    )
    assert shown["storage"] == "storages.backends.s3.S3Storage"
    assert shown["options"] == {
        "bucket_name": "alianzas-evidencias",
        "endpoint_url": "http://minio:9000",
        "region_name": "us-east-1",
        "addressing_style": "path",
        # Private objects, reachable only through signed URLs or the app's own views.
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
        "access_key": "alianzas",
        "location": "",
    }


def test_without_a_bucket_uploaded_files_stay_under_media_root(tmp_path):
    shown = show_storage_and_cache({}, tmp_path)
    assert shown["storage"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert shown["options"]["location"] == str(tmp_path / "media")


@pytest.mark.parametrize("variable", ["CACHE_URL", "REDIS_URL"])
def test_a_shared_cache_holds_the_cache_and_sessions_backed_by_the_database(variable, tmp_path):
    shown = show_storage_and_cache({variable: "redis://127.0.0.1:6379/1"}, tmp_path)
    # Django's RedisCache, reading Redis being down as a miss (config/cache.py).
    assert shown["cache"] == "config.cache.TolerantRedisCache"
    assert shown["cache_location"] == "redis://127.0.0.1:6379/1"
    # Sessions stay in the database even with a cache: a sign-out made while Redis was
    # unreachable must end the session (tests/test_faults.py), which a cached copy outlived.
    assert shown["sessions"] == "config.sessions"


def test_without_a_shared_cache_sessions_are_in_the_database(tmp_path):
    shown = show_storage_and_cache({}, tmp_path)
    assert shown["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shown["sessions"] == "config.sessions"


@pytest.mark.parametrize(
    ("env", "cached"),
    [
        ({}, True),  # development: one process serves the pages
        (PRODUCTION, False),  # several processes, each with its own memory: never stale
        ({**PRODUCTION, "CACHE_URL": "redis://127.0.0.1:6379/1"}, True),
        ({**PRODUCTION, "CACHE_URL": "redis://127.0.0.1:6379/1", "PAGE_CACHE": "false"}, False),
    ],
)
def test_page_content_is_cached_only_where_every_process_shares_the_cache(env, cached, tmp_path):
    assert show_storage_and_cache(env, tmp_path)["page_cache"] is cached


# --- Security -------------------------------------------------------------------------

SHOW_SECURITY = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "hsts": s.SECURE_HSTS_SECONDS,
    "hsts_subdomains": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "ssl_redirect": s.SECURE_SSL_REDIRECT,
    "session_secure": s.SESSION_COOKIE_SECURE,
    "csrf_secure": s.CSRF_COOKIE_SECURE,
    "session_httponly": s.SESSION_COOKIE_HTTPONLY,
    "frame": s.X_FRAME_OPTIONS,
    "referrer": s.SECURE_REFERRER_POLICY,
    "script_src": s.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"],
    "axes": "axes.middleware.AxesMiddleware" in s.MIDDLEWARE,
    "backend": s.AUTHENTICATION_BACKENDS[0],
    "failure_limit": s.AXES_FAILURE_LIMIT,
    "min_password": [v.get("OPTIONS", {}).get("min_length") for v in s.AUTH_PASSWORD_VALIDATORS],
}))
"""


def test_production_sends_hsts_and_secure_cookies(tmp_path):
    result = run_python(["-c", SHOW_SECURITY], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["hsts"] >= 31536000
    assert shown["hsts_subdomains"] is True
    assert shown["ssl_redirect"] is True
    assert (shown["session_secure"], shown["csrf_secure"]) == (True, True)
    assert shown["session_httponly"] is True


def test_every_environment_throttles_sign_in_and_restricts_scripts(tmp_path):
    for env in ({"ALIANZAS_VAR_DIR": str(tmp_path)}, PRODUCTION):
        result = run_python(["-c", SHOW_SECURITY], env, tmp_path)
        assert result.returncode == 0, result.stderr
        shown = json.loads(result.stdout)
        assert (shown["frame"], shown["referrer"]) == ("DENY", "same-origin")
        assert shown["script_src"] == ["'self'"]
        assert shown["axes"] is True
        assert shown["backend"] == "axes.backends.AxesStandaloneBackend"
        assert shown["failure_limit"] == 5
        assert 10 in shown["min_password"]


def test_no_secret_is_kept_in_the_repository():
    """Production takes its key from the environment; the only key written down is the
    development one, which production refuses to start with."""
    settings_text = (ROOT / "config" / "settings.py").read_text()
    assert 'SECRET_KEY = env("SECRET_KEY")' in settings_text
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [name for name in tracked if name.endswith((".env", ".pem", ".key"))]
