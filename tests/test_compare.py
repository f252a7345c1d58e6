"""The analyst pages built on the comparison: compare, export, search, scorecard, and the
provision page's lineage, variant readings, history and citation."""

import csv
import io
import json
import re
from datetime import date

import pytest
from django.urls import reverse

from provisions import queries, services
from provisions.models import Provision
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    CorrespondenceFactory,
    PlanFactory,
    ProvisionFactory,
    TagFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.fixture
def versions():
    """A 28-point-like plan, a middle version and a 20-point-like plan linked 28 -> 19 -> 20."""
    armed = ThemeFactory(slug="armed-forces", name="Armed forces")
    justice = ThemeFactory(slug="justice-amnesty", name="Justice and amnesty")
    first = PlanFactory(slug="first", short_name="First plan")
    middle = PlanFactory(slug="middle", short_name="Middle plan", based_on=first)
    last = PlanFactory(slug="last", short_name="Last plan", based_on=middle)

    def point(plan, number, text, theme):
        provision = ProvisionFactory(plan=plan, number=number, position=number, text=text)
        provision.themes.add(theme)
        return provision

    cap = point(first, 6, "Ukraine's armed forces are limited to 600,000 personnel.", armed)
    amnesty = point(first, 26, "Full amnesty for all parties.", justice)
    cap_mid = point(middle, 5, "The cap on the armed forces is dropped.", armed)
    cap_last = point(last, 7, "Ukraine's armed forces will be kept at 800,000 in peacetime.", armed)
    fund = point(last, 13, "A fund for rebuilding Ukraine is set up.", armed)
    CorrespondenceFactory(
        earlier=cap, later=cap_mid, relation="modified", note="Cap removed (N01)."
    )
    CorrespondenceFactory(
        earlier=cap_mid, later=cap_last, relation="modified", note="800,000 in peacetime (L01)."
    )
    AssessmentFactory(provision=amnesty, tag=TagFactory(slug="contested", name="Contested"))
    return {"first": first, "middle": middle, "last": last, "cap": cap, "amnesty": amnesty,
            "cap_last": cap_last, "fund": fund}  # fmt: skip


def compare_url(left, right):
    return reverse("provisions:compare", args=[left.slug, right.slug])


def test_comparison_aligns_through_the_version_between(client, versions):
    response = client.get(compare_url(versions["first"], versions["last"]))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r.key, r.relation, r.path) for r in rows] == [
        ("6~7", "modified", ("middle",)),
        ("26~none", "removed", ()),  # after the row of its predecessor, point 6
        ("none~13", "new", ()),
    ]
    html = response.content.decode()
    # "are limited to 600,000 personnel" -> "will be kept at 800,000 in peacetime": one flagged run
    removed = '<del class="flag-modal flag-number"><span class="sr-only">[removed: </span>'
    added = '<ins class="flag-modal flag-number"><span class="sr-only">[added: </span>'
    assert f"{removed}are limited to 600,000" in html
    assert f"{added}will be kept at 800,000" in html
    assert "800,000 in peacetime (L01)." in html and "Cap removed (N01)." in html
    assert reverse("provisions:provision-detail", args=["first", "6"]) in html
    assert reverse("provisions:provision-detail", args=["last", "7"]) in html


def test_an_edit_shows_at_once_although_comparisons_are_cached(client, versions, editor):
    url = compare_url(versions["first"], versions["last"])
    assert "800,000" in client.get(url).content.decode()
    cap = versions["cap_last"]
    cap.text = "Ukraine's armed forces will be kept at 850,000 in peacetime."
    services.record_save(obj=cap, user=editor)
    html = client.get(url).content.decode()
    assert "850,000" in html and "kept at 800,000" not in html
    services.correspondence_link(earlier=versions["amnesty"], later=versions["fund"],
                                 relation="modified", user=editor)  # fmt: skip
    keys = [row.key for row in client.get(url).context["rows"]]
    assert "26~13" in keys


def test_each_point_of_a_comparison_links_to_its_own_page(versions):
    lettered = ProvisionFactory(plan=versions["last"], number=14, sub="ab", position=14)
    comparison = queries.comparison(versions["first"], versions["last"])
    points = [p for row in comparison.rows for p in (*row.left, *row.right)]
    assert lettered.pk in [p.id for p in points]
    for point in points:
        assert point.url == Provision.objects.get(pk=point.id).get_absolute_url()


def test_comparison_is_a_whole_page_and_its_htmx_swap_only_the_rows(client, versions):
    url = compare_url(versions["first"], versions["last"])
    page = client.get(url)
    swap = client.get(url, headers={"HX-Request": "true"})
    assert b"<html" in page.content and b'id="comparison"' in page.content
    assert b"<html" not in swap.content and without_title(swap.content).startswith(
        b'<section id="comparison"'
    )
    # the swap carries the new tab title (htmx sets it)
    assert b"<title>First plan \xe2\x86\x92 Last plan" in swap.content
    assert "HX-Request" in swap["Vary"]
    # a swap rendered first (not from the page's cached rows) links to this comparison too
    first = client.get(url, {"layout": "inline"}, headers={"HX-Request": "true"}).content.decode()
    assert f'class="permalink" href="{url}?row=' in first and f'href="{url}?relation=' in first
    restore = client.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert b"<html" in restore.content


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ({"theme": "justice-amnesty"}, ["26~none"]),
        ({"tag": "contested"}, ["26~none"]),
        ({"relation": "new"}, ["none~13"]),
        ({"changes_only": "on"}, ["6~7", "26~none", "none~13"]),
        ({"row": "6~7"}, ["6~7"]),
        ({"theme": "no-such-theme"}, ["6~7", "26~none", "none~13"]),  # invalid: not applied
    ],
)
def test_comparison_filters(client, versions, query, keys):
    response = client.get(compare_url(versions["first"], versions["last"]), query)
    assert response.status_code == 200
    assert [r.key for r in response.context["rows"]] == keys


def test_an_invalid_filter_is_reported_not_an_error(client, versions):
    response = client.get(compare_url(versions["first"], versions["last"]), {"relation": "bogus"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_inline_layout_shows_both_sides_in_one_text(client, versions):
    response = client.get(compare_url(versions["first"], versions["last"]), {"layout": "inline"})
    html = response.content.decode()
    assert "layout--inline" in html
    assert html.count('class="side side--left"') == 0


def test_comparing_a_version_with_itself_says_so(client, versions):
    response = client.get(compare_url(versions["last"], versions["last"]))
    assert response.status_code == 200
    assert {r.relation for r in response.context["rows"]} == {"unchanged"}
    assert "compares a version with itself" in response.content.decode()


@pytest.mark.parametrize("args", [["nope", "last"], ["first", "nope"]])
def test_unknown_version_in_a_comparison_is_404(client, versions, args):
    assert client.get(reverse("provisions:compare", args=args)).status_code == 404


def test_version_pickers_lead_to_the_canonical_url_keeping_filters(client, versions):
    pick = reverse("provisions:compare-pick")
    response = client.get(pick, {"left": "first", "right": "last", "theme": "armed-forces"})
    assert response.status_code == 302
    assert (
        response["Location"]
        == compare_url(versions["first"], versions["last"]) + "?theme=armed-forces"
    )
    swap = client.get(pick, {"left": "first", "right": "middle"}, headers={"HX-Request": "true"})
    assert swap["HX-Push-Url"] == compare_url(versions["first"], versions["middle"])
    assert without_title(swap.content).startswith(b'<section id="comparison"')


def test_version_pickers_without_a_choice_show_the_form_and_bad_choices_are_400(client, versions):
    pick = reverse("provisions:compare-pick")
    assert client.get(pick).status_code == 200
    bad = client.get(pick, {"left": "first", "right": "no-such-plan"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()


def test_export_csv_has_one_record_per_row_and_honours_filters(client, versions):
    url = reverse("provisions:compare-export", args=["first", "last", "csv"])
    records = list(csv.reader(io.StringIO(client.get(url).content.decode())))
    assert records[0][:3] == ["left points", "right points", "relation"]
    assert [r[:3] for r in records[1:]] == [
        ["6", "7", "modified"],
        ["26", "", "removed"],
        ["", "13", "new"],
    ]
    assert records[1][4] == "middle" and records[1][5] == "modal, number"
    filtered = list(
        csv.reader(io.StringIO(client.get(url, {"relation": "removed"}).content.decode()))
    )
    assert len(filtered) == 2


def test_export_markdown_is_a_table(client, versions):
    url = reverse("provisions:compare-export", args=["first", "last", "md"])
    response = client.get(url)
    assert response["Content-Type"].startswith("text/markdown")
    lines = response.content.decode().splitlines()
    assert lines[0] == "# First plan → Last plan"
    assert sum(line.startswith("| 6 | 7 | modified") for line in lines) == 1


def test_home_counts_changes_since_the_previous_version(client, versions):
    html = client.get(reverse("provisions:plan-list")).content.decode()
    compare = reverse("provisions:compare", args=["middle", "last"])
    assert f'{compare}?changes_only=on">2 rows changed since then' in html
    origin = reverse("provisions:compare", args=["first", "last"])
    assert f'<a href="{origin}">compare with the First plan</a>' in html


def test_plan_page_filters_by_theme_and_tag_with_an_htmx_partial(client, versions):
    url = versions["first"].get_absolute_url()
    response = client.get(url, {"theme": "justice-amnesty"})
    assert [p.label for p in response.context["provisions"]] == ["26"]
    swap = client.get(url, {"tag": "contested"}, headers={"HX-Request": "true"})
    html = swap.content.decode()
    assert html.lstrip().startswith('<ol class="provisions" id="provision-list"')
    assert 'id="p-26"' in html and 'id="p-6"' not in html
    assert "HX-Request" in swap["Vary"]


def test_provision_page_shows_lineage_with_a_baseline_readings_history_and_citation(
    client, versions, editor
):
    cap = versions["cap"]
    editor.first_name, editor.last_name = "Erin", "Editor"
    editor.save()
    CitationFactory(provision=cap, reading="reduced to 600,000 soldiers")
    cap.text = "Ukraine's armed forces are limited to 600,000 troops."
    services.record_save(obj=cap, user=editor)
    response = client.get(cap.get_absolute_url())
    html = response.content.decode()
    assert [(e.provision.plan.slug, e.direction, e.steps) for e in response.context["lineage"]] == [
        ("middle", "later", 1),
        ("last", "later", 2),
    ]
    assert "800,000" in html and "reduced to 600,000 soldiers" in html
    # the public name, never the login name
    assert "by Erin Editor" in html and "by editor" not in html
    assert "[added: </span>troops" in html
    citation = response.context["citation"]
    assert "point 6" in citation["plain"] and "@misc{first-6," in citation["bibtex"]
    assert json.loads(citation["csl_json"])[0]["URL"].endswith(cap.get_absolute_url())
    rebased = client.get(cap.get_absolute_url(), {"baseline": "last"})
    assert rebased.context["baseline"] == versions["cap_last"]


def test_search_finds_and_highlights_across_versions(client, versions):
    response = client.get(reverse("provisions:search"), {"q": "armed forces"})
    assert response.status_code == 200
    labels = {(h.plan.slug, h.label) for h in response.context["results"].hits}
    assert {("first", "6"), ("last", "7")} <= labels
    assert "<mark>" in response.content.decode()
    swap = client.get(
        reverse("provisions:search"), {"q": "amnesty"}, headers={"HX-Request": "true"}
    )
    assert swap.content.lstrip().startswith(b'<section id="search-results"')


def test_search_ranks_a_bounded_set_of_matches_from_the_latest_versions(client, monkeypatch):
    """Ranking and counting read every candidate: of more matches than SEARCH_CANDIDATES, the
    latest versions' are ranked, and the page says there were more; fewer are all ranked."""
    monkeypatch.setattr(queries.finding, "SEARCH_CANDIDATES", 3)
    for month in range(1, 6):
        plan = PlanFactory(slug=f"v{month}", presented_on=date(2025, month, 1))
        ProvisionFactory(plan=plan, number=1, position=1, text="Troops withdraw.")
    ProvisionFactory(plan=PlanFactory(slug="other"), text="Sanctions are lifted.")
    response = client.get(reverse("provisions:search"), {"q": "troops"})
    results = response.context["results"]
    assert results.capped and results.total == 3
    assert sorted(hit.plan.slug for hit in results.hits) == ["v3", "v4", "v5"]
    assert "More than 3 points match" in response.content.decode()
    narrowed = client.get(reverse("provisions:search"), {"q": "troops", "plan": "v1"})
    assert not narrowed.context["results"].capped
    assert [hit.plan.slug for hit in narrowed.context["results"].hits] == ["v1"]
    assert "1 point matches" in narrowed.content.decode()


def test_search_escapes_stored_text_and_the_query(client):
    ProvisionFactory(text=f"alert {HOSTILE} here")
    response = client.get(reverse("provisions:search"), {"q": "alert <script>"})
    html = response.content.decode()
    assert "<script>alert" not in html and 'onerror="alert' not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("query", ["", "   ", "%%%", "x" * 500])
def test_odd_searches_answer_calmly(client, query):
    assert client.get(reverse("provisions:search"), {"q": query}).status_code == 200


def test_scorecard_counts_per_theme_and_version_and_links_to_the_comparison(client, versions):
    response = client.get(reverse("provisions:scorecard"))
    assert response.status_code == 200
    card = response.context["card"]
    assert card.cell("armed-forces", versions["last"].pk) == {
        "kept": 0,
        "modified": 1,
        "removed": 0,
        "added": 1,
    }
    assert card.cell("justice-amnesty", versions["middle"].pk)["removed"] == 1
    html = response.content.decode()
    assert reverse("provisions:compare", args=["middle", "last"]) + "?theme=armed-forces" in html
    rebased = client.get(reverse("provisions:scorecard"), {"baseline": "first"})
    assert rebased.context["card"].cell("armed-forces", versions["last"].pk)["modified"] == 1
    assert client.get(reverse("provisions:scorecard"), {"baseline": "nope"}).status_code == 404


def test_scorecard_compares_one_page_of_versions_at_a_time(client, monkeypatch):
    """A thousand versions would be a thousand comparisons on one request: pages of them."""
    monkeypatch.setattr(queries.scoring, "SCORE_PAGE", 2)
    first = previous = PlanFactory(slug="v0")
    for n in range(1, 6):
        previous = PlanFactory(slug=f"v{n}", based_on=previous)
    url = reverse("provisions:scorecard")
    pages = [client.get(url, {"page": n}) for n in (1, 2, 3)]
    assert [[c.right.slug for c in p.context["card"].columns] for p in pages] == [
        ["v1", "v2"],
        ["v3", "v4"],
        ["v5"],
    ]
    assert "page=2" in pages[0].content.decode() and "page=1" not in pages[0].content.decode()
    # a page that is not a number, or past the end, shows the first or the last page
    assert client.get(url, {"page": "x"}).context["card"].columns[0].right.slug == "v1"
    assert client.get(url, {"page": 99}).context["card"].columns[0].right.slug == "v5"
    # against a baseline, every other version is a column, and the pages keep the baseline
    rebased = client.get(url, {"baseline": first.slug})
    assert rebased.context["card"].page.paginator.count == 5
    assert f"baseline={first.slug}&amp;page=2" in rebased.content.decode()


def test_scorecard_counts_its_versions_once_per_state_of_the_data(client, monkeypatch):
    """Paged in the database, the scorecard counts the versions that have a base once per
    state of the data: its other pages do not count again, and a new version shows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(queries.scoring, "SCORE_PAGE", 2)
    previous = PlanFactory(slug="v0")
    for n in range(1, 4):
        previous = PlanFactory(slug=f"v{n}", based_on=previous)
    url = reverse("provisions:scorecard")
    assert client.get(url).context["card"].page.paginator.count == 3
    with CaptureQueriesContext(connection) as captured:
        second = client.get(url, {"page": 2}).context["card"]
    assert [column.right.slug for column in second.columns] == ["v3"]
    assert not [q["sql"] for q in captured if q["sql"].startswith("SELECT COUNT(")]
    PlanFactory(slug="v4", based_on=previous)
    assert client.get(url, {"page": 2}).context["card"].page.paginator.count == 4


def test_hostile_text_is_inert_on_every_analyst_page(client, versions):
    for provision in Provision.objects.all():
        provision.text = f"{provision.text} {HOSTILE}"
        provision.save()
    versions["first"].short_name = HOSTILE
    versions["first"].save()
    urls = [
        compare_url(versions["first"], versions["last"]),
        reverse("provisions:search") + "?q=alert",
        reverse("provisions:scorecard"),
        versions["cap"].get_absolute_url(),
        reverse("provisions:plan-list"),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url


@pytest.mark.parametrize("size", [1, 10])
def test_comparison_query_count_does_not_grow_with_the_data(
    client, django_assert_max_num_queries, size
):
    left, right = PlanFactory(), PlanFactory()
    theme = ThemeFactory()
    for number in range(1, 4 * size + 1):
        a = ProvisionFactory(plan=left, number=number, position=number)
        b = ProvisionFactory(plan=right, number=number, position=number)
        a.themes.add(theme)
        CorrespondenceFactory(earlier=a, later=b)
        AssessmentFactory(provision=b)
    # plans x2, theme and tag choices, dataset stamp, provisions, themes, links, assessments,
    # picker plans; the parties' positions (their principal parties only when there are some);
    # the readings of every point whose sources may disagree (once per state of the data)
    with django_assert_max_num_queries(12):
        assert client.get(compare_url(left, right)).status_code == 200


@pytest.mark.parametrize("size", [1, 10])
def test_a_comparison_through_versions_between_stays_within_the_budget(
    client, django_assert_max_num_queries, size
):
    """Compared across a chain, the links take a round more and the versions only the chain
    passes through are read for their slugs: a fixed number whatever the number of points."""
    first, middle, last = PlanFactory(), PlanFactory(), PlanFactory()
    for number in range(1, 4 * size + 1):
        a, b, c = (ProvisionFactory(plan=plan, number=number, position=number)
                   for plan in (first, middle, last))  # fmt: skip
        CorrespondenceFactory(earlier=a, later=b)
        CorrespondenceFactory(earlier=b, later=c)
    # those of a direct comparison (above), with a second round of links and the slugs of the
    # versions between
    with django_assert_max_num_queries(14):
        response = client.get(compare_url(first, last))
    assert {row.path for row in response.context["rows"]} == {(middle.slug,)}


@pytest.mark.parametrize("size", [1, 10])
def test_scorecard_and_search_query_counts_do_not_grow_with_the_data(
    client, django_assert_max_num_queries, size
):
    theme = ThemeFactory()
    previous = None
    for _ in range(size):
        plan = PlanFactory(based_on=previous)
        for number in range(1, 4):
            provision = ProvisionFactory(plan=plan, number=number, position=number, text="troops")
            provision.themes.add(theme)
        previous = plan
    # the count of versions and this page of them (paged in the database), themes; dataset
    # stamp; for every column at once: provisions, their themes, links (one round per version
    # a chain reaches), assessments
    with django_assert_max_num_queries(9):  # the stamp is read once per request
        assert client.get(reverse("provisions:scorecard")).status_code == 200
    # the dataset stamp (page cache), the count and the best matches (with their plans); the
    # version and theme choices; the editors' search terms
    with django_assert_max_num_queries(6):
        assert client.get(reverse("provisions:search"), {"q": "troops"}).status_code == 200


def test_pickers_offer_the_latest_versions_and_the_chosen_ones(client, monkeypatch):
    """A select of every version grows with the archive (600 kB at 10,000 versions): pickers
    offer the latest PICKER_VERSIONS, the versions the page names, and say where the rest are;
    an older version can still be asked for."""
    monkeypatch.setattr(queries.pickers, "PICKER_VERSIONS", 2)
    plans = [PlanFactory(slug=f"v{month}", presented_on=date(2025, month, 1)) for month in (1, 2, 3, 4, 5)]  # fmt: skip
    html = client.get(compare_url(plans[0], plans[1])).content.decode()
    offered = re.findall(r'<option value="(v\d)"', html.split('name="right"')[0])
    assert offered == ["v1", "v2", "v4", "v5"]
    assert "Earlier versions: open one from the list of versions" in html
    scorecard = client.get(reverse("provisions:scorecard")).content.decode()
    assert 'value="v3"' not in scorecard and 'value="v5"' in scorecard
    search = client.get(reverse("provisions:search"), {"q": "troops", "plan": "v1"})
    assert search.context["form"].is_valid()
    assert 'value="v1" selected' in search.content.decode()
    monkeypatch.setattr(
        queries.pickers, "PICKER_VERSIONS", 10
    )  # (another pair: pickers are cached)
    html = client.get(compare_url(plans[0], plans[2])).content.decode()
    assert "Earlier versions" not in html and 'value="v3"' in html


def test_the_pick_page_offers_the_latest_versions_and_accepts_any(client, monkeypatch):
    monkeypatch.setattr(queries.pickers, "PICKER_VERSIONS", 2)
    for month in (1, 2, 3, 4):
        PlanFactory(slug=f"v{month}", presented_on=date(2025, month, 1))
    pick = reverse("provisions:compare-pick")
    page = client.get(pick)
    offered = re.findall(r'<option value="(v\d)"', page.content.decode().split('name="right"')[0])
    assert offered == ["v3", "v4"]
    # named with their month, as every other picker names them
    PlanFactory(slug="v5", short_name="Gone", presented_on=date(2025, 5, 9), withdrawn=True)
    labels = client.get(pick, {"left": "v5"}).content.decode()
    assert '<option value="v4">' in labels and "(Apr 2025)</option>" in labels
    assert '<option value="v5" selected>Gone (May 2025) — withdrawn</option>' in labels
    assert "To compare an earlier one, open it from" in page.content.decode()
    # an older version named in the query is offered (so it shows as chosen) and accepted
    answer = client.get(pick, {"left": "v1", "right": "v4"})
    assert answer.status_code == 302 and answer["Location"].endswith("/compare/v1/v4/")
    invalid = client.get(pick, {"left": "v1", "right": "nowhere"})
    assert invalid.status_code == 400
    offered = re.findall(
        r'<option value="(v\d)"', invalid.content.decode().split('name="right"')[0]
    )
    assert offered == ["v1", "v3", "v4"]


def test_version_options_escape_names_and_mark_the_chosen_one():
    from provisions.templatetags.provisions import version_options

    plans = [
        PlanFactory.build(pk=1, slug="a", short_name="<b>A</b>", presented_on=date(2025, 11, 20)),
        PlanFactory.build(
            pk=2, slug="b", short_name='B" onmouseover="x', presented_on=date(2026, 1, 6)
        ),
    ]
    html = version_options(plans, plans[1])
    assert html == (
        '<option value="a">&lt;b&gt;A&lt;/b&gt; (Nov 2025)</option>'
        '<option value="b" selected>B&quot; onmouseover=&quot;x (Jan 2026)</option>'
    )


def test_search_reads_the_stored_vector_and_parses_no_text_per_row(versions):
    """PostgreSQL: matching and ranking use the generated column (migration 0004); the only
    text parsed per query is the headline of the rows shown."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("full-text search is PostgreSQL's; SQLite matches words")
    with CaptureQueriesContext(connection) as captured:
        results = queries.search("armed forces")
    assert results.total >= 1
    provision_queries = [q for q in captured.captured_queries if "provisions_provision" in q["sql"]]
    assert provision_queries  # (the editors' search terms are read too)
    plans = []
    for query in provision_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + query["sql"])
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert not [plan for plan in plans if "to_tsvector" in plan]
    # the candidates are matched and ranked on the column; the rows shown are read by id
    assert "search_vector" in plans[0], plans[0]


def without_title(content: bytes) -> bytes:
    """An htmx swap's content after the title it carries for the tab."""
    return re.sub(rb"^\s*<title>[^<]*</title>", b"", content).lstrip()


def test_key_changes_summary_links_and_the_flag_filter(client, api_client, versions):
    CorrespondenceFactory(
        earlier=versions["cap"],
        later=Provision.objects.get(plan=versions["last"], number=7),
        relation="modified",
    )
    url = compare_url(versions["first"], versions["last"])
    html = client.get(url).content.decode()
    # the key changes: one line per flagged row, the number named
    key = html[
        html.index('id="key-changes-heading"') : html.index(
            "</section>", html.index('id="key-changes-heading"')
        )
    ]
    assert "6 → 7" in key and "<del>600,000</del> → <ins>800,000</ins>" in key
    # every count is a link to the rows it counts
    assert f'href="{url}?flag=number"' in html and f'href="{url}?relation=removed"' in html
    flagged = client.get(url, {"flag": "number"}).content.decode()
    assert "Showing 1 of" in flagged
    data = api_client.get(
        reverse("api:compare"), {"left": "first", "right": "last", "flag": "number"}
    ).json()
    assert [row["key"] for row in data["rows"]] == ["6~7"]
    assert (
        api_client.get(
            reverse("api:compare"), {"left": "first", "right": "last", "flag": "x"}
        ).status_code
        == 400
    )


def test_scorecard_reads_older_versions_forward_and_says_when_nothing_links_them(client):
    theme = ThemeFactory(slug="security", name="Security")
    old = PlanFactory(slug="old", short_name="Old plan", presented_on=date(2025, 1, 1))
    unlinked = PlanFactory(
        slug="unlinked", short_name="Unlinked plan", presented_on=date(2025, 2, 1)
    )
    base = PlanFactory(
        slug="base", short_name="Base plan", presented_on=date(2025, 3, 1), based_on=old
    )
    kept = ProvisionFactory(plan=old, number=1, text="Forces at 600,000.")
    later = ProvisionFactory(plan=base, number=1, text="Forces at 800,000.")
    for p in (kept, later, ProvisionFactory(plan=unlinked, number=1)):
        p.themes.add(theme)
    CorrespondenceFactory(earlier=kept, later=later, relation="modified")
    html = client.get(reverse("provisions:scorecard"), {"baseline": "base"}).content.decode()
    assert "= kept" in html and "~ modified" in html  # the legend, in words and symbols
    assert "into Base plan" in html  # the older version is read forward
    assert 'aria-label="Security, Old plan: 0 kept, 1 modified, 0 removed, 0 added"' in html
    assert "no links" in html  # the unlinked version: no counts that would read as "removed"


def test_search_finds_numbers_in_either_form_and_everyday_words(client, costly_rate_unlimited):
    from provisions.models import SearchTerm

    plan = PlanFactory(slug="plan-a", short_name="Plan A")
    other = PlanFactory(slug="plan-b", short_name="Plan B")
    theme = ThemeFactory(slug="armed-forces", name="Armed forces")
    capped = ProvisionFactory(
        plan=plan, number=6, text="The Armed Forces of Ukraine are capped at 600,000."
    )
    capped.themes.add(theme)
    ProvisionFactory(plan=other, number=4, text="Ukraine's army stays at 800,000 in peacetime.")
    SearchTerm.objects.update_or_create(word="army", defaults={"finds": "armed forces, troops"})
    url = reverse("provisions:search")
    assert "Plan B, point 4" in client.get(url, {"q": "800000"}).content.decode()
    assert "Plan A, point 6" in client.get(url, {"q": "600,000"}).content.decode()
    found = client.get(url, {"q": "army"}).content.decode()
    assert "Plan A, point 6" in found and "Plan B, point 4" in found
    only_a = client.get(url, {"q": "army", "plan": "plan-a"}).content.decode()
    assert "Plan A, point 6" in only_a and "Plan B, point 4" not in only_a
    by_theme = client.get(url, {"q": "army", "theme": "armed-forces"}).content.decode()
    assert "Plan A, point 6" in by_theme and "Plan B, point 4" not in by_theme


def test_a_mistyped_filter_is_named_and_never_exported_as_every_row_as_if_filtered(
    client, versions
):
    url = compare_url(versions["first"], versions["last"])
    page = client.get(url, {"relation": "bogus"})  # the page says so above every row
    html = page.content.decode()
    assert '<p id="id_relation_error">Relation: Select a valid choice.' in html
    assert 'aria-describedby="id_relation_error"' in html  # the control names its error
    for fmt in ("csv", "md"):
        export = reverse("provisions:compare-export", args=["first", "last", fmt])
        refused = client.get(export, {"theme": "bogus"})
        assert refused.status_code == 400 and "theme" in refused.json()["errors"]
    assert client.get(url, {"relation": "modified"}).status_code == 200


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("provisions:search", {"q": "armed forces", "plan": "bogus"}, "plan"),
        ("provisions:search", {"q": "armed forces", "theme": "bogus"}, "theme"),
        ("provisions:variants", {"kind": "bogus"}, "kind"),
        ("provisions:compare-pick", {"left": "first", "right": "nope"}, "right"),
    ],
)
def test_query_forms_name_the_field_in_error_where_the_control_points(
    client, versions, name, params, field
):
    response = client.get(reverse(name), params)
    assert response.status_code == (200 if name == "provisions:search" else 400)
    html = response.content.decode()
    assert f'aria-describedby="id_{field}_error"' in html
    assert f'<p id="id_{field}_error">' in html
    if "q" in params:  # the words typed stay in the box
        assert 'value="armed forces"' in html


def test_a_version_page_with_a_mistyped_filter_says_so(client, versions):
    response = client.get(versions["first"].get_absolute_url(), {"theme": "bogus"})
    assert '<p id="id_theme_error">Theme: Select a valid choice.' in response.content.decode()


def test_the_board_s_controls_point_at_help_and_errors_that_exist(client, versions):
    board = reverse("provisions:board", args=["first"])
    html = client.get(board).content.decode()
    for described in re.findall(r'aria-describedby="([^"]+)"', html):
        for target in described.split():
            assert f'id="{target}"' in html, target
    html = client.get(board, {"as_of": "bogus"}).content.decode()
    assert 'aria-describedby="id_as_of_helptext id_as_of_error"' in html
    assert 'id="id_as_of_error"' in html


def test_search_reads_a_typographic_apostrophe_as_a_plain_one(client, versions):
    """Phone keyboards type ’: "Ukraine’s" finds "Ukraine's", and the other way round."""
    typed = ProvisionFactory(plan=versions["middle"], number=9, text="Ukraine’s reserves are kept.")
    found = client.get(reverse("provisions:search"), {"q": "Ukraine’s"}).context["results"]
    assert versions["cap"] in found.hits and typed in found.hits
    found = client.get(reverse("provisions:search"), {"q": "Ukraine's reserves"}).context["results"]
    assert found.hits == [typed]


def test_every_word_of_a_search_must_match_whatever_forms_one_has(client, versions):
    """ "800000 peacetime": a point with the number and not the word is no match (PostgreSQL's
    websearch syntax read "800000 or 800,000 peacetime" as 800000 | (800,000 & peacetime))."""
    ProvisionFactory(plan=versions["middle"], number=8, text="800000 tonnes of grain a year.")
    found = client.get(reverse("provisions:search"), {"q": "800000 peacetime"}).context["results"]
    assert found.hits == [versions["cap_last"]]
