"""Reads from PostgreSQL streaming replicas, writes to the primary (DATABASE_REPLICA_URLS).

Without replicas configured nothing here does anything. With them (settings.DATABASE_REPLICAS,
the aliases "replica1", "replica2"… made from the comma-separated URLs):

- `ReplicaMiddleware` opens a route for each request. A request that is not a safe method
  (GET, HEAD, OPTIONS), or that carries the pin cookie, reads from the primary throughout.
- `ReplicaRouter` sends the reads of any other request to a replica, and every write to the
  primary. The first write of a request pins the rest of it to the primary, so a request that
  wrote reads what it wrote; so does anything inside a transaction on the primary.
- After a request that wrote, the response sets the pin cookie: the same browser reads from the
  primary for the next REPLICA_PIN_SECONDS (an editor sees their own edit on the next page at
  once), and the primary's WAL position after the write is kept in the shared cache
  (`LSN_KEY`), as each write commits, before the dataset stamp moves on, and again as the
  request ends. A replica serves a request only once it has replayed that far, so no reader,
  cookie or not, gets data older than the last write (or a page cached under the new dataset
  stamp but rendered from the old rows). A replica behind it is skipped (the primary reads),
  and is asked again at the next request; the answer is remembered per process, so a caught-up
  replica costs no query.
- If the primary cannot be asked its position after a commit (it failed just then), the stamp
  still moves on, and the position is marked unknown (`UNKNOWN_KEY`): replicas keep serving
  reads, but what a reader renders meanwhile may lack the write. The first reader who can ask
  the primary again records its position and moves every stamp on (`position_recovered`,
  received by provisions.caching), so nothing rendered meanwhile outlives the outage.
- A replica that cannot be reached is skipped for REPLICA_RETRY_SECONDS; with none left, reads
  go to the primary. With the primary down, reads keep going to the replicas (which hold every
  write the primary acknowledged to them) while writes fail with the 503 of tracker.resilience.

Only PostgreSQL has replicas here. Outside a request (commands, the shell, tests), reads go to
the primary.
"""

import contextvars
import dataclasses
import logging
import random
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.dispatch import Signal

PIN_COOKIE = "tracker_primary"
LSN_KEY = "replicas:primary-lsn"
UNKNOWN_KEY = "replicas:primary-lsn-unknown"  # a commit's position could not be recorded
position_recovered = Signal()  # sent once the position is known again
logger = logging.getLogger("tracker.replicas")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclasses.dataclass
class Route:
    primary: bool  # read from the primary for the rest of the request
    wrote: bool = False
    alias: str | None = None  # the replica chosen at the first read


_route: contextvars.ContextVar[Route | None] = contextvars.ContextVar("replica_route", default=None)
_replayed: dict[str, int] = {}  # per process: how far each replica was seen to have replayed
_unreachable_until: dict[str, float] = {}
_recovery_after = [0.0]  # per process: when to ask a primary that did not answer again


def replicas() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", ()))


def lsn(text: str) -> int:
    """PostgreSQL's WAL position "16/B374D848" as a number that orders like it."""
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def _required() -> int:
    """How far a replica must have replayed to serve a read (one cache round trip); first, if a
    commit's position was lost, the primary is asked for it again."""
    found = cache.get_many([LSN_KEY, UNKNOWN_KEY])
    if found.get(UNKNOWN_KEY) and _recover_position():
        return cache.get(LSN_KEY) or 0
    return found.get(LSN_KEY) or 0


def position_unknown() -> None:
    """A commit's position could not be recorded: see the module docstring."""
    logger.warning(
        "The primary's WAL position after a commit could not be recorded: replicas are read"
        " without waiting for that write until the primary answers again."
    )
    cache.set(UNKNOWN_KEY, True, timeout=None)


def _recover_position() -> bool:
    """Record the primary's position again, then move every stamp on (position_recovered) and
    only then drop the mark. False while the primary does not answer (asked again after
    REPLICA_RETRY_SECONDS, by this process)."""
    now = time.monotonic()
    if now < _recovery_after[0]:
        return False
    if not record_primary_position():
        _recovery_after[0] = now + settings.REPLICA_RETRY_SECONDS
        return False
    position_recovered.send(sender=None)
    cache.delete(UNKNOWN_KEY)
    logger.info("The primary's WAL position is known again; every stamp moved on.")
    return True


def _caught_up(alias: str, required: int) -> bool:
    if _replayed.get(alias, -1) < required:
        _replayed[alias] = replay_position(alias)
    return _replayed[alias] >= required


def replay_position(alias: str) -> int:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
            position = cursor.fetchone()[0]
    except DatabaseError:
        connection.close()  # reconnect afresh when it is tried again
        raise
    # a replica that has never replayed anything (or a primary listed as a replica) says NULL
    return lsn(position) if position else -1


def choose_replica() -> str:
    """A replica that is reachable and has replayed the last write, or the primary."""
    now = time.monotonic()
    candidates = [alias for alias in replicas() if _unreachable_until.get(alias, 0) <= now]
    random.shuffle(candidates)  # spread the readers
    required = _required() if candidates else 0
    for alias in candidates:
        try:
            if _caught_up(alias, required):
                return alias
        except DatabaseError:  # down or refusing: try the others, and this one again later
            _unreachable_until[alias] = now + settings.REPLICA_RETRY_SECONDS
    return DEFAULT_DB_ALIAS


def record_primary_position() -> bool:
    """Keep the primary's WAL position after the writes made so far (never lowering it): at
    the end of a request that wrote, and (provisions.caching) as each write commits, before
    the dataset stamp moves on, so that a reader who sees the new stamp waits for a replica
    that holds the write, even while the writer's request is still running or when the write
    came from a command. False when the primary does not answer."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            position = lsn(cursor.fetchone()[0])
    except DatabaseError:
        return False
    _raise_required(position)
    return True


# Redis keeps the highest position whatever the order two writers' requests end in
_RAISE = (
    "if tonumber(ARGV[1]) > tonumber(redis.call('GET', KEYS[1]) or '0') then "
    "redis.call('SET', KEYS[1], ARGV[1]) end"
)


def _raise_required(position: int) -> None:
    if isinstance(cache, RedisCache):  # Django stores an int as its digits, which Lua reads
        client = cache._cache.get_client(write=True)
        client.eval(_RAISE, 1, cache.make_and_validate_key(LSN_KEY), position)
    elif position > (cache.get(LSN_KEY) or 0):  # one process's memory: no writer to race
        cache.set(LSN_KEY, position, timeout=None)


class ReplicaRouter:
    """Reads to a replica within a read-only request, everything else to the primary."""

    def db_for_read(self, model, **hints):
        route = _route.get()
        if route is None or route.primary or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        if route.alias is None:
            route.alias = choose_replica()
        return route.alias

    def db_for_write(self, model, **hints):
        route = _route.get()
        if route is not None:
            route.primary = route.wrote = True
        return DEFAULT_DB_ALIAS if replicas() else None

    def allow_relation(self, obj1, obj2, **hints):
        databases = {DEFAULT_DB_ALIAS, *replicas()}
        if obj1._state.db in databases and obj2._state.db in databases:
            return True  # the same rows, wherever they were read
        return None

    def allow_migrate(self, db, app_label, **hints):
        return False if db in replicas() else None


class ReplicaMiddleware:
    """Opens each request's route (see the module docstring); after a request that wrote, sets
    the pin cookie and records the primary's position."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replicas():
            return self.get_response(request)
        pinned = _pin_valid(request.COOKIES.get(PIN_COOKIE))
        route = Route(primary=pinned or request.method not in SAFE_METHODS)
        token = _route.set(route)
        try:
            response = self.get_response(request)
        finally:
            _route.reset(token)
        if route.wrote:
            record_primary_position()
            response.set_cookie(
                PIN_COOKIE,
                str(int(time.time()) + settings.REPLICA_PIN_SECONDS),
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def _pin_valid(value: str | None) -> bool:
    """The cookie holds the time it ends; a forged one only makes its sender read the primary."""
    try:
        return value is not None and int(value) > time.time()
    except ValueError:
        return False
