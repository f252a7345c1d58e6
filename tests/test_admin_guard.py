"""The admin keeps every colleague's work: stale forms, deletes, and others' assessments."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from provisions.models import Plan, Theme
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
    refused = editor_client.post(url, {**mine, f"{row[str(mine_row.pk)]}-note": "Mine, kept."})
    html = refused.content.decode()
    assert refused.status_code == 200 and "Someone else saved this citation" in html
    assert "Mine, kept." in html and "Saved meanwhile as: \u201cTheirs.\u201d" in html
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
