"""Load the dataset files in fixtures/ into the database (see provisions.dataset).

Into an empty database it loads everything. Into one that has data it adds only the rows the
database lacks and reports the rows that differ, never overwriting them: the database is the
truth, and an editor's change is never reverted by a load. Exit status 0 either way.
"""

from django.core.management import BaseCommand, CommandError

from provisions import caching, dataset, witnesses
from provisions.corrections import apply_corrections, correction_paths


class Command(BaseCommand):
    help = (
        "Add the rows of fixtures/ that the database lacks (all of them into an empty database), "
        "each with a history record; report rows that differ without overwriting them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Development only: replace rows that differ from the files (each replacement "
            "is recorded in the row's history). Refused unless DEBUG is on.",
        )

    def handle(self, *args, overwrite=False, **options):
        from django.conf import settings

        if overwrite and not settings.DEBUG:
            raise CommandError("--overwrite replaces curated edits: development only (DEBUG=1).")
        with witnesses.collating_later():  # once, below, rather than for each citation
            report = dataset.load(dataset.fixture_paths(), overwrite=overwrite)
            # reviewed corrections reach a database that already held the rows they correct
            corrected = apply_corrections(correction_paths())
        witnesses.remember_variants()
        caching.advance_stamp()
        if options["verbosity"] == 0:
            return
        self.stdout.write("Reviewed corrections (fixtures/corrections/): " + corrected.lines()[0])
        for line in corrected.lines()[1:]:
            self.stdout.write(f"  {line}")
        added = ", ".join(f"{count} {group}" for group, count in report.added.items() if count)
        self.stdout.write(f"Added {report.added_total} row(s){f': {added}' if added else ''}.")
        self.stdout.write(f"{report.unchanged} row(s) already in the database, unchanged.")
        if report.overwritten:
            self.stdout.write(f"Overwrote {report.overwritten} row(s) that differed (--overwrite).")
        if report.kept_deleted:
            self.stdout.write(
                f"{len(report.kept_deleted)} row(s) of the files were deleted in the database "
                "and were not brought back:"
            )
            for name in report.kept_deleted:
                self.stdout.write(f"  {name}")
        if report.differences:
            self.stdout.write(
                f"{len(report.differences)} row(s) differ from the files and were kept as the "
                "database has them (the database is the truth; `make snapshot` writes it back):"
            )
            for difference in report.differences:
                self.stdout.write(f"  {difference}")
