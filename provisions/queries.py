"""Read side: querysets that carry their own prefetching, named after what they return.

Each page calls one of these, so the number of queries a page makes does not grow with the data.
"""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from provisions.models import Citation, Plan, Provision, split_label


def plan_timeline() -> QuerySet[Plan]:
    """Every version in date order, with its counts of points and sub-points, and its parties."""
    return (
        Plan.objects.select_related("based_on")
        .prefetch_related("parties")
        .annotate(
            point_count=Count("provisions", filter=Q(provisions__sub="")),
            subpoint_count=Count("provisions", filter=~Q(provisions__sub="")),
        )
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


def _citations_by_date() -> QuerySet[Citation]:
    return Citation.objects.select_related("source").order_by(
        "source__published_on", "source__publisher"
    )


def plan_citations(*, plan: Plan) -> QuerySet[Citation]:
    """The sources cited for a version as a whole (not for one of its points)."""
    return _citations_by_date().filter(plan=plan)


def provision_detail(*, plan_slug: str, label: str) -> Provision:
    """One provision with its plan, themes and sources; 404 for an unknown plan or label."""
    try:
        number, sub = split_label(label)
    except ValueError:
        number, sub = -1, ""  # matches nothing: the lookup below answers 404
    queryset = Provision.objects.select_related("plan").prefetch_related(
        "themes", Prefetch("citations", queryset=_citations_by_date())
    )
    return get_object_or_404(queryset, plan__slug=plan_slug, number=number, sub=sub)
