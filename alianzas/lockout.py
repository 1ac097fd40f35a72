"""The page shown when django-axes refuses a sign-in after too many wrong passwords.

Axes calls ``lockout_response`` (``AXES_LOCKOUT_CALLABLE``) instead of answering with
its own English text: the person reads, in their language, why they cannot sign in,
for how long, and who can unlock them.
"""

import math

from django.conf import settings
from django.shortcuts import render

LOCKED_OUT = 429  # Too Many Requests


def lockout_response(request, original_response=None, credentials=None):
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "axes/lockout.html", context, status=LOCKED_OUT)
