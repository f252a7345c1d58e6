"""Create the Editors and Analysts groups with the permissions DESIGN.md gives them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = [
    "party", "theme", "tag", "plan", "provision", "source", "citation", "assessment",
    "correspondence",
]
ANALYST_WRITES = ["assessment", "correspondence"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_perms = Permission.objects.filter(content_type__app_label="provisions")

    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(
        app_perms.filter(content_type__model__in=MODELS + [f"historical{m}" for m in MODELS])
    )

    analysts, _ = Group.objects.get_or_create(name="Analysts")
    codenames = [f"view_{m}" for m in MODELS] + [f"view_historical{m}" for m in MODELS]
    codenames += [f"{action}_{m}" for m in ANALYST_WRITES for action in ("add", "change")]
    analysts.permissions.set(app_perms.filter(codename__in=codenames))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Analysts"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("provisions", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
