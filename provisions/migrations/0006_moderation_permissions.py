"""Editors may change or delete anyone's assessments and links; analysts may delete their own."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = ["moderate_assessment", "moderate_correspondence"]
ANALYSTS = ["delete_assessment", "delete_correspondence"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="provisions")
    for name, codenames in (("Editors", EDITORS), ("Analysts", ANALYSTS)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*perms.filter(codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="provisions")
    for name, codenames in (("Editors", EDITORS), ("Analysts", ANALYSTS)):
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*perms.filter(codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("provisions", "0005_living_record")]

    operations = [migrations.RunPython(grant, revoke)]
