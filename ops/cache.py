"""The shared cache (CACHE_URL=redis://...) that degrades to no cache when Redis goes away
(docs/decisions/0017-operations.md).

Django's own Redis backend raises when the server does not answer; a cache must never turn
a page into a 500. `ForgivingRedisCache` answers a miss for every read and drops every
write while Redis is unreachable (rate limits then do not count: they come back with it),
logs it once a minute, and gives a dead server no more than `SOCKET_TIMEOUT` per call.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

#: Seconds a call may wait for Redis (connect and each answer): a socket on the same
#: machine answers in well under a millisecond.
SOCKET_TIMEOUT = 0.25
_LOG_EVERY = 60.0
_last_logged = 0.0


def _unavailable(operation: str, error: Exception) -> None:
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= _LOG_EVERY:
        _last_logged = now
        logger.warning("The cache is unavailable (%s: %s); serving without it", operation, error)


def forgiving(default):
    def decorate(method):
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (RedisError, OSError) as error:
                _unavailable(method.__name__, error)
                return default() if callable(default) else default

        wrapper.__name__ = method.__name__
        wrapper.__doc__ = method.__doc__
        return wrapper

    return decorate


class ForgivingRedisCache(RedisCache):
    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        super().__init__(server, params)

    get_many = forgiving(dict)(RedisCache.get_many)
    has_key = forgiving(False)(RedisCache.has_key)
    add = forgiving(False)(RedisCache.add)
    set = forgiving(None)(RedisCache.set)
    set_many = forgiving(list)(RedisCache.set_many)
    touch = forgiving(False)(RedisCache.touch)
    delete = forgiving(False)(RedisCache.delete)
    delete_many = forgiving(None)(RedisCache.delete_many)
    clear = forgiving(False)(RedisCache.clear)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except (RedisError, OSError) as error:
            _unavailable("get", error)
            return default

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except (RedisError, OSError) as error:
            _unavailable("incr", error)
            raise ValueError(f"Key {key!r} not found (the cache is unavailable)") from error
