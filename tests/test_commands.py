import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "group"), [("editor", "Editors"), ("analyst", "Analysts")])
def test_create_account_makes_a_staff_login_in_the_role_group(monkeypatch, rf, role, group):
    monkeypatch.setenv("TRACKER_PASSWORD", "correct horse battery staple")
    call_command("create_account", "alice", role=role)
    login = rf.post("/admin/login/")  # the login throttle needs the request
    user = authenticate(login, username="alice", password="correct horse battery staple")
    assert user is not None and user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [group]


def test_create_account_refuses_a_weak_password(monkeypatch, django_user_model):
    monkeypatch.setenv("TRACKER_PASSWORD", "123")
    with pytest.raises(CommandError, match="too short"):
        call_command("create_account", "bob")
    assert not django_user_model.objects.filter(username="bob").exists()


def test_roles_exist_with_their_permissions(django_user_model):
    from django.contrib.auth.models import Group

    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    analysts = set(
        Group.objects.get(name="Analysts").permissions.values_list("codename", flat=True)
    )
    assert {"change_provision", "delete_plan", "add_source"} <= editors
    assert {"moderate_assessment", "moderate_correspondence"} <= editors  # anyone's
    assert {
        "add_assessment",
        "change_assessment",
        "delete_assessment",  # their own (services.may_change)
        "add_correspondence",
        "delete_correspondence",
        "view_provision",
    } <= analysts
    assert not {"change_provision", "delete_plan", "moderate_assessment"} & analysts


def test_migrations_match_the_models():
    # exits non-zero (SystemExit) when a model change has no migration
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_build_archive_adds_linked_synthetic_versions_and_clears_them():
    from provisions.models import Correspondence, Plan, Provision
    from tests.factories import ProvisionFactory, TagFactory, ThemeFactory

    real = ProvisionFactory(text="The ceiling is 600,000.")
    ThemeFactory()
    TagFactory()
    call_command("build_archive", plans=3, provisions=2, stdout=io.StringIO())
    synthetic = Plan.objects.filter(slug__startswith="synthetic-")
    assert synthetic.count() == 3
    assert Provision.objects.filter(plan__in=synthetic).count() == 6
    assert Correspondence.objects.filter(later__plan__in=synthetic).count() == 4
    call_command("build_archive", clear=True, stdout=io.StringIO())
    assert not Plan.objects.filter(slug__startswith="synthetic-").exists()
    assert list(Provision.objects.all()) == [real]
