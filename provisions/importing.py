"""Parse the pasted text of a plan version into numbered points, with every problem found.

Editors paste a newly published version into an admin page, and the command-line import reads a
file; both call `parse` (or `parse_bytes`), show the preview and the problems, and write nothing
unless `ParseResult.ok`. This module only parses: it imports nothing but the standard library, so
it can be tested, fuzzed and reused without a database.

Published plans are messy: numbering styles differ ("1.", "Point 1:", "§1", "Article 1."), text
is wrapped by PDF copy-and-paste, and numbers inside sentences ("600,000.", "2025.") may land at a
line start. The parser therefore accepts a line as a new point only when its number is plausible
where it stands, and reports every line it was unsure about instead of guessing silently.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

MAX_BYTES = 1_000_000

EMPTY_INPUT = "empty_input"
TOO_LARGE = "too_large"
NOT_UTF8 = "not_utf8"
NUL_CHARACTER = "nul_character"
NO_POINTS = "no_points"
GAP = "gap"
REPEAT = "repeat"
UNPLACED = "unplaced"
EMPTY_POINT = "empty_point"
SUB_WITHOUT_POINT = "sub_without_point"
OUT_OF_ORDER = "out_of_order"

# How far numbering may jump ahead and still count as a marker: a lost line or two is common in
# pasted text, a jump from 4 to 2025 is a year at a line start.
MAX_JUMP = 3
# Longer lines, or lines ending like a sentence, are text rather than headings.
HEADING_MAX_CHARS = 80
_SENTENCE_END = ".;:,?!"
# A section heading ("PART II") may be followed by a title line; more than that is a paragraph.
_MAX_HEADING_LINES = 3
_BULLET_PREFIX = "• "


# --- Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedPoint:
    """One point or sub-point as it will be written: `number` and `sub` make its label."""

    number: int
    sub: str
    text: str
    line: int

    @property
    def label(self) -> str:
        """The label editors and the database use: "10" or "10a"."""
        return f"{self.number}{self.sub}"


@dataclass(frozen=True)
class Problem:
    """Something the editor must see before confirming; `blocking` ones forbid confirming."""

    line: int | None
    kind: str
    message: str
    blocking: bool


@dataclass
class ParseResult:
    """Everything the preview shows: the points, the text around them and the problems."""

    points: list[ParsedPoint]
    preamble: str
    headings: list[tuple[int, str]]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        """Whether the import may be confirmed: at least one point and no blocking problem."""
        return bool(self.points) and not any(problem.blocking for problem in self.problems)


# --- Recognising lines -----------------------------------------------------------------------

_BLANK, _TEXT, _BULLET_LINE, _POINT, _BARE, _SUB, _NUMBERED_SUB = (
    "blank", "text", "bullet", "point", "bare", "sub", "numbered_sub"
)  # fmt: skip
_MARKERS = (_POINT, _BARE, _SUB, _NUMBERED_SUB)
_WORDED, _PLAIN = "worded", "plain"
# What became of a marker line: a point, text continuing the sentence, or text on its own line.
_PLACED, _JOINED, _OWN_LINE = "placed", "joined", "own_line"

# After whitespace is collapsed, so a single space stands for any run of whitespace.
# "Point 1:", "Article 1.", "Art. 1", "§ 1 –"; without punctuation the text must not go on in
# lower case, so "Article 5 of the treaty" at a line start stays text.
_WORDED_POINT_RE = re.compile(
    r"(?P<marker>(?:(?i:point|article|art\.?) ?|§ ?)(?P<num>[0-9]{1,9})"
    r"(?: ?[.):](?![0-9])| ?[-–—](?= |$)|(?= (?![a-z])|$)))"
    r" ?(?P<rest>.*)"
)
# "1." "1)" "1:" "1 -" "1.Text"; never "1.5" or "10:30".
_PLAIN_POINT_RE = re.compile(
    r"(?P<marker>(?P<num>[0-9]{1,9})(?:[.:](?![0-9])|\)| ?[-–—](?= |$))) ?(?P<rest>.*)"
)
# "10a." "10(a)" "10 a)" "10a -"; letters are checked to be one letter or a doubled one.
_NUMBERED_SUB_RE = re.compile(
    r"(?P<marker>(?P<num>[0-9]{1,9}) ?"
    r"(?:\((?P<paren>[a-z]{1,2})\)|(?P<letters>[a-z]{1,2})(?:\.(?= |$)|\)| [-–—](?= |$))))"
    r" ?(?P<rest>.*)"
)
# "a." "(a)" "a)" "a -" "aa)"; "a." needs a space after it so "e.g." and "i.e." stay text.
_SUB_RE = re.compile(
    r"(?P<marker>\((?P<paren>[a-z]{1,2})\)|(?P<letters>[a-z]{1,2})(?:\.(?= |$)|\)| [-–—](?= |$)))"
    r" ?(?P<rest>.*)"
)
_BULLET_RE = re.compile(r"(?P<marker>[-–—•*·]) (?P<rest>.*)")
_BARE_NUMBER_RE = re.compile(r"[0-9]{1,9}")
# "PART II", "Section 3", "I. TERRITORY": headings even without a blank line before them.
_SECTION_RE = re.compile(
    r"(?:(?i:part|section|chapter|title|annex) (?:[0-9]{1,3}|[IVXLCivxlc]{1,7})\b"
    r"|[IVXLC]{1,7}[.)](?: |$))"
)


@dataclass(frozen=True)
class _Line:
    """One input line, whitespace collapsed, with what it looks like before context decides."""

    number: int
    text: str
    kind: str
    family: str = ""
    num: int = 0
    letters: str = ""
    marker: str = ""
    rest: str = ""

    def as_text(self) -> _Line:
        return _Line(self.number, self.text, _TEXT)


def _letters(match: re.Match[str]) -> str:
    return match["paren"] or match["letters"]


def _valid_letters(letters: str) -> bool:
    """One letter, or a doubled one ("aa") as plans use after "z"; "or)" or "in." are words."""
    return len(letters) == 1 or letters[0] == letters[1]


def _classify(number: int, raw: str) -> _Line:
    """Say what a line looks like on its own; whether a marker is believed comes later."""
    text = " ".join(raw.split())
    if not text:
        return _Line(number, text, _BLANK)
    if match := _WORDED_POINT_RE.match(text):
        return _marker_line(number, text, match, _POINT, _WORDED)
    if (match := _NUMBERED_SUB_RE.match(text)) and _valid_letters(_letters(match)):
        return _marker_line(number, text, match, _NUMBERED_SUB, _PLAIN, _letters(match))
    if match := _PLAIN_POINT_RE.match(text):
        return _marker_line(number, text, match, _POINT, _PLAIN)
    if (match := _SUB_RE.match(text)) and _valid_letters(_letters(match)):
        return _marker_line(number, text, match, _SUB, "", _letters(match))
    if match := _BULLET_RE.match(text):
        return _Line(number, text, _BULLET_LINE, marker=match["marker"], rest=match["rest"])
    if _BARE_NUMBER_RE.fullmatch(text):
        return _Line(number, text, _BARE, _PLAIN, int(text), marker=text)
    return _Line(number, text, _TEXT)


def _marker_line(
    number: int, text: str, match: re.Match[str], kind: str, family: str, letters: str = ""
) -> _Line:
    num = int(match["num"]) if "num" in match.re.groupindex else 0
    return _Line(number, text, kind, family, num, letters, match["marker"], match["rest"])


def _split_lines(text: str) -> list[_Line]:
    """Lines as an editor counts them in the text box: only CR, LF and CRLF end a line."""
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [_classify(index, raw) for index, raw in enumerate(raw_lines, start=1)]
    return [_settle_bare(lines, index) for index in range(len(lines))]


def _settle_bare(lines: list[_Line], index: int) -> _Line:
    """A number alone on a line is a point only when text follows at once; else a page number."""
    line = lines[index]
    if line.kind != _BARE:
        return line
    following = lines[index + 1] if index + 1 < len(lines) else None
    if following is not None and following.kind in (_TEXT, _BULLET_LINE):
        return line
    return line.as_text()


def _next_point_numbers(lines: list[_Line]) -> dict[int, int]:
    """For each line, the number on the next point-marker line after it (for excerpt starts)."""
    following: dict[int, int] = {}
    upcoming: int | None = None
    for line in reversed(lines):
        if upcoming is not None:
            following[line.number] = upcoming
        if line.kind in (_POINT, _BARE):
            upcoming = line.num
    return following


def _ordinal(letters: str) -> int:
    """Position of a sub-point letter: a=1 … z=26, aa=27, bb=28 …"""
    position = ord(letters[0]) - ord("a") + 1
    return position if len(letters) == 1 else 26 + position


def _letters_at(ordinal: int) -> str:
    letter = chr(ord("a") + (ordinal - 1) % 26)
    return letter if ordinal <= 26 else letter * 2


def _enumerate(items: list[str]) -> str:
    """ "4", "4 and 5", "4, 5 and 6": how the messages list labels."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


# --- Collecting text -------------------------------------------------------------------------


@dataclass
class _Block:
    """A paragraph or a bullet: wrapped lines join with spaces, blocks are separate lines."""

    parts: list[str]
    bullet: bool

    def render(self) -> str:
        text = " ".join(self.parts)
        return _BULLET_PREFIX + text if self.bullet else text


@dataclass
class _Draft:
    """A point (or the preamble) whose text is still being collected."""

    number: int
    sub: str
    line: int
    blocks: list[_Block] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.number}{self.sub}"

    def add(self, text: str, *, bullet: bool, new_paragraph: bool) -> None:
        """A wrapped line continues the last block, bullets too; a blank or a bullet starts one."""
        if not text:
            return
        if bullet or new_paragraph or not self.blocks:
            self.blocks.append(_Block([text], bullet))
        else:
            self.blocks[-1].parts.append(text)

    def render(self) -> str:
        return "\n".join(block.render() for block in self.blocks)


# --- The parser ------------------------------------------------------------------------------


@dataclass
class _Parser:
    """Walks the lines once, deciding for each marker whether it is believable where it stands."""

    preamble: _Draft = field(default_factory=lambda: _Draft(0, "", 0))
    drafts: list[_Draft] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    family: str = ""
    style: str = ""
    parent: _Draft | None = None
    target: _Draft | None = None
    last_sub: int = 0
    blank: bool = True
    pending: list[tuple[_Line, bool]] = field(default_factory=list)
    next_number: dict[int, int] = field(default_factory=dict)

    # -- driving

    def run(self, lines: list[_Line]) -> None:
        self.next_number = _next_point_numbers(lines)
        for line in lines:
            if line.kind == _BLANK:
                self.blank = True
                continue
            self._take(line)
            self.blank = False
        self._flush_pending()
        self._check_empty_points()

    def _take(self, line: _Line) -> None:
        outcome = self._place_marker(line) if line.kind in _MARKERS else _JOINED
        if outcome == _PLACED:
            self.headings.extend((held.number, held.text) for held, _ in self.pending)
            self.pending.clear()
        elif line.kind == _TEXT and self._hold_as_heading(line):
            return
        else:
            self._flush_pending()
            self._add_text(line, new_paragraph=self.blank or outcome == _OWN_LINE)

    @property
    def _current(self) -> _Draft:
        return self.target or self.preamble

    def _add_text(self, line: _Line, *, new_paragraph: bool) -> None:
        if line.kind == _BULLET_LINE:
            self._current.add(line.rest, bullet=True, new_paragraph=True)
        else:
            self._current.add(line.text, bullet=False, new_paragraph=new_paragraph)

    # -- headings

    def _hold_as_heading(self, line: _Line) -> bool:
        """Keep a short standalone line aside until we know whether a point follows it."""
        if len(line.text) > HEADING_MAX_CHARS or line.text[-1] in _SENTENCE_END:
            return False
        after_section = (
            bool(self.pending)
            and len(self.pending) < _MAX_HEADING_LINES
            and _SECTION_RE.match(self.pending[-1][0].text) is not None
        )
        if after_section:
            self.pending.append((line, self.blank))
            return True
        if self.blank or _SECTION_RE.match(line.text):
            self._flush_pending()
            self.pending.append((line, self.blank))
            return True
        return False

    def _flush_pending(self) -> None:
        """No point came after the held lines, so they were text of the current point after all."""
        for held, blank_before in self.pending:
            self._add_text(held, new_paragraph=blank_before)
        self.pending.clear()

    # -- markers

    def _place_marker(self, line: _Line) -> str:
        if line.kind in (_POINT, _BARE):
            return self._place_point(line)
        return self._place_sub(line)

    def _place_point(self, line: _Line) -> str:
        """Believe a point number only where it fits, so wrapped "2025." stays in its sentence."""
        if self.family and line.family != self.family:
            # Numbered paragraphs inside "Article 3": kept, on their own line, as its text.
            self._unplaced(line, f"the points in this text are numbered like “{self.style}”")
            return _OWN_LINE
        expected = max((d.number for d in self.drafts if not d.sub), default=0) + 1
        label = str(line.num)
        if label in self.seen:
            if line.kind == _BARE:
                return self._refuse_number(line, expected)
            self._repeat(line, label, "point")
        elif expected <= line.num <= expected + MAX_JUMP or self._starts_excerpt(line):
            self._gap_before_point(line, expected)
        elif 1 <= line.num < expected and line.kind != _BARE:
            self._problem(
                line.number,
                OUT_OF_ORDER,
                f"point {label} comes after point {expected - 1}; points must be in order.",
            )
        else:
            return self._refuse_number(line, expected)
        if not self.family:
            self.family, self.style = line.family, line.marker
        self.parent = self._open(line, line.num, "")
        self.last_sub = 0
        return _PLACED

    def _starts_excerpt(self, line: _Line) -> bool:
        """A text may start at "10." (an excerpt) if the next marker goes on with "11."."""
        return not self.drafts and self.next_number.get(line.number) == line.num + 1

    def _refuse_number(self, line: _Line, expected: int) -> str:
        self._unplaced(line, f"point {expected} comes next")
        return _JOINED

    def _gap_before_point(self, line: _Line, expected: int) -> None:
        missing = [str(number) for number in range(expected, line.num)]
        if not missing:
            return
        if len(missing) > MAX_JUMP:  # an excerpt: listing every earlier number helps nobody
            sentence = f"the numbering starts at {line.num}, not at 1."
        else:
            lead = f"point {line.num} follows point {expected - 1}"
            if expected == 1:
                lead = f"the numbering starts at {line.num}"
            sentence = (
                f"{lead}: {_plural(len(missing), 'point')} {_enumerate(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} missing."
            )
        self._problem(line.number, GAP, sentence, blocking=False)

    def _place_sub(self, line: _Line) -> str:
        parent = self.parent
        label_hint = f"{line.num or ''}{line.letters}"
        if parent is None:
            self._problem(
                line.number,
                SUB_WITHOUT_POINT,
                f"sub-point “{label_hint}” comes before any numbered point; "
                "number the points first. The line was kept in the preamble.",
            )
            return _OWN_LINE
        label = f"{parent.number}{line.letters}"
        if line.kind == _NUMBERED_SUB and line.num != parent.number:
            return self._misplaced_sub(line, parent)
        ordinal = _ordinal(line.letters)
        expected = self.last_sub + 1
        if label in self.seen:
            self._repeat(line, label, "sub-point")
        elif ordinal < expected:
            self._problem(
                line.number,
                OUT_OF_ORDER,
                f"sub-point {label} comes after {parent.number}{_letters_at(self.last_sub)}; "
                "sub-points must be in order.",
            )
        elif ordinal > expected + MAX_JUMP:
            # Likely a nested list ("(i)" under "(a)"): its own line of the current text.
            self._unplaced(line, f"sub-point {parent.number}{_letters_at(expected)} comes next")
            return _OWN_LINE
        else:
            self._gap_before_sub(line, parent.number, expected, ordinal)
        self.last_sub = max(self.last_sub, ordinal)
        self._open(line, parent.number, line.letters)
        return _PLACED

    def _misplaced_sub(self, line: _Line, parent: _Draft) -> str:
        """ "10b" under point 11: kept in the preview so the editor sees where it went wrong."""
        label = f"{line.num}{line.letters}"
        if label in self.seen:
            self._repeat(line, label, "sub-point")
        else:
            self._problem(
                line.number,
                OUT_OF_ORDER,
                f"sub-point {label} appears under point {parent.number}; "
                f"it belongs after point {line.num}.",
            )
        self._open(line, line.num, line.letters)
        return _PLACED

    def _gap_before_sub(self, line: _Line, number: int, expected: int, ordinal: int) -> None:
        missing = [f"{number}{_letters_at(o)}" for o in range(expected, ordinal)]
        previous = f"{number}{_letters_at(expected - 1)}" if expected > 1 else f"point {number}"
        if missing:
            self._problem(
                line.number,
                GAP,
                f"sub-point {number}{line.letters} follows {previous}: "
                f"{_plural(len(missing), 'sub-point')} {_enumerate(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} missing.",
                blocking=False,
            )

    def _open(self, line: _Line, number: int, sub: str) -> _Draft:
        draft = _Draft(number, sub, line.number)
        draft.add(line.rest, bullet=False, new_paragraph=True)
        self.drafts.append(draft)
        self.seen.setdefault(draft.label, line.number)
        self.target = draft
        return draft

    # -- problems

    def _repeat(self, line: _Line, label: str, noun: str) -> None:
        self._problem(
            line.number,
            REPEAT,
            f"{noun} {label} appears twice, on line {self.seen[label]} and on line {line.number}.",
        )

    def _unplaced(self, line: _Line, reason: str) -> None:
        where = "the preamble" if self.target is None else f"point {self.target.label}"
        self._problem(
            line.number,
            UNPLACED,
            f"“{line.marker}” looks like a numbering marker, but {reason}, "
            f"so the line was kept as text of {where}.",
            blocking=False,
        )

    def _problem(self, line: int, kind: str, sentence: str, *, blocking: bool = True) -> None:
        """Problems found while walking the lines always name the line, first thing."""
        self.problems.append(Problem(line, kind, f"Line {line}: {sentence}", blocking))

    def _check_empty_points(self) -> None:
        """A point that only introduces its sub-points ("10." then "a. …") is not empty."""
        with_subs = {draft.number for draft in self.drafts if draft.sub}
        for draft in self.drafts:
            if not draft.blocks and (draft.sub or draft.number not in with_subs):
                self._problem(
                    draft.line,
                    EMPTY_POINT,
                    f"point {draft.label} has no text.",
                    blocking=False,
                )

    def result(self) -> ParseResult:
        points = [ParsedPoint(d.number, d.sub, d.render(), d.line) for d in self.drafts]
        problems = list(self.problems)
        if not points:
            problems.append(_no_points())
        return ParseResult(
            points=points,
            preamble=self.preamble.render(),
            headings=list(self.headings),
            problems=_sorted(problems),
        )


# --- Entry points ----------------------------------------------------------------------------


def parse(text: str) -> ParseResult:
    """Parse pasted text into points; never raises, every doubt becomes a `Problem`."""
    size = _utf8_size(text)
    if size > MAX_BYTES:
        return _refused(_too_large(size))
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        return _refused(_nul(text))
    if not text.strip():
        return _refused(Problem(None, EMPTY_INPUT, "The text is empty: paste the plan.", True))
    parser = _Parser()
    parser.run(_split_lines(text))
    return parser.result()


def parse_bytes(data: bytes) -> ParseResult:
    """Parse an uploaded file: size first (cheap, and protects the parser), then strict UTF-8."""
    if len(data) > MAX_BYTES:
        return _refused(_too_large(len(data)))
    skipped = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[skipped:].decode("utf-8")
    except UnicodeDecodeError as error:
        return _refused(_not_utf8(data, skipped + error.start))
    return parse(text)


def _utf8_size(text: str) -> int:
    # surrogatepass: a lone surrogate in a str must not make the size check raise.
    return len(text.encode("utf-8", "surrogatepass"))


def _refused(problem: Problem) -> ParseResult:
    return ParseResult(points=[], preamble="", headings=[], problems=[problem])


def _too_large(size: int) -> Problem:
    return Problem(
        None,
        TOO_LARGE,
        f"The text is {size:,} bytes, more than the limit of {MAX_BYTES:,} bytes; "
        "nothing was read. Import the plan in smaller parts.",
        True,
    )


def _not_utf8(data: bytes, offset: int) -> Problem:
    line = data[:offset].count(b"\n") + 1
    return Problem(
        line,
        NOT_UTF8,
        f"Line {line}: the file is not UTF-8 text (the byte at offset {offset:,} cannot be read); "
        "nothing was read. Save it as UTF-8 and try again.",
        True,
    )


def _nul(text: str) -> Problem:
    """NUL is no character of any plan, and no database text column takes it (PostgreSQL
    refuses it): refused before anything is parsed, like a file that is not UTF-8."""
    before = text[: text.index("\x00")]
    line = before.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    return Problem(
        line,
        NUL_CHARACTER,
        f"Line {line}: the text contains a NUL character (\\x00), which cannot be stored; "
        "nothing was read. Remove it and try again.",
        True,
    )


def _no_points() -> Problem:
    return Problem(
        None,
        NO_POINTS,
        "No numbered point was found, so the text would only be a preamble. Points should start "
        "with a marker such as “1.”, “1)”, “Point 1:”, “§1” or “Article 1.”.",
        True,
    )


def _sorted(problems: list[Problem]) -> list[Problem]:
    """By line, whole-text problems first; the sort is stable so same-line problems keep order."""
    return sorted(problems, key=lambda problem: -1 if problem.line is None else problem.line)
