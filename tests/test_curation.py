"""The editors' and analysts' admin: import, suggested links, bulk tagging, history, roles."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from provisions import services
from provisions.models import Assessment, Citation, Correspondence, Plan, Provision, Source
from tests.factories import (
    AssessmentFactory,
    CorrespondenceFactory,
    PlanFactory,
    ProvisionFactory,
    SourceFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

TEXT = """Joint framework (draft)

1. Ukraine's sovereignty is confirmed.
2. Ukraine's armed forces remain at 800,000 in peacetime.
3. Elections are held as soon as possible
after signing.
"""
IMPORT = reverse("admin:provisions_plan_import")


def import_data(**changes):
    data = {
        "text": TEXT, "slug": "new-framework", "title": "New framework", "short_name": "New",
        "presented_on": "2026-03-01", "status": "framework", "completeness": "full_text",
        "numbered": "on", "source_url": "https://example.org/new-framework",
        "source_publisher": "Example Times", "source_title": "The new framework in full",
        "source_published_on": "2026-03-01", "source_language": "en", "source_reliability": "press",
    }  # fmt: skip
    data.update(changes)
    return data


def test_import_previews_and_writes_nothing_until_confirmed(editor_client):
    response = editor_client.post(IMPORT, import_data())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview: 3 points" in html and "800,000 in peacetime" in html
    assert "Confirm import" in html and "Joint framework (draft)" in html  # the preamble is shown
    assert not Plan.objects.filter(slug="new-framework").exists()


def test_confirming_an_import_creates_the_version_cited_point_by_point(editor_client, editor):
    response = editor_client.post(IMPORT, {**import_data(), "confirm": "1"})
    assert response.status_code == 302
    plan = Plan.objects.get(slug="new-framework")
    provisions = list(plan.provisions.order_by("position"))
    assert [p.label for p in provisions] == ["1", "2", "3"]
    assert provisions[2].text == "Elections are held as soon as possible after signing."
    assert all(
        p.wording == "verbatim" and p.citations.exclude(excerpt="").exists() for p in provisions
    )
    assert Source.objects.get(url="https://example.org/new-framework").publisher == "Example Times"
    assert Citation.objects.filter(plan=plan).count() == 1
    assert provisions[0].history.latest().history_user == editor


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1. One.\n1. One again.", "appears twice"),
        ("Only a preamble without any numbered point.", "no numbered point"),
        ("", "Paste the text or upload a file"),
    ],
)
def test_an_import_with_a_blocking_problem_cannot_be_confirmed(editor_client, text, message):
    response = editor_client.post(IMPORT, {**import_data(text=text), "confirm": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert message.lower() in html.lower()
    assert "Confirm import" not in html
    assert not Plan.objects.filter(slug="new-framework").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"1. caf\xe9 au lait\n2. x", "is not UTF-8 text"),
        (b"1. x\n" * 1_300_000, "more than the limit"),
    ],
)
def test_bad_files_are_refused_with_a_clear_problem(editor_client, content, message):
    upload = SimpleUploadedFile("plan.txt", content, content_type="text/plain")
    response = editor_client.post(IMPORT, {**import_data(text=""), "file": upload, "confirm": "1"})
    assert response.status_code == 200
    assert message.lower() in response.content.decode().lower()
    assert not Plan.objects.filter(slug="new-framework").exists()


def test_an_existing_slug_or_a_new_source_without_details_is_a_form_error(editor_client):
    PlanFactory(slug="new-framework")
    html = editor_client.post(IMPORT, import_data(source_publisher="")).content.decode()
    assert "A version with this slug exists already" in html
    assert "Needed for a source that is not in the tracker yet" in html


def test_importing_a_revision_proposes_links_and_carried_over_tags(editor):
    base = PlanFactory(slug="base")
    army = ProvisionFactory(
        plan=base,
        number=6,
        position=6,
        text="Ukraine's armed forces remain at 600,000 in peacetime.",
    )
    AssessmentFactory(provision=army, tag=TagFactory(slug="contested"), rationale="Too low.")
    ProvisionFactory(
        plan=base, number=7, position=7, text="A completely different clause about gas pipelines."
    )
    from provisions import importing

    plan = Plan(slug="rev", title="Revision", short_name="Rev", presented_on="2026-03-02",
                status="framework", completeness="full_text", based_on=base)  # fmt: skip
    outcome = services.plan_import(
        plan=plan, parsed=importing.parse(TEXT), source=SourceFactory(), user=editor
    )
    [link] = outcome.links
    assert (link.earlier, link.later.label, link.status) == (army, "2", "suggested")
    [carried] = outcome.assessments
    assert carried.provision == link.later and carried.status == "suggested"
    assert "Too low." in carried.rationale


def test_import_plan_command_uses_the_same_parser_and_reports_line_numbers(tmp_path):
    good = tmp_path / "plan.txt"
    good.write_text(TEXT)
    out = io.StringIO()
    call_command("import_plan", str(good), slug="cli-plan", title="CLI plan", presented_on="2026-03-03",
                 source_url="https://example.org/cli", source_publisher="P", source_title="T",
                 source_published_on="2026-03-03", stdout=out)  # fmt: skip
    assert Plan.objects.get(slug="cli-plan").provisions.count() == 3
    bad = tmp_path / "bad.txt"
    bad.write_text("1. One.\n2. Two.\n2. Two again.\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_plan", str(bad), slug="bad-plan", title="Bad", presented_on="2026-03-03",
                     source_url="https://example.org/bad", stderr=err)  # fmt: skip
    assert "Line 3" in err.getvalue()
    assert not Plan.objects.filter(slug="bad-plan").exists()


def test_suggest_links_action_then_review_in_bulk(editor_client):
    base = PlanFactory()
    later = PlanFactory(based_on=base)
    for number, (old, new) in enumerate([("Forces limited to 600,000.", "Forces limited to 800,000."),
                                         ("Amnesty for all participants.", "Amnesty for all participants.")], 1):  # fmt: skip
        ProvisionFactory(plan=base, number=number, position=number, text=old)
        ProvisionFactory(plan=later, number=number, position=number, text=new)
    changelist = reverse("admin:provisions_plan_changelist")
    response = editor_client.post(
        changelist, {"action": "suggest_links", "_selected_action": [later.pk]}
    )
    assert response.status_code == 302 and "status__exact=suggested" in response["Location"]
    links = Correspondence.objects.filter(status="suggested").order_by("earlier__number")
    # a changed number is a modification, however similar the texts; the same words, unchanged
    assert [(link.relation, link.status) for link in links] == [
        ("modified", "suggested"),
        ("unchanged", "suggested"),
    ]
    review = reverse("admin:provisions_correspondence_changelist")
    editor_client.post(review, {"action": "confirm_selected", "_selected_action": [links[0].pk]})
    editor_client.post(review, {"action": "reject_selected", "_selected_action": [links[1].pk]})
    assert list(Correspondence.objects.values_list("status", flat=True)) == ["confirmed"]


def test_suggesting_links_for_a_version_with_no_base_says_so(editor_client):
    plan = PlanFactory()
    response = editor_client.post(
        reverse("admin:provisions_plan_changelist"),
        {"action": "suggest_links", "_selected_action": [plan.pk]},
        follow=True,
    )
    assert "not based on another version" in response.content.decode()


def test_bulk_tagging_with_an_intermediate_form(client, analyst):
    client.force_login(analyst)
    provisions = [ProvisionFactory() for _ in range(3)]
    tag, source = TagFactory(slug="ambiguous"), SourceFactory()
    changelist = reverse("admin:provisions_provision_changelist")
    selected = [p.pk for p in provisions]
    form = client.post(changelist, {"action": "tag_selected", "_selected_action": selected})
    assert form.status_code == 200 and "Tag the selected provisions" in form.content.decode()
    invalid = client.post(changelist, {"action": "tag_selected", "_selected_action": selected,
                                       "apply": "1", "tag": tag.pk, "rationale": ""})  # fmt: skip
    assert invalid.status_code == 200 and not Assessment.objects.exists()
    done = client.post(changelist, {"action": "tag_selected", "_selected_action": selected, "apply": "1",
                                    "tag": tag.pk, "rationale": "Two readings.", "source": source.pk})  # fmt: skip
    assert done.status_code == 302
    assert Assessment.objects.filter(tag=tag, source=source, author=analyst).count() == 3


def test_history_shows_word_diffs_and_revert_restores_text_as_a_new_revision(editor_client, editor):
    provision = ProvisionFactory(text="capped at 600,000")
    provision.text = "capped at 800,000"
    services.record_save(obj=provision, user=editor)
    history = editor_client.get(reverse("admin:provisions_provision_history", args=[provision.pk]))
    html = history.content.decode()
    assert "<del" in html and "600,000" in html and "<ins" in html and "800,000" in html
    first = provision.history.earliest()
    revert_url = reverse(
        "admin:provisions_provision_simple_history", args=[provision.pk, first.history_id]
    )
    form = editor_client.get(revert_url)
    assert form.status_code == 200
    revert_form = form.context["adminform"].form
    data = {key: value for key, value in revert_form.initial.items() if value is not None}
    data.update({"plan": provision.plan_id, "themes": [], "label_confirmed": "on",
                 "base_revision": revert_form["base_revision"].value()})  # fmt: skip
    for prefix in ["citations", "assessments", "predecessor_links", "successor_links"]:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = editor_client.post(revert_url, data)
    assert response.status_code == 302
    stored = Provision.objects.get(pk=provision.pk)
    assert (stored.text, stored.revision) == ("capped at 600,000", 3)


def test_history_diffs_whole_values_escaped_once(editor_client, editor):
    """simple-history shortens long values ("Russi[93 chars]…") and escapes them; the list
    word-diffs what it is given and escapes it itself: the whole stored values, escaped once."""
    opening = "Russia and Ukraine agree that the line of contact is frozen " * 3
    provision = ProvisionFactory(text=f'{opening}"as is" & <b>unchanged</b>.')
    provision.text = f'{opening}"as it stands" & <b>unchanged</b>.'
    services.record_save(obj=provision, user=editor)
    history = editor_client.get(reverse("admin:provisions_provision_history", args=[provision.pk]))
    html = history.content.decode()
    assert "chars]" not in html and "&amp;amp;" not in html and "&amp;quot;" not in html
    assert "line of contact is frozen" in html and "&lt;b&gt;unchanged&lt;/b&gt;" in html
    assert "<b>unchanged" not in html


@pytest.mark.parametrize(
    ("who", "url", "expected"),
    [
        ("analyst", IMPORT, 403),
        ("analyst", reverse("admin:provisions_plan_add"), 403),
        ("analyst", reverse("admin:provisions_assessment_add"), 200),
        ("analyst", reverse("admin:provisions_correspondence_changelist"), 200),
        ("editor", IMPORT, 200),
    ],
)
def test_roles_in_the_admin(client, request, who, url, expected):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == expected


@pytest.mark.parametrize("count", [3, 30])
def test_provision_changelist_queries_do_not_grow(
    editor_client, django_assert_max_num_queries, count
):
    plan = PlanFactory()
    for number in range(1, count + 1):
        AssessmentFactory(provision=ProvisionFactory(plan=plan, number=number, position=number))
    with django_assert_max_num_queries(16):
        assert (
            editor_client.get(reverse("admin:provisions_provision_changelist")).status_code == 200
        )


def test_a_confirmed_suggestion_no_longer_says_it_is_unreviewed(editor):
    from provisions import services
    from provisions.models import Correspondence

    earlier_plan = PlanFactory()
    later_plan = PlanFactory(based_on=earlier_plan)
    ProvisionFactory(plan=earlier_plan, number=1, text="Ukraine will stay out of NATO.")
    ProvisionFactory(plan=later_plan, number=1, text="Ukraine will stay out of NATO for now.")
    (link,) = services.correspondence_suggest(plan=later_plan, user=editor)
    assert link.note.endswith("not yet reviewed.")
    services.suggestions_review(suggestions=[link], confirm=True, user=editor)
    link = Correspondence.objects.get(pk=link.pk)
    assert link.status == "confirmed"
    assert link.note.startswith("Suggested by text similarity") and link.note.endswith(
        "; confirmed on review."
    )


def test_similar_texts_with_a_changed_modal_are_not_suggested_as_unchanged(editor):
    from provisions import services

    earlier_plan = PlanFactory()
    later_plan = PlanFactory(based_on=earlier_plan)
    ProvisionFactory(
        plan=earlier_plan,
        number=1,
        text="The parties stay within their current lines of control for the duration.",
    )
    ProvisionFactory(
        plan=later_plan,
        number=1,
        text="The parties will stay within their current lines of control for the duration.",
    )
    (link,) = services.correspondence_suggest(plan=later_plan, user=editor)
    assert link.relation == "modified"


def test_review_lists_show_what_a_reviewer_must_read(editor_client):
    earlier = ProvisionFactory(text="Forces limited to 600,000.")
    later = ProvisionFactory(
        plan=PlanFactory(based_on=earlier.plan), text="Forces limited to 800,000."
    )
    CorrespondenceFactory(earlier=earlier, later=later, status="suggested", relation="modified")
    links = editor_client.get(
        reverse("admin:provisions_correspondence_changelist"), {"status__exact": "suggested"}
    ).content.decode()
    assert "<del" in links and "600,000" in links and "<ins" in links and "800,000" in links
    AssessmentFactory(provision=later, status="suggested", rationale="Carried over from 600,000.")
    tags = editor_client.get(
        reverse("admin:provisions_assessment_changelist"), {"status__exact": "suggested"}
    ).content.decode()
    assert "Forces limited to 800,000." in tags and "Carried over from 600,000." in tags
