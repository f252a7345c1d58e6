"""The witnesses of a point: its sources' readings (and our restatement), collated by language,
and where the sources disagree in substance. Built on provisions.collation (pure); this module
turns citations into witnesses and results into what pages, the API and the exports show.

A witness id is `c<citation id>` for a source's reading and `ours` for our restatement. Our
restatement joins the collation of the readings in its language (English) but never counts
as a source: "sources disagree" compares sources' readings only, across languages through the
English of each (its own, or our translation of it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache

from provisions import caching, collation
from provisions.models import Citation, Provision

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
    citations = (
        Citation.objects.exclude(reading="")
        .filter(provision__isnull=False)
        .order_by("source__published_on", "pk")
    )
    if chosen is not None:
        citations = citations.filter(provision__plan__in=chosen)
    # plain rows, not citations: a comparison's first reader pays for them
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
    return _disagreements_of({pid: w for pid, w in by_provision.items() if len(w) > 1})


def _disagreements_of(points: dict[int, list[Witness]]) -> dict[int, Disagreements]:
    """Each point's disagreements, kept under a digest of its witnesses: an edit elsewhere
    moves the dataset stamp on, but a point whose readings did not change is not collated
    again."""
    keys = {
        pid: "variant-point:"
        + hashlib.sha256(
            repr([(w.id, w.label, w.language, w.text, w.translation) for w in found]).encode()
        ).hexdigest()
        for pid, found in points.items()
    }
    known = cache.get_many(list(keys.values()))
    result, computed = {}, {}
    for pid, found in points.items():
        outcome = known.get(keys[pid])
        if outcome is None:
            outcome = computed[keys[pid]] = disagreements(found)
        if outcome:
            result[pid] = outcome
    if computed:
        cache.set_many(computed, timeout=VARIANTS_TIMEOUT)
    return result


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
