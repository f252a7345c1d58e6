"""Word-level differences and point-by-point alignment of two plan versions.

No Django import (the standard library and rapidfuzz's C matcher only), so it can be tested and
benchmarked on its own. Data in, data out: `queries.comparison` feeds it provisions and links;
the templates, the exports and the API render what it returns.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import NamedTuple

from rapidfuzz.distance import Indel

# Numbers stay whole: "600,000", "3.5", "50%", "$100 billion", "€ 800 bn", "2,300 km²".
_NUMBER = (
    r"(?:[$€£]\s?)?\d+(?:[.,]\d+)*"
    r"(?:\s?(?:%|per cent|percent|billion|million|trillion|thousand|bn|km²|km))?"
    r"(?![\w])"
)
_TOKEN = re.compile(
    rf"(?P<number>{_NUMBER})|(?P<word>\w+(?:['’]\w+)*)|(?P<space>\s+)|(?P<other>.)",
    re.DOTALL,
)

# Words whose change alters the force of a provision: analysts hunt for these.
MODAL_WORDS = frozenset(
    {
        "will", "shall", "may", "might", "must", "should", "can", "could", "would",
        "expected", "expects", "expect", "undertakes", "undertake", "commits", "commit",
        "agrees", "agree", "guarantees", "guarantee", "binding", "intends", "aims",
    }
)  # fmt: skip
NEGATION_WORDS = frozenset(
    {"not", "no", "never", "nor", "without", "neither", "none", "cannot", "won't"}
)

EQUAL, INSERT, DELETE, REPLACE = "equal", "insert", "delete", "replace"
FLAG_NUMBER, FLAG_MODAL, FLAG_NEGATION = "number", "modal", "negation"
FLAGS = (FLAG_NUMBER, FLAG_MODAL, FLAG_NEGATION)  # the order pages list them in

UNCHANGED, REWORDED, MODIFIED = "unchanged", "reworded", "modified"
MERGED, SPLIT, REMOVED, NEW = "merged", "split", "removed", "new"
RELATIONS = (UNCHANGED, REWORDED, MODIFIED, MERGED, SPLIT, REMOVED, NEW)
_RANK = {UNCHANGED: 0, REWORDED: 1, MODIFIED: 2, MERGED: 2, SPLIT: 2}

CONFIRMED, SUGGESTED = "confirmed", "suggested"


def tokenise(text: str) -> list[str]:
    """Split text into words, whole numbers, whitespace runs and single other characters.

    Joining the tokens gives the text back exactly.
    """
    return [match.group() for match in _TOKEN.finditer(text)]


_DIGIT = re.compile(r"\d").search
_FLAG_WORDS = MODAL_WORDS | NEGATION_WORDS
_NO_FLAGS: frozenset[str] = frozenset()
_FLAG_SETS: dict[tuple[bool, bool, bool], frozenset[str]] = {}


_WHOLE_NUMBER = re.compile(_NUMBER)
_LEADING_DIGITS = re.compile(r"\d[\d,.]*")


def is_quantity(token: str) -> bool:
    """A quantity, amount or date analysts compare ("600,000", "50%", "$100 billion", "2026"),
    not a cross-reference ("10a", "sub-points 10a–10d") or a single-digit count ("point 3")."""
    if not _WHOLE_NUMBER.fullmatch(token):
        return False
    digits = _LEADING_DIGITS.search(token).group()
    with_unit = token != digits  # a currency sign, a per cent sign or a unit
    return with_unit or int(re.sub(r"\D", "", digits) or 0) >= 10


def _flags(changed: list[str]) -> frozenset[str]:
    """What kind of change the words of one change run (both sides) make. Flag sets are
    shared: a diff makes many runs and most carry no flag."""
    number = _DIGIT("".join(changed)) is not None and any(map(is_quantity, changed))
    words = set(map(str.lower, changed))
    if words.isdisjoint(_FLAG_WORDS):
        if not number:
            return _NO_FLAGS
        modal = negation = False
    else:
        modal = not words.isdisjoint(MODAL_WORDS)
        negation = not words.isdisjoint(NEGATION_WORDS)
    key = (number, modal, negation)
    if key not in _FLAG_SETS:
        names = (FLAG_NUMBER, FLAG_MODAL, FLAG_NEGATION)
        _FLAG_SETS[key] = frozenset(name for name, on in zip(names, key, strict=True) if on)
    return _FLAG_SETS[key]


class Run(NamedTuple):
    """One stretch of a word diff. `old` is the left text's part, `new` the right text's part.

    A named tuple rather than a dataclass: a comparison makes thousands and caches them."""

    op: str
    old: str
    new: str
    flags: frozenset[str] = _NO_FLAGS

    @property
    def text(self) -> str:
        return self.new if self.op == INSERT else self.old

    def what_changed(self) -> list[tuple[str, str, str]]:
        """Per flag, the words that carry it on each side: ("number", "600,000", "800,000"),
        ("modal", "is expected", "will"). A side without such words is empty."""
        changes = []
        for flag, keep in (
            (FLAG_NUMBER, is_quantity),
            (FLAG_MODAL, lambda word: word.lower() in MODAL_WORDS),
            (FLAG_NEGATION, lambda word: word.lower() in NEGATION_WORDS),
        ):
            if flag in self.flags:
                old, new = (
                    ", ".join(dict.fromkeys(key for key in map(str.rstrip, _CHUNK.findall(side))
                                            if keep(key)))
                    for side in (self.old, self.new)
                )  # fmt: skip
                if old != new:
                    changes.append((flag, old, new))
        return changes


# For matching: each word, number or sign carries the whitespace after it, which halves the
# sequences the matcher compares; the whitespace itself is not compared. Words that start with a
# letter are tried first (most tokens), with possessive quantifiers: they never backtrack.
_CHUNK = re.compile(
    rf"[^\W\d_]\w*+(?:['’]\w++)*+\s*+|(?:{_NUMBER}|\w+(?:['’]\w+)*|[^\w\s])\s*|\s+",
    re.DOTALL,
)


def word_diff(old: str, new: str) -> list[Run]:
    """Runs that turn `old` into `new`, word by word.

    Joining the runs' `old` parts gives `old`, joining their `new` parts gives `new`. Adjacent
    changes form one run, so "600,000 troops" -> "800,000 soldiers" reads as one replacement;
    whitespace that ends a change on both sides is left to the equal text after it. The words
    are matched by a longest common subsequence (rapidfuzz's Indel, in C): the fewest words
    marked as changed.
    """
    if old == new:
        return [Run(EQUAL, old, new)] if old else []
    a, b = _CHUNK.findall(old), _CHUNK.findall(new)
    keys_a, keys_b = list(map(str.rstrip, a)), list(map(str.rstrip, b))
    join = "".join
    runs: list[Run] = []
    change_from = None  # (i, j) where the change being gathered started
    carry = ""  # whitespace moved from the end of a change to the equal text after it
    for tag, i1, i2, j1, j2 in Indel.opcodes(keys_a, keys_b).as_list():
        if tag != EQUAL:
            if change_from is None:
                change_from = (i1, j1)
            continue
        if change_from is not None:
            run, carry = _change(a, b, keys_a, keys_b, *change_from, i1, j1)
            runs.append(run)
            change_from = None
        runs.append(Run(EQUAL, carry + join(a[i1:i2]), carry + join(b[j1:j2])))
        carry = ""
    if change_from is not None:
        runs.append(_change(a, b, keys_a, keys_b, *change_from, len(a), len(b), last=True)[0])
    return _semantic_cleanup(runs)


MAX_ABSORBED_WORDS = 2


def _semantic_cleanup(runs: list[Run]) -> list[Run]:
    """Merge one or two equal words between two changes into one change, when the changes on
    either side are longer (diff-match-patch's semantic clean-up, kept to small equalities): a
    rewritten sentence reads as one replacement, not confetti around "and" and "the", while a
    phrase both texts keep ("Ukraine's sovereignty is") stays visible."""
    merged = True
    while merged and len(runs) > 2:
        merged = False
        for i in range(1, len(runs) - 1):
            before, equal, after = runs[i - 1], runs[i], runs[i + 1]
            if equal.op != EQUAL or before.op == EQUAL or after.op == EQUAL:
                continue
            words = len(equal.old.split())
            if words > MAX_ABSORBED_WORDS or words >= _size(before) or words >= _size(after):
                continue
            old = before.old + equal.old + after.old
            new = before.new + equal.new + after.new
            op = REPLACE if old and new else (DELETE if old else INSERT)
            runs[i - 1 : i + 2] = [Run(op, old, new, before.flags | after.flags)]
            merged = True
            break
    return runs


def _size(run: Run) -> int:
    return max(len(run.old.split()), len(run.new.split()))


def _change(a, b, keys_a, keys_b, i1, j1, i2, j2, *, last=False) -> tuple[Run, str]:
    old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
    carry = ""
    if old and new:
        op = REPLACE
        stripped = old.rstrip()
        space = old[len(stripped) :]
        # the same whitespace ends both sides: it belongs to the equal text that follows
        if space and not last and new.endswith(space) and not new[: -len(space)][-1:].isspace():
            carry, old, new = space, stripped, new[: -len(space)]
    else:
        op = DELETE if old else INSERT
    return Run(op, old, new, _flags(keys_a[i1:i2] + keys_b[j1:j2])), carry


def diff_flags(runs: Iterable[Run]) -> frozenset[str]:
    flags: set[str] = set()
    for run in runs:
        flags |= run.flags
    return frozenset(flags)


# --- Alignment -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    """A provision as the alignment sees it."""

    id: int
    plan: str
    label: str
    text: str
    position: int = 0
    themes: tuple[str, ...] = ()
    shown_as: str = ""  # the label as readers see it ("K3", "13?"), when it differs
    url: str = ""  # its page, where the caller knows it

    @property
    def display_label(self) -> str:
        return self.shown_as or self.label


@dataclass(frozen=True, slots=True)
class Link:
    """A confirmed correspondence between two provisions of different plans."""

    earlier: int
    later: int
    relation: str
    earlier_plan: str = ""
    later_plan: str = ""


@dataclass(slots=True)
class Row:
    left: tuple[Point, ...]
    right: tuple[Point, ...]
    relation: str
    status: str = CONFIRMED
    path: tuple[str, ...] = ()  # plan slugs a composed link passed through; () when direct
    runs: list[Run] = field(default_factory=list)
    score: float = 1.0  # similarity of a suggested match

    @property
    def flags(self) -> frozenset[str]:
        return diff_flags(self.runs)

    @property
    def themes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for point in (*self.left, *self.right):
            seen.update(dict.fromkeys(point.themes))
        return tuple(seen)

    @property
    def changed(self) -> bool:
        return self.relation != UNCHANGED or any(run.op != EQUAL for run in self.runs)

    @property
    def key_changes(self) -> list[Run]:
        """The flagged replacements of a row whose point is on both sides ("600,000 → 800,000"):
        what the comparison's list of key changes names. A removed or new point is not one."""
        if not (self.left and self.right):
            return []
        return [run for run in self.runs if run.flags and run.op == REPLACE]

    @property
    def key(self) -> str:
        """A stable anchor for the row: its provisions' labels, e.g. '6~6' or '13a+13b~12'."""
        left = "+".join(p.label for p in self.left) or "none"
        right = "+".join(p.label for p in self.right) or "none"
        return f"{left}~{right}"


def _join(points: Sequence[Point]) -> str:
    return "\n".join(point.text for point in points)


def _chains(
    left: Sequence[Point], right: Sequence[Point], links: Iterable[Link], max_hops: int
) -> dict[tuple[int, int], tuple[str, tuple[str, ...]]]:
    """Left-right pairs joined by links, with the (composed) relation and the path.

    Where the two versions are linked directly, those links decide. Points with no direct link
    are joined through chains of links walked in both directions: through the versions between
    the two (28 -> 19 -> 20) or through a common ancestor (E3 <- 28 -> 20). A chain never passes
    through a provision of either compared version, and the shortest chain wins.
    """
    left_ids = {p.id for p in left}
    right_ids = {p.id for p in right}
    found: dict[tuple[int, int], tuple[str, tuple[str, ...]]] = {}
    graph: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for link in links:
        graph[link.earlier].append((link.later, link.relation, link.later_plan))
        graph[link.later].append((link.earlier, link.relation, link.earlier_plan))
        for a, b in ((link.earlier, link.later), (link.later, link.earlier)):
            if a in left_ids and b in right_ids:
                found[(a, b)] = (link.relation, ())
    linked_left = {a for a, _ in found}
    linked_right = {b for _, b in found}

    for start in left:
        if start.id in linked_left:
            continue
        # breadth first: (node, worst relation so far, plans passed through)
        queue = deque([(start.id, UNCHANGED, ())])
        depth = {start.id: 0}
        while queue:
            node, relation, path = queue.popleft()
            if depth[node] >= max_hops:
                continue
            for neighbour, hop_relation, plan in graph.get(node, ()):
                worst = max(relation, hop_relation, key=lambda r: _RANK.get(r, 2))
                if neighbour in right_ids:
                    if neighbour not in linked_right and node != start.id:
                        found.setdefault((start.id, neighbour), (worst, path))
                    continue
                if neighbour in left_ids or neighbour in depth:
                    continue
                depth[neighbour] = depth[node] + 1
                queue.append((neighbour, worst, (*path, plan)))
    return found


def _similarity(a: str, b: str) -> float:
    words_a = {w.lower() for w in re.findall(r"\w+", a)}
    words_b = {w.lower() for w in re.findall(r"\w+", b)}
    if not words_a or not words_b:
        return 0.0
    return 2 * len(words_a & words_b) / (len(words_a) + len(words_b))


def suggest_pairs(
    left: Sequence[Point], right: Sequence[Point], threshold: float = 0.5
) -> list[tuple[Point, Point, float]]:
    """Order-keeping matching of unlinked points that maximises total word similarity."""
    n, m = len(left), len(right)
    if not n or not m:
        return []
    score = [[_similarity(a.text, b.text) for b in right] for a in left]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = score[i][j] + best[i + 1][j + 1] if score[i][j] >= threshold else -1.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if score[i][j] >= threshold and best[i][j] == score[i][j] + best[i + 1][j + 1]:
            pairs.append((left[i], right[j], score[i][j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _composed_relation(left: Sequence[Point], right: Sequence[Point], relations: set[str]) -> str:
    if len(left) > 1 and len(right) == 1:
        return MERGED
    if len(left) == 1 and len(right) > 1:
        return SPLIT
    if len(left) > 1 and len(right) > 1:
        return MODIFIED
    worst = max(relations, key=lambda r: _RANK.get(r, 2))
    return MODIFIED if worst in (MERGED, SPLIT) else worst


def align(
    left: Sequence[Point],
    right: Sequence[Point],
    links: Iterable[Link],
    *,
    max_hops: int = 4,
    suggest_threshold: float = 0.5,
) -> list[Row]:
    """Rows pairing the provisions of two versions, in the right-hand version's order.

    Confirmed links decide, directly or through chains (see `_chains`); what no chain reaches is
    matched by an order-keeping similarity alignment labelled "suggested"; the rest is "removed"
    (left only) or "new" (right only). A removed provision sits after the row of its left-hand
    predecessor. A row reached through other versions names them in `path`.
    """
    left = sorted(left, key=lambda p: (p.position, p.id))
    right = sorted(right, key=lambda p: (p.position, p.id))
    if [p.id for p in left] == [p.id for p in right]:  # a version compared with itself
        return [Row((p,), (p,), UNCHANGED, runs=word_diff(p.text, p.text)) for p in right]
    chains = _chains(left, right, links, max_hops)

    # Connected groups of left and right points joined by chains become one row each.
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for left_id, right_id in chains:
        parent[find(left_id)] = find(right_id)
    groups: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pair in chains:
        groups[find(pair[0])].append(pair)

    rows: list[Row] = []
    reached: set[int] = set()
    for pairs in groups.values():
        left_ids = {a for a, _ in pairs}
        right_ids = {b for _, b in pairs}
        reached |= left_ids | right_ids
        row_left = tuple(p for p in left if p.id in left_ids)
        row_right = tuple(p for p in right if p.id in right_ids)
        relations = {chains[pair][0] for pair in pairs}
        path = tuple(dict.fromkeys(min((chains[pair][1] for pair in pairs), key=len)))
        rows.append(
            Row(row_left, row_right, _composed_relation(row_left, row_right, relations), path=path)
        )

    unreached_left = [p for p in left if p.id not in reached]
    unreached_right = [p for p in right if p.id not in reached]
    for a, b, score in suggest_pairs(unreached_left, unreached_right, suggest_threshold):
        reached |= {a.id, b.id}
        relation = UNCHANGED if a.text == b.text else MODIFIED
        rows.append(Row((a,), (b,), relation, status=SUGGESTED, score=round(score, 3)))
    rows += [Row((), (p,), NEW) for p in right if p.id not in reached]

    placed = sorted(rows, key=lambda row: min(p.position for p in row.right))
    removed = [p for p in left if p.id not in reached]
    for point in removed:
        placed.insert(_after_predecessor(placed, point, left), Row((point,), (), REMOVED))

    for row in placed:
        if row.left and row.right:
            row.runs = word_diff(_join(row.left), _join(row.right))
        elif row.left:  # removed: the whole text goes; flags would only repeat that
            row.runs = [Run(DELETE, _join(row.left), "")]
        else:
            row.runs = [Run(INSERT, "", _join(row.right))]
    return placed


def _after_predecessor(rows: list[Row], point: Point, left: Sequence[Point]) -> int:
    """Index just after the last row holding a left-hand point that comes before `point`."""
    earlier = {p.id for p in left if (p.position, p.id) < (point.position, point.id)}
    index = 0
    for i, row in enumerate(rows):
        if any(p.id in earlier for p in row.left):
            index = i + 1
    return index


def summarise(rows: Iterable[Row]) -> dict:
    """Counts per relation, and per theme and relation."""
    rows = list(rows)
    by_relation = dict.fromkeys(RELATIONS, 0)
    by_theme: dict[str, dict[str, int]] = {}
    for row in rows:
        by_relation[row.relation] += 1
        for theme in row.themes:
            by_theme.setdefault(theme, dict.fromkeys(RELATIONS, 0))[row.relation] += 1
    return {
        "rows": len(rows),
        "by_relation": by_relation,
        "by_theme": dict(sorted(by_theme.items())),
        "suggested": sum(row.status == SUGGESTED for row in rows),
        "flagged": {flag: sum(flag in row.flags for row in rows) for flag in FLAGS},
    }


# --- Where each phrase was first written -------------------------------------------------------

# Words too common to say where a phrase came from: matched alone they are coincidence.
FUNCTION_WORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "been", "by", "for", "from", "has", "have",
        "in", "into", "is", "it", "its", "of", "on", "or", "that", "the", "their", "this", "to",
        "was", "were", "which", "with",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Phrase:
    """A stretch of a text with the earlier text that first had it (None: first written in this
    text) and the texts on its line of descent that had left it out (it was dropped there and
    later restored)."""

    text: str
    origin: object = None
    dropped_in: tuple = ()


def _phrase_keys(text: str) -> tuple[list[str], list[str]]:
    chunks = _CHUNK.findall(text)
    return chunks, [chunk.rstrip().lower() for chunk in chunks]


def _says_something(keys: Sequence[str]) -> bool:
    """A matched stretch tells where it came from if it holds a word that is not a function
    word, or a number (a lone "at", "the" or comma matches by coincidence)."""
    return any(key not in FUNCTION_WORDS and any(map(str.isalnum, key)) for key in keys)


def _contains(keys: Sequence[str], part: Sequence[str]) -> bool:
    width = len(part)
    return any(list(keys[i : i + width]) == list(part) for i in range(len(keys) - width + 1))


def trace_phrases(
    text: str,
    earlier: Sequence[tuple[object, str]],
    lines: dict | None = None,
) -> list[Phrase]:
    """Each phrase of `text` with the first of the `earlier` texts (oldest first, each with a
    key) that already had it, WikiWho-style: a phrase belongs to the oldest text that has the
    same words in a row (case aside, anywhere in it: a phrase may have moved), where the
    stretch says something (see `_says_something`). `lines` maps an earlier key to the keys of
    the texts descended from it on the way to `text`, oldest first: a phrase one of those lacks
    was dropped there and restored. Joining the phrases gives `text` back exactly."""
    chunks, keys = _phrase_keys(text)
    origin: list[object] = [None] * len(chunks)
    texts = {}
    for key, other in earlier:
        texts[key] = other_keys = _phrase_keys(other)[1]
        for start, size in _shared_stretches(keys, other_keys, origin):
            origin[start : start + size] = [key] * size
    _glue(origin, keys)
    phrases: list[Phrase] = []
    start = 0
    for i in range(1, len(chunks) + 1):
        if i == len(chunks) or origin[i] != origin[start]:
            source = origin[start]
            dropped = ()
            part = [k for k in keys[start:i] if k]
            if source is not None and lines and _says_something(part):
                dropped = tuple(
                    key for key in lines.get(source, ()) if not _contains(texts[key], part)
                )
            phrases.append(Phrase("".join(chunks[start:i]), source, dropped))
            start = i
    return phrases


def _shared_stretches(keys, other_keys, origin) -> list[tuple[int, int]]:
    """The stretches of `keys` not yet attributed that `other_keys` also has, longest first
    (difflib's longest match, tried again either side of each one found)."""
    matcher = SequenceMatcher(None, keys, other_keys, autojunk=False)
    todo, found = [], []
    i = 0
    while i < len(keys):  # the unattributed regions
        if origin[i] is None:
            j = i
            while j < len(keys) and origin[j] is None:
                j += 1
            todo.append((i, j))
            i = j
        else:
            i += 1
    while todo:
        lo, hi = todo.pop()
        start, _, size = matcher.find_longest_match(lo, hi, 0, len(other_keys))
        if not size:
            continue
        if _says_something(keys[start : start + size]):
            found.append((start, size))
        todo += [(lo, start), (start + size, hi)]
    return found


def _glue(origin: list, keys: Sequence[str]) -> None:
    """A stretch left unmatched that says nothing by itself ("at a", a comma) between two
    stretches of the same origin belongs to that origin: the phrase reads whole."""
    i = 0
    while i < len(origin):
        if origin[i] is not None:
            i += 1
            continue
        j = i
        while j < len(origin) and origin[j] is None:
            j += 1
        between_same = i > 0 and j < len(origin) and origin[i - 1] == origin[j]
        if between_same and not _says_something(keys[i:j]):
            origin[i:j] = [origin[j]] * (j - i)
        i = j
