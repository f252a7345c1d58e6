"""The admin keeps every colleague's work: stale forms, deletes, and others' assessments."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from provisions.models import Citation, Plan, Theme
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    CorrespondenceFactory,
    PartyFactory,
    PlanFactory,
    ProvisionFactory,
    SearchTermFactory,
    SourceFactory,
    TagFactory,
    ThemeFactory,
    api_as,
)

pytestmark = pytest.mark.django_db


def as_opened(response) -> dict:
    """The change form's data as the browser would post it back untouched: the main form,
    every inline row and the management forms."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data |= {management.add_prefix(k): management[k].value() for k in management.fields}
        forms += formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            elif isinstance(value, list | tuple):
                value = [str(getattr(v, "pk", v)) for v in value]
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            elif isinstance(value, str):
                value = re.sub(r"\r?\n", "\r\n", value)  # as browsers send a textarea's lines
            data[form.add_prefix(name)] = value
    return data


@pytest.fixture
def second_editor(client, django_user_model):
    from django.test import Client

    user = django_user_model.objects.create_user(
        "carol", password="a-long-test-passphrase", is_staff=True, first_name="Carol"
    )
    user.groups.add(Group.objects.get(name="Editors"))
    other = Client()
    other.force_login(user)
    return other


FAMILIES = {
    "party": (PartyFactory, "name"),
    "theme": (ThemeFactory, "name"),
    "tag": (TagFactory, "name"),
    "plan": (PlanFactory, "title"),
    "provision": (ProvisionFactory, "text"),
    "source": (SourceFactory, "title"),
    "citation": (CitationFactory, "note"),
    "assessment": (AssessmentFactory, "rationale"),
    "correspondence": (CorrespondenceFactory, "note"),
    "searchterm": (SearchTermFactory, "finds"),
}


@pytest.mark.parametrize("name", list(FAMILIES))
def test_two_editors_race_in_the_admin_and_the_second_keeps_their_input(
    editor_client, second_editor, name
):
    make, field = FAMILIES[name]
    obj = make()
    url = reverse(f"admin:provisions_{name}_change", args=[obj.pk])
    mine, theirs = as_opened(editor_client.get(url)), as_opened(second_editor.get(url))
    saved = second_editor.post(url, {**theirs, field: "Carol's wording"})
    assert saved.status_code == 302, saved.context and saved.context["adminform"].form.errors
    refused = editor_client.post(url, {**mine, field: "My wording, kept"})
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Someone else saved this" in html and "by Carol" in html
    assert "My wording, kept" in html  # my input is still in the form
    assert "Saved meanwhile as: \u201cCarol&#x27;s wording\u201d" in html  # theirs beside it
    obj.refresh_from_db()
    assert getattr(obj, field) == "Carol's wording" and obj.revision == 2
    # having seen theirs, saving the same page again is a deliberate choice: it goes through
    again = editor_client.post(url, as_opened(refused))
    assert again.status_code == 302
    obj.refresh_from_db()
    assert getattr(obj, field) == "My wording, kept" and obj.revision == 3


def test_a_page_saved_untouched_by_a_colleague_is_no_conflict(editor_client, second_editor):
    """Saving a page writes only the rows whose values differ from the stored ones: a colleague
    who pressed Save without changing anything moved no revision, so my save goes through."""
    point = ProvisionFactory(text="Original.")
    url = reverse("admin:provisions_provision_change", args=[point.pk])
    mine = as_opened(editor_client.get(url))
    assert second_editor.post(url, as_opened(second_editor.get(url))).status_code == 302
    point.refresh_from_db()
    assert point.revision == 1 and point.history.count() == 1  # its creation only
    assert editor_client.post(url, {**mine, "text": "Mine."}).status_code == 302
    point.refresh_from_db()
    assert (point.text, point.revision) == ("Mine.", 2)


def test_an_inline_row_a_colleague_changed_stops_the_page_and_shows_their_value(
    editor_client, second_editor
):
    point = ProvisionFactory()
    theirs_row, mine_row = CitationFactory(provision=point), CitationFactory(provision=point)
    url = reverse("admin:provisions_provision_change", args=[point.pk])
    mine, theirs = as_opened(editor_client.get(url)), as_opened(second_editor.get(url))
    row = {str(v): k.rsplit("-", 1)[0] for k, v in mine.items() if k.endswith("-id")}
    saved = second_editor.post(url, {**theirs, f"{row[str(theirs_row.pk)]}-note": "Theirs."})
    assert saved.status_code == 302
    both = {
        f"{row[str(theirs_row.pk)]}-note": "Mine too.",
        f"{row[str(mine_row.pk)]}-note": "Mine.",
    }
    refused = editor_client.post(url, {**mine, **both})
    html = refused.content.decode()
    assert refused.status_code == 200 and "Someone else saved this citation" in html
    assert "Mine too." in html and "Saved meanwhile as: \u201cTheirs.\u201d" in html
    theirs_row.refresh_from_db()
    mine_row.refresh_from_db()
    assert (theirs_row.note, mine_row.note) == ("Theirs.", "")  # all or nothing


def test_deleting_what_others_depend_on_is_refused_in_the_admin(editor_client):
    point = ProvisionFactory()
    theme = ThemeFactory()
    point.themes.add(theme)
    for obj, model in ((point.plan, "plan"), (theme, "theme")):
        url = reverse(f"admin:provisions_{model}_delete", args=[obj.pk])
        page = editor_client.get(url).content.decode()
        assert "cannot be deleted" in page
        editor_client.post(url, {"post": "yes"})
    assert (
        "Withdraw it instead"
        in editor_client.get(
            reverse("admin:provisions_plan_delete", args=[point.plan.pk])
        ).content.decode()
    )
    assert Plan.objects.filter(pk=point.plan.pk).exists() and Theme.objects.filter(pk=theme.pk)
    assert point.themes.get() == theme


def test_an_analyst_cannot_change_or_delete_a_colleagues_assessment_in_the_admin(
    client, analyst, django_user_model
):
    other = django_user_model.objects.create_user("ana2", password="x-long-passphrase-1")
    theirs = AssessmentFactory(author=other, rationale="Theirs.")
    mine = AssessmentFactory(author=analyst, rationale="Mine.")
    client.force_login(analyst)
    url = reverse("admin:provisions_assessment_change", args=[theirs.pk])
    form = client.get(url)
    assert form.status_code == 200 and 'name="rationale"' not in form.content.decode()  # read-only
    assert client.post(url, {"rationale": "Overwritten."}).status_code == 403
    delete = reverse("admin:provisions_assessment_delete", args=[theirs.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    own = reverse("admin:provisions_assessment_change", args=[mine.pk])
    assert 'name="rationale"' in client.get(own).content.decode()
    theirs.refresh_from_db()
    assert theirs.rationale == "Theirs."


def test_a_duplicate_assessment_is_a_form_error_in_the_admin(editor_client):
    existing = AssessmentFactory(rationale="First.")
    response = editor_client.post(
        reverse("admin:provisions_assessment_add"),
        {
            "provision": existing.provision_id,
            "tag": existing.tag_id,
            "rationale": "Second.",
            "status": "confirmed",
        },
    )
    assert response.status_code == 200 and "already exists" in response.content.decode()
    existing.refresh_from_db()
    assert existing.rationale == "First."


def test_a_withdrawn_version_needs_a_reason_in_the_admin(editor_client):
    plan = PlanFactory()
    url = reverse("admin:provisions_plan_change", args=[plan.pk])
    data = as_opened(editor_client.get(url))
    missing = editor_client.post(url, {**data, "withdrawn": "on"})
    assert missing.status_code == 200 and "Say why the version is withdrawn" in (
        missing.content.decode()
    )
    done = editor_client.post(url, {**data, "withdrawn": "on", "withdrawn_reason": "A duplicate."})
    assert done.status_code == 302
    plan.refresh_from_db()
    assert plan.withdrawn and plan.history.latest().history_user.username == "editor"


def test_only_the_fields_a_colleague_changed_are_shown_as_theirs(editor_client, second_editor):
    theme = ThemeFactory(name="Armed forces", description="Caps and ceilings.")
    url = reverse("admin:provisions_theme_change", args=[theme.pk])
    mine, theirs = as_opened(editor_client.get(url)), as_opened(second_editor.get(url))
    second_editor.post(url, {**theirs, "name": "Armed forces (theirs)"})
    refused = editor_client.post(url, {**mine, "description": "My description."})
    form = refused.context["adminform"].form
    assert "name" in form.errors and "description" not in form.errors  # mine is not theirs
    assert form["description"].value() == "My description."


def row_prefixes(data: dict) -> dict[int, str]:
    """Each inline row's form prefix in posted data, by the pk of the row it edits."""
    return {int(v): k.rsplit("-", 1)[0] for k, v in data.items() if k.endswith("-id") and v}


def test_a_colleague_who_saved_another_row_of_the_page_is_no_conflict(editor_client, second_editor):
    point = ProvisionFactory(note="")
    cited = CitationFactory(provision=point, locator="point 1")
    url = reverse("admin:provisions_provision_change", args=[point.pk])
    mine, theirs = as_opened(editor_client.get(url)), as_opened(second_editor.get(url))
    row = row_prefixes(theirs)[cited.pk]
    assert second_editor.post(url, {**theirs, f"{row}-locator": "ED-7"}).status_code == 302
    saved = editor_client.post(url, {**mine, "note": "Eva's note."})
    assert saved.status_code == 302, saved.context and saved.context["errors"]
    point.refresh_from_db()
    cited.refresh_from_db()
    assert point.note == "Eva's note." and (cited.locator, cited.revision) == ("ED-7", 2)


def test_saving_again_after_a_refusal_keeps_a_colleagues_other_rows(editor_client, second_editor):
    point = ProvisionFactory()
    both, other = CitationFactory(provision=point), CitationFactory(provision=point)
    url = reverse("admin:provisions_provision_change", args=[point.pk])
    mine, theirs = as_opened(editor_client.get(url)), as_opened(second_editor.get(url))
    rows = row_prefixes(theirs)
    changes = {f"{rows[both.pk]}-note": "Theirs.", f"{rows[other.pk]}-locator": "ED-7"}
    assert second_editor.post(url, {**theirs, **changes}).status_code == 302
    refused = editor_client.post(url, {**mine, f"{rows[both.pk]}-note": "Mine."})
    assert refused.status_code == 200
    [errors] = [
        form.non_field_errors()
        for inline in refused.context["inline_admin_formsets"]
        for form in inline.formset.forms
        if form.non_field_errors()
    ]
    assert str(both) in " ".join(errors)  # the refusal says which row
    assert editor_client.post(url, as_opened(refused)).status_code == 302  # deliberately mine
    both.refresh_from_db()
    other.refresh_from_db()
    assert (both.note, other.locator, other.revision) == ("Mine.", "ED-7", 2)


def with_new_rows(data: dict, prefix: str, *rows: dict) -> dict:
    """`data` with `rows` added to the inline group `prefix` as new rows."""
    first = int(data[f"{prefix}-TOTAL_FORMS"])
    data = {**data, f"{prefix}-TOTAL_FORMS": first + len(rows)}
    for index, row in enumerate(rows, start=first):
        data |= {f"{prefix}-{index}-{name}": value for name, value in row.items()}
    return data


def row_errors(response) -> list[str]:
    """Every error shown on a row of an inline group, each with the row's prefix."""
    return [
        f"{form.prefix}: {message}"
        for inline in response.context["inline_admin_formsets"]
        for form in inline.formset.forms
        for messages in form.errors.values()
        for message in messages
    ]


# (not "page": that name is pytest-playwright's browser page, which would make this a browser
# test and move the browser tests, with their flushes, among the database tests)
@pytest.mark.parametrize("model", ["provision", "plan"])
def test_two_new_citations_of_one_source_are_a_form_error(editor_client, model):
    point, source = ProvisionFactory(), SourceFactory()
    owner = point if model == "provision" else point.plan
    url = reverse(f"admin:provisions_{model}_change", args=[owner.pk])
    rows = [{"source": source.pk, "locator": f"p. {n}"} for n in (1, 2)]
    response = editor_client.post(url, with_new_rows(as_opened(editor_client.get(url)),
                                                     "citations", *rows))  # fmt: skip
    assert response.status_code == 200
    assert [e for e in row_errors(response) if e.startswith("citations-1: ")]
    assert "p. 2" in response.content.decode()  # the input is kept
    assert not source.citations.exists()


def test_two_new_stances_of_one_party_source_and_date_are_a_form_error(editor_client):
    point, party, source = ProvisionFactory(), PartyFactory(), SourceFactory()
    url = reverse("admin:provisions_provision_change", args=[point.pk])
    row = {"party": party.pk, "stance": "accepts", "stated_on": "2025-12-01",
           "date_precision": "day", "source": source.pk}  # fmt: skip
    data = with_new_rows(as_opened(editor_client.get(url)), "positions", row, row)
    response = editor_client.post(url, {**data, "note": "Kept?"})
    assert response.status_code == 200
    assert [e for e in row_errors(response) if e.startswith("positions-1: ")]
    point.refresh_from_db()
    assert not point.positions.exists() and point.note == ""  # nothing written


def test_deleting_a_row_a_colleague_changed_meanwhile_is_refused_on_that_row(
    editor_client, second_editor
):
    point = ProvisionFactory()
    cited = CitationFactory(provision=point)
    url = reverse("admin:provisions_provision_change", args=[point.pk])
    mine, theirs = as_opened(editor_client.get(url)), as_opened(second_editor.get(url))
    row = row_prefixes(theirs)[cited.pk]
    assert second_editor.post(url, {**theirs, f"{row}-note": "Theirs."}).status_code == 302
    refused = editor_client.post(url, {**mine, f"{row}-DELETE": "on", "note": "Mine."})
    assert refused.status_code == 200
    assert [e for e in row_errors(refused) if e.startswith(f"{row}: Someone else saved")]
    cited.refresh_from_db()
    point.refresh_from_db()
    assert cited.note == "Theirs." and point.note == ""
    # having seen theirs, deleting it is a deliberate choice
    assert editor_client.post(url, as_opened(refused)).status_code == 302
    assert not point.citations.exists()


def deleted_by_colleague(client, obj) -> None:
    url = reverse(f"admin:provisions_{obj._meta.model_name}_delete", args=[obj.pk])
    page = client.get(url).content.decode()
    revision = re.search(r'name="revision" value="(\d+)"', page)
    response = client.post(url, {"post": "yes", "revision": revision and revision[1]})
    assert response.status_code == 302 and not type(obj).objects.filter(pk=obj.pk).exists()


def test_a_form_whose_row_was_deleted_meanwhile_keeps_the_input_to_add_it_again(
    editor_client, second_editor
):
    cited = CitationFactory(note="")
    url = reverse("admin:provisions_citation_change", args=[cited.pk])
    mine = as_opened(editor_client.get(url))
    deleted_by_colleague(second_editor, cited)
    refused = editor_client.post(url, {**mine, "note": "My typed note."})
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "deleted this citation meanwhile" in html and "My typed note." in html
    again = editor_client.post(
        reverse("admin:provisions_citation_add"), as_opened(refused)
    )  # the page posts to the add form now
    assert again.status_code == 302
    assert Citation.objects.get(source=cited.source).note == "My typed note."


def test_an_inline_row_deleted_meanwhile_is_offered_as_a_new_row(editor_client, second_editor):
    point = ProvisionFactory()
    kept, gone = CitationFactory(provision=point), CitationFactory(provision=point, note="")
    url = reverse("admin:provisions_provision_change", args=[point.pk])
    mine = as_opened(editor_client.get(url))
    row = row_prefixes(mine)[gone.pk]
    deleted_by_colleague(second_editor, gone)
    refused = editor_client.post(url, {**mine, f"{row}-note": "Mine, kept."})
    assert refused.status_code == 200
    assert any("deleted this citation meanwhile" in e for e in row_errors(refused))
    assert "Mine, kept." in refused.content.decode()
    assert editor_client.post(url, as_opened(refused)).status_code == 302
    assert point.citations.exclude(pk=kept.pk).get().note == "Mine, kept."


def test_an_untouched_row_a_colleague_deleted_is_no_conflict(editor_client, second_editor):
    point = ProvisionFactory(note="")
    gone = CitationFactory(provision=point)
    url = reverse("admin:provisions_provision_change", args=[point.pk])
    mine = as_opened(editor_client.get(url))
    deleted_by_colleague(second_editor, gone)
    assert editor_client.post(url, {**mine, "note": "Mine."}).status_code == 302
    point.refresh_from_db()
    assert point.note == "Mine." and not point.citations.exists()


def test_an_untouched_page_with_multi_line_text_writes_nothing(editor_client, editor):
    point = ProvisionFactory()
    cited = CitationFactory(provision=point, reading="рядок один\nрядок два", reading_language="uk")
    api = api_as(editor)
    detail = reverse("api:plan-provision-detail", args=[point.plan.slug, point.label])
    etag = api.get(detail)["ETag"]
    patched = api.patch(detail, {"note": "line one\nline two"}, format="json", HTTP_IF_MATCH=etag)
    assert patched.status_code == 200
    url = reverse("admin:provisions_provision_change", args=[point.pk])
    assert editor_client.post(url, as_opened(editor_client.get(url))).status_code == 302
    point.refresh_from_db()
    cited.refresh_from_db()
    assert (point.note, point.revision, point.history.count()) == ("line one\nline two", 2, 2)
    assert cited.revision == 1
    assert api.patch(detail, {"note": "x"}, format="json",
                     HTTP_IF_MATCH=patched["ETag"]).status_code == 200  # fmt: skip


def test_a_changed_multi_line_text_is_stored_with_plain_line_ends(editor_client):
    cited = CitationFactory()
    url = reverse("admin:provisions_citation_change", args=[cited.pk])
    data = {**as_opened(editor_client.get(url)), "note": "one\r\ntwo"}
    assert editor_client.post(url, data).status_code == 302
    cited.refresh_from_db()
    assert cited.note == "one\ntwo"


def delete_page_revision(response) -> str:
    return re.search(r'name="revision" value="(\d+)"', response.content.decode())[1]


def test_a_delete_confirmed_after_a_colleagues_save_is_refused(editor_client, second_editor):
    cited = CitationFactory(note="")
    delete = reverse("admin:provisions_citation_delete", args=[cited.pk])
    shown = delete_page_revision(editor_client.get(delete))
    change = reverse("admin:provisions_citation_change", args=[cited.pk])
    saved = second_editor.post(change, {**as_opened(second_editor.get(change)), "note": "Ed's."})
    assert saved.status_code == 302
    refused = editor_client.post(delete, {"post": "yes", "revision": shown}, follow=True)
    assert "Someone else saved this citation" in refused.content.decode()
    cited.refresh_from_db()
    assert cited.note == "Ed's."
    again = editor_client.post(delete, {"post": "yes", "revision": cited.revision})
    assert again.status_code == 302 and not Citation.objects.filter(pk=cited.pk).exists()


def test_a_bulk_delete_of_rows_changed_since_confirmation_deletes_nothing(
    editor_client, second_editor
):
    first, second = CitationFactory(note=""), CitationFactory(note="")
    changelist = reverse("admin:provisions_citation_changelist")
    chosen = {"action": "delete_selected", "_selected_action": [first.pk, second.pk]}
    page = editor_client.post(changelist, chosen).content.decode()
    revisions = dict(re.findall(r'name="(revision-\d+)" value="(\d+)"', page))
    assert len(revisions) == 2
    change = reverse("admin:provisions_citation_change", args=[second.pk])
    saved = second_editor.post(change, {**as_opened(second_editor.get(change)), "note": "Ed's."})
    assert saved.status_code == 302
    refused = editor_client.post(changelist, {**chosen, **revisions, "post": "yes"}, follow=True)
    assert "Someone else saved this citation" in refused.content.decode()
    assert Citation.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
    revisions[f"revision-{second.pk}"] = "2"
    assert editor_client.post(changelist, {**chosen, **revisions, "post": "yes"}).status_code == 302
    assert not Citation.objects.filter(pk__in=[first.pk, second.pk]).exists()


def test_saving_again_after_a_refusal_keeps_the_fields_only_a_colleague_changed(
    editor_client, second_editor
):
    point, first, second = ProvisionFactory(note=""), ThemeFactory(), ThemeFactory()
    point.themes.add(first)
    url = reverse("admin:provisions_provision_change", args=[point.pk])
    mine, theirs = as_opened(editor_client.get(url)), as_opened(second_editor.get(url))
    themed = second_editor.post(url, {**theirs, "themes": [first.pk, second.pk]})
    assert themed.status_code == 302
    refused = editor_client.post(url, {**mine, "note": "Mine."})
    assert refused.status_code == 200 and "themes" in refused.context["adminform"].form.errors
    assert editor_client.post(url, as_opened(refused)).status_code == 302
    point.refresh_from_db()
    assert point.note == "Mine." and set(point.themes.all()) == {first, second}


def test_unticking_delete_after_a_refusal_keeps_the_colleagues_values(editor_client, second_editor):
    point = ProvisionFactory()
    cited = CitationFactory(provision=point, note="")
    url = reverse("admin:provisions_provision_change", args=[point.pk])
    mine, theirs = as_opened(editor_client.get(url)), as_opened(second_editor.get(url))
    row = row_prefixes(theirs)[cited.pk]
    assert second_editor.post(url, {**theirs, f"{row}-note": "Theirs."}).status_code == 302
    refused = editor_client.post(url, {**mine, f"{row}-DELETE": "on"})
    assert refused.status_code == 200
    kept = {k: v for k, v in as_opened(refused).items() if k != f"{row}-DELETE"}
    assert editor_client.post(url, kept).status_code == 302
    cited.refresh_from_db()
    assert (cited.note, cited.revision) == ("Theirs.", 2)


def test_a_citation_a_colleague_added_meanwhile_is_a_form_error_on_the_row(editor_client):
    """The same source cited for the point through the API after the page was opened: the
    page's new row is refused on the row, with the input kept (it was a 500)."""
    point, source = ProvisionFactory(), SourceFactory()
    url = reverse("admin:provisions_provision_change", args=[point.pk])
    data = with_new_rows(as_opened(editor_client.get(url)), "citations",
                         {"source": source.pk, "locator": "p. 9"})  # fmt: skip
    CitationFactory(provision=point, source=source)  # the colleague's
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert [e for e in row_errors(response) if "exists already" in e]
    assert "p. 9" in response.content.decode()
    assert source.citations.count() == 1


def test_two_rows_swapping_their_sources_are_told_to_save_one_change_first(editor_client):
    point, first, second = ProvisionFactory(), SourceFactory(), SourceFactory()
    a = CitationFactory(provision=point, source=first, locator="a")
    b = CitationFactory(provision=point, source=second, locator="b")
    url = reverse("admin:provisions_provision_change", args=[point.pk])
    data = as_opened(editor_client.get(url))
    rows = {str(data[f"citations-{n}-id"]): n for n in (0, 1)}
    data[f"citations-{rows[str(a.pk)]}-source"] = str(second.pk)
    data[f"citations-{rows[str(b.pk)]}-source"] = str(first.pk)
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert [e for e in row_errors(response) if "save one of the two changes" in e]
    a.refresh_from_db()
    assert a.source == first  # nothing written


@pytest.mark.parametrize("bad", ["abc", "4/change"])
def test_a_history_page_for_no_id_is_the_admins_does_not_exist_answer(editor_client, bad):
    response = editor_client.get(f"/admin/provisions/provision/{bad}/history/")
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
