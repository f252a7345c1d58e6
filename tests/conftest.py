import pytest
from django.contrib.auth.models import Group

from tests.factories import CitationFactory, PlanFactory, ProvisionFactory, ThemeFactory


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", password="a-long-test-passphrase")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def analyst(django_user_model):
    user = django_user_model.objects.create_user("analyst", password="a-long-test-passphrase")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Analysts"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def make_plan():
    """A plan with `count` provisions, each with a theme and a citation."""

    def make(count: int = 5, **fields):
        plan = PlanFactory(**fields)
        theme = ThemeFactory()
        for number in range(1, count + 1):
            provision = ProvisionFactory(plan=plan, number=number, position=number)
            provision.themes.add(theme)
            CitationFactory(provision=provision)
        return plan

    return make


def pytest_configure(config):
    # whitenoise warns on every request when STATIC_ROOT does not exist (no collectstatic in tests)
    from django.conf import settings

    settings.STATIC_ROOT.mkdir(exist_ok=True)


def pytest_collection_modifyitems(items):
    """Every transactional test must use serialized_rollback. A flush without it re-creates
    content types and permissions (post_migrate) under new ids, and the next test that does
    restore the migrated data (the browser tests) then fails on duplicate content types."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            raise pytest.UsageError(
                f"{item.nodeid}: use django_db(transaction=True, serialized_rollback=True)"
            )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters, cached comparisons and pages live in the cache: start every test clean
    (test databases reuse ids after a rollback, so a stamp could repeat across tests)."""
    from django.core.cache import cache

    from provisions import caching

    cache.clear()
    caching._recent.entries.clear()
    yield
    cache.clear()
    caching._recent.entries.clear()


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path_factory):
    """Export files are named by database and stamp; test databases repeat both. Release files
    are named by number and digest, which tests repeat too."""
    settings.EXPORT_DIR = tmp_path_factory.mktemp("export")
    settings.RELEASE_DIR = tmp_path_factory.mktemp("releases")


@pytest.fixture(autouse=True)
def _throttle_clock_held(monkeypatch):
    """The throttles count in fixed one-minute windows: their clock is held in the middle of
    the current minute, so a test's requests are never split between two windows by the
    minute turning while it runs (a test that needs the clock to move sets its own)."""
    import time

    from provisions.api.throttling import AnonWindowThrottle

    held = (time.time() // 60) * 60 + 30
    monkeypatch.setattr(AnonWindowThrottle, "timer", staticmethod(lambda: held))


@pytest.fixture
def costly_rate_unlimited(monkeypatch):
    """For tests that search or export many times as one anonymous client on purpose."""
    from provisions.api.throttling import CostlyThrottle

    rates = {**CostlyThrottle.THROTTLE_RATES, "costly": "1000000/minute"}
    monkeypatch.setattr(CostlyThrottle, "THROTTLE_RATES", rates)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def production_cache(settings):
    """The production setup: the cache, the dataset stamp and the throttle in Redis (a scratch
    database, emptied before and after). Skipped without Redis; .ci/run starts one."""
    import redis
    from django.core.cache import cache

    from tests.scratch import scratch_redis

    settings.CACHES = {
        "default": {"BACKEND": "tracker.cache.TrackerRedisCache", "LOCATION": scratch_redis()}
    }
    settings.DATASET_STAMP = "cache"
    try:
        cache.clear()
    except redis.ConnectionError as error:
        pytest.skip(f"no Redis on 127.0.0.1:6379 ({error}); .ci/run starts one")
    yield cache
    cache.clear()
