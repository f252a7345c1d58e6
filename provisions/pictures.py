"""What every picture shares: its visual language, its text, and its export as SVG or PNG.

The pictures are SVG drawn by templates from layouts computed in Python (see provisions.flows,
provisions.timeline): no script, presentation attributes rather than style sheets (so they obey
the Content-Security-Policy and stay whole when exported), and a table or list beside each that
says the same for screen readers. Every relation has a colour (the comparison's), a dash pattern
and a symbol, so a picture still reads in greyscale.
"""

import re
import textwrap
from dataclasses import dataclass

import resvg_py
from django.http import HttpResponse
from django.template.loader import render_to_string

from provisions import diffing


@dataclass(frozen=True)
class Style:
    colour: str
    dash: str  # stroke-dasharray ("" for a solid line)
    width: float
    symbol: str
    label: str
    meaning: str


# the comparison's colours: grey kept, amber changed, orange dropped, blue new
KEPT, CHANGED, DROPPED, ADDED = "#6b6b73", "#a07800", "#c0622e", "#2f6db5"

RELATION_STYLES = {
    diffing.UNCHANGED: Style(KEPT, "", 2, "=", "unchanged", "the same words"),
    diffing.REWORDED: Style(KEPT, "6 3", 2, "≈", "reworded", "other words, same substance"),
    diffing.MODIFIED: Style(CHANGED, "", 3.5, "~", "modified", "the substance changed"),
    diffing.MERGED: Style(CHANGED, "9 3", 3, "»", "merged", "several points became one"),
    diffing.SPLIT: Style(CHANGED, "9 3 2 3", 3, "«", "split", "one point became several"),
    diffing.REMOVED: Style(DROPPED, "", 2, "−", "dropped", "no counterpart later"),
    diffing.NEW: Style(ADDED, "", 2, "+", "new", "no counterpart earlier"),
}

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
INK, MUTED, LINE, TINT = "#1d1d1f", "#5b5b62", "#d9d9de", "#f4f4f6"
PAPER, LINK, FRAME, CURRENT = "#ffffff", "#1f4e8c", "#9a9aa2", "#fff8e1"
ADDED_FILL, DROPPED_FILL = "#d8e8fb", "#fbe3d6"  # a new or a dropped point's box
# what every picture's template draws with ({% picture_palette as c %})
PALETTE = {
    "ink": INK, "muted": MUTED, "line": LINE, "tint": TINT, "paper": PAPER, "link": LINK,
    "frame": FRAME, "current": CURRENT, "added": ADDED, "added_fill": ADDED_FILL,
    "dropped": DROPPED, "dropped_fill": DROPPED_FILL,
}  # fmt: skip

# characters XML 1.0 does not allow at all: a provision's text is untrusted, and one of these
# would make the whole picture unreadable to every SVG parser
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """Text as a picture may hold it: one line, nothing an XML parser refuses. (Escaping is the
    template's.)"""
    return " ".join(_NOT_XML.sub("", text).split())


def wrap(text: str, width: int, *, lines: int = 3) -> list[str]:
    """Text broken into at most `lines` lines of about `width` characters, the last shortened
    with an ellipsis when more would be needed."""
    wrapped = textwrap.wrap(clean(text), width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: max(width - 1, 1)].rstrip() + "…"
    return wrapped


PICTURE_FORMATS = ("svg", "png")
PNG_ZOOM = 2  # sharp in print and on high-density screens


def picture_response(template: str, context: dict, *, name: str, fmt: str) -> HttpResponse:
    """The picture on its own, as an SVG file or a PNG rendered from it, for articles: the same
    template the page includes, drawn standalone (its own fonts, a white background)."""
    svg = render_to_string(template, {**context, "standalone": True})
    if fmt == "png":
        body = resvg_py.svg_to_bytes(svg_string=svg, background=PAPER, zoom=PNG_ZOOM)
        response = HttpResponse(bytes(body), content_type="image/png")
    else:
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.{fmt}"'
    return response
