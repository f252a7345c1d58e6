"""The scorecard: themes by versions, each version against its base or a chosen baseline."""

from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Page
from django.urls import reverse

from provisions import caching, diffing
from provisions.models import Plan, Theme
from provisions.queries.comparing import Comparison, per_pair
from provisions.queries.plans import themes

SCORE_COLUMNS = {
    "kept": (diffing.UNCHANGED, diffing.REWORDED),
    "modified": (diffing.MODIFIED, diffing.MERGED, diffing.SPLIT),
    "removed": (diffing.REMOVED,),
    "added": (diffing.NEW,),
}


@dataclass
class ScoreColumn:
    """One version's column: its comparison with its base or the baseline, earlier version on
    the left (so a version older than the baseline is read forward: what became of it)."""

    version: Plan
    left: Plan
    right: Plan
    # whether any link joins the two versions: without one, every point would count as
    # removed or added, which says nothing about the documents
    linked: bool

    @property
    def forward(self) -> bool:
        """The version is the earlier side (older than the baseline)."""
        return self.version.pk == self.left.pk and self.left.pk != self.right.pk

    @cached_property
    def compare_url(self) -> str:
        """The comparison's address, reversed once for the column's 13 cells, not per cell."""
        return reverse("provisions:compare", args=[self.left.slug, self.right.slug])


def _score(comparison: Comparison) -> tuple[dict, bool]:
    """What a scorecard column needs of a comparison: its counts by theme, and whether any
    link joins the two versions (kept per pair: a page of 25 columns does not unpickle 25
    whole comparisons)."""
    linked = any(row.left and row.right for row in comparison.rows)
    return comparison.summary["by_theme"], linked


@dataclass
class Scorecard:
    themes: list[Theme]
    columns: list[ScoreColumn]  # one per version of this page that has a base
    cells: dict[tuple[str, int], dict[str, int]]  # (theme slug, version pk) -> counts
    page: Page  # of the versions that have a base (or of all but the baseline)

    def cell(self, theme: str, plan_pk: int) -> dict[str, int]:
        return self.cells.get((theme, plan_pk), dict.fromkeys(SCORE_COLUMNS, 0))


SCORE_PAGE = 25  # versions per page: each column is a whole comparison


def scorecard(*, baseline: Plan | None = None, page_number=1) -> Scorecard:
    """Themes x versions: points kept, modified, removed, added relative to each version's base
    (the version it is based on, or the reader's baseline), one page of versions at a time: an
    archive of a thousand versions would otherwise compare them all on one request. Withdrawn
    versions get no column (one may still be a base or the baseline)."""
    # paged in the database (the plan index's order): only this page's versions are read
    plans = Plan.objects.filter(withdrawn=False).order_by("presented_on", "slug")
    if baseline is None:
        plans = plans.filter(based_on__isnull=False).select_related("based_on")
    else:
        plans = plans.exclude(pk=baseline.pk)
    page = caching.StampedCountPaginator(plans, SCORE_PAGE).get_page(page_number)
    pairs = []
    for plan in page.object_list:
        base = baseline or plan.based_on
        # a version older than the baseline is compared forward, into the baseline
        earlier_first = baseline is not None and plan.presented_on < baseline.presented_on
        pairs.append(((plan, base) if earlier_first else (base, plan), plan))
    scores = per_pair([pair for pair, _ in pairs], "score:v1", _score)
    columns = []
    cells: dict[tuple[str, int], dict[str, int]] = {}
    for ((left, right), version), (by_theme, linked) in zip(pairs, scores, strict=True):
        columns.append(ScoreColumn(version, left, right, linked))
        for theme, by_relation in by_theme.items():
            cells[(theme, version.pk)] = {
                name: sum(by_relation[r] for r in relations)
                for name, relations in SCORE_COLUMNS.items()
            }
    return Scorecard(list(themes()), columns, cells, page)
