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
    services.provision_save(provision=provision, revision=1, user=editor)
    stored = Provision.objects.get(pk=provision.pk)
    assert (stored.revision, stored.text) == (2, "capped at 800,000")
    latest = stored.history.latest()
    assert (latest.history_user, latest.revision) == (editor, 2)


def test_a_stale_save_is_refused_and_changes_nothing(editor):
    provision = ProvisionFactory(text="original")
    first = Provision.objects.get(pk=provision.pk)
    second = Provision.objects.get(pk=provision.pk)

    first.text = "first editor's text"
    services.provision_save(provision=first, revision=1, user=editor)

    second.text = "second editor's text"
    with pytest.raises(services.StaleRevision) as error:
        services.provision_save(provision=second, revision=1, user=editor)
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
        services.provision_save(provision=provision)
    assert Provision.objects.get(pk=provision.pk).revision == 1


def test_linking_provisions_of_one_plan_is_refused():
    earlier = ProvisionFactory()
    later = ProvisionFactory(plan=earlier.plan)
    with pytest.raises(ValidationError, match="two different versions"):
        services.correspondence_link(earlier=earlier, later=later, relation="modified")
    assert not Correspondence.objects.exists()


def test_linking_again_updates_the_existing_link(editor):
    link = CorrespondenceFactory(relation="reworded", status="suggested")
    updated = services.correspondence_link(
        earlier=link.earlier,
        later=link.later,
        relation="modified",
        note="ceiling raised",
        user=editor,
    )
    assert updated.pk == link.pk
    assert (updated.relation, updated.status, updated.note) == (
        "modified",
        "confirmed",
        "ceiling raised",
    )
    assert Correspondence.objects.count() == 1
