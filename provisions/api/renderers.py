"""CSV for every list endpoint: djangorestframework-csv's renderer, with columns in the
serializer's order and lists of plain values joined in one cell."""

import csv
import unicodedata

from rest_framework.renderers import BaseRenderer
from rest_framework_csv.renderers import CSVRenderer as LibraryCSVRenderer

# Formula injection ("CSV injection"): a spreadsheet runs a cell that starts with = + - or @ as
# a formula, and tab, CR, LF or NUL first can lead into one (OWASP's list, with ASVS's NUL).
# Leading spaces or invisible characters are no protection (spreadsheets trim some), nor is a
# full-width sign (some normalise it), and a leading field separator (; in much of Europe, or ,)
# would start a new cell where the formula then stands first. Such a text gets a leading
# apostrophe, which spreadsheets hide and read as "this is text". Every field is also quoted,
# so that a separator inside a cell cannot split it, whatever the reader's locale.
FORMULA_START = frozenset("=+-@;,|")
CONTROL_START = frozenset("\t\r\n\0")
QUOTING = csv.QUOTE_ALL


def spreadsheet_safe(value):
    if not isinstance(value, str) or not value:
        return value
    if value[0] in CONTROL_START:
        return "'" + value
    first = next((char for char in value if not _invisible(char)), "")
    if first and unicodedata.normalize("NFKC", first)[:1] in FORMULA_START:
        return "'" + value
    return value


def _invisible(char: str) -> bool:
    """White space, or a format character such as a zero-width space or a byte-order mark."""
    return char.isspace() or unicodedata.category(char) == "Cf"


class CSVRenderer(LibraryCSVRenderer):
    writer_opts = {"quoting": QUOTING}

    def flatten_list(self, items):
        if all(not isinstance(item, dict | list) for item in items):
            return {"": "; ".join("" if item is None else str(item) for item in items)}
        return super().flatten_list(items)

    def render(self, data, media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        if not data and renderer_context.get("empty_header"):
            # a header row even when nothing matches, so the response is still a CSV file
            renderer_context = {**renderer_context, "header": renderer_context["empty_header"]}
        return super().render(data, media_type, renderer_context)

    def tablize(self, data, header=None, labels=None):
        if not header and data:
            data = list(data)
            keys = (key for item in data for key in self.flatten_item(item))
            header = list(dict.fromkeys(keys))
        for row in super().tablize(data, header=header, labels=labels):
            yield [spreadsheet_safe(cell) for cell in row]


class PassthroughRenderer(BaseRenderer):
    """A format the view writes itself (it answers with a finished HttpResponse); listed so
    that content negotiation and ?format= know the format exists."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class TEIRenderer(PassthroughRenderer):
    media_type = "application/tei+xml"
    format = "tei"


class TableCSVRenderer(PassthroughRenderer):
    media_type = "text/csv"
    format = "csv"
