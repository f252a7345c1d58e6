"""Keeping a copy in sync: modified_at and updated_since on every list, /api/changes/ with
deletions, strict parameters; a mirror pulled through the API and synced stays exact."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from provisions import services
from provisions.changes import TYPES, Mark
from provisions.models import Assessment, Citation, Provision, Theme
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    CorrespondenceFactory,
    PositionFactory,
    ProvisionFactory,
    TagFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

LISTS = {name: route.replace("-detail", "-list") for name, (_, route, _) in TYPES.items()}


@pytest.fixture
def dataset():
    for n in range(3):
        provision = ProvisionFactory(number=n + 1)
        provision.themes.add(ThemeFactory())
        CitationFactory(provision=provision)
        AssessmentFactory(provision=provision)
        PositionFactory(provision=provision)
    CorrespondenceFactory()
    TagFactory()


def pull(client) -> dict:
    """Every row of every list, through the paginated JSON API."""
    mirror = {}
    for name, route in LISTS.items():
        url = reverse(route) + "?page_size=200"
        while url:
            page = client.get(url).json()
            for row in page["results"]:
                mirror[(name, row.get("id", row.get("slug")))] = row
            url = page["next"]
    return mirror


def key_of(name: str, row: dict):
    return (name, row.get("id", row.get("slug")))


def sync(client, mirror: dict, since: str) -> tuple[int, int]:
    """Apply /api/changes/ since `since` to the mirror; returns (requests, bytes)."""
    requests, size = 0, 0
    url = reverse("api:changes") + f"?since={since}"
    while url:
        response = client.get(url)
        requests, size = requests + 1, size + len(response.content)
        page = response.json()
        assert response.status_code == 200, page
        for change in page["results"]:
            name = change["type"]
            lookup = change["slug"] if TYPES[name][2] == "slug" else change["id"]
            if change["change"] == "deleted":
                mirror.pop((name, lookup), None)
                continue
            fetched = client.get(change["url"])
            requests, size = requests + 1, size + len(fetched.content)
            if fetched.status_code == 404:  # deleted later: a later change says so too
                continue
            row = fetched.json()
            mirror[key_of(name, row)] = row
        url = page["next"]
    return requests, size


def comparable(mirror: dict) -> dict:
    # a detail response nests more than a list row (a provision's citations): compare the
    # fields both carry, which are every column of the row
    return {key: (row["revision"], row["modified_at"]) for key, row in mirror.items()}


def test_a_mirror_synced_through_changes_equals_a_fresh_pull(client, dataset, editor):
    start = timezone.now().isoformat()
    mirror = pull(client)
    assert {name for name, _ in mirror} == set(TYPES)

    # edits, a creation and deletions, through the guarded services
    provision = Provision.objects.first()
    provision.text = "Reworded by an editor."
    services.record_save(obj=provision, user=editor)
    services.record_delete(obj=(a := Assessment.objects.first()), revision=a.revision, user=editor)
    services.record_delete(obj=(c := Citation.objects.last()), revision=c.revision, user=editor)
    theme = Theme.objects.first()
    theme.name = "Renamed theme"
    services.record_save(obj=theme, user=editor)
    CitationFactory(provision=provision)  # and a new source with it
    provision.themes.add(ThemeFactory())  # a many-to-many change is a change of the row

    requests, size = sync(client, mirror, start)
    assert comparable(mirror) == comparable(pull(client))
    assert requests <= 12 and size < 50_000


def test_changes_page_without_skipping_or_repeating(client, dataset, settings, monkeypatch):
    from provisions.api import views

    monkeypatch.setattr(views.ChangesView, "LIMIT", 4)
    url = reverse("api:changes") + "?since=2000-01-01"
    events = []
    while url:
        page = client.get(url).json()
        assert len(page["results"]) <= 4
        events += [change["event"] for change in page["results"]]
        url = page["next"]
    assert len(events) == len(set(events)) > 20
    times = [Mark.decode(Mark(timezone.now(), "plan", 1).encode()).type]  # round trip
    assert times == ["plan"]


def test_a_deletion_is_listed_with_its_id_and_no_url(client, dataset, editor):
    since = timezone.now().isoformat()
    assessment = Assessment.objects.first()
    pk = assessment.pk
    services.record_delete(obj=assessment, revision=assessment.revision, user=editor)
    results = client.get(reverse("api:changes"), {"since": since}).json()["results"]
    assert [(r["type"], r["id"], r["change"], r["url"]) for r in results] == [
        ("assessment", pk, "deleted", None)
    ]


@pytest.mark.parametrize(
    "query",
    [{}, {"since": "yesterday"}, {"since": "2026-02-30"}, {"since": "2026-01-01", "page": "2"}],
)  # fmt: skip
def test_bad_changes_requests_are_400(client, query):
    response = client.get(reverse("api:changes"), query)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-31T10:00:00+99:00",
        "0001-01-01T00:00:00+23:00",  # 31 December of year 0 in UTC
        "9999-12-31T23:59:59-23:00",  # year 10000 in UTC
    ],
)
@pytest.mark.parametrize(
    ("route", "name"),
    [("api:changes", "since"), *[(route, "updated_since") for route in LISTS.values()]],
)
def test_a_time_that_names_no_instant_is_a_400_naming_it(client, route, name, value):
    response = client.get(reverse(route), {name: value})
    assert response.status_code == 400 and name in response.json()


def test_the_first_and_last_days_of_the_calendar_are_times(client, dataset):
    assert client.get(reverse("api:changes"), {"since": "0001-01-01T00:00:00Z"}).status_code == 200
    later = client.get(reverse("api:provision-list"), {"updated_since": "9999-12-31"})
    assert later.status_code == 200 and later.json()["count"] == 0


def test_a_cursor_whose_time_names_no_instant_is_no_page(client):
    cursor = Mark(
        datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=23))),
        "plan",
        1,
    ).encode()
    response = client.get(reverse("api:changes"), {"since": "2026-01-01", "cursor": cursor})
    assert response.status_code == 404


def test_a_cursor_this_api_did_not_give_is_no_page(client):
    response = client.get(reverse("api:changes"), {"since": "2026-01-01", "cursor": "x"})
    assert response.status_code == 404


def test_every_list_row_has_modified_at_and_takes_updated_since(client, dataset):
    later = (timezone.now() + datetime.timedelta(seconds=1)).isoformat()
    for name, route in LISTS.items():
        rows = client.get(reverse(route)).json()["results"]
        assert rows and all("modified_at" in row for row in rows), name
        assert client.get(reverse(route), {"updated_since": later}).json()["count"] == 0, name
        assert client.get(reverse(route), {"updated_since": "2000-01-01"}).json()["count"]
        assert client.get(reverse(route), {"updated_since": "soon"}).status_code == 400


@pytest.mark.parametrize(
    "route, query, named",
    [
        ("api:provision-list", {"plan": "no-such-plan"}, "plan"),
        ("api:provision-list", {"theme": "nothing"}, "theme"),
        ("api:provision-list", {"changed_between": "a,b"}, "changed_between"),
        ("api:plan-list", {"party": "nobody"}, "party"),
        ("api:position-list", {"party": "nobody"}, "party"),
        ("api:correspondence-list", {"later_plan": "nope"}, "later_plan"),
        ("api:provision-list", {"modified_since": "2026-01-01"}, "modified_since"),
        ("api:theme-list", {"search": "x"}, "search"),
    ],
)
def test_an_unknown_parameter_or_slug_is_a_400_naming_it(client, dataset, route, query, named):
    response = client.get(reverse(route), query)
    assert response.status_code == 400 and named in response.json()
