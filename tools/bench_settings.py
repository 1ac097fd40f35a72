"""The settings ``make bench`` serves the application with: the project's own
(``config.settings``, production mode included, read from the same environment), plus

- the URLs of ``tools.bench_urls``: the project's, and a plain DRF peer of the API to
  compare it with in the same run;
- API throttle rates no load generator reaches: the bench signs in one person per role and
  drives a page with thousands of requests a minute, which the per-person rate (1,200 a
  minute) would refuse with 429. The throttle's work (a cache read and write a request) is
  still done, by our API and the peer alike.

Only the benchmark uses it (``DJANGO_SETTINGS_MODULE=tools.bench_settings``); like the rest
of ``tools/`` it is not shipped (``.dockerignore``) and nothing in the product imports it.
"""

from config.settings import *  # noqa: F403 - every project setting, unchanged
from config.settings import REST_FRAMEWORK

ROOT_URLCONF = "tools.bench_urls"

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute", "user": "1000000/minute"},
}
