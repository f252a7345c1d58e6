"""Which database each request reads from, with read replicas configured (tracker.replicas).

These test the routing decisions; tests/test_replicas_live.py proves them against a real
streaming replica."""

import time

import pytest
from django.core.cache import cache
from django.core.checks import run_checks
from django.db import OperationalError, connection, router, transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from provisions.models import Provision, Tag
from tracker import replicas
from tracker.replicas import PIN_COOKIE, ReplicaMiddleware


@pytest.fixture
def replicated(monkeypatch, settings):
    """One replica, "replica1", which has replayed position 100 unless a test says otherwise."""
    settings.DATABASE_REPLICAS = ["replica1"]
    positions = {"replica1": 100}
    probes = []

    def replay_position(alias):
        probes.append(alias)
        if isinstance(positions[alias], Exception):
            raise positions[alias]
        return positions[alias]

    monkeypatch.setattr(replicas, "replay_position", replay_position)
    monkeypatch.setattr(replicas, "_replayed", {})
    monkeypatch.setattr(replicas, "_unreachable_until", {})
    monkeypatch.setattr(replicas, "_required", lambda: required[0])
    required = [0]
    return positions, probes, required


def serve(request, view):
    """Run `view` inside the middleware; return its response and what the view saw."""
    seen = {}

    def get_response(request):
        seen.update(view() or {})
        return HttpResponse("ok")

    monkey_record = replicas.record_primary_position
    replicas.record_primary_position = lambda: seen.setdefault("recorded", True)
    try:
        response = ReplicaMiddleware(get_response)(request)
    finally:
        replicas.record_primary_position = monkey_record
    return response, seen


def reads():
    return {"reads": Provision.objects.all().db, "tags": Tag.objects.all().db}


def test_without_replicas_nothing_changes(settings):
    settings.DATABASE_REPLICAS = []
    response, seen = serve(RequestFactory().get("/"), reads)
    assert seen == {"reads": "default", "tags": "default"}
    assert PIN_COOKIE not in response.cookies
    assert router.db_for_write(Provision) == "default"


def test_a_read_only_request_reads_from_the_replica(replicated):
    response, seen = serve(RequestFactory().get("/"), reads)
    assert seen == {"reads": "replica1", "tags": "replica1"}
    assert PIN_COOKIE not in response.cookies
    # outside a request (commands, the shell) everything reads from the primary
    assert Provision.objects.all().db == "default"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_writing_method_reads_from_the_primary(replicated, method):
    _, seen = serve(getattr(RequestFactory(), method)("/"), reads)
    assert seen["reads"] == "default"


def test_a_request_that_writes_reads_from_the_primary_after_and_pins_the_writer(replicated):
    def write_then_read():
        before = Provision.objects.all().db
        assert router.db_for_write(Tag) == "default"  # a save asks this before it writes
        return {"before": before, **reads()}

    response, seen = serve(RequestFactory().get("/"), write_then_read)
    assert seen["before"] == "replica1" and seen["reads"] == "default"
    assert seen["recorded"]  # the primary's position after the write is kept
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == 10 and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie.value) > time.time()

    # the writer's next request, with the cookie, reads from the primary
    request = RequestFactory().get("/")
    request.COOKIES[PIN_COOKIE] = cookie.value
    _, seen = serve(request, reads)
    assert seen["reads"] == "default"


@pytest.mark.parametrize("value", [str(int(time.time()) - 1), "forged", ""])
def test_an_expired_or_malformed_pin_reads_from_the_replica(replicated, value):
    request = RequestFactory().get("/")
    request.COOKIES[PIN_COOKIE] = value
    _, seen = serve(request, reads)
    assert seen["reads"] == "replica1"


def test_reads_inside_a_transaction_stay_on_the_primary(replicated, db):
    # the db fixture holds a transaction open; every read in it must see its own writes
    _, seen = serve(RequestFactory().get("/"), reads)
    assert seen["reads"] == "default"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_transaction_opened_in_a_read_only_request_reads_from_the_primary(replicated):
    def in_and_out():
        with transaction.atomic():
            inside = Provision.objects.all().db
        return {"inside": inside, "outside": Provision.objects.all().db}

    _, seen = serve(RequestFactory().get("/"), in_and_out)
    assert seen == {"inside": "default", "outside": "replica1"}


def test_a_replica_behind_the_last_write_is_skipped_until_it_catches_up(replicated):
    positions, probes, required = replicated
    required[0] = 150  # a write reached position 150; the replica has replayed 100
    _, seen = serve(RequestFactory().get("/"), reads)
    assert seen["reads"] == "default"
    positions["replica1"] = 160
    _, seen = serve(RequestFactory().get("/"), reads)
    assert seen["reads"] == "replica1"
    # caught up to 160, it is not asked again while no later write is known
    probe_count = len(probes)
    _, seen = serve(RequestFactory().get("/"), reads)
    assert seen["reads"] == "replica1" and len(probes) == probe_count


def test_an_unreachable_replica_is_left_out_for_a_while(replicated, monkeypatch):
    positions, probes, required = replicated
    required[0] = 150
    positions["replica1"] = OperationalError("connection refused")
    _, seen = serve(RequestFactory().get("/"), reads)
    assert seen["reads"] == "default"
    positions["replica1"] = 200
    _, seen = serve(RequestFactory().get("/"), reads)
    assert seen["reads"] == "default" and probes == ["replica1"]  # not asked again yet
    replicas._unreachable_until["replica1"] = time.monotonic() - 1
    _, seen = serve(RequestFactory().get("/"), reads)
    assert seen["reads"] == "replica1"


def test_a_second_replica_serves_while_the_first_is_behind(replicated, settings):
    positions, _, required = replicated
    settings.DATABASE_REPLICAS = ["replica1", "replica2"]
    positions.update(replica1=100, replica2=300)
    required[0] = 200
    for _ in range(5):  # whichever is tried first
        _, seen = serve(RequestFactory().get("/"), reads)
        assert seen["reads"] == "replica2"


def test_replicas_are_never_migrated_and_rows_relate_across(replicated):
    assert router.allow_migrate("replica1", "provisions") is False
    assert router.allow_migrate("default", "provisions") is True
    read, written = Provision(), Provision()
    read._state.db, written._state.db = "replica1", "default"
    assert router.allow_relation(read, written) is True


def test_the_position_is_the_wal_location_in_order():
    assert replicas.lsn("0/16B3748") == 0x16B3748
    assert replicas.lsn("1/0") > replicas.lsn("0/FFFFFFFF")


def test_replicas_need_postgresql_and_a_shared_cache(settings):
    settings.DATABASE_REPLICAS = ["replica1"]
    with pytest.warns(UserWarning, match="DATABASES"):  # the connections are not remade: fine
        settings.DATABASES = {
            **settings.DATABASES,
            "replica1": {**settings.DATABASES["default"], "ENGINE": "django.db.backends.sqlite3"},
        }
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem"
                                                          ".LocMemCache"}}):  # fmt: skip
        ids = {message.id for message in run_checks()}
    assert {"tracker.E001", "tracker.E002"} <= ids
    settings.DATABASE_REPLICAS = []
    assert not {"tracker.E001", "tracker.E002"} & {message.id for message in run_checks()}


def test_reading_a_release_reads_the_live_rows_from_the_replica(replicated):
    from django.contrib.auth import get_user_model

    from provisions import releases

    token = releases._reading.set("release-7")
    try:
        _, seen = serve(
            RequestFactory().get("/"),
            lambda: {
                "people": get_user_model().objects.all().db,
                "rows": Provision.objects.all().db,
            },
        )
    finally:
        releases._reading.reset(token)
    assert seen == {"people": "replica1", "rows": "release-7"}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="WAL positions are PostgreSQL's")
def test_a_write_is_waited_for_before_its_stamp_moves_even_outside_a_request(
    settings, django_capture_on_commit_callbacks
):
    """A command's write (or one whose request has not ended yet) raises the position every
    replica must have replayed before the stamp moves on: a reader who sees the new stamp
    never renders the old rows under it."""
    settings.DATABASE_REPLICAS = ["replica1"]
    settings.DATASET_STAMP = "cache"
    cache.delete(replicas.LSN_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        Tag.objects.create(slug="contested", name="Contested")
    assert cache.get(replicas.LSN_KEY) > 0


@pytest.mark.django_db
def test_a_write_whose_position_was_lost_moves_every_stamp_once_the_primary_answers(
    settings, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    """The primary fails just after a commit, before its WAL position is recorded: the stamp
    still moves on and the position is marked unknown, so replicas keep serving reads. The
    first reader who can ask the primary again records its position and moves every stamp on:
    nothing rendered meanwhile from a replica without the write is served again."""
    from provisions import caching, queries

    settings.DATABASE_REPLICAS = ["replica1"]
    settings.DATASET_STAMP = "cache"
    primary = {"position": None}  # None: not answering

    def record():
        if primary["position"] is None:
            return False
        replicas._raise_required(primary["position"])
        return True

    monkeypatch.setattr(replicas, "record_primary_position", record)
    monkeypatch.setattr(replicas, "_recovery_after", [0.0])
    cache.delete(replicas.UNKNOWN_KEY)
    cache.set(replicas.LSN_KEY, 100, timeout=None)
    before = caching.dataset_stamp()
    with django_capture_on_commit_callbacks(execute=True):
        Tag.objects.create(slug="contested", name="Contested")
    written = caching.dataset_stamp()
    assert written != before  # the edit shows wherever a replica holds it
    assert cache.get(replicas.UNKNOWN_KEY) and "could not be recorded" in caplog.text

    assert replicas._required() == 100  # the primary still down: the replicas keep serving
    primary["position"] = 250
    assert replicas._required() == 100  # not asked again for REPLICA_RETRY_SECONDS
    assert caching.dataset_stamp() == written

    monkeypatch.setattr(replicas, "_recovery_after", [0.0])  # those seconds have passed
    compared = caching.stamp_of(queries.COMPARED)
    assert replicas._required() == 250
    recovered = caching.dataset_stamp()
    assert recovered != written and caching.stamp_of(queries.COMPARED) != compared
    assert cache.get(replicas.UNKNOWN_KEY) is None
    assert replicas._required() == 250 and caching.dataset_stamp() == recovered  # once only
