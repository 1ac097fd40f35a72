"""gunicorn's configuration: ``gunicorn -c config/gunicorn.py config.wsgi:application``.

Every value can be changed from the environment, so the same image runs on a laptop and
behind a load balancer. Django's own settings stay in ``config/settings.py``; this file
reads only what gunicorn needs before Django starts.
"""

import os

from config.logs import PLAIN_FORMAT


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores() -> int:
    # The CPUs this container may use, not the host's.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


bind = os.environ.get("GUNICORN_BIND", "").strip() or "0.0.0.0:8000"
# The usual 2 × cores + 1, capped: every worker thread holds a PostgreSQL connection
# (CONN_MAX_AGE), so a big machine should get more replicas rather than ever more workers.
workers = _int("WEB_CONCURRENCY", min(2 * _cores() + 1, 8))
# Threads let a worker wait on the database or on a slow client without blocking others.
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (a deploy, `docker compose down`) requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Workers are forked from a master that has already imported Django and the project, so a
# worker that is replaced starts at once instead of importing everything again (and they
# share that memory). A deploy restarts the container, not the master, so nothing is lost.
preload_app = True
# Recycling workers now and then bounds the memory a slow leak can take; the jitter keeps
# them from all restarting at once. Every restart still costs the new worker its warm-up
# (compiled templates, URL patterns, a database connection), which `make bench` measured as
# stalls of 300–500 ms when a busy worker restarted every thousand requests, hence 10,000.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1_000)


def when_ready(server):
    """In the master, after the project is loaded and before workers are forked: compile
    the templates and the rest once (config/warmup.py), so every worker starts warm.

    Then everything the master holds (about 180,000 objects: Django, the project, the
    compiled templates) is moved out of the garbage collector's sight (``gc.freeze``):
    none of it is ever freed, and a worker's full collections would otherwise walk it
    all, about 0.1 s each on the alliance page's worker (docs/performance.md). The
    workers also keep sharing those pages of memory with the master, as the collector
    no longer writes to the objects' headers."""
    import gc

    from config.warmup import warm_up

    server.log.info("Warmed up: %s templates compiled.", warm_up())
    gc.collect()
    gc.freeze()


# X-Forwarded-Proto and X-Forwarded-For are trusted only from these addresses: the proxy
# in front (compose's nginx is on the private network). "*" when every peer is a proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1,::1"
# Docker's /dev/shm is memory; its /tmp may be a slow overlay file system.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # nosec B108 - heartbeat files of gunicorn's own workers, not shared data

# Logs use the same formatter as Django's: JSON in production (``LOG_FORMAT``, decided as
# in config/settings.py), one readable line otherwise. One line per request on stdout;
# everything else on stderr, where Django's own log lines go.
_production = os.environ.get("DJANGO_ENV", "").strip() == "production"
_log_format = os.environ.get("LOG_FORMAT", "").strip() or ("json" if _production else "plain")
loglevel = (os.environ.get("LOG_LEVEL", "").strip() or "INFO").lower()
# The access line of the plain format; the JSON format also has each part as a field.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": PLAIN_FORMAT},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": _log_format},
        "access": {
            "class": "logging.StreamHandler",
            "formatter": _log_format,
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"handlers": ["console"], "level": loglevel.upper()},
    "loggers": {
        "gunicorn.error": {"handlers": [], "propagate": True, "level": loglevel.upper()},
        # Its own handler, not the root's: Django replaces the root's handlers when it
        # starts in each worker, and leaves this one alone.
        "gunicorn.access": {"handlers": ["access"], "propagate": False, "level": "INFO"},
    },
}
