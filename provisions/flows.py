"""Lineage pictures: how the points of a chain of versions flow into each other, and the chain
of one point through every version.

Layouts only: positions, paths and texts computed here, drawn by `_flow.svg` and
`_point_graph.svg` (see provisions.pictures for the shared visual language). A flow reads the
same cached comparisons as the comparison page, so its bands are the comparison's rows.
"""

import itertools
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from provisions import diffing, queries
from provisions.models import Correspondence, Plan
from provisions.pictures import MUTED, RELATION_STYLES, Style, clean, wrap

NODE_W, NODE_H, PITCH = 46, 18, 22  # a point's box, and the distance between two
GAP = 150  # between two columns: room for the bands
HEADER = 78  # the versions' names above their columns
HEADER_W = 180  # how wide a version's name may run
MARGIN = 12
LEGEND_LINE = 17
SUGGESTED = Style(MUTED, "1 3", 1.5, "?", "suggested", "matched by text similarity, unreviewed")


@dataclass
class Node:
    x: float
    y: float
    label: str
    url: str
    title: str
    new: bool = False  # no counterpart in the version before
    dropped: bool = False  # no counterpart in the version after


@dataclass
class Band:
    path: str
    style: Style
    url: str
    title: str
    mid: tuple[float, float]


@dataclass
class Column:
    x: float
    plan: Plan
    lines: list[tuple[int, str]]  # (y, text): the version's name and date
    count: int


@dataclass
class Flow:
    plans: list[Plan]
    comparisons: list[queries.Comparison]
    rows: list[list[diffing.Row]]  # per comparison, the rows shown (the theme's)
    columns: list[Column] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    width: float = 0
    height: float = 0
    legend_y: float = 0
    theme: str = ""

    @property
    def legend(self) -> list[tuple[float, Style]]:
        styles = [*RELATION_STYLES.values(), SUGGESTED]
        return [(self.legend_y + i * LEGEND_LINE, style) for i, style in enumerate(styles)]

    @property
    def caption(self) -> str:
        return clean(" → ".join(plan.short_name for plan in self.plans))

    @property
    def pairs(self):
        return list(zip(self.comparisons, self.rows, strict=True))


def row_url(comparison: queries.Comparison, row: diffing.Row) -> str:
    """The row on the comparison page (its permalink)."""
    base = reverse("provisions:compare", args=[comparison.left.slug, comparison.right.slug])
    return f"{base}?{urlencode({'row': row.key})}"


def flow(plans: list[Plan], *, theme: str = "") -> Flow:
    """The flow through `plans` in the order given: each version a column of its points, each
    comparison row between neighbours a band (or a dropped or new mark)."""
    compared = queries.comparisons(list(itertools.pairwise(plans)))
    rows = [c.filtered(theme=theme) for c in compared]
    result = Flow(plans, compared, rows, theme=theme)
    # each column's points: those the shown rows on either side hold, in reading order
    points: list[dict[int, diffing.Point]] = [{} for _ in plans]
    for i, shown in enumerate(rows):
        for row in shown:
            points[i].update((p.id, p) for p in row.left)
            points[i + 1].update((p.id, p) for p in row.right)
    where: dict[tuple[int, int], Node] = {}
    tallest = 0
    for i, plan in enumerate(plans):
        x = MARGIN + i * (NODE_W + GAP)
        title = f"{plan.short_name} ({plan.presented_on:%d %b %Y})"
        lines = [(16 + 14 * n, line) for n, line in enumerate(wrap(title, 23))]
        result.columns.append(Column(x, plan, lines, len(points[i])))
        ordered = sorted(points[i].values(), key=lambda p: (p.position, p.id))
        tallest = max(tallest, len(ordered))
        for n, point in enumerate(ordered):
            node = Node(
                x,
                HEADER + n * PITCH,
                clean(point.display_label)[:6],
                point.url,
                clean(f"{plan.short_name}, point {point.display_label}: {point.text}")[:240],
            )
            where[(i, point.id)] = node
            result.nodes.append(node)
    for i, (comparison, shown) in enumerate(zip(compared, rows, strict=True)):
        for row in shown:
            url = row_url(comparison, row)
            if not row.right:
                for p in row.left:
                    where[(i, p.id)].dropped = True
                continue
            if not row.left:
                for p in row.right:
                    where[(i + 1, p.id)].new = True
                continue
            style = SUGGESTED if row.status == diffing.SUGGESTED else RELATION_STYLES[row.relation]
            for a in row.left:
                for b in row.right:
                    result.bands.append(_band(where[(i, a.id)], where[(i + 1, b.id)], style, url))
    # the last version's name runs past its boxes
    result.width = MARGIN * 2 + (len(plans) - 1) * (NODE_W + GAP) + HEADER_W
    result.legend_y = HEADER + max(tallest, 1) * PITCH + 24
    result.height = result.legend_y + (len(RELATION_STYLES) + 1) * LEGEND_LINE + 28
    return result


def _band(a: Node, b: Node, style: Style, url: str) -> Band:
    x1, y1 = a.x + NODE_W, a.y + NODE_H / 2
    x2, y2 = b.x, b.y + NODE_H / 2
    bend = (x2 - x1) / 2
    path = f"M{x1:g},{y1:g} C{x1 + bend:g},{y1:g} {x2 - bend:g},{y2:g} {x2:g},{y2:g}"
    title = f"{a.label} → {b.label}: {style.label} ({style.meaning})"
    return Band(path, style, url, title, (round((x1 + x2) / 2), round((y1 + y2) / 2)))


# --- One point's lineage ------------------------------------------------------------------

BOX_W, BOX_H, ROW_GAP = 168, 48, 46


@dataclass
class Box:
    x: float
    y: float
    row: int
    lines: list[tuple[int, str]]  # (y within the box, text)
    date: str
    url: str
    current: bool


@dataclass
class Edge:
    path: str
    style: Style
    label_at: tuple[float, float]
    anchor: str = "middle"


@dataclass
class PointGraph:
    caption: str
    boxes: list[Box]
    edges: list[Edge]
    width: float
    height: float


ROUND_SIDE = 28  # how far an edge that skips a row swings out to the right of the boxes
ROUND_STEP = 18  # and the next one further out
LABEL_ROOM = 96  # for its label


def point_graph(provision, lineage: list[queries.LineageEntry], links=None) -> PointGraph | None:
    """The point and its lineage as a small graph: one row per date (earliest on top), the
    confirmed links between them as labelled edges; a link that skips a row swings out to the
    right rather than crossing the boxes between. `links`: confirmed (earlier id, later id,
    relation) that include those among these points (origins.trace reads them), else one
    query."""
    if not lineage:
        return None
    points = {provision.pk: provision} | {e.provision.pk: e.provision for e in lineage}
    rows: dict[object, list] = {}
    for p in sorted(points.values(), key=lambda p: (p.plan.presented_on, p.plan.slug, p.position)):
        rows.setdefault(p.plan.presented_on, []).append(p)
    widest = max(len(row) for row in rows.values())
    inner = widest * BOX_W + (widest - 1) * 16
    at: dict[int, Box] = {}
    boxes = []
    for r, row in enumerate(rows.values()):
        offset = MARGIN + (inner - (len(row) * BOX_W + (len(row) - 1) * 16)) // 2
        for c, p in enumerate(row):
            name = wrap(f"{p.plan.short_name}, {p.display_label}", 22, lines=2)
            box = Box(
                offset + c * (BOX_W + 16),
                MARGIN + r * (BOX_H + ROW_GAP),
                r,
                [(16 + 13 * n, line) for n, line in enumerate(name)],
                f"{p.plan.presented_on:%d %b %Y}",
                p.get_absolute_url(),
                p.pk == provision.pk,
            )
            at[p.pk] = box
            boxes.append(box)
    if links is None:
        links = Correspondence.objects.filter(
            status=Correspondence.Status.CONFIRMED, earlier__in=points, later__in=points
        ).values_list("earlier_id", "later_id", "relation")
    edges, swung = [], 0
    right = MARGIN + inner
    for a, b, relation in links:
        if a not in at or b not in at:  # a link elsewhere in the lineage's wider family
            continue
        style = RELATION_STYLES[relation]
        first, second = sorted((at[a], at[b]), key=lambda box: (box.row, box.x))
        if second.row - first.row > 1:
            edges.append(_swing(first, second, style, right + ROUND_SIDE + swung * ROUND_STEP))
            swung += 1
        else:
            edges.append(_edge(first, second, style))
    width = right + MARGIN + (ROUND_SIDE + swung * ROUND_STEP + LABEL_ROOM if swung else 0)
    height = MARGIN * 2 + len(rows) * BOX_H + (len(rows) - 1) * ROW_GAP
    caption = clean(f"{provision.plan.short_name}, point {provision.display_label}")
    return PointGraph(caption, boxes, edges, width, height)


def _edge(a: Box, b: Box, style: Style) -> Edge:
    """From the upper box's bottom to the lower one's top (boxes side by side: from side to
    side)."""
    if a.row == b.row:
        x1, y1, x2, y2 = a.x + BOX_W, a.y + BOX_H / 2, b.x, b.y + BOX_H / 2
    else:
        x1, y1, x2, y2 = a.x + BOX_W / 2, a.y + BOX_H, b.x + BOX_W / 2, b.y
    bend = (y2 - y1) / 2
    path = f"M{x1:g},{y1:g} C{x1:g},{y1 + bend:g} {x2:g},{y2 - bend:g} {x2:g},{y2:g}"
    return Edge(path, style, (round((x1 + x2) / 2), round((y1 + y2) / 2) + 4))


def _swing(a: Box, b: Box, style: Style, out: float) -> Edge:
    """A link that skips rows: from the upper box's right side out to `out` and back into the
    lower box's right side, labelled at its outermost point."""
    x1, y1, x2, y2 = a.x + BOX_W, a.y + BOX_H / 2, b.x + BOX_W, b.y + BOX_H / 2
    path = f"M{x1:g},{y1:g} C{out:g},{y1:g} {out:g},{y2:g} {x2:g},{y2:g}"
    reach = round(0.25 * (x1 + x2) / 2 + 0.75 * out)
    return Edge(path, style, (reach + 4, round((y1 + y2) / 2) + 4), anchor="start")
