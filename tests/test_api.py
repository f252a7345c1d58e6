"""The REST API: shapes, filters, formats, permissions, conditional requests, errors."""

import csv
import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from provisions.models import Assessment, Citation, Correspondence, Plan, Provision, SearchTerm
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    CorrespondenceFactory,
    PlanFactory,
    PositionFactory,
    ProvisionFactory,
    SourceFactory,
    TagFactory,
    ThemeFactory,
)
from tests.scratch import scratch_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    theme = ThemeFactory(slug="armed-forces")
    tag = TagFactory(slug="contested")
    left = PlanFactory(slug="left-plan")
    right = PlanFactory(slug="right-plan", based_on=left)
    cap = ProvisionFactory(plan=left, number=6, position=6, text="Forces capped at 600,000.")
    cap.themes.add(theme)
    other = ProvisionFactory(plan=left, number=7, position=7, text="Ukraine stays out of NATO.")
    new_cap = ProvisionFactory(
        plan=right, number=4, position=4, text="Forces at 800,000 in peacetime."
    )
    new_cap.themes.add(theme)
    CitationFactory(provision=cap, reading="reduced to 600,000 soldiers")
    AssessmentFactory(provision=cap, tag=tag)
    link = CorrespondenceFactory(
        earlier=cap, later=new_cap, relation="modified", note="Raised (Z01)."
    )
    return {"theme": theme, "tag": tag, "left": left, "right": right, "cap": cap, "other": other,
            "new_cap": new_cap, "link": link}  # fmt: skip


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "route",
    [
        "plan",
        "provision",
        "source",
        "citation",
        "assessment",
        "correspondence",
        "theme",
        "tag",
        "party",
    ],
)
def test_every_list_answers_json_with_pagination(api_client, data, route):
    response = api_client.get(reverse(f"api:{route}-list"))
    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}


def test_provision_detail_has_everything_without_a_second_call(api_client, data):
    url = reverse("api:plan-provision-detail", args=["left-plan", "6"])
    body = api_client.get(url).json()
    assert (
        body["label"] == "6" and body["plan"] == "left-plan" and body["themes"] == ["armed-forces"]
    )
    assert body["tags"] == ["contested"]
    assert body["citations"][0]["source"]["publisher"] and body["citations"][0]["reading"]
    assert body["assessments"][0]["tag"] == "contested"
    assert body["successors"][0]["provision"]["plan"] == "right-plan"
    assert body["successors"][0]["relation"] == "modified" and body["successors"][0]["note"]
    flat = api_client.get(reverse("api:provision-detail", args=[data["cap"].pk])).json()
    assert flat == body


def test_plan_detail_lists_its_provisions(api_client, data):
    body = api_client.get(reverse("api:plan-detail", args=["left-plan"])).json()
    assert [p["label"] for p in body["provisions"]] == ["6", "7"]
    assert body["point_count"] == 2


@pytest.mark.parametrize(
    ("query", "labels"),
    [
        ({"plan": "left-plan"}, ["6", "7"]),
        ({"theme": "armed-forces"}, ["6", "4"]),
        ({"tag": "contested"}, ["6"]),
        ({"has_assessment": "false", "plan": "left-plan"}, ["7"]),
        ({"q": "NATO"}, ["7"]),
        ({"wording": "verbatim"}, []),
        ({"changed_between": "left-plan,right-plan"}, ["6", "7", "4"]),
    ],
)
def test_provision_filters(api_client, data, query, labels):
    response = api_client.get(reverse("api:provision-list"), query)
    assert response.status_code == 200
    assert [p["label"] for p in response.json()["results"]] == labels


def test_invalid_filter_values_are_400_with_field_errors(api_client, data):
    response = api_client.get(reverse("api:provision-list"), {"wording": "bogus"})
    assert response.status_code == 400 and "wording" in response.json()


def test_pagination_is_stable_and_bounded(api_client, data):
    for number in range(10, 30):
        ProvisionFactory(plan=data["left"], number=number, position=number)
    first = api_client.get(reverse("api:provision-list"), {"page_size": 5}).json()
    second = api_client.get(first["next"]).json()
    ids = [p["id"] for p in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) == 10
    too_big = api_client.get(reverse("api:provision-list"), {"page_size": 10_000})
    assert too_big.status_code == 400 and "page_size" in too_big.json()
    largest = api_client.get(reverse("api:provision-list"), {"page_size": 200}).json()
    assert len(largest["results"]) == 23


def test_csv_parses_and_matches_the_json_with_every_row(api_client, data):
    url = reverse("api:provision-list")
    as_json = api_client.get(url, {"plan": "left-plan"}).json()["results"]
    response = api_client.get(url, {"plan": "left-plan", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["label"] for r in rows] == [p["label"] for p in as_json]
    assert rows[0]["text"] == as_json[0]["text"] and rows[0]["themes"] == "armed-forces"
    assert list(rows[0])[:3] == ["id", "plan", "label"]  # the serializer's column order


def test_comparison_as_data(api_client, data):
    response = api_client.get(reverse("api:compare"), {"left": "left-plan", "right": "right-plan"})
    body = response.json()
    assert body["summary"]["by_relation"]["modified"] == 1
    row = body["rows"][0]
    assert (row["key"], row["relation"], row["flags"]) == ("6~4", "modified", ["number"])
    assert any(r["op"] == "replace" and "600,000" in r["old"] for r in row["runs"])
    assert row["notes"] == ["Raised (Z01)."]
    only = api_client.get(
        reverse("api:compare"), {"left": "left-plan", "right": "right-plan", "relation": "removed"}
    )
    assert [r["key"] for r in only.json()["rows"]] == ["7~none"]


def test_comparison_errors_name_the_parameter(api_client, data):
    missing = api_client.get(reverse("api:compare"), {"left": "left-plan"})
    assert missing.status_code == 400 and set(missing.json()) == {"right"}
    unknown = api_client.get(
        reverse("api:compare"), {"left": "nope", "right": "right-plan", "tag": "x"}
    )
    assert unknown.status_code == 404  # the versions compared are the resource itself
    assert set(unknown.json()) == {"detail", "left"}
    bad = api_client.get(
        reverse("api:compare"), {"left": "left-plan", "right": "right-plan", "relation": "x"}
    )
    assert bad.status_code == 400 and "relation" in bad.json()


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"theme": "bogus"}, "theme"),  # a filter naming a slug nothing has, as on the lists
        ({"tag": "bogus"}, "tag"),
        ({"format": "csv"}, "format"),  # a format the endpoint does not have
        ({"bogus": "1"}, "bogus"),  # a parameter it does not take
    ],
)
def test_comparison_refuses_what_the_lists_refuse_with_a_400(api_client, data, query, named):
    both = {"left": "left-plan", "right": "right-plan"}
    response = api_client.get(reverse("api:compare"), {**both, **query})
    assert response.status_code == 400 and named in response.json()


@pytest.mark.parametrize(
    ("query", "named"), [({"bogus": "1"}, "bogus"), ({"format": "csv"}, "format")]
)
def test_the_export_refuses_a_parameter_it_does_not_take(api_client, query, named):
    response = api_client.get(reverse("api:export"), query)
    assert response.status_code == 400 and named in response.json()


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/api/provisions/99999999999999999999999/", {}),
        ("/api/citations/", {"provision": "1e50"}),
        ("/api/correspondences/", {"provision": "-2"}),
    ],
)
def test_out_of_range_ids_are_refused_or_not_found_never_errors(api_client, data, url, query):
    response = api_client.get(url, query)
    assert response.status_code in (400, 404)
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "query", [{"page_size": "null"}, {"page_size": "0"}, {"format": ""}, {"format": "xml"}]
)
def test_invalid_format_and_page_size_are_400(api_client, data, query):
    response = api_client.get(reverse("api:plan-list"), query)
    assert response.status_code in (400, 404) and response["Content-Type"].startswith(
        "application/json"
    )


@pytest.mark.parametrize(
    ("route", "query"),
    [("citation", {"has_reading": "null"}), ("provision", {"has_assessment": "yes"}),
     ("citation", {"provision": "1.5"}), ("correspondence", {"provision": "1e400"})],
)  # fmt: skip
def test_filters_refuse_values_of_the_wrong_type(api_client, data, route, query):
    response = api_client.get(reverse(f"api:{route}-list"), query)
    assert response.status_code == 400 and list(response.json()) == list(query)


def test_ordering_names_known_fields_only(api_client, data):
    ordered = api_client.get(reverse("api:provision-list"), {"ordering": "-number"}).json()
    assert [p["label"] for p in ordered["results"]] == ["7", "6", "4"]
    ties = api_client.get(reverse("api:provision-list"), {"ordering": "revision", "page_size": 1})
    second = api_client.get(ties.json()["next"]).json()["results"][0]["id"]
    assert second != ties.json()["results"][0]["id"]  # equal revisions: the id breaks the tie
    refused = api_client.get(reverse("api:provision-list"), {"ordering": "text"})
    assert refused.status_code == 400 and "ordering" in refused.json()


def test_an_empty_csv_still_has_its_header(api_client, data):
    query = {"wording": "verbatim", "format": "csv"}  # none of the test data is verbatim
    response = api_client.get(reverse("api:provision-list"), query)
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().startswith('"id","plan","label",')


def test_full_export_loads_back(api_client, data, tmp_path):
    response = api_client.get(reverse("api:export"))
    body = b"".join(response.streaming_content)
    dumped = json.loads(body)
    assert {item["model"] for item in dumped} >= {"provisions.plan", "provisions.provision"}
    path = tmp_path / "export.json"
    path.write_bytes(body)
    call_command("loaddata", str(path), verbosity=0)  # natural keys: updates the same rows
    assert Provision.objects.count() == 3


def test_the_export_is_the_dataset_files_format_and_names_no_login(
    api_client, data, analyst, tmp_path
):
    AssessmentFactory(provision=data["other"], tag=TagFactory(slug="vague"), author=analyst)
    body = b"".join(api_client.get(reverse("api:export")).streaming_content).decode()
    assert '"analyst"' not in body and '"author": null' not in body  # people are not data here
    records = json.loads(body)
    assert not any({"revision", "modified_at", "modified_by"} & set(r["fields"]) for r in records)
    Plan.objects.update(based_on=None)
    for model in (Assessment, Correspondence, Citation, Provision, Plan):
        model.objects.all().delete()
    path = tmp_path / "export.json"
    path.write_text(body, encoding="utf-8")
    call_command("loaddata", str(path), verbosity=0)  # into an empty database too
    assert Provision.objects.count() == 3 and Assessment.objects.get(tag__slug="vague")


def test_citation_endpoint_gives_csl_and_bibtex(api_client, data):
    url = reverse("api:provision-cite", args=["left-plan", "6"])
    body = api_client.get(url).json()
    assert body["csl"][0]["number"] == "6" and "@misc{left-plan-6," in body["bibtex"]
    bibtex = api_client.get(url, {"style": "bibtex"})
    assert bibtex["Content-Type"].startswith("text/x-bibtex")
    csl = api_client.get(url, {"style": "csl"})
    assert json.loads(csl.content)[0]["URL"].endswith("/plans/left-plan/6/")
    assert (
        api_client.get(reverse("api:provision-cite", args=["left-plan", "99"])).status_code == 404
    )


def test_atom_feeds(api_client, data, editor):
    editor.first_name, editor.last_name = "Erin", "Editor"
    editor.save()
    data["cap"].text = "Forces capped at 650,000."
    from provisions import services

    services.record_save(obj=data["cap"], user=editor)
    urls = [
        reverse("api:feed-versions"),
        reverse("api:feed-plan", args=["left-plan"]),
        reverse("api:feed-provision", args=["left-plan", "6"]),
        reverse("api:feed-tag", args=["contested"]),
    ]
    for url in urls:
        response = api_client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith(
            "application/atom+xml"
        )
    plan_feed = api_client.get(urls[1]).content.decode()
    # the name shown in public, never the login name
    assert "650,000" in plan_feed and "by Erin Editor" in plan_feed and "by editor" not in plan_feed
    assert api_client.get(reverse("api:feed-plan", args=["nope"])).status_code == 404


ATOM = "{http://www.w3.org/2005/Atom}"


def entry_ids(client, url) -> list[str]:
    import xml.etree.ElementTree as ET

    feed = ET.fromstring(client.get(url).content)
    return [entry.find(f"{ATOM}id").text for entry in feed.iter(f"{ATOM}entry")]


def test_feed_entry_ids_are_stable_tag_uris(api_client, data):
    """RFC 4287 wants each entry's id to be an IRI: a tag: URI (RFC 4151) under the site's
    host, the same on every read."""
    PositionFactory(provision=data["cap"], plan=data["left"])
    urls = [
        reverse("api:feed-versions"),
        reverse("api:feed-plan", args=["left-plan"]),
        reverse("api:feed-positions", args=["left-plan"]),
        reverse("api:feed-provision", args=["left-plan", "6"]),
        reverse("api:feed-tag", args=["contested"]),
    ]
    for url in urls:
        ids = entry_ids(api_client, url)
        assert ids and all(
            re.fullmatch(r"tag:testserver,2025:[a-z]+(-[a-z0-9-]+)+", i) for i in ids
        )
        assert entry_ids(api_client, url) == ids


def test_feed_entry_ids_name_the_sites_public_host(api_client, data, settings):
    settings.SITE_URL = "https://tracker.example.org"
    ids = entry_ids(api_client, reverse("api:feed-versions"))
    assert ids == ["tag:tracker.example.org,2025:plan-right-plan",
                   "tag:tracker.example.org,2025:plan-left-plan"]  # fmt: skip


def test_q_finds_what_the_search_page_s_words_find(api_client, data):
    """Every word, in any of the forms the search page reads: the number with or without its
    separators, the editors' search terms, either apostrophe."""

    def labels(q):
        found = api_client.get(reverse("api:provision-list"), {"q": q}).json()
        return [row["label"] for row in found["results"]]

    assert labels("capped 600,000") == ["6"]
    assert labels("capped 600000") == ["6"]
    assert labels("%%%") == []  # no word: nothing, not everything
    SearchTerm.objects.create(word="ceiling", finds="capped")
    assert labels("ceiling 600000") == ["6"]
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    parameters = schema["paths"]["/api/provisions/"]["get"]["parameters"]
    described = next(p["description"] for p in parameters if p["name"] == "q")
    assert "800000 finds 800,000" in described and "/search/" in described


def test_schema_and_docs_are_served(api_client):
    schema = api_client.get(reverse("api:schema"), {"format": "json"})
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/compare/" in paths and "/api/plans/{plan_slug}/provisions/{label}/" in paths
    docs = api_client.get(reverse("api:redoc"))
    assert docs.status_code == 200 and b"drf_spectacular_sidecar" in docs.content
    # the old address of the documentation leads to it
    moved = api_client.get(reverse("api:docs"))
    assert moved.status_code == 301 and moved["Location"] == reverse("api:redoc")


# --- conditional requests --------------------------------------------------------------------


def test_etag_round_trip_gives_304(api_client, data):
    url = reverse("api:plan-provision-detail", args=["left-plan", "6"])
    first = api_client.get(url)
    etag = first["ETag"]
    assert api_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    AssessmentFactory(provision=data["cap"])  # the representation changes
    assert api_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_stale_write_is_refused_with_412_and_the_current_text(editor, data):
    client = token_client(editor)
    url = reverse("api:plan-provision-detail", args=["left-plan", "6"])
    ok = client.patch(url, {"text": "Forces capped at 700,000."}, HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200 and ok.json()["revision"] == 2
    assert ok["ETag"] == client.get(url)["ETag"]  # the ETag a GET would hand out now
    stale = client.patch(url, {"text": "Forces capped at 900,000."}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["current_text"] == "Forces capped at 700,000."
    assert Provision.objects.get(pk=data["cap"].pk).text == "Forces capped at 700,000."
    missing = client.patch(url, {"text": "x"})
    assert missing.status_code == 428
    in_body = client.patch(url, {"text": "Forces capped at 750,000.", "revision": 2})
    assert in_body.status_code == 200


# --- writes and permissions ------------------------------------------------------------------

WRITES = {
    "assessment": lambda d: {"provision": d["other"].pk, "tag": "contested", "rationale": "Why."},
    "correspondence": lambda d: {"earlier": d["other"].pk, "later": d["new_cap"].pk, "relation": "modified"},
    "source": lambda d: {"publisher": "P", "title": "T", "url": "https://example.org/x", "published_on": "2025-11-21",
                         "language": "en", "coverage": "summary", "reliability": "press"},
    "plan": lambda d: {"slug": "new-plan", "title": "New", "short_name": "New", "presented_on": "2026-01-01",
                       "status": "proposal", "completeness": "full_text"},
}  # fmt: skip
MATRIX = [
    ("anonymous", "assessment", 401),
    ("anonymous", "plan", 401),
    ("analyst", "assessment", 201),
    ("analyst", "correspondence", 201),
    ("analyst", "source", 403),
    ("analyst", "plan", 403),
    ("editor", "assessment", 201),
    ("editor", "correspondence", 201),
    ("editor", "source", 201),
    ("editor", "plan", 201),
]


@pytest.mark.parametrize(("who", "route", "expected"), MATRIX)
def test_permission_matrix_for_writes(request, data, who, route, expected):
    client = APIClient() if who == "anonymous" else token_client(request.getfixturevalue(who))
    response = client.post(reverse(f"api:{route}-list"), WRITES[route](data), format="json")
    assert response.status_code == expected, response.json()


@pytest.mark.parametrize("route", list(WRITES))
def test_write_responses_carry_every_field_the_schema_requires(editor, data, route):
    """A created or partly updated object comes back whole, as the schema promises (the
    authenticated fuzzing found a new plan without its point counts, and an assessment with no
    author losing its "author" on a PATCH)."""
    schema = APIClient().get(reverse("api:schema"), {"format": "json"}).json()
    component = {"assessment": "Assessment", "correspondence": "Correspondence",
                 "source": "Source", "plan": "Plan"}[route]  # fmt: skip
    required = set(schema["components"]["schemas"][component]["required"])
    client = token_client(editor)
    created = client.post(reverse(f"api:{route}-list"), WRITES[route](data), format="json")
    assert created.status_code == 201, created.json()
    assert required <= set(created.json()), required - set(created.json())
    lookup = created.json()["slug"] if route == "plan" else created.json()["id"]
    detail = reverse(f"api:{route}-detail", args=[lookup])
    patched = client.patch(detail, {}, format="json", HTTP_IF_MATCH=client.get(detail)["ETag"])
    assert patched.status_code == 200, patched.json()
    assert required <= set(patched.json()), required - set(patched.json())
    if route == "assessment":  # one no one is recorded as the author of
        unsigned = reverse("api:assessment-detail", args=[Assessment.objects.get(author=None).pk])
        etag = client.get(unsigned)["ETag"]
        assert (
            client.patch(unsigned, {}, format="json", HTTP_IF_MATCH=etag).json()["author"] is None
        )


def test_analysts_cannot_change_provision_text(analyst, data):
    url = reverse("api:plan-provision-detail", args=["left-plan", "6"])
    response = token_client(analyst).patch(url, {"text": "x"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 403


def test_writes_go_through_the_services(editor, data):
    client = token_client(editor)
    response = client.post(
        reverse("api:assessment-list"),
        {"provision": data["other"].pk, "tag": "contested", "rationale": "Why."},
        format="json",
    )
    assessment = Assessment.objects.get(pk=response.json()["id"])
    assert assessment.author == editor and assessment.history.latest().history_user == editor
    again = client.post(
        reverse("api:assessment-list"),
        {"provision": data["other"].pk, "tag": "contested", "rationale": "Twice."},
        format="json",
    )
    # one tag per provision: a conflict that names the existing one, never an overwrite
    assert again.status_code == 409 and again.json()["code"] == "duplicate"
    assert again.json()["existing"].endswith(reverse("api:assessment-detail", args=[assessment.pk]))
    assert Assessment.objects.get(pk=assessment.pk).rationale == "Why."
    same_plan = client.post(
        reverse("api:correspondence-list"),
        {"earlier": data["cap"].pk, "later": data["other"].pk, "relation": "modified"},
        format="json",
    )
    assert same_plan.status_code == 400 and "two different versions" in json.dumps(same_plan.json())
    assert Correspondence.objects.count() == 1


def test_a_taken_address_or_slug_is_a_conflict_naming_the_holder(editor, data):
    source = SourceFactory()
    body = {"publisher": "P", "title": "T", "url": source.url, "published_on": "2025-11-21",
            "language": "en", "coverage": "summary", "reliability": "press"}  # fmt: skip
    response = token_client(editor).post(reverse("api:source-list"), body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "duplicate"
    assert response.json()["existing"].endswith(reverse("api:source-detail", args=[source.pk]))
    other = SourceFactory()
    patch = token_client(editor).patch(
        reverse("api:source-detail", args=[other.pk]),
        {"url": source.url},
        format="json",
        HTTP_IF_MATCH=f'"{other.revision}"',
    )
    assert patch.status_code == 409
    theme = token_client(editor).post(
        reverse("api:theme-list"), {"slug": "armed-forces", "name": "Again"}, format="json"
    )
    assert theme.status_code == 409
    assert theme.json()["existing"].endswith(reverse("api:theme-detail", args=["armed-forces"]))


def test_relinking_onto_an_existing_pair_is_a_conflict_not_an_error(editor, data):
    other_link = CorrespondenceFactory(earlier=data["other"], later=data["new_cap"])
    response = token_client(editor).patch(
        reverse("api:correspondence-detail", args=[other_link.pk]),
        {"earlier": data["cap"].pk},
        format="json",
        HTTP_IF_MATCH=f'"{other_link.revision}"',
    )
    assert response.status_code in (400, 409)


def test_deleting_what_others_depend_on_is_a_409(editor, data):
    client = token_client(editor)
    response = client.delete(reverse("api:plan-detail", args=["left-plan"]), HTTP_IF_MATCH='"1"')
    assert response.status_code == 409 and response.json()["code"] == "in_use"
    assert "Withdraw it instead" in response.json()["detail"]
    source = data["cap"].citations.first().source
    url = reverse("api:source-detail", args=[source.pk])
    assert client.delete(url, HTTP_IF_MATCH='"1"').status_code == 409


def test_a_citation_must_cite_exactly_one_thing(editor, data):
    source = SourceFactory()
    response = token_client(editor).post(
        reverse("api:citation-list"), {"source": source.pk, "locator": "p. 1"}, format="json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(("field", "value"), [("number", 40_000), ("position", 99_999_999_999)])
def test_a_point_out_of_range_is_a_400_naming_the_field(editor, data, field, value):
    body = {"plan": "left-plan", "number": 40, "position": 40, "text": "New point."}
    response = token_client(editor).post(
        reverse("api:provision-list"), {**body, field: value}, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    assert not Provision.objects.filter(text="New point.").exists()


def test_a_citation_names_only_what_it_cites(editor, data):
    """The schema has plan and provision optional: neither must be sent as null."""
    client, source = token_client(editor), SourceFactory()
    point = client.post(
        reverse("api:citation-list"),
        {"source": source.pk, "provision": data["other"].pk, "locator": "point 7"},
        format="json",
    )
    assert point.status_code == 201, point.json()
    whole = client.post(
        reverse("api:citation-list"),
        {"source": source.pk, "plan": "left-plan", "locator": "whole text"},
        format="json",
    )
    assert whole.status_code == 201, whole.json()
    assert whole.json()["provision"] is None and point.json()["plan"] is None


@pytest.mark.parametrize("cites", ["provision", "plan"])
def test_a_repeated_citation_is_a_conflict_naming_the_first(editor, data, cites):
    client, source = token_client(editor), SourceFactory()
    body = {"source": source.pk, "locator": "p. 1"}
    body[cites] = data["other"].pk if cites == "provision" else "left-plan"
    first = client.post(reverse("api:citation-list"), body, format="json")
    again = client.post(reverse("api:citation-list"), body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "duplicate"
    assert again.json()["existing"].endswith(
        reverse("api:citation-detail", args=[first.json()["id"]])
    )
    assert Citation.objects.filter(source=source).count() == 1


def test_a_citation_of_both_a_version_and_a_point_is_one_readable_error(editor, data):
    body = {"source": SourceFactory().pk, "plan": "left-plan", "provision": data["other"].pk}
    response = token_client(editor).post(reverse("api:citation-list"), body, format="json")
    assert response.status_code == 400
    messages = [m for field in response.json().values() for m in field]
    assert messages == ["A citation supports either a whole version or one point, not both."]


# --- errors and protection -------------------------------------------------------------------


def test_errors_are_json(api_client, data, settings):
    settings.DEBUG = False
    assert api_client.get("/api/no-such-thing/").json()["code"] == "not_found"
    assert api_client.get(reverse("api:plan-detail", args=["nope"])).status_code == 404
    not_allowed = api_client.delete(reverse("api:compare"))
    assert not_allowed.status_code in (401, 405) and "detail" in not_allowed.json()


def test_anonymous_clients_are_throttled(api_client, data, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    codes = [api_client.get(reverse("api:theme-list")).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    assert "detail" in api_client.get(reverse("api:theme-list")).json()


def test_provisions_list_in_versions_date_order_then_reading_order(api_client):
    """The default order (the plan index's, migration 0013): versions by date, then slug,
    whatever order they were entered in; each version's points by position."""
    import datetime

    later = PlanFactory(slug="b-later", presented_on=datetime.date(2025, 12, 1))
    same_day = PlanFactory(slug="a-same-day", presented_on=datetime.date(2025, 12, 1))
    earlier = PlanFactory(slug="c-earlier", presented_on=datetime.date(2025, 11, 1))
    for plan in (later, same_day, earlier):
        for number, position in ((1, 2), (2, 1)):
            ProvisionFactory(plan=plan, number=number, position=position)
    rows = api_client.get(reverse("api:provision-list")).json()["results"]
    order = [(row["plan"], row["number"]) for row in rows]
    assert order == [
        (slug, number) for slug in ("c-earlier", "a-same-day", "b-later") for number in (2, 1)
    ]


def test_a_list_counts_its_rows_once_per_state_of_the_data(api_client):
    """Counting every provision grows with the archive: the count is kept under the dataset
    stamp, so another page of the same list does not count again, and an edit counts afresh."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plan = PlanFactory()
    for number in range(1, 4):
        ProvisionFactory(plan=plan, number=number, position=number)
    url = reverse("api:provision-list")
    assert api_client.get(url, {"page_size": 1}).json()["count"] == 3
    with CaptureQueriesContext(connection) as captured:
        second = api_client.get(url, {"page_size": 1, "page": 2})
    assert second.json()["count"] == 3 and len(second.json()["results"]) == 1
    assert not [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    ProvisionFactory(plan=plan, number=4, position=4)
    assert api_client.get(url, {"page_size": 1, "page": 2}).json()["count"] == 4


@pytest.mark.parametrize("size", [5, 50])
def test_list_query_count_does_not_grow_with_the_page(
    api_client, django_assert_max_num_queries, size
):
    plan = PlanFactory()
    theme, tag = ThemeFactory(), TagFactory()
    for number in range(1, size + 1):
        provision = ProvisionFactory(plan=plan, number=number, position=number)
        provision.themes.add(theme)
        AssessmentFactory(provision=provision, tag=tag)
    with django_assert_max_num_queries(5):  # stamp, count, page, themes, tags
        assert api_client.get(reverse("api:provision-list"), {"page_size": 100}).status_code == 200
    with django_assert_max_num_queries(9):  # and the dataset stamp
        assert (
            api_client.get(reverse("api:plan-provision-detail", args=[plan.slug, "1"])).status_code
            == 200
        )


@pytest.fixture(params=["local memory", "redis"])
def throttle_cache(request, monkeypatch):
    """Both counters: add/incr on any cache, one pipeline on Redis (a scratch database)."""
    from provisions.api.throttling import AnonWindowThrottle

    if request.param == "redis":
        import redis

        from tracker.cache import TrackerRedisCache

        backend = TrackerRedisCache(scratch_redis(), {})
        try:
            backend.clear()
        except redis.ConnectionError as error:
            pytest.skip(f"no Redis on 127.0.0.1:6379 ({error}); .ci/run starts one")
        monkeypatch.setattr(AnonWindowThrottle, "cache", backend)
        yield backend
        backend.clear()
    else:
        yield AnonWindowThrottle.cache


def test_the_throttle_counts_per_window_and_says_when_to_come_back(rf, monkeypatch, throttle_cache):
    from provisions.api.throttling import AnonWindowThrottle

    monkeypatch.setattr(AnonWindowThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    clock = iter([60.0, 61.0, 119.5, 120.0])
    monkeypatch.setattr(AnonWindowThrottle, "timer", lambda self: next(clock))
    request = rf.get("/api/plans/")
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    throttle = AnonWindowThrottle()
    assert throttle.allow_request(request, None)
    assert throttle.allow_request(request, None)
    assert not throttle.allow_request(request, None)
    assert throttle.wait() == pytest.approx(0.5)
    assert throttle.allow_request(request, None)  # the next minute's window
    # one counter per window (the minute from 60 s, then the one from 120 s), each expiring
    assert throttle_cache.get("throttle_anon_127.0.0.1:1") == 3
    assert throttle_cache.get("throttle_anon_127.0.0.1:2") == 1
    if hasattr(throttle_cache._cache, "get_client"):
        name = throttle_cache.make_and_validate_key("throttle_anon_127.0.0.1:2")
        assert 0 < throttle_cache._cache.get_client(name).ttl(name) <= 60
