"""Numbered releases: immutable, citable, downloadable, and readable as they were
(`?release=`); one provision's text on a date from history (`?as_of=`)."""

import datetime
import json
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from provisions import releases, services
from provisions.models import Plan, Provision, Release
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    CorrespondenceFactory,
    PartyFactory,
    PlanFactory,
    PositionFactory,
    ProvisionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data():
    plan = PlanFactory(slug="first-plan")
    later = PlanFactory(slug="later-plan", based_on=plan)
    points = [
        ProvisionFactory(plan=plan, number=n, text=f"Point {n} holds 600,000 troops.")
        for n in (1, 2, 3)
    ]
    points[0].themes.add(ThemeFactory(slug="security"))
    successor = ProvisionFactory(plan=later, number=1, text="Point 1 holds 800,000 troops.")
    CorrespondenceFactory(earlier=points[0], later=successor)
    for point in points:
        CitationFactory(provision=point)
    AssessmentFactory(provision=points[1])
    PositionFactory(provision=points[2])
    return {"plan": plan, "later": later, "points": points, "successor": successor}


def edit(provision, text):
    provision.refresh_from_db()
    provision.text = text
    return services.record_save(obj=provision, revision=provision.revision)


# --- making a release ------------------------------------------------------------------------


def test_a_release_freezes_every_row_with_its_id(data):
    release = releases.publish(1, "First release.")
    assert release.counts["provisions"] == 4
    assert release.counts["plans"] == 2
    assert release.counts["correspondences"] == 1
    assert release.counts["positions"] == 1
    records = releases.records_of(release)
    point = data["points"][0]
    frozen = next(
        r for r in records if r["model"] == "provisions.provision" and r["pk"] == point.pk
    )
    assert frozen["fields"]["text"] == point.text
    assert frozen["fields"]["themes"] == [point.themes.get().pk]
    assert len(release.digest) == 64


def test_a_release_is_never_changed_or_deleted(data):
    release = releases.publish(1, "First release.")
    release.notes = "Something else."
    with pytest.raises(ValidationError):
        release.save()
    with pytest.raises(ValidationError):
        release.delete()
    assert Release.objects.get().notes == "First release."


@pytest.mark.parametrize(
    ("number", "notes", "field"),
    [(1, "Again.", "number"), (0, "Zero.", "number"), (2, "  ", "notes")],
)
def test_a_release_number_only_goes_up_and_notes_are_required(data, number, notes, field):
    releases.publish(1, "First release.")
    with pytest.raises(releases.ReleaseError) as raised:
        releases.publish(number, notes)
    assert field in raised.value.message_dict
    assert Release.objects.count() == 1


def test_people_are_frozen_by_public_name_only(data, editor):
    editor.first_name, editor.last_name = "Olena", "Editor"
    editor.save()
    AssessmentFactory(provision=data["points"][0], author=editor)
    records = releases.records_of(releases.publish(1, "First release."))
    people = [r for r in records if r["model"] == "auth.user"]
    assert people == [
        {
            "model": "auth.user",
            "pk": editor.pk,
            "fields": {"username": f"person-{editor.pk}", "first_name": "Olena Editor"},
        }
    ]
    assert editor.username not in json.dumps(records)


def test_the_release_command_makes_a_release_and_its_files(data, capsys):
    call_command("release", "1", "--notes", "From the command line.")
    release = Release.objects.get()
    out = capsys.readouterr().out
    assert "Release 1: 3 themes" not in out and "Release 1:" in out
    directory = releases.release_dir(release)
    assert (directory / "export.json").exists()
    assert (directory / "package.zip").exists()
    with pytest.raises(CommandError, match="next number must be higher"):
        call_command("release", "1", "--notes", "Again.")


# --- what changed since the release before ---------------------------------------------------


def test_changes_since_the_previous_release(data):
    first = releases.publish(1, "First release.")
    edit(data["points"][0], "Point 1 now holds 800,000 troops.")
    data["points"][1].refresh_from_db()
    data["points"][1].assessments.all().delete()
    services.record_delete(obj=data["points"][1], revision=data["points"][1].revision)
    ProvisionFactory(plan=data["plan"], number=9)
    later = data["later"]
    later.withdrawn, later.withdrawn_reason = True, "Superseded."
    services.record_save(obj=later, revision=later.revision)
    second = releases.publish(2, "Second release.")

    by_group = {entry.group: entry for entry in releases.changes(second, first)}
    assert by_group["provisions"].added == ["first-plan 9"]
    assert by_group["provisions"].changed == ["first-plan 1"]
    assert by_group["provisions"].removed == ["first-plan 2"]
    assert by_group["plans"].withdrawn == ["later-plan"]
    assert by_group["plans"].changed == []
    assert len(by_group["assessments"].removed) == 1
    # a first release adds everything
    assert {e.group: len(e.added) for e in releases.changes(first, None)}["provisions"] == 4


def test_release_pages_list_changes_and_say_how_to_cite(client, data):
    releases.publish(1, "First release.")
    edit(data["points"][0], "Point 1 now holds 800,000 troops.")
    releases.publish(2, "Second release.")
    listing = client.get(reverse("provisions:release-list")).content.decode()
    assert "Release 2" in listing and "Since release 1:" in listing
    assert "provisions 1 changed" in listing
    page = client.get(reverse("provisions:release-detail", args=[2])).content.decode()
    assert "@misc{peace-plan-tracker-release-2" in page
    assert "&quot;type&quot;: &quot;dataset&quot;" in page
    assert "first-plan 1" in page
    assert client.get(reverse("provisions:release-detail", args=[7])).status_code == 404


def test_release_pages_take_a_fixed_number_of_queries(client, data, django_assert_max_num_queries):
    for number in range(1, 4):
        releases.publish(number, f"Release {number}.")
    client.get(reverse("provisions:release-list"))  # the changes are computed once, then kept
    with django_assert_max_num_queries(6):
        client.get(reverse("provisions:release-list"))


# --- citing ----------------------------------------------------------------------------------


def test_release_citation_in_three_styles(api_client, data):
    releases.publish(1, "First release.")
    url = reverse("api:release-cite", args=[1])
    body = api_client.get(url).json()
    assert "release 1" in body["text"] and "http://testserver/releases/1/" in body["text"]
    assert body["csl"][0]["version"] == "1" and body["csl"][0]["type"] == "dataset"
    bibtex = api_client.get(url, {"style": "bibtex"})
    assert bibtex["Content-Type"].startswith("text/x-bibtex")
    assert "version = {1}" in bibtex.content.decode()
    csl = api_client.get(url, {"style": "csl"})
    assert json.loads(csl.content)[0]["URL"] == "http://testserver/releases/1/"
    assert api_client.get(url, {"style": "apa"}).status_code == 400
    assert api_client.get(reverse("api:release-cite", args=[5])).status_code == 404


def test_the_repository_says_how_to_cite_it():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert citation["title"] and citation["authors"] and citation["message"]


# --- downloads -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["export.json", "package.zip"])
def test_downloads_are_files_with_etag_and_length(client, data, name, monkeypatch):
    release = releases.publish(1, "First release.")
    url = reverse("provisions:release-download", args=[1, name])
    response = client.get(url)
    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert int(response["Content-Length"]) == len(body)
    etag = response["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # written once: a second request never rebuilds the file
    monkeypatch.setattr(releases, "_export_bytes", lambda r: pytest.fail("rebuilt"))
    monkeypatch.setattr("provisions.package.write", lambda *a, **k: pytest.fail("rebuilt"))
    again = client.get(url)
    assert again["ETag"] == etag and b"".join(again.streaming_content) == body
    if name == "export.json":
        records = json.loads(body)
        assert {r["pk"] for r in records if r["model"] == "provisions.provision"} == set(
            Provision.objects.values_list("pk", flat=True)
        )
    assert (
        client.get(reverse("provisions:release-download", args=[1, "db.sqlite3"])).status_code
        == 404
    )
    assert release.number == 1


def test_api_lists_releases_with_their_downloads(api_client, data):
    releases.publish(1, "First release.")
    listing = api_client.get(reverse("api:release-list")).json()
    assert [r["number"] for r in listing] == [1]
    assert listing[0]["downloads"]["package"].endswith("/releases/1/package.zip")
    detail = api_client.get(reverse("api:release-detail", args=[1])).json()
    assert detail["changes"]["provisions"]["added"]
    assert api_client.get(reverse("api:release-list"), {"bogus": 1}).status_code == 400


# --- reading a release -----------------------------------------------------------------------


@pytest.fixture
def released(data):
    """Release 1, then edits: a changed point, a deleted point, a new point."""
    release = releases.publish(1, "First release.")
    edit(data["points"][0], "Point 1 now holds 800,000 troops.")
    gone = data["points"][1]
    gone.refresh_from_db()
    gone_pk = gone.pk
    gone.assessments.all().delete()
    services.record_delete(obj=gone, revision=gone.revision)
    ProvisionFactory(plan=data["plan"], number=9, text="A point added after the release.")
    return {**data, "release": release, "gone_pk": gone_pk}


def test_api_reads_a_release_as_it_was(api_client, released):
    point = released["points"][0]
    url = reverse("api:provision-detail", args=[point.pk])
    assert api_client.get(url).json()["text"] == "Point 1 now holds 800,000 troops."
    then = api_client.get(url, {"release": 1})
    assert then.json()["text"] == "Point 1 holds 600,000 troops."
    assert then["Dataset-Release"] == "1"
    # a point deleted since is still there in the release; one added since is not
    gone = reverse("api:provision-detail", args=[released["gone_pk"]])
    assert api_client.get(gone).status_code == 404
    assert api_client.get(gone, {"release": 1}).status_code == 200
    listing = api_client.get(reverse("api:provision-list"), {"plan": "first-plan", "release": 1})
    assert sorted(row["label"] for row in listing.json()["results"]) == ["1", "2", "3"]
    current = api_client.get(reverse("api:provision-list"), {"plan": "first-plan"})
    assert sorted(row["label"] for row in current.json()["results"]) == ["1", "3", "9"]


def test_the_comparison_reads_a_release(api_client, released):
    params = {"left": "first-plan", "right": "later-plan"}
    now = api_client.get(reverse("api:compare"), params).json()
    then = api_client.get(reverse("api:compare"), {**params, "release": 1}).json()
    assert "Point 1 holds 600,000" in json.dumps(then)
    assert "Point 1 holds 600,000" not in json.dumps(now)
    assert "added after the release" in json.dumps(now)
    assert "added after the release" not in json.dumps(then)


def test_a_release_keeps_its_many_to_many_rows(api_client, released):
    """A point's themes and a version's principal parties live in tables of their own: read
    from the release with the rows that hold them, not from today's."""
    point, plan = released["points"][0], released["plan"]
    point.themes.set([ThemeFactory(slug="economy")])
    plan.principal_parties.set([PartyFactory(slug="later-party")])
    params = {"left": "first-plan", "right": "later-plan"}

    def themes(answer):
        return {
            theme for row in answer.json()["rows"] for p in row["left"] for theme in p["themes"]
        }

    assert themes(api_client.get(reverse("api:compare"), params)) == {"economy"}
    assert themes(api_client.get(reverse("api:compare"), {**params, "release": 1})) == {"security"}
    with releases.reading(released["release"]):
        assert list(plan.principal_parties.values_list("slug", flat=True)) == []
        through = Plan.principal_parties.through.objects.filter(plan_id=plan.pk)
        assert not through.exists()


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("api:provision-list", {"release": "7"}, 404),
        ("api:provision-list", {"release": "one"}, 400),
        ("api:provision-list", {"release": ""}, 400),
        ("api:provision-list", {"release": "01"}, 400),
        ("api:changes", {"release": "1", "since": "2026-01-01T00:00:00Z"}, 400),
        ("api:export", {"release": "1"}, 400),
    ],
)
def test_a_release_that_cannot_answer_is_refused_by_name(
    api_client, released, path, params, status
):
    response = api_client.get(reverse(path), params)
    assert response.status_code == status
    assert "release" in response.json()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("/?release=abc", "named by its number"),
        ("/?release=-1", "named by its number"),
        ("/releases/?release=1", "does not read releases"),
    ],
)
def test_a_page_refuses_a_release_it_cannot_read_on_the_site_s_own_page(
    client, released, url, says
):
    response = client.get(url)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert says in html and "<h1>Bad request</h1>" in html


def test_writes_never_go_to_a_release(api_client, released, editor):
    api_client.force_authenticate(editor)
    point = released["points"][0]
    url = reverse("api:provision-detail", args=[point.pk]) + "?release=1"
    response = api_client.patch(url, {"note": "x"}, HTTP_IF_MATCH='"9"')
    assert response.status_code == 400
    assert "read-only" in response.json()["release"][0]


def test_pages_read_a_release_with_a_banner(client, released):
    point = released["points"][0]
    url = reverse("provisions:provision-detail", args=["first-plan", "1"])
    now = client.get(url).content.decode()
    then = client.get(url, {"release": 1}).content.decode()
    assert "You are reading release 1" in then and "You are reading release 1" not in now
    assert "Point 1 holds 600,000 troops." in then
    # the page's history stops at the release
    assert "now holds 800,000" not in then
    assert "now holds 800,000" in now
    compare = client.get(
        reverse("provisions:compare", args=["first-plan", "later-plan"]), {"release": 1}
    )
    assert compare.status_code == 200 and "release 1" in compare.content.decode()
    assert client.get(url, {"release": 3}).status_code == 404
    assert client.get(reverse("provisions:release-list"), {"release": 1}).status_code == 400
    assert point.pk


def test_the_pictures_read_a_release_and_their_downloads_keep_it(client, released):
    flow = client.get(reverse("provisions:flow"), {"v": ["first-plan", "later-plan"], "release": 1})
    page = flow.content.decode()
    assert "You are reading release 1" in page
    assert "release=1" in page.split("download the picture as")[1][:400]
    svg = client.get(
        reverse("provisions:flow-picture", args=["svg"]),
        {"v": ["first-plan", "later-plan"], "release": 1},
    )
    assert svg.status_code == 200 and svg["Dataset-Release"] == "1"
    timeline = client.get(reverse("provisions:timeline"), {"release": 1}).content.decode()
    assert "You are reading release 1" in timeline
    assert "timeline.svg?release=1" in timeline
    point = client.get(released["points"][0].get_absolute_url(), {"release": 1})
    assert "lineage.svg?release=1" in point.content.decode()


def test_a_release_database_is_rebuilt_for_a_new_schema_not_reused(released, monkeypatch):
    release = released["release"]
    first = releases.database_file(release)
    monkeypatch.setattr(releases, "_schema_fingerprint", lambda: "another-schema")
    second = releases.database_file(release)
    assert first != second and second.exists()
    with releases.reading(release):
        assert Provision.objects.filter(plan__slug="first-plan").count() == 3
    assert Provision.objects.filter(plan__slug="first-plan").count() == 3  # 1, 3, 9 now


def test_reading_a_release_refuses_writes_to_the_dataset(released):
    with releases.reading(released["release"]), pytest.raises(releases.ReleaseError):
        Plan.objects.create(
            slug="new", title="t", short_name="s", presented_on=datetime.date.today()
        )


# --- one provision on a date, from history ---------------------------------------------------


def test_a_provision_as_of_a_date(api_client, data):
    point = data["points"][0]
    before = timezone.now()
    edit(point, "Point 1 now holds 800,000 troops.")
    url = reverse("api:plan-provision-detail", args=["first-plan", "1"])
    then = api_client.get(url, {"as_of": before.isoformat()})
    assert then.status_code == 200
    assert then.json()["text"] == "Point 1 holds 600,000 troops."
    today = api_client.get(url, {"as_of": timezone.now().date().isoformat()}).json()
    assert today["text"] == "Point 1 now holds 800,000 troops."
    assert api_client.get(url, {"as_of": "2020-01-01"}).status_code == 404
    assert (
        "history on this database begins"
        in api_client.get(url, {"as_of": "2020-01-01"}).json()["as_of"][0]
    )
    assert api_client.get(url, {"as_of": "soon"}).status_code == 400
    assert api_client.get(url, {"as_of": "2026-01-01", "x": "1"}).status_code == 400


def test_the_provision_page_shows_the_text_on_a_date(client, data):
    point = data["points"][0]
    before = timezone.now()
    edit(point, "Point 1 now holds 800,000 troops.")
    url = reverse("provisions:provision-detail", args=["first-plan", "1"])
    page = client.get(url, {"as_of": before.isoformat()}).content.decode()
    assert "The text as saved on" in page and "Point 1 holds 600,000 troops." in page
    assert "[deleted: </span>600,000" in page or "600,000" in page
    # a moment named to the second is shown to the second: two edits of one day differ
    shown = timezone.localtime(before)
    assert f"The text as saved on {shown:%-d %B %Y, %H:%M:%S}" in page
    day = client.get(url, {"as_of": f"{before:%Y-%m-%d}"}).content.decode()
    assert f"The text as saved on {shown:%-d %B %Y}</h2>" in day
    bad = client.get(url, {"as_of": "never"}).content.decode()
    assert "Give a date such as" in bad


# parse, but name no instant: an offset beyond ±23:59, or a moment that falls off the calendar
# (year 1 or 9999) once it is moved to UTC
UNUSABLE_MOMENTS = [
    "2026-01-31T10:00:00+99:00",
    "2026-01-31 10:00:00+99:00",
    "0001-01-01T00:00:00+23:00",
    "9999-12-31T23:59:59-23:00",
]


@pytest.mark.parametrize("value", UNUSABLE_MOMENTS)
def test_an_as_of_that_names_no_instant_is_a_400_naming_it(api_client, data, value):
    url = reverse("api:plan-provision-detail", args=["first-plan", "1"])
    response = api_client.get(url, {"as_of": value})
    assert response.status_code == 400 and "as_of" in response.json()


@pytest.mark.parametrize("value", UNUSABLE_MOMENTS)
def test_the_provision_page_says_when_as_of_names_no_instant(client, data, value):
    url = reverse("provisions:provision-detail", args=["first-plan", "1"])
    response = client.get(url, {"as_of": value})
    assert response.status_code == 200 and "Give a date such as" in response.content.decode()


def test_an_as_of_with_an_offset_is_reported_in_utc(api_client, data):
    url = reverse("api:plan-provision-detail", args=["first-plan", "1"])
    response = api_client.get(url, {"as_of": "2020-01-01T05:00:00+05:00"})
    assert response.status_code == 404
    assert "on or before 2020-01-01 00:00:00 UTC" in response.json()["as_of"][0]


def test_the_schema_documents_release_and_as_of(api_client):
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    provisions = schema["paths"]["/api/provisions/"]["get"]["parameters"]
    assert any(p["name"] == "release" for p in provisions)
    changes = schema["paths"]["/api/changes/"]["get"]["parameters"]
    assert not any(p["name"] == "release" for p in changes)
    detail = schema["paths"]["/api/provisions/{id}/"]["get"]["parameters"]
    assert any(p["name"] == "as_of" for p in detail)
    assert "Keep a local copy in sync" in schema["info"]["description"]


# --- the admin -------------------------------------------------------------------------------


def test_an_editor_makes_a_release_in_the_admin(
    editor_client, data, django_capture_on_commit_callbacks
):
    add = reverse("admin:provisions_release_add")
    assert 'value="1"' in editor_client.get(add).content.decode()  # the next number, proposed
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(add, {"number": 1, "notes": "Made in the admin."})
    assert response.status_code == 302
    release = Release.objects.get()
    assert release.counts["provisions"] == 4 and release.published_by.username == "editor"
    assert (releases.release_dir(release) / "package.zip").exists()
    again = editor_client.post(add, {"number": 1, "notes": "Again."})
    assert again.status_code == 200 and "choose a higher number" in again.content.decode()
    change = reverse("admin:provisions_release_change", args=[release.pk])
    page = editor_client.get(change).content.decode()
    assert "Made in the admin." in page and 'name="notes"' not in page  # view only
    delete = reverse("admin:provisions_release_delete", args=[release.pk])
    assert editor_client.post(delete, {"post": "yes"}).status_code == 403
    assert Release.objects.count() == 1


def test_analysts_see_releases_but_do_not_make_them(client, analyst, data):
    client.force_login(analyst)
    releases.publish(1, "First release.")
    assert client.get(reverse("admin:provisions_release_changelist")).status_code == 200
    assert client.get(reverse("admin:provisions_release_add")).status_code == 403


def test_a_method_nobody_takes_is_still_a_405_with_a_release(api_client, released):
    response = api_client.generic("TRACE", reverse("api:provision-list") + "?release=1")
    assert response.status_code == 405


def test_a_write_to_a_read_only_endpoint_is_still_a_405_with_a_release(api_client, released):
    response = api_client.put(reverse("api:compare") + "?release=1", {})
    assert response.status_code == 405


def test_search_reads_a_release_on_every_database(
    client, api_client, costly_rate_unlimited, released
):
    """The release's copy is SQLite even when the database is PostgreSQL: search must use the
    way of the database it reads."""
    page = client.get(reverse("provisions:search"), {"q": "troops", "release": 1})
    assert page.status_code == 200 and "Point 2 holds 600,000" in page.content.decode()
    found = api_client.get(reverse("api:provision-list"), {"q": "troops", "release": 1}).json()
    assert "Point 2 holds 600,000 troops." in json.dumps(found)
    now = api_client.get(reverse("api:provision-list"), {"q": "troops"}).json()
    assert "Point 2 holds 600,000 troops." not in json.dumps(now)


def test_filters_on_a_release_page_stay_on_the_release(client, released):
    page = client.get(
        reverse("provisions:compare", args=["first-plan", "later-plan"]), {"release": 1}
    )
    assert '<input type="hidden" name="release" value="1">' in page.content.decode()
    picked = client.get(
        reverse("provisions:compare-pick"),
        {"left": "first-plan", "right": "later-plan", "release": 1, "theme": ""},
    )
    assert picked.status_code == 302 and picked["Location"].endswith("?release=1")


def test_two_releases_never_share_a_comparison_on_the_production_cache(
    api_client, released, production_cache
):
    """With the stamp in Redis, an anonymous API request reads the stamp and counts itself
    against the throttle in one round trip: what it works out while reading a release must
    still be kept under that release, not under the stamp of the live data."""
    releases.publish(2, "Second release.")  # holds the edits made since release 1
    params = {"left": "first-plan", "right": "later-plan"}
    first = api_client.get(reverse("api:compare"), {**params, "release": 1}).json()
    second = api_client.get(reverse("api:compare"), {**params, "release": 2}).json()
    now = api_client.get(reverse("api:compare"), params).json()
    assert "Point 1 holds 600,000" in json.dumps(first)
    assert "Point 1 now holds 800,000" in json.dumps(second)
    assert "Point 1 now holds 800,000" in json.dumps(now)


def test_release_number_zero_is_a_form_error_in_the_admin(editor_client, data):
    response = editor_client.post(
        reverse("admin:provisions_release_add"), {"number": 0, "notes": "Zero."}
    )
    assert response.status_code == 200
    assert "from 1 up" in str(response.context["adminform"].form.errors["number"])
    assert not Release.objects.exists()


def test_a_release_that_loses_the_race_for_its_number_is_a_form_error(
    editor_client, data, monkeypatch
):
    """A colleague publishes the same number between this form's check and its write: the
    form comes back with the number refused, not an error page."""
    releases.publish(1, "A colleague's release.")
    real_latest, real_unique, calls = Release.objects.latest_release, Release.validate_unique, []

    def latest_before_the_colleague():  # the form's checks ran before that release landed
        calls.append("latest")
        return None if calls.count("latest") == 1 else real_latest()

    def unique_before_the_colleague(self, exclude=None):
        calls.append("unique")
        if calls.count("unique") > 1:
            real_unique(self, exclude)

    monkeypatch.setattr(Release.objects, "latest_release", latest_before_the_colleague)
    monkeypatch.setattr(Release, "validate_unique", unique_before_the_colleague)
    response = editor_client.post(
        reverse("admin:provisions_release_add"), {"number": 1, "notes": "Mine."}
    )
    assert response.status_code == 200
    assert "number" in response.context["adminform"].form.errors
    assert Release.objects.get().notes == "A colleague's release."
