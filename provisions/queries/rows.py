"""The API's querysets: each list's and detail's rows with what their serializers read."""

from django.db.models import Prefetch, QuerySet

from provisions.models import Assessment, Correspondence, Plan, Provision
from provisions.queries.plans import assessments_with_authors, citations_by_date, plan_timeline


def _provision_base() -> QuerySet[Provision]:
    return (
        Provision.objects.select_related("plan")
        .prefetch_related("themes")
        .order_by("plan__presented_on", "plan__slug", "position", "pk")
    )


def provision_rows() -> QuerySet[Provision]:
    """Provisions with what a list row shows (plan, themes, tags) in a fixed number of queries."""
    return _provision_base().prefetch_related(
        Prefetch("assessments", Assessment.objects.select_related("tag"))
    )


def provision_full_rows() -> QuerySet[Provision]:
    """Provisions with everything a researcher needs in one response."""
    return _provision_base().prefetch_related(
        Prefetch("citations", queryset=citations_by_date()),
        Prefetch("assessments", assessments_with_authors()),
        Prefetch("predecessor_links", Correspondence.objects.select_related("earlier__plan")),
        Prefetch("successor_links", Correspondence.objects.select_related("later__plan")),
    )


def plan_rows() -> QuerySet[Plan]:
    return plan_timeline().prefetch_related(
        Prefetch("provisions", Provision.objects.select_related("plan").order_by("position")),
        Prefetch("citations", queryset=citations_by_date()),
    )
