"""Steps of the backup round trip (tests/test_backup.py), each run in its own process against
the scratch database named by DATABASE_URL, never the test database:

    python tests/backup_scenario.py prepare OUT.json  migrate, load the dataset, edit it
    python tests/backup_scenario.py damage OUT.json   change and delete rows, add others
    python tests/backup_scenario.py state OUT.json    only write the state

Each step ends by writing everything the database holds to OUT.json.
"""

import io
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.contrib.admin.models import CHANGE, LogEntry  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from provisions.models import Assessment, Citation, Party, Plan, Provision, Tag, Theme  # noqa: E402

NOT_ROUND_TRIPPED_BY_NATURAL_KEYS = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "admin.logentry",
]


def history_models() -> list:
    return [
        model
        for model in apps.get_app_config("provisions").get_models()
        if model.__name__.startswith("Historical")
    ]


def edited(obj, user):
    obj._history_user = user  # simple-history records who made the change
    return obj


def prepare() -> None:
    call_command("migrate", verbosity=0)
    call_command("load_dataset", verbosity=0)
    alice = User.objects.create_user("alice", "alice@example.org", "a-long-test-passphrase")
    alice.groups.add(Group.objects.get(name="Editors"))
    Token.objects.create(user=alice)

    provision = Provision.objects.order_by("pk").first()
    provision.text += " (edited once)"
    edited(provision, alice).save()
    provision.text += " (and twice)"
    edited(provision, alice).save()
    provision.themes.add(Theme.objects.exclude(provisions=provision).first())  # m2m history

    plan = Plan.objects.order_by("pk").last()
    plan.parties.add(Party.objects.exclude(plans=plan).first())
    plan.note = "Edited for the backup test."
    edited(plan, alice).save()

    edited(Citation.objects.order_by("pk").first(), alice).delete()  # history of a deleted row
    tag = Tag.objects.create(slug="short-lived", name="Short-lived")
    edited(tag, alice).delete()

    session = SessionStore()
    session["note"] = "kept"
    session.create()
    LogEntry.objects.create(
        user=alice,
        content_type=ContentType.objects.get_for_model(Provision),
        object_id=str(provision.pk),
        object_repr=str(provision),
        action_flag=CHANGE,
        change_message="Edited for the backup test.",
    )


def damage() -> None:
    Provision.objects.update(text="overwritten")  # no history: a bulk update
    Assessment.objects.all().delete()
    User.objects.filter(username="alice").delete()
    history = {model.__name__: model for model in history_models()}
    history["HistoricalPlan"].objects.filter(history_type="~").delete()
    Theme.objects.create(slug="after-the-backup", name="After the backup")
    Session.objects.all().delete()


def dump(**options) -> list:
    out = io.StringIO()
    call_command("dumpdata", stdout=out, verbosity=0, **options)
    return json.loads(out.getvalue())


def state(path: str) -> None:
    history = history_models()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = 'public' ORDER BY sequencename"
            )
        else:
            cursor.execute("SELECT name, seq FROM sqlite_sequence ORDER BY name")
        sequences = dict(cursor.fetchall())
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        migrations = cursor.fetchall()
    result = {
        # what a natural-key dump round-trips: rows identified by their natural keys
        "natural": dump(
            natural_foreign=True,
            natural_primary=True,
            exclude=NOT_ROUND_TRIPPED_BY_NATURAL_KEYS + [m._meta.label for m in history],
        ),
        # every row of every table with its primary key, history, sessions and log included
        "rows": dump(),
        "history_counts": {m._meta.label: m.objects.count() for m in history},
        "sequences": sequences,
        "migrations": migrations,
    }
    Path(path).write_text(json.dumps(result, indent=0, sort_keys=True, default=str))


if __name__ == "__main__":
    step, out = sys.argv[1:]
    {"prepare": prepare, "damage": damage, "state": lambda: None}[step]()
    state(out)
