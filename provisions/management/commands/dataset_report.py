"""Print what the dataset covers: versions, points, sources, citations, variants, links, tags."""

from django.core.management import BaseCommand

from provisions.queries import dataset_coverage


class Command(BaseCommand):
    help = "Print a coverage report of the dataset in the database."

    def handle(self, *args, **options):
        report = dataset_coverage()
        out = self.stdout.write
        header = (
            f"{'version':42} {'text':13} {'points':>6} {'provs':>5} {'cites':>5} {'vars':>4} "
            f"{'out':>3} {'in':>3} {'tags':>4}"
        )
        out(header)
        out("-" * len(header))
        for plan in report["plans"]:
            out(
                f"{plan['slug']:42} {plan['completeness']:13} {plan['points']:>6} "
                f"{plan['provisions_total']:>5} {plan['citations_total']:>5} {plan['variants']:>4} "
                f"{plan['links_out']:>3} {plan['links_in']:>3} {plan['assessments']:>4}"
            )
        per = report["citations_per_provision"]
        out("")
        out(f"versions: {len(report['plans'])}   provisions: {report['provisions']}")
        out(f"sources: {report['sources']}  {report['sources_by_reliability']}")
        out(
            f"citations: {report['citations']}   per provision: min {per['min']}, "
            f"mean {per['mean']}, max {per['max']}"
        )
        out(
            "provisions with two or more independent (not state-aligned) sources: "
            f"{report['provisions_with_two_independent_sources']} of {report['provisions']}"
        )
        out(f"variant readings: {report['variants']}")
        out(
            f"correspondences: {report['correspondences']}  {report['correspondences_by_relation']}"
        )
        out(f"assessments: {report['assessments']}  {report['assessments_by_tag']}")
        out("(points: numbered points without sub-points; provs: all provisions; vars: citations")
        out(" with a variant reading; out/in: links to later / from earlier versions)")
