"""DRF's anonymous and per-person throttles, with their rates read from the settings on each
request (DRF's own read them once, at import), so a test or a deployment can change them."""

from django.conf import settings
from rest_framework import throttling


class RatesFromSettings:
    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]


class AnonymousThrottle(RatesFromSettings, throttling.AnonRateThrottle):
    pass


class PersonThrottle(RatesFromSettings, throttling.UserRateThrottle):
    pass
