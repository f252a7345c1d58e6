"""Import a version from a text file: the same parser and service as the admin's import page.

Every problem is printed with its line number; nothing is written unless the text parses
without a blocking problem.
"""

import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError

from provisions import importing, services
from provisions.models import Plan


class Command(BaseCommand):
    help = "Import a plan version from a UTF-8 text file of numbered points."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--title", required=True)
        parser.add_argument("--short-name", default="")
        parser.add_argument("--presented-on", type=datetime.date.fromisoformat, required=True)
        parser.add_argument("--status", choices=Plan.Status.values, default=Plan.Status.PROPOSAL)
        parser.add_argument(
            "--completeness", choices=Plan.Completeness.values, default=Plan.Completeness.FULL_TEXT
        )
        parser.add_argument("--unnumbered", action="store_true", help="The text has no numbering.")
        parser.add_argument("--based-on", default="", help="Slug of the version it revises.")
        parser.add_argument("--source-url", required=True)
        parser.add_argument("--source-publisher", default="")
        parser.add_argument("--source-title", default="")
        parser.add_argument("--source-published-on", type=datetime.date.fromisoformat)
        parser.add_argument("--source-language", default="en")
        parser.add_argument("--dry-run", action="store_true", help="Parse and report only.")

    def handle(self, *args, **options):
        try:
            data = options["file"].read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}.") from error
        parsed = importing.parse_bytes(data)
        for problem in parsed.problems:
            marker = "error" if problem.blocking else "warning"
            self.stderr.write(f"{marker}: {problem.message}")
        if not parsed.ok:
            raise CommandError("Nothing was imported: fix the problems marked error.")
        self.stdout.write(
            f"{len(parsed.points)} points: {', '.join(p.label for p in parsed.points)}"
        )
        if options["dry_run"]:
            return
        based_on = None
        if options["based_on"]:
            based_on = Plan.objects.filter(slug=options["based_on"]).first()
            if based_on is None:
                raise CommandError(f"No version with slug {options['based_on']!r}.")
        plan = Plan(
            slug=options["slug"],
            title=options["title"],
            short_name=options["short_name"] or options["title"][:80],
            presented_on=options["presented_on"],
            status=options["status"],
            completeness=options["completeness"],
            numbered=not options["unnumbered"],
            based_on=based_on,
        )
        source = services.source_for(
            url=options["source_url"],
            publisher=options["source_publisher"],
            title=options["source_title"],
            published_on=options["source_published_on"],
            language=options["source_language"],
        )
        try:
            outcome = services.plan_import(plan=plan, parsed=parsed, source=source)
        except ValidationError as error:
            messages = "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items()
            ) if hasattr(error, "error_dict") else " ".join(error.messages)  # fmt: skip
            raise CommandError(f"Nothing was imported: {messages}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {outcome.plan.slug}: {len(parsed.points)} points, "
                f"{len(outcome.links)} suggested link(s), "
                f"{len(outcome.assessments)} suggested assessment(s)."
            )
        )
