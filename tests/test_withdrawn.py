"""Withdrawn versions on the HTML pages, and who made and changed each assessment.

A withdrawn version keeps its pages (marked, with the reason) but leaves the lists, the pickers,
the scorecard, the import form and search, unless the reader asks for it.
"""

import re

import pytest
from django.urls import reverse

from provisions import services
from provisions.forms import ImportForm, VersionPickerForm
from tests.factories import (
    AssessmentFactory,
    PlanFactory,
    ProvisionFactory,
    TagFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

REASON = "Shown to be a forgery <script>alert(1)</script> & withdrawn"
ESCAPED_REASON = "Shown to be a forgery &lt;script&gt;alert(1)&lt;/script&gt; &amp; withdrawn"
HOME = reverse("provisions:plan-list")
SEARCH = reverse("provisions:search")


def withdraw(plan, reason=REASON):
    plan.withdrawn, plan.withdrawn_reason = True, reason
    services.record_save(obj=plan)
    return plan


def compare_url(left, right):
    return reverse("provisions:compare", args=[left.slug, right.slug])


@pytest.fixture
def world():
    """Three versions in a chain (kept <- gone <- later) with the middle one withdrawn; every
    provision mentions troops and carries a theme."""
    theme = ThemeFactory()
    kept = PlanFactory(short_name="Kept plan")
    gone = PlanFactory(short_name="Gone plan", based_on=kept)
    later = PlanFactory(short_name="Later plan", based_on=gone)
    for plan in (kept, gone, later):
        for number in (1, 2):
            provision = ProvisionFactory(
                plan=plan, number=number, position=number, text=f"{plan.short_name} troops"
            )
            provision.themes.add(theme)
    withdraw(gone)
    return {"kept": kept, "gone": gone, "later": later}


def assert_notice(html):
    assert 'class="withdrawn-notice" role="note"' in html
    assert "<strong>Withdrawn:</strong>" in html
    assert ESCAPED_REASON in html
    assert "<script>alert(1)" not in html


# --- left out by default, there when asked for ------------------------------------------------


def test_home_leaves_withdrawn_versions_out_and_says_how_many(client, world):
    html = client.get(HOME).content.decode()
    assert world["kept"].get_absolute_url() in html and world["later"].get_absolute_url() in html
    assert f'href="{world["gone"].get_absolute_url()}"' in html  # only as the later one's base
    assert f'<h2><a href="{world["gone"].get_absolute_url()}">' not in html
    assert "1 withdrawn version is not listed." in html
    assert f'<a href="{HOME}?withdrawn=include">Include withdrawn versions</a>' in html


def test_home_lists_withdrawn_versions_marked_when_asked(client, world):
    response = client.get(HOME, {"withdrawn": "include"})
    html = response.content.decode()
    assert [p.short_name for p in response.context["plans"]] == [
        "Kept plan",
        "Gone plan",
        "Later plan",
    ]
    assert 'Gone plan</a> <span class="withdrawn-mark">(withdrawn)</span>' in html
    assert f"Withdrawn: {ESCAPED_REASON}" in html and "<script>alert(1)" not in html
    assert f'<a href="{HOME}">Hide withdrawn versions</a>' in html


def test_home_pages_count_only_the_versions_listed(client):
    plans = [PlanFactory() for _ in range(53)]
    for plan in plans[:3]:
        withdraw(plan)
    page = client.get(HOME).context["page"]
    assert page.paginator.count == 50 and not page.has_other_pages()
    included = client.get(HOME, {"withdrawn": "include"})
    assert included.context["page"].paginator.num_pages == 2
    assert "?withdrawn=include&amp;page=2" in included.content.decode()
    second = client.get(HOME, {"withdrawn": "include", "page": 2}).context["plans"]
    assert len(second) == 3


def test_home_says_nothing_of_withdrawn_versions_when_there_are_none(client):
    PlanFactory()
    assert "withdrawn" not in client.get(HOME).content.decode().lower()


def test_pickers_leave_withdrawn_versions_out(client, world):
    html = client.get(compare_url(world["kept"], world["later"])).content.decode()
    assert f'value="{world["gone"].slug}"' not in html
    picker = client.get(reverse("provisions:compare-pick")).content.decode()
    assert (
        f'value="{world["gone"].slug}"' not in picker and f'value="{world["kept"].slug}"' in picker
    )
    assert list(VersionPickerForm().fields["left"].queryset) == [world["kept"], world["later"]]


def test_a_comparison_naming_a_withdrawn_version_shows_it_chosen_and_marked(client, world):
    response = client.get(compare_url(world["gone"], world["later"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert_notice(html)
    # the left picker shows the withdrawn version as chosen, in words; the right one offers
    # it too (a picker's options are one list), but chooses the later version
    assert html.count(f'<option value="{world["gone"].slug}" selected>') == 1
    gone_on = world["gone"].presented_on
    assert f"Gone plan ({gone_on:%b %Y}) \u2014 withdrawn</option>" in html
    assert f'<option value="{world["later"].slug}" selected>' in html
    assert "<title>Gone plan (withdrawn) → Later plan ·" in html


def test_the_pickers_accept_a_withdrawn_version_the_page_names(client, world):
    pick = reverse("provisions:compare-pick")
    response = client.get(pick, {"left": world["gone"].slug, "right": world["kept"].slug})
    assert response.status_code == 302
    assert response["Location"] == compare_url(world["gone"], world["kept"])
    bound = VersionPickerForm({"left": world["gone"].slug, "right": "bad\x00slug"})
    assert not bound.is_valid() and "right" in bound.errors and "left" not in bound.errors


@pytest.mark.parametrize("stamp_mode", ["database", "cache"])
def test_withdrawing_a_version_leaves_no_stale_picker(
    client, settings, stamp_mode, django_capture_on_commit_callbacks
):
    settings.DATASET_STAMP = stamp_mode
    left, right, other = PlanFactory(), PlanFactory(), PlanFactory(short_name="Soon gone")
    url = compare_url(left, right)
    assert f'value="{other.slug}"' in client.get(url).content.decode()  # pickers now cached
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(other)
    assert f'value="{other.slug}"' not in client.get(url).content.decode()


def test_scorecard_leaves_withdrawn_versions_out(client, world):
    response = client.get(reverse("provisions:scorecard"))
    html = response.content.decode()
    assert [c.right for c in response.context["card"].columns] == [world["later"]]
    assert "vs Gone plan (withdrawn)" in html  # the later version's base is withdrawn
    assert f'value="{world["gone"].slug}"' not in html  # nor offered as a baseline


def test_scorecard_keeps_a_withdrawn_baseline_the_reader_named(client, world):
    response = client.get(reverse("provisions:scorecard"), {"baseline": world["gone"].slug})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{world["gone"].slug}" selected>' in html
    assert "(a withdrawn version)" in html


def test_import_form_offers_no_withdrawn_version_as_a_base(editor_client, world):
    assert list(ImportForm().fields["based_on"].queryset) == [world["later"], world["kept"]]
    html = editor_client.get(reverse("admin:provisions_plan_import")).content.decode()
    assert f'value="{world["kept"].slug}"' in html
    assert f'value="{world["gone"].slug}"' not in html


def test_search_leaves_withdrawn_versions_out_unless_asked(client, world):
    found = client.get(SEARCH, {"q": "troops"})
    assert {hit.plan for hit in found.context["results"].hits} == {world["kept"], world["later"]}
    html = found.content.decode()
    assert 'name="withdrawn" id="withdrawn" value="include">' in html  # not ticked
    included = client.get(SEARCH, {"q": "troops", "withdrawn": "include"})
    hits = included.context["results"].hits
    assert {hit.plan for hit in hits} == {world["kept"], world["gone"], world["later"]}
    html = included.content.decode()
    assert 'value="include" checked>' in html
    assert html.count('<span class="withdrawn-mark">withdrawn version</span>') == 2
    nothing = client.get(SEARCH, {"q": "Gone"}).content.decode()
    assert "(withdrawn versions were left out)" in nothing


# --- the pages of a withdrawn version ---------------------------------------------------------


def test_pages_of_a_withdrawn_version_answer_with_the_notice(client, world):
    gone = world["gone"]
    for url in [
        gone.get_absolute_url(),
        gone.provisions.first().get_absolute_url(),
        gone.provisions.last().get_absolute_url(),
        compare_url(world["kept"], gone),
        compare_url(gone, gone),
        reverse("provisions:board", args=[gone.slug]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert_notice(html)
        assert html.count('class="withdrawn-notice"') == 1, url


def test_the_notice_comes_with_an_htmx_swap_of_the_comparison(client, world):
    response = client.get(
        reverse("provisions:compare-pick"),
        {"left": world["kept"].slug, "right": world["gone"].slug},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert (
        re.sub(r"^\s*<title>[^<]*</title>", "", html)
        .lstrip()
        .startswith('<section id="comparison"')
    )
    assert_notice(html)


def test_pages_of_versions_on_record_have_no_notice(client, world):
    for url in [
        world["kept"].get_absolute_url(),
        world["kept"].provisions.first().get_absolute_url(),
        compare_url(world["kept"], world["later"]),
    ]:
        assert "withdrawn-notice" not in client.get(url).content.decode(), url


def test_the_notice_prints():
    """The print stylesheet hides the controls; it must never hide the notice."""
    from django.conf import settings

    rules = (settings.BASE_DIR / "static/css/print.css").read_text().split("}")
    hidden = [rule for rule in rules if "display: none" in rule]
    assert not any("withdrawn" in rule for rule in hidden)
    assert any(".withdrawn-notice {" in rule and "display: block" in rule for rule in rules)


# --- who made each assessment and who changed it last ---------------------------------------


@pytest.fixture
def people(django_user_model):
    author = django_user_model.objects.create_user(
        "olena_login", first_name="Olena", last_name="Koval"
    )
    editor = django_user_model.objects.create_user(
        "ivan_login", first_name="Ivan", last_name="Petrenko"
    )
    return author, editor


def test_assessments_show_their_author_and_last_editor_by_name(client, people):
    author, editor = people
    provision = ProvisionFactory()
    made = services.assessment_add(
        provision=provision, tag=TagFactory(), rationale="Disputed.", user=author
    )
    changed = services.assessment_add(
        provision=provision, tag=TagFactory(), rationale="First reading.", user=author
    )
    changed.rationale = "Second reading."
    services.record_save(obj=changed, user=editor)
    AssessmentFactory(provision=provision, rationale="From the dataset.")

    html = client.get(provision.get_absolute_url()).content.decode()
    assert "olena_login" not in html and "ivan_login" not in html
    assert f'By Olena Koval, <time datetime="{made.created_at:%Y-%m-%d}">' in html
    assert "last changed by Ivan Petrenko, <time" in html
    assert html.count("last changed") == 1  # never changed since it was made: no second line
    assert "From the curated dataset" in html


def test_a_person_without_a_full_name_is_not_named_by_their_login(client, django_user_model):
    user = django_user_model.objects.create_user("secret_login")
    provision = ProvisionFactory()
    services.assessment_add(provision=provision, tag=TagFactory(), rationale="Hm.", user=user)
    html = client.get(provision.get_absolute_url()).content.decode()
    assert "secret_login" not in html and "By A tracker curator" in html


def test_names_are_escaped(client, django_user_model):
    user = django_user_model.objects.create_user("x", first_name="<b>Bold</b>", last_name="Y")
    provision = ProvisionFactory()
    services.assessment_add(provision=provision, tag=TagFactory(), rationale="Hm.", user=user)
    html = client.get(provision.get_absolute_url()).content.decode()
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt; Y" in html


# --- query budgets stay flat ------------------------------------------------------------------


@pytest.mark.parametrize("plans", [2, 20])
@pytest.mark.parametrize("query", [{}, {"withdrawn": "include"}])
def test_home_query_count_does_not_grow_with_withdrawn_versions(
    client, make_plan, django_assert_max_num_queries, plans, query
):
    previous = None
    for index in range(plans):
        previous = make_plan(count=2, based_on=previous)
        if index % 2:
            withdraw(previous)
    # as tests/test_views.py: the withdrawn count shares the pager's count query
    with django_assert_max_num_queries(13):
        assert client.get(HOME, query).status_code == 200


@pytest.mark.parametrize("assessments", [1, 10])
def test_provision_page_query_count_does_not_grow_with_authors(
    client, django_user_model, django_assert_max_num_queries, assessments
):
    provision = ProvisionFactory(plan=withdraw(PlanFactory()))
    for index in range(assessments):
        author = django_user_model.objects.create_user(f"a{index}", first_name=f"Author {index}")
        editor = django_user_model.objects.create_user(f"e{index}", first_name=f"Editor {index}")
        made = services.assessment_add(
            provision=provision, tag=TagFactory(), rationale="Why.", user=author
        )
        made.rationale = "Why, again."
        services.record_save(obj=made, user=editor)
    # dataset stamp; provision, themes, sources, assessments (with tag, source, author and
    # last editor joined), links, linked provisions, history; positions
    with django_assert_max_num_queries(9):
        html = client.get(provision.get_absolute_url()).content.decode()
    assert html.count("last changed by Editor") == assessments
