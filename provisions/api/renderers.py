"""CSV for every list endpoint: djangorestframework-csv's renderer, with columns in the
serializer's order and lists of plain values joined in one cell."""

from rest_framework_csv.renderers import CSVRenderer as LibraryCSVRenderer

# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection"); such a
# text gets a leading apostrophe, which spreadsheets hide and treat as "this is text".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class CSVRenderer(LibraryCSVRenderer):
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
