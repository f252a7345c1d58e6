import datetime

import pytest
from django.apps import apps
from django.urls import reverse

from provisions import releases
from provisions.models import Coverage, Provision, Release, SearchTerm, VariantMemo
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    CorrespondenceFactory,
    PartyFactory,
    PlanFactory,
    PositionFactory,
    ProvisionFactory,
    SearchTermFactory,
    TagFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

# every model an editor curates: not the histories, nor what is worked out from the readings
MODELS = [
    m
    for m in apps.get_app_config("provisions").get_models()
    if not m.__name__.startswith("Historical") and m is not VariantMemo
]


@pytest.fixture
def some_of_everything():
    CitationFactory()
    AssessmentFactory()
    CorrespondenceFactory()
    PositionFactory()
    PartyFactory()
    ThemeFactory()
    TagFactory()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_changelist_and_add_form_renders_for_an_editor(
    editor_client, some_of_everything, model
):
    meta = model._meta
    changelist = editor_client.get(reverse(f"admin:provisions_{meta.model_name}_changelist"))
    assert changelist.status_code == 200
    assert editor_client.get(reverse(f"admin:provisions_{meta.model_name}_add")).status_code == 200
    if model is Coverage:  # one row, made once (the add form is for an empty database)
        Coverage.objects.create(material_until=datetime.date(2026, 6, 17))
    if model is Release:
        releases.publish(1, "A release.")
    obj = model.objects.first()
    change = reverse(f"admin:provisions_{meta.model_name}_change", args=[obj.pk])
    assert editor_client.get(change).status_code == 200
    history = reverse(f"admin:provisions_{meta.model_name}_history", args=[obj.pk])
    assert editor_client.get(history).status_code == 200


def test_changelist_search_works(editor_client):
    ProvisionFactory(text="Ukraine's armed forces are capped at 600,000")
    ProvisionFactory(text="Something else entirely")
    response = editor_client.get(reverse("admin:provisions_provision_changelist"), {"q": "600,000"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_analyst_can_read_but_not_change_provision_text(client, analyst):
    provision = ProvisionFactory()
    client.force_login(analyst)
    change = reverse("admin:provisions_provision_change", args=[provision.pk])
    assert client.get(change).status_code == 200  # view permission
    response = client.post(change, {"text": "rewritten"})
    assert response.status_code == 403
    assert Provision.objects.get(pk=provision.pk).text == provision.text
    assert client.get(reverse("admin:provisions_assessment_add")).status_code == 200


def provision_form_data(provision, **changes):
    data = {
        "plan": provision.plan_id,
        "number": provision.number,
        "sub": provision.sub,
        "position": provision.position,
        "text": provision.text,
        "wording": provision.wording,
        "summary": provision.summary,
        "note": provision.note,
        "label_confirmed": "on",
        "base_revision": provision.revision,
    }
    for prefix in ["citations", "assessments", "positions", "predecessor_links", "successor_links"]:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0,
                     f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})  # fmt: skip
    data.update(changes)
    return data


@pytest.mark.parametrize(("field", "value"), [("number", 10_000), ("position", 99_999_999_999)])
def test_admin_refuses_a_point_out_of_range_on_the_field(editor_client, field, value):
    plan = PlanFactory()
    data = provision_form_data(ProvisionFactory.build(plan=plan), **{field: value})
    del data["base_revision"]
    response = editor_client.post(reverse("admin:provisions_provision_add"), data)
    assert response.status_code == 200 and field in response.context["adminform"].form.errors
    assert not Provision.objects.filter(plan=plan).exists()


def test_admin_save_moves_the_revision_on(editor_client, editor):
    provision = ProvisionFactory(text="capped at 600,000")
    change = reverse("admin:provisions_provision_change", args=[provision.pk])
    response = editor_client.post(change, provision_form_data(provision, text="capped at 800,000"))
    assert response.status_code == 302
    stored = Provision.objects.get(pk=provision.pk)
    assert (stored.text, stored.revision) == ("capped at 800,000", 2)
    assert stored.history.latest().history_user == editor


def test_admin_refuses_a_stale_save_and_shows_the_other_text(editor_client):
    provision = ProvisionFactory(text="original")
    change = reverse("admin:provisions_provision_change", args=[provision.pk])
    opened_by_both = provision_form_data(provision)
    first = editor_client.post(change, {**opened_by_both, "text": "first editor's text"})
    assert first.status_code == 302
    second = editor_client.post(change, {**opened_by_both, "text": "second editor's text"})
    assert second.status_code == 200  # the form again, with the error
    html = second.content.decode()
    assert "Someone else saved this provision" in html
    assert "first editor&#x27;s text" in html and "second editor&#x27;s text" in html
    assert Provision.objects.get(pk=provision.pk).text == "first editor's text"


def test_a_save_that_loses_the_race_after_validation_is_refused_without_an_error_page(
    editor_client, monkeypatch
):
    """Another save lands between the form's revision check and the write: the form comes
    back with the conflict reported and the editor's input kept."""
    from provisions import services

    provision = ProvisionFactory(text="original")
    change = reverse("admin:provisions_provision_change", args=[provision.pk])
    real_check, checks = services.check_revision, []

    def racing_check(**kwargs):  # the first check passed before the colleague's save landed
        checks.append(kwargs)
        return None if len(checks) == 1 else real_check(**kwargs)

    monkeypatch.setattr(services, "check_revision", racing_check)
    Provision.objects.filter(pk=provision.pk).update(text="saved meanwhile", revision=2)
    response = editor_client.post(change, provision_form_data(provision, text="mine kept"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this provision" in html
    assert "mine kept" in html and "saved meanwhile" in html
    stored = Provision.objects.get(pk=provision.pk)
    assert (stored.text, stored.revision) == ("saved meanwhile", 2)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_autocomplete_pages_never_miss_or_repeat_a_row(editor_client, model, settings):
    """The autocomplete paginates the admin's queryset: it must be ordered (some add counts,
    and a grouped query loses the model's default ordering), and its pages must together hold
    every row once."""
    from django.contrib import admin

    model_admin = admin.site._registry[model]
    request = type("Request", (), {"user": None})()
    assert model_admin.get_queryset(request).ordered, model.__name__
    if model is not Provision:
        return
    plan = PlanFactory()
    for number in range(1, 45):  # more than two pages of 20, listed against their numbers
        ProvisionFactory(plan=plan, number=number, position=45 - number)
    seen = []
    url = reverse("admin:autocomplete")
    for page in (1, 2, 3):
        response = editor_client.get(
            url,
            {
                "term": "",
                "app_label": "provisions",
                "model_name": "assessment",
                "field_name": "provision",
                "page": page,
            },
        )
        assert response.status_code == 200
        seen += [item["id"] for item in response.json()["results"]]
    assert sorted(seen) == sorted(str(pk) for pk in Provision.objects.values_list("pk", flat=True))


def test_a_search_term_differing_only_in_case_is_a_form_error(editor_client):
    SearchTermFactory(word="qa-army")
    response = editor_client.post(
        reverse("admin:provisions_searchterm_add"), {"word": " QA-ARMY ", "finds": "troops"}
    )
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors["word"])
    assert SearchTerm.objects.filter(word__iexact="qa-army").count() == 1


def test_a_new_search_term_is_kept_in_lower_case(editor_client):
    response = editor_client.post(
        reverse("admin:provisions_searchterm_add"), {"word": " Bayonets ", "finds": "troops"}
    )
    assert response.status_code == 302
    assert SearchTerm.objects.filter(word__iexact="bayonets").get().word == "bayonets"


@pytest.mark.parametrize("both", [False, True])
def test_a_citation_the_admin_refuses_says_why_once_in_words(editor_client, both):
    existing = CitationFactory()
    data = {"source": existing.source_id, "provision": existing.provision_id, "locator": "p. 2"}
    if both:
        data["plan"] = existing.provision.plan_id
    response = editor_client.post(reverse("admin:provisions_citation_add"), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    messages = [message for errors in form.errors.values() for message in errors]
    assert len(messages) == 1 and "Constraint" not in messages[0], messages
