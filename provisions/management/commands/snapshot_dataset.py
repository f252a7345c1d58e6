"""Write the database back into fixtures/ (see provisions.dataset.snapshot)."""

from pathlib import Path

from django.core.management import BaseCommand

from provisions import dataset


class Command(BaseCommand):
    help = (
        "Export the dataset into fixtures/ in the same files and order, so that an unchanged "
        "database gives byte-identical files."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", type=Path, default=None, help="Where to write (default: fixtures/)."
        )

    def handle(self, *args, dir: Path | None, **options):
        if dir is not None:
            dir.mkdir(parents=True, exist_ok=True)
        written = dataset.snapshot(dir)
        for path, count in written.items():
            self.stdout.write(f"{path.name}: {count} row(s)")
