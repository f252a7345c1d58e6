"""A reading is the source's own words, in its language; our translation is marked as ours;
word diffs are made only within one language (issue 13, part 1)."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from provisions import diffing
from provisions.models import Citation
from tests.factories import CitationFactory, ProvisionFactory, SourceFactory, api_as

pytestmark = pytest.mark.django_db

UKRAINIAN = "Збройні сили України обмежуються 600 тисячами"


@pytest.fixture
def provision():
    return ProvisionFactory(text="Ukraine's armed forces are limited to 600,000 personnel.")


def test_an_english_reading_is_compared_with_our_restatement(client, provision):
    CitationFactory(
        provision=provision,
        reading="The armed forces will be reduced to 600,000.",
        reading_language="en",
    )
    html = client.get(provision.get_absolute_url()).content.decode()
    readings = html[html.index('id="readings"') : html.index('id="sources"')]
    rows = readings[readings.index("<tbody>") :]
    assert "<ins" in rows and "<del" in rows
    assert "In the source's words (en)" in rows


def test_a_reading_in_another_language_is_never_diffed_against_english(
    client, provision, monkeypatch
):
    CitationFactory(
        provision=provision,
        reading=UKRAINIAN,
        reading_language="uk",
        reading_translation="Ukraine's armed forces are limited to 600 thousand.",
    )
    compared = []
    word_diff = diffing.word_diff
    monkeypatch.setattr(
        diffing, "word_diff", lambda old, new, **kw: compared.append(new) or word_diff(old, new)
    )
    html = client.get(provision.get_absolute_url()).content.decode()
    assert UKRAINIAN not in compared  # the test fails the day a reading is diffed across languages
    readings = html[html.index('id="readings"') : html.index('id="sources"')]
    rows = readings[readings.index("<tbody>") :]
    assert "<ins" not in rows and "<del" not in rows
    assert 'lang="uk"' in rows and UKRAINIAN in rows
    assert "Our translation</strong> (the tracker's, not the source's)" in rows


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reading": "words"}, "reading_language"),
        ({"reading_translation": "ours"}, "reading_translation"),
        ({"reading": "words", "reading_language": "en", "reading_translation": "x"},
         "reading_translation"),
        ({"reading": "words", "reading_language": "Ukrainian"}, "reading_language"),
    ],
)  # fmt: skip
def test_a_reading_says_its_language_and_a_translation_needs_a_foreign_reading(
    provision, fields, field
):
    citation = Citation(source=SourceFactory(), provision=provision, **fields)
    with pytest.raises(ValidationError) as refused:
        citation.full_clean()
    assert field in refused.value.message_dict


def test_the_api_marks_our_translation_as_ours_in_every_response(provision, editor):
    client = api_as(editor)
    response = client.post(
        "/api/citations/",
        {
            "source": SourceFactory().pk,
            "provision": provision.pk,
            "plan": None,
            "reading": UKRAINIAN,
            "reading_language": "uk",
            "reading_translation": "Limited to 600 thousand.",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["reading_translated_by"] == "tracker"
    detail = client.get(f"/api/provisions/{provision.pk}/").json()
    assert [c["reading_translated_by"] for c in detail["citations"]] == ["tracker"]
    missing = client.post(
        "/api/citations/",
        {"source": SourceFactory().pk, "provision": provision.pk, "plan": None, "reading": "w"},
        format="json",
    )
    assert missing.status_code == 400 and "reading_language" in missing.json()


def test_the_migration_moves_a_description_into_the_note_with_history(provision):
    migration = importlib.import_module("provisions.migrations.0007_citation_reading_language")
    citation = CitationFactory(
        provision=provision, reading="Army cut 'by half'.", note="Pre-leak report."
    )
    migration.readings_to_notes(apps, None)
    citation.refresh_from_db()
    assert citation.reading == ""
    assert citation.note == "Variant, in our words (not the source's): Army cut 'by half'. " + (
        "Pre-leak report."
    )
    assert citation.revision == 2
    moved = citation.history.filter(history_change_reason=migration.REASON)
    assert [record.note for record in moved] == [citation.note]
