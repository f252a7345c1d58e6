"""JSON bodies with a bounded nesting depth.

Python's json module parses nested arrays and objects recursively: about 1,000 levels (2 kB
of brackets) exhaust the interpreter's stack and the request ends in a RecursionError, a 500.
No request to this API nests more than a few levels, so a body nested deeper than MAX_DEPTH is
refused with a 400 before it is parsed, by a scan that does not recurse: strings are blanked
out (a bracket inside a string is text), and the depth is the running sum of the brackets left.
"""

import io
import re
from itertools import accumulate

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 20
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}.__getitem__


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (0 for a plain value)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub('""', text))
    return max(accumulate(map(_STEP, brackets)), default=0)


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
        if nesting_depth(text) > MAX_DEPTH:
            raise ParseError(
                f"JSON parse error - arrays and objects nest more than {MAX_DEPTH} levels deep."
            )
        raw = body if isinstance(body, bytes) else body.encode("utf-8")
        return super().parse(io.BytesIO(raw), media_type, parser_context)
