"""Each invariant of the data model is enforced: a test tries to break it and is refused."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from provisions.models import Citation, Correspondence, Provision, SearchTerm, Source, split_label
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    CorrespondenceFactory,
    PlanFactory,
    ProvisionFactory,
    SourceFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def refused(callable_):
    """True when the database refuses the write (and leaves the transaction usable)."""
    try:
        with transaction.atomic():
            callable_()
    except IntegrityError:
        return True
    return False


def test_label_joins_number_and_sub_letter():
    assert ProvisionFactory(number=10, sub="c").label == "10c"
    assert ProvisionFactory(number=7, sub="").label == "7"


@pytest.mark.parametrize("label", ["", "c10", "10C", "10-c", "10abc", "1 0", "99999", "01"])
def test_split_label_rejects_what_is_not_a_label(label):
    with pytest.raises(ValueError):
        split_label(label)


def test_two_provisions_of_one_plan_cannot_share_a_label():
    provision = ProvisionFactory(number=4, sub="a")
    assert refused(lambda: ProvisionFactory(plan=provision.plan, number=4, sub="a"))
    # the same label in another plan is fine
    ProvisionFactory(number=4, sub="a")


def test_sub_letter_must_be_lower_case_letters():
    provision = ProvisionFactory.build(plan=PlanFactory(), sub="A1", position=1)
    with pytest.raises(ValidationError) as error:
        provision.full_clean()
    assert "sub" in error.value.message_dict


def test_citation_must_cite_exactly_one_of_plan_and_provision():
    provision = ProvisionFactory()
    source = SourceFactory()
    assert refused(lambda: Citation.objects.create(source=source))
    assert refused(
        lambda: Citation.objects.create(source=source, plan=provision.plan, provision=provision)
    )
    with pytest.raises(ValidationError):
        Citation(source=source, plan=provision.plan, provision=provision).full_clean()
    Citation.objects.create(source=source, plan=provision.plan)
    Citation.objects.create(source=source, provision=provision)


def test_a_source_cites_a_provision_once():
    citation = CitationFactory()
    assert refused(
        lambda: Citation.objects.create(source=citation.source, provision=citation.provision)
    )


def test_a_source_cites_a_plan_once():
    plan = PlanFactory()
    source = SourceFactory()
    Citation.objects.create(source=source, plan=plan)
    assert refused(lambda: Citation.objects.create(source=source, plan=plan))


def test_a_tag_is_put_on_a_provision_once():
    assessment = AssessmentFactory()
    assert refused(lambda: AssessmentFactory(provision=assessment.provision, tag=assessment.tag))
    AssessmentFactory(provision=assessment.provision, tag=TagFactory())


def test_a_correspondence_cannot_link_a_provision_to_itself():
    provision = ProvisionFactory()
    assert refused(lambda: CorrespondenceFactory(earlier=provision, later=provision))


def test_a_correspondence_is_recorded_once_per_pair():
    link = CorrespondenceFactory()
    assert refused(lambda: CorrespondenceFactory(earlier=link.earlier, later=link.later))


def test_a_correspondence_within_one_plan_is_invalid():
    earlier = ProvisionFactory()
    later = ProvisionFactory(plan=earlier.plan)
    link = Correspondence(earlier=earlier, later=later, relation="modified")
    with pytest.raises(ValidationError, match="two different versions"):
        link.full_clean()


def test_a_plan_cannot_be_based_on_itself():
    plan = PlanFactory()
    plan.based_on = plan
    with pytest.raises(ValidationError):
        plan.full_clean()
    assert refused(lambda: plan.save())


def test_source_urls_are_unique():
    source = SourceFactory()
    assert refused(lambda: SourceFactory(url=source.url))


def test_source_codes_are_unique_when_given():
    SourceFactory(code="A02")
    assert refused(lambda: SourceFactory(code="A02"))
    SourceFactory(code="")
    SourceFactory(code="")


def test_revision_cannot_be_zero():
    provision = ProvisionFactory()
    assert refused(lambda: Provision.objects.filter(pk=provision.pk).update(revision=0))


def test_natural_keys_find_the_same_rows():
    citation = CitationFactory(provision=ProvisionFactory(number=21, sub="d"))
    provision = citation.provision
    assert Provision.objects.get_by_natural_key(*provision.natural_key()) == provision
    assert provision.natural_key() == (provision.plan.slug, "21d")
    assert Source.objects.get_by_natural_key(*citation.source.natural_key()) == citation.source
    assert Citation.objects.get_by_natural_key(*citation.natural_key()) == citation
    plan_citation = CitationFactory(provision=None, plan=provision.plan)
    assert Citation.objects.get_by_natural_key(*plan_citation.natural_key()) == plan_citation
    link = CorrespondenceFactory(earlier=provision)
    assert Correspondence.objects.get_by_natural_key(*link.natural_key()) == link
    assessment = AssessmentFactory(provision=provision)
    assert type(assessment).objects.get_by_natural_key(*assessment.natural_key()) == assessment


def test_unknown_natural_key_label_is_not_found():
    provision = ProvisionFactory()
    with pytest.raises(Provision.DoesNotExist):
        Provision.objects.get_by_natural_key(provision.plan.slug, "not-a-label")


def test_absolute_urls_use_slug_and_label():
    provision = ProvisionFactory(number=12, sub="b", plan=PlanFactory(slug="some-plan"))
    assert provision.get_absolute_url() == "/plans/some-plan/12b/"
    assert provision.plan.get_absolute_url() == "/plans/some-plan/"


def test_placeholder_urls_are_not_public():
    assert SourceFactory(url="https://seed.invalid/SD1").has_public_url is False
    assert SourceFactory(url="https://example.org/a").has_public_url is True


def test_edits_are_kept_in_history():
    provision = ProvisionFactory(text="before")
    provision.text = "after"
    provision.save()
    assert [h.text for h in provision.history.order_by("history_date")] == ["before", "after"]


def test_labels_that_are_ours_are_never_shown_as_official():
    assert ProvisionFactory(number=7).display_label == "7"
    assert ProvisionFactory(number=13, label_confirmed=False).display_label == "13?"
    unnumbered = PlanFactory(numbered=False)
    assert ProvisionFactory(plan=unnumbered, number=3).display_label == "K3"


@pytest.mark.parametrize(("field", "value"), [("number", 10_000), ("position", 1_000_000)])
def test_a_point_whose_label_or_place_is_out_of_range_is_refused(field, value):
    """A label has at most four digits (LABEL_RE): point 10000 would have no page."""
    provision = ProvisionFactory.build(plan=PlanFactory(), **{field: value})
    with pytest.raises(ValidationError) as error:
        provision.full_clean()
    assert field in error.value.message_dict
    assert refused(provision.save)


def test_the_largest_label_is_a_point_with_a_page(client):
    provision = ProvisionFactory(number=9999, sub="zz")
    provision.full_clean()
    assert client.get(provision.get_absolute_url()).status_code == 200


def test_a_search_term_is_one_word_whatever_its_case():
    SearchTerm.objects.create(word="qa-army", finds="troops")
    term = SearchTerm(word="QA-Army", finds="armed forces")
    with pytest.raises(ValidationError) as error:
        term.full_clean()
    assert "word" in error.value.message_dict


def messages_of(obj) -> list[str]:
    with pytest.raises(ValidationError) as error:
        obj.full_clean()
    return error.value.messages


def test_a_repeated_citation_says_so_in_words():
    point = CitationFactory()
    whole = CitationFactory(provision=None, plan=point.provision.plan)
    again = messages_of(Citation(source=point.source, provision=point.provision))
    assert again == ["This source is cited for this point already."]
    again = messages_of(Citation(source=whole.source, plan=whole.plan))
    assert again == ["This source is cited for this version already."]


def test_a_citation_of_both_a_version_and_a_point_gets_one_message():
    citation = CitationFactory()
    both = Citation(
        source=citation.source, provision=citation.provision, plan=citation.provision.plan
    )
    assert messages_of(both) == [
        "A citation supports either a whole version or one point, not both."
    ]
    assert len(messages_of(Citation(source=citation.source))) == 1


def test_a_link_from_a_point_to_itself_says_so_in_words():
    provision = ProvisionFactory()
    messages = messages_of(Correspondence(earlier=provision, later=provision, relation="modified"))
    assert messages == ["A point cannot be linked to itself."]


def test_a_second_source_with_a_code_says_so_in_words():
    SourceFactory(code="A02")
    assert messages_of(SourceFactory.build(code="A02")) == ["Another source has this code."]


def test_every_constraint_validation_can_report_speaks_in_words():
    """Django words a unique constraint on plain fields itself ("… with this … already
    exists"); any other constraint says "Constraint '<name>' is violated" unless given words."""
    from django.apps import apps
    from django.db.models import UniqueConstraint

    for model in apps.get_app_config("provisions").get_models():
        for constraint in model._meta.constraints:
            plain_unique = (
                isinstance(constraint, UniqueConstraint)
                and constraint.fields
                and constraint.condition is None
            )
            if not plain_unique:
                message = constraint.violation_error_message
                assert message != constraint.default_violation_error_message, constraint.name
