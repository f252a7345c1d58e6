"""The anonymous rate limit as a counter per time window.

DRF's AnonRateThrottle keeps the time of every request in the window as a list, read and written
whole on each request: its cost grows with the rate (at a few thousand requests a minute the list
is tens of kilobytes per request). A counter per client and window costs the same at any rate.
A fixed window lets a client spend its allowance at the end of one window and again at the start
of the next: at most twice the rate over a short stretch, which is enough for a read-only API.
"""

from rest_framework.throttling import AnonRateThrottle


class AnonWindowThrottle(AnonRateThrottle):
    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        key = f"{key}:{window}"
        if self.cache.add(key, 1, self.duration):
            count = 1
        else:
            try:
                count = self.cache.incr(key)
            except ValueError:  # expired between the two calls: a new window
                self.cache.set(key, 1, self.duration)
                count = 1
        if count > self.num_requests:
            self.wait_seconds = (window + 1) * self.duration - now
            return False
        return True

    def wait(self):
        return getattr(self, "wait_seconds", None)
