"""The curated dataset in fixtures/: it loads, round-trips, and keeps its invariants.

This is the one test module that loads fixtures/: its subject is the dataset itself.
"""

import io
import json
import shutil

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import Count, Q
from django.urls import reverse

from provisions import dataset as dataset_module
from provisions import flows, origins, queries
from provisions.corrections import apply_corrections, correction_paths
from provisions.models import (
    Assessment,
    Citation,
    Correspondence,
    Plan,
    Provision,
    Source,
    VariantMemo,
)

pytestmark = pytest.mark.django_db

PLAN_28 = "us-russia-28-2025-11"
# a release is a frozen copy of the dataset, and the search terms are the site's settings
# not rows of the dataset: releases, the search terms, and what is worked out from the readings
NOT_DATASET = {
    apps.get_model("provisions", name) for name in ("Release", "SearchTerm", "VariantMemo")
}
DATASET_MODELS = [
    f"provisions.{model.__name__}"
    for model in apps.get_app_config("provisions").get_models()
    if not model.__name__.startswith("Historical") and model not in NOT_DATASET
]


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    """The dataset, loaded once for this module; each test's own changes are rolled back."""
    with django_db_blocker.unblock():
        call_command("load_dataset", verbosity=0)
    yield
    with django_db_blocker.unblock():
        Plan.objects.update(based_on=None)  # based_on protects plans from deletion
        for label in reversed(DATASET_MODELS):
            apps.get_model(label).objects.all().delete()
        VariantMemo.objects.all().delete()
        for model in apps.get_app_config("provisions").get_models():
            if model.__name__.startswith("Historical"):
                model.objects.all().delete()


def dump() -> list[dict]:
    out = io.StringIO()
    call_command(
        "dumpdata",
        *DATASET_MODELS,
        natural_foreign=True,
        natural_primary=True,
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_loading_twice_changes_nothing(dataset):
    first = dump()
    call_command("load_dataset", verbosity=0)
    assert dump() == first
    assert len(first) > 100


def test_every_loaded_row_has_one_history_record_saying_where_it_came_from(dataset):
    call_command("load_dataset", verbosity=0)  # a second load adds no record
    for label in DATASET_MODELS:
        model = apps.get_model(label)
        assert model.history.count() == model.objects.count(), label
        assert set(model.history.values_list("history_type", flat=True)) == {"+"}, label
    record = Provision.objects.get_by_natural_key(PLAN_28, "6").history.get()
    assert record.history_change_reason == "Loaded from fixtures/provisions.json"
    assert "600,000" in record.text
    assert {t.theme.slug for t in record.themes.all()} == {"armed-forces"}


def test_the_files_hold_every_field_of_the_data_and_no_bookkeeping(dataset):
    """Only one install's bookkeeping stays out of the files: a source's author (a byline) is
    data; who made an assessment (a login) is not."""
    assert Source.objects.get(author="Martin Kragh")
    for label in DATASET_MODELS:
        model = apps.get_model(label)
        held = set(dataset_module.file_fields(model))
        for field in model._meta.concrete_fields + model._meta.many_to_many:
            bookkeeping = field.name in {"id", "revision", "modified_at"}
            login = field.is_relation and field.related_model.__name__ == "User"
            assert (field.name in held) != (bookkeeping or login), (label, field.name)


def test_a_snapshot_of_the_loaded_dataset_is_byte_identical_to_the_files(dataset, tmp_path):
    """fixtures/ -> database -> fixtures/ is the identity (the files are kept in the form a
    snapshot writes)."""
    copy = tmp_path / "fixtures"
    shutil.copytree(dataset_module.FIXTURE_DIR, copy)
    call_command("snapshot_dataset", dir=copy, stdout=io.StringIO())
    for path in dataset_module.fixture_paths():
        assert (copy / path.name).read_bytes() == path.read_bytes(), path.name
    assert sorted(p.name for p in copy.iterdir()) == sorted(
        p.name for p in dataset_module.FIXTURE_DIR.iterdir()
    )


def test_natural_key_dump_and_load_round_trip(dataset, tmp_path):
    before = dump()
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(before))
    Plan.objects.update(based_on=None)  # based_on protects plans from deletion
    for label in reversed(DATASET_MODELS):
        apps.get_model(label).objects.all().delete()
    assert not Provision.objects.exists()
    call_command("loaddata", str(path), verbosity=0)
    assert dump() == before


def test_the_28_point_plan_has_every_point(dataset):
    plan = Plan.objects.get(slug=PLAN_28)
    numbers = set(plan.provisions.values_list("number", flat=True))
    assert numbers == set(range(1, 29))
    labels = [p.label for p in plan.provisions.order_by("position")]
    assert len(labels) == len(set(labels))
    subs = {
        n: "".join(plan.provisions.filter(number=n).exclude(sub="").values_list("sub", flat=True))
        for n in (10, 12, 13, 20, 21, 24)
    }
    assert subs == {10: "abcd", 12: "abcdef", 13: "abc", 20: "abc", 21: "abcd", 24: "abcd"}


@pytest.mark.parametrize(
    ("slug", "count"),
    [
        ("us-russia-28-2025-11", "28"),
        ("us-ukraine-20-2025-12", "20"),
        ("ua-hr-ngos-10-2025-08", "Ten"),
    ],
)
def test_complete_versions_have_as_many_points_as_their_name_says(dataset, slug, count):
    plan = Plan.objects.get(slug=slug)
    assert plan.short_name.startswith(count)
    count = {"Ten": 10}.get(count) or int(count)
    assert set(plan.provisions.values_list("number", flat=True)) == set(range(1, count + 1))


@pytest.mark.parametrize(
    ("slug", "size", "missing"),
    [
        ("e3-reuters-2025-11", 28, "deleted"),  # keeps the 28 slots; deletions are in the note
        ("eu-telegraph-24-2025-11", 24, "not retrieved"),
    ],
)
def test_incomplete_versions_stay_within_their_numbering_and_say_what_is_missing(
    dataset, slug, size, missing
):
    plan = Plan.objects.get(slug=slug)
    assert set(plan.provisions.values_list("number", flat=True)) <= set(range(1, size + 1))
    assert plan.completeness != Plan.Completeness.FULL_TEXT
    assert missing in plan.note


def test_versions_follow_the_lineage_28_19_20(dataset):
    twenty = Plan.objects.get(slug="us-ukraine-20-2025-12")
    assert twenty.based_on.slug == "us-ukraine-19-2025-11"
    assert twenty.based_on.based_on.slug == PLAN_28
    assert Plan.objects.get(slug="e3-reuters-2025-11").based_on.slug == PLAN_28


def test_unnumbered_documents_have_no_official_looking_numbers(dataset):
    nineteen = Plan.objects.get(slug="us-ukraine-19-2025-11")
    assert nineteen.numbered is False
    assert nineteen.completeness == Plan.Completeness.REPORTED_ONLY
    assert {p.display_label for p in nineteen.provisions.all()} == {f"K{n}" for n in range(1, 11)}


def test_the_seeds_arguments_are_recorded_as_assessments(dataset):
    point_5 = Provision.objects.get_by_natural_key(PLAN_28, "5")
    kragh = point_5.assessments.get(tag__slug="internal-contradiction")
    assert kragh.source.code == "SD1" and "point 8" in kragh.rationale
    law = Assessment.objects.filter(tag__slug="contradicts-international-law", source__code="SD1")
    assert any("Helsinki" in a.rationale or "UN Charter" in a.rationale for a in law)
    assert Assessment.objects.filter(source__code="SD3", rationale__icontains="Budapest").exists()
    assert Assessment.objects.filter(source__code="SD2").exists()


def test_the_coverage_report_prints_every_version(dataset):
    out = io.StringIO()
    call_command("dataset_report", stdout=out)
    report = out.getvalue()
    for slug in Plan.objects.values_list("slug", flat=True):
        assert slug in report
    assert f"versions: {Plan.objects.count()}" in report


def test_reading_order_is_the_numbering_order(dataset):
    for plan in Plan.objects.all():
        ordered = list(plan.provisions.order_by("position"))
        assert ordered == sorted(ordered, key=lambda p: (p.number, p.sub)), plan.slug


def test_every_provision_has_a_citation_and_a_theme(dataset):
    uncited = Provision.objects.annotate(n=Count("citations")).filter(n=0)
    unthemed = Provision.objects.annotate(n=Count("themes")).filter(n=0)
    assert [str(p) for p in uncited] == []
    assert [str(p) for p in unthemed] == []


def test_verbatim_text_is_always_a_cited_quotation(dataset):
    for provision in Provision.objects.filter(wording=Provision.Wording.VERBATIM):
        assert provision.citations.exclude(excerpt="").exists(), provision


def test_a_state_aligned_aggregator_is_never_the_only_source_unless_said(dataset):
    only_state_aligned = (
        Provision.objects.annotate(
            others=Count("citations", filter=~Q(citations__source__reliability="state_aligned"))
        )
        .filter(others=0)
        .exclude(note__icontains="state-aligned")
    )
    assert [str(p) for p in only_state_aligned] == []


def test_every_source_has_an_address_and_a_date(dataset):
    for source in Source.objects.all():
        assert source.url.startswith(("https://", "http://")), source
        assert source.published_on is not None, source
        assert source.publisher and source.title and source.language, source


def test_every_source_code_named_in_a_note_exists(dataset):
    import re

    codes = set(Source.objects.values_list("code", flat=True))
    notes = [p.note for p in Provision.objects.all()] + [p.note for p in Plan.objects.all()]
    notes += [c.note for c in Citation.objects.all()]
    notes += [c.note for c in Correspondence.objects.all()]
    notes += [a.rationale for a in Assessment.objects.all()]
    # K-codes are left out: "K3" is also how unnumbered points are labelled. B92 is an outlet.
    # N26-07: the 2026 update's codes carry the year
    named = set(re.findall(r"\b([A-JL-Z]\d{2}(?:-\d{2})?b?|SD\d)\b", " ".join(notes))) - {"B92"}
    assert named, "no codes found: the pattern is wrong and the test would pass vacuously"
    assert named <= codes, sorted(named - codes)


def test_every_source_is_used(dataset):
    used = Count("citations") + Count("assessments") + Count("positions")
    unused = Source.objects.annotate(n=used).filter(n=0)
    assert [str(s) for s in unused] == []


def test_the_dataset_has_no_structural_fault(dataset):
    """manage.py check_dataset: what an audit found by hand cannot come back unnoticed."""
    call_command("check_dataset", stdout=io.StringIO())


def test_the_files_already_hold_every_reviewed_correction(dataset):
    """fixtures/corrections/ reach installs that hold older data; a new install gets the
    corrected files, so applying them again finds every entry already so."""
    report = apply_corrections(correction_paths())
    assert report.already and not report.applied
    assert report.conflicts == [] and report.missing == []


def test_what_the_december_2026_audit_found_stays_fixed(dataset):
    point = Provision.objects.get_by_natural_key
    assert point(PLAN_28, "23").text.startswith("Russia will not obstruct")  # not "Ukraine may"
    assert "consider any complaints" in point(PLAN_28, "26").text
    assert not point(PLAN_28, "20c").text.startswith("Both sides")
    assert not Assessment.objects.filter(
        provision=point(PLAN_28, "14"), tag__slug="contradicts-international-law"
    ).exists()
    assert Plan.objects.get(slug="trilateral-talks-2026").status != Plan.Status.AGREED_TEXT
    # a pre-leak report is a reading of the early terms, not of the leaked text
    assert not Citation.objects.filter(
        provision__plan__slug=PLAN_28, locator__icontains="pre-leak"
    ).exists()
    # points presumed from the US text: no cited source gives their numbers
    presumed = [15, 16, 17, 18, 20, 22, 23, 24, 25, 27, 28]
    e3 = Provision.objects.filter(plan__slug="e3-reuters-2025-11", number__in=presumed)
    assert e3.count() == len(presumed) and not e3.filter(label_confirmed=True).exists()


@pytest.mark.parametrize(
    "slug",
    [
        "ua-eu-us-ceasefire-enforcement-2026-02",
        "us-ua-sequencing-2026-02",
        "us-donbas-dmz-joint-admin-2026-02",
        "ru-draft-memorandum-terms-2026-02",
        "eu-ua-accession-options-2026-02",
        "ua-open-letter-putin-2026-06",
    ],
)
def test_the_2026_documents_are_reported_only_sourced_and_linked(dataset, slug):
    plan = Plan.objects.get(slug=slug)
    assert plan.completeness == Plan.Completeness.REPORTED_ONLY
    assert plan.status != Plan.Status.AGREED_TEXT
    provisions = plan.provisions.all()
    assert provisions and all(p.citations.exists() for p in provisions)
    assert Correspondence.objects.filter(later__plan=plan).exists()


def test_the_coverage_reaches_june_2026_and_says_what_is_missing(dataset):
    from provisions.models import Coverage

    coverage = Coverage.objects.current()
    assert str(coverage.material_until) == "2026-06-17"
    assert coverage.reviewed_on and "after 17 June 2026" in coverage.note


def test_the_seeds_are_sources(dataset):
    assert Source.objects.filter(reliability=Source.Reliability.SEED).count() == 3


def test_variants_are_described_in_notes_marked_as_ours(dataset):
    """Where sources differ, the difference is described in the citation's note, marked as our
    words; a reading is only ever a source's own words, with its language."""
    point_9 = Provision.objects.get_by_natural_key(PLAN_28, "9")
    described = point_9.citations.filter(note__startswith="Variant, in our words")
    assert described.count() >= 2
    assert any("troops" in c.note for c in described)
    assert Citation.objects.filter(note__startswith="Variant, in our words").count() >= 10
    assert not Citation.objects.exclude(reading="").filter(reading_language="").exists()


def test_every_correspondence_joins_two_plans_in_date_order(dataset):
    for link in Correspondence.objects.select_related("earlier__plan", "later__plan"):
        assert link.earlier.plan_id != link.later.plan_id, link
        assert link.earlier.plan.presented_on <= link.later.plan.presented_on, link


@pytest.mark.parametrize(
    ("label", "fact"),
    [
        ("6", "600,000"),
        ("14", "$100 billion"),
        ("19", "Zaporizhzhia"),
        ("25", "100 days"),
        ("21a", "de facto"),
        ("3", "expect"),
    ],
)
def test_spot_facts_from_the_dossier_are_in_the_right_points(dataset, label, fact):
    assert fact in Provision.objects.get_by_natural_key(PLAN_28, label).text


def test_the_20_point_troop_ceiling_is_800000_in_peacetime_linked_to_the_600000_cap(dataset):
    point_4 = Provision.objects.get_by_natural_key("us-ukraine-20-2025-12", "4")
    assert "800,000" in point_4.text and "peacetime" in point_4.text
    link = Correspondence.objects.get(
        earlier=Provision.objects.get_by_natural_key(PLAN_28, "6"), later=point_4
    )
    assert link.relation == "modified" and "800,000" in link.note


def test_the_20_point_800000_was_first_written_in_the_e3_text(dataset):
    """Phrase origins on the real lineage: the E3 counter-proposal, which answered the 28-point
    plan beside the 19-point framework, is the first text with the 800,000 ceiling."""
    point_4 = Provision.objects.get_by_natural_key("us-ukraine-20-2025-12", "4")
    e3_6 = Provision.objects.get_by_natural_key("e3-reuters-2025-11", "6")
    found = origins.phrase_origins([point_4.pk])[point_4.pk]
    number = next(p for p in found.phrases if "800,000" in p.text)
    assert number.origin == e3_6.pk
    assert found.written[e3_6.pk].plan_name == "E3 counter-proposal"
    assert "".join(p.text for p in found.phrases) == point_4.text


def test_the_flow_from_28_to_20_draws_every_confirmed_row(dataset):
    plans = [Plan.objects.get(slug=PLAN_28), Plan.objects.get(slug="us-ukraine-20-2025-12")]
    picture = flows.flow(plans)
    rows = queries.comparison(*plans).rows
    left = {p.id for r in rows for p in r.left}
    right = {p.id for r in rows for p in r.right}
    assert len(picture.nodes) == len(left) + len(right)
    linked = [r for r in rows if r.left and r.right]
    assert len(picture.bands) == sum(len(r.left) * len(r.right) for r in linked)
    assert any(b.style.label == "modified" for b in picture.bands)


def test_home_and_plan_pages_show_the_28_points(dataset, client):
    home = client.get(reverse("provisions:plan-list")).content.decode()
    plan = Plan.objects.get(slug=PLAN_28)
    assert plan.get_absolute_url() in home
    response = client.get(plan.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    for number in range(1, 29):
        url = reverse("provisions:provision-detail", args=[PLAN_28, str(number)])
        assert f'href="{url}"' in html, number


def test_every_provision_page_of_the_dataset_renders(dataset, client):
    for provision in Provision.objects.select_related("plan"):
        assert client.get(provision.get_absolute_url()).status_code == 200, provision


def test_the_load_keeps_what_every_point_s_readings_disagree_on(dataset):
    """Collating the readings is done when they are loaded, not by a page's first reader: the
    memos the load wrote are all there are to write, and say what collating again would."""
    from provisions import witnesses

    assert witnesses.remember_variants() == 0
    cache.clear()
    kept = witnesses.variants_by_provision()
    for point, found in witnesses.readings_by_point().items():
        fresh = witnesses.disagreements(found)
        assert kept.get(point, witnesses.Disagreements()) == fresh, point
    assert VariantMemo.objects.exists() and len(kept) > 10


def test_known_disagreements_between_the_witnesses(dataset):
    """The leaks of the 28-point plan differ where analysts said they do: fighter jets or
    troops in Poland (point 9), "is expected to" or "will" (point 3)."""
    from provisions import witnesses

    found = witnesses.variants_by_provision()
    point_9 = Provision.objects.get_by_natural_key(PLAN_28, "9")
    wording = dict(found[point_9.pk].items)["wording"]
    assert "troops" in wording and "fighter jets" in wording
    point_3 = Provision.objects.get_by_natural_key(PLAN_28, "3")
    modal = dict(found[point_3.pk].items)["modal"]
    assert "expected" in modal and "will" in modal
    # no number disagreement: every source of 20-point 4 says 800,000
    point_4 = Provision.objects.get_by_natural_key("us-ukraine-20-2025-12", "4")
    assert "number" not in found.get(point_4.pk, witnesses.Disagreements()).kinds


def test_the_readme_states_what_the_dataset_holds(dataset):
    """The README's figures are those of the files, not of an earlier state of them."""
    from pathlib import Path

    from provisions.models import Position

    readme = " ".join((Path(__file__).parent.parent / "README.md").read_text().split())
    readings = Citation.objects.exclude(reading="")
    stated = {
        "documents": Plan.objects.count(),
        "provisions": Provision.objects.count(),
        "sources": Source.objects.count(),
        "citations": Citation.objects.count(),
        "of them with a reading": readings.count(),
        "in another language": readings.exclude(reading_language="en").count(),
        "links between versions": Correspondence.objects.count(),
        "assessments": Assessment.objects.count(),
        "positions of the parties": Position.objects.count(),
    }
    for words, count in stated.items():
        assert f"{count:,} {words}" in readme, (words, count)
