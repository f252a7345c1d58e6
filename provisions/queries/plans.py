"""The versions, their points, sources and tags, as the pages list them."""

from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from provisions import caching
from provisions.models import (
    Assessment,
    Citation,
    Party,
    Plan,
    Position,
    Provision,
    Tag,
    Theme,
    split_label,
)
from provisions.queries.comparing import changed_counts


def plan_timeline() -> QuerySet[Plan]:
    """Every version in date order, with its counts of points and sub-points, and its parties.

    The counts are correlated subqueries, so a page of versions counts its own provisions only
    (a join and GROUP BY over every provision made a page of the API's plan list cost 125 ms at
    1,000 versions), and counting the versions needs no join at all."""
    points = Provision.objects.filter(plan=OuterRef("pk"))
    return (
        Plan.objects.select_related("based_on")
        .prefetch_related("parties")
        .annotate(
            point_count=_count(points.filter(sub="")),
            subpoint_count=_count(points.exclude(sub="")),
            assessed_count=_count(
                points.filter(Exists(Assessment.objects.filter(provision=OuterRef("pk"))))
            ),
            position_count=_count(Position.objects.filter(plan=OuterRef("pk"))),
        )
        .order_by("presented_on", "slug")
    )


def _count(provisions: QuerySet) -> Coalesce:
    """The number of rows (provisions, positions) in a subquery correlated on the plan (0 for
    none)."""
    counted = provisions.order_by().values("plan").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")), 0)


TIMELINE_PAGE = 50


def timeline(page_number=1, *, include_withdrawn: bool = False) -> Page:
    """One page of the home page's versions, each with `changed_count` (rows changed against the
    version it is based on) and `origin` (the first version of its lineage, when that is further
    back than its base: the 28-point plan for the 20-point framework). Withdrawn versions are
    left out unless asked for; the page's `withdrawn_count` says how many there are."""
    # page through bare rows first, then count points for this page's versions only
    ordered = Plan.objects.order_by("presented_on", "slug").values_list("pk", flat=True)
    if not include_withdrawn:
        ordered = ordered.filter(withdrawn=False)
    counts = _plan_counts()
    paginator = Paginator(ordered, TIMELINE_PAGE)
    # the one count query above serves the pager too (a cached_property, set ahead)
    paginator.count = counts["all"] if include_withdrawn else counts["all"] - counts["withdrawn"]
    page = paginator.get_page(page_number)
    page.withdrawn_count = counts["withdrawn"]
    by_pk = plan_timeline().in_bulk(list(page.object_list))
    plans = [by_pk[pk] for pk in page.object_list]
    _annotate_lineage(plans)
    page.object_list = plans
    return page


def _plan_counts() -> dict[str, int]:
    """How many versions there are, and how many withdrawn: counted once per state of the
    data (counting reads every version: it grows with the archive)."""
    return caching.remembered(
        "plan-counts",
        lambda: Plan.objects.aggregate(
            all=Count("pk"), withdrawn=Count("pk", filter=Q(withdrawn=True))
        ),
    )


def _annotate_lineage(plans: list[Plan]) -> None:
    pairs = [(plan.based_on, plan) for plan in plans if plan.based_on]
    changed = changed_counts(pairs)
    origins = _origins(plans)
    for plan in plans:
        plan.changed_count = changed.get(plan.pk)
        origin = origins.get(plan.pk)
        plan.origin = origin if origin and origin.pk not in (plan.pk, plan.based_on_id) else None


# each step looks its version up by id (a join let PostgreSQL hash the whole plan table on
# every call: 3 ms at 10,000 versions for a page whose chains are a few steps long)
_ORIGINS_SQL = """
WITH RECURSIVE chain(start, id, based_on, depth) AS (
  SELECT id, id, based_on_id, 0 FROM {plans} WHERE id IN ({marks})
  UNION ALL
  SELECT chain.start, chain.based_on,
         (SELECT p.based_on_id FROM {plans} p WHERE p.id = chain.based_on), chain.depth + 1
  FROM chain
  WHERE chain.based_on IS NOT NULL AND chain.depth < %s
)
SELECT start, id FROM chain WHERE based_on IS NULL
"""


def connection_for(model):
    """The database that reads of `model` go to (a release's copy while one is being read)."""
    return connections[router.db_for_read(model)]


def _origins(plans: list[Plan]) -> dict[int, Plan]:
    """The first version of each plan's lineage (following based_on), in two queries."""
    if not plans:
        return {}
    ids = [plan.pk for plan in plans]
    sql = _ORIGINS_SQL.format(plans=Plan._meta.db_table, marks=", ".join(["%s"] * len(ids)))
    with connection_for(Plan).cursor() as cursor:
        cursor.execute(sql, [*ids, 1000])
        root_of = dict(cursor.fetchall())
    roots = Plan.objects.in_bulk(set(root_of.values()))
    return {start: roots[root] for start, root in root_of.items() if root in roots}


def provision_list(*, plan: Plan, theme: str = "", tag: str = "") -> QuerySet[Provision]:
    """One version's provisions in reading order, optionally narrowed by theme or tag slug."""
    queryset = (
        Provision.objects.filter(plan=plan)
        .select_related("plan")
        .prefetch_related(
            "themes", Prefetch("assessments", Assessment.objects.select_related("tag"))
        )
        .annotate(citation_count=Count("citations", distinct=True))
        .order_by("position", "number", "sub")
    )
    if theme:
        queryset = queryset.filter(themes__slug=theme)
    if tag:
        queryset = queryset.filter(assessments__tag__slug=tag)
    return queryset


def citations_by_date() -> QuerySet[Citation]:
    return Citation.objects.select_related("source").order_by(
        "source__published_on", "source__publisher"
    )


def plan_citations(*, plan: Plan) -> QuerySet[Citation]:
    """The sources cited for a version as a whole (not for one of its points)."""
    return citations_by_date().filter(plan=plan)


def provision_detail(*, plan_slug: str, label: str) -> Provision:
    """One provision with its plan, themes and sources; 404 for an unknown plan or label."""
    try:
        number, sub = split_label(label)
    except ValueError:
        number, sub = -1, ""  # matches nothing: the lookup below answers 404
    queryset = Provision.objects.select_related("plan").prefetch_related(
        "themes",
        Prefetch("citations", queryset=citations_by_date()),
        Prefetch("assessments", queryset=assessments_with_authors()),
    )
    return get_object_or_404(queryset, plan__slug=plan_slug, number=number, sub=sub)


def assessments_with_authors() -> QuerySet[Assessment]:
    """Assessments with what their byline names: who made each one and who changed it last."""
    return Assessment.objects.select_related("tag", "source", "author", "modified_by")


def board_parties(plan: Plan) -> list[Party]:
    """The parties a version's board has columns for: its principals, and any other party
    that has stated a stance on it."""
    # two subqueries, not two joins: joined, every principal row of the party (one per
    # version) would meet every one of its positions (4.5 s at 1,000 versions)
    principal = plan.principal_parties.through.objects.filter(plan=plan).values("party_id")
    stated = Position.objects.filter(plan=plan).values("party_id")
    both = Q(pk__in=principal) | Q(pk__in=stated)
    return list(Party.objects.filter(both).order_by("name"))


def themes() -> QuerySet[Theme]:
    return Theme.objects.order_by("name")


def tags() -> QuerySet[Tag]:
    return Tag.objects.order_by("name")
