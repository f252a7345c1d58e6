"""The anonymous rate limit as a counter per time window.

DRF's AnonRateThrottle keeps the time of every request in the window as a list, read and written
whole on each request: its cost grows with the rate (at a few thousand requests a minute the list
is tens of kilobytes per request). A counter per client and window costs the same at any rate.
A fixed window lets a client spend its allowance at the end of one window and again at the start
of the next: at most twice the rate over a short stretch, which is enough for a read-only API.

On Redis the counter is created and incremented in one round trip (a pipeline); the throttle
runs on every anonymous API request, cached ones included, so its round trips were about half
of a cached response's time. The page cache goes further and counts the request in the same
round trip as its stamp read (`count_in`). Other caches use add() and incr().
"""

from rest_framework.throttling import AnonRateThrottle

from tracker.clientip import client_address

COUNTED = "_anon_window_count"  # a request already counted in this window keeps its count here


class AnonWindowThrottle(AnonRateThrottle):
    def get_ident(self, request):
        # the address the proxies we run saw, never one the client wrote (tracker.clientip)
        return client_address(request)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        count = getattr(request, COUNTED, None)  # counted with the stamp (caching.py)
        if count is None:
            count = self.count(f"{key}:{window}")
        if count > self.num_requests:
            self.wait_seconds = (window + 1) * self.duration - now
            return False
        return True

    def count_in(self, pipeline, request) -> bool:
        """Queue this request's count on a Redis pipeline that is about to run anyway (the page
        cache's stamp read); `keep_count` then hands the result to `allow_request`. False when
        the request is not counted (no rate, or not anonymous)."""
        key = self.get_cache_key(request, None) if self.rate is not None else None
        if key is None:
            return False
        name = self.cache.make_and_validate_key(f"{key}:{int(self.timer() // self.duration)}")
        pipeline.set(name, 0, ex=self.duration, nx=True)
        pipeline.incr(name)
        return True

    @staticmethod
    def keep_count(request, count: int) -> None:
        setattr(request, COUNTED, count)

    def count(self, key: str) -> int:
        """Add one request to the window's counter and return the new count."""
        redis = getattr(self.cache, "_cache", None)
        if hasattr(redis, "get_client"):  # django.core.cache.backends.redis.RedisCache
            name = self.cache.make_and_validate_key(key)
            pipeline = redis.get_client(name, write=True).pipeline(transaction=False)
            pipeline.set(name, 0, ex=self.duration, nx=True)  # a new window's counter
            pipeline.incr(name)
            return pipeline.execute()[1]
        if self.cache.add(key, 1, self.duration):
            return 1
        try:
            return self.cache.incr(key)
        except ValueError:  # expired between the two calls: a new window
            self.cache.set(key, 1, self.duration)
            return 1

    def wait(self):
        return getattr(self, "wait_seconds", None)


class CostlyThrottle(AnonWindowThrottle):
    """A stricter anonymous rate (COSTLY_ANON_RATE) for what costs more the more data there is:
    the whole-dataset export and full-text search. Counted only when the work is done: a
    response the page cache already holds costs nothing and does not count."""

    scope = "costly"


def costly_refusal(request) -> float | None:
    """For plain Django views: None when an anonymous request may do the costly work now, else
    the seconds to wait (the request is counted either way, like DRF's throttles)."""
    throttle = CostlyThrottle()
    if throttle.allow_request(request, None):
        return None
    return max(1.0, throttle.wait() or 1.0)
