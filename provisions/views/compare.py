"""Two versions side by side, and the comparison's rows as CSV or Markdown."""

import csv
import datetime
import re

from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from provisions import origins, queries, witnesses
from provisions.api.renderers import QUOTING, spreadsheet_safe
from provisions.forms import CompareFilterForm, VersionPickerForm
from provisions.models import Coverage, Plan
from provisions.views.rendering import picker_plans, render_page


@require_safe
def compare_pick(request):
    """The version pickers submit here; answer with the canonical comparison URL."""
    picker = VersionPickerForm(request.GET or None)
    if not picker.is_valid():
        status = 400 if picker.is_bound else 200
        context = {"picker": picker, "picker_limit": queries.pickers.PICKER_VERSIONS}
        return render(request, "provisions/compare_pick.html", context, status=status)
    left, right = picker.cleaned_data["left"], picker.cleaned_data["right"]
    rest = {k: v for k, v in request.GET.items() if k not in ("left", "right") and v}
    if (release := getattr(request, "release", None)) is not None:
        rest["release"] = release.number  # still reading that release
    url = reverse("provisions:compare", args=[left.slug, right.slug])
    if rest:
        url = f"{url}?{urlencode(rest)}"
    if request.htmx:
        response = compare(request, left.slug, right.slug)
        return push_url(response, url)
    return HttpResponseRedirect(url)


def _comparison_context(request, left: str, right: str) -> dict:
    """The comparison is computed only if the page needs it: the rendered rows are cached under
    the dataset stamp, the two versions and the query string (see compare.html)."""
    left_plan = get_object_or_404(Plan, slug=left)
    right_plan = get_object_or_404(Plan, slug=right)
    form = CompareFilterForm(request.GET or None)
    stamp = queries.dataset_stamp()
    comparison = SimpleLazyObject(lambda: queries.comparison(left_plan, right_plan))
    query = urlencode(sorted(request.GET.items()))
    context = {
        "left": left_plan,
        "right": right_plan,
        "comparison": comparison,
        "rows": SimpleLazyObject(lambda: comparison.filtered(**form.filters())),
        "statuses": SimpleLazyObject(lambda: queries.comparison_statuses(comparison)),
        "variants": SimpleLazyObject(
            lambda: witnesses.variants_by_provision([left_plan, right_plan])
        ),
        "form": form,
        "layout": form.chosen_layout,
        # "phrase origins": where each phrase of the right-hand points was first written
        "origins": SimpleLazyObject(
            lambda: origins.phrase_origins([p.id for row in context["rows"] for p in row.right])
        ),
        "plans": picker_plans(left_plan, right_plan),
        **fragment_names(left_plan, right_plan, query, stamp),
    }
    return context


def fragment_names(left: Plan, right: Plan, query: str, stamp: str) -> dict[str, str]:
    """What compare.html keeps its cached fragments under: the section (rows, summary) per
    query string, the two pickers per pair."""
    return {
        "fragment_key": f"{FRAGMENT_VERSION}:{stamp}:{left.pk}:{right.pk}:{query}",
        "pickers_key": f"{FRAGMENT_VERSION}:{stamp}:{left.pk}:{right.pk}",
    }


FRAGMENT_VERSION = "compare-9"  # change with compare.html's markup


@require_safe
@vary_on_headers("HX-Request")
def compare(request, left: str, right: str):
    context = _comparison_context(request, left, right)
    return render_page(request, "provisions/compare.html", "comparison", context)


@require_safe
def compare_export(request, left: str, right: str, fmt: str):
    """The comparison's rows (with the page's filters) as CSV or Markdown."""
    context = _comparison_context(request, left, right)
    if context["form"].errors:  # never a file of every row for a filter that was mistyped
        return JsonResponse({"errors": context["form"].errors.get_json_data()}, status=400)
    rows = context["rows"]
    name = f"{context['left'].slug}--{context['right'].slug}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        writer = csv.writer(response, quoting=QUOTING)
        writer.writerow(EXPORT_HEADER)
        for record in _export_records(context, rows):
            writer.writerow([spreadsheet_safe(cell) for cell in record])
        return Coverage.objects.state_in(response)
    left, right = (markdown_text(context[side].short_name) for side in ("left", "right"))
    coverage = Coverage.objects.current()
    lines = [
        f"# {left} → {right}",
        "",
        f"Exported {datetime.date.today():%d %B %Y} from "
        f"{markdown_text(request.build_absolute_uri())}",
        "",
        *([markdown_text(coverage.statement()), ""] if coverage else []),
        "| " + " | ".join(EXPORT_HEADER) + " |",
        "|" + "---|" * len(EXPORT_HEADER),
    ]
    for record in _export_records(context, rows):
        lines.append("| " + " | ".join(markdown_text(str(cell)) for cell in record) + " |")
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.md"'
    return Coverage.objects.state_in(response)


# Markdown reads these as formatting (emphasis, code, links, tables): escaped with a backslash
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]~|#!])")


def markdown_text(text: str) -> str:
    """Untrusted text as literal text on one line of Markdown. Renderers pass raw HTML through,
    so & < > become entities; Markdown's own punctuation is escaped, so a provision cannot make
    a link or an image; any line break (a CR too) would start a new table row."""
    text = " ".join(text.splitlines())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


EXPORT_HEADER = [
    "left points",
    "right points",
    "relation",
    "status",
    "via",
    "flags",
    "left text",
    "right text",
    "what changed (links' notes)",
]


def _export_records(context, rows):
    notes = context["comparison"].notes
    for row in rows:
        yield [
            ", ".join(p.display_label for p in row.left),
            ", ".join(p.display_label for p in row.right),
            row.relation,
            row.status,
            " → ".join(row.path),
            ", ".join(sorted(row.flags)),
            "\n".join(p.text for p in row.left),
            "\n".join(p.text for p in row.right),
            " / ".join(notes.get(row.key, ())),
        ]
