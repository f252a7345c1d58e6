"""Django's Redis cache, keeping one client per connection pool.

Django's RedisCacheClient builds a new redis.Redis object for every cache call, which sets up its
~170 response callbacks each time: about a third of the work of a cached page here. A client is
only a thin wrapper around its (thread-safe, fork-aware) pool, so one per pool is reused.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class TrackerRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
