"""A simple throttle for anonymous requests to the public site and the open data.

Counted per client address (as django-axes reads it) and minute in the shared cache: more than
``settings.PUBLIC_REQUESTS_PER_MINUTE`` requests in one minute are answered 429 with a
``Retry-After``. Signed-in people are not counted (their requests are already accounted
for). A cache that fails lets the request through: the public pages are not worth an error.
"""

import functools
import logging
import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The address sign-in throttling uses (django-axes, ``AXES_PROXY_COUNT``): behind the
    reverse proxy, the one it saw, not one a client wrote."""
    return get_client_ip_address(request) or "unknown"


def over_limit(request) -> int | None:
    """Seconds to wait if this anonymous request is over the limit, else ``None``."""
    now = time.time()
    minute = int(now // 60)
    key = f"public-throttle:{client_address(request)}:{minute}"
    try:
        cache.add(key, 0, 120)
        count = cache.incr(key)
    except Exception:
        logger.warning("The throttle's cache did not answer; request let through.", exc_info=True)
        return None
    if count > settings.PUBLIC_REQUESTS_PER_MINUTE:
        return int(60 - now % 60) + 1
    return None


def throttled(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated and (wait := over_limit(request)):
            response = render(request, "fases/public/throttled.html", {"wait": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return view(request, *args, **kwargs)

    return wrapper
