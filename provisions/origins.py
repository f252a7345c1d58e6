"""Where each phrase of a point was first written, across its lineage (WikiWho's question).

A point's lineage here is every provision its confirmed links reach, in either direction: its
predecessors, its successors and the other versions that answered the same text (the E3
counter-proposal beside the 19-point framework, both answering the 28-point plan). A phrase
belongs to the oldest version of that lineage, older than the point's own version, whose text
already had it (`diffing.trace_phrases`); a phrase its own line of descent dropped and a later
version restored says where it was dropped. Built in a fixed number of queries for any number
of points (the comparison asks for all of a version's points at once).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import connections, router
from django.urls import reverse

from provisions import diffing
from provisions.models import Correspondence, Provision, display_label

ORIGIN_STEPS = 12  # links away; as far as a point's lineage is followed


@dataclass(frozen=True)
class Written:
    """A version a phrase was first written in (or dropped from), as the page names it."""

    key: int  # the provision's id
    plan_slug: str
    plan_name: str
    presented_on: object
    parties: str
    label: str
    url: str


@dataclass
class Origins:
    """A point's text as phrases, each with where it was first written, and the legend: the
    versions named, oldest first, each with its number on the page."""

    phrases: list[diffing.Phrase]
    written: dict[int, Written]  # provision id -> version
    numbers: dict[int, int]  # provision id -> its number in the legend (1, 2 …)
    paraphrased: int  # how many of the texts compared are our restatements

    @property
    def legend(self) -> list[tuple[int, Written]]:
        return sorted((n, self.written[key]) for key, n in self.numbers.items())

    @property
    def own_share(self) -> float:
        """The share of the words first written in this version."""
        words = [(len(p.text.split()), p.origin is None) for p in self.phrases]
        total = sum(n for n, _ in words)
        return sum(n for n, own in words if own) / total if total else 0.0


# One link table walked both ways. The join is an OR, which PostgreSQL answers with the two
# indexes (on earlier and on later) for each point reached: a first version, which walked a
# UNION of the whole table turned both ways, took 300 ms at 40,000 links; this one, 1 ms.
_REACH_SQL = """
WITH RECURSIVE reach(start, id, depth) AS (
  SELECT id, id, 0 FROM {provisions} WHERE id IN ({marks})
  UNION
  SELECT reach.start,
         CASE WHEN c.earlier_id = reach.id THEN c.later_id ELSE c.earlier_id END,
         reach.depth + 1
  FROM {links} c JOIN reach ON (c.earlier_id = reach.id OR c.later_id = reach.id)
  WHERE c.status = %s AND reach.depth < %s
)
SELECT DISTINCT start, id FROM reach
"""


def _reach(ids: list[int]) -> dict[int, set[int]]:
    """Every provision each of `ids` reaches through confirmed links, in one query."""
    confirmed = Correspondence.Status.CONFIRMED
    sql = _REACH_SQL.format(
        links=Correspondence._meta.db_table,
        provisions=Provision._meta.db_table,
        marks=", ".join(["%s"] * len(ids)),
    )
    reached: dict[int, set[int]] = defaultdict(set)
    with connections[router.db_for_read(Correspondence)].cursor() as cursor:
        cursor.execute(sql, [*ids, confirmed, ORIGIN_STEPS])
        for start, pk in cursor.fetchall():
            reached[start].add(pk)
    return reached


def phrase_origins(ids: list[int]) -> dict[int, Origins]:
    """The phrase origins of each provision named, by id: four queries however many."""
    return trace(ids)[0]


def trace(ids: list[int]) -> tuple[dict[int, Origins], list[tuple[int, int, str]]]:
    """The phrase origins of each provision named, by id, and the confirmed links of their
    lineages as (earlier id, later id, relation): what a point's lineage graph draws, so the
    provision page reads them once."""
    if not ids:
        return {}, []
    reached = _reach(ids)
    everyone = set().union(*reached.values())
    rows = {
        p.pk: p
        for p in Provision.objects.filter(pk__in=everyone)
        .select_related("plan")
        .prefetch_related("plan__parties")
    }
    parents: dict[int, set[int]] = defaultdict(set)
    links = list(
        Correspondence.objects.filter(
            status=Correspondence.Status.CONFIRMED, earlier__in=everyone, later__in=everyone
        ).values_list("earlier_id", "later_id", "relation")
    )
    for earlier, later, _ in links:
        parents[later].add(earlier)
    written = {pk: _written(p) for pk, p in rows.items()}
    found = {pk: _trace(rows[pk], reached[pk], rows, parents, written) for pk in ids if pk in rows}
    return found, links


def _written(p: Provision) -> Written:
    plan = p.plan
    return Written(
        key=p.pk,
        plan_slug=plan.slug,
        plan_name=plan.short_name,
        presented_on=plan.presented_on,
        parties=", ".join(party.name for party in plan.parties.all()),
        label=display_label(p.label, numbered=plan.numbered, confirmed=p.label_confirmed),
        url=reverse("provisions:provision-detail", args=[plan.slug, p.label]),
    )


def _ancestors(pk: int, parents: dict[int, set[int]]) -> set[int]:
    seen: set[int] = set()
    todo = list(parents.get(pk, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(parents.get(node, ()))
    return seen


def _trace(provision, lineage, rows, parents, written) -> Origins:
    """Earlier texts: the point's ancestors (older by their links, whatever their dates) and
    the rest of its lineage presented before its version, oldest first; never its own
    version's other points."""
    own = provision.plan
    ancestors = _ancestors(provision.pk, parents)

    def earlier_than_own(p: Provision) -> bool:
        return p.pk in ancestors or p.plan.presented_on < own.presented_on

    earlier = sorted(
        (rows[pk] for pk in lineage if pk in rows and rows[pk].plan_id != own.pk),
        key=lambda p: (p.plan.presented_on, p.plan.slug, p.position),
    )
    earlier = [p for p in earlier if earlier_than_own(p)]
    order = {p.pk: i for i, p in enumerate(earlier)}
    # the ancestors that descend from each earlier text: where a phrase could have been dropped
    # (each ancestor's own ancestors walked once)
    above = {a: _ancestors(a, parents) for a in ancestors}
    lines = {
        p.pk: sorted((a for a in ancestors if p.pk in above[a]), key=order.__getitem__)
        for p in earlier
        if p.pk in ancestors
    }
    phrases = diffing.trace_phrases(provision.text, [(p.pk, p.text) for p in earlier], lines)
    named = dict.fromkeys(
        key for phrase in phrases for key in (phrase.origin, *phrase.dropped_in) if key
    )
    numbers = {key: n for n, key in enumerate(sorted(named, key=order.__getitem__), start=1)}
    paraphrased = sum(p.wording == Provision.Wording.PARAPHRASE for p in (provision, *earlier))
    return Origins(phrases, {k: written[k] for k in numbers}, numbers, paraphrased)
