"""Load the curated dataset from fixtures/, in dependency order, in one transaction.

Every fixture uses natural keys, so loading again updates the same rows: running it twice
changes nothing. Each model group may be split over several files (`sources.json`,
`sources-2026.json`, …); they load in name order within their group.
"""

from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management import BaseCommand, call_command

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"
FIXTURE_ORDER = [
    "themes",
    "tags",
    "parties",
    "sources",
    "plans",
    "provisions",
    "citations",
    "correspondences",
    "assessments",
]


def fixture_paths() -> list[Path]:
    paths = []
    for group in FIXTURE_ORDER:
        paths += sorted(FIXTURE_DIR.glob(f"{group}.json")) + sorted(
            FIXTURE_DIR.glob(f"{group}-*.json")
        )
    return paths


class Command(BaseCommand):
    help = "Load (or re-apply) the curated dataset in fixtures/."

    def handle(self, *args, **options):
        # Loading the curated dataset is not an edit: record no history for it (loaddata's own
        # saves are already skipped by simple-history; its many-to-many updates are not).
        enabled = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        settings.SIMPLE_HISTORY_ENABLED = False
        try:
            call_command("loaddata", *fixture_paths(), verbosity=options["verbosity"])
        finally:
            settings.SIMPLE_HISTORY_ENABLED = enabled
        # fixture loads leave no history, so the dataset stamp cannot see them: drop cached
        # comparisons (a shared Redis cache included)
        cache.clear()
