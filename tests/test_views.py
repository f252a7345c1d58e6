import datetime

import pytest
from django.urls import reverse

from provisions.models import Position
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    CorrespondenceFactory,
    PartyFactory,
    PlanFactory,
    ProvisionFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def test_home_lists_every_version_with_its_point_count(client, make_plan):
    first = make_plan(count=3, short_name="First plan")
    ProvisionFactory(plan=first, number=3, sub="a", position=4)
    second = make_plan(count=2, short_name="Second plan", based_on=None)
    response = client.get(reverse("provisions:plan-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert first.get_absolute_url() in html and second.get_absolute_url() in html
    assert "3 points and 1 sub-point" in html
    assert "2 points" in html


def test_plan_page_lists_its_provisions_with_themes_and_source_counts(client, make_plan):
    plan = make_plan(count=4)
    extra = plan.provisions.get(number=2)
    CitationFactory(provision=extra)
    response = client.get(plan.get_absolute_url())
    assert response.status_code == 200
    assert [p.label for p in response.context["provisions"]] == ["1", "2", "3", "4"]
    html = response.content.decode()
    assert html.count("1 source<") == 3 and html.count("2 sources<") == 1
    assert plan.provisions.first().themes.first().name in html


def test_provision_page_shows_text_and_sources(client):
    citation = CitationFactory(reading="European troops rather than jets", source__code="A02")
    response = client.get(citation.provision.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert citation.provision.text in html
    assert citation.source.publisher in html
    assert "European troops rather than jets" in html
    assert "Press" in html  # the source's reliability is shown beside it
    assert "[A02]" in html  # the short reference that notes use


def test_plan_page_lists_the_sources_on_the_whole_version(client, make_plan):
    plan = make_plan(count=1)
    citation = CitationFactory(provision=None, plan=plan, source__publisher="Plan-level outlet")
    html = client.get(plan.get_absolute_url()).content.decode()
    assert "Sources on this version as a whole (1)" in html
    assert "Plan-level outlet" in html and citation.source.title in html


def test_placeholder_source_urls_are_not_linked(client):
    source = SourceFactory(url="https://seed.invalid/SD1", publisher="Seed publisher")
    citation = CitationFactory(source=source)
    html = client.get(citation.provision.get_absolute_url()).content.decode()
    assert "seed.invalid" not in html
    assert "Seed publisher" in html


@pytest.mark.parametrize(
    "url",
    [
        reverse("provisions:plan-detail", args=["no-such-plan"]),
        reverse("provisions:provision-detail", args=["no-such-plan", "1"]),
    ],
)
def test_unknown_plan_gives_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b"There is no such version or point" in response.content


@pytest.mark.parametrize("label", ["99", "1z", "not-a-label", "01"])
def test_unknown_label_gives_404(client, label):
    provision = ProvisionFactory(number=1)
    url = reverse("provisions:provision-detail", args=[provision.plan.slug, label])
    assert client.get(url).status_code == 404


def test_provision_text_is_escaped_everywhere(client):
    provision = ProvisionFactory(text=HOSTILE, plan__short_name=HOSTILE, plan__title=HOSTILE)
    CitationFactory(provision=provision, reading=HOSTILE, note=HOSTILE, source__title=HOSTILE)
    CitationFactory(provision=None, plan=provision.plan, reading=HOSTILE, source__publisher=HOSTILE)
    for url in [
        reverse("provisions:plan-list"),
        provision.plan.get_absolute_url(),
        provision.get_absolute_url(),
    ]:
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and 'onerror="alert' not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_pages_refuse_writes(client, make_plan):
    plan = make_plan(count=1)
    assert client.post(plan.get_absolute_url()).status_code == 405


@pytest.mark.parametrize("count", [3, 30])
def test_plan_page_query_count_does_not_grow_with_the_data(
    client, make_plan, django_assert_max_num_queries, count
):
    plan = make_plan(count=count)
    for provision in plan.provisions.all():
        AssessmentFactory(provision=provision)
    # dataset stamp (page cache); plan, parties, theme and tag choices, provisions, their
    # themes, tags, plan-level sources; the coverage statement; the versions that revise it
    with django_assert_max_num_queries(11):
        assert client.get(plan.get_absolute_url()).status_code == 200


def test_home_pages_through_many_versions(client, make_plan):
    for _ in range(55):
        PlanFactory()
    first = client.get(reverse("provisions:plan-list"))
    assert len(first.context["plans"]) == 50 and "later versions →" in first.content.decode()
    assert len(client.get(reverse("provisions:plan-list"), {"page": 2}).context["plans"]) == 5
    assert client.get(reverse("provisions:plan-list"), {"page": "x"}).status_code == 200


def test_home_counts_the_versions_once_per_state_of_the_data(client):
    """Counting every version grows with the archive: the count is kept under the dataset
    stamp, so the home page's other pages do not count again, and an edit counts afresh."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        PlanFactory()
    PlanFactory(withdrawn=True, withdrawn_reason="A duplicate.")
    url = reverse("provisions:plan-list")
    assert client.get(url).context["page"].paginator.count == 3
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url, {"withdrawn": "include"}).context["page"]
    assert page.paginator.count == 4 and page.withdrawn_count == 1
    assert not [q["sql"] for q in captured if q["sql"].startswith("SELECT COUNT(")]
    PlanFactory()
    assert client.get(url, {"withdrawn": "include"}).context["page"].paginator.count == 5


def test_health_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(reverse("provisions:health")).content == b"ok"


@pytest.mark.parametrize("plans", [2, 20])
def test_home_query_count_does_not_grow_with_the_data(
    client, make_plan, django_assert_max_num_queries, plans
):
    previous = None
    for _ in range(plans):
        previous = make_plan(count=2, based_on=previous)
    # count, the page's ids, its plans with counts, parties; for "changed since": dataset
    # stamp, provisions, themes, links, assessments; lineage origins and their plans; the
    # coverage statement; the featured comparison's two versions
    with django_assert_max_num_queries(13):
        assert client.get(reverse("provisions:plan-list")).status_code == 200


@pytest.mark.parametrize("sources", [1, 10])
def test_provision_page_query_count_does_not_grow_with_the_data(
    client, django_assert_max_num_queries, sources
):
    provision = ProvisionFactory()
    earlier = provision
    for _ in range(sources):
        CitationFactory(provision=provision)
        AssessmentFactory(provision=provision)
        later = ProvisionFactory()
        CorrespondenceFactory(earlier=earlier, later=later)
        earlier = later
    # dataset stamp (page cache); provision, themes, sources, assessments, links, linked
    # provisions, history; the parties' positions and the version's principal parties; the
    # phrase origins and the lineage graph: the lineage's reach, its points, their versions'
    # parties, its links
    for number in range(sources):
        party = PartyFactory()
        Position.objects.create(
            plan=provision.plan, provision=provision, party=party, stance="accepts",
            stated_on=datetime.date(2025, 12, 1 + number), source=SourceFactory(),
        )  # fmt: skip
    with django_assert_max_num_queries(14):
        assert client.get(provision.get_absolute_url()).status_code == 200


def test_pages_show_our_numbering_as_ours(client):
    provision = ProvisionFactory(plan__numbered=False, number=3)
    html = client.get(provision.plan.get_absolute_url()).content.decode()
    assert ">K3</a>" in html
    html = client.get(provision.get_absolute_url()).content.decode()
    assert "point K3</h1>" in html and "K-numbers are ours" in html
