"""What changed since a time: every created, changed and deleted row of the dataset, read from
the history that every write keeps, in one order that pages cannot skip or repeat.

A researcher's copy stays in sync by polling `/api/changes/?since=`: fetch each created or
changed row's `url`, drop each deleted one. The order is (time, type, history id); a cursor
names the last change a page held.
"""

import base64
import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse

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
)

# the API's resources, each with its detail route and lookup (Coverage is the API root's)
TYPES = {
    "party": (Party, "api:party-detail", "slug"),
    "theme": (Theme, "api:theme-detail", "slug"),
    "tag": (Tag, "api:tag-detail", "slug"),
    "plan": (Plan, "api:plan-detail", "slug"),
    "provision": (Provision, "api:provision-detail", "pk"),
    "source": (Source, "api:source-detail", "pk"),
    "citation": (Citation, "api:citation-detail", "pk"),
    "assessment": (Assessment, "api:assessment-detail", "pk"),
    "correspondence": (Correspondence, "api:correspondence-detail", "pk"),
    "position": (Position, "api:position-detail", "pk"),
}
ORDER = {name: index for index, name in enumerate(TYPES)}
CHANGE = {"+": "created", "~": "changed", "-": "deleted"}


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Mark:
    """A place in the order of changes."""

    time: datetime.datetime
    type: str
    history_id: int

    def encode(self) -> str:
        raw = f"{self.time.isoformat()}|{self.type}|{self.history_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> "Mark":
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            time, kind, history_id = raw.split("|")
            mark = cls(datetime.datetime.fromisoformat(time), kind, int(history_id))
            mark.time.astimezone(datetime.UTC)  # a time off the calendar in UTC: no database has it
        except (ValueError, OverflowError, UnicodeDecodeError) as error:
            raise BadCursor(cursor) from error
        if kind not in ORDER or mark.time.tzinfo is None:
            raise BadCursor(cursor)
        return mark


def changes(since: datetime.datetime, *, after: Mark | None = None, limit: int = 100):
    """Up to `limit` changes at or after `since` (and after the mark `after`), in order, and
    whether more follow. One query per type whatever the size of the history."""
    found = []
    for name, (model, _, _) in TYPES.items():
        records = model.history.filter(history_date__gte=since)
        if after is not None:
            records = _beyond(records, name, after)
        found += [(name, r) for r in records.order_by("history_date", "history_id")[: limit + 1]]
    found.sort(key=lambda pair: (pair[1].history_date, ORDER[pair[0]], pair[1].history_id))
    return [_change(name, record) for name, record in found[:limit]], len(found) > limit


def _beyond(records, name: str, mark: Mark):
    if ORDER[name] < ORDER[mark.type]:
        return records.filter(history_date__gt=mark.time)
    if ORDER[name] > ORDER[mark.type]:
        return records.filter(history_date__gte=mark.time)
    return records.filter(
        Q(history_date__gt=mark.time) | Q(history_date=mark.time, history_id__gt=mark.history_id)
    )


def _change(name: str, record) -> dict:
    _, route, lookup = TYPES[name]
    change = CHANGE[record.history_type]
    value = getattr(record, "id" if lookup == "pk" else lookup)
    return {
        "type": name,
        "id": record.id,
        "slug": record.slug if lookup == "slug" else None,
        "change": change,
        "time": record.history_date,
        "revision": record.revision,
        "event": f"{name}:{record.history_id}",
        "url": None if change == "deleted" else reverse(route, kwargs={lookup: value}),
        "mark": Mark(record.history_date, name, record.history_id),
    }
