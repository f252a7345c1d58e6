"""Where the parties stand: a point's status from its parties' stances, and the negotiation board.

The status is derived, never stored. `point_status` is the one rule (pure: property-tested);
`board` applies it to every point of a version as of a date, with three queries whatever the
size of the data.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Prefetch, Q

from provisions.models import Party, Plan, Position, Provision, Theme

Stance = Position.Stance
SUPPORT = frozenset({Stance.PROPOSES, Stance.ACCEPTS})
IN_PRINCIPLE = frozenset({Stance.ACCEPTS_IN_PRINCIPLE, Stance.WORDING_OPEN})
AGAINST = frozenset({Stance.REJECTS, Stance.COUNTER_PROPOSES})


class Status(StrEnum):
    AGREED = "agreed"
    WORDING_OPEN = "wording_open"
    OPEN = "open"
    DISPUTED = "disputed"
    REJECTED = "rejected"
    NO_RECORD = "no_record"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def symbol(self) -> str:
        return STATUS_SYMBOLS[self]


STATUS_LABELS = {
    Status.AGREED: "Agreed",
    Status.WORDING_OPEN: "Agreed in principle, wording open",
    Status.OPEN: "Open",
    Status.DISPUTED: "Disputed",
    Status.REJECTED: "Rejected",
    Status.NO_RECORD: "No stance recorded",
}
# a shape per status, so that it reads in greyscale and print as well as in colour
STATUS_SYMBOLS = {
    Status.AGREED: "✔",
    Status.WORDING_OPEN: "◐",
    Status.OPEN: "○",
    Status.DISPUTED: "✖",
    Status.REJECTED: "⊘",
    Status.NO_RECORD: "·",
}
STANCE_SYMBOLS = {
    Stance.PROPOSES: "➚",
    Stance.ACCEPTS: "✔",
    Stance.ACCEPTS_IN_PRINCIPLE: "◐",
    Stance.WORDING_OPEN: "◑",
    Stance.UNDER_DISCUSSION: "○",
    Stance.REJECTS: "✖",
    Stance.COUNTER_PROPOSES: "⇄",
}
STATUS_RULE = (
    "Agreed: every principal party proposes or accepts the point. Agreed in principle, "
    "wording open: every principal party at least accepts it in principle. Disputed: a "
    "principal party rejects it or counter-proposes while another does not. Rejected: every "
    "principal party rejects it or counter-proposes. Open: a principal party has stated no "
    "stance yet, or says it is under discussion. A party's stance on the version as a whole "
    "stands for its stance on each point it has not spoken to separately, except a rejection "
    "or a counter-proposal of the whole: that does not say which points it objects to, so it "
    "leaves each point open."
)


def point_status(stances: Mapping[str, str | None], principals: Iterable[str]) -> Status:
    """The status of a point from the stances of the parties whose acceptance it needs.

    `stances` maps a party to its latest stance (a `Position.Stance` value) or None; parties
    that are not principals do not count. Without principals nothing can be agreed.
    """
    held = [stances.get(party) for party in principals]
    stated = [stance for stance in held if stance]
    if not stated:
        return Status.NO_RECORD
    complete = len(stated) == len(held)
    against = [stance for stance in stated if stance in AGAINST]
    if against:
        return Status.REJECTED if complete and len(against) == len(held) else Status.DISPUTED
    if complete and all(stance in SUPPORT for stance in stated):
        return Status.AGREED
    if complete and all(stance in SUPPORT | IN_PRINCIPLE for stance in stated):
        return Status.WORDING_OPEN
    return Status.OPEN


def point_statuses(plan_of: Mapping[int, int]) -> dict[int, Status]:
    """Today's status of each provision that any stance bears on (`plan_of`: provision id ->
    its plan's id), in two queries whatever the number of versions."""
    plan_ids = set(plan_of.values())
    latest: dict[tuple, str] = {}
    stated = Position.objects.filter(plan_id__in=plan_ids).order_by("stated_on", "pk")
    for plan_id, provision_id, party, stance in stated.values_list(
        "plan_id", "provision_id", "party__slug", "stance"
    ):
        latest[(plan_id, provision_id, party)] = stance
    if not latest:
        return {}
    principals: dict[int, list[str]] = {}
    through = Plan.principal_parties.through.objects.filter(plan_id__in=plan_ids)
    for plan_id, slug in through.values_list("plan_id", "party__slug"):
        principals.setdefault(plan_id, []).append(slug)
    whole: dict[int, dict] = {}
    point: dict[int, dict] = {}
    for (plan_id, provision_id, party), stance in latest.items():
        if provision_id is None:
            whole.setdefault(plan_id, {})[party] = stance
        else:
            point.setdefault(provision_id, {})[party] = stance
    statuses = {}
    for provision_id, plan_id in plan_of.items():
        stances = point_stances(whole.get(plan_id, {}), point.get(provision_id, {}))
        if stances:
            statuses[provision_id] = point_status(stances, principals.get(plan_id, ()))
    return statuses


def counted(stance: str | None, *, whole_version: bool) -> str | None:
    """The stance a point's status counts: a rejection or counter-proposal of a whole version
    is not one of each of its points, which it leaves open."""
    return Stance.UNDER_DISCUSSION if whole_version and stance in AGAINST else stance


def point_stances(on_whole: Mapping[str, str], on_point: Mapping[str, str]) -> dict:
    """Each party's stance as a point's status counts it: its stance on the point, else its
    stance on the version as a whole (see `counted`)."""
    whole = {party: counted(stance, whole_version=True) for party, stance in on_whole.items()}
    return {**whole, **on_point}


# --- the board --------------------------------------------------------------------------------


@dataclass
class Cell:
    party: Party
    position: Position | None = None
    whole_version: bool = False  # the stance is the party's stance on the version as a whole
    changed: bool = False  # differs from the cell as of the "changes since" date
    before: Position | None = None

    @property
    def stance(self) -> str | None:
        return self.position.stance if self.position else None

    @property
    def symbol(self) -> str:
        return STANCE_SYMBOLS.get(self.stance, "")


@dataclass
class Row:
    provision: Provision | None  # None: the version as a whole
    cells: list[Cell]
    status: Status | None = None
    status_before: Status | None = None

    @property
    def changed(self) -> bool:
        return any(cell.changed for cell in self.cells)


@dataclass
class Board:
    plan: Plan
    as_of: datetime.date
    since: datetime.date | None
    principals: list[Party]
    others: list[Party]  # parties with stances on this version whose acceptance is not needed
    whole: Row
    rows: list[Row]
    status_counts: dict[Status, int] = field(default_factory=dict)

    @property
    def columns(self) -> list[Party]:
        return [*self.principals, *self.others]

    @property
    def changes(self) -> list[tuple[Row, Cell]]:
        return [
            (row, cell) for row in [self.whole, *self.rows] for cell in row.cells if cell.changed
        ]

    def filtered(self, *, theme: str = "", status: str = "", party: str = "") -> list[Row]:
        rows = self.rows
        if theme:
            rows = [r for r in rows if any(t.slug == theme for t in r.provision.themes.all())]
        if status:
            rows = [r for r in rows if r.status == status]
        if party:
            rows = [r for r in rows if any(c.party.slug == party and c.position for c in r.cells)]
        return rows


def _latest(positions: list[Position], on: datetime.date | None) -> dict[tuple, Position]:
    """The latest position per (point or None, party) stated on or before `on` (positions come
    sorted by date, then id: the later of two on one day wins)."""
    latest = {}
    if on is None:
        return latest
    for position in positions:
        if position.stated_on <= on:
            latest[(position.provision_id, position.party_id)] = position
    return latest


def board(plan: Plan, *, as_of: datetime.date, since: datetime.date | None = None) -> Board:
    positions = list(
        Position.objects.filter(plan=plan, stated_on__lte=as_of)
        .select_related("plan", "provision__plan", "party", "source")
        .order_by("stated_on", "pk")
    )
    principals = list(plan.principal_parties.order_by("name"))
    principal_ids = {party.pk for party in principals}
    others = sorted(
        {p.party for p in positions if p.party_id not in principal_ids}, key=lambda p: p.name
    )
    provisions = list(
        plan.provisions.order_by("position").prefetch_related(
            Prefetch("themes", queryset=Theme.objects.order_by("name"))
        )
    )
    for provision in provisions:
        provision.plan = plan  # labels and links need it: not one query per point
    now, then = _latest(positions, as_of), _latest(positions, since)
    columns = [*principals, *others]
    slugs = [party.slug for party in principals]

    def row_for(provision: Provision | None) -> Row:
        key = provision.pk if provision else None
        cells = []
        for party in columns:
            cell = Cell(party=party)
            for on, attr in ((now, "position"), (then, "before")):
                position = on.get((key, party.pk))
                if position is None and key is not None:
                    position = on.get((None, party.pk))
                    if attr == "position":
                        cell.whole_version = position is not None
                setattr(cell, attr, position)
            cell.changed = since is not None and _stance_key(cell.position) != _stance_key(
                cell.before
            )
            cells.append(cell)
        row = Row(provision=provision, cells=cells)
        if provision is not None:
            by_slug = {
                c.party.slug: counted(c.stance, whole_version=c.whole_version) for c in cells
            }
            before = {
                c.party.slug: counted(c.before.stance, whole_version=c.before.provision_id is None)
                if c.before
                else None
                for c in cells
            }
            row.status = point_status(by_slug, slugs)
            row.status_before = point_status(before, slugs) if since else None
        return row

    rows = [row_for(provision) for provision in provisions]
    counts = {status: 0 for status in Status}
    for row in rows:
        counts[row.status] += 1
    return Board(
        plan=plan,
        as_of=as_of,
        since=since,
        principals=principals,
        others=others,
        whole=row_for(None),
        rows=rows,
        status_counts=counts,
    )


def _stance_key(position: Position | None):
    """What a change is: another stance (a party restating its stance is no change)."""
    return position.stance if position else None


def provision_timeline(provision: Provision) -> tuple[list[Position], list[tuple]]:
    """A point's positions in date order (its own and its version's as a whole), and its status
    after each date on which a stance was stated: [(date, status)]."""
    positions = list(
        Position.objects.filter(
            Q(provision=provision) | Q(plan_id=provision.plan_id, provision__isnull=True)
        )
        .select_related("party", "source")
        .order_by("stated_on", "pk")
    )
    if not positions:
        return [], []
    principals = list(
        provision.plan.principal_parties.values_list("slug", flat=True).order_by("slug")
    )
    statuses, point, whole = [], {}, {}
    for position in positions:
        (point if position.provision_id else whole)[position.party.slug] = position.stance
        status = point_status(point_stances(whole, point), principals)
        if statuses and statuses[-1][0] == position.stated_on:
            statuses[-1] = (position.stated_on, status)
        else:
            statuses.append((position.stated_on, status))
    return positions, statuses
