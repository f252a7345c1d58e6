"""A release's Frictionless data package (provisions.package): valid, complete, byte-identical
when written again, and faithful to the frozen rows down to the last quote and newline."""

import csv
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import override_settings
from frictionless import validate

from provisions import dataset, package, releases
from provisions.models import Plan, Provision, Release
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    CorrespondenceFactory,
    PartyFactory,
    PlanFactory,
    PositionFactory,
    ProvisionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

DATASET_MODELS = [
    model
    for model in apps.get_app_config("provisions").get_models()
    if not model.__name__.startswith("Historical")
]
HOSTILE = 'Troops, "withdrawn"; then\nlines,\r\nand <script>alert("x")</script> — 10c, ÿ'


@pytest.fixture(scope="module")
def real(django_db_setup, django_db_blocker, tmp_path_factory):
    """The real dataset in fixtures/, published as release 1 and packaged once for this module."""
    directory = tmp_path_factory.mktemp("releases")
    with django_db_blocker.unblock(), override_settings(RELEASE_DIR=directory):
        call_command("load_dataset", verbosity=0)
        release = releases.publish(1, "The first release.")
        path = releases.package_file(release)
    yield release, path
    with django_db_blocker.unblock():
        Plan.objects.update(based_on=None)  # based_on protects plans from deletion
        for model in reversed(DATASET_MODELS):
            model.objects.all().delete()
        for model in apps.get_app_config("provisions").get_models():
            if model.__name__.startswith("Historical"):  # load_dataset's records of the load
                model.objects.all().delete()


def unpack(path, into) -> dict:
    """The package's files, extracted into `into`; returns the descriptor."""
    with zipfile.ZipFile(path) as archive:
        archive.extractall(into)
    return json.loads((into / "datapackage.json").read_text(encoding="utf-8"))


def assert_valid(path):
    """Frictionless reads the zip as it is downloaded, and checks types, constraints, sizes,
    hashes and every foreign key."""
    report = validate(str(path))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])


def table(path, name: str) -> list[dict]:
    with zipfile.ZipFile(path) as archive:
        text = archive.read(f"data/{name}.csv").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


# --- the real dataset ------------------------------------------------------------------------


def test_the_real_dataset_makes_a_valid_package_whose_keys_all_join(real, tmp_path):
    _, path = real
    descriptor = unpack(path, tmp_path)
    assert descriptor["profile"] == "tabular-data-package"
    keys = {r["name"]: r["schema"].get("foreignKeys", []) for r in descriptor["resources"]}
    assert [k["fields"] for k in keys["provision_themes"]] == ["provision_id", "theme_id"]
    assert {"fields": "based_on_id", "reference": {"resource": "", "fields": "id"}} in keys["plans"]
    assert_valid(path)


def test_there_is_a_table_per_group_per_many_to_many_field_and_for_people(real, tmp_path):
    release, path = real
    names = [r["name"] for r in unpack(path, tmp_path)["resources"]]
    many = ["plan_parties", "plan_principal_parties", "provision_themes"]
    assert sorted(names) == sorted([*dataset.GROUPS, *many, "people"])
    assert {name: len(table(path, name)) for name in dataset.GROUPS} == release.counts


def test_every_table_holds_exactly_the_frozen_rows(real):
    release, path = real
    records = releases.records_of(release)
    for group, model in dataset.GROUPS.items():
        frozen = sorted(r["pk"] for r in records if r["model"] == model._meta.label_lower)
        assert [int(row["id"]) for row in table(path, group)] == frozen, group
    points = {r["pk"]: r["fields"] for r in records if r["model"] == "provisions.provision"}
    pairs = sorted((pk, theme) for pk, fields in points.items() for theme in fields["themes"])
    rows = table(path, "provision_themes")
    assert [(int(row["provision_id"]), int(row["theme_id"])) for row in rows] == pairs
    assert len(pairs) >= len(points)  # every point has a theme


def test_descriptions_are_the_models_help_texts(real, tmp_path):
    _, path = real
    descriptor = unpack(path, tmp_path)
    provisions = next(r for r in descriptor["resources"] if r["name"] == "provisions")
    fields = {f["name"]: f for f in provisions["schema"]["fields"]}
    assert fields["position"]["description"] == Provision._meta.get_field("position").help_text
    assert fields["wording"]["constraints"]["enum"] == Provision.Wording.values
    assert fields["plan_id"]["type"] == "integer" and fields["plan_slug"]["description"]
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    position = Provision._meta.get_field("position").help_text
    assert f"| `position` | integer | {position} |" in readme
    assert descriptor["citation"]["bibtex"] in readme


def test_writing_the_package_again_gives_the_same_bytes(real, tmp_path):
    release, path = real
    again = tmp_path / "again.zip"
    package.write(release, again)
    assert again.read_bytes() == path.read_bytes()
    with zipfile.ZipFile(again) as archive:
        names = archive.namelist()
        assert names == sorted(names) and "datapackage.json" in names
        assert {info.date_time for info in archive.infolist()} == {package.ZIP_DATE}


def test_the_readable_keys_name_what_the_ids_name(real):
    _, path = real
    points = Provision.objects.select_related("plan").in_bulk()
    for row in table(path, "provisions"):
        point = points[int(row["id"])]
        assert (row["plan_slug"], row["label"]) == (point.plan.slug, point.label)
    for row in table(path, "correspondences"):
        earlier, later = points[int(row["earlier_id"])], points[int(row["later_id"])]
        assert (row["earlier_plan_slug"], row["earlier_label"]) == (
            earlier.plan.slug,
            earlier.label,
        )
        assert (row["later_plan_slug"], row["later_label"]) == (later.plan.slug, later.label)
    for row in table(path, "positions"):
        assert row["plan_slug"] and row["party_slug"]
        if row["provision_id"]:
            point = points[int(row["provision_id"])]
            assert (row["plan_slug"], row["provision_label"]) == (point.plan.slug, point.label)


# --- built rows ------------------------------------------------------------------------------


@pytest.fixture
def small(settings, tmp_path, django_user_model):
    """A small dataset with every kind of row, a hostile text and an author, released."""
    settings.RELEASE_DIR = tmp_path / "releases"
    plan = PlanFactory(based_on=PlanFactory(), slug="hostile-plan")
    plan.parties.add(PartyFactory())
    plan.principal_parties.add(PartyFactory())
    point = ProvisionFactory(plan=plan, number=10, sub="c", text=HOSTILE, note="")
    point.themes.add(ThemeFactory())
    CitationFactory(provision=point)
    CitationFactory(provision=None, plan=plan)
    author = django_user_model.objects.create_user("someone", first_name="A. Analyst")
    AssessmentFactory(provision=point, author=author)
    CorrespondenceFactory(earlier=ProvisionFactory(), later=point)
    PositionFactory(provision=point)
    PositionFactory(provision=None, plan=plan)
    number = (Release.objects.latest_release().number + 1) if Release.objects.exists() else 1
    release = releases.publish(number, "A small release.")
    return release, releases.package_file(release), point


def test_a_hostile_text_round_trips_exactly(small):
    _, path, point = small
    row = next(row for row in table(path, "provisions") if int(row["id"]) == point.pk)
    assert row["text"] == HOSTILE
    assert (row["plan_slug"], row["label"]) == ("hostile-plan", "10c")
    assert row["note"] == "" and row["label_confirmed"] == "true"
    with zipfile.ZipFile(path) as archive:
        assert b"\r\n" not in archive.read("data/themes.csv")  # records end in \n


def test_a_small_package_with_people_and_every_kind_of_reference_is_valid(small, tmp_path):
    _, path, point = small
    descriptor = unpack(path, tmp_path)
    assert_valid(path)
    assert [row["name"] for row in table(path, "people")] == ["A. Analyst"]
    citations = table(path, "citations")
    on_plan = next(row for row in citations if row["plan_id"] == str(point.plan_id))
    on_point = next(row for row in citations if row["provision_id"] == str(point.pk))
    assert (on_plan["plan_slug"], on_plan["provision_label"]) == ("hostile-plan", "")
    assert (on_point["plan_slug"], on_point["provision_label"]) == ("hostile-plan", "10c")
    plans = {row["slug"]: row for row in table(path, "plans")}
    assert (
        plans["hostile-plan"]["based_on_slug"]
        == Plan.objects.get(slug="hostile-plan").based_on.slug
    )
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert resources["provision_themes"]["schema"]["primaryKey"] == ["provision_id", "theme_id"]
    assert {"fields": "author_id", "reference": {"resource": "people", "fields": "id"}} in (
        resources["assessments"]["schema"]["foreignKeys"]
    )
