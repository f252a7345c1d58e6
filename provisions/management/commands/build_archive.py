"""Grow the database into a synthetic archive for benchmarking (never for the real dataset).

Each synthetic version copies the texts of the real provisions (with its number woven in, so
versions differ), is based on the previous synthetic version, links every point to its
predecessor, cites one of a pool of synthetic sources, and tags about one point in ten.
`--clear` removes every synthetic row again.
"""

import datetime
import itertools

from django.apps import apps
from django.core.management import BaseCommand, CommandError
from django.db import connection, transaction

from provisions import witnesses
from provisions.models import (
    Assessment,
    Citation,
    Correspondence,
    Party,
    Plan,
    Position,
    Provision,
    Source,
    Tag,
    Theme,
)

PREFIX = "synthetic-"
# positions cannot be stated in the future (the versions are dated from 2030: far from the data)
STATED = datetime.date(2025, 6, 1)


class Command(BaseCommand):
    help = "Add N synthetic plan versions of P provisions each (for `make bench`)."

    def add_arguments(self, parser):
        parser.add_argument("--plans", type=int, default=1000)
        parser.add_argument("--provisions", type=int, default=40)
        parser.add_argument("--clear", action="store_true", help="Remove synthetic rows only.")

    def handle(self, *args, plans, provisions, clear, **options):
        with transaction.atomic():
            Plan.objects.filter(slug__startswith=PREFIX).update(based_on=None)
            Plan.objects.filter(slug__startswith=PREFIX).delete()
            Source.objects.filter(url__startswith=f"https://{PREFIX}").delete()
            if clear:
                return
            self.build(plans, provisions)
        if connection.vendor == "postgresql":
            # as after any bulk load: the planner's statistics would otherwise describe the
            # tables as they were (autovacuum catches up only later)
            tables = [
                model._meta.db_table
                for model in apps.get_app_config("provisions").get_models(include_auto_created=True)
            ]
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE " + ", ".join(map(connection.ops.quote_name, tables)))
        self.stdout.write(f"Added {plans} synthetic versions of {provisions} provisions each.")

    def witnesses(self, provision: Provision) -> None:
        """Eight readings of the first synthetic point, as eight sources might word it: the
        same, re-cased, a number changed, a modal word changed, a clause added, one left out,
        the halves swapped, and two in another language with a translation."""
        text = provision.text
        half = len(text) // 2
        cut = text.rfind(" ", 0, half) + 1 or half
        readings = [
            ("en", text, ""),
            ("en", text.upper(), ""),
            ("en", text.replace("Ukraine", "Ukraine's 800,000-strong forces", 1), ""),
            ("en", f"It is expected that {text[:1].lower()}{text[1:]}", ""),
            ("en", f"{text} All sides will guarantee this.", ""),
            ("en", text[:cut], ""),
            ("uk", text[cut:] + " " + text[:cut], f"{text[cut:]} {text[:cut]}"),
            ("uk", text.replace(" the ", " a "), text.replace(" the ", " a ")),
        ]
        sources = Source.objects.bulk_create(
            Source(
                url=f"https://{PREFIX}witness-{n}.example.org/", publisher=f"Synthetic witness {n}",
                title=f"Synthetic full text {n}", published_on=datetime.date(2030, 1, 1),
                language=language, coverage=Source.Coverage.FULL_TEXT,
                reliability=Source.Reliability.PRESS,
            )
            for n, (language, _, _) in enumerate(readings)
        )  # fmt: skip
        Citation.objects.bulk_create(
            Citation(source=source, provision=provision, locator="point 1", reading=reading,
                     reading_language=language, reading_translation=translation)
            for source, (language, reading, translation) in zip(sources, readings, strict=True)
        )  # fmt: skip
        witnesses.remember_variants([provision.pk])  # as any write of readings does

    def build(self, plan_count: int, per_plan: int):
        texts = list(
            Provision.objects.exclude(plan__slug__startswith=PREFIX).values_list("text", flat=True)
        )
        themes = list(Theme.objects.all())
        tag = Tag.objects.order_by("slug").first()
        if not texts or not themes or tag is None:
            raise CommandError("Load the dataset first (manage.py load_dataset).")
        start = datetime.date(2030, 1, 1)
        sources = Source.objects.bulk_create(
            Source(
                url=f"https://{PREFIX}{n}.example.org/", publisher=f"Synthetic outlet {n}",
                title=f"Synthetic report {n}", published_on=start, language="en",
                coverage=Source.Coverage.FULL_TEXT, reliability=Source.Reliability.PRESS,
            )
            for n in range(max(1, plan_count // 10))
        )  # fmt: skip
        plans = Plan.objects.bulk_create(
            Plan(
                slug=f"{PREFIX}{n:05d}", title=f"Synthetic version {n}",
                short_name=f"Synthetic {n}",
                presented_on=start + datetime.timedelta(days=n), status=Plan.Status.PROPOSAL,
                completeness=Plan.Completeness.FULL_TEXT,
            )
            for n in range(plan_count)
        )  # fmt: skip
        for previous, plan in itertools.pairwise(plans):
            plan.based_on = previous
        Plan.objects.bulk_update(plans, ["based_on"], batch_size=500)
        cycle = itertools.cycle(texts)
        rows = Provision.objects.bulk_create(
            (
                Provision(
                    plan=plan, number=number, position=number, wording=Provision.Wording.PARAPHRASE,
                    text=f"{next(cycle)} (Synthetic clause {number} of version {n}.)",
                )
                for n, plan in enumerate(plans)
                for number in range(1, per_plan + 1)
            ),
            batch_size=2000,
        )  # fmt: skip
        through = Provision.themes.through
        through.objects.bulk_create(
            (through(provision_id=p.pk, theme_id=themes[i % len(themes)].pk)
             for i, p in enumerate(rows)),
            batch_size=5000,
        )  # fmt: skip
        Citation.objects.bulk_create(
            (Citation(source=sources[i % len(sources)], provision=p, locator=f"point {p.number}")
             for i, p in enumerate(rows)),
            batch_size=5000,
        )  # fmt: skip
        Assessment.objects.bulk_create(
            (Assessment(provision=p, tag=tag, rationale="Synthetic assessment.")
             for i, p in enumerate(rows) if i % 10 == 0),
            batch_size=5000,
        )  # fmt: skip
        relations = itertools.cycle(["unchanged", "reworded", "modified", "modified"])
        Correspondence.objects.bulk_create(
            (
                Correspondence(earlier=a, later=b, relation=next(relations),
                               status=Correspondence.Status.CONFIRMED, note="Synthetic link.")
                for a, b in zip(rows, rows[per_plan:], strict=False)
            ),
            batch_size=5000,
        )  # fmt: skip
        # where the parties stand: the negotiation's parties are each version's principals,
        # and each states a stance on every point (three positions per point)
        parties = list(Party.objects.filter(slug__in=["ukraine", "russia", "united-states"]))
        principals = Plan.principal_parties.through
        principals.objects.bulk_create(
            (principals(plan_id=plan.pk, party_id=party.pk) for plan in plans for party in parties),
            batch_size=5000,
        )  # fmt: skip
        self.witnesses(rows[0])
        stances = itertools.cycle([s.value for s in Position.Stance])
        Position.objects.bulk_create(
            (
                Position(plan_id=p.plan_id, provision=p, party=party, stance=next(stances),
                         stated_on=STATED, source=sources[i % len(sources)])
                for i, p in enumerate(rows)
                for party in parties
            ),
            batch_size=5000,
        )  # fmt: skip
