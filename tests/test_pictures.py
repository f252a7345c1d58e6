"""The lineage pictures: flows, a point's lineage graph, and where each phrase was first written."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from provisions import diffing, flows, origins, queries
from provisions.models import Correspondence
from tests.factories import (
    CorrespondenceFactory,
    PartyFactory,
    PlanFactory,
    ProvisionFactory,
    ThemeFactory,
)

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- Phrase origins: the rule, on texts --------------------------------------------------


def origins_of(phrases):
    return [(p.text, p.origin) for p in phrases]


def test_a_phrase_belongs_to_the_oldest_text_that_had_it():
    phrases = diffing.trace_phrases(
        "Armed forces stay at 800,000 personnel.",
        [("old", "Armed forces are capped at 600,000 personnel."), ("mid", "A cap of 800,000.")],
    )
    assert origins_of(phrases) == [
        ("Armed forces ", "old"),
        ("stay at ", None),
        ("800,000 ", "mid"),
        ("personnel.", "old"),
    ]


def test_a_moved_phrase_is_still_found_and_case_is_no_difference():
    phrases = diffing.trace_phrases(
        "In peacetime the army has 800,000 soldiers.",
        [("e3", "The Army is capped at 800,000 soldiers in peacetime.")],
    )
    # "the army" matches "The Army"; "has", unmatched and saying nothing alone, is glued in
    assert origins_of(phrases) == [
        ("In peacetime the army has 800,000 soldiers", "e3"),
        (".", None),
    ]


def test_function_words_alone_say_nothing_about_where_a_phrase_came_from():
    phrases = diffing.trace_phrases("Elections at the end of the year.", [("old", "the at of")])
    assert origins_of(phrases) == [("Elections at the end of the year.", None)]


def test_a_dropped_and_restored_phrase_says_where_it_was_dropped():
    phrases = diffing.trace_phrases(
        "Sanctions are lifted in stages.",
        [("a", "Sanctions are lifted in stages."), ("b", "Sanctions remain.")],
        lines={"a": ["b"]},
    )
    restored = [p for p in phrases if p.dropped_in]
    assert restored and all(p.origin == "a" and p.dropped_in == ("b",) for p in restored)
    assert "lifted in stages" in "".join(p.text for p in restored)


words = st.sampled_from(
    ["Ukraine", "the", "army", "800,000", "will", "not", "be", "NATO", "of", ",", ".", "Kyiv"]
)
texts = st.lists(words, max_size=25).map(" ".join)


@given(text=texts, earlier=st.lists(texts, max_size=4))
def test_the_phrases_always_give_the_text_back(text, earlier):
    phrases = diffing.trace_phrases(text, list(enumerate(earlier)))
    assert "".join(p.text for p in phrases) == text
    assert all(p.origin is None or p.origin in range(len(earlier)) for p in phrases)


# --- Phrase origins: through the lineage -------------------------------------------------


@pytest.fixture
def lineage(db):
    """28 → 20 directly, and 28 → E3 beside it: the E3 text is not an ancestor of 20's point,
    but it answered the same point, earlier."""
    russia, europe = PartyFactory(name="Russia"), PartyFactory(name="E3")
    first = PlanFactory(short_name="First", presented_on=datetime.date(2025, 11, 20))
    first.parties.add(russia)
    e3 = PlanFactory(short_name="E3", presented_on=datetime.date(2025, 11, 23))
    e3.parties.add(europe)
    later = PlanFactory(short_name="Later", presented_on=datetime.date(2025, 12, 23))
    a = ProvisionFactory(plan=first, number=6, text="The armed forces are capped at 600,000.")
    b = ProvisionFactory(plan=e3, number=6, text="The armed forces are capped at 800,000.")
    c = ProvisionFactory(plan=later, number=4, text="The armed forces stay at 800,000 in peace.")
    CorrespondenceFactory(earlier=a, later=b)
    CorrespondenceFactory(earlier=a, later=c)
    return a, b, c


def test_a_phrase_can_come_from_a_sibling_version(lineage):
    first, e3, later = lineage
    found = origins.phrase_origins([later.pk])[later.pk]
    by_text = {p.text.strip(): p.origin for p in found.phrases}
    assert by_text["The armed forces"] == first.pk
    assert by_text["at 800,000"] == e3.pk
    assert by_text["in peace."] is None
    assert [w.plan_name for _, w in found.legend] == ["First", "E3"]
    assert found.written[e3.pk].parties == "E3"


def test_only_earlier_versions_and_ancestors_count(lineage):
    first, _e3, _later = lineage
    found = origins.phrase_origins([first.pk])[first.pk]
    assert all(p.origin is None for p in found.phrases)  # its successors wrote nothing before it


def test_phrase_origins_cost_the_same_queries_for_many_points(lineage, django_assert_num_queries):
    first, e3, later = lineage
    with django_assert_num_queries(4):
        origins.phrase_origins([later.pk])
    with django_assert_num_queries(4):
        origins.phrase_origins([first.pk, e3.pk, later.pk])


def test_the_provision_page_marks_each_phrase_with_its_origin(client, lineage):
    _first, e3, later = lineage
    page = client.get(later.get_absolute_url()).content.decode()
    assert "Where each phrase was first written" in page
    assert 'title="first written in E3, point 6 (23 Nov 2025)">at 800,000' in page
    assert "(first written in</span>2<span" in page  # the key, spoken in full
    assert reverse("provisions:provision-detail", args=[e3.plan.slug, "6"]) in page


def test_the_comparison_has_a_phrase_origins_layout(client, lineage):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, _e3, later = lineage
    url = reverse("provisions:compare", args=[first.plan.slug, later.plan.slug])
    with CaptureQueriesContext(connection) as side:
        client.get(url, {"layout": "side"})
    with CaptureQueriesContext(connection) as marked:
        page = client.get(url, {"layout": "origins"}).content.decode()
    assert len(marked) - len(side) <= 4  # phrase_origins' own four, for every point at once
    assert "Phrase origins: each phrase of the Later" in page
    assert 'title="first written in E3, point 6 (23 Nov 2025)">at 800,000' in page


# --- The flow ------------------------------------------------------------------------------


@pytest.fixture
def chain(db):
    theme = ThemeFactory(slug="armed-forces")
    plans = [PlanFactory(short_name=f"V{i}") for i in range(3)]
    points = [
        [
            ProvisionFactory(plan=plan, number=n, position=n, text=f"w{i}{n}a w{i}{n}b")
            for n in range(1, 4)
        ]
        for i, plan in enumerate(plans)
    ]
    for row in points:
        row[0].themes.add(theme)
    # 1 → 1 → 1 unchanged; 2 → 2 modified then dropped; 3 dropped; 3 new in V1, kept to V2
    CorrespondenceFactory(earlier=points[0][0], later=points[1][0], relation="unchanged")
    CorrespondenceFactory(earlier=points[1][0], later=points[2][0], relation="reworded")
    CorrespondenceFactory(earlier=points[0][1], later=points[1][1], relation="modified")
    CorrespondenceFactory(earlier=points[1][2], later=points[2][2], relation="split")
    CorrespondenceFactory(earlier=points[1][2], later=points[2][1], relation="split")
    return plans, points


def test_a_flow_has_a_box_per_point_and_a_band_per_link(chain):
    plans, _points = chain
    picture = flows.flow(plans)
    assert len(picture.nodes) == 9 and len(picture.columns) == 3
    relations = sorted(band.style.label for band in picture.bands)
    assert relations == ["modified", "reworded", "split", "split", "unchanged"]
    dropped = {n.label for n in picture.nodes if n.dropped}
    new = {n.label for n in picture.nodes if n.new}
    assert dropped == {"3", "2"}  # V0's 3, V1's 2
    assert new == {"3"}  # V1's 3
    # a band opens its row of the comparison
    band = next(b for b in picture.bands if b.style.label == "modified")
    assert band.url == (
        reverse("provisions:compare", args=[plans[0].slug, plans[1].slug]) + "?row=2~2"
    )


def test_a_theme_narrows_the_flow(chain):
    plans, _ = chain
    picture = flows.flow(plans, theme="armed-forces")
    assert {n.label for n in picture.nodes} == {"1"}
    assert [b.style.label for b in picture.bands] == ["unchanged", "reworded"]


def test_the_flow_page_draws_and_tabulates(client, chain, django_assert_max_num_queries):
    plans, _ = chain
    with django_assert_max_num_queries(12):
        response = client.get(reverse("provisions:flow"), {"v": [p.slug for p in plans]})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-hidden="true"' in page and 'tabindex="-1"' in page  # the picture: for the eyes
    assert "<caption>V0 → V1: 4 rows</caption>" in page  # the table: for everyone
    assert "~ modified" in page and "− dropped" in page and "+ new" in page


def test_the_flow_costs_the_same_queries_for_more_points(client, chain, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plans, _ = chain
    url = reverse("provisions:compare-flow", args=[plans[0].slug, plans[1].slug])
    with CaptureQueriesContext(connection) as small:
        client.get(url, {"theme": "x"})  # a fresh cache key: nothing computed yet
    for n in range(10, 40):
        ProvisionFactory(plan=plans[0], number=n)
        ProvisionFactory(plan=plans[1], number=n)
    with CaptureQueriesContext(connection) as large:
        client.get(url, {"theme": "y"})
    assert len(large) == len(small)


def test_the_pair_flow_is_linked_from_the_comparison_and_the_version_page(client, chain):
    plans, _ = chain
    flow_url = reverse("provisions:compare-flow", args=[plans[0].slug, plans[1].slug])
    compare = client.get(reverse("provisions:compare", args=[plans[0].slug, plans[1].slug]))
    assert flow_url in compare.content.decode()
    plans[1].based_on = plans[0]
    plans[1].save()
    assert flow_url in client.get(plans[1].get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "versions, error",
    [
        (["only-one"], "Pick at least two versions."),
        (["a", "a"], "Pick each version once."),
        (["a", "b", "c", "d", "e", "f", "g"], "Pick at most 6 versions."),
        (["nope\x00", "x"], "No version “nope"),
    ],
)
def test_a_bad_chain_is_a_400_that_says_why(client, chain, versions, error):
    response = client.get(reverse("provisions:flow"), {"v": versions})
    assert response.status_code == 400
    assert error in response.content.decode()
    picture = client.get(reverse("provisions:flow-picture", args=["svg"]), {"v": versions})
    assert picture.status_code == 400 and picture["Content-Type"] == "application/json"


def test_an_unknown_version_in_the_path_is_a_404(client, chain):
    plans, _ = chain
    url = reverse("provisions:compare-flow", args=[plans[0].slug, "no-such-version"])
    assert client.get(url).status_code == 404


def test_without_versions_the_flow_follows_the_featured_chain(client, settings, chain):
    plans, _ = chain
    plans[1].based_on, plans[2].based_on = plans[0], plans[1]
    plans[1].save()
    plans[2].save()
    settings.FEATURED_COMPARISON = (plans[0].slug, plans[2].slug)
    page = client.get(reverse("provisions:flow")).content.decode()
    assert "Lineage flow: V0 → V1 → V2" in page


# --- Export and hostile text ---------------------------------------------------------------


HOSTILE = "<script>alert(1)</script> & \x0b\x01 “quoted” 'single'"


def test_pictures_export_as_valid_svg_and_png_with_hostile_text_escaped(
    client, db, costly_rate_unlimited
):
    left = PlanFactory(short_name=HOSTILE)
    right = PlanFactory(short_name="Right")
    a = ProvisionFactory(plan=left, number=1, text=HOSTILE)
    b = ProvisionFactory(plan=right, number=1, text=HOSTILE + " more")
    CorrespondenceFactory(earlier=a, later=b)
    for url in (
        reverse("provisions:compare-flow-picture", args=[left.slug, right.slug, "svg"]),
        reverse("provisions:flow-picture", args=["svg"]) + f"?v={left.slug}&v={right.slug}",
        reverse("provisions:provision-lineage-picture", args=[right.slug, "1", "svg"]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
        body = response.content.decode()
        assert "<script" not in body
        root = ET.fromstring(response.content)  # XML-valid despite the control characters
        assert root.tag == f"{SVG}svg"
        assert root.find(f"{SVG}title") is not None
        png = client.get(url.replace(".svg", ".png"))
        assert png.status_code == 200 and png["Content-Type"] == "image/png"
        assert png.content.startswith(PNG_SIGNATURE)
    for url in (
        reverse("provisions:compare-flow", args=[left.slug, right.slug]),
        b.get_absolute_url(),
    ):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page


# --- A point's lineage graph ---------------------------------------------------------------


def test_the_point_graph_has_a_box_per_version_and_a_labelled_edge_per_link(lineage):
    first, _e3, _later = lineage
    graph = flows.point_graph(first, queries.provision_lineage(first))
    assert len(graph.boxes) == 3
    assert [b.current for b in graph.boxes] == [True, False, False]
    assert sorted(e.style.label for e in graph.edges) == ["modified", "modified"]
    # first → later skips the E3 row: it swings out to the right instead of crossing E3's box
    swung = [e for e in graph.edges if e.anchor == "start"]
    assert len(swung) == 1 and graph.width > flows.MARGIN * 2 + flows.BOX_W


def test_the_provision_page_draws_its_lineage_and_exports_it(client, lineage):
    _first, _, later = lineage
    page = client.get(later.get_absolute_url()).content.decode()
    assert 'class="picture point-graph"' in page
    assert reverse("provisions:provision-lineage-picture", args=[later.plan.slug, "4", "png"]) in (
        page
    )


def test_a_point_with_no_link_has_no_lineage_picture(client, db):
    alone = ProvisionFactory()
    url = reverse(
        "provisions:provision-lineage-picture", args=[alone.plan.slug, alone.label, "svg"]
    )
    assert client.get(url).status_code == 404
    assert "point-graph" not in client.get(alone.get_absolute_url()).content.decode()


def test_unconfirmed_links_draw_no_edge(lineage):
    first, e3, _ = lineage
    Correspondence.objects.filter(later=e3).update(status=Correspondence.Status.SUGGESTED)
    graph = flows.point_graph(first, queries.provision_lineage(first))
    assert len(graph.boxes) == 2 and len(graph.edges) == 1


def test_anonymous_png_drawing_shares_the_costly_rate(client, db, monkeypatch):
    from provisions.api.throttling import CostlyThrottle

    monkeypatch.setattr(
        CostlyThrottle, "THROTTLE_RATES", {"anon": "100/minute", "costly": "2/minute"}
    )
    plans = PlanFactory.create_batch(3)
    pairs = [(plans[0], plans[1]), (plans[1], plans[2]), (plans[0], plans[2])]
    codes = [
        client.get(
            reverse("provisions:compare-flow-picture", args=[a.slug, b.slug, "png"])
        ).status_code
        for a, b in pairs
    ]
    assert codes == [200, 200, 429]
    svg = reverse("provisions:compare-flow-picture", args=[plans[0].slug, plans[2].slug, "svg"])
    assert client.get(svg).status_code == 200  # drawing SVG is cheap: not limited


def test_the_provision_page_costs_the_same_queries_for_a_longer_lineage(client, lineage):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, _, later = lineage
    with CaptureQueriesContext(connection) as short:
        client.get(later.get_absolute_url())
    previous = later
    for n in range(6):  # six more versions, each revising the one before
        plan = PlanFactory(presented_on=datetime.date(2026, 1, 1) + datetime.timedelta(n))
        point = ProvisionFactory(plan=plan, number=4, text=f"{previous.text} Step {n}.")
        CorrespondenceFactory(earlier=previous, later=point)
        previous = point
    with CaptureQueriesContext(connection) as long:
        page = client.get(later.get_absolute_url()).content.decode()
    assert page.count('class="lineage-item') == 7  # first, and the six after it
    assert len(long) == len(short)
