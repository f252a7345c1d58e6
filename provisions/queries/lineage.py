"""A point through time: its counterparts in other versions, and its own saved states."""

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from provisions import diffing, releases
from provisions.models import Correspondence, Provision
from provisions.queries.plans import connection_for


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
    with connection_for(Correspondence).cursor() as cursor:
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
