"""The probes: ``/livez`` (the process answers) and ``/healthz`` (readiness: it can serve).

Load balancers, ``docker compose`` and orchestrators ask ``/healthz`` every few seconds and
take a replica out of rotation on 503. That answer is kept for what stops the application
from serving: the database. The broker only carries reminders and exports; pages, changes
of phase and progress work without it (a test proves it), so a broker that is down is
reported as ``"status": "degraded"`` with a 200, never as a reason to take the whole site
down. ``/livez`` is for restarting a process that hangs: it touches nothing.

``/healthz`` is answered by :class:`HealthCheckMiddleware`, first in
the middleware list, so it never meets the host check (a load balancer asks by the
replica's IP address, which ALLOWED_HOSTS rightly does not list), the HTTPS redirect (the
proxy asks over plain HTTP) or a session; the URL ``healthz`` names the same view.
"""

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

PATH = "/healthz"
# Seconds to wait for the broker: a check that hangs is worse than one that fails, since
# the caller's own timeout then reports nothing about which service is down.
BROKER_TIMEOUT = 0.5
OK = "ok"
IN_PROCESS = "in-process"
UNAVAILABLE = "unavailable"
DEGRADED = "degraded"


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: the database is unavailable.", exc_info=True)
        return UNAVAILABLE
    return OK


def broker_status() -> str:
    # Without a broker (the embedded default) tasks run in this process: nothing to reach.
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return IN_PROCESS
    from config.celery import app

    try:
        with app.connection_for_write(
            settings.CELERY_BROKER_URL,
            connect_timeout=BROKER_TIMEOUT,
            transport_options={
                "socket_connect_timeout": BROKER_TIMEOUT,
                "socket_timeout": BROKER_TIMEOUT,
            },
        ) as broker:
            # No retries: the first failure is the answer.
            broker.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
    except Exception:
        # kombu raises its own OperationalError, but a transport may let a socket or
        # client error through; any of them means the broker cannot be reached.
        logger.warning("Health check: the broker is unavailable.", exc_info=True)
        return UNAVAILABLE
    return OK


@never_cache
@require_safe
def healthz(request):
    checks = {"database": database_status(), "broker": broker_status()}
    if checks["database"] != OK:
        return JsonResponse({"status": UNAVAILABLE, **checks}, status=503)
    status = DEGRADED if checks["broker"] == UNAVAILABLE else OK
    return JsonResponse({"status": status, **checks}, status=200)


def livez(request):
    """Liveness: the process answers. No database, no session, no template: also the floor
    of the stack that ``make bench`` measures every page against."""
    return HttpResponse("ok", content_type="text/plain")


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == PATH:
            return healthz(request)
        return self.get_response(request)
