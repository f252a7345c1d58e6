"""Create (or update) a staff login for the admin, as an editor or an analyst."""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.db import transaction

ROLES = {"editor": "Editors", "analyst": "Analysts"}


class Command(BaseCommand):
    help = (
        "Create a login for the admin. The password is read from the TRACKER_PASSWORD "
        "environment variable or asked for at the prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLES), default="editor")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--name",
            default="",
            help="The name shown in public (history, feeds, authorship); never the login name.",
        )

    def handle(self, *args, username, role, email, name="", **options):
        password = os.environ.get("TRACKER_PASSWORD") or self.ask_password()
        user_model = get_user_model()
        user = user_model(username=username, email=email)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        with transaction.atomic():
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"email": email}
            )
            user.is_staff = True
            if name:
                user.first_name, _, user.last_name = name.strip().partition(" ")
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=ROLES[role])])
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {role} account '{username}'."))

    def ask_password(self) -> str:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return password
