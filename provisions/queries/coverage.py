"""What the dataset holds, counted (dataset_report, the coverage statement)."""

from django.db.models import Count, Q

from provisions.models import Assessment, Citation, Correspondence, Plan, Provision, Source


def _count_by(queryset, field: str) -> dict[str, int]:
    return dict(queryset.values_list(field).annotate(n=Count("pk")).order_by(field))


def dataset_coverage() -> dict:
    """What the archive holds, per version and in total: the figures of `dataset_report`."""
    plans = (
        Plan.objects.annotate(
            points=Count("provisions", filter=Q(provisions__sub=""), distinct=True),
            provisions_total=Count("provisions", distinct=True),
            citations_total=Count("provisions__citations", distinct=True),
            variants=Count(
                "provisions__citations",
                filter=~Q(provisions__citations__reading=""),
                distinct=True,
            ),
            links_out=Count("provisions__successor_links", distinct=True),
            links_in=Count("provisions__predecessor_links", distinct=True),
            assessments=Count("provisions__assessments", distinct=True),
        )
        .order_by("presented_on", "slug")
        .values(
            "slug", "completeness", "numbered", "points", "provisions_total", "citations_total",
            "variants", "links_out", "links_in", "assessments",
        )
    )  # fmt: skip
    per_provision = Provision.objects.annotate(
        n=Count("citations", distinct=True),
        independent=Count(
            "citations__source",
            filter=~Q(citations__source__reliability=Source.Reliability.STATE_ALIGNED),
            distinct=True,
        ),
    ).values_list("n", "independent")
    counts = [n for n, _ in per_provision]
    return {
        "plans": list(plans),
        "provisions": len(counts),
        "sources": Source.objects.count(),
        "sources_by_reliability": _count_by(Source.objects, "reliability"),
        "citations": Citation.objects.count(),
        "citations_per_provision": {
            "min": min(counts, default=0),
            "mean": round(sum(counts) / len(counts), 2) if counts else 0,
            "max": max(counts, default=0),
        },
        "provisions_with_two_independent_sources": sum(i >= 2 for _, i in per_provision),
        "variants": Citation.objects.exclude(reading="").count(),
        "correspondences": Correspondence.objects.count(),
        "correspondences_by_relation": _count_by(Correspondence.objects, "relation"),
        "assessments": Assessment.objects.count(),
        "assessments_by_tag": _count_by(Assessment.objects, "tag__slug"),
    }
