"""Two versions aligned point by point (diffing.align), computed once per state of what a
comparison reads."""

from dataclasses import dataclass, field
from urllib.parse import quote

from django.core.cache import cache
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS

from provisions import caching, diffing, positions
from provisions.models import Assessment, Correspondence, Plan, Provision, Tag, Theme, display_label


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
    counts = per_pair(pairs, "changed:v1", lambda c: sum(row.changed for row in c.rows))
    return {right.pk: count for (_, right), count in zip(pairs, counts, strict=True)}


def per_pair(pairs: list[tuple[Plan, Plan]], name: str, value_of) -> list:
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
