"""The Redis cache, as a cache the application survives losing.

Django's ``RedisCache`` raises when Redis cannot be reached, and every page that reads the
cache would then fail while Redis is down. Here a failure is a miss: a read finds nothing, a
write is skipped, both are logged. That is safe because the cache only holds what can be
rebuilt: counts and page fragments are computed again.

After a failure Redis is left alone for ``RETRY_AFTER`` seconds, so while it is down a
request does not wait for a connection timeout at every cache call.

Sessions are not cached (``SESSION_ENGINE`` is ``config.sessions``, Django's ``db`` store):
a session ended while Redis was unreachable kept its old copy in Redis if Redis kept its
data (partitioned off, or restarted with persistence), and the signed-out person was signed
in again.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0


class KeptClientRedisCacheClient(RedisCacheClient):
    """Django's client, building the ``redis.Redis`` in front of each connection pool once.

    Django builds a new one for every cache call: about 0.17 ms of a 0.42 ms read on the
    bench's machine (docs/performance.md), for an object that holds nothing but its pool.
    redis-py's client may be shared between threads (each command takes a connection from
    the pool), and its pool starts afresh in a forked process, so one per pool serves
    every call of this cache object (Django keeps one per thread)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class TolerantRedisCache(RedisCache):
    _down_until = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient

    def _attempt(self, operation: str, call, fallback):
        if time.monotonic() < TolerantRedisCache._down_until:
            return fallback
        try:
            return call()
        except (RedisError, OSError) as error:
            TolerantRedisCache._down_until = time.monotonic() + RETRY_AFTER
            logger.warning("Cache unavailable (%s skipped): %s", operation, error)
            return fallback

    def add(self, key, value, timeout=None, version=None, **kwargs):
        return self._attempt(
            "add", lambda: super(TolerantRedisCache, self).add(key, value, timeout, version), False
        )

    def get(self, key, default=None, version=None):
        return self._attempt(
            "get", lambda: super(TolerantRedisCache, self).get(key, default, version), default
        )

    def set(self, key, value, timeout=None, version=None, **kwargs):
        return self._attempt(
            "set", lambda: super(TolerantRedisCache, self).set(key, value, timeout, version), None
        )

    def touch(self, key, timeout=None, version=None):
        return self._attempt(
            "touch", lambda: super(TolerantRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key, version=None):
        return self._attempt(
            "delete", lambda: super(TolerantRedisCache, self).delete(key, version), False
        )

    def get_many(self, keys, version=None):
        keys = list(keys)
        return self._attempt(
            "get_many", lambda: super(TolerantRedisCache, self).get_many(keys, version), {}
        )

    def has_key(self, key, version=None):
        return self._attempt(
            "has_key", lambda: super(TolerantRedisCache, self).has_key(key, version), False
        )

    def set_many(self, data, timeout=None, version=None):
        return self._attempt(
            "set_many",
            lambda: super(TolerantRedisCache, self).set_many(data, timeout, version),
            list(data),
        )

    def delete_many(self, keys, version=None):
        keys = list(keys)
        return self._attempt(
            "delete_many", lambda: super(TolerantRedisCache, self).delete_many(keys, version), None
        )

    def clear(self):
        return self._attempt("clear", lambda: super(TolerantRedisCache, self).clear(), False)
