"""Each structural check of `check_dataset` finds its fault, and only it
(provisions.dataset_checks)."""

import pytest
from django.core.management import CommandError, call_command

from provisions.dataset_checks import find_faults
from provisions.models import Citation, Plan, Source
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    PlanFactory,
    ProvisionFactory,
    SourceFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def kinds() -> list[str]:
    return [fault.kind for fault in find_faults()]


@pytest.fixture
def point():
    return ProvisionFactory(label_confirmed=False, note="")


def test_a_clean_point_has_no_fault(point):
    CitationFactory(provision=point, locator="point 3")
    assert kinds() == []
    call_command("check_dataset")


def test_a_reading_without_language_and_an_unmarked_translation(point):
    citation = CitationFactory(provision=point, reading="words")
    assert kinds() == ["reading-language"]
    Citation.objects.filter(pk=citation.pk).update(
        reading_language="en", reading_translation="ours"
    )
    assert kinds() == ["translation-unmarked"]
    with pytest.raises(CommandError, match="1 fault"):
        call_command("check_dataset")


def test_state_aligned_notes_must_match_the_sources(point):
    state = SourceFactory(reliability=Source.Reliability.STATE_ALIGNED)
    CitationFactory(provision=point, source=state)
    assert kinds() == ["state-aligned-note-missing"]
    point.note = "Only attested in state-aligned outlets (unconfirmed)."
    point.save()
    assert kinds() == []
    CitationFactory(provision=point, source=SourceFactory(reliability=Source.Reliability.WIRE))
    assert kinds() == ["state-aligned-note-wrong"]


def test_a_confirmed_label_needs_a_locator_that_finds_the_point(point):
    point.label_confirmed = True
    point.save()
    citation = CitationFactory(provision=point, locator="point 15 (not in retrieved excerpt)")
    assert kinds() == ["label-unsupported"]
    citation.locator = "point 15"
    citation.save()
    assert kinds() == []


def test_a_law_tag_names_an_instrument(point):
    tag = TagFactory(slug="contradicts-international-law")
    assessment = AssessmentFactory(provision=point, tag=tag, rationale="It is unlawful.")
    assert kinds() == ["law-tag-no-instrument"]
    assessment.rationale = "It breaches Article 2(4) of the UN Charter, in the team's reading."
    assessment.save()
    assert kinds() == []


def test_an_agreed_text_needs_a_source_saying_so():
    plan = PlanFactory(status=Plan.Status.AGREED_TEXT)
    assert kinds() == ["agreement-unsourced"]
    CitationFactory(plan=plan, provision=None, note="Both delegations signed it on 5 Feb.")
    assert kinds() == []
