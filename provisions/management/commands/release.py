"""Make a numbered release of the dataset (provisions.releases) and write its downloads."""

from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError

from provisions import releases


class Command(BaseCommand):
    help = "Freeze the dataset as it is now into an immutable, numbered release."

    def add_arguments(self, parser):
        parser.add_argument("number", type=int, help="The release number (higher than the last).")
        parser.add_argument("--notes", required=True, help="What this release is, for readers.")
        parser.add_argument("--by", help="The username of the editor making the release.")

    def handle(self, *args, number, notes, by=None, **options):
        user = None
        if by:
            user = get_user_model()._default_manager.filter(username=by).first()
            if user is None:
                raise CommandError(f"No user named {by!r}.")
        try:
            release = releases.publish(number, notes, user)
        except releases.ReleaseError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        paths = releases.write_files(release)
        counts = ", ".join(f"{n} {group}" for group, n in release.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Release {release.number}: {counts}."))
        for path in paths:
            self.stdout.write(f"  {path} ({path.stat().st_size:,} bytes)")
