"""Collating the witnesses of one point: every source's wording aligned together, word by word.

No Django import (like diffing.py, whose tokens and matcher it shares). Data in, data out.

`collate(witnesses, base)` aligns any number of texts against the base witness the reader
chooses (a star alignment: each witness is matched to the base by the fewest changed words,
rapidfuzz's Indel in C). The result is a list of *places*: spans of the base text, and gaps
between them where some witness has words the base lacks. A place ends only where no witness's
change crosses it, so at every place each witness has exactly one reading, and joining one
witness's readings over all places gives its text back exactly.

Each place says how many witnesses read it differently from the base, and how: the same but
for case, punctuation or spacing, or a spelling variant ("near": Kyiv/Kiev, Donbas/Donbass), or
a different reading. A stretch the base has in one place and a witness in another is marked
as a transposition on both places.

`substance(readings)` compares what several sources' texts say rather than how they word it:
the numbers, modal words ("will" / "is expected to"), negations and parties each names, taken
from the English text (a source's own English, or our translation of it). Wording differences
are left to the collation.

The choice against CollateX (on the package index): its Python version took 40–50 ms for eight
one-sentence witnesses before any rendering (the page budget is 50 ms with rendering), needs
networkx and an undeclared python-Levenshtein, and its output would still have to be mapped
back to sources; an N-way star alignment on the matcher diffing.py already uses is a page of
code, runs in about a millisecond and reuses the comparison's tokens and flags.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from provisions.diffing import _CHUNK, NEGATION_WORDS

SAME, FORMAL, NEAR, VARIANT = "same", "formal", "near", "variant"
NEAR_RATIO = 80  # rapidfuzz ratio (0-100) at or above which two differing words are variants
TRANSPOSITION_MIN_WORDS = 2


@dataclass(frozen=True)
class Witness:
    id: str
    text: str


@dataclass
class Place:
    """One column of the alignment: what each witness reads here (keyed by witness id)."""

    readings: dict[str, str]
    gap: bool = False  # the base has nothing here; some witness adds words
    kinds: dict[str, str] = field(default_factory=dict)  # witness id -> same/formal/near/variant
    transposed: set[str] = field(default_factory=set)  # witness ids whose reading moved here

    @property
    def differing(self) -> list[str]:
        """Witnesses whose reading differs from the base's other than formally."""
        return [wid for wid, kind in self.kinds.items() if kind in (NEAR, VARIANT)]

    @property
    def variant(self) -> bool:
        return any(kind == VARIANT for kind in self.kinds.values())

    def groups(self, exact: bool = False) -> list[tuple[str, list[str]]]:
        """The distinct readings here, each with the witnesses that have it, base's first;
        readings that differ only in case, punctuation or spacing count as one unless
        `exact`."""
        by_text: dict[str, list[str]] = {}
        for wid, text in self.readings.items():
            by_text.setdefault(text if exact else _normal(text), []).append(wid)
        return [(self.readings[wids[0]], wids) for wids in by_text.values()]


@dataclass
class Collation:
    base: str
    witnesses: list[Witness]
    places: list[Place]

    def text_of(self, witness_id: str) -> str:
        return "".join(place.readings[witness_id] for place in self.places)

    @property
    def variant_places(self) -> list[Place]:
        return [place for place in self.places if place.differing]


def _key(chunk: str) -> str:
    """What two words must share to be aligned: case, accents of quotes and the punctuation
    around the word aside."""
    return _normal(chunk) or chunk.strip()


_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


@lru_cache(maxsize=1 << 16)  # words and readings repeat across witnesses and points
def _normal(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _PUNCT.sub(" ", folded).strip()


def collate(witnesses: Sequence[Witness], base: str | None = None) -> Collation:
    """Align `witnesses` against the one whose id is `base` (the first by default)."""
    if not witnesses:
        return Collation("", [], [])
    ids = [w.id for w in witnesses]
    if len(set(ids)) != len(ids):
        raise ValueError("Witness ids must be unique.")
    base_witness = next((w for w in witnesses if w.id == base), witnesses[0])
    base_chunks = _CHUNK.findall(base_witness.text)
    base_keys = [_key(c) for c in base_chunks]
    n = len(base_chunks)
    # per witness: for each base position, the witness chunks aligned to it; inserts per boundary
    alignments = {}
    cut = [True] * (n + 1)  # may a place boundary fall before base chunk i?
    for witness in witnesses:
        if witness.id == base_witness.id:
            continue
        chunks = _CHUNK.findall(witness.text)
        keys = [_key(c) for c in chunks]
        spans: list[tuple[int, int, int, int]] = []  # base i1..i2 <-> witness j1..j2
        for tag, i1, i2, j1, j2 in _blocks(base_keys, keys):
            if tag == "equal":
                spans.extend((i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1))
            else:
                spans.append((i1, i2, j1, j2))
                for i in range(i1 + 1, i2):
                    cut[i] = False  # a change spanning several base words is one place
        alignments[witness.id] = (chunks, spans)
    # base spans between allowed cuts: each becomes a place, preceded by a gap place if needed
    bounds = [i for i in range(n + 1) if cut[i]]
    if bounds[0] != 0:
        bounds.insert(0, 0)
    if bounds[-1] != n:
        bounds.append(n)
    places: list[Place] = []
    index_of_start = {}
    for start, end in pairwise(bounds):
        index_of_start[start] = len(places)
        places.append(Place({base_witness.id: "".join(base_chunks[start:end])}))
    gaps: dict[int, Place] = {}  # boundary -> gap place (words a witness has and the base lacks)
    for wid, (chunks, spans) in alignments.items():
        taken = {index: "" for index in range(len(places))}
        added: dict[int, str] = {}
        for i1, i2, j1, j2 in spans:
            text = "".join(chunks[j1:j2])
            if i1 == i2 and cut[i1]:  # words before base chunk i1, where a place may begin
                added[i1] = added.get(i1, "") + text
                continue
            # inside a place (another witness changes the words around it): part of its reading
            start = bounds[bisect_right(bounds, min(i1, n - 1)) - 1]
            taken[index_of_start[start]] += text
        for index, text in taken.items():
            places[index].readings[wid] = text
        for boundary, text in added.items():
            gaps.setdefault(boundary, Place({}, gap=True)).readings[wid] = text
    ordered: list[Place] = []
    starts = sorted(index_of_start)
    for start in starts:
        if start in gaps:
            ordered.append(gaps.pop(start))
        ordered.append(places[index_of_start[start]])
    if n in gaps:
        ordered.append(gaps.pop(n))
    everyone = [w.id for w in witnesses]
    for place in ordered:
        for wid in everyone:
            place.readings.setdefault(wid, "")
        place.readings = {wid: place.readings[wid] for wid in everyone}
        base_text = place.readings[base_witness.id]
        place.kinds = {
            wid: _kind(base_text, text)
            for wid, text in place.readings.items()
            if wid != base_witness.id
        }
    merged = _merge_agreement(ordered)
    _mark_transpositions(merged, base_witness.id)
    return Collation(base_witness.id, list(witnesses), merged)


def _blocks(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """The matcher's opcodes, with each run of adjacent changes joined into one, so that a
    word replaced by another is one change (a reading), not a deletion beside an insertion."""
    blocks: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in Indel.opcodes(a, b).as_list():
        if tag != "equal" and blocks and blocks[-1][0] != "equal":
            _, first_i, _, first_j, _ = blocks.pop()
            i1, j1 = first_i, first_j
        blocks.append((tag if tag == "equal" else "change", i1, i2, j1, j2))
    return blocks


# spellings of one name that sources use interchangeably (transliterations): a difference
# between them is a spelling variant, like a typo, not a different reading
SPELLINGS = {
    "kiev": "kyiv", "kharkov": "kharkiv", "odessa": "odesa", "lugansk": "luhansk",
    "donbass": "donbas", "zaporozhye": "zaporizhzhia", "zaporizhzhya": "zaporizhzhia",
    "nikolaev": "mykolaiv", "chernigov": "chernihiv", "dnepr": "dnipro", "lvov": "lviv",
}  # fmt: skip


def _regular(normal: str) -> str:
    return " ".join(SPELLINGS.get(word, word) for word in normal.split())


def _kind(base: str, other: str) -> str:
    if base == other:
        return SAME
    left, right = _normal(base), _normal(other)
    if left == right:
        return FORMAL
    if not (left and right) or _number_changed(left, right):
        return VARIANT
    if _regular(left) == _regular(right) or fuzz.ratio(left, right) >= NEAR_RATIO:
        return NEAR
    return VARIANT


def _number_changed(left: str, right: str) -> bool:
    return re.findall(r"\d+", left) != re.findall(r"\d+", right)


def _merge_agreement(places: list[Place]) -> list[Place]:
    """Consecutive places where every witness reads as the base (or differs only formally, in
    spacing or case) become one, so the table shows words where witnesses part ways."""
    merged: list[Place] = []
    for place in places:
        quiet = not place.differing and not place.gap
        if quiet and merged and _is_quiet(merged[-1]):
            last = merged[-1]
            for wid in last.readings:
                last.readings[wid] += place.readings[wid]
            last.kinds = {
                wid: SAME if kind == SAME and place.kinds[wid] == SAME else FORMAL
                for wid, kind in last.kinds.items()
            }
            continue
        merged.append(place)
    return merged


def _is_quiet(place: Place) -> bool:
    return not place.differing and not place.gap


def _mark_transpositions(places: list[Place], base_id: str) -> None:
    """A witness that lacks a stretch of the base here and has the same stretch elsewhere has
    moved it: mark both places for that witness."""
    for wid in places[0].readings if places else ():
        if wid == base_id:
            continue
        missing = {}
        for index, place in enumerate(places):
            base_text, text = _normal(place.readings[base_id]), _normal(place.readings[wid])
            long_enough = len(base_text.split()) >= TRANSPOSITION_MIN_WORDS
            if base_text and long_enough and base_text not in text:
                missing.setdefault(base_text, []).append(index)
        for index, place in enumerate(places):
            text = _normal(place.readings[wid])
            if not text or place.kinds.get(wid) not in (VARIANT, NEAR):
                continue
            for stretch, where in missing.items():
                if _moved_into(stretch, text) and any(other != index for other in where):
                    place.transposed.add(wid)
                    for other in where:
                        if other != index:
                            places[other].transposed.add(wid)


def _moved_into(stretch: str, text: str) -> bool:
    """Whether `text` holds the stretch (or, for three words or more, three quarters of its
    words: the matcher may have kept a word or two of it in place)."""
    if stretch in text:
        return True
    words = set(stretch.split())
    return len(words) >= 3 and len(words & set(text.split())) >= 0.75 * len(words)


# --- what the sources say, not how ----------------------------------------------------------

PARTY_NAMES = {
    "ukraine": "Ukraine", "ukrainian": "Ukraine", "kyiv": "Ukraine", "kiev": "Ukraine",
    "russia": "Russia", "russian": "Russia", "moscow": "Russia",
    "united states": "United States", "us": "United States", "usa": "United States",
    "u s": "United States", "america": "United States", "american": "United States",
    "washington": "United States",
    "nato": "NATO", "alliance": "NATO",
    "europe": "Europe", "european": "Europe", "eu": "Europe", "european union": "Europe",
    "poland": "Poland", "polish": "Poland", "germany": "Germany", "france": "France",
    "united kingdom": "United Kingdom", "uk": "United Kingdom", "britain": "United Kingdom",
    "g8": "G8", "g7": "G7", "iaea": "IAEA", "turkey": "Turkey", "china": "China",
}  # fmt: skip
# one pass over the text for every name (longest first, so "united states" beats "us")
_PARTY_PHRASES = re.compile(
    r"(?<!\w)(" + "|".join(map(re.escape, sorted(PARTY_NAMES, key=len, reverse=True))) + r")(?!\w)"
)
_MULTIPLIERS = {
    "thousand": 1_000, "thousands": 1_000, "k": 1_000, "million": 1_000_000, "mn": 1_000_000,
    "m": 1_000_000, "billion": 1_000_000_000, "bn": 1_000_000_000, "trillion": 10**12,
}  # fmt: skip
_NUMBER_WORDS = re.compile(
    r"(?<![\w.])(\d+(?:[ ,.\u00a0\u202f]\d{3})*(?:[.,]\d+)?)\s*"
    r"(thousands?|million|mn|billion|bn|trillion|k|m)?\b(\s*(?:%|per ?cent))?",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
# the force of a commitment, as the modal words give it: a source that says "will" and one that
# says "is expected to" disagree; "will" and "shall" (or "must") say the same thing
BINDING, HEDGED = "binding", "hedged"
MODAL_FORCE = {
    "will": BINDING, "shall": BINDING, "must": BINDING, "undertakes": BINDING,
    "undertake": BINDING, "commits": BINDING, "commit": BINDING,
    "may": HEDGED, "might": HEDGED, "could": HEDGED, "can": HEDGED, "should": HEDGED,
    "would": HEDGED, "expected": HEDGED, "expects": HEDGED, "expect": HEDGED,
    "intends": HEDGED, "aims": HEDGED,
}  # fmt: skip
FLAG_KINDS = ("number", "modal", "negation", "party")
# "without a valid reason", "including but not limited to", "not only … but": no denial of
# what the point commits to
_NEGATIONS = NEGATION_WORDS - {"without"}
_IDIOMS = re.compile(r"\bnot (?:limited to|only|least)\b|\bnone the less\b|\bno later than\b")


@dataclass(frozen=True)
class Features:
    numbers: frozenset[str]
    modals: frozenset[str]
    negation: bool
    parties: frozenset[str]
    words: str  # the normalised text, for similarity


def features(english: str) -> Features:
    text = unicodedata.normalize("NFKC", english)
    numbers = set()
    for digits, unit, percent in _NUMBER_WORDS.findall(text):
        value = re.sub(r"[ ,\u00a0\u202f](?=\d{3}\b)", "", digits).replace(",", ".")
        try:
            amount = float(value) * _MULTIPLIERS.get(unit.lower(), 1)
        except ValueError:
            continue
        if amount < 10 and not unit and not percent:
            continue  # point numbers, "2 weeks"... are not quantities analysts compare
        shown = f"{amount:,.0f}" if amount == int(amount) else f"{amount:,}"
        numbers.add(shown + ("%" if percent else ""))
    words = [w.lower() for w in _WORD.findall(text)]
    normal = " ".join(words)
    parties = {PARTY_NAMES[phrase] for phrase in _PARTY_PHRASES.findall(normal)}
    return Features(
        numbers=frozenset(numbers),
        modals=frozenset(w for w in words if w in MODAL_FORCE),
        negation=any(
            w in _NEGATIONS or w.endswith("n't") for w in _IDIOMS.sub(" ", normal).split()
        ),
        parties=frozenset(parties),
        words=normal,
    )


@dataclass
class Disagreement:
    kind: str  # number / modal / negation / party
    values: list[tuple[str, list[str]]]  # (what is said, ids of the readings saying it)

    def summary(self) -> str:
        return " / ".join(value for value, _ in self.values)


def substance(readings: dict[str, str]) -> list[Disagreement]:
    """Where the readings (id -> English text) disagree on a number, a modal word, a negation
    or a party. An omission is not a disagreement (a quotation may be partial): two readings
    disagree when each says something and what they say differs."""
    found = {rid: features(text) for rid, text in readings.items() if text.strip()}
    result = []
    for kind, value_of in (
        ("number", lambda f: f.numbers),
        ("modal", lambda f: frozenset(MODAL_FORCE[w] for w in f.modals)),
        ("party", lambda f: f.parties),
    ):
        said = {rid: value_of(f) for rid, f in found.items() if value_of(f)}
        if _conflict(list(said.values())):
            if kind == "modal":  # say it in the sources' words: "expected / will"
                said = {rid: found[rid].modals for rid in said}
            result.append(Disagreement(kind, _grouped(said)))
    negated = {rid for rid, f in found.items() if f.negation}
    if negated and len(negated) < len(found):
        others = [rid for rid in found if rid not in negated]
        close = [
            (a, b)
            for a in negated
            for b in others
            if fuzz.token_sort_ratio(found[a].words, found[b].words) >= 60
        ]
        if close:
            involved = {rid for pair in close for rid in pair}
            values = [
                ("negated", sorted(r for r in involved if r in negated)),
                ("not negated", sorted(r for r in involved if r not in negated)),
            ]
            result.append(Disagreement("negation", values))
    return result


def _conflict(sets: list[frozenset[str]]) -> bool:
    return any(not (a <= b or b <= a) for i, a in enumerate(sets) for b in sets[i + 1 :])


def _grouped(said: dict[str, frozenset[str]]) -> list[tuple[str, list[str]]]:
    groups: dict[frozenset[str], list[str]] = {}
    for rid, values in said.items():
        groups.setdefault(values, []).append(rid)
    return sorted((", ".join(sorted(values)), sorted(rids)) for values, rids in groups.items())
