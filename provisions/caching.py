"""The dataset stamp, and whole responses cached under it for anonymous readers.

The stamp names the state of the data: it moves on with every write, so anything cached under
it (comparisons, rendered fragments, whole pages) is never served after an edit. Where it comes
from depends on the cache (settings.DATASET_STAMP):

- "cache": a generation number kept in the shared cache (Redis) and advanced, once the
  transaction commits, by every save, delete or many-to-many change of a tracker model. One cache
  read per request, and every app server sees a write at once.
- "database": the highest history id of each tracked model, in one query. Needs no shared cache
  (the default with the per-process local memory cache, where a generation could not reach the
  other processes).

`PageCacheMiddleware` keeps the whole response of an anonymous GET: an entry holds the stamp it
was made under and is served only while the stamp is unchanged. Logged-in users, requests with
credentials and responses that set a cookie, use the session or carry a CSRF token are never
cached. Cached API responses still count against the anonymous throttle.
"""

import contextlib
import functools
import hashlib
import threading
import time
from collections import OrderedDict

from asgiref.local import Local
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.functional import cached_property
from rest_framework.settings import api_settings

GENERATION_KEY = "dataset:generation"
EVERYTHING_KEY = f"{GENERATION_KEY}:everything"  # moved on by an advance that names no model
_request = Local()  # the stamp a read-only request started under (set by PageCacheMiddleware)


def dataset_stamp() -> str:
    from provisions.releases import reading_release

    # a release first: the stamp an API request started under (_stamp_counting reads it with
    # the throttle's count, release or not) is the live data's
    if (release := reading_release()) is not None:
        return f"release-{release.digest[:32]}"  # a release never changes
    stamp = getattr(_request, "stamp", None)
    if stamp is not None:
        return stamp
    if settings.DATASET_STAMP == "cache":
        return str(_generation(cache.get(GENERATION_KEY)))
    return _stamp_from_history()


def _generation(value, key: str = GENERATION_KEY) -> int:
    """The generation read from the cache, or a new one if the key was evicted or never set:
    started from the clock, it cannot repeat a generation already handed out."""
    if value is None:
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key)
    return value


def stamp_of(models) -> str:
    """The state of these models' rows only, for what is worked out from a few of them (a
    comparison, a count): moved on by every write to one of them and by every advance_stamp()
    that names no model, but not by an edit to another model (a position, a citation), which
    leaves such a value standing. A request that only reads takes every model's stamp once,
    before it reads any row (PageCacheMiddleware): an edit committed meanwhile then files
    newer rows under older stamps, never older rows (its own plans read earlier, a replica
    chosen earlier) under newer ones. Where the stamp lives in the database, it is the dataset
    stamp."""
    from provisions.releases import reading_release

    if reading_release() is not None or settings.DATASET_STAMP != "cache":
        return dataset_stamp()
    keys = [EVERYTHING_KEY, *sorted({_model_key(model) for model in models})]
    taken = getattr(_request, "generations", None)
    if taken is None or not taken.keys() >= set(keys):  # a write, a command, the shell
        taken = _generations(keys)
    return "-".join(str(taken[key]) for key in keys)


def _generations(keys) -> dict[str, int]:
    """The generations of these keys; those missing (evicted, or the cache emptied) are started
    from the clock, as _generation starts one, in a single round trip for them all."""
    found = {key: value for key, value in cache.get_many(keys).items() if value is not None}
    missing = [key for key in keys if key not in found]
    redis = getattr(cache, "_cache", None)
    if missing and hasattr(redis, "get_client"):
        names = [cache.make_and_validate_key(key) for key in missing]
        pipeline = redis.get_client(write=True).pipeline(transaction=False)
        started = time.time_ns()
        for name in names:
            pipeline.set(name, started, nx=True)  # stored as its digits, as Django stores an int
        pipeline.mget(names)
        found.update(zip(missing, map(int, pipeline.execute()[-1]), strict=True))
    return {key: found[key] if key in found else _generation(None, key) for key in keys}


@functools.cache
def _all_model_keys() -> tuple[str, ...]:
    """Everything's stamp and each dataset model's (their histories' are never read)."""
    models = _models_by_table().values()
    named = (_model_key(m) for m in models if not m.__name__.startswith("Historical"))
    return (EVERYTHING_KEY, *named)


@contextlib.contextmanager
def _reading(stamp: str | None = None):
    """A request that only reads, under the stamps of its start (see stamp_of): the dataset
    stamp given (the page cache's), or else read with the model stamps, in one round trip."""
    if settings.DATASET_STAMP == "cache":
        taken = _generations((GENERATION_KEY, *_all_model_keys()))
        _request.generations = taken
        stamp = stamp or str(taken[GENERATION_KEY])
    if stamp is not None:
        _request.stamp = stamp
    try:
        yield
    finally:
        for name in ("stamp", "generations"):
            if hasattr(_request, name):
                delattr(_request, name)


def _model_key(model) -> str:
    return f"{GENERATION_KEY}:{model._meta.label_lower}"


def _stamp_from_history() -> str:
    from provisions.models import TRACKED_MODELS

    tables = [model.history.model._meta.db_table for model in TRACKED_MODELS]
    sql = "SELECT " + ", ".join(f"(SELECT MAX(history_id) FROM {table})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return "-".join(str(value or 0) for value in cursor.fetchone())


def advance_stamp(model=None) -> None:
    """Move the generation on (after the surrounding transaction commits, so no reader can
    cache the old state under the new stamp), and with it the stamp of what was worked out
    from `model`'s rows (stamp_of): of everything's, when no model is named."""
    if settings.DATASET_STAMP == "cache":
        model_key = EVERYTHING_KEY if model is None else _model_key(model)
        transaction.on_commit(functools.partial(_advance_now, model_key))


def _advance_now(model_key: str = EVERYTHING_KEY) -> None:
    from tracker import replicas

    # Before any stamp moves: where the write is, so that a reader who sees the new stamp
    # reads a replica that holds it. Then the model's stamp, then the dataset's: a reader who
    # sees the new dataset stamp (and files what it renders under it) sees the new model stamp
    # too, never a value worked out before the write.
    if replicas.replicas() and not replicas.record_primary_position():
        replicas.position_unknown()  # (the primary failed just after the commit)
    for key in (model_key, GENERATION_KEY):
        try:
            cache.incr(key)
        except ValueError:  # evicted: any new generation will do
            cache.set(key, time.time_ns(), timeout=None)


def on_position_recovered(**kwargs) -> None:
    """Receiver for tracker.replicas.position_recovered: a write's position was unknown for a
    while, so a reader may have rendered a replica's rows without it under the new stamp;
    everything moves on, and nothing rendered meanwhile is served again."""
    if settings.DATASET_STAMP == "cache":
        _advance_now()


def on_data_change(sender, **kwargs) -> None:
    """Receiver for post_save, post_delete and m2m_changed (connected in apps.py; the sender of
    a many-to-many change is the model of its rows). Writes to another database (a release's
    read-only copy being built) are not the dataset's."""
    if sender._meta.app_label == "provisions" and kwargs.get("using") in (None, "default"):
        advance_stamp(sender)


# --- counts ------------------------------------------------------------------------------------

STAMPED_TIMEOUT = 24 * 3600  # keys carry the dataset stamp; old ones just expire


def remembered(name: str, compute, *, stamp: str | None = None, timeout: int = STAMPED_TIMEOUT):
    """`compute()`, kept in the cache under `name` and the dataset stamp (or the narrower
    `stamp` given, from stamp_of): worked out once per state of the data it is worked out from
    (an edit moves the stamp on, so it is never stale)."""
    key = f"{name}:{stamp or dataset_stamp()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=timeout)
    return value


class StampedCountPaginator(Paginator):
    """Counts a list's rows once per state of the tables it reads (the API's lists, the
    scorecard's versions): the count is kept under the query's SQL and the stamp of the models
    whose tables the SQL names (stamp_of). Counting is the part of a page whose cost grows with
    the archive (every provision: 48 ms at 10,000 versions, where the page itself takes 1 ms);
    an edit to one of those tables moves the stamp on, so a count is never stale, and an edit
    to another table (a position, for a list of provisions) leaves it standing."""

    @cached_property
    def count(self):
        if not isinstance(self.object_list, QuerySet):
            return super().count
        try:
            sql, params = self.object_list.query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing (queryset.none())
            return 0
        query = f"{self.object_list.db}\n{sql}\n{params!r}"
        read = [model for table, model in _models_by_table().items() if table in sql]
        name = f"count:{hashlib.sha256(query.encode()).hexdigest()}"
        uncounted = functools.partial(Paginator.count.func, self)  # the uncached count
        return remembered(name, uncounted, stamp=stamp_of(read) if read else None)


@functools.cache
def _models_by_table() -> dict[str, type]:
    """Each table of the dataset's models (and of their many-to-many rows) as SQL names it,
    quoted: a table's name inside another's never counts."""
    from django.apps import apps

    models = apps.get_app_config("provisions").get_models(include_auto_created=True)
    return {connection.ops.quote_name(model._meta.db_table): model for model in models}


# --- whole responses ---------------------------------------------------------------------------

# the admin is for logged-in users; the health check must answer without the database
UNCACHED_PREFIXES = ("/admin/", "/healthz")
PAGE_TIMEOUT = 24 * 3600  # entries go stale by stamp, not by time; this only bounds their stay
MAX_CACHED_BYTES = 2 * 1024 * 1024
# what a response may vary on: the cache key includes these request headers
KEYED_HEADERS = ("Accept", "HX-Request", "HX-Boosted", "HX-History-Restore-Request", "HX-Target")
_KEYED_VARY = {header.lower() for header in KEYED_HEADERS} | {"cookie", "accept-encoding"}


class PageCacheMiddleware:
    """Serve anonymous GETs from the cache while the dataset stamp is unchanged (see the module
    docstring). Placed last in MIDDLEWARE, so every other middleware still runs on a hit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            if request.method not in ("GET", "HEAD") or request.path.startswith(UNCACHED_PREFIXES):
                return self.get_response(request)
            # not kept whole, but what it works out (fragments, comparisons, counts) is kept
            # for everyone: under the stamps of its start too
            with _reading():
                return self.get_response(request)
        key = _page_key(request)
        stamp = _stamp_counting(request)
        entry = _recent.get(key, stamp)
        if entry is None:
            entry = cache.get(key)
            if entry is not None and entry[0] == stamp:
                _recent.put(key, entry)
        if entry is not None and entry[0] == stamp and _throttle_allows(request):
            return _response_from(request, entry)
        with _reading(stamp):  # a GET writes nothing: the whole request reads under one stamp
            response = self.get_response(request)
        if _cacheable_response(request, response):
            entry = _entry(stamp, key, response)
            cache.set(key, entry, timeout=PAGE_TIMEOUT)
            _recent.put(key, entry)
            response["ETag"] = entry[2]["ETag"]
            _revalidate(response)
        return response


class _RecentPages:
    """The last pages this process served, in its own memory: a hit needs only the stamp from
    the shared cache, not the page (tens of kilobytes) over the network. Entries are checked
    against the current stamp like the shared ones, so they are never stale either."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[str, tuple] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, stamp: str):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] != stamp:
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: tuple) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


RECENT_PAGES = 200  # at most a few megabytes per process: pages are 20–70 kB
_recent = _RecentPages(RECENT_PAGES)


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not request.path.startswith(UNCACHED_PREFIXES)
    )


def _page_key(request) -> str:
    parts = [request.build_absolute_uri()]
    parts += [request.headers.get(header, "") for header in KEYED_HEADERS]
    return "page:v1:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _cacheable_response(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # the page carries a CSRF token
        return False
    # read without a session cookie, the session is empty for everyone (DRF's session
    # authentication reads it); written, it would set a cookie
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if "private" in cache_control or "no-store" in cache_control:
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= _KEYED_VARY:
        return False
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return len(response.content) <= MAX_CACHED_BYTES


def _entry(stamp: str, key: str, response) -> tuple:
    headers = dict(response.items())
    if "ETag" not in headers:
        headers["ETag"] = f'W/"{stamp}.{key[-16:]}"'
    return (stamp, response.status_code, headers, response.content)


def _response_from(request, entry) -> HttpResponse:
    _stamp, status, headers, content = entry
    response = get_conditional_response(request, etag=headers["ETag"])
    if response is None:
        response = HttpResponse(content, status=status)
    for name, value in headers.items():
        response[name] = value
    _revalidate(response)
    return response


def _revalidate(response) -> None:
    """A reader's browser may keep the page but must ask again (a 304 when nothing changed):
    an edit shows at once. The page differs for a logged-in reader."""
    patch_cache_control(response, no_cache=True)
    patch_vary_headers(response, ("Cookie",))


def _stamp_counting(request) -> str:
    """The dataset stamp. An anonymous API request is also counted against the throttle in the
    same Redis round trip (where both live in Redis): a cached API response then costs one
    round trip, like a page, instead of two. The throttle finds the count on the request."""
    throttles = api_settings.DEFAULT_THROTTLE_CLASSES
    redis = getattr(cache, "_cache", None)
    if (
        settings.DATASET_STAMP != "cache"
        or not request.path.startswith("/api/")
        or not hasattr(redis, "get_client")
        or len(throttles) != 1
        or not hasattr(throttles[0], "count_in")
    ):
        return dataset_stamp()
    throttle = throttles[0]()
    pipeline = redis.get_client(write=True).pipeline(transaction=False)
    pipeline.get(cache.make_and_validate_key(GENERATION_KEY))
    counted = throttle.count_in(pipeline, request)
    results = pipeline.execute()
    if counted:
        throttle.keep_count(request, results[-1])
    return str(_generation(None if results[0] is None else int(results[0])))


def _throttle_allows(request) -> bool:
    """A cached API response still counts against the anonymous rate; when the rate is spent,
    the view answers (with DRF's 429 and Retry-After)."""
    if not request.path.startswith("/api/"):
        return True
    return all(
        throttle().allow_request(request, None)
        for throttle in api_settings.DEFAULT_THROTTLE_CLASSES
    )
