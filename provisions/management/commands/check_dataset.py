"""Check the evidence for the structural faults an audit found (provisions.dataset_checks)."""

from collections import Counter

from django.core.management import BaseCommand, CommandError

from provisions.dataset_checks import KINDS, find_faults


class Command(BaseCommand):
    help = "Check the dataset in the database for structural faults in its evidence."

    def handle(self, *args, **options):
        faults = find_faults()
        counts = Counter(fault.kind for fault in faults)
        for fault in faults:
            self.stdout.write(str(fault))
        self.stdout.write("")
        for kind, meaning in KINDS.items():
            self.stdout.write(f"{counts[kind]:>4}  {kind}: {meaning}")
        if faults:
            raise CommandError(f"{len(faults)} fault(s) in the dataset.")
        self.stdout.write(self.style.SUCCESS("No structural fault in the dataset."))
