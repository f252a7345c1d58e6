"""Collation of a point's witnesses (provisions.collation): the table rebuilds every witness
exactly, whichever is the base; the kinds of difference and the substance flags on known cases."""

from hypothesis import given, settings
from hypothesis import strategies as st

from provisions.collation import (
    FORMAL,
    NEAR,
    SAME,
    VARIANT,
    Witness,
    collate,
    features,
    substance,
)

WORDS = st.sampled_from(
    ["Ukraine", "ukraine", "will", "may", "not", "join", "NATO", "600,000", "800,000", "troops",
     "the", "and", ",", ".", "«", "»", "Kyiv", "Kiev", "<b>", "&amp;", "—", "  ", "\n", "армія"]
)  # fmt: skip
TEXTS = st.lists(WORDS, max_size=25).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=6), st.data())
def test_every_witness_is_rebuilt_exactly_from_the_table(texts, data):
    witnesses = [Witness(f"w{i}", text) for i, text in enumerate(texts)]
    base = data.draw(st.sampled_from([w.id for w in witnesses]))
    result = collate(witnesses, base)
    for witness in witnesses:
        assert result.text_of(witness.id) == witness.text
    for place in result.places:
        assert set(place.readings) == {w.id for w in witnesses}
        assert set(place.kinds) == {w.id for w in witnesses} - {base}


def test_kinds_of_difference():
    base = "Ukraine will not join NATO, and Kyiv keeps 600,000 troops."
    result = collate(
        [
            Witness("base", base),
            Witness("same", base),
            Witness("case", base.replace("Ukraine", "UKRAINE")),
            Witness("spelling", base.replace("Kyiv", "Kiev")),
            Witness("number", base.replace("600,000", "800,000")),
            Witness("modal", base.replace("will not", "may not")),
        ],
        "base",
    )
    kinds = {}
    for place in result.places:
        for wid, kind in place.kinds.items():
            if kind != SAME:
                kinds[wid] = kind
    assert kinds == {"case": FORMAL, "spelling": NEAR, "number": VARIANT, "modal": VARIANT}
    (number_place,) = [p for p in result.places if p.kinds["number"] == VARIANT]
    assert number_place.readings["number"].strip() == "800,000"
    assert number_place.readings["base"].strip() == "600,000"
    assert number_place.differing == ["number"]


def test_switching_the_base_changes_who_differs():
    witnesses = [
        Witness("a", "limited to 600,000"),
        Witness("b", "reduced to 600,000"),
        Witness("c", "reduced to 600,000"),
    ]
    on_a = collate(witnesses, "a")
    on_b = collate(witnesses, "b")
    assert [p.differing for p in on_a.variant_places] == [["b", "c"]]
    assert [p.differing for p in on_b.variant_places] == [["a"]]


def test_a_moved_stretch_is_marked_as_transposed():
    result = collate(
        [
            Witness("a", "Ukraine will not join NATO. NATO will not admit Ukraine."),
            Witness("b", "NATO will not admit Ukraine. Ukraine will not join NATO."),
        ],
        "a",
    )
    assert any("b" in place.transposed for place in result.places)


def test_an_unknown_base_falls_back_to_the_first_witness():
    assert collate([Witness("a", "x"), Witness("b", "y")], "zzz").base == "a"


def test_substance_flags_on_known_cases():
    # the 28-point plan's leaks: fighter jets or troops; limited or reduced to 600,000
    found = {
        d.kind: d
        for d in substance(
            {
                "ru": "The size of the Armed Forces of Ukraine will be limited to 600,000 personnel.",
                "en": "The Ukrainian armed forces are expected to be capped at 800 thousand.",
                "uk": "Ukraine will not join NATO.",
                "de": "Ukraine may join NATO.",
            }
        )
    }
    assert found["number"].summary() == "600,000 / 800,000"
    assert set(found) >= {"number", "modal"}
    assert "negation" in found
    assert [rids for _, rids in found["negation"].values] == [["uk"], ["de"]]


def test_an_omission_is_not_a_disagreement():
    assert substance({"a": "600,000 troops in Ukraine", "b": "troops in Ukraine"}) == []
    assert substance({"a": "Russia and Ukraine agree", "b": "Ukraine agrees"}) == []


def test_point_numbers_and_cross_references_are_not_quantities():
    assert features("Point 7 and sub-points 10a–10d").numbers == frozenset()
    assert features("within 100 days, 2,000 km and 50%").numbers == {"100", "2,000", "50%"}
    assert features("$100 billion").numbers == {"100,000,000,000"}


def test_parties_are_recognised_by_name_and_adjective():
    assert features("European fighter jets in Poland").parties == {"Europe", "Poland"}
    assert features("The US and the Russian Federation").parties == {"United States", "Russia"}


def test_idioms_with_not_or_without_are_no_negation():
    assert not features("including, but not limited to: roads").negation
    assert not features("If Ukraine fires without a valid reason").negation
    assert not features("no later than 100 days").negation
    assert features("Ukraine will not join NATO").negation
