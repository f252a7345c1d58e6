"""Read side: querysets that carry their own prefetching, named after what they return.

Each page calls one of these, so the number of queries a page makes does not grow with the data.
"""

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from provisions.models import Citation, Plan, Provision, split_label


def plan_timeline() -> QuerySet[Plan]:
    """Every version in date order, with its point count and parties."""
    return (
        Plan.objects.select_related("based_on")
        .prefetch_related("parties")
        .annotate(provision_count=Count("provisions", distinct=True))
        .order_by("presented_on", "slug")
    )


def provision_list(*, plan: Plan) -> QuerySet[Provision]:
    """One version's provisions in reading order, with themes and citation counts."""
    return (
        Provision.objects.filter(plan=plan)
        .select_related("plan")
        .prefetch_related("themes")
        .annotate(citation_count=Count("citations", distinct=True))
        .order_by("position", "number", "sub")
    )


def provision_detail(*, plan_slug: str, label: str) -> Provision:
    """One provision with its plan, themes and sources; 404 for an unknown plan or label."""
    try:
        number, sub = split_label(label)
    except ValueError:
        number, sub = -1, ""  # matches nothing: the lookup below answers 404
    citations = Citation.objects.select_related("source").order_by(
        "source__published_on", "source__publisher"
    )
    queryset = Provision.objects.select_related("plan").prefetch_related(
        "themes", Prefetch("citations", queryset=citations)
    )
    return get_object_or_404(queryset, plan__slug=plan_slug, number=number, sub=sub)
