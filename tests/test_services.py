import pytest
from django.core.exceptions import ValidationError

from provisions import services
from provisions.models import Correspondence, Provision
from tests.factories import CorrespondenceFactory, ProvisionFactory

pytestmark = pytest.mark.django_db


def test_saving_a_provision_moves_its_revision_on(editor):
    provision = ProvisionFactory(text="capped at 600,000")
    assert provision.revision == 1
    provision.text = "capped at 800,000"
    services.record_save(obj=provision, revision=1, user=editor)
    stored = Provision.objects.get(pk=provision.pk)
    assert (stored.revision, stored.text) == (2, "capped at 800,000")
    latest = stored.history.latest()
    assert (latest.history_user, latest.revision) == (editor, 2)


def test_a_stale_save_is_refused_and_changes_nothing(editor):
    provision = ProvisionFactory(text="original")
    first = Provision.objects.get(pk=provision.pk)
    second = Provision.objects.get(pk=provision.pk)

    first.text = "first editor's text"
    services.record_save(obj=first, revision=1, user=editor)

    second.text = "second editor's text"
    with pytest.raises(services.StaleRevision) as error:
        services.record_save(obj=second, revision=1, user=editor)
    assert "first editor's text" in error.value.messages[0]
    stored = Provision.objects.get(pk=provision.pk)
    assert (stored.revision, stored.text) == (2, "first editor's text")
    assert (
        stored.history.count() == 2
    )  # the create and the first save; nothing from the refused one


def test_an_invalid_provision_is_refused_before_anything_is_written():
    provision = ProvisionFactory()
    provision.sub = "NOT OK"
    with pytest.raises(ValidationError):
        services.record_save(obj=provision)
    assert Provision.objects.get(pk=provision.pk).revision == 1


def test_linking_provisions_of_one_plan_is_refused():
    earlier = ProvisionFactory()
    later = ProvisionFactory(plan=earlier.plan)
    with pytest.raises(ValidationError, match="two different versions"):
        services.correspondence_link(earlier=earlier, later=later, relation="modified")
    assert not Correspondence.objects.exists()


def test_linking_again_names_the_existing_link_and_changes_nothing(editor):
    link = CorrespondenceFactory(relation="reworded", status="confirmed", note="curated")
    with pytest.raises(services.Duplicate) as error:
        services.correspondence_link(
            earlier=link.earlier, later=link.later, relation="modified", user=editor
        )
    assert error.value.existing == link
    link.refresh_from_db()
    assert (link.relation, link.status, link.note, link.revision) == (
        "reworded", "confirmed", "curated", 1,
    )  # fmt: skip
