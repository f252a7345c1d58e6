"""The pure plan-text importer: real-looking inputs, malformed ones, and properties."""

import codecs
import time
from textwrap import dedent

from hypothesis import given, settings
from hypothesis import strategies as st

from provisions.importing import MAX_BYTES, ParsedPoint, Problem, parse, parse_bytes


def labels(result):
    return [point.label for point in result.points]


def texts(result):
    return {point.label: point.text for point in result.points}


def kinds(result):
    return [(problem.kind, problem.line) for problem in result.problems]


def plan(text: str) -> str:
    """Test inputs are written indented; editors paste them flush left (or not: both work)."""
    return dedent(text).strip("\n")


# --- Real-world-looking inputs ---------------------------------------------------------------

TWENTY_EIGHT_POINTS = plan(
    """
    Draft framework for a settlement (working translation)

    The sides state their wish to end the war and agree on the following points.

    1. The sovereignty of Ukraine will be confirmed.
    2. Russia, Ukraine and Europe will conclude a comprehensive non-aggression agreement.
    3. Russia is expected not to invade its neighbours and NATO is expected not to expand further.
    4. A dialogue between Russia and NATO will be held with the United States as mediator.
    5. Ukraine will receive reliable security guarantees.
    6. The armed forces of Ukraine will be limited to 600,000 personnel.
    7. Ukraine agrees to write into its constitution that it will not join NATO.
    8. NATO agrees not to station troops in Ukraine.
    9. European fighter aircraft will be based in Poland.
    10. The guarantee provided by the United States:
    a. The United States will receive compensation for the guarantee.
    b. If Ukraine invades Russia, it loses the guarantee.
    c. If Russia invades Ukraine, sanctions are reinstated.
    d. If Ukraine fires a missile at Moscow without cause, the guarantee is void.
    11. Ukraine is eligible for membership of the European Union.
    12. A large package of measures will rebuild Ukraine, including:
    a. A development fund for fast-growing industries.
    b. Joint restoration of the gas infrastructure.
    c. Rehabilitation of war-affected areas.
    d. Infrastructure development.
    e. Extraction of minerals and natural resources.
    f. A special financing package from the World Bank.
    13. Russia will be reintegrated into the global economy:
    a. Sanctions will be lifted in stages and case by case.
    b. A long-term economic cooperation agreement will be concluded.
    c. Russia will be invited to rejoin the G8.
    14. Frozen funds will be invested in reconstruction.
    15. A joint security working group will be set up.
    16. Russia will write a policy of non-aggression into law.
    17. Arms-control treaties will be extended.
    18. Ukraine agrees to remain a non-nuclear state.
    19. The Zaporizhzhia power plant will be restarted under supervision.
    20. Both countries will run education programmes promoting tolerance.
    21. Territories: the lines of contact are frozen.
    22. Neither side will change the arrangements by force.
    23. Russia will not obstruct commercial use of the Dnipro river.
    24. A humanitarian committee will resolve outstanding issues.
    25. Ukraine will hold elections in 100 days.
    26. All parties will receive full amnesty.
    27. The agreement will be legally binding and monitored by a peace council.
    28. Once all parties agree, a ceasefire takes effect immediately.
    """
)


def test_the_28_point_style_gives_points_and_sub_points_in_order():
    result = parse(TWENTY_EIGHT_POINTS)
    expected = [str(n) for n in range(1, 10)] + ["10", "10a", "10b", "10c", "10d", "11"]
    expected += ["12", *(f"12{letter}" for letter in "abcdef"), "13", "13a", "13b", "13c"]
    expected += [str(n) for n in range(14, 29)]
    assert labels(result) == expected
    assert result.ok
    assert result.problems == []
    assert result.headings == []
    assert texts(result)["6"] == "The armed forces of Ukraine will be limited to 600,000 personnel."
    assert texts(result)["13c"] == "Russia will be invited to rejoin the G8."
    assert result.preamble.startswith("Draft framework for a settlement")
    assert result.points[0] == ParsedPoint(
        1, "", "The sovereignty of Ukraine will be confirmed.", 5
    )


def test_closing_parenthesis_numbering_is_recognised():
    result = parse(
        plan(
            """
            1) An immediate and complete ceasefire along the line of contact.
            2) An exchange of all prisoners of war, all for all.
            3) The return of civilians, children included.
            """
        )
    )
    assert labels(result) == ["1", "2", "3"]
    assert texts(result)["2"] == "An exchange of all prisoners of war, all for all."
    assert result.ok


def test_point_word_numbering_is_recognised_in_any_case():
    result = parse(
        plan(
            """
            Point 1: Ukraine's sovereignty is confirmed.
            Point 2 - A non-aggression agreement is concluded.
            POINT 3. Security guarantees are provided.
            point 4: Elections are held.
            """
        )
    )
    assert labels(result) == ["1", "2", "3", "4"]
    assert texts(result)["2"] == "A non-aggression agreement is concluded."
    assert texts(result)["4"] == "Elections are held."
    assert result.problems == []


def test_section_sign_numbering_is_recognised_with_or_without_a_space():
    result = parse("§1 Scope of the agreement.\n§ 2. Ceasefire.\n§3 – Monitoring mission.\n")
    assert labels(result) == ["1", "2", "3"]
    assert texts(result) == {
        "1": "Scope of the agreement.",
        "2": "Ceasefire.",
        "3": "Monitoring mission.",
    }


def test_article_numbering_keeps_numbered_paragraphs_as_lines_of_the_article():
    result = parse(
        plan(
            """
            Article 1. The parties confirm the sovereignty of Ukraine.
            Article 2. Ceasefire
            1. A ceasefire takes effect on signature.
            2. Heavy weapons are withdrawn 15 km from the line.
            Art. 3 The agreement enters into force on signature.
            Article 4 – Monitoring by the OSCE.
            """
        )
    )
    assert labels(result) == ["1", "2", "3", "4"]
    assert texts(result)["2"] == (
        "Ceasefire\n"
        "1. A ceasefire takes effect on signature.\n"
        "2. Heavy weapons are withdrawn 15 km from the line."
    )
    assert texts(result)["3"] == "The agreement enters into force on signature."
    assert kinds(result) == [("unplaced", 3), ("unplaced", 4)]
    assert "Article 1." in result.problems[0].message
    assert result.ok


def test_article_followed_by_lower_case_words_inside_a_sentence_is_text():
    result = parse(
        plan(
            """
            1. Ukraine will receive guarantees modelled on
            Article 5 of the North Atlantic Treaty.
            2. The guarantees last ten years.
            """
        )
    )
    assert labels(result) == ["1", "2"]
    assert texts(result)["1"] == (
        "Ukraine will receive guarantees modelled on Article 5 of the North Atlantic Treaty."
    )
    assert result.problems == []


def test_bracketed_letters_are_sub_points_of_the_latest_point():
    result = parse(
        plan(
            """
            1. The parties agree to:
            (a) cease all hostilities;
            (b) exchange prisoners;
            (c) open humanitarian corridors.
            2. The agreement is monitored.
            (a) by the United Nations;
            (b) by a joint commission.
            """
        )
    )
    assert labels(result) == ["1", "1a", "1b", "1c", "2", "2a", "2b"]
    assert texts(result)["1b"] == "exchange prisoners;"
    assert texts(result)["2a"] == "by the United Nations;"
    assert result.ok


def test_bullets_stay_separate_lines_of_the_point_or_sub_point():
    result = parse(
        plan(
            """
            - signed in Geneva
            1. Russia will be reintegrated into the global economy through:
            - the lifting of sanctions in stages;
            • an invitation to rejoin the G8;
            * long-term cooperation in energy,
              natural resources and infrastructure.
            2. Humanitarian measures:
            a. exchanges of prisoners, namely
            – all for all;
            — bodies of the dead.
            """
        )
    )
    assert labels(result) == ["1", "2", "2a"]
    assert texts(result)["1"] == (
        "Russia will be reintegrated into the global economy through:\n"
        "• the lifting of sanctions in stages;\n"
        "• an invitation to rejoin the G8;\n"
        "• long-term cooperation in energy, natural resources and infrastructure."
    )
    assert (
        texts(result)["2a"]
        == "exchanges of prisoners, namely\n• all for all;\n• bodies of the dead."
    )
    assert result.preamble == "• signed in Geneva"


def test_wrapped_lines_join_with_single_spaces_and_paragraphs_stay_apart():
    result = parse(
        plan(
            """
            1. Ukraine will receive reliable security guarantees. The guarantees
                  will be  provided by the United States and European states and will be
               reviewed after ten years.

            The guarantees lapse if Ukraine attacks Russia without provocation.
            2. A ceasefire takes effect on signature.
            """
        )
    )
    assert texts(result)["1"] == (
        "Ukraine will receive reliable security guarantees. The guarantees will be provided by "
        "the United States and European states and will be reviewed after ten years.\n"
        "The guarantees lapse if Ukraine attacks Russia without provocation."
    )
    assert result.headings == []


def test_preamble_and_part_headings_are_kept_out_of_point_text():
    result = parse(
        plan(
            """
            Peace framework

            Text as published on 23 November. The parties agree:

            PART I – SOVEREIGNTY

            1. The sovereignty of Ukraine is confirmed.
            2. Ukraine remains a non-nuclear state.

            PART II – SECURITY
            Security guarantees

            3. Ukraine receives security guarantees.

            4. The armed forces of Ukraine are capped.
            """
        )
    )
    assert labels(result) == ["1", "2", "3", "4"]
    assert (
        result.preamble == "Peace framework\nText as published on 23 November. The parties agree:"
    )
    assert result.headings == [
        (5, "PART I – SOVEREIGNTY"),
        (10, "PART II – SECURITY"),
        (11, "Security guarantees"),
    ]
    assert texts(result)["2"] == "Ukraine remains a non-nuclear state."
    assert texts(result)["3"] == "Ukraine receives security guarantees."


def test_roman_numeral_sections_are_headings_not_points():
    result = parse(
        plan(
            """
            I. TERRITORY
            1. Crimea is recognised de facto.
            2. The line of contact is frozen.
            II. SECURITY GUARANTEES
            3. Guarantees are provided by the United States.
            """
        )
    )
    assert labels(result) == ["1", "2", "3"]
    assert result.headings == [(1, "I. TERRITORY"), (4, "II. SECURITY GUARANTEES")]
    assert texts(result)["2"] == "The line of contact is frozen."
    assert result.problems == []


def test_a_short_line_without_a_point_after_it_stays_text():
    result = parse(
        plan(
            """
            1. The agreement is binding.

            Subject to ratification

            More conditions follow here.
            2. Monitoring by a council.

            A final sentence.

            3. Entry into force.
            """
        )
    )
    assert result.headings == []
    assert texts(result)["1"] == (
        "The agreement is binding.\nSubject to ratification\nMore conditions follow here."
    )
    assert texts(result)["2"] == "Monitoring by a council.\nA final sentence."


def test_a_number_alone_on_a_line_starts_a_point_when_text_follows():
    result = parse(
        plan(
            """
            1
            Ukraine's sovereignty is confirmed.
            2
            A non-aggression agreement is concluded
            between Russia, Ukraine and Europe.

            17

            3
            Russia does not invade its neighbours.
            """
        )
    )
    assert labels(result) == ["1", "2", "3"]
    assert texts(result)["2"] == (
        "A non-aggression agreement is concluded between Russia, Ukraine and Europe."
    )
    assert result.headings == [(7, "17")]  # a page number, standing alone before a point


def test_numbers_inside_wrapped_text_are_not_markers():
    result = parse(
        plan(
            """
            6. The armed forces of Ukraine will be capped at
            600,000. Their equipment is not limited.
            7. Ukraine will hold elections after the signing, no later than the end of
            2025. The date is set by the parliament.
            8. Reconstruction costs an estimated
            524 billion dollars.
            """
        )
    )
    assert labels(result) == ["6", "7", "8"]
    assert texts(result)["6"] == (
        "The armed forces of Ukraine will be capped at 600,000. Their equipment is not limited."
    )
    assert texts(result)["7"].endswith(
        "no later than the end of 2025. The date is set by the parliament."
    )
    assert [(p.kind, p.line, p.blocking) for p in result.problems] == [
        ("gap", 1, False),
        ("unplaced", 4, False),
    ]
    assert "“2025.”" in result.problems[1].message
    assert "point 7" in result.problems[1].message
    assert result.ok


def test_sub_points_carrying_their_own_number_attach_to_that_point():
    result = parse(
        plan(
            """
            10. The United States provides a guarantee.
            10a. The United States is compensated for it.
            10(b) Ukraine loses it if it invades Russia.
            10 c) Sanctions return if Russia invades Ukraine.
            10d - It is void after an unprovoked missile strike.
            11. Ukraine may join the European Union.
            """
        )
    )
    assert labels(result) == ["10", "10a", "10b", "10c", "10d", "11"]
    assert texts(result)["10c"] == "Sanctions return if Russia invades Ukraine."
    assert kinds(result) == [("gap", 1)]  # an excerpt starting at 10 is only a warning
    assert "starts at 10" in result.problems[0].message
    assert result.ok


def test_dash_colon_and_unspaced_dot_numbering_is_recognised():
    result = parse("1 - Ceasefire.\n2: Prisoner exchange.\n3.Amnesty for all sides.\n")
    assert texts(result) == {
        "1": "Ceasefire.",
        "2": "Prisoner exchange.",
        "3": "Amnesty for all sides.",
    }


def test_a_point_that_only_introduces_its_sub_points_is_not_empty():
    result = parse("1.\na. First measure.\nb. Second measure.\n2. Closing provision.")
    assert labels(result) == ["1", "1a", "1b", "2"]
    assert result.problems == []


def test_windows_and_old_mac_line_endings_count_as_one_line_each():
    result = parse("1. Ceasefire\r\n   along the line.\r\n2. Amnesty.\r3. Elections.")
    assert texts(result)["1"] == "Ceasefire along the line."
    assert [point.line for point in result.points] == [1, 3, 4]


def test_the_label_joins_number_and_letters():
    assert ParsedPoint(10, "a", "x", 1).label == "10a"
    assert ParsedPoint(7, "", "x", 1).label == "7"


# --- Malformed inputs ------------------------------------------------------------------------


def test_empty_or_blank_text_is_a_blocking_empty_input():
    for text in ["", "   \n\t\n  "]:
        result = parse(text)
        assert kinds(result) == [("empty_input", None)]
        assert result.problems[0].blocking
        assert not result.ok
        assert result.points == []


def test_a_text_without_points_is_only_a_preamble_and_blocks():
    result = parse("Statement by the parties\n\nWe welcome the talks held in Geneva.")
    assert result.points == []
    assert result.preamble == "Statement by the parties\nWe welcome the talks held in Geneva."
    assert kinds(result) == [("no_points", None)]
    assert "preamble" in result.problems[0].message
    assert not result.ok


def test_a_repeated_number_blocks_and_names_both_lines():
    result = parse(
        plan(
            """
            1. Ceasefire.
            2. Prisoner exchange.
            3. Amnesty.
            3. Elections in 100 days.
            4. Entry into force.
            """
        )
    )
    assert labels(result) == ["1", "2", "3", "3", "4"]
    (problem,) = result.problems
    assert (problem.kind, problem.line, problem.blocking) == ("repeat", 4, True)
    assert "point 3" in problem.message
    assert "line 3" in problem.message and "line 4" in problem.message
    assert not result.ok


def test_a_skipped_number_is_a_warning_naming_the_missing_points():
    result = parse("1. One.\n2. Two.\n5. Five.\n6. Six.")
    assert labels(result) == ["1", "2", "5", "6"]
    (problem,) = result.problems
    assert (problem.kind, problem.line, problem.blocking) == ("gap", 3, False)
    assert "3 and 4 are missing" in problem.message
    assert result.ok


def test_a_text_starting_at_point_3_warns_that_1_and_2_are_missing():
    result = parse("3. Three.\n4. Four.")
    assert labels(result) == ["3", "4"]
    assert [p.message for p in result.problems] == [
        "Line 1: the numbering starts at 3: points 1 and 2 are missing."
    ]
    assert result.ok


def test_a_lone_far_number_before_any_point_is_not_a_point():
    result = parse("Signed in\n2025. Published today.\n1. Ceasefire.")
    assert labels(result) == ["1"]
    assert result.preamble == "Signed in 2025. Published today."
    assert kinds(result) == [("unplaced", 2)]
    assert "preamble" in result.problems[0].message


def test_a_skipped_sub_point_letter_is_a_warning():
    result = parse("11. Membership.\n12. Reconstruction:\na. A fund.\nc. A bank package.")
    assert labels(result) == ["11", "12", "12a", "12c"]
    assert [(p.kind, p.line, p.blocking) for p in result.problems][1:] == [("gap", 4, False)]
    assert "sub-point 12b is missing" in result.problems[1].message
    assert result.ok


def test_a_sub_point_before_any_point_blocks():
    result = parse("The parties agree:\na) to stop fighting;\n1. Ceasefire.")
    assert labels(result) == ["1"]
    assert [(p.kind, p.line, p.blocking) for p in result.problems] == [
        ("sub_without_point", 2, True)
    ]
    assert result.preamble == "The parties agree:\na) to stop fighting;"
    assert not result.ok


def test_a_sub_point_numbered_for_another_point_is_out_of_order():
    result = parse(
        "10. Guarantee.\n10a. Compensation.\n11. EU membership.\n10b. Loss of guarantee."
    )
    assert labels(result) == ["10", "10a", "11", "10b"]
    assert [(p.kind, p.line, p.blocking) for p in result.problems][-1] == ("out_of_order", 4, True)
    assert "10b" in result.problems[-1].message and "point 11" in result.problems[-1].message
    assert not result.ok


def test_a_point_without_text_is_a_warning():
    result = parse("1. Ceasefire.\n2.\n3. Amnesty.")
    assert [(p.kind, p.line, p.blocking) for p in result.problems] == [("empty_point", 2, False)]
    assert texts(result)["2"] == ""


def test_a_far_away_sub_letter_is_kept_as_its_own_line_of_text():
    result = parse("1. Measures:\n(a) a fund;\n(i) for energy;\n(ii) for transport;\n(b) a bank.")
    assert labels(result) == ["1", "1a", "1b"]
    assert texts(result)["1a"] == "a fund;\n(i) for energy;\n(ii) for transport;"
    assert [(p.kind, p.line) for p in result.problems] == [("unplaced", 3), ("unplaced", 4)]
    assert result.ok


def test_problems_are_sorted_by_line():
    result = parse("a) early\n1. One.\n1. Again.\n5. Five.\n6.\n")
    lines = [problem.line for problem in result.problems]
    assert lines == sorted(lines)
    assert [p.kind for p in result.problems] == [
        "sub_without_point",
        "repeat",
        "gap",
        "empty_point",
    ]


def test_five_megabytes_are_refused_quickly_without_parsing():
    data = ("1. Ceasefire along the whole line of contact.\n" * 110_000).encode()
    assert len(data) > 5_000_000
    started = time.perf_counter()
    result = parse_bytes(data)
    assert time.perf_counter() - started < 0.5
    assert result.points == [] and result.preamble == ""
    assert [(p.kind, p.blocking) for p in result.problems] == [("too_large", True)]
    assert f"{MAX_BYTES:,}" in result.problems[0].message


def test_the_size_limit_is_exactly_max_bytes():
    fits = ("1. x\n" + "y" * (MAX_BYTES - 5)).encode()
    assert len(fits) == MAX_BYTES
    assert parse_bytes(fits).ok
    assert parse_bytes(fits + b"y").problems[0].kind == "too_large"
    assert parse("1. x " + "é" * (MAX_BYTES // 2)).problems[0].kind == "too_large"


def test_bytes_that_are_not_utf8_are_refused_with_the_offset():
    head = b"1. Ceasefire.\n2. Amnesty for "
    result = parse_bytes(head + b"\xe9migr\xe9s.\n")  # Latin-1, not UTF-8
    (problem,) = result.problems
    assert (problem.kind, problem.line, problem.blocking) == ("not_utf8", 2, True)
    assert len(head) == 29
    assert "offset 29" in problem.message
    assert result.points == []


def test_a_byte_order_mark_is_allowed():
    data = codecs.BOM_UTF8 + "1. Le cessez-le-feu.\n2. L'amnistie générale.\n".encode()
    result = parse_bytes(data)
    assert labels(result) == ["1", "2"]
    assert texts(result)["2"] == "L'amnistie générale."
    assert result.ok
    assert parse("\ufeff1. Ceasefire.").ok


def test_problems_are_plain_values():
    problem = Problem(None, "too_large", "Too big.", True)
    assert problem == Problem(None, "too_large", "Too big.", True)


# --- Properties ------------------------------------------------------------------------------

_MARKERS = [
    "1.", "2.", "3)", "4 -", "Point 5:", "§6", "Article 7.", "Art. 8", "10a.", "10(b)", "a.",
    "(b)", "c)", "aa)", "- ", "• ", "* ", "2025.", "600,000.", "I.", "PART II", "12", "",
]  # fmt: skip
_plan_lines = st.lists(
    st.tuples(
        st.sampled_from(_MARKERS),
        st.text(alphabet=st.sampled_from("ab Z.,:;- \t19()"), max_size=12),
    ).map(lambda pair: f"{pair[0]} {pair[1]}".rstrip(" ") if pair[0] else pair[1]),
    max_size=30,
).map("\n".join)
_any_text = st.one_of(st.text(), _plan_lines)


def _squeezed(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=300)
@given(_any_text)
def test_parse_never_raises(text):
    result = parse(text)
    assert all(isinstance(problem, Problem) for problem in result.problems)


@settings(max_examples=300)
@given(_any_text)
def test_every_point_text_comes_from_the_input(text):
    source = _squeezed(text)
    for point in parse(text).points:
        for line in point.text.split("\n"):
            assert _squeezed(line.removeprefix("• ")) in source


@settings(max_examples=300)
@given(_plan_lines)
def test_labels_are_unique_when_the_import_is_ok(text):
    result = parse(text)
    if result.ok:
        assert len(set(labels(result))) == len(result.points)


@given(_any_text)
def test_problems_are_always_sorted_by_line(text):
    lines = [-1 if p.line is None else p.line for p in parse(text).problems]
    assert lines == sorted(lines)


@given(st.text())
def test_parsing_utf8_bytes_matches_parsing_the_text(text):
    try:
        data = text.encode()
    except UnicodeEncodeError:  # lone surrogates have no UTF-8 form
        return
    assert parse_bytes(data) == parse(text)
