"""DRF's anonymous and per-person throttles, with their rates read from the settings on each
request (DRF's own read them once, at import), so a test or a deployment can change them.

DRF's throttles keep, in the cache, the time of every request let through in the last
period: a list read, copied and written back on each request, as long as the rate allows
(1,200 entries a minute for a person; tens of thousands under a load test's rates). Here
the requests are counted per sixtieth of the period (a second, for a rate per minute):
at most 61 small numbers in the cache, whatever the rate. A request is refused when the
requests counted in the slices the period overlaps reach the rate, as DRF refuses when
its list does; a slice is counted until all of it has left the period, so a request may
be counted up to a sixtieth of the period longer than DRF would."""

from django.conf import settings
from rest_framework import throttling

# Slices of a period the requests are counted in.
SLICES = 60


class RatesFromSettings:
    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]


class CountedPerSlice:
    """``SimpleRateThrottle``'s decision and ``wait``, from counts per slice of the period
    (``{slice number: requests let through}``) instead of a list of every request."""

    # Not DRF's keys: a process still running DRF's throttle (during a deploy, after a
    # rollback) would fail on a value of this kind, and this one ignores a list.
    cache_format = "throttle_slices_%(scope)s_%(ident)s"

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        self.width = self.duration / SLICES
        current = int(self.now // self.width)
        stored = self.cache.get(self.key)
        # The slices that still overlap the period (an earlier format's value: none).
        self.counts = (
            {index: n for index, n in stored.items() if index >= current - SLICES}
            if isinstance(stored, dict)
            else {}
        )
        self.counted = sum(self.counts.values())
        if self.counted >= self.num_requests:
            return self.throttle_failure()
        self.counts[current] = self.counts.get(current, 0) + 1
        self.cache.set(self.key, self.counts, self.duration + self.width)
        return True

    def wait(self):
        """As DRF's: the time until the oldest counted request leaves the period (here its
        slice), shared among the requests that would then be available."""
        if self.counts:
            remaining = (min(self.counts) + 1) * self.width + self.duration - self.now
        else:
            remaining = self.duration
        available = self.num_requests - self.counted + 1
        if available <= 0:
            return None
        return remaining / float(available)


class AnonymousThrottle(CountedPerSlice, RatesFromSettings, throttling.AnonRateThrottle):
    pass


class PersonThrottle(CountedPerSlice, RatesFromSettings, throttling.UserRateThrottle):
    pass
