"""The negotiation timeline: its layout, its zoom, its status panel, its exports and its cost."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from provisions import positions, timeline
from provisions.models import Position
from tests.factories import PartyFactory, PlanFactory, ProvisionFactory, SourceFactory

pytestmark = pytest.mark.django_db

Stance = Position.Stance
D = datetime.date
PAGE = reverse("provisions:timeline")
SVG = reverse("provisions:timeline-picture", args=["svg"])
PNG = reverse("provisions:timeline-picture", args=["png"])
HOME = reverse("provisions:plan-list")


@pytest.fixture
def parties():
    return {
        slug: PartyFactory(slug=slug, name=name)
        for slug, name in [("ukraine", "Ukraine"), ("russia", "Russia"), ("usa", "United States")]
    }


@pytest.fixture
def say():
    """Record a stance: `say(plan, party, stance, day, provision=None)` (December 2025)."""
    source = SourceFactory()

    def make(plan, party, stance, day, provision=None, *, by=None):
        return Position.objects.create(
            plan=plan, provision=provision, party=party, stance=stance,
            stated_on=D(2025, 12, day), source=by or source,
        )  # fmt: skip

    return make


def plan_with(parties, *slugs, points=0, **fields):
    plan = PlanFactory(**fields)
    plan.parties.set([parties[slug] for slug in slugs])
    plan.principal_parties.set(parties.values())
    for number in range(1, points + 1):
        ProvisionFactory(plan=plan, number=number, position=number)
    return plan


def lane_y(shown, name):
    return next(lane.y for lane in shown.lanes if lane.party[1] == name)


# --- layout -------------------------------------------------------------------------------------


def test_a_version_is_a_mark_on_each_of_its_parties_lanes_joined_by_one_line(client, parties):
    plan = plan_with(parties, "ukraine", "usa", short_name="19-point framework")
    shown = timeline.timeline()
    (mark,) = shown.version_marks
    assert mark.ys == sorted([lane_y(shown, "Ukraine"), lane_y(shown, "United States")])
    assert [lane.party[1] for lane in shown.lanes] == ["Ukraine", "United States"]  # no Russia
    svg = client.get(PAGE).content.decode()
    assert f'<a href="{plan.get_absolute_url()}" tabindex="-1">' in svg
    assert f'x1="{mark.x}" y1="{mark.top}" x2="{mark.x}" y2="{mark.bottom}"' in svg  # joined


def test_withdrawn_versions_are_left_out(parties):
    plan_with(parties, "ukraine", short_name="On record")
    plan_with(parties, "russia", short_name="Gone", withdrawn=True, withdrawn_reason="A fake.")
    shown = timeline.timeline()
    assert [v.name for v in shown.versions] == ["On record"]
    assert [lane.party[1] for lane in shown.lanes] == ["Ukraine"]


def test_the_stances_of_one_party_on_one_version_on_one_day_are_one_mark(parties, say):
    plan = plan_with(parties, "usa", points=5)
    points = list(plan.provisions.order_by("number"))
    for point in points:
        say(plan, parties["ukraine"], Stance.ACCEPTS, 23, point)
    say(plan, parties["ukraine"], Stance.REJECTS, 23, points[0], by=SourceFactory())
    say(plan, parties["russia"], Stance.REJECTS, 24, points[2])
    say(plan, parties["usa"], Stance.PROPOSES, 24)
    shown = timeline.timeline()
    marks = {(m.group.party[1], m.group.on.day): m for m in shown.position_marks}
    assert set(marks) == {("Ukraine", 23), ("Russia", 24), ("United States", 24)}
    ukraine = marks[("Ukraine", 23)]
    assert ukraine.group.count == 6 and ukraine.count[2] == 6
    assert ukraine.symbol == positions.STANCE_SYMBOLS[Stance.ACCEPTS]  # the most frequent
    assert ukraine.group.url == reverse("provisions:board", args=[plan.slug]) + "?as_of=2025-12-23"
    assert marks[("Russia", 24)].group.url == points[2].get_absolute_url()
    assert marks[("Russia", 24)].count is None
    whole = marks[("United States", 24)].group
    assert whole.url.endswith("?as_of=2025-12-24") and whole.subject == "the version as a whole"


def test_no_two_marks_share_a_place(parties, say):
    plans = [plan_with(parties, "ukraine", "usa", points=2, presented_on=D(2025, 12, 23))
             for _ in range(3)]  # fmt: skip
    for plan in plans:
        say(plan, parties["ukraine"], Stance.ACCEPTS, 23, plan.provisions.first())
        say(plan, parties["russia"], Stance.REJECTS, 23)
    shown = timeline.timeline()
    places = [(m.x, y) for m in shown.version_marks for y in m.ys]
    places += [(m.x, m.y) for m in shown.position_marks]
    assert len(places) == len(set(places)) == 3 * 2 + 6
    assert len({m.x for m in shown.version_marks}) == 3  # three slots on one day


def test_the_busiest_party_gets_the_top_lane(parties, say):
    plan = plan_with(parties, "russia")
    for day in (1, 2, 3):
        say(plan, parties["usa"], Stance.ACCEPTS, day)
    assert timeline.timeline().lanes[0].party[1] == "United States"


# --- zoom ---------------------------------------------------------------------------------------


def test_the_period_filters_what_is_shown(client, parties, say):
    plan_with(parties, "ukraine", short_name="Early", presented_on=D(2025, 10, 2))
    late = plan_with(parties, "russia", short_name="Late", presented_on=D(2025, 12, 31))
    say(late, parties["usa"], Stance.REJECTS, 5)
    html = client.get(PAGE, {"from": "2025-11", "to": "2025-12"}).content.decode()
    assert ">Late<" in html and ">Early<" not in html
    shown = timeline.timeline(start=D(2025, 12, 6))
    assert [v.name for v in shown.versions] == ["Late"] and not shown.groups
    assert [lane.party[1] for lane in shown.lanes] == ["Russia"]


@pytest.mark.parametrize(
    "query",
    [{"from": "2025-13"}, {"from": "yesterday"}, {"to": "2025-02-30"}, {"from": "\x00"},
     {"from": "2025-12-01", "to": "2025-11"}],
)  # fmt: skip
def test_a_bad_period_is_a_400_with_the_error_on_the_page(client, parties, query):
    plan_with(parties, "ukraine", presented_on=D(2025, 12, 15))
    response = client.get(PAGE, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="field-error"' in html and "<svg" in html  # the rest is still shown
    assert client.get(SVG, query).status_code == 400


def test_the_quick_links_mark_the_period_shown(client, parties):
    plan_with(parties, "ukraine", presented_on=D(2025, 11, 20))
    html = client.get(PAGE, {"from": "2025-11-01", "to": "2025-12-31"}).content.decode()
    assert 'to=2025-12-31" aria-current="page">Nov–Dec 2025</a>' in html
    assert f'<a href="{PAGE}" aria-current="page">All</a>' in client.get(PAGE).content.decode()


# --- the status panel ---------------------------------------------------------------------------


def test_status_shares_follow_the_boards_rule_after_each_change(parties, say):
    plan = plan_with(parties, "usa", points=2)
    one, two = plan.provisions.order_by("number")
    say(plan, parties["usa"], Stance.PROPOSES, 1)
    say(plan, parties["ukraine"], Stance.ACCEPTS, 10, one)
    say(plan, parties["russia"], Stance.REJECTS, 10, two)
    say(plan, parties["russia"], Stance.ACCEPTS, 20, one)
    say(plan, parties["ukraine"], Stance.ACCEPTS_IN_PRINCIPLE, 20)
    say(plan, parties["usa"], Stance.PROPOSES, 21)  # restated: no change, no bar
    (history,) = timeline.timeline().histories
    assert [step.on.day for step in history.steps] == [1, 10, 20]
    for step in history.steps:
        board = positions.board(plan, as_of=step.on).status_counts
        assert step.counts == {status: n for status, n in board.items() if n}
    assert len(timeline.timeline().status_rows[0].bars) == 3


# --- escaping, exports --------------------------------------------------------------------------


def test_hostile_names_are_escaped_and_the_standalone_svg_parses(client, parties, say):
    hostile = PartyFactory(slug="hostile", name="<script>alert(1)</script>\x0bParty")
    plan = PlanFactory(short_name='<img src=x onerror="alert(2)">\x0b', title="T")
    plan.parties.set([hostile])
    say(plan, hostile, Stance.REJECTS, 2)
    page = client.get(PAGE).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    response = client.get(SVG)
    assert response["Content-Type"].startswith("image/svg+xml")
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)  # parses: no control character, no stray markup
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join("".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "<script>alert(1)</script" in texts and "\x0b" not in body  # text, and clean
    assert root.find("{http://www.w3.org/2000/svg}rect").get("fill") == "#ffffff"


def test_the_inline_picture_is_hidden_from_assistive_technology(client, parties):
    plan_with(parties, "ukraine")
    html = client.get(PAGE).content.decode()
    assert 'aria-hidden="true"' in html and "<?xml" not in html
    assert 'class="picture-scroll" tabindex="0" role="region"' in html
    gutter, picture = (svg.split("</svg>", 1)[0] for svg in html.split("<svg")[1:3])
    assert "timeline-gutter" in gutter and "timeline-picture" in picture
    for svg in (gutter, picture):
        assert "style=" not in svg and 'aria-hidden="true"' in svg.split(">", 1)[0]


def test_in_a_page_the_lanes_names_are_drawn_once_beside_the_scrolling_picture(client, parties):
    """On a phone the picture scrolls sideways: the lanes' names are an SVG of their own that
    stays at its left edge (tracker.css), so the picture in the page draws them no more; the
    picture downloaded on its own still does."""
    plan_with(parties, "ukraine", "russia")
    html = client.get(PAGE).content.decode()
    frame = html.split('<div class="timeline-frame">', 1)[1]
    gutter, picture = frame.split("</svg>", 2)[:2]
    assert 'class="picture timeline-gutter"' in gutter and 'aria-hidden="true"' in gutter
    assert ">Ukraine</text>" in gutter and ">Russia</text>" in gutter
    assert "timeline-picture" in picture and ">Ukraine</text>" not in picture
    assert ">Ukraine</text>" in client.get(SVG).content.decode()


def test_the_png_is_a_png(client, parties, say):
    plan = plan_with(parties, "ukraine", points=1)
    say(plan, parties["russia"], Stance.REJECTS, 3, plan.provisions.get())
    response = client.get(PNG, {"from": "2025-01"})
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


# --- cost ---------------------------------------------------------------------------------------


def add_data(parties, say, versions: int, points: int):
    for index in range(versions):
        plan = plan_with(parties, "ukraine", "usa", points=points,
                         presented_on=D(2025, 11, 1) + datetime.timedelta(index))  # fmt: skip
        for point in plan.provisions.all():
            say(plan, parties["russia"], Stance.REJECTS, 1 + index % 20, point)
        say(plan, parties["usa"], Stance.PROPOSES, 2 + index % 20)


def test_the_query_count_does_not_grow_with_the_data(client, parties, say):
    add_data(parties, say, versions=2, points=2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(PAGE).status_code == 200
    add_data(parties, say, versions=12, points=6)
    with CaptureQueriesContext(connection) as large:
        assert client.get(PAGE).status_code == 200
    # stamp, coverage, the window's dates, versions, stances, status (3)
    assert len(large) == len(small) <= 8
    with CaptureQueriesContext(connection) as small_export:
        client.get(SVG)
    add_data(parties, say, versions=3, points=3)
    with CaptureQueriesContext(connection) as large_export:
        client.get(SVG)
    assert len(small_export) == len(large_export)


def test_a_long_period_is_drawn_from_its_latest_dates(client, parties, say, monkeypatch):
    """An archive of a thousand versions would draw a thousand columns: the page draws the
    latest MAX_DATES dates of the period and links to what came before."""
    monkeypatch.setattr(timeline, "MAX_DATES", 5)
    monkeypatch.setattr(timeline.Timeline, "max_dates", 5)
    add_data(parties, say, versions=8, points=1)  # versions 1-8 Nov, stances 1-9 Dec
    shown = timeline.timeline()
    assert shown.cut_before == D(2025, 12, 5)  # 9, 8, 7, 6, 5 December
    assert shown.versions == [] and shown.groups
    assert all(g.on >= D(2025, 12, 5) for g in shown.groups)
    html = client.get(PAGE).content.decode()
    assert "the picture and the tables start on 5 Dec 2025, the latest 5" in html
    assert f'href="{PAGE}?to=2025-12-04"' in html
    earlier = client.get(PAGE, {"to": "2025-12-04"}).content.decode()
    assert "start on 8 Nov 2025" in earlier  # 4, 3, 2, 1 December and 8 November
    whole = client.get(PAGE, {"from": "2025-11-06", "to": "2025-11-30"}).content.decode()
    assert "start on" not in whole  # three dates: all drawn


@pytest.mark.parametrize("versions", [2, 20])
def test_the_home_page_overview_stays_within_the_home_budget(
    client, parties, say, django_assert_max_num_queries, versions
):
    add_data(parties, say, versions=versions, points=2)
    with django_assert_max_num_queries(13):
        html = client.get(HOME).content.decode()
    assert html.count('<rect x="') >= 2 * versions  # a square per party of each version
    assert f'href="{PAGE}"' in html
