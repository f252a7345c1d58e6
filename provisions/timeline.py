"""The negotiation timeline: the versions and the parties' dated stances on one time axis, one
lane per party, and below it each version's points by status over time.

Data first, in a fixed number of queries whatever the size of the data (versions with their
parties: one; stances counted per party, day, version and stance: one; the status panel: three),
then every coordinate in Python, so that `provisions/_timeline.svg` only draws.

The axis is a sequence of the dates on which something happened, not a linear calendar: a
linear one would crowd the November 2025 week (a dozen versions and a hundred stances) into a
few pixels beside years of empty space. Each date gets a column wide enough for its marks, the
space between two dates grows with the days between them (up to `Scale.gap_days`), and a longer
silence is drawn as a break that says how long it was. The dates themselves are written on the
axis and in the tables, so nothing is read off a distorted ruler.
"""

import datetime
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Count, Max, Min, Q
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.http import urlencode

from provisions.models import Plan, Position, Provision, Source
from provisions.pictures import ADDED, DROPPED, FONT, INK, MUTED, PALETTE, TINT, clean, wrap
from provisions.positions import (
    AGAINST,
    IN_PRINCIPLE,
    STANCE_SYMBOLS,
    STATUS_LABELS,
    STATUS_SYMBOLS,
    SUPPORT,
    Stance,
    Status,
    point_stances,
    point_status,
)

Precision = Source.DatePrecision

# the periods readers ask for: the two years of the talks, and the two months of the
# 28-point plan and its counter-proposals; (label, from, to); "All" is the whole record
PERIODS = [
    ("2025", "2025-01-01", "2025-12-31"),
    ("Nov–Dec 2025", "2025-11-01", "2025-12-31"),
    ("2026", "2026-01-01", "2026-12-31"),
    ("All", "", ""),
]


def quick_periods(*, start, end) -> list[tuple[str, str, bool]]:
    """The quick links: (label, query string, whether it is the period shown)."""
    links = []
    for label, first, last in PERIODS:
        bounds = tuple(datetime.date.fromisoformat(d) if d else None for d in (first, last))
        query = urlencode({"from": first, "to": last}) if first else ""
        links.append((label, query, bounds == (start, end)))
    return links


# a stance's colour says which way it leans (the board's colours); its symbol says which stance
GREEN, RED = "#2f6d3a", "#9b1c1c"
STANCE_COLOURS = {
    **dict.fromkeys(SUPPORT | IN_PRINCIPLE, GREEN),
    Stance.UNDER_DISCUSSION: MUTED,
    **dict.fromkeys(AGAINST, RED),
}
# the status panel's fills: a texture as well as a colour, so that the shares read in greyscale
# (the patterns are defined in the template, by these names)
STATUS_FILLS = {
    Status.AGREED: GREEN,
    Status.WORDING_OPEN: "url(#tl-lines-green)",
    Status.OPEN: "#c4c4cb",
    Status.DISPUTED: "url(#tl-hatch-red)",
    Status.REJECTED: "url(#tl-cross-red)",
    Status.NO_RECORD: TINT,
}
COLOURS = {**PALETTE, "version": ADDED}
COUNT_COLOUR = DROPPED  # the number beside a mark that stands for several stances


@dataclass(frozen=True)
class Scale:
    slot: int  # one mark's width
    lane: int  # one lane's height
    gutter: int  # the lanes' names
    gap: int  # the least space between two dates
    day: float  # and how much more per day between them
    gap_days: int  # beyond this, a break
    label_chars: int  # a version's name on the picture
    lane_lines: int  # a party's name in the gutter
    font: int


FULL = Scale(
    slot=18, lane=34, gutter=176, gap=6, day=1.5, gap_days=21, label_chars=28, lane_lines=2, font=11
)
COMPACT = Scale(
    slot=17, lane=20, gutter=150, gap=4, day=1, gap_days=21, label_chars=24, lane_lines=1, font=10
)
BREAK = 46  # the width of a break in the axis
MARGIN = 12
VERSION_MARK = 10  # the side of a version's square
LABEL_ANGLE = 45  # the versions' names, in degrees above the horizontal
LABEL_SIN = LABEL_COS = math.sqrt(2) / 2


# --- the data ---------------------------------------------------------------------------------


@dataclass
class Version:
    slug: str
    name: str
    on: datetime.date
    parties: list[tuple[int | None, str]]  # (party id, name); (None, …) when none is recorded

    @property
    def url(self) -> str:
        return reverse("provisions:plan-detail", args=[self.slug])

    @property
    def party_names(self) -> list[str]:
        return [name for pk, name in self.parties if pk is not None]


NO_PARTY = (None, "No party recorded")


@dataclass
class Group:
    """A party's stances on one version stated on one day: one mark, however many points."""

    party: tuple[int, str]
    on: datetime.date
    precision: str
    plan_id: int
    plan_slug: str
    plan_name: str
    stances: Counter = field(default_factory=Counter)
    provisions: set = field(default_factory=set)  # the ids of the points spoken to
    label: str = ""  # the point's label when there is exactly one
    whole: int = 0  # how many are on the version as a whole

    @property
    def count(self) -> int:
        return sum(self.stances.values())

    @property
    def stance(self) -> str:
        """The most frequent stance (the earlier in the model's order on a tie)."""
        order = list(Stance)
        return min(self.stances, key=lambda s: (-self.stances[s], order.index(s)))

    @property
    def url(self) -> str:
        if self.label and not self.whole:
            return reverse("provisions:provision-detail", args=[self.plan_slug, self.label])
        board = reverse("provisions:board", args=[self.plan_slug])
        return f"{board}?as_of={self.on.isoformat()}"

    @property
    def on_display(self) -> str:
        return _display(self.on, self.precision)

    @property
    def breakdown(self) -> str:
        return ", ".join(f"{n} {Stance(s).label.lower()}" for s, n in self.stances.most_common())

    @property
    def subject(self) -> str:
        if self.label and not self.whole:
            return f"point {self.label}"
        if self.whole == self.count:
            return "the version as a whole"
        points = len(self.provisions)
        return f"{points} point{'s' if points != 1 else ''}" + (
            " and the version as a whole" if self.whole else ""
        )


@dataclass
class Step:
    on: datetime.date
    counts: Counter
    total: int
    url: str = ""  # the board as of that day

    @property
    def shares(self) -> list[tuple[Status, int, float]]:
        return [(s, self.counts[s], self.counts[s] / self.total) for s in Status if self.counts[s]]


@dataclass
class StatusHistory:
    slug: str
    name: str
    steps: list[Step]

    def __post_init__(self):
        board = reverse("provisions:board", args=[self.slug])
        for step in self.steps:
            step.url = f"{board}?as_of={step.on.isoformat()}"


def _display(on: datetime.date, precision: str = Precision.DAY) -> str:
    if precision == Precision.YEAR:
        return date_format(on, "Y")
    if precision == Precision.MONTH:
        return date_format(on, "M Y")
    return date_format(on, "j M Y")


def _within(name: str, start: datetime.date | None, end: datetime.date | None) -> dict:
    bounds = {f"{name}__gte": start, f"{name}__lte": end}
    return {key: value for key, value in bounds.items() if value is not None}


def _versions(plans) -> list[Version]:
    """Versions with their parties, in one query (a join: a version without parties still
    comes, with None)."""
    rows = plans.order_by("presented_on", "slug").values_list(
        "slug", "short_name", "presented_on", "parties__pk", "parties__name"
    )
    versions: dict[str, Version] = {}
    for slug, name, on, party, party_name in rows:
        version = versions.setdefault(slug, Version(slug, name, on, []))
        version.parties.append((party, party_name) if party is not None else NO_PARTY)
    return list(versions.values())


def _groups(start, end) -> list[Group]:
    """The stances in the period, counted per party, day, version and stance by the database
    (one row per group and stance, not one per stance)."""
    rows = (
        Position.objects.filter(plan__withdrawn=False, **_within("stated_on", start, end))
        .values(
            "party_id",
            "party__name",
            "stated_on",
            "date_precision",
            "plan_id",
            "plan__slug",
            "plan__short_name",
            "stance",
        )
        .annotate(
            n=Count("pk"),
            first=Min("provision_id"),
            last=Max("provision_id"),
            whole=Count("pk", filter=Q(provision__isnull=True)),
            number=Max("provision__number"),
            sub=Max("provision__sub"),
        )
        .order_by("stated_on", "party_id", "plan__slug", "date_precision", "stance")
    )
    groups: dict[tuple, Group] = {}
    for row in rows:
        key = (row["party_id"], row["stated_on"], row["plan_id"], row["date_precision"])
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(
                party=(row["party_id"], row["party__name"]),
                on=row["stated_on"],
                precision=row["date_precision"],
                plan_id=row["plan_id"],
                plan_slug=row["plan__slug"],
                plan_name=row["plan__short_name"],
            )
        group.stances[row["stance"]] += row["n"]
        group.whole += row["whole"]
        if row["first"] is not None:
            group.provisions |= {row["first"], row["last"]}
            group.label = f"{row['number']}{row['sub']}"
    for group in groups.values():
        if len(group.provisions) != 1:
            group.label = ""  # several points: the mark leads to the board of that day
    return list(groups.values())


def _status_histories(groups: list[Group], end) -> list[StatusHistory]:
    """Per version with stances in the period: its points' statuses after each date on which
    they changed, by the board's rule (positions.point_status over positions.point_stances),
    in three queries."""
    names = {g.plan_id: (g.plan_slug, g.plan_name) for g in groups}
    if not names:
        return []
    start = min(g.on for g in groups)
    stated = (
        Position.objects.filter(plan_id__in=names, **_within("stated_on", None, end))
        .order_by("plan_id", "stated_on", "pk")
        .values_list("plan_id", "stated_on", "provision_id", "party_id", "stance")
    )
    points: dict[int, list[int]] = defaultdict(list)
    for plan_id, pk in Provision.objects.filter(plan_id__in=names).values_list("plan_id", "pk"):
        points[plan_id].append(pk)
    principals: dict[int, list[int]] = defaultdict(list)
    through = Plan.principal_parties.through.objects.filter(plan_id__in=names)
    for plan_id, party_id in through.values_list("plan_id", "party_id"):
        principals[plan_id].append(party_id)
    histories = []
    for plan_id, rows in groupby(stated, key=lambda row: row[0]):
        steps = _steps(rows, points[plan_id], principals[plan_id], start)
        if steps:
            histories.append(StatusHistory(*names[plan_id], steps))
    return sorted(histories, key=lambda h: (h.steps[0].on, h.name))


def _steps(rows, points: list[int], principals: list[int], start) -> list[Step]:
    """The counts of each status after each day whose stances changed them (a party restating
    its stance changes nothing); the later of two stances on one day wins, as on the board."""
    if not points:
        return []
    whole: dict[int, str] = {}
    on_point: dict[int, dict[int, str]] = defaultdict(dict)
    previous = Counter({Status.NO_RECORD: len(points)})
    steps = []
    for on, day in groupby(rows, key=lambda row: row[1]):
        for _plan, _on, provision_id, party, stance in day:
            (on_point[provision_id] if provision_id else whole)[party] = stance
        counts = Counter(
            point_status(point_stances(whole, on_point.get(pk, {})), principals) for pk in points
        )
        if counts != previous and on >= start:
            steps.append(Step(on, counts, len(points)))
        previous = counts
    return steps


# --- the layout -------------------------------------------------------------------------------


@dataclass
class Lane:
    party: tuple[int | None, str]
    y: float  # the middle
    top: float
    lines: list[str]
    marks: int = 0
    stripe: bool = False  # every other lane is tinted, to follow a lane across the picture

    @property
    def texts(self) -> list[tuple[float, str]]:
        first = self.y + 4 - 6.5 * (len(self.lines) - 1)
        return [(round(first + 13 * index, 1), line) for index, line in enumerate(self.lines)]


@dataclass
class Column:
    on: datetime.date
    x: float  # the left edge
    versions: int
    slots: int
    scale: Scale

    def slot(self, index: int) -> float:
        return self.x + (index + 0.5) * self.scale.slot

    @property
    def middle(self) -> float:
        return self.x + self.slots * self.scale.slot / 2

    @property
    def right(self) -> float:
        return self.x + self.slots * self.scale.slot


@dataclass
class VersionMark:
    version: Version
    x: float
    ys: list[float]
    label: str
    label_y: float = 0
    title: str = ""

    @property
    def top(self) -> float:
        return min(self.ys)

    @property
    def bottom(self) -> float:
        return max(self.ys)

    @property
    def boxes(self) -> list[tuple[float, float]]:
        """The corners of its marks: a square (a version) where a circle is a stance."""
        return [(self.x - VERSION_MARK / 2, y - VERSION_MARK / 2) for y in self.ys]

    @property
    def label_x(self) -> float:
        return self.x - 3

    @property
    def rotation(self) -> str:
        return f"rotate({-LABEL_ANGLE} {self.label_x} {self.label_y})"

    @property
    def leader(self) -> tuple[float, float]:
        return self.label_y + 2, self.top - VERSION_MARK / 2 - 2


@dataclass
class PositionMark:
    group: Group
    x: float
    y: float
    symbol: str
    colour: str
    title: str

    @property
    def text_y(self) -> float:
        return round(self.y + 3.5, 1)

    @property
    def count(self) -> tuple[float, float, int] | None:
        """Where the number of stances goes, when the mark stands for more than one."""
        count = self.group.count
        return (round(self.x + 5, 1), round(self.y + 15.5, 1), count) if count > 1 else None

    @property
    def dashed(self) -> bool:
        return self.group.precision != Precision.DAY


@dataclass
class Segment:
    y: float
    height: float
    fill: str


@dataclass
class Bar:
    x: float
    segments: list[Segment]
    url: str
    title: str


@dataclass
class StatusRow:
    history: StatusHistory
    y: float  # the bars' bottom
    lines: list[str]
    bars: list[Bar]

    @property
    def texts(self) -> list[tuple[float, str]]:
        return [(round(self.y - 20 + 13 * index, 1), line) for index, line in enumerate(self.lines)]

    @property
    def top(self) -> float:
        return round(self.y - self.height, 1)

    @property
    def height(self) -> float:
        return STATUS_ROW - 8


@dataclass
class Tick:
    x: float
    text: str


@dataclass
class Break:
    x: float  # the middle
    text: str

    @property
    def left(self) -> float:
        return round(self.x - BREAK / 2 + 6, 1)

    @property
    def width(self) -> float:
        return BREAK - 12


MAX_DATES = 120  # dates drawn at most: the latest ones of the period, the rest by zooming


@dataclass
class Timeline:
    start: datetime.date | None
    end: datetime.date | None
    versions: list[Version]
    groups: list[Group]
    histories: list[StatusHistory]
    scale: Scale
    width: float = 0
    height: float = 0
    lanes: list[Lane] = field(default_factory=list)
    version_marks: list[VersionMark] = field(default_factory=list)
    position_marks: list[PositionMark] = field(default_factory=list)
    days: list[Tick] = field(default_factory=list)
    months: list[Tick] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)
    axis_y: float = 0
    lanes_top: float = 0
    lanes_bottom: float = 0
    status_top: float = 0
    status_rows: list[StatusRow] = field(default_factory=list)
    legend: list = field(default_factory=list)
    cut_before: datetime.date | None = None  # the first date drawn, when earlier ones are not

    font = FONT
    colours = COLOURS
    count_colour = COUNT_COLOUR

    @property
    def earlier_query(self) -> str:
        """The query string of the part of the period left undrawn (see `timeline`)."""
        if self.cut_before is None:
            return ""
        params = {"to": (self.cut_before - datetime.timedelta(days=1)).isoformat()}
        if self.start:
            params["from"] = self.start.isoformat()
        return urlencode(params)

    max_dates = MAX_DATES

    @property
    def footer_y(self) -> float:
        return self.height - 8

    @property
    def rows_y(self) -> dict[str, float]:
        """The axis' rows of text (tick ends, days, months) and the status panel's heading."""
        return {
            "ticks": self.axis_y + 4,
            "days": self.axis_y + 14,
            "months": self.axis_y + 28,
            "status": self.status_top + 12,
        }

    @property
    def lanes_height(self) -> float:
        return self.lanes_bottom - self.lanes_top

    @property
    def empty(self) -> bool:
        return not (self.versions or self.groups)

    @property
    def first(self) -> datetime.date | None:
        dates = [v.on for v in self.versions] + [g.on for g in self.groups]
        return min(dates, default=None)

    @property
    def last(self) -> datetime.date | None:
        dates = [v.on for v in self.versions] + [g.on for g in self.groups]
        return max(dates, default=None)

    @property
    def groups_by_party(self) -> list[tuple[str, list[Group]]]:
        """The stances for the table: by lane (the picture's order), then by date."""
        by_party = defaultdict(list)
        for group in self.groups:
            by_party[group.party].append(group)
        return [
            (lane.party[1], by_party[lane.party]) for lane in self.lanes if lane.party in by_party
        ]


def timeline(*, start: datetime.date | None = None, end: datetime.date | None = None) -> Timeline:
    """Everything on record between `start` and `end` (either may be open): the versions
    presented, the stances stated and the status of each version's points after each change.
    A period with more than MAX_DATES dates on record is drawn from its latest MAX_DATES
    (`cut_before` says where the picture starts), so what a page costs does not grow with the
    archive: a thousand versions drawn at once took seven seconds and were unreadable."""
    cut_before = _window_start(start, end)
    drawn_from = cut_before or start
    plans = Plan.objects.filter(withdrawn=False, **_within("presented_on", drawn_from, end))
    groups = _groups(drawn_from, end)
    histories = _status_histories(groups, end)
    shown = Timeline(start, end, _versions(plans), groups, histories, FULL, cut_before=cut_before)
    return _lay_out(shown)


def _window_start(start, end) -> datetime.date | None:
    """The earliest of the period's latest MAX_DATES dates on record, when it has more (one
    query: the dates of versions and of stances, newest first, cut at MAX_DATES + 1)."""
    presented = (
        Plan.objects.filter(withdrawn=False, **_within("presented_on", start, end))
        .values_list("presented_on", flat=True)
        .order_by()
    )
    stated = (
        Position.objects.filter(plan__withdrawn=False, **_within("stated_on", start, end))
        .values_list("stated_on", flat=True)
        .order_by()
    )
    dates = list(presented.union(stated).order_by("-presented_on")[: MAX_DATES + 1])
    return dates[MAX_DATES - 1] if len(dates) > MAX_DATES else None


def overview(plans: list[Plan]) -> Timeline:
    """The home page's picture: the versions its list shows (`plans`, with their parties
    prefetched), on their parties' lanes; no query of its own, and the list says the same."""
    versions = [
        Version(p.slug, p.short_name, p.presented_on,
                [(party.pk, party.name) for party in p.parties.all()] or [NO_PARTY])
        for p in plans
        if not p.withdrawn
    ]  # fmt: skip
    return _lay_out(Timeline(None, None, versions, [], [], COMPACT))


def _lay_out(shown: Timeline) -> Timeline:
    scale = shown.scale
    columns = _columns(shown, scale)
    lanes = _lanes(shown, scale)
    version_x, group_x = _slots(shown, columns)
    labels = [
        VersionMark(v, version_x[i], [], wrap(v.name, scale.label_chars, lines=1)[0])
        for i, v in enumerate(shown.versions)
    ]
    # the names run up and to the right at LABEL_ANGLE from their own slots, one slot apart at
    # least: parallel lines that far apart never overlap (slot × sin(angle) ≥ a line of text)
    reach = max((_text_width(m.label, scale) for m in labels), default=0)
    label_band = MARGIN + reach * LABEL_SIN + 10
    for index, lane in enumerate(lanes):
        lane.top = label_band + index * scale.lane
        lane.y = lane.top + scale.lane / 2
    lane_of = {lane.party: lane for lane in lanes}
    for mark in labels:
        version = mark.version
        mark.ys = sorted(lane_of[party].y for party in version.parties)
        mark.label_y = label_band - 6
        mark.title = clean(
            f"{version.name}, {_display(version.on)}: "
            + (", ".join(version.party_names) or NO_PARTY[1])
        )
    shown.version_marks = labels
    shown.position_marks = [
        PositionMark(
            group,
            group_x[index],
            lane_of[group.party].y,
            STANCE_SYMBOLS.get(group.stance, "?"),
            STANCE_COLOURS.get(group.stance, INK),
            clean(
                f"{group.party[1]} on the {group.plan_name}, {group.on_display} "
                f"({group.subject}): {group.breakdown}"
            ),
        )
        for index, group in enumerate(shown.groups)
    ]
    shown.lanes = lanes
    shown.lanes_bottom = label_band + len(lanes) * scale.lane
    shown.lanes_top = label_band
    shown.axis_y = shown.lanes_bottom + 4
    shown.days, shown.months, shown.breaks = _axis(columns, scale)
    right = max(
        [c.right for c in columns.values()]
        + [m.x + _text_width(m.label, scale) * LABEL_COS for m in labels],
        default=0,
    )
    shown.width = round(max(right, scale.gutter + 200, LEGEND_WIDTH) + MARGIN)
    bottom = _status_panel(shown, columns, shown.axis_y + 40)
    shown.height = round(_legend(shown, bottom + 8) + 22)
    return shown


def _text_width(text: str, scale: Scale) -> float:
    """About how wide a line of text is (the font's average letter is about 0.6 em)."""
    return len(text) * scale.font * 0.6


def _columns(shown: Timeline, scale: Scale) -> dict[datetime.date, Column]:
    """A column per date, wide enough for the day's versions side by side and, after them, the
    most marks any one party has that day; spaced by the days between them (see the module's
    docstring), and a break where the record is silent for longer."""
    versions = Counter(v.on for v in shown.versions)
    per_party = Counter((g.on, g.party) for g in shown.groups)
    marks = Counter()
    for (on, _party), count in per_party.items():
        marks[on] = max(marks[on], count)
    columns, x, previous = {}, scale.gutter, None
    for on in sorted(versions.keys() | marks.keys()):
        if previous is not None:
            days = (on - previous).days
            x += BREAK if days > scale.gap_days else scale.gap + scale.day * days
        columns[on] = Column(on, x, versions[on], versions[on] + marks[on], scale)
        x = columns[on].right
        previous = on
    return columns


def _lanes(shown: Timeline, scale: Scale) -> list[Lane]:
    """One lane per party with a mark in the period, the busiest first: the eye starts at the
    top, and the lines that join a joint version's marks stay short, since the parties that
    draft together are mostly the busy ones. (In the record that puts Ukraine, the United
    States and Russia, the principal parties, on top.) A version without parties gets a last
    lane of its own rather than vanishing."""
    marks = Counter()
    for version in shown.versions:
        marks.update(version.parties)
    marks.update(group.party for group in shown.groups)
    ordered = sorted(marks, key=lambda p: (p == NO_PARTY, -marks[p], p[1].casefold()))
    return [
        Lane(party, 0, 0, wrap(party[1], 24, lines=scale.lane_lines), marks[party], index % 2 == 1)
        for index, party in enumerate(ordered)
    ]


def _slots(shown: Timeline, columns: dict) -> tuple[list[float], list[float]]:
    """Each version's x (the day's versions side by side) and each stance mark's (after the
    day's versions, a party's marks for several versions side by side): no two marks overlap."""
    version_x, used = [], Counter()
    for version in shown.versions:
        version_x.append(columns[version.on].slot(used[version.on]))
        used[version.on] += 1
    group_x, per_party = [], Counter()
    for group in shown.groups:
        column = columns[group.on]
        group_x.append(column.slot(column.versions + per_party[(group.on, group.party)]))
        per_party[(group.on, group.party)] += 1
    return version_x, group_x


def _axis(columns: dict, scale: Scale) -> tuple[list[Tick], list[Tick], list[Break]]:
    """Day numbers where there is room for them, the month and year where a month begins, and
    the breaks with the time they leave out."""
    days, months, breaks = [], [], []
    last_day = last_month = -1e9
    previous = None
    for on, column in columns.items():
        x = column.middle
        if previous is not None and (on - previous.on).days > scale.gap_days:
            breaks.append(Break((previous.right + column.x) / 2, _silence(on - previous.on)))
        if x - last_day >= 18:
            days.append(Tick(x, str(on.day)))
            last_day = x
        new_month = previous is None or (on.year, on.month) != (previous.on.year, previous.on.month)
        if new_month and x - last_month >= 64:
            months.append(Tick(x, clean(date_format(on, "M Y"))))
            last_month = x
        previous = column
    return days, months, breaks


def _silence(gap: datetime.timedelta) -> str:
    months = round(gap.days / 30.4)
    return f"{gap.days // 7} wk" if months < 2 else f"{months} mo"


STATUS_ROW = 34  # a version's row in the status panel
BAR = 10


def _status_panel(shown: Timeline, columns: dict, top: float) -> float:
    """A stacked bar per version and per date its points' statuses changed, on the lanes' x
    axis: the share of its points in each status (agreed at the bottom)."""
    if not shown.histories:
        return top
    shown.status_top = top
    y = top + 22
    for history in shown.histories:
        bottom = y + STATUS_ROW - 8
        bars = []
        for step in history.steps:
            segments, height = [], STATUS_ROW - 8
            for status, _count, share in step.shares:
                segments.append(
                    Segment(
                        round(bottom - share * height, 1),
                        round(share * height, 1),
                        STATUS_FILLS[status],
                    )
                )
                bottom -= share * height
            bottom = y + STATUS_ROW - 8
            counts = "; ".join(f"{STATUS_LABELS[s].lower()} {n}" for s, n, _ in step.shares)
            title = f"{history.name}, {_display(step.on)}: {step.total} points: {counts}"
            bars.append(Bar(columns[step.on].middle - BAR / 2, segments, step.url, clean(title)))
        shown.status_rows.append(StatusRow(history, bottom, wrap(history.name, 24, lines=2), bars))
        y += STATUS_ROW
    return y


@dataclass
class Key:
    x: float
    y: float
    kind: str  # version, stance, month, count or status
    label: str
    symbol: str = ""
    colour: str = ""

    @property
    def mark(self) -> tuple[float, float]:
        """The middle of the key's mark; its text starts at `text_x`."""
        return self.x + 9, self.y - 4

    @property
    def text_x(self) -> float:
        return self.x + 24

    @property
    def box(self) -> tuple[float, float]:
        """The corner of a version's square, or of a status's swatch."""
        if self.kind == "status":
            return self.x, self.y - 10
        return self.x + 4, self.y - 9

    @property
    def symbol_y(self) -> float:
        return self.y - 0.5


KEY_SECTIONS = {"version": 0, "stance": 1, "month": 1, "count": 1, "status": 2}  # a row each
LEGEND_WIDTH = 760


def _legend(shown: Timeline, top: float) -> float:
    """The key, in rows from the left edge (where a narrow screen shows it first)."""
    items = [Key(0, 0, "version", "a version (the line joins the parties of one document)")]
    if shown.groups:
        items += [
            Key(0, 0, "stance", s.label, STANCE_SYMBOLS[s], STANCE_COLOURS[s]) for s in Stance
        ]
        items += [
            Key(0, 0, "month", "dashed: dated to the month"),
            Key(0, 0, "count", "stances that day, if more than one", "3", COUNT_COLOUR),
        ]
    if shown.histories:
        items += [
            Key(0, 0, "status", f"{STATUS_SYMBOLS[s]} {STATUS_LABELS[s]}", colour=STATUS_FILLS[s])
            for s in Status
        ]
    x, y, section = MARGIN, top + 14, 0
    for key in items:
        width = 26 + len(key.label) * 6.2
        if x > MARGIN and (x + width > LEGEND_WIDTH or KEY_SECTIONS[key.kind] != section):
            x, y = MARGIN, y + 20
        key.x, key.y, section = x, y, KEY_SECTIONS[key.kind]
        x += width + 12
    shown.legend = items
    return y + 12
