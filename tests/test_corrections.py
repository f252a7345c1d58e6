"""Reviewed corrections reach a living database with history, and never over an edit made
since they were written (provisions.corrections)."""

import json

import pytest

from provisions.corrections import apply_corrections
from provisions.models import Assessment, Provision
from tests.factories import AssessmentFactory, PlanFactory, ProvisionFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def point():
    plan = PlanFactory(slug="us-russia-28-2025-11")
    return ProvisionFactory(plan=plan, number=23, text="Ukraine may use the Dnipro.")


def write(tmp_path, entries):
    path = tmp_path / "corrections.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return [path]


def fix_23(point, new="Russia will not obstruct Ukraine's use of the Dnipro."):
    return {
        "model": "provisions.provision",
        "key": [point.plan.slug, "23"],
        "from": {"text": "Ukraine may use the Dnipro."},
        "to": {"text": new, "label_confirmed": False},
        "reason": "audit 2026-12 provisions #14: the obligation is Russia's",
    }


def test_a_correction_is_applied_once_with_its_reason_in_history(point, tmp_path):
    paths = write(tmp_path, [fix_23(point)])
    report = apply_corrections(paths)
    assert len(report.applied) == 1
    point.refresh_from_db()
    assert point.text.startswith("Russia will not obstruct") and not point.label_confirmed
    assert point.revision == 2
    assert point.history.latest().history_change_reason.startswith("audit 2026-12")
    again = apply_corrections(paths)
    assert (len(again.applied), len(again.already)) == (0, 1)
    assert Provision.objects.get(pk=point.pk).revision == 2


def test_a_row_changed_since_is_a_conflict_and_is_left_alone(point, tmp_path):
    point.text = "An editor's own rewording."
    point.save()
    report = apply_corrections(write(tmp_path, [fix_23(point)]))
    assert len(report.conflicts) == 1 and not report.applied
    point.refresh_from_db()
    assert point.text == "An editor's own rewording."


def test_a_deletion_keeps_the_row_in_history(point, tmp_path):
    tag = TagFactory(slug="contradicts-international-law")
    assessment = AssessmentFactory(provision=point, tag=tag, rationale="Unsupported.")
    entry = {
        "model": "provisions.assessment",
        "key": [point.plan.slug, "23", tag.slug],
        "delete": True,
        "from": {"rationale": "Unsupported."},
        "reason": "audit 2026-12 assessments #8: the source makes no legal claim",
    }
    paths = write(tmp_path, [entry])
    assert len(apply_corrections(paths).applied) == 1
    assert not Assessment.objects.filter(pk=assessment.pk).exists()
    gone = Assessment.history.filter(id=assessment.pk).latest()
    assert gone.history_type == "-" and gone.history_change_reason.startswith("audit 2026-12")
    assert len(apply_corrections(paths).already) == 1


def test_one_refused_entry_leaves_the_others(point, tmp_path):
    missing = {**fix_23(point), "key": ["no-such-plan", "1"]}
    invalid = {**fix_23(point), "to": {"text": ""}}  # a provision needs its text
    report = apply_corrections(write(tmp_path, [missing, invalid, fix_23(point)]))
    assert len(report.missing) == 1 and len(report.conflicts) == 1 and len(report.applied) == 1
