"""Read side: querysets that carry their own prefetching, named after what they return.

Each page calls one of these, so the number of queries a page makes does not grow with the data.
"""

import datetime
import functools
import operator
import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import quote

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import RFC3986_SUBDELIMS

from provisions import caching, diffing, positions, releases
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
    display_label,
    split_label,
)


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


def _connection_for(model):
    """The database that reads of `model` go to (a release's copy while one is being read)."""
    return connections[router.db_for_read(model)]


def _origins(plans: list[Plan]) -> dict[int, Plan]:
    """The first version of each plan's lineage (following based_on), in two queries."""
    if not plans:
        return {}
    ids = [plan.pk for plan in plans]
    sql = _ORIGINS_SQL.format(plans=Plan._meta.db_table, marks=", ".join(["%s"] * len(ids)))
    with _connection_for(Plan).cursor() as cursor:
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
        "themes",
        Prefetch("citations", queryset=_citations_by_date()),
        Prefetch("assessments", queryset=_assessments_with_authors()),
    )
    return get_object_or_404(queryset, plan__slug=plan_slug, number=number, sub=sub)


def _assessments_with_authors() -> QuerySet[Assessment]:
    """Assessments with what their byline names: who made each one and who changed it last."""
    return Assessment.objects.select_related("tag", "source", "author", "modified_by")


# --- The comparison ------------------------------------------------------------------------


@dataclass
class Comparison:
    """Two versions aligned point by point, with what a reader filters and counts by."""

    left: Plan
    right: Plan
    rows: list[diffing.Row]
    summary: dict
    notes: dict[str, list[str]] = field(default_factory=dict)  # row key -> link notes
    tags: dict[int, set[str]] = field(default_factory=dict)  # provision id -> tag slugs

    @property
    def key_rows(self) -> list[diffing.Row]:
        """The rows with a point on both sides whose words change a number, a modal word or a
        negation: the comparison's list of key changes."""
        return [row for row in self.rows if row.key_changes]

    def filtered(
        self,
        *,
        theme: str = "",
        tag: str = "",
        relation: str = "",
        changes_only: bool = False,
        row: str = "",
        flag: str = "",
    ) -> list[diffing.Row]:
        rows = self.rows
        if flag:
            rows = [r for r in rows if flag in r.flags]
        if row:
            rows = [r for r in rows if r.key == row]
        if theme:
            rows = [r for r in rows if theme in r.themes]
        if tag:
            rows = [
                r for r in rows if any(tag in self.tags.get(p.id, ()) for p in (*r.left, *r.right))
            ]
        if relation:
            rows = [r for r in rows if r.relation == relation]
        if changes_only:
            rows = [r for r in rows if r.changed]
        return rows


def _points_by_plan(plans) -> dict[int, list[diffing.Point]]:
    """The provisions of several plans as diffing points, in two queries (as plain rows: a
    comparison's first reader pays for them)."""
    plans = {plan.pk: plan for plan in plans}
    themes: dict[int, list[str]] = {}
    through = Provision.themes.through.objects.filter(provision__plan_id__in=plans)
    for provision_id, slug in through.order_by("theme__name").values_list(
        "provision_id", "theme__slug"
    ):
        themes.setdefault(provision_id, []).append(slug)
    points: dict[int, list[diffing.Point]] = {pk: [] for pk in plans}
    provisions = Provision.objects.filter(plan_id__in=plans).values_list(
        "pk", "plan_id", "number", "sub", "text", "position", "label_confirmed"
    )
    page_of = {pk: _provision_page(plan.slug) for pk, plan in plans.items()}
    for pk, plan_id, number, sub, text, position, confirmed in provisions:
        plan, label = plans[plan_id], f"{number}{sub}"
        shown = display_label(label, numbered=plan.numbered, confirmed=confirmed)
        points[plan_id].append(
            diffing.Point(
                id=pk,
                plan=plan.slug,
                label=label,
                text=text,
                position=position,
                themes=tuple(themes.get(pk, ())),
                shown_as=shown if shown != label else "",
                url=page_of[plan_id](label),
            )
        )
    return points


def _provision_page(plan_slug: str):
    """label -> the address of that point's page in this plan, quoted as reverse() quotes it:
    one reverse() per plan rather than per point."""
    stem = reverse("provisions:provision-detail", args=[plan_slug, "0"]).removesuffix("0/")
    return lambda label: f"{stem}{quote(label, safe=RFC3986_SUBDELIMS + '~:@')}/"


CHAIN_ROUNDS = 4  # as far as diffing.align follows a chain of links


def _confirmed_links(plans: dict[int, Plan]) -> list[tuple]:
    """The confirmed links a chain from these versions can reach: links touching them, then
    links touching the versions those lead to, for as many rounds as a chain may be long. Each
    as (earlier id, later id, relation, earlier plan's slug, later plan's slug, note)."""
    reached, frontier, found = set(plans), set(plans), {}
    confirmed = Correspondence.objects.filter(status=Correspondence.Status.CONFIRMED)
    for _ in range(CHAIN_ROUNDS):
        if not frontier:
            break
        # a union of two halves rather than one OR: each half can start from the index on the
        # provisions' plan, where an OR across two joined tables scans every link. The plans'
        # slugs are not joined in: that doubled the time PostgreSQL took to plan each round
        fields = (
            "pk", "earlier_id", "later_id", "relation", "earlier__plan_id", "later__plan_id",
            "note",
        )  # fmt: skip
        halves = [
            confirmed.filter(**{f"{side}__plan_id__in": frontier}).order_by().values_list(*fields)
            for side in ("earlier", "later")
        ]
        frontier = set()
        for pk, *link in halves[0].union(halves[1]):
            found[pk] = link
            frontier |= {link[3], link[4]} - reached
        reached |= frontier
    slugs = {pk: plan.slug for pk, plan in plans.items()}
    if others := reached - set(slugs):  # versions only a chain passes through
        slugs.update(Plan.objects.filter(pk__in=others).values_list("pk", "slug"))
    return [
        (earlier, later, relation, slugs[earlier_plan], slugs[later_plan], note)
        for _, (earlier, later, relation, earlier_plan, later_plan, note) in sorted(found.items())
        if earlier_plan in slugs and later_plan in slugs  # (a version deleted meanwhile)
    ]  # in the links' order, whatever order the union came back in


def dataset_stamp() -> str:
    """Moves on with every edit: see provisions.caching."""
    return caching.dataset_stamp()


def comparisons(pairs: list[tuple[Plan, Plan]]) -> list[Comparison]:
    """Align each (left, right) pair of versions: from the cache when nothing a comparison is
    worked out from changed since, otherwise all missing pairs in a fixed number of queries."""
    if not pairs:
        return []
    return _cached_per_pair(pairs, "comparison:v4", _compare, caching.stamp_of(COMPARED))


# What _compare reads (and the diffing.Points it builds, and the Plans a Comparison keeps). An
# edit to any other model (a position, a citation, a source, a coverage note) leaves every
# comparison standing: where the parties stand and where sources disagree are read apart.
# A model _compare comes to read must be added here.
COMPARED = (Plan, Provision, Provision.themes.through, Theme, Correspondence, Assessment, Tag)


def _cached_per_pair(pairs: list[tuple[Plan, Plan]], name: str, compute, stamp: str) -> list:
    """A value per (left, right) pair, each cached under `name`, the pair and the stamp;
    `compute(missing pairs)` gives those not cached, in their order, in one call."""
    keys = [f"{name}:{left.pk}:{right.pk}:{stamp}" for left, right in pairs]
    cached = cache.get_many(keys)
    missing = [(key, pair) for key, pair in zip(keys, pairs, strict=True) if key not in cached]
    if missing:
        values = compute([pair for _, pair in missing])
        fresh = {key: value for (key, _), value in zip(missing, values, strict=True)}
        cache.set_many(fresh, timeout=COMPARISON_TIMEOUT)
        cached.update(fresh)
    return [cached[key] for key in keys]


COMPARISON_TIMEOUT = 24 * 3600  # keys carry a stamp; old ones just expire


def _compare(pairs: list[tuple[Plan, Plan]]) -> list[Comparison]:
    plans = {plan.pk: plan for pair in pairs for plan in pair}
    points = _points_by_plan(plans.values())
    links = _confirmed_links(plans)
    graph = [diffing.Link(*link[:5]) for link in links]
    notes_of: dict[int, list[tuple[str, str, str]]] = {}
    for earlier, later, _, earlier_plan, later_plan, note in links:
        if note:
            for end in (earlier, later):
                notes_of.setdefault(end, []).append((earlier_plan, later_plan, note))
    tags: dict[int, set[str]] = {}
    assessed = Assessment.objects.filter(provision__plan_id__in=plans)
    for provision_id, tag_slug in assessed.values_list("provision_id", "tag__slug"):
        tags.setdefault(provision_id, set()).add(tag_slug)

    results = []
    for left, right in pairs:
        rows = diffing.align(points[left.pk], points[right.pk], graph)
        notes = _notes(rows, left, right, notes_of)
        results.append(Comparison(left, right, rows, diffing.summarise(rows), notes, tags))
    return results


def _notes(rows, left: Plan, right: Plan, notes_of) -> dict[str, list[str]]:
    """What changed and who says so: for each row, the notes of the links that touch its
    provisions and stay within the compared versions and the ones its chain passed through."""
    notes: dict[str, list[str]] = {}
    for row in rows:
        plans = {left.slug, right.slug, *row.path}
        row_notes = [
            note
            for p in (*row.left, *row.right)
            for earlier_plan, later_plan, note in notes_of.get(p.id, ())
            if earlier_plan in plans and later_plan in plans
        ]
        if row_notes:
            notes[row.key] = list(dict.fromkeys(row_notes))
    return notes


def changed_counts(pairs: list[tuple[Plan, Plan]]) -> dict[int, int]:
    """Rows changed between each (base, version) pair, keyed by the version: cached on their
    own, so the home page does not unpickle whole comparisons to count them."""
    counts = _per_pair(pairs, "changed:v1", lambda c: sum(row.changed for row in c.rows))
    return {right.pk: count for (_, right), count in zip(pairs, counts, strict=True)}


def _per_pair(pairs: list[tuple[Plan, Plan]], name: str, value_of) -> list:
    """`value_of(comparison)` for each (left, right) pair, cached on its own under `name` and
    the comparisons' stamp; the comparisons are read (or computed) only for the pairs
    missing."""
    if not pairs:
        return []
    return _cached_per_pair(
        pairs, name, lambda missing: [value_of(c) for c in comparisons(missing)],
        caching.stamp_of(COMPARED),
    )  # fmt: skip


def comparison_statuses(comparison: Comparison) -> dict:
    """Today's status of each point of a comparison (positions cannot be dated in the future:
    the status from all of them is today's)."""
    plan_pk = {comparison.left.slug: comparison.left.pk, comparison.right.slug: comparison.right.pk}
    return positions.point_statuses(
        {p.id: plan_pk[p.plan] for row in comparison.rows for p in (*row.left, *row.right)}
    )


def comparison(left: Plan, right: Plan) -> Comparison:
    """Align two versions through the confirmed correspondences (see diffing.align)."""
    return comparisons([(left, right)])[0]


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
    scores = _per_pair([pair for pair, _ in pairs], "score:v1", _score)
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


@dataclass
class LineageEntry:
    provision: Provision
    relation: str  # the relation of the link that reached it
    direction: str  # "earlier" or "later" than the provision the lineage starts from
    steps: int
    note: str


LINEAGE_STEPS = 12  # versions away; a longer chain is cut there

_LINEAGE_SQL = """
WITH RECURSIVE
  successors(id, relation, note, steps) AS (
    SELECT later_id, relation, note, 1 FROM {links} WHERE earlier_id = %s AND status = %s
    UNION
    SELECT c.later_id, c.relation, c.note, s.steps + 1
    FROM {links} c JOIN successors s ON c.earlier_id = s.id
    WHERE c.status = %s AND s.steps < %s
  ),
  predecessors(id, relation, note, steps) AS (
    SELECT earlier_id, relation, note, 1 FROM {links} WHERE later_id = %s AND status = %s
    UNION
    SELECT c.earlier_id, c.relation, c.note, p.steps + 1
    FROM {links} c JOIN predecessors p ON c.later_id = p.id
    WHERE c.status = %s AND p.steps < %s
  )
SELECT id, relation, note, steps, 'later' FROM successors
UNION ALL
SELECT id, relation, note, steps, 'earlier' FROM predecessors
"""


def provision_lineage(provision: Provision) -> list[LineageEntry]:
    """Every provision linked to this one through confirmed links: its predecessors going back
    and its successors going forward (never sideways into other branches), by date. Two queries
    however long the chain."""
    confirmed = Correspondence.Status.CONFIRMED
    sql = _LINEAGE_SQL.format(links=Correspondence._meta.db_table)
    params = [provision.pk, confirmed, confirmed, LINEAGE_STEPS] * 2
    reached: dict[int, tuple[str, str, int, str]] = {}
    with _connection_for(Correspondence).cursor() as cursor:
        cursor.execute(sql, params)
        for pk, relation, note, steps, direction in cursor.fetchall():
            if pk != provision.pk and (pk not in reached or steps < reached[pk][2]):
                reached[pk] = (relation, direction, steps, note)
    provisions = Provision.objects.filter(pk__in=reached).select_related("plan")
    entries = [LineageEntry(p, *reached[p.pk]) for p in provisions]
    return sorted(entries, key=lambda e: (e.provision.plan.presented_on, e.provision.position))


def parse_moment(value: str, *, day_ends: bool = False) -> datetime.datetime | None:
    """One instant from a query string, in UTC: an ISO 8601 date and time (2026-01-31T12:00Z,
    with or without seconds or offset; without one it is UTC) or a date, which means its
    midnight, or with `day_ends` the end of that day. None when the value names no instant:
    not that shape, an impossible date (2026-02-30) or offset (+99:00), or a moment that leaves
    the calendar once it is moved to UTC (0001-01-01T00:00+23:00), which no database can hold.
    Every date-and-time parameter (as_of, since, updated_since) is read by this."""
    if not isinstance(value, str) or not value.isascii():
        return None
    value = value.strip()
    # "+00:00" sent unencoded arrives as " 00:00": read it as the offset it was
    value = re.sub(r"([T ][0-9:.]+) ([0-9]{2}:?[0-9]{2})$", r"\1+\2", value)
    try:
        moment = parse_datetime(value) if "T" in value or " " in value else None
        if moment is None:
            day = parse_date(value)
            if day is None:
                return None
            moment = datetime.datetime.combine(
                day, datetime.time.max if day_ends else datetime.time()
            )
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        return None


def parse_as_of(value: str) -> datetime.datetime | None:
    """`?as_of=`: a date means the end of that day (UTC); a date and time means that moment.
    None when the value names no instant (parse_moment)."""
    return parse_moment(value, day_ends=True)


def provision_as_of(provision: Provision, moment: datetime.datetime):
    """The provision's saved state at `moment`, from its history (None before its first record
    on this database)."""
    return (
        provision.history.filter(history_date__lte=moment)
        .order_by("-history_date", "-history_id")
        .first()
    )


def provision_history(provision: Provision) -> list[dict]:
    """The saved revisions, newest first, each with the word diff from the revision before."""
    history = provision.history.select_related("history_user")
    if (release := releases.reading_release()) is not None:
        # a release's page shows the revisions made up to the release, not those after it
        history = history.filter(history_date__lte=release.published_at)
    records = list(history.order_by("history_date", "history_id"))
    entries, previous = [], None
    for record in records:
        entries.append(
            {
                "record": record,
                "runs": diffing.word_diff(previous.text, record.text) if previous else [],
                "changed": previous is None or previous.text != record.text,
            }
        )
        previous = record
    return entries[::-1]


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


# --- Search --------------------------------------------------------------------------------

# --- Version pickers ---------------------------------------------------------------------------

# the options of a version picker: the latest versions (the whole curated dataset, a small
# part of a large archive: a select of 10,000 options is 600 kB of every page that has one)
PICKER_VERSIONS = 100
PICKER_FIELDS = ("pk", "slug", "short_name", "presented_on", "withdrawn")


def picker_label(version) -> str:
    """How a picker names a version (a Plan or a picker row): "28-point plan (Nov 2025)", and
    "— withdrawn" in words (an <option> can carry no other mark a screen reader announces)."""
    on = version.presented_on
    withdrawn = " — withdrawn" if version.withdrawn else ""
    return f"{version.short_name} ({MONTHS[on.month - 1]} {on.year}){withdrawn}"


# as the date filter's "M Y" gives them, without its format parsing per call (a picker can
# offer a hundred versions)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class PickerVersions(list):
    """Light rows in date order (pk, slug, short_name, presented_on, withdrawn). `earlier`:
    older versions on record are not among them (each is reached from its own page)."""

    earlier = False


def picker_versions(*chosen: Plan | None) -> PickerVersions:
    """The latest PICKER_VERSIONS versions not withdrawn, and any version the page already
    names (withdrawn or older), so a picker shows what is chosen. One query."""
    latest = list(
        Plan.objects.filter(withdrawn=False)
        .order_by("-presented_on", "-slug")
        .values_list(*PICKER_FIELDS, named=True)[: PICKER_VERSIONS + 1]
    )
    rows = {row.pk: row for row in latest[:PICKER_VERSIONS]}
    rows.update((plan.pk, plan) for plan in chosen if plan is not None and plan.pk not in rows)
    versions = PickerVersions(sorted(rows.values(), key=lambda row: (row.presented_on, row.slug)))
    versions.earlier = len(latest) > PICKER_VERSIONS
    return versions


# Markers put around matches before the text is escaped; the `highlight` filter turns them into
# <mark> after escaping, so stored text can never inject markup through a search result.
MATCH_START, MATCH_STOP = "\x02", "\x03"
SEARCH_LIMIT = 50
# Ranking reads every candidate's vector, and counting every match reads its row: of more
# matches than this, the ones in the latest versions are counted and ranked (the curated
# dataset has 303 points in all; 47,558 match "troops" at 10,000 synthetic versions)
SEARCH_CANDIDATES = 500


@dataclass
class SearchResults:
    query: str
    hits: list[Provision]  # each with .headline (text with match markers) and .rank
    total: int  # at most SEARCH_CANDIDATES: see `capped`
    capped: bool = False  # more points matched than were ranked


def _best(matches: QuerySet[Provision], *, rank=None, headline=None):
    """The best SEARCH_LIMIT matches (by `rank` when given, then version date and reading
    order), with their `headline` when given; how many were weighed; whether there were more.
    At most SEARCH_CANDIDATES are weighed, from the latest versions back (read in the plan
    index's order, so a frequent word stops as soon as enough are found), all of them when
    there are fewer. Two queries: the candidates with what orders them (which counts them
    too), then the rows shown, by id (joined to their own versions, not to every version)."""
    latest = matches.order_by("-plan__presented_on", "-plan__slug", "-position", "-pk")
    latest = latest.annotate(rank=rank if rank is not None else Value(0.0))
    rows = list(
        latest.values_list("pk", "rank", "plan__presented_on", "position")[: SEARCH_CANDIDATES + 1]
    )
    capped = len(rows) > SEARCH_CANDIDATES
    rows = rows[:SEARCH_CANDIDATES]
    rows.sort(key=lambda row: (-row[1], row[2], row[3], row[0]))
    best = rows[:SEARCH_LIMIT]
    shown = Provision.objects.filter(pk__in=[row[0] for row in best]).select_related("plan")
    if headline is not None:
        shown = shown.annotate(headline=headline)
    by_pk = shown.in_bulk()
    hits = []
    for pk, score, *_ in best:
        hit = by_pk[pk]
        hit.rank = score if rank is not None else None
        hits.append(hit)
    return hits, len(rows), capped


def _mark_words(text: str, words: list[str]) -> str:
    longest_first = sorted(set(words), key=len, reverse=True)  # "armed forces" before "army"
    pattern = re.compile("|".join(re.escape(w) for w in longest_first), re.IGNORECASE)
    return pattern.sub(lambda m: f"{MATCH_START}{m.group()}{MATCH_STOP}", text)


def _stored_vector() -> RawSQL:
    """The weighted vector (text A, summary B) that PostgreSQL keeps in a generated column
    (migration 0004): matched through its GIN index and ranked without parsing any text."""
    from django.contrib.postgres.search import SearchVectorField

    column = f'"{Provision._meta.db_table}"."search_vector"'
    return RawSQL(column, [], output_field=SearchVectorField())


def search(
    query: str, *, include_withdrawn: bool = False, plan: str = "", theme: str = ""
) -> SearchResults:
    """Provisions of every version matching `query`, best first (of withdrawn versions only
    when asked).

    PostgreSQL: full-text search (websearch syntax, English stemming) over the stored vector,
    ranked by SearchRank with text before summary; only the rows shown get a headline.
    SQLite: every word must occur in the text or summary.
    """
    # a phone keyboard's apostrophe is a typographic one: both find either
    query = query.replace("\u2019", "'").replace("\u2018", "'")
    words = re.findall(r"\w[\w',.%$-]*", query)[:12]
    if not words:
        return SearchResults(query, [], 0)
    base = Provision.objects.select_related("plan")
    if not include_withdrawn:
        base = base.filter(plan__withdrawn=False)
    if plan:
        base = base.filter(plan__slug=plan)
    if theme:
        base = base.filter(themes__slug=theme)
    terms = _search_terms()
    alternatives = [_alternatives(word, terms) for word in words]
    if _connection_for(Provision).vendor == "postgresql":
        from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank

        # the reader's words in websearch syntax (quotes, "or", -word); where a word has other
        # forms or everyday equivalents ("800000" or "800,000"; "army" or "armed forces"),
        # every word instead, each as (a form | another form), and all of them together: in
        # websearch syntax "a or b c" would read as a | (b & c)
        ts_query = SearchQuery(query, search_type="websearch", config="english")
        if any(len(forms) > 1 for forms in alternatives):
            ts_query = functools.reduce(
                operator.and_,
                (
                    functools.reduce(
                        operator.or_,
                        (
                            SearchQuery(form, search_type="phrase", config="english")
                            for form in forms
                        ),
                    )
                    for forms in alternatives
                ),
            )
        matches = base.alias(search_vector=_stored_vector()).filter(search_vector=ts_query)
        headline = SearchHeadline(
            "text",
            ts_query,
            config="english",
            start_sel=MATCH_START,
            stop_sel=MATCH_STOP,
            highlight_all=True,
        )
        rank = SearchRank(F("search_vector"), ts_query)
        hits, total, capped = _best(matches, rank=rank, headline=headline)
        return SearchResults(query, hits, total, capped)

    condition = Q()
    for forms in alternatives:
        either = Q()
        for form in forms:
            either |= Q(text__icontains=form) | Q(summary__icontains=form)
        condition &= either
    hits, total, capped = _best(base.filter(condition).distinct())
    marked = [form for forms in alternatives for form in forms]
    for hit in hits:
        hit.headline = _mark_words(hit.text, marked)
    return SearchResults(query, hits, total, capped)


def _search_terms() -> dict[str, list[str]]:
    """The editors' list of everyday words and what they find (one query per search)."""
    from provisions.models import SearchTerm

    return {term.word: term.alternatives() for term in SearchTerm.objects.all()}


def _alternatives(word: str, terms: dict[str, list[str]]) -> list[str]:
    """A query word and what else it finds: a number with and without thousands separators
    ("800000" and "800,000"), and the editors' equivalents ("army": "armed forces"...)."""
    forms = [word]
    if "'" in word:  # stored text may have the typographic apostrophe
        forms.append(word.replace("'", "\u2019"))
    digits = word.replace(",", "")
    if digits.isdigit() and len(digits) >= 4:
        for form in (digits, f"{int(digits):,}"):
            if form not in forms:
                forms.append(form)
    forms += [term for term in terms.get(word.lower(), []) if term not in forms]
    return forms


# --- Dataset coverage ------------------------------------------------------------------------


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


# --- API querysets -------------------------------------------------------------------------


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
        Prefetch("citations", queryset=_citations_by_date()),
        Prefetch("assessments", _assessments_with_authors()),
        Prefetch("predecessor_links", Correspondence.objects.select_related("earlier__plan")),
        Prefetch("successor_links", Correspondence.objects.select_related("later__plan")),
    )


def plan_rows() -> QuerySet[Plan]:
    return plan_timeline().prefetch_related(
        Prefetch("provisions", Provision.objects.select_related("plan").order_by("position")),
        Prefetch("citations", queryset=_citations_by_date()),
    )
