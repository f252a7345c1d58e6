"""The dataset stamp and the page cache (provisions.caching): fast repeats, never stale."""

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from provisions import caching, queries, services
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    CorrespondenceFactory,
    PlanFactory,
    PositionFactory,
    ProvisionFactory,
    SearchTermFactory,
    TagFactory,
    ThemeFactory,
)
from tests.scratch import scratch_redis

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["database", "cache"])
def stamp_mode(request, settings):
    """Both places the stamp can live: every test here runs with each."""
    settings.DATASET_STAMP = request.param
    return request.param


def test_an_anonymous_repeat_is_served_from_the_cache(
    client, stamp_mode, django_assert_num_queries
):
    provision = ProvisionFactory(text="The ceiling is 600,000.")
    first = client.get(provision.plan.get_absolute_url())
    assert first.status_code == 200
    # the stamp costs one query where it lives in the database, none in the shared cache
    with django_assert_num_queries(1 if stamp_mode == "database" else 0):
        again = client.get(provision.plan.get_absolute_url())
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["ETag"] == first["ETag"]
    assert "no-cache" in again["Cache-Control"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_edit_shows_at_once(client, stamp_mode):
    provision = ProvisionFactory(text="The ceiling is 600,000.")
    url = provision.get_absolute_url()
    assert "600,000" in client.get(url).content.decode()
    assert "600,000" in client.get(provision.plan.get_absolute_url()).content.decode()

    provision.text = "The ceiling is 800,000."
    services.record_save(obj=provision, revision=provision.revision)

    assert "800,000" in client.get(url).content.decode()
    assert "800,000" in client.get(provision.plan.get_absolute_url()).content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_search_term_shows_in_cached_search_results_at_once(client, stamp_mode):
    ProvisionFactory(text="The armed forces regroup.")
    url = reverse("provisions:search") + "?q=bayonets"
    assert "regroup" not in client.get(url).content.decode()
    services.record_save(obj=SearchTermFactory(word="bayonets", finds="armed forces"))
    assert "regroup" in client.get(url).content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_edit_to_a_related_row_shows_at_once(client, stamp_mode):
    provision = ProvisionFactory()
    url = provision.get_absolute_url()
    client.get(url)
    tag = TagFactory(name="Contested here")
    services.assessment_add(provision=provision, tag=tag, rationale="Disputed by both sides.")
    assert "Contested here" in client.get(url).content.decode()


def test_a_write_that_rolls_back_keeps_the_stamp(stamp_mode, django_capture_on_commit_callbacks):
    before = caching.dataset_stamp()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ProvisionFactory()
    # nothing moves until the transaction commits; a rolled-back write never moves it
    if stamp_mode == "cache":
        assert callbacks and caching.dataset_stamp() == before
        for callback in callbacks:
            callback()
    assert caching.dataset_stamp() != before


def test_a_matching_etag_gets_304_until_the_data_changes(client, stamp_mode):
    plan = PlanFactory()
    etag = client.get(plan.get_absolute_url())["ETag"]
    not_modified = client.get(plan.get_absolute_url(), headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    ProvisionFactory(plan=plan)
    caching._advance_now()  # what the commit of that write does
    changed = client.get(plan.get_absolute_url(), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_htmx_partial_and_the_whole_page_are_cached_apart(client, stamp_mode):
    plan = PlanFactory()
    page = client.get(plan.get_absolute_url()).content
    partial = client.get(plan.get_absolute_url(), headers={"HX-Request": "true"}).content
    assert b"<html" in page and b"<html" not in partial
    assert client.get(plan.get_absolute_url()).content == page
    assert client.get(plan.get_absolute_url(), headers={"HX-Request": "true"}).content == partial


def test_a_logged_in_reader_never_gets_the_anonymous_copy(
    client, editor, stamp_mode, django_assert_max_num_queries
):
    plan = PlanFactory()
    client.get(plan.get_absolute_url())
    client.force_login(editor)
    response = client.get(plan.get_absolute_url())
    assert response.context is not None  # rendered for this reader, not replayed
    assert response.context["user"] == editor


def test_a_cached_api_response_still_counts_against_the_throttle(client, stamp_mode, settings):
    from rest_framework.throttling import AnonRateThrottle

    rates = {**AnonRateThrottle.THROTTLE_RATES, "anon": "3/minute"}
    AnonRateThrottle.THROTTLE_RATES = rates
    try:
        statuses = [client.get(reverse("api:plan-list")).status_code for _ in range(5)]
    finally:
        from rest_framework.settings import api_settings

        AnonRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert statuses == [200, 200, 200, 429, 429]


def test_on_redis_the_stamp_and_the_count_share_a_round_trip_and_count_once(
    client, production_cache, monkeypatch
):
    """The production setup: stamp and throttle in Redis. A cached API response costs one
    round trip, and a request rendered by the view is not counted a second time there."""
    import redis

    from provisions.api.throttling import AnonWindowThrottle

    monkeypatch.setattr(AnonWindowThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    plan = PlanFactory()
    url = reverse("api:plan-list")
    client.get(plan.get_absolute_url())  # a page first: it starts every model's stamp
    round_trips = []
    execute = redis.client.Pipeline.execute
    monkeypatch.setattr(
        redis.client.Pipeline,
        "execute",
        lambda self, *a, **k: round_trips.append(len(self.command_stack)) or execute(self, *a, **k),
    )
    statuses = [client.get(url).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]  # a miss, two hits, then the rate is spent
    assert round_trips == [3] * 5  # GET stamp + SET NX + INCR, once per request


def test_responses_that_set_a_cookie_or_use_the_session_are_not_cached(rf: RequestFactory):
    request = rf.get("/plans/x/")
    with_cookie = HttpResponse("x")
    with_cookie.set_cookie("seen", "1")
    assert not caching._cacheable_response(request, with_cookie)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    assert not caching._cacheable_response(request, HttpResponse("x"))
    private = HttpResponse("x", headers={"Cache-Control": "private"})
    assert not caching._cacheable_response(rf.get("/plans/x/"), private)
    odd_vary = HttpResponse("x", headers={"Vary": "User-Agent"})
    assert not caching._cacheable_response(rf.get("/plans/x/"), odd_vary)
    assert caching._cacheable_response(rf.get("/plans/x/"), HttpResponse("x"))


def test_requests_with_credentials_or_writes_bypass_the_cache(rf: RequestFactory, settings):
    assert caching._cacheable_request(rf.get("/plans/x/"))
    assert not caching._cacheable_request(rf.post("/plans/x/"))
    assert not caching._cacheable_request(rf.get("/api/plans/", HTTP_AUTHORIZATION="Token x"))
    with_session = rf.get("/plans/x/")
    with_session.COOKIES[settings.SESSION_COOKIE_NAME] = "abc"
    assert not caching._cacheable_request(with_session)
    assert not caching._cacheable_request(rf.get("/admin/"))
    assert not caching._cacheable_request(rf.get("/healthz"))


def test_an_evicted_generation_starts_afresh(settings):
    settings.DATASET_STAMP = "cache"
    first = caching.dataset_stamp()
    cache.delete(caching.GENERATION_KEY)
    assert caching.dataset_stamp() != first


def test_the_redis_cache_reuses_one_client_per_pool():
    from tracker.cache import TrackerRedisCache

    backend = TrackerRedisCache(scratch_redis(1), {})
    client = backend._cache.get_client("a")
    assert backend._cache.get_client("b", write=True) is client


def test_recent_pages_keep_the_newest_and_only_for_their_stamp():
    recent = caching._RecentPages(size=2)
    for name in "abc":
        recent.put(name, ("s1", 200, {}, name.encode()))
    assert recent.get("a", "s1") is None  # the oldest went
    assert recent.get("c", "s1")[3] == b"c"
    assert recent.get("c", "s2") is None  # made under another stamp


# --- what is worked out from a few models stands through edits to the others -------------------


@pytest.fixture
def pair(settings):
    settings.DATASET_STAMP = "cache"
    left = PlanFactory(slug="left")
    right = PlanFactory(slug="right", based_on=left)
    earlier = ProvisionFactory(plan=left, number=1, text="The ceiling is 600,000 troops.")
    later = ProvisionFactory(plan=right, number=1, text="The ceiling is 800,000 troops.")
    CorrespondenceFactory(earlier=earlier, later=later, status="confirmed", relation="modified")
    queries.comparison(left, right)  # worked out, and kept
    return left, right, later


def test_a_position_or_a_citation_leaves_the_comparisons_standing(
    pair, django_capture_on_commit_callbacks, django_assert_num_queries
):
    left, right, later = pair
    with django_capture_on_commit_callbacks(execute=True):
        PositionFactory(provision=later, plan=right)
        CitationFactory(provision=later)
    with django_assert_num_queries(0):  # from the cache: not worked out again
        assert queries.comparison(left, right).rows[0].relation == "modified"


@pytest.mark.parametrize("edit", ["text", "link", "tag", "theme", "plan"])
def test_an_edit_to_what_a_comparison_reads_shows_at_once(
    pair, edit, django_capture_on_commit_callbacks
):
    left, right, later = pair
    tag, theme = TagFactory(slug="contested"), ThemeFactory(slug="armed-forces")  # not edits
    with django_capture_on_commit_callbacks(execute=True):
        if edit == "text":
            later.text = "The ceiling is 900,000 troops."
            later.save()
        elif edit == "link":
            link = later.predecessor_links.get()
            link.relation = "reworded"
            link.save()
        elif edit == "tag":
            AssessmentFactory(provision=later, tag=tag)
        elif edit == "theme":
            later.themes.add(theme)
        else:
            right.numbered = False
            right.save()
    row = queries.comparison(left, right).rows[0]
    point = row.right[0]
    assert {
        "text": lambda: "900,000" in point.text,
        "link": lambda: row.relation == "reworded",
        "tag": lambda: queries.comparison(left, right).tags[point.id] == {"contested"},
        "theme": lambda: point.themes == ("armed-forces",),
        "plan": lambda: point.shown_as != "",
    }[edit]()


def test_a_comparison_reads_only_the_models_its_stamp_watches(
    pair, django_capture_on_commit_callbacks
):
    """queries.COMPARED names what a comparison is worked out from: were it to read another
    table, an edit there would not show until the next edit to one of these."""
    from django.apps import apps
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    left, right, _ = pair
    with django_capture_on_commit_callbacks(execute=True):
        caching.advance_stamp()  # everything moves on: worked out again
    with CaptureQueriesContext(connection) as captured:
        queries.comparison(left, right)
    models = apps.get_app_config("provisions").get_models(include_auto_created=True)
    tables = {connection.ops.quote_name(m._meta.db_table) for m in models}
    watched = {connection.ops.quote_name(m._meta.db_table) for m in queries.COMPARED}
    for query in captured.captured_queries:
        read = {table for table in tables if table in query["sql"]}
        assert read <= watched, query["sql"]
    assert captured.captured_queries


def test_a_list_is_counted_again_only_after_an_edit_to_a_table_it_counts(
    client, settings, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.DATASET_STAMP = "cache"
    provision = ProvisionFactory()
    url = reverse("api:provision-list")

    def counted() -> bool:
        cache.delete(caching._page_key(RequestFactory().get(url)))  # the page, not the count
        caching._recent.entries.clear()
        with CaptureQueriesContext(connection) as captured:
            data = client.get(url).json()
        counts = [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
        return bool(counts), data["count"]

    assert counted() == (True, 1)
    with django_capture_on_commit_callbacks(execute=True):
        PositionFactory(provision=provision, plan=provision.plan)
    assert counted() == (False, 1)
    with django_capture_on_commit_callbacks(execute=True):
        ProvisionFactory(plan=provision.plan, number=99)
    assert counted() == (True, 2)


def test_a_reading_request_keeps_the_stamps_it_started_under(
    rf, settings, django_capture_on_commit_callbacks
):
    """An edit committed while a page is being read must not file what the page worked out
    from rows read before it (or from a replica chosen before it) under the new stamps."""
    settings.DATASET_STAMP = "cache"
    seen = []

    def view(request):
        seen.append((caching.dataset_stamp(), caching.stamp_of(queries.COMPARED)))
        with django_capture_on_commit_callbacks(execute=True):  # another editor's save
            PlanFactory()
        seen.append((caching.dataset_stamp(), caching.stamp_of(queries.COMPARED)))
        return HttpResponse("ok")

    caching.PageCacheMiddleware(view)(rf.get("/plans/"))
    assert seen[0] == seen[1]
    assert caching.stamp_of(queries.COMPARED) != seen[0][1]  # the next request sees the edit
    editor = rf.get("/plans/", HTTP_AUTHORIZATION="Token x")  # never kept whole: the same
    seen.clear()
    caching.PageCacheMiddleware(view)(editor)
    assert seen[0] == seen[1]


def test_model_stamps_on_the_production_cache(production_cache, django_capture_on_commit_callbacks):
    """In Redis: the stamps are started once (all missing ones in one round trip) and kept,
    and only a write to a model a stamp watches moves it on."""
    provision = ProvisionFactory()  # (its commit never comes: the test's transaction)
    first = caching.stamp_of(queries.COMPARED)
    assert caching.stamp_of(queries.COMPARED) == first
    with django_capture_on_commit_callbacks(execute=True):
        PositionFactory(provision=provision)
    assert caching.stamp_of(queries.COMPARED) == first
    with django_capture_on_commit_callbacks(execute=True):
        provision.save()
    assert caching.stamp_of(queries.COMPARED) != first
