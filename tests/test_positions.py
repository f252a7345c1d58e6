"""Where the parties stand: the status rule, the board, and positions in the pages, API and admin."""

import csv
import datetime
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from provisions import positions
from provisions.models import COVERAGE_HEADER, Coverage, Party, Position
from provisions.positions import AGAINST, IN_PRINCIPLE, SUPPORT, Status, point_status
from tests.factories import (
    PartyFactory,
    PlanFactory,
    ProvisionFactory,
    SourceFactory,
    ThemeFactory,
    api_as,
)

Stance = Position.Stance
STANCES = [stance.value for stance in Stance]
PRINCIPALS = ["ukraine", "russia", "united-states"]
D = datetime.date

# --- the rule (pure) ----------------------------------------------------------------------------

stances_of = st.fixed_dictionaries(
    {party: st.one_of(st.none(), st.sampled_from(STANCES)) for party in PRINCIPALS}
)


@given(stances_of)
def test_agreed_exactly_when_every_principal_proposes_or_accepts(stances):
    agreed = all(stances[p] in SUPPORT for p in PRINCIPALS)
    assert (point_status(stances, PRINCIPALS) == Status.AGREED) == agreed


@given(stances_of)
def test_one_rejection_or_counter_proposal_means_disputed_or_rejected(stances):
    status = point_status(stances, PRINCIPALS)
    against = [p for p in PRINCIPALS if stances[p] in AGAINST]
    if against:
        expected = Status.REJECTED if len(against) == len(PRINCIPALS) else Status.DISPUTED
        assert status == expected
    else:
        assert status not in (Status.DISPUTED, Status.REJECTED)


@given(stances_of)
def test_wording_open_when_all_accept_at_least_in_principle_and_one_only_in_principle(stances):
    status = point_status(stances, PRINCIPALS)
    held = [stances[p] for p in PRINCIPALS]
    in_principle = all(s in SUPPORT | IN_PRINCIPLE for s in held) and any(
        s in IN_PRINCIPLE for s in held
    )
    assert (status == Status.WORDING_OPEN) == in_principle


@given(stances_of, st.permutations(PRINCIPALS))
def test_the_order_of_the_parties_does_not_matter(stances, order):
    assert point_status(stances, order) == point_status(stances, PRINCIPALS)


@given(stances_of, st.sampled_from(STANCES))
def test_parties_that_are_not_principals_never_change_the_status(stances, other):
    with_other = {**stances, "european-union": other}
    assert point_status(with_other, PRINCIPALS) == point_status(stances, PRINCIPALS)


@given(stances_of)
def test_nothing_stated_is_no_record_and_a_missing_principal_keeps_it_from_agreed(stances):
    status = point_status(stances, PRINCIPALS)
    if all(stances[p] is None for p in PRINCIPALS):
        assert status == Status.NO_RECORD
    elif any(stances[p] is None for p in PRINCIPALS):
        assert status in (Status.OPEN, Status.DISPUTED)


def test_without_principals_nothing_is_agreed():
    assert point_status({"ukraine": Stance.ACCEPTS}, []) == Status.NO_RECORD


def test_a_whole_version_rejection_is_not_counted_as_one_of_each_point():
    assert positions.counted(Stance.REJECTS, whole_version=True) == Stance.UNDER_DISCUSSION
    assert positions.counted(Stance.REJECTS, whole_version=False) == Stance.REJECTS
    assert positions.counted(Stance.ACCEPTS, whole_version=True) == Stance.ACCEPTS


# --- the board over time --------------------------------------------------------------------------


@pytest.fixture
def parties(db):
    return {slug: Party.objects.get_or_create(slug=slug, defaults={"name": slug})[0]
            for slug in PRINCIPALS}  # fmt: skip


@pytest.fixture
def negotiation(parties):
    """Two points. 1 Dec: the US proposes the version; 10 Dec: Ukraine accepts point 1,
    Russia rejects point 2; 20 Dec: Russia accepts point 1, Ukraine accepts the whole."""
    plan = PlanFactory(slug="framework")
    plan.principal_parties.set(parties.values())
    theme = ThemeFactory(slug="territory")
    one = ProvisionFactory(plan=plan, number=1, position=1)
    two = ProvisionFactory(plan=plan, number=2, position=2)
    two.themes.add(theme)
    source = SourceFactory()

    def say(provision, party, stance, day):
        return Position.objects.create(
            plan=plan, provision=provision, party=parties[party], stance=stance,
            stated_on=D(2025, 12, day), source=source,
        )  # fmt: skip

    say(None, "united-states", Stance.PROPOSES, 1)
    say(one, "ukraine", Stance.ACCEPTS, 10)
    say(two, "russia", Stance.REJECTS, 10)
    say(one, "russia", Stance.ACCEPTS, 20)
    say(None, "ukraine", Stance.ACCEPTS_IN_PRINCIPLE, 20)
    return plan, one, two


def statuses(board):
    return [row.status for row in board.rows]


def test_the_board_as_of_three_dates(negotiation):
    plan, _one, _two = negotiation
    before = positions.board(plan, as_of=D(2025, 11, 30))
    assert statuses(before) == [Status.NO_RECORD, Status.NO_RECORD]
    middle = positions.board(plan, as_of=D(2025, 12, 15))
    # the US stance on the whole stands for each point; Russia has not spoken to point 1
    assert statuses(middle) == [Status.OPEN, Status.DISPUTED]
    us = middle.rows[0].cells[[p.slug for p in middle.columns].index("united-states")]
    assert us.whole_version and us.stance == Stance.PROPOSES
    late = positions.board(plan, as_of=D(2025, 12, 31))
    assert statuses(late) == [Status.AGREED, Status.DISPUTED]
    # Ukraine's acceptance in principle of the whole fills point 2, where it said nothing
    ukraine = late.rows[1].cells[[p.slug for p in late.columns].index("ukraine")]
    assert ukraine.whole_version and ukraine.stance == Stance.ACCEPTS_IN_PRINCIPLE


def test_changes_since_a_date_are_marked_and_listed(negotiation):
    plan, _one, _two = negotiation
    board = positions.board(plan, as_of=D(2025, 12, 31), since=D(2025, 12, 15))
    changed = {(row.provision.label if row.provision else "", cell.party.slug)
               for row, cell in board.changes}  # fmt: skip
    assert changed == {("1", "russia"), ("", "ukraine"), ("2", "ukraine")}
    assert board.rows[0].status_before == Status.OPEN and board.rows[0].status == Status.AGREED


def test_a_whole_version_rejection_is_shown_but_leaves_the_points_open(parties):
    plan = PlanFactory()
    plan.principal_parties.set(parties.values())
    ProvisionFactory(plan=plan, number=1, position=1)
    Position.objects.create(
        plan=plan, party=parties["ukraine"], stance=Stance.COUNTER_PROPOSES,
        stated_on=D(2025, 11, 21), source=SourceFactory(),
    )  # fmt: skip
    board = positions.board(plan, as_of=D(2025, 12, 1))
    assert board.rows[0].status == Status.OPEN
    assert any(cell.stance == Stance.COUNTER_PROPOSES for cell in board.rows[0].cells)


def test_filters_by_theme_status_and_party(negotiation):
    plan, one, two = negotiation
    board = positions.board(plan, as_of=D(2025, 12, 31))
    assert [r.provision for r in board.filtered(theme="territory")] == [two]
    assert [r.provision for r in board.filtered(status="agreed")] == [one]
    assert [r.provision for r in board.filtered(party="russia")] == [one, two]


def test_other_parties_get_columns_that_do_not_count(negotiation):
    plan, one, _two = negotiation
    eu = PartyFactory(slug="european-union", name="European Union")
    Position.objects.create(plan=plan, provision=one, party=eu, stance=Stance.REJECTS,
                            stated_on=D(2025, 12, 21), source=SourceFactory())  # fmt: skip
    board = positions.board(plan, as_of=D(2025, 12, 31))
    assert board.others == [eu]
    assert board.rows[0].status == Status.AGREED


# --- the page -------------------------------------------------------------------------------------


def board_url(plan, **query):
    url = reverse("provisions:board", args=[plan.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_board_page_says_stances_in_words_symbols_and_sources(client, negotiation):
    plan, _one, _two = negotiation
    html = client.get(board_url(plan, as_of="2025-12-31")).content.decode()
    assert "Where each party stands" in html
    assert "✔</span> Agreed" in html and "Disputed" in html and "Rejects" in html
    assert "(on the version as a whole)" in html
    assert 'href="https://news.example.org/' in html


def test_changes_since_are_listed_on_the_page(client, negotiation):
    plan, _one, _two = negotiation
    html = client.get(board_url(plan, as_of="2025-12-31", since="2025-12-15")).content.decode()
    assert "Changed since 15 December 2025" in html
    assert "russia: no stance → accepts" in html  # the fixture's parties are named by slug
    assert "cell--changed" in html


@pytest.mark.parametrize(
    "query, field",
    [
        ({"as_of": "2025-13-01"}, "as_of"),
        ({"as_of": "2025-12-01", "since": "2025-12-31"}, "since"),
        ({"status": "won"}, "status"),
    ],
)
def test_bad_input_is_a_form_error_with_status_400(client, negotiation, query, field):
    plan, *_ = negotiation
    response = client.get(board_url(plan, **query))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert b"field-error" in response.content


def test_an_htmx_request_gets_the_board_only(client, negotiation):
    plan, *_ = negotiation
    response = client.get(board_url(plan, status="agreed"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="board"') and "<html" not in body


def test_the_board_csv_has_every_party_and_the_coverage(client, negotiation):
    plan, one, _two = negotiation
    Coverage.objects.create(material_until=D(2026, 6, 17))
    one.text = '=HYPERLINK("http://evil.example")'
    one.save()
    response = client.get(
        reverse("provisions:board-export", args=[plan.slug]) + "?as_of=2025-12-31"
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "17 June 2026" in response[COVERAGE_HEADER]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["point", "text", "status", "changed since"]
    assert "russia: stance" in rows[0]
    assert rows[1][0] == "whole version"
    assert rows[2][1].startswith("'=")  # a formula is made text
    assert rows[2][2] == "Agreed"


def test_the_board_query_count_does_not_grow_with_the_data(client, negotiation, parties):
    plan, _one, _two = negotiation
    url = board_url(plan, as_of="2025-12-31", since="2025-12-15")
    with CaptureQueriesContext(connection) as small:  # the first request: nothing cached
        assert client.get(url).status_code == 200
    source = SourceFactory()
    for number in range(3, 40):
        point = ProvisionFactory(plan=plan, number=number, position=number)
        point.themes.add(ThemeFactory())
        for party in parties.values():
            Position.objects.create(plan=plan, provision=point, party=party,
                                    stance=Stance.ACCEPTS, stated_on=D(2025, 12, 12),
                                    source=source)  # fmt: skip
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small) <= 12


def test_the_board_api_query_count_does_not_grow_with_the_data(client, negotiation, parties):
    plan, _one, _two = negotiation
    url = reverse("api:plan-board", args=[plan.slug]) + "?as_of=2025-12-31"
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    source = SourceFactory()
    for number in range(3, 30):
        point = ProvisionFactory(plan=plan, number=number, position=number)
        for party in parties.values():
            Position.objects.create(plan=plan, provision=point, party=party,
                                    stance=Stance.ACCEPTS, stated_on=D(2025, 12, 12),
                                    source=source)  # fmt: skip
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small) <= 8


def test_hostile_excerpt_and_note_are_text(client, negotiation, parties):
    plan, one, _two = negotiation
    Position.objects.create(
        plan=plan, provision=one, party=parties["ukraine"], stance=Stance.ACCEPTS,
        stated_on=D(2025, 12, 11), source=SourceFactory(),
        excerpt="<script>alert(1)</script>", note="<img src=x onerror=alert(2)>",
    )  # fmt: skip
    for url in (board_url(plan), one.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in client.get(one.get_absolute_url()).content.decode()


def test_the_provision_page_shows_a_dated_timeline_and_the_status(client, negotiation):
    _plan, one, _two = negotiation
    html = client.get(one.get_absolute_url()).content.decode()
    assert 'id="positions"' in html
    assert "Status today" in html and "Agreed" in html
    assert html.index("1 Dec 2025") < html.index("10 Dec 2025") < html.index("20 Dec 2025")


def test_the_version_and_home_pages_link_the_board(client, negotiation):
    plan, *_ = negotiation
    url = reverse("provisions:board", args=[plan.slug])
    assert url in client.get(plan.get_absolute_url()).content.decode()
    assert url in client.get(reverse("provisions:plan-list")).content.decode()


def test_comparison_rows_carry_the_status(client, negotiation):
    plan, one, _two = negotiation
    earlier = PlanFactory(presented_on=D(2025, 1, 1))
    ProvisionFactory(plan=earlier, number=1, position=1, text=one.text)
    html = client.get(reverse("provisions:compare", args=[earlier.slug, plan.slug])).content
    assert b"status--agreed" in html or b"status--disputed" in html


# --- API ----------------------------------------------------------------------------------------


def test_positions_list_filters(client, negotiation):
    plan, _one, _two = negotiation
    url = reverse("api:position-list")
    assert client.get(url, {"plan": plan.slug}).json()["count"] == 5
    assert client.get(url, {"party": "russia", "stance": "rejects"}).json()["count"] == 1
    assert client.get(url, {"stated_after": "2025-12-11"}).json()["count"] == 2
    assert client.get(url, {"whole_version": "true"}).json()["count"] == 2
    assert client.get(url, {"stated_after": "yesterday"}).status_code == 400
    assert client.get(url, {"stated_before": ""}).status_code == 400
    assert client.get(url, {"updated_since": "2000-01-01T00:00Z"}).json()["count"] == 5


def test_the_board_as_data(client, negotiation):
    plan, *_ = negotiation
    url = reverse("api:plan-board", args=[plan.slug])
    data = client.get(url, {"as_of": "2025-12-31", "since": "2025-12-15"}).json()
    assert data["principals"] == ["russia", "ukraine", "united-states"]
    assert [row["status"] for row in data["rows"]] == ["agreed", "disputed"]
    assert data["whole_version"]["provision"] is None
    assert any(cell["changed"] for row in data["rows"] for cell in row["cells"])
    later = client.get(url, {"as_of": "2025-12-01", "since": "2025-12-31"}).json()
    assert not any(cell["changed"] for row in later["rows"] for cell in row["cells"])
    assert client.get(url, {"as_of": "31.12.2025"}).status_code == 400
    assert client.get(url, {"asof": "2025-12-31"}).status_code == 400
    assert client.get(reverse("api:plan-board", args=["nope"])).status_code == 404


def position_body(plan, provision, party, source, **extra):
    return {
        "plan": plan.slug, "provision": provision.pk if provision else None, "party": party,
        "stance": "accepts", "stated_on": "2025-12-22", "source": source.pk, **extra,
    }  # fmt: skip


def test_editors_record_positions_and_a_repeat_is_a_409(negotiation, editor):
    plan, one, two = negotiation
    source = SourceFactory()
    api = api_as(editor)
    url = reverse("api:position-list")
    created = api.post(url, position_body(plan, one, "ukraine", source), format="json")
    assert created.status_code == 201, created.json()
    again = api.post(url, position_body(plan, one, "ukraine", source), format="json")
    assert again.status_code == 409 and again.json()["existing"].endswith(
        f"/api/positions/{created.json()['id']}/"
    )
    # the plan follows from the provision when left out
    body = position_body(plan, two, "ukraine", source)
    del body["plan"]
    assert api.post(url, body, format="json").status_code == 201


@pytest.mark.parametrize(
    "change, field",
    [
        ({"source": None}, "source"),
        ({"stance": "maybe"}, "stance"),
        ({"stated_on": "2999-01-01"}, "stated_on"),
        ({"party": "nobody"}, "party"),
    ],
)
def test_bad_positions_are_400_with_field_errors(negotiation, editor, change, field):
    plan, one, _two = negotiation
    body = {**position_body(plan, one, "ukraine", SourceFactory()), **change}
    response = api_as(editor).post(reverse("api:position-list"), body, format="json")
    assert response.status_code == 400 and field in response.json()


def test_a_point_of_another_version_is_refused(negotiation, editor):
    plan, _one, _two = negotiation
    other = ProvisionFactory()
    body = position_body(plan, other, "ukraine", SourceFactory())
    response = api_as(editor).post(reverse("api:position-list"), body, format="json")
    assert response.status_code == 400 and "provision" in response.json()


def test_analysts_and_anonymous_readers_cannot_write_positions(client, negotiation, analyst):
    plan, one, _two = negotiation
    body = position_body(plan, one, "ukraine", SourceFactory())
    url = reverse("api:position-list")
    assert api_as(analyst).post(url, body, format="json").status_code == 403
    assert client.post(url, body, content_type="application/json").status_code in (401, 403)
    position = Position.objects.first()
    detail = reverse("api:position-detail", args=[position.pk])
    assert api_as(analyst).delete(detail, HTTP_IF_MATCH=str(position.revision)).status_code == 403


def test_a_source_that_a_position_rests_on_cannot_be_deleted(negotiation, editor):
    source = Position.objects.first().source
    response = api_as(editor).delete(
        reverse("api:source-detail", args=[source.pk]), HTTP_IF_MATCH=str(source.revision)
    )
    assert response.status_code == 409 and "position" in " ".join(response.json()["depends"])


def test_a_stance_change_is_in_the_feeds(client, negotiation, editor):
    plan, _one, two = negotiation
    position = Position.objects.get(provision=two)
    position.stance = Stance.ACCEPTS_IN_PRINCIPLE
    position.save()
    feed = client.get(reverse("api:feed-positions", args=[plan.slug])).content.decode()
    assert "accepts in principle" in feed and "point 2" in feed
    point_feed = client.get(reverse("api:feed-provision", args=[plan.slug, "2"])).content
    assert b"accepts in principle" in point_feed


# --- admin --------------------------------------------------------------------------------------


def test_editors_bulk_add_one_stance_to_several_points(editor_client, negotiation, parties):
    _plan, one, two = negotiation
    source = SourceFactory()
    data = {
        "action": "record_stance", ACTION_CHECKBOX_NAME: [one.pk, two.pk], "apply": "1",
        "party": parties["united-states"].pk, "stance": "accepts", "stated_on": "2025-12-23",
        "date_precision": "day", "source": source.pk,
    }  # fmt: skip
    url = reverse("admin:provisions_provision_changelist")
    assert editor_client.post(url, data).status_code == 302
    assert Position.objects.filter(source=source).count() == 2
    # again: both exist, nothing more is recorded, and the form says why
    response = editor_client.post(url, data)
    assert response.status_code == 200 and b"exists already" in response.content
    assert Position.objects.filter(source=source).count() == 2
    # without a source: a form error, nothing recorded
    response = editor_client.post(url, {**data, "source": "", "stated_on": "2025-12-24"})
    assert b"This field is required" in response.content
    assert Position.objects.filter(stated_on=D(2025, 12, 24)).count() == 0


def test_the_admin_list_reads_like_a_board(editor_client, negotiation):
    plan, *_ = negotiation
    url = reverse("admin:provisions_position_changelist") + f"?plan__id__exact={plan.pk}"
    html = editor_client.get(url).content.decode()
    assert "✖ Rejects" in html and "(as a whole)" in html


def test_analysts_see_positions_but_cannot_add_them_in_the_admin(client, negotiation, analyst):
    client.force_login(analyst)
    assert client.get(reverse("admin:provisions_position_changelist")).status_code == 200
    assert client.get(reverse("admin:provisions_position_add")).status_code == 403
