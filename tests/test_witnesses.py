"""A point's witnesses on its page, in the comparison, on /variants/ and in the API (JSON, TEI,
CSV): collated by language, with where the sources disagree in substance."""

import csv
import io
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from provisions import witnesses
from provisions.models import VariantMemo
from tests.factories import CitationFactory, PlanFactory, ProvisionFactory, SourceFactory

pytestmark = pytest.mark.django_db
TEI = "{http://www.tei-c.org/ns/1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
SCHEMA = Path(__file__).parent / "schemas" / "tei-collation.rng"


@pytest.fixture
def point():
    plan = PlanFactory(slug="plan-28", short_name="28-point plan")
    provision = ProvisionFactory(
        plan=plan, number=6, text="Ukraine's armed forces are limited to 600,000 personnel."
    )
    readings = [
        (
            "en",
            "A01",
            "The size of the Armed Forces of Ukraine will be limited to 600,000 personnel.",
            "",
        ),
        (
            "en",
            "A02",
            "The size of the Armed Forces of Ukraine will be limited to 800,000 personnel <script>alert(1)</script>.",
            "",
        ),
        (
            "ru",
            "A03",
            "Численность ВСУ будет ограничена 600 тысячами военнослужащих.",
            "The strength of the AFU will be limited to 600 thousand servicemen.",
        ),
        (
            "ru",
            "A04",
            "Численность ВСУ может быть сокращена до 600 тысяч.",
            "The strength of the AFU may be reduced to 600 thousand.",
        ),
    ]
    for language, code, reading, translation in readings:
        CitationFactory(
            provision=provision,
            source=SourceFactory(code=code, language=language),
            reading=reading,
            reading_language=language,
            reading_translation=translation,
        )
    return provision


def page_of(client, provision, **params):
    url = reverse("provisions:provision-detail", args=[provision.plan.slug, provision.label])
    return client.get(url, params).content.decode()


def test_the_page_says_where_sources_disagree_and_collates_them(client, point):
    page = page_of(client, point)
    assert "Sources disagree</strong> on a number (600,000 / 800,000)" in page
    assert "a modal word (may / will)" in page
    assert 'id="witnesses"' in page
    assert "In English: 3 witnesses" in page and "In Russian: 2 witnesses" in page
    # the 800,000 place is shaded for one witness, with the count in text
    assert 'class="place place--1"' in page and "witness differs" in page
    assert "Our translation</strong> (the tracker's, not the source's): The strength" in page
    # readings are text, never markup
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_reader_chooses_the_base(client, point):
    second = point.citations.get(source__code="A02")
    page = page_of(client, point, base=f"c{second.pk}")
    assert f'value="c{second.pk}" selected' in page
    assert "against [A02]" in page


def test_our_restatement_is_no_source():
    provision = ProvisionFactory(text="Ukraine keeps 800,000 troops.")
    CitationFactory(
        provision=provision, reading="Ukraine keeps 600,000 troops.", reading_language="en"
    )
    found = witnesses.witnesses_of(provision)
    assert [w.id for w in found][-1] == witnesses.OURS
    assert not witnesses.disagreements(found)  # one source: nobody to disagree with


def test_variants_page_lists_and_filters(client, point):
    ProvisionFactory(plan=point.plan, number=7)  # no witnesses: never listed
    url = reverse("provisions:variants")
    page = client.get(url).content.decode()
    assert "28-point plan, point 6" in page and "1 point." in page
    assert "1 point." in client.get(url, {"kind": "number", "plan": "plan-28"}).content.decode()
    assert "0 points." in client.get(url, {"kind": "negation"}).content.decode()
    refused = client.get(url, {"plan": "no-such-plan"})
    assert refused.status_code == 400 and "Version:" in refused.content.decode()


def test_the_comparison_marks_rows_whose_sources_disagree(client, api_client, point):
    later = PlanFactory(slug="plan-20", based_on=point.plan)
    ProvisionFactory(plan=later, number=6, text="Ukraine's armed forces number 800,000.")
    page = client.get(reverse("provisions:compare", args=["plan-28", "plan-20"])).content.decode()
    assert "sources disagree on 28-point plan 6" in page
    data = api_client.get(reverse("api:compare"), {"left": "plan-28", "right": "plan-20"}).json()
    marked = [row["sources_disagree"] for row in data["rows"] if row["sources_disagree"]]
    assert marked and marked[0][0]["label"] == "6"
    assert {"number", "modal"} <= set(marked[0][0]["kinds"])


def collation_url(provision):
    return reverse("api:provision-collation", args=[provision.plan.slug, provision.label])


def test_api_collation_rebuilds_every_witness(api_client, point):
    data = api_client.get(collation_url(point)).json()
    texts = {w["id"]: w["text"] for w in data["witnesses"]}
    assert [g["language"] for g in data["groups"]] == ["en", "ru"]
    for group in data["groups"]:
        members = set(group["places"][0]["readings"])
        for wid in members:
            assert "".join(p["readings"][wid] for p in group["places"]) == texts[wid]
    ours = next(w for w in data["witnesses"] if w["id"] == "ours")
    assert ours["kind"] == "restatement" and ours["source"] is None
    russian = next(w for w in data["witnesses"] if w["language"] == "ru")
    assert russian["translated_by"] == "tracker"
    assert {d["kind"] for d in data["disagreements"]} >= {"number", "modal"}


def test_api_collation_as_tei_is_valid_and_rebuilds_every_witness(api_client, point):
    response = api_client.get(collation_url(point), {"format": "tei"})
    assert response["Content-Type"].startswith("application/tei+xml")
    document = etree.fromstring(response.content)
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    assert schema.validate(document), schema.error_log
    root = ET.fromstring(response.content)
    ids = [w.get(XML_ID) for w in root.iter(f"{TEI}witness")]
    texts = {w["id"]: w["text"] for w in api_client.get(collation_url(point)).json()["witnesses"]}
    for div in root.iter(f"{TEI}div"):
        paragraph = div.find(f"{TEI}p")
        members = {ref[1:] for rdg in paragraph.iter(f"{TEI}rdg") for ref in rdg.get("wit").split()}
        for rdg in paragraph.iter(f"{TEI}rdg"):
            assert {ref[1:] for ref in rdg.get("wit").split()} <= set(ids)
        for wid in members:
            rebuilt = paragraph.text or ""
            for app in paragraph.findall(f"{TEI}app"):
                rebuilt += next((r.text or "") for r in app if f"#{wid}" in r.get("wit").split())
                rebuilt += app.tail or ""
            assert rebuilt == texts[wid]


def test_api_collation_as_csv(api_client, point):
    response = api_client.get(collation_url(point), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["language", "place", "gap", "differing"]
    assert len(rows[0]) == 4 + 5  # four readings and our restatement
    assert {row[0] for row in rows[1:]} == {"en", "ru"}


@pytest.mark.parametrize(
    ("params", "status"),
    [({"base": "c0"}, 400), ({"bogus": "1"}, 400), ({"format": "pdf"}, 400)],
)
def test_api_collation_refuses_what_it_does_not_take(api_client, point, params, status):
    response = api_client.get(collation_url(point), params)
    assert response.status_code == status
    assert response.json()


def test_api_collation_of_an_unknown_point_is_404(api_client, point):
    url = reverse("api:provision-collation", args=["plan-28", "99"])
    assert api_client.get(url).status_code == 404


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="<>&\"' ab/script=", max_size=40), min_size=2, max_size=4))
def test_witness_text_is_always_escaped(texts):
    found = [
        witnesses.Witness(f"c{i}", f"<b>source {i}</b>", "en", text) for i, text in enumerate(texts)
    ] + [witnesses.Witness("uk1", "<i>ua</i>", "uk", "<script>x</script>", "<script>y</script>")]
    found.append(witnesses.Witness("uk2", "ua 2", "uk", "два", "two"))
    html = render_to_string(
        "provisions/_witnesses.html",
        {
            "request": RequestFactory().get("/plans/p/1/"),
            "witness_groups": [g for g in witnesses.groups(found) if len(g.witnesses) > 1],
            "all_witnesses": found,
            "disagreements": witnesses.disagreements(found),
            "base_id": "",
        },
    )
    assert "<script>" not in html and "<b>source" not in html and "<i>ua" not in html


def test_flags_beside_each_witness(client, point):
    page = page_of(client, point)
    assert 'class="flag flag--number">a number: 800,000</span>' in page
    assert 'class="flag flag--modal">a modal word: may</span>' in page


# --- what collating the readings found, kept when they are written ------------------------------


def test_an_edited_reading_is_collated_once_when_the_edit_commits(
    point, django_capture_on_commit_callbacks
):
    citation = point.citations.get(source__code="A02")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        citation.reading = "The size of the Armed Forces of Ukraine will be 600,000 personnel."
        citation.save()
    assert callbacks  # worked out once the edit committed, not before
    assert witnesses.remember_variants([point.pk]) == 0  # already kept: nothing left to do
    cache.clear()
    found = witnesses.variants_by_provision()[point.pk]
    assert found == witnesses.disagreements(witnesses.readings_by_point()[point.pk])
    assert "800,000" not in dict(found.items).get("number", "")


def test_a_reading_moved_to_another_point_has_both_points_collated_again(
    point, django_capture_on_commit_callbacks
):
    other = ProvisionFactory(plan=point.plan, number=7, text="Ukraine's army is capped.")
    for code, reading in (("B01", "Capped at 800,000."), ("B02", "Capped at 850,000.")):
        CitationFactory(provision=other, source=SourceFactory(code=code), reading=reading)
    citation = point.citations.get(source__code="A02")
    with django_capture_on_commit_callbacks(execute=True):
        citation.provision = other
        citation.save()
    assert witnesses.remember_variants([point.pk]) == 0  # its three readings left: kept
    assert witnesses.remember_variants([other.pk]) == 0  # its three readings now: kept
    with django_capture_on_commit_callbacks(execute=True):
        citation.provision, citation.plan = None, point.plan  # now cites the whole plan
        citation.save()
    assert witnesses.remember_variants([other.pk]) == 0  # its two readings again: kept


def test_a_renamed_source_has_its_points_collated_again(point, django_capture_on_commit_callbacks):
    source = point.citations.get(source__code="A01").source
    with django_capture_on_commit_callbacks(execute=True):
        source.publisher = "A renamed publisher"
        source.save()
    assert witnesses.remember_variants([point.pk]) == 0


def test_pages_read_what_was_kept_rather_than_collate_again(client, point):
    witnesses.remember_variants([point.pk])
    VariantMemo.objects.update(found={"items": [["number", "as kept"]], "by_witness": {}})
    cache.clear()
    assert witnesses.variants_by_provision()[point.pk].items == [("number", "as kept")]
    # and without a memo (a bulk write, a new install), the request collates them itself
    VariantMemo.objects.all().delete()
    cache.clear()
    found = witnesses.variants_by_provision([point.plan])[point.pk]
    assert {"number", "modal"} <= found.kinds
