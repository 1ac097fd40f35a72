"""Settings for Alianzas, read from the environment in this one module.

With no environment at all the app runs on an embedded default that needs
nothing installed: SQLite under ``var/``, Celery tasks run in-process and
e-mail printed to the console. ``DATABASE_URL`` switches to PostgreSQL and
``CELERY_BROKER_URL`` (or ``REDIS_URL``) to a real broker.

``DJANGO_ENV=production`` refuses to start without ``SECRET_KEY`` and
``ALLOWED_HOSTS`` rather than run with an unsafe default.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ALIANZAS_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str) -> list[str]:
    return [item.strip() for item in env(name).split(",") if item.strip()]


DJANGO_ENV = env("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)

SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if PRODUCTION:
    missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS") if not env(name)]
    if missing:
        raise ImproperlyConfigured(
            f"DJANGO_ENV=production needs {' and '.join(missing)} in the environment."
        )
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production.")
else:
    # A fixed key is fine for a developer's machine; production never reaches this branch.
    SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key-never-used-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # unaccent and trigram search on PostgreSQL (alianzas.search_key, seguimiento.search).
    "django.contrib.postgres",
    # Form widgets render with the project's templates (templates/django/forms/).
    "django.forms",
    "django_htmx",
    # Security: login throttling, Content-Security-Policy, history of changes.
    "axes",
    "csp",
    "simple_history",
    # The REST API (fases/api/) and its OpenAPI schema, Swagger UI and Redoc (no CDN).
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "alianzas",
    "fases",
    "seguimiento",
]
if not PRODUCTION and (BASE_DIR / "tools" / "apps.py").exists():
    # Benchmarks and load tests (tools/) are not the product: a production server neither
    # lists them in `manage.py help` nor ships them (.dockerignore), and a copy of the
    # code without them still starts.
    INSTALLED_APPS.append("tools")

MIDDLEWARE = [
    # /healthz answers before the host check, the HTTPS redirect and sessions (config/probes.py).
    "config.probes.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # X-Page-Cache: hit|miss where the page cache served or stored the content (make bench).
    "alianzas.page_cache_header.PageCacheHeaderMiddleware",
    # The same Spanish "not found" page for a missing alliance and a hidden one, also under
    # DEBUG=True (config/not_found.py).
    "config.not_found.NotFoundPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Records who made each change in the history (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Serves the collected, compressed, cache-busted static files from STATIC_ROOT.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "config.urls"
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Django's cached loader, each template compiled once per language with its
            # constant translations written in (config/templates.py); in development too,
            # where the autoreloader empties it when a template changes.
            "loaders": [
                (
                    "config.templates.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "seguimiento.nav.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=int(env("CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # An unreachable server fails a request (and /healthz) in seconds, not minutes.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
elif PRODUCTION:
    raise ImproperlyConfigured("DJANGO_ENV=production needs DATABASE_URL (PostgreSQL).")
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "alianzas.sqlite3",
            # Several requests writing at once wait for each other instead of failing.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }

# The reads compiled once (alianzas.compiled) are also prepared on each PostgreSQL
# connection, so that the server parses them once, and plans them once where a generic plan
# serves: worth it only where a connection outlives a request (CONN_MAX_AGE), and
# impossible through a pooler in transaction mode (PgBouncer):
# DATABASE_PREPARED_STATEMENTS=false there.
COMPILED_QUERIES_PREPARED = env_bool(
    "DATABASE_PREPARED_STATEMENTS",
    default=bool(DATABASE_URL) and int(env("CONN_MAX_AGE", "60")) != 0,
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "alianzas.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "fases:dashboard"
LOGOUT_REDIRECT_URL = "login"
# Password-reset links stay valid for one day.
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# Invitations to join an alliance (alianzas.invitations): days their link stays valid.
INVITATION_DAYS = int(env("INVITATION_DAYS", "7"))

# --- Language and time ----------------------------------------------------
LANGUAGE_CODE = "es-pe"
LANGUAGES = [
    ("es-pe", _("Spanish")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Peru writes S/ 250,000.00 (config/formats/es_PE). Grouping is asked where an amount is
# shown (floatformat:"2g", the ``soles`` filter), not for every number: ids in anchors and
# years must not become "1,234".
FORMAT_MODULE_PATH = ["config.formats"]
USE_THOUSAND_SEPARATOR = False
TIME_ZONE = "America/Lima"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
# Evidence files live outside static/ and are served only through
# permission-checked views, never by the static file server.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# With a bucket, evidence and exports go to S3 or an S3-compatible service (MinIO, Ceph,
# a cloud provider's object storage), so every web and worker replica sees the same files
# and none keeps state on its disk. Files stay private: downloads pass through the
# permission-checked views, which stream them from the storage.
STORAGE_BUCKET = env("AWS_STORAGE_BUCKET_NAME") or env("STORAGE_BUCKET")
if STORAGE_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STORAGE_BUCKET,
            # Empty means AWS itself; e.g. http://minio:9000 for an S3-compatible service.
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            # "path" for services without per-bucket host names (MinIO by default).
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE") or None,
            # Without keys, boto3 looks for credentials itself (an instance or task role).
            "access_key": env("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY") or None,
            # Objects get the bucket's (private) policy, never a public-read ACL.
            "default_acl": None,
            "querystring_auth": True,
            # Two uploads with the same name never replace each other.
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Cache and sessions ----------------------------------------------------
# A shared cache lets any replica answer any request. Sessions are always in the database
# (one query by primary key a request): a session cached in Redis outlived a sign-out made
# while Redis was unreachable (tests/test_faults.py), and signing out must always end it.
# The cache is kept in files under var/ when a broker means a worker writes beside the web
# server (`make run`), else in the memory of the one process (the embedded default, tests).
CACHE_URL = env("CACHE_URL") or env("REDIS_URL")
if CACHE_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, with Redis down read as a miss instead of an error, so
            # pages keep working without it.
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "alianzas",
            # A Redis that stops answering slows a request by a second, not a minute.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
elif env("CELERY_BROKER_URL") and not PRODUCTION:
    # The worker's reminder sweep renews the notices' generation for the web server's
    # header: both processes must read and write the same cache, and files need no server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions in the database whatever the cache (config/cache.py says why), read with one
# SQL statement written by hand (config/sessions.py).
SESSION_ENGINE = "config.sessions"
# Page content cached under the generations of what it shows (alianzas.generations). A
# write replaces a generation in the cache it can reach, so every process that writes must
# share the cache: in production only with CACHE_URL; in development the cache above is
# shared by web and worker or there is one process. alianzas.E001 refuses PAGE_CACHE=true
# with a per-process cache where several processes write.
PAGE_CACHE = env_bool("PAGE_CACHE", default=bool(CACHE_URL) or not PRODUCTION)

# --- E-mail ---------------------------------------------------------------
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(env("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
    # A send that hangs gives up well within the reminders' send lease
    # (seguimiento.reminders.STUCK_AFTER), so a message is never sent by two workers at once.
    EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "60"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Alianzas <no-responder@alianzas.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or env("REDIS_URL")
# Without a broker, tasks run in-process so the embedded default needs no server.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged after it ran, so a worker killed mid-task hands it to another.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if CELERY_BROKER_URL.startswith("filesystem://"):
    # `make run`: a broker kept in files under var/, so a worker with embedded beat sends
    # the periodic reminders with no server installed, and queued mail survives a restart.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
    for _folder in CELERY_BROKER_TRANSPORT_OPTIONS.values():
        Path(_folder).mkdir(parents=True, exist_ok=True)
    CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")

# --- Reminders (seguimiento.reminders) --------------------------------------------
# Links in e-mails are absolute: the address people reach the application at.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
# Celery beat runs the sweep this often; a sweep still queued when the next is due expires.
REMINDER_SWEEP_SECONDS = int(env("REMINDER_SWEEP_SECONDS", "300"))
# The national actor network (fases.network) is computed again this often when its
# memberships changed: seconds of work at the national scale, kept off the requests.
NETWORK_REFRESH_SECONDS = int(env("NETWORK_REFRESH_SECONDS", "300"))
# The portfolio's national figures and the map's counts (seguimiento.national_figures,
# fases.territory_map) are computed again this often: seconds at the national scale.
FIGURES_REFRESH_SECONDS = int(env("FIGURES_REFRESH_SECONDS", "300"))
CELERY_BEAT_SCHEDULE = {
    "sweep-reminders": {
        "task": "seguimiento.sweep_reminders",
        "schedule": REMINDER_SWEEP_SECONDS,
        "options": {"expires": REMINDER_SWEEP_SECONDS},
    },
    "refresh-actor-network": {
        "task": "fases.refresh_actor_network",
        "schedule": NETWORK_REFRESH_SECONDS,
        "options": {"expires": NETWORK_REFRESH_SECONDS},
    },
    "refresh-portfolio-figures": {
        "task": "seguimiento.refresh_portfolio_figures",
        "schedule": FIGURES_REFRESH_SECONDS,
        "options": {"expires": FIGURES_REFRESH_SECONDS},
    },
    "refresh-territory-map": {
        "task": "fases.refresh_territory_map",
        "schedule": FIGURES_REFRESH_SECONDS,
        "options": {"expires": FIGURES_REFRESH_SECONDS},
    },
}
# A refused or unreachable mail server is retried after 1, 2, 4, 8 and 16 minutes.
REMINDER_RETRY_DELAY = 60
REMINDER_SEND_MAX_RETRIES = 5

# --- Security (production) --------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
# No script reads these cookies: htmx sends the CSRF token taken from the page (base.html
# hx-headers, the admin's forms carry it as a field), and the language is chosen by a form.
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Cookies are not sent on cross-site subrequests (a second line of defence beside CSRF tokens).
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

# --- Security: login throttling, CSP, history ----
# django-axes: after AXES_FAILURE_LIMIT wrong passwords for one username from one address,
# that pair is locked out for the cool-off period; an administrator unlocks it earlier
# (admin "Access attempts", or `manage.py axes_reset_username <name>`).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "alianzas.lockout.lockout_response"
# No banner on every start; lockouts are still logged as warnings and every attempt is a row.
AXES_VERBOSE = False
# The client's address is REMOTE_ADDR, unless the app sits behind one reverse proxy that
# appends the address it saw to X-Forwarded-For (the compose stack's nginx):
# AXES_PROXY_COUNT=1 then takes the right-most entry, the one the proxy wrote. Entries to
# its left come from the client, who could write a new address for every guess.
BEHIND_PROXY = env("AXES_PROXY_COUNT", "0")
if BEHIND_PROXY not in ("0", "1"):
    raise ImproperlyConfigured("AXES_PROXY_COUNT must be 0 or 1 (one reverse proxy).")
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_PROXY_COUNT = None  # not a count of entries: the right-most one is the answer
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if BEHIND_PROXY == "1" else ("REMOTE_ADDR",)
)

# django-csp 4: only this site's own files run; no inline script, no eval (htmx is told not
# to use it in base.html), no inline style, and no framing. E-mails are not served pages.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# django-simple-history: every change of the audited models is a row (who, when, what);
# the admin shows it but never reverts, since a revert would bypass the services' rules
# and the state machine of phases and commitment statuses.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- REST API (fases/api/) ---------------------------------------------------
# The session (with its CSRF check) and personal tokens (alianzas.tokens), each acting with
# the person's own rights; pages of 50, stable ordering; anonymous and signed-in callers
# throttled separately (the rates are per address and per person, in the cache).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fases.api.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["fases.api.permissions.TokenScope"],
    "DEFAULT_PAGINATION_CLASS": "fases.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [],
    "DEFAULT_THROTTLE_CLASSES": [
        "fases.api.throttling.AnonymousThrottle",
        "fases.api.throttling.PersonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", "60/minute"),
        "user": env("API_THROTTLE_USER", "1200/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Alianzas Multiactor API",
    "DESCRIPTION": (
        "Read the alliances, actors, objectives, indicators, measurements, commitments, "
        "phase history and evaluations a person may see, and log commitment progress and "
        "indicator values. Authenticate with a personal token (Authorization: Token alz_…), "
        "created at /cuenta/tokens/."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Phases are one choice set wherever they appear (alliance, phase change: from and to).
    "ENUM_NAME_OVERRIDES": {
        "PhaseEnum": "alianzas.lifecycle.Phase.choices",
        "CommitmentStatusEnum": "seguimiento.models.CommitmentStatus.choices",
        "ActionPointStatusEnum": "fases.models.ActionPoint.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "fases.api.schema.add_error_responses",
    ],
}

# --- Logging ----------------------------------------------------------------
# One JSON object per line in production, for a log collector (config/logs.py); readable
# lines in development. gunicorn (config/gunicorn.py) and Celery (config/celery.py) log
# through the same formatter.
LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'plain'.")
LOG_LEVEL = env("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    # stderr: a management command's stdout stays its output alone.
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default configuration gives these their own handlers; here they reach
        # the one above instead, so each line is written once and in LOG_FORMAT.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # django-axes writes a line at INFO for every sign-in; lockouts are warnings.
        "axes": {"level": "WARNING"},
    },
}

# --- Open data and IATI (fases/public, fases/iati.py) -------------------------------------
# The organisation that publishes the IATI file: its IATI organisation identifier (for a
# Peruvian body, PE-RUC-<its RUC>), name and IATI organisation type (10 = government).
IATI_REPORTING_ORG_REF = env("IATI_REPORTING_ORG_REF", "PE-RUC-00000000000")
IATI_REPORTING_ORG_NAME = env("IATI_REPORTING_ORG_NAME", "Alianzas Multiactor")
IATI_REPORTING_ORG_TYPE = env("IATI_REPORTING_ORG_TYPE", "10")
# Anonymous requests to the public pages and open data: at most this many per address and
# minute (fases.public.throttle).
PUBLIC_REQUESTS_PER_MINUTE = int(env("PUBLIC_REQUESTS_PER_MINUTE", "120"))
