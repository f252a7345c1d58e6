"""Apply reviewed corrections (fixtures/corrections/*.json) with history."""

from pathlib import Path

from django.core.management import BaseCommand

from provisions.corrections import apply_corrections, correction_paths


class Command(BaseCommand):
    help = (
        "Apply reviewed corrections to the dataset in the database: each only where the row "
        "still has the values the correction was written against; conflicts are reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="default: fixtures/corrections/")

    def handle(self, *args, paths, **options):
        report = apply_corrections(paths or correction_paths())
        for line in report.lines():
            self.stdout.write(line)
