"""The pure diff module: examples for each relation and flag, and properties."""

import ast
import html
import re
from pathlib import Path

from django.template import Context, Template
from django.utils.html import escape
from hypothesis import given, settings
from hypothesis import strategies as st

from provisions.diffing import Link, Point, align, diff_flags, summarise, tokenise, word_diff

# --- tokens and runs -----------------------------------------------------------------------


def test_numbers_and_amounts_are_single_tokens():
    tokens = tokenise("Pay $100 billion, 50% of 600,000 and 2,300 km² by 2026.")
    for whole in ["$100 billion", "50%", "600,000", "2,300 km²", "2026"]:
        assert whole in tokens


@given(st.text())
def test_tokens_rebuild_the_text(text):
    assert "".join(tokenise(text)) == text


@settings(max_examples=300)
@given(st.text(), st.text())
def test_runs_rebuild_both_texts(old, new):
    runs = word_diff(old, new)
    assert "".join(run.old for run in runs) == old
    assert "".join(run.new for run in runs) == new


def changes(old, new):
    return [(r.op, r.old, r.new, set(r.flags)) for r in word_diff(old, new) if r.op != "equal"]


def test_a_changed_troop_ceiling_is_one_flagged_replacement():
    assert changes("capped at 600,000 troops", "capped at 800,000 troops") == [
        ("replace", "600,000", "800,000", {"number"})
    ]


def test_whitespace_between_two_changes_is_folded_into_one_replacement():
    assert changes("limited to 600,000 troops.", "limited to 800,000 personnel.") == [
        ("replace", "600,000 troops", "800,000 personnel", {"number"})
    ]


def test_a_changed_modal_word_is_flagged():
    assert changes("Russia is expected to withdraw", "Russia will withdraw") == [
        ("replace", "is expected to", "will", {"modal"})
    ]


def test_an_added_negation_is_flagged():
    assert changes("NATO will deploy troops", "NATO will not deploy troops") == [
        ("insert", "", "not ", {"negation"})
    ]


def test_a_removed_word_is_a_deletion_without_flags():
    [(op, old, new, flags)] = changes("a large global package", "a global package")
    assert (op, old.strip(), new, flags) == ("delete", "large", "", set())


def test_identical_texts_give_one_equal_run():
    runs = word_diff("Ukraine is sovereign.", "Ukraine is sovereign.")
    assert [(r.op, r.old) for r in runs] == [("equal", "Ukraine is sovereign.")]


# --- rendering -----------------------------------------------------------------------------


def render(runs, side="both"):
    return Template("{% load provisions %}{% diff_runs runs side %}").render(
        Context({"runs": runs, "side": side})
    )


def test_rendering_marks_changes_for_eyes_and_screen_readers():
    html = render(word_diff("capped at 600,000", "capped at 800,000"))
    assert '<del class="flag-number"><span class="sr-only">[removed: </span>600,000' in html
    assert '<ins class="flag-number"><span class="sr-only">[added: </span>800,000' in html


def test_rendering_one_side_shows_only_that_side():
    runs = word_diff("capped at 600,000", "capped at 800,000")
    assert "800,000" not in render(runs, "old") and "600,000" in render(runs, "old")
    assert "600,000" not in render(runs, "new") and "800,000" in render(runs, "new")


HOSTILE = st.sampled_from(
    ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "<svg onload=alert(1)>",
     '"><a href="javascript:alert(1)">', "&lt;b&gt;", "\u202egnp.exe", "</del><script>"]
)  # fmt: skip


ALLOWED_MARKUP = re.compile(
    r'<(ins|del)( class="[a-z -]*")?>|</(ins|del)>|<span class="sr-only">|</span>'
)


@settings(max_examples=200)
@given(
    st.lists(st.one_of(HOSTILE, st.text()), max_size=4),
    st.lists(st.one_of(HOSTILE, st.text()), max_size=4),
)
def test_rendering_never_lets_markup_through(old_parts, new_parts):
    old, new = " ".join(old_parts), " ".join(new_parts)
    for side in ("old", "new", "both"):
        html = render(word_diff(old, new), side)
        stripped = ALLOWED_MARKUP.sub("", html)
        assert "<" not in stripped, html


SCREEN_READER_TEXT = re.compile(r'<span class="sr-only">[^<]*</span>')


@settings(max_examples=200)
@given(
    st.lists(st.one_of(HOSTILE, st.text()), max_size=4),
    st.lists(st.one_of(HOSTILE, st.text()), max_size=4),
)
def test_rendering_escapes_each_text_exactly_once(old_parts, new_parts):
    """What a reader sees of one side is that side's text, character for character: nothing
    dropped, nothing escaped twice (&amp;lt;), Django's escaping to the letter."""
    old, new = " ".join(old_parts), " ".join(new_parts)
    runs = word_diff(old, new)
    for side, text in (("old", old), ("new", new)):
        shown = ALLOWED_MARKUP.sub("", SCREEN_READER_TEXT.sub("", render(runs, side)))
        assert html.unescape(shown) == text
        assert shown == "".join(escape(run.old if side == "old" else run.new) for run in runs)


# --- alignment -----------------------------------------------------------------------------


def P(pid, plan, label, text, position=None, themes=()):
    return Point(pid, plan, label, text, position if position is not None else pid, themes)


def L(earlier, later, relation, earlier_plan="", later_plan=""):
    return Link(
        earlier.id, later.id, relation, earlier_plan or earlier.plan, later_plan or later.plan
    )


def shape(rows):
    return [
        ([p.label for p in r.left], [p.label for p in r.right], r.relation, r.status, r.path)
        for r in rows
    ]


def test_direct_links_decide_the_rows_in_the_right_hand_order():
    a1, a2 = P(1, "a", "1", "Ukraine is sovereign."), P(2, "a", "2", "Army capped at 600,000.")
    b1, b2 = P(11, "b", "1", "Army capped at 800,000."), P(12, "b", "2", "Ukraine is sovereign.")
    rows = align([a1, a2], [b1, b2], [L(a2, b1, "modified"), L(a1, b2, "unchanged")])
    assert shape(rows) == [
        (["2"], ["1"], "modified", "confirmed", ()),
        (["1"], ["2"], "unchanged", "confirmed", ()),
    ]
    assert rows[0].flags == {"number"}


def test_links_compose_through_the_versions_between():
    a = P(1, "28", "6", "capped at 600,000")
    mid = P(2, "19", "5", "no cap")
    c = P(3, "20", "7", "800,000 in peacetime")
    rows = align([a], [c], [L(a, mid, "modified"), L(mid, c, "reworded")])
    assert shape(rows) == [(["6"], ["7"], "modified", "confirmed", ("19",))]


def test_links_compose_through_a_common_ancestor():
    root = P(1, "28", "5", "reliable guarantees")
    e3 = P(2, "e3", "5", "robust guarantees")
    twenty = P(3, "20", "7", "strong guarantees")
    rows = align([e3], [twenty], [L(root, e3, "reworded"), L(root, twenty, "reworded")])
    assert shape(rows) == [(["5"], ["7"], "reworded", "confirmed", ("28",))]


def test_direct_links_take_precedence_over_chains_through_a_hub():
    # a broad middle-version item linked to many points must not merge unrelated rows
    a3, a7 = P(1, "28", "3", "no NATO enlargement"), P(2, "28", "7", "no NATO membership")
    hub = P(5, "19", "2", "NATO questions bracketed")
    b3, b5 = P(11, "20", "3", "no enlargement"), P(12, "20", "5", "membership deferred")
    links = [
        L(a3, hub, "merged"),
        L(a7, hub, "merged"),
        L(hub, b5, "modified"),
        L(a3, b3, "reworded"),
        L(a7, b5, "modified"),
    ]
    assert shape(align([a3, a7], [b3, b5], links)) == [
        (["3"], ["3"], "reworded", "confirmed", ()),
        (["7"], ["5"], "modified", "confirmed", ()),
    ]


def test_several_points_linked_to_one_are_merged_and_one_to_several_split():
    a1, a2, a3 = (
        P(1, "a", "13a", "sanctions lifted"),
        P(2, "a", "13b", "G8 return"),
        P(3, "a", "14", "assets"),
    )
    b1, b2, b3 = (
        P(11, "b", "9", "sanctions and G8"),
        P(12, "b", "10", "assets fund"),
        P(13, "b", "11", "assets use"),
    )
    rows = align(
        [a1, a2, a3],
        [b1, b2, b3],
        [L(a1, b1, "merged"), L(a2, b1, "merged"), L(a3, b2, "split"), L(a3, b3, "split")],
    )
    assert shape(rows) == [
        (["13a", "13b"], ["9"], "merged", "confirmed", ()),
        (["14"], ["10", "11"], "split", "confirmed", ()),
    ]
    assert rows[0].key == "13a+13b~9"


def test_removed_points_follow_their_predecessor_and_new_points_keep_their_place():
    a1, a2, a3 = P(1, "a", "1", "one"), P(2, "a", "2", "amnesty for all"), P(3, "a", "3", "three")
    b1, b2, b3 = P(11, "b", "1", "one"), P(12, "b", "2", "brand new"), P(13, "b", "3", "three")
    rows = align([a1, a2, a3], [b1, b2, b3], [L(a1, b1, "unchanged"), L(a3, b3, "unchanged")])
    assert shape(rows) == [
        (["1"], ["1"], "unchanged", "confirmed", ()),
        (["2"], [], "removed", "confirmed", ()),
        ([], ["2"], "new", "confirmed", ()),
        (["3"], ["3"], "unchanged", "confirmed", ()),
    ]


def test_removed_and_new_rows_carry_their_whole_text_without_flags():
    a1, b1 = P(1, "a", "1", "NATO will not deploy 600,000 troops"), P(11, "b", "1", "nothing alike")
    removed, new = align([a1], [b1], [])
    assert [(r.op, r.old, r.new) for r in removed.runs] == [("delete", a1.text, "")]
    assert [(r.op, r.old, r.new) for r in new.runs] == [("insert", "", b1.text)]
    assert removed.flags == new.flags == frozenset()


def test_a_removed_first_point_comes_first():
    a1, a2 = P(1, "a", "1", "gone entirely"), P(2, "a", "2", "kept")
    b1 = P(11, "b", "1", "kept")
    rows = align([a1, a2], [b1], [L(a2, b1, "unchanged")])
    assert shape(rows)[0] == (["1"], [], "removed", "confirmed", ())


def test_what_no_chain_reaches_is_matched_by_similarity_and_labelled_suggested():
    a1 = P(1, "a", "1", "Ukraine will hold elections within 100 days")
    a2 = P(2, "a", "2", "The Zaporizhzhia plant restarts under IAEA supervision")
    b1 = P(11, "b", "1", "The Zaporizhzhia plant restarts under IAEA supervision with US operation")
    b2 = P(12, "b", "2", "Elections are held in Ukraine within 100 days of signing")
    rows = align([a1, a2], [b1, b2], [])
    # order-keeping: the two crossing pairs cannot both be kept; the more similar one wins
    assert shape(rows) == [
        (["1"], [], "removed", "confirmed", ()),
        (["2"], ["1"], "modified", "suggested", ()),
        ([], ["2"], "new", "confirmed", ()),
    ]
    assert rows[1].score > 0.8


def test_dissimilar_unlinked_points_are_removed_and_new_not_suggested():
    a1, b1 = P(1, "a", "1", "full amnesty for all"), P(11, "b", "1", "a nuclear plant restarts")
    assert [r.relation for r in align([a1], [b1], [])] == ["removed", "new"]


def test_comparing_a_version_with_itself_pairs_every_point_unchanged():
    points = [P(1, "a", "1", "one"), P(2, "a", "2", "two")]
    elsewhere = P(9, "b", "1", "one, changed")
    # links out of the version and back must not pair a point with itself as "modified"
    rows = align(points, points, [L(points[0], elsewhere, "modified")])
    assert [(r.relation, r.changed) for r in rows] == [("unchanged", False), ("unchanged", False)]


def test_summary_counts_relations_themes_and_flags():
    a1 = P(1, "a", "1", "capped at 600,000", themes=("armed-forces",))
    a2 = P(2, "a", "2", "amnesty", themes=("justice-amnesty",))
    b1 = P(11, "b", "1", "capped at 800,000", themes=("armed-forces",))
    summary = summarise(align([a1, a2], [b1], [L(a1, b1, "modified")]))
    assert summary["rows"] == 2
    assert summary["by_relation"]["modified"] == 1 and summary["by_relation"]["removed"] == 1
    assert summary["by_theme"]["armed-forces"]["modified"] == 1
    assert summary["by_theme"]["justice-amnesty"]["removed"] == 1
    assert summary["flagged"]["number"] == 1


# --- the dependency rule -------------------------------------------------------------------


def test_the_pure_modules_import_nothing_from_django_or_the_project():
    root = Path(__file__).resolve().parent.parent / "provisions"
    for name in ["diffing.py"] + (["importing.py"] if (root / "importing.py").exists() else []):
        tree = ast.parse((root / name).read_text())
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            node.module.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not imported & {"django", "provisions", "tracker", "rest_framework"}, (
            name,
            imported,
        )


def test_semantic_cleanup_merges_confetti_but_keeps_kept_phrases():
    old = "Russia, Ukraine and Europe are to be bound by a comprehensive non-aggression pact."
    new = "The agreement also serves as an unconditional and comprehensive non-aggression pact."
    runs = word_diff(old, new)
    # "and" alone between two rewritten stretches is not shown as kept
    assert not any(run.op == "equal" and run.old.strip() == "and" for run in runs)
    assert any(run.op == "equal" and "comprehensive non-aggression pact" in run.old for run in runs)
    kept = word_diff(
        "Ukraine's sovereignty is to be confirmed.",
        "By signing, each signatory acknowledges it; Ukraine's sovereignty is reaffirmed.",
    )
    assert any(run.op == "equal" and "Ukraine's sovereignty is" in run.old for run in kept)


def test_the_number_flag_ignores_cross_references_and_small_counts():
    assert "number" not in diff_flags(
        word_diff("sub-points 10a–10d apply", "sub-points 10a–10c apply")
    )
    assert "number" not in diff_flags(word_diff("see point 3", "see point 4"))
    assert "number" in diff_flags(word_diff("600,000 troops", "800,000 troops"))
    assert "number" in diff_flags(word_diff("within 100 days", "within 200 days"))
    (run,) = [
        r
        for r in word_diff("capped at 600,000 personnel", "capped at 800,000 personnel")
        if r.flags
    ]
    assert run.what_changed() == [("number", "600,000", "800,000")]
