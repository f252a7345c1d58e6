"""fixtures/ -> database -> fixtures/: the database is the truth, a load never overwrites it,
and a snapshot writes it back byte for byte (provisions.dataset)."""

import datetime
import io
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisions import dataset, services
from provisions.models import (
    Assessment,
    Citation,
    Correspondence,
    Party,
    Plan,
    Provision,
    Source,
    Tag,
    Theme,
)
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    CorrespondenceFactory,
    PartyFactory,
    PlanFactory,
    ProvisionFactory,
    SourceFactory,
    TagFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [Assessment, Correspondence, Citation, Provision, Plan, Source, Party, Tag, Theme]


def empty_the_database():
    Plan.objects.update(based_on=None)
    for model in MODELS:
        model.objects.all().delete()
        model.history.all().delete()


def a_small_dataset():
    theme, tag, party = (
        ThemeFactory(slug="armed-forces"),
        TagFactory(slug="contested"),
        PartyFactory(),
    )
    plan = PlanFactory(slug="first")
    plan.parties.add(party)
    later = PlanFactory(slug="second", based_on=plan)
    cap = ProvisionFactory(plan=plan, number=6, position=6, text="Forces capped at 600,000.")
    cap.themes.add(theme)
    new_cap = ProvisionFactory(plan=later, number=4, position=4, text="Forces at 800,000.")
    CitationFactory(provision=cap, source=SourceFactory(url="https://a.example/1"))
    CitationFactory(provision=None, plan=plan, source=SourceFactory(url="https://a.example/2"))
    CorrespondenceFactory(earlier=cap, later=new_cap)
    AssessmentFactory(provision=cap, tag=tag)


@pytest.fixture
def files(tmp_path, monkeypatch):
    """A fixtures/ folder written from a small dataset, and an empty database to load it into."""
    a_small_dataset()
    folder = tmp_path / "fixtures"
    folder.mkdir()
    dataset.snapshot(folder)
    empty_the_database()
    monkeypatch.setattr(dataset, "FIXTURE_DIR", folder)
    return folder


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_dataset", *args, stdout=out)
    return out.getvalue()


def test_into_an_empty_database_everything_loads_with_one_history_record_each(files):
    report = load()
    assert "Added 13 row(s)" in report
    point = Provision.objects.get_by_natural_key("first", "6")
    record = point.history.get()
    assert (record.history_type, record.history_change_reason) == (
        "+", "Loaded from fixtures/provisions.json"
    )  # fmt: skip
    assert [t.theme.slug for t in record.themes.all()] == ["armed-forces"]
    assert Plan.objects.get(slug="second").based_on.slug == "first"


def test_a_curated_edit_is_never_overwritten_and_the_difference_is_reported(files, editor):
    load()
    point = Provision.objects.get_by_natural_key("first", "6")
    point.text = "Forces capped at 650,000."
    services.record_save(obj=point, user=editor)
    point.themes.clear()
    report = load()  # as in production, once per release
    point.refresh_from_db()
    assert (point.text, point.revision, point.history.count()) == (
        "Forces capped at 650,000.", 2, 3,  # loaded, edited, themes cleared
    )  # fmt: skip
    assert "Added 0 row(s)" in report
    assert "provision first/6 differs in text, themes" in report
    assert point.themes.count() == 0


def test_a_row_someone_deleted_is_not_brought_back(files, editor):
    load()
    citation = Citation.objects.get(plan__slug="first")
    services.record_delete(obj=citation, revision=citation.revision, user=editor)
    report = load()
    assert not Citation.objects.filter(plan__slug="first").exists()
    assert "were deleted in the database and were not brought back" in report
    assert "citation https://a.example/2/first/" in report


def test_rows_new_in_the_files_are_added_beside_the_curated_ones(files, editor):
    load()
    Theme.objects.filter(slug="armed-forces").update(name="Curated name")
    shutil.copy(files / "themes.json", files / "themes-2026.json")
    (files / "themes-2026.json").write_text(
        '[{"model": "provisions.theme", "fields": {"slug": "elections", "name": "Elections", '
        '"description": ""}}]\n'
    )
    report = load()
    assert "Added 1 row(s): 1 themes" in report
    assert Theme.objects.get(slug="armed-forces").name == "Curated name"
    assert Theme.objects.get(slug="elections").history.get().history_change_reason == (
        "Loaded from fixtures/themes-2026.json"
    )


def test_overwrite_is_for_development_only_and_is_recorded(files, settings):
    load()
    Theme.objects.filter(slug="armed-forces").update(name="Curated name")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        load("--overwrite")
    settings.DEBUG = True
    assert "Overwrote 1 row(s)" in load("--overwrite")
    theme = Theme.objects.get(slug="armed-forces")
    assert theme.name != "Curated name" and theme.revision == 2
    assert "--overwrite" in theme.history.latest().history_change_reason


def test_the_first_edit_of_a_loaded_row_diffs_and_reverts_in_the_admin(
    files, editor_client, editor
):
    load()
    point = Provision.objects.get_by_natural_key("first", "6")
    point.text = "Forces capped at 650,000."
    services.record_save(obj=point, user=editor)
    history = editor_client.get(reverse("admin:provisions_provision_history", args=[point.pk]))
    html = history.content.decode()
    assert "Loaded from fixtures/provisions.json" in html
    assert "600,000" in html and "650,000" in html and "<del" in html and "<ins" in html
    loaded = point.history.earliest()
    url = reverse("admin:provisions_provision_simple_history", args=[point.pk, loaded.history_id])
    form = editor_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "revision"}
    data |= {"plan": point.plan_id, "themes": [t.pk for t in point.themes.all()],
             "label_confirmed": "on", "base_revision": form["base_revision"].value()}  # fmt: skip
    for prefix in ["citations", "assessments", "predecessor_links", "successor_links"]:
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    assert editor_client.post(url, data).status_code == 302
    point.refresh_from_db()
    assert (point.text, point.revision) == ("Forces capped at 600,000.", 3)


# --- load -> snapshot is the identity, for any dataset --------------------------------------

TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40)
SLUG = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)


@st.composite
def datasets(draw):
    themes = [
        Theme(slug=slug, name=draw(TEXT) or "t", description=draw(TEXT))
        for slug in draw(st.lists(SLUG, min_size=1, max_size=3, unique=True))
    ]
    plans = []
    for index, slug in enumerate(draw(st.lists(SLUG, min_size=1, max_size=3, unique=True))):
        plans.append(
            Plan(
                slug=slug,
                title=draw(TEXT) or "p",
                short_name=draw(TEXT)[:80] or "p",
                presented_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=index),
                status="proposal",
                completeness="partial",
                numbered=draw(st.booleans()),
                summary=draw(TEXT),
                note=draw(TEXT),
                withdrawn=draw(st.booleans()),
                withdrawn_reason=draw(TEXT),
            )
        )
    points = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(plans) - 1),
                st.integers(0, 9999),
                st.sampled_from(["", "a", "bc"]),
                TEXT,
                st.lists(st.integers(0, len(themes) - 1), max_size=3),
            ),
            max_size=8,
            unique_by=lambda t: (t[0], t[1], t[2]),
        )
    )
    sources = [
        Source(
            url=f"https://s.example/{index}",
            publisher=draw(TEXT) or "p",
            title=draw(TEXT) or "t",
            author=draw(TEXT),
            published_on=datetime.date(2025, 11, 1),
            language="en",
            coverage="summary",
            reliability=draw(st.sampled_from(["press", "primary", "wire"])),
            note=draw(TEXT),
        )
        for index in range(draw(st.integers(0, 3)))
    ]
    return themes, plans, points, sources


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=datasets())
def test_load_then_snapshot_is_the_identity(tmp_path_factory, data):
    empty_the_database()
    themes, plans, points, sources = data
    Source.objects.bulk_create(sources)
    Theme.objects.bulk_create(themes)
    Plan.objects.bulk_create(plans)
    saved_themes, saved_plans = (
        list(Theme.objects.order_by("pk")),
        list(Plan.objects.order_by("pk")),
    )
    for position, (plan, number, sub, text, filed) in enumerate(points):
        point = Provision.objects.create(
            plan=saved_plans[plan], number=number, sub=sub, position=position, text=text
        )
        point.themes.set([saved_themes[i] for i in filed])
    first = tmp_path_factory.mktemp("first")
    dataset.snapshot(first)
    empty_the_database()
    dataset.load(dataset.fixture_paths(first))
    second = tmp_path_factory.mktemp("second")
    for path in first.iterdir():
        shutil.copy(path, second / path.name)  # the same layout, to be overwritten
    dataset.snapshot(second)
    for path in first.iterdir():
        assert (second / path.name).read_bytes() == path.read_bytes(), path.name
