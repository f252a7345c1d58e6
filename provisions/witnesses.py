"""The witnesses of a point: its sources' readings (and our restatement), collated by language,
and where the sources disagree in substance. Built on provisions.collation (pure); this module
turns citations into witnesses and results into what pages, the API and the exports show.

A witness id is `c<citation id>` for a source's reading and `ours` for our restatement. Our
restatement joins the collation of the readings in its language (English) but never counts
as a source: "sources disagree" compares sources' readings only, across languages through the
English of each (its own, or our translation of it).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

from provisions import caching, collation
from provisions.models import Citation, Provision, Source, VariantMemo

OURS = "ours"
WORDING = "wording"
KINDS = (*collation.FLAG_KINDS, WORDING)
KIND_NAMES = {
    "number": "a number",
    "modal": "a modal word",
    "negation": "a negation",
    "party": "a party",
    WORDING: "the wording",
}
VARIANTS_TIMEOUT = 24 * 3600


@dataclass
class Witness:
    id: str
    label: str
    language: str
    text: str
    translation: str = ""
    citation: Citation | None = None

    @classmethod
    def of(cls, citation: Citation) -> Witness:
        """A cited reading as a witness (its source loaded)."""
        return cls(
            id=f"c{citation.pk}",
            label=_source_label(citation.source.code, citation.source.publisher),
            language=citation.reading_language or citation.source.language,
            text=citation.reading,
            translation=citation.reading_translation,
            citation=citation,
        )

    @property
    def source(self):
        return self.citation.source if self.citation else None

    @property
    def is_ours(self) -> bool:
        return self.id == OURS

    @property
    def english(self) -> str:
        """What the witness says in English: its own words, or our translation of them."""
        return self.text if self.language == "en" else self.translation


@dataclass
class Group:
    """The witnesses in one language, collated against one of them."""

    language: str
    witnesses: list[Witness]
    result: collation.Collation

    @property
    def base(self) -> Witness:
        return next(w for w in self.witnesses if w.id == self.result.base)

    def rows(self):
        """The places where witnesses part ways, each with every witness's reading there."""
        by_id = {w.id: w for w in self.witnesses}
        for number, place in enumerate(self.result.places, 1):
            if place.differing:
                yield number, place, [(by_id[wid], text) for wid, text in place.readings.items()]


@dataclass
class Disagreements:
    """Where a point's sources disagree in substance."""

    items: list[tuple[str, str]] = field(default_factory=list)  # (kind, "600,000 / 800,000")
    # witness id -> [(kind, what this witness says)], for the flags beside each witness
    by_witness: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def kinds(self) -> set[str]:
        return {kind for kind, _ in self.items}

    def __bool__(self):
        return bool(self.items)


def witnesses_of(provision: Provision) -> list[Witness]:
    """The point's witnesses: each cited reading (citations come prefetched with their source),
    oldest source first, then our restatement."""
    found = [Witness.of(citation) for citation in provision.citations.all() if citation.reading]
    found.append(Witness(OURS, "Our restatement", Provision.TEXT_LANGUAGE, provision.text))
    return found


def _source_label(code: str, publisher: str) -> str:
    return f"[{code}] {publisher}" if code else publisher


def groups(witnesses: list[Witness], base: str = "") -> list[Group]:
    """The witnesses by language (English first), each language collated against `base` if it
    is one of its witnesses, else against its first source's reading."""
    languages: dict[str, list[Witness]] = {}
    for witness in witnesses:
        languages.setdefault(witness.language, []).append(witness)
    order = sorted(languages, key=lambda lang: (lang != "en", lang))
    result = []
    for language in order:
        members = languages[language]
        ids = [w.id for w in members]
        chosen = base if base in ids else next((w.id for w in members if not w.is_ours), ids[0])
        aligned = collation.collate([collation.Witness(w.id, w.text) for w in members], chosen)
        result.append(Group(language, members, aligned))
    return result


def disagreements(witnesses: list[Witness]) -> Disagreements:
    """Substance: numbers, modal words, negations and parties, across every source's English;
    wording: places where two sources in one language read differently (not a spelling or
    punctuation variant). Our restatement is no source: it is left out."""
    sources = [w for w in witnesses if not w.is_ours]
    found = Disagreements()
    if len(sources) < 2:
        return found
    for item in collation.substance({w.id: w.english for w in sources if w.english}):
        found.items.append((item.kind, item.summary()))
        for said, ids in item.values:
            for wid in ids:
                found.by_witness.setdefault(wid, []).append((item.kind, said))
    languages: dict[str, list[Witness]] = {}
    for witness in sources:
        languages.setdefault(witness.language, []).append(witness)
    wordings = []
    for members in languages.values():
        if len(members) < 2:
            continue
        aligned = collation.collate([collation.Witness(w.id, w.text) for w in members])
        for place in aligned.places:
            readings = [text.strip() for text, _ in place.groups()]
            # an omission (a partial quotation) is no disagreement: every reading says something
            if place.variant and all(readings):
                wordings.append(" / ".join(readings))
    if wordings:
        found.items.append(
            (WORDING, "; ".join(wordings[:3]) + ("; …" if len(wordings) > 3 else ""))
        )
    return found


def variants_by_provision(plans=None) -> dict[int, Disagreements]:
    """Every point whose sources disagree (of the versions `plans` only, when given), with how:
    computed once per state of the data."""
    chosen = sorted(plan.pk for plan in plans) if plans is not None else None
    scope = "all" if chosen is None else ".".join(map(str, chosen))
    return caching.remembered(
        f"variants:{scope}", lambda: _variants(chosen), timeout=VARIANTS_TIMEOUT
    )


def _variants(chosen: list[int] | None) -> dict[int, Disagreements]:
    return _disagreements_of(readings_by_point(plans=chosen))


def readings_by_point(*, plans=None, points=None) -> dict[int, list[Witness]]:
    """The sources' readings of the points with more than one, oldest source first (of the
    versions `plans`, or of the points `points`, when given). As plain rows, not citations: a
    comparison's first reader pays for them."""
    citations = (
        Citation.objects.exclude(reading="")
        .filter(provision__isnull=False)
        .order_by("source__published_on", "pk")
    )
    if plans is not None:
        citations = citations.filter(provision__plan__in=plans)
    if points is not None:
        citations = citations.filter(provision__in=points)
    fields = (
        "pk", "provision_id", "reading", "reading_language", "reading_translation",
        "source__language", "source__code", "source__publisher",
    )  # fmt: skip
    by_provision: dict[int, list[Witness]] = {}
    for row in citations.values_list(*fields):
        pk, point, reading, language, translation, source_language, code, name = row
        label = _source_label(code, name)
        witness = Witness(f"c{pk}", label, language or source_language, reading, translation)
        by_provision.setdefault(point, []).append(witness)
    return {pid: found for pid, found in by_provision.items() if len(found) > 1}


def _digest(found: list[Witness]) -> str:
    """Names one point's readings exactly (what its disagreements are worked out from), and
    the way they are worked out: no memo outlives the code that wrote it."""
    readings = [(w.id, w.label, w.language, w.text, w.translation) for w in found]
    return hashlib.sha256(repr((MEMO_VERSION, readings)).encode()).hexdigest()


# change with what disagreements() finds (collation.substance, the wording rule, Disagreements)
MEMO_VERSION = 1


def _disagreements_of(points: dict[int, list[Witness]]) -> dict[int, Disagreements]:
    """Each point's disagreements, looked up under a digest of its readings: in the cache,
    then in the memos written with the readings (remember_variants), and worked out here only
    for readings neither holds. An edit elsewhere moves the dataset stamp on, but a point whose
    readings did not change is not collated again, nor is every point after the cache empties."""
    digests = {pid: _digest(found) for pid, found in points.items()}
    cached = cache.get_many([f"variant-point:{digest}" for digest in digests.values()])
    known = {key.removeprefix("variant-point:"): value for key, value in cached.items()}
    fresh = {}
    if missing := set(digests.values()) - known.keys():
        memos = VariantMemo.objects.filter(digest__in=missing).values_list("digest", "found")
        fresh = {digest: _from_json(found) for digest, found in memos}
    result = {}
    for pid, found in points.items():
        digest = digests[pid]
        outcome = known[digest] if digest in known else fresh.get(digest)
        if outcome is None:
            outcome = fresh[digest] = disagreements(found)
        if outcome:
            result[pid] = outcome
    if fresh:
        cache.set_many(
            {f"variant-point:{digest}": value for digest, value in fresh.items()},
            timeout=VARIANTS_TIMEOUT,
        )
    return result


def remember_variants(points=None) -> int:
    """Work out the disagreements of these points' readings (of every point, when None) and keep
    each under the digest of the readings (VariantMemo), if not kept already. Called where
    readings are written: after the dataset is loaded, by the synthetic archive, and once a
    transaction that changed a citation or a source commits. Returns how many were new."""
    made = 0
    found = readings_by_point(points=points)
    pending = list(found.items())
    for start in range(0, len(pending), MEMO_BATCH):
        batch = dict(pending[start : start + MEMO_BATCH])
        digests = {pid: _digest(w) for pid, w in batch.items()}
        kept = set(
            VariantMemo.objects.filter(digest__in=digests.values()).values_list("digest", flat=True)
        )
        new = {
            digest: VariantMemo(digest=digest, found=_as_json(disagreements(batch[pid])))
            for pid, digest in digests.items()
            if digest not in kept
        }
        VariantMemo.objects.bulk_create(new.values(), ignore_conflicts=True)
        made += len(new)
    return made


MEMO_BATCH = 500


_later = contextvars.ContextVar("collate_later", default=False)


@contextlib.contextmanager
def collating_later():
    """Writes of many readings at once (loading the dataset): their points are not collated
    one commit at a time; the writer calls remember_variants() once, at the end."""
    token = _later.set(True)
    try:
        yield
    finally:
        _later.reset(token)


def on_readings_change(sender, instance, **kwargs) -> None:
    """Receiver for post_save and post_delete (connected in apps.py): once a transaction that
    changed a citation, or the name or language of a source, commits, the points whose readings
    it touched get their memo. A failure is logged, never raised: the edit has committed, and a
    missing memo is worked out on the next read."""
    if kwargs.get("using") not in (None, "default") or _later.get():
        return  # a release's read-only copy being built; a load that collates at its end
    if sender is Citation:  # its point now, and the one it was read for if it moved
        points = {instance.provision_id, getattr(instance, "loaded_provision_id", None)}
        points = [point for point in points if point is not None]
        instance.loaded_provision_id = instance.provision_id  # what it is now read for
        if not points:
            return
    elif sender is Source and kwargs.get("created") is False:
        points = Citation.objects.filter(source_id=instance.pk).values("provision_id")
    else:
        return
    transaction.on_commit(lambda: remember_variants(points), robust=True)


def _as_json(found: Disagreements) -> dict:
    return {"items": found.items, "by_witness": found.by_witness}


def _from_json(data: dict) -> Disagreements:
    return Disagreements(
        items=[tuple(item) for item in data["items"]],
        by_witness={wid: [tuple(said) for said in s] for wid, s in data["by_witness"].items()},
    )


# --- as data: JSON, TEI, CSV -----------------------------------------------------------------

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"


def as_data(provision: Provision, found: list[Witness], collated: list[Group]) -> dict:
    return {
        "plan": provision.plan.slug,
        "label": provision.label,
        "witnesses": [
            {
                "id": w.id,
                "kind": "restatement" if w.is_ours else "reading",
                "label": w.label,
                "language": w.language,
                "text": w.text,
                "translation": w.translation,
                "translated_by": "tracker" if w.translation else None,
                "source": (
                    {
                        "id": w.source.pk,
                        "code": w.source.code,
                        "publisher": w.source.publisher,
                        "title": w.source.title,
                        "url": w.source.url,
                        "published_on": w.source.published_on,
                        "reliability": w.source.reliability,
                    }
                    if w.source
                    else None
                ),
            }
            for w in found
        ],
        "groups": [
            {
                "language": group.language,
                "base": group.result.base,
                "places": [
                    {
                        "index": index,
                        "gap": place.gap,
                        "readings": place.readings,
                        "kinds": place.kinds,
                        "differing": place.differing,
                        "transposed": sorted(place.transposed),
                    }
                    for index, place in enumerate(group.result.places, 1)
                ],
            }
            for group in collated
        ],
        "disagreements": [
            {"kind": kind, "summary": summary} for kind, summary in disagreements(found).items
        ],
    }


def as_tei(provision: Provision, found: list[Witness], collated: list[Group]) -> bytes:
    """The collation as TEI parallel segmentation: the witnesses in a `listWit`, and per
    language a paragraph where agreed text stands plain and each place where witnesses part
    ways is an `app` with one `rdg` per distinct reading naming its witnesses."""
    from xml.etree import ElementTree as ET

    ET.register_namespace("", TEI_NS)

    def tei(tag, parent=None, **attributes):
        name = f"{{{TEI_NS}}}{tag}"
        element = (
            ET.Element(name, attributes)
            if parent is None
            else ET.SubElement(parent, name, attributes)
        )
        return element

    root = tei("TEI")
    header = tei("teiHeader", root)
    description = tei("fileDesc", header)
    title = tei("title", tei("titleStmt", description))
    title.text = f"{provision.plan.title}, point {provision.label}: the witnesses collated"
    tei("p", tei("publicationStmt", description)).text = (
        "Peace plan provision tracker. Our restatement and translations are the tracker "
        "team's; each reading is its source's own words."
    )
    listing = tei("listWit", tei("sourceDesc", description))
    for witness in found:
        entry = tei("witness", listing, **{f"{{{XML_NS}}}id": witness.id})
        entry.text = witness.label
        if witness.source:
            entry.text += f", {witness.source.title} ({witness.source.published_on}), "
            entry.text += witness.source.url
        if witness.translation:
            note = tei("note", entry, type="translation", resp="#tracker")
            note.text = witness.translation
    body = tei("body", tei("text", root))
    for group in collated:
        paragraph = tei("p", tei("div", body, **{f"{{{XML_NS}}}lang": group.language}))
        last = None
        for place in group.result.places:
            if not place.differing and len({*place.readings.values()}) == 1:
                text = place.readings[group.result.base]
                if last is None:
                    paragraph.text = (paragraph.text or "") + text
                else:
                    last.tail = (last.tail or "") + text
                continue
            app = tei("app", paragraph)
            for text, ids in place.groups(exact=True):
                reading = tei("rdg", app, wit=" ".join(f"#{wid}" for wid in ids))
                reading.text = text
            last = app
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def as_rows(found: list[Witness], collated: list[Group]) -> tuple[list[str], list[list[str]]]:
    """The alignment table: one row per place, one column per witness."""
    header = ["language", "place", "gap", "differing", *[f"{w.id}: {w.label}" for w in found]]
    rows = []
    for group in collated:
        for index, place in enumerate(group.result.places, 1):
            rows.append(
                [
                    group.language,
                    str(index),
                    "true" if place.gap else "false",
                    str(len(place.differing)),
                    *[place.readings.get(w.id, "") for w in found],
                ]
            )
    return header, rows
