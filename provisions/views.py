"""HTML views: look up, call a query, render. No rules live here.

Every URL renders a complete page; a plain htmx swap gets only the named partial of the same
template (see `render_page`).
"""

import csv
import datetime
import math
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.validators import slug_re
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.views import defaults
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url
from rapidfuzz import fuzz

from provisions import (
    citing,
    diffing,
    files,
    flows,
    origins,
    pictures,
    positions,
    queries,
    releases,
    witnesses,
)
from provisions import timeline as timelines
from provisions.api.renderers import QUOTING, spreadsheet_safe
from provisions.api.throttling import costly_refusal
from provisions.forms import (
    BoardForm,
    CompareFilterForm,
    FlowForm,
    PlanFilterForm,
    SearchForm,
    TimelineForm,
    VariantsForm,
    VersionPickerForm,
)
from provisions.models import Coverage, Plan, Provision, Release


def render_page(request, template: str, partial: str, context: dict) -> HttpResponse:
    """The whole page normally; only `partial` for a plain htmx swap (not boosted, not a
    history restore, which need the whole page)."""
    htmx = request.htmx
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        template = f"{template}#{partial}"
    return render(request, template, context)


@require_safe
def plan_list(request):
    include = _include_withdrawn(request)
    page = queries.timeline(request.GET.get("page", 1), include_withdrawn=include)
    context = {
        "plans": page.object_list,
        "page": page,
        "include_withdrawn": include,
        "coverage": Coverage.objects.current(),
        "featured": _featured_comparison(),
        # drawn only when its cached fragment is missing (plan_list.html)
        "overview": SimpleLazyObject(lambda: timelines.overview(page.object_list)),
        "overview_key": f"{TIMELINE_MARKUP}:{queries.dataset_stamp()}:{page.number}:{include}",
    }
    return render(request, "provisions/plan_list.html", context)


def _featured_comparison() -> tuple[Plan, Plan] | None:
    """The comparison most readers come for (settings.FEATURED_COMPARISON), when both versions
    are on record."""
    left, right = settings.FEATURED_COMPARISON
    found = {p.slug: p for p in Plan.objects.filter(slug__in=[left, right], withdrawn=False)}
    return (found[left], found[right]) if left in found and right in found else None


def _include_withdrawn(request) -> bool:
    """The home page's own switch (a plain link, so it works without JavaScript)."""
    return request.GET.get("withdrawn") == "include"


def health(request):
    """For load balancers (and the benchmark's baseline): answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@vary_on_headers("HX-Request")
def plan_detail(request, slug: str):
    plan = get_object_or_404(queries.plan_timeline(), slug=slug)
    form = PlanFilterForm(request.GET or None)
    context = {
        "plan": plan,
        "form": form,
        "provisions": queries.provision_list(plan=plan, **form.filters()),
        "plan_citations": queries.plan_citations(plan=plan),
        "coverage": SimpleLazyObject(Coverage.objects.current),  # not read by an htmx swap
        # the versions that revise this one: its comparisons forward
        "successors": SimpleLazyObject(
            lambda: list(plan.derived_plans.filter(withdrawn=False).order_by("presented_on"))
        ),
    }
    return render_page(request, "provisions/plan_detail.html", "provision-list", context)


def _board_context(request, slug: str) -> dict:
    plan = get_object_or_404(Plan, slug=slug)
    parties = queries.board_parties(plan)
    form = BoardForm(request.GET or None, parties=parties)
    as_of = form.value("as_of") or datetime.date.today()
    board = positions.board(plan, as_of=as_of, since=form.value("since"))
    return {
        "plan": plan,
        "form": form,
        "board": board,
        "rows": board.filtered(**form.filters()),
        "status_rule": positions.STATUS_RULE,
        "statuses": list(positions.Status),
        "stance_symbols": positions.STANCE_SYMBOLS,
        "coverage": SimpleLazyObject(Coverage.objects.current),
        "query": urlencode([(k, v) for k, v in request.GET.items() if v]),
    }


@require_safe
@vary_on_headers("HX-Request")
def board(request, slug: str):
    """Where each party stands on every point of a version, as of a date."""
    context = _board_context(request, slug)
    response = render_page(request, "provisions/board.html", "board", context)
    if context["form"].errors:
        response.status_code = 400
    return response


BOARD_HEADER = ["point", "text", "status", "changed since"]


@require_safe
def board_export(request, slug: str):
    """The board (with the page's date and filters) as CSV: one row per point, three columns
    per party (stance, stated on, source)."""
    context = _board_context(request, slug)
    if context["form"].errors:
        return JsonResponse({"errors": context["form"].errors.get_json_data()}, status=400)
    board = context["board"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{board.plan.slug}-board-{board.as_of.isoformat()}.csv"'
    )
    writer = csv.writer(response, quoting=QUOTING)
    party_header = [
        f"{party.name}: {what}"
        for party in board.columns
        for what in ("stance", "stated on", "source")
    ]
    writer.writerow([*BOARD_HEADER, *party_header])
    for row in [board.whole, *context["rows"]]:
        cells = []
        for cell in row.cells:
            position = cell.position
            stance = position.get_stance_display() if position else ""
            if position and cell.whole_version:
                stance += " (on the version as a whole)"
            cells += [
                stance,
                position.stated_on.isoformat() if position else "",
                position.source.url if position else "",
            ]
        point = row.provision.display_label if row.provision else "whole version"
        record = [
            point,
            row.provision.text if row.provision else board.plan.title,
            row.status.label if row.status else "",
            "yes" if row.changed else "",
            *cells,
        ]
        writer.writerow([spreadsheet_safe(cell) for cell in record])
    return Coverage.objects.state_in(response)


@require_safe
def provision_detail(request, slug: str, label: str):
    provision = queries.provision_detail(plan_slug=slug, label=label)
    lineage = queries.provision_lineage(provision)
    baseline = _baseline(request.GET.get("baseline", ""), provision, lineage)
    for entry in lineage:
        entry.runs = diff_against(baseline, entry.provision)
    stances, statuses = positions.provision_timeline(provision)
    context = {
        "provision": provision,
        "positions": stances,
        "statuses": statuses,
        "status_now": statuses[-1][1] if statuses else None,
        "lineage": lineage,
        # drawn only when their cached fragment is missing (provision_detail.html)
        "lineage_pictures": SimpleLazyObject(lambda: _lineage_pictures(provision, lineage)),
        "lineage_key": f"{queries.dataset_stamp()}:{provision.pk}",
        "baseline": baseline,
        "history": queries.provision_history(provision),
        "readings": [
            (citation, reading_runs(provision, citation))
            for citation in provision.citations.all()
            if citation.reading
        ],
        "citation": citing.provision_citation(
            provision, request.build_absolute_uri(provision.get_absolute_url())
        ),
        "as_of": _as_of(request, provision),
        **_witness_context(request, provision),
    }
    return render(request, "provisions/provision_detail.html", context)


def _lineage_pictures(provision, lineage) -> dict:
    """The point's lineage graph and its phrase origins, from one reading of the lineage's
    links."""
    if not lineage:
        return {"graph": None, "origins": None}
    traced, links = origins.trace([provision.pk])
    return {
        "graph": flows.point_graph(provision, lineage, links),
        "origins": traced.get(provision.pk),
    }


def _witness_context(request, provision) -> dict:
    """The point's witnesses collated by language (against the base the reader picked), and
    where its sources disagree in substance."""
    found = witnesses.witnesses_of(provision)
    collated = witnesses.groups(found, request.GET.get("base", ""))
    shown = [group for group in collated if len(group.witnesses) > 1]
    return {
        "witness_groups": shown,
        "all_witnesses": found,
        "disagreements": witnesses.disagreements(found),
        # the picker shows the base the reader chose, else the one the first table uses
        "base_id": next(
            (w.id for w in found if w.id == request.GET.get("base")),
            shown[0].result.base if shown else "",
        ),
    }


def _as_of(request, provision) -> dict | None:
    """`?as_of=<date>`: the text as saved on that date, with its difference from the text now,
    or what was wrong with the date."""
    value = request.GET.get("as_of")
    if value is None:
        return None
    moment = queries.parse_as_of(value)
    if moment is None:
        return {"value": value, "error": "Give a date such as 2026-01-31."}
    record = queries.provision_as_of(provision, moment)
    if record is None:
        return {
            "value": value,
            "moment": moment,
            "error": "This database holds no saved state of the point on or before that date "
            "(its history here begins when it was first loaded or written); the releases keep "
            "earlier states.",
        }
    return {
        "value": value,
        "moment": moment,
        "record": record,
        "runs": diffing.word_diff(record.text, provision.text),
        "same": record.text == provision.text,
    }


def _baseline(label_key: str, provision, lineage):
    """The provision every version of this point is compared with: this one, or the reader's
    pick among its lineage (given as a plan slug)."""
    for entry in lineage:
        if entry.provision.plan.slug == label_key:
            return entry.provision
    return provision


def diff_against(base, other):
    return diffing.word_diff(base.text, other.text)


def reading_runs(provision, citation):
    """A source's reading word-diffed against our restatement, or None when it is in another
    language: it is then shown beside our translation, never diffed against English."""
    if not citation.reading_diffable:
        return None
    # a reading worded quite differently from our restatement would diff into a block of
    # struck and inserted words that says less than the two texts side by side
    if fuzz.ratio(provision.text, citation.reading) < READING_DIFF_MIN_SIMILARITY:
        return None
    return diffing.word_diff(provision.text, citation.reading)


READING_DIFF_MIN_SIMILARITY = 60  # rapidfuzz ratio, 0-100


@require_safe
def compare_pick(request):
    """The version pickers submit here; answer with the canonical comparison URL."""
    picker = VersionPickerForm(request.GET or None)
    if not picker.is_valid():
        status = 400 if picker.is_bound else 200
        context = {"picker": picker, "picker_limit": queries.PICKER_VERSIONS}
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
        "plans": _picker_plans(left_plan, right_plan),
        **_fragment_names(left_plan, right_plan, query, stamp),
    }
    return context


def _fragment_names(left: Plan, right: Plan, query: str, stamp: str) -> dict[str, str]:
    """What compare.html keeps its cached fragments under: the section (rows, summary) per
    query string, the two pickers per pair."""
    return {
        "fragment_key": f"{FRAGMENT_VERSION}:{stamp}:{left.pk}:{right.pk}:{query}",
        "pickers_key": f"{FRAGMENT_VERSION}:{stamp}:{left.pk}:{right.pk}",
    }


def _picker_plans(*chosen: Plan | None):
    """The versions a picker offers (queries.picker_versions), read only if the picker is
    drawn: the comparison keeps its pickers as cached fragments."""
    return SimpleLazyObject(lambda: queries.picker_versions(*chosen))


FRAGMENT_VERSION = "compare-8"  # change with compare.html's markup
TIMELINE_MARKUP = "timeline-2"  # change with _timeline_picture.html's and its SVGs' markup


@require_safe
@vary_on_headers("HX-Request")
def compare(request, left: str, right: str):
    context = _comparison_context(request, left, right)
    return render_page(request, "provisions/compare.html", "comparison", context)


@require_safe
def compare_export(request, left: str, right: str, fmt: str):
    """The comparison's rows (with the page's filters) as CSV or Markdown."""
    context = _comparison_context(request, left, right)
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


# --- Pictures ---------------------------------------------------------------------------------


@require_safe
def compare_flow(request, left: str, right: str, fmt: str = ""):
    """The lineage flow of two versions: the comparison's rows as bands."""
    plans = [get_object_or_404(Plan, slug=left), get_object_or_404(Plan, slug=right)]
    form = FlowForm(request.GET, default=plans, versions=plans)
    name = f"flow-{left}--{right}"
    return _flow_response(request, form, name=name, fmt=fmt, chain=False)


@require_safe
def flow(request, fmt: str = ""):
    """The lineage flow of a chain of versions (`?v=` repeated), by default the featured
    comparison's chain."""
    form = FlowForm(request.GET, default=_featured_chain())
    name = "flow-" + "--".join(form.slugs)[:200]
    return _flow_response(request, form, name=name, fmt=fmt, chain=True)


def _flow_response(request, form, *, name: str, fmt: str, chain: bool):
    valid = form.is_valid()
    picture = flows.flow(form.cleaned_data["plans"], theme=form.chosen_theme) if valid else None
    if fmt:
        if picture is None:
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        return _picture(request, "provisions/_flow.svg", {"flow": picture}, name=name, fmt=fmt)
    query = _picture_query(request, request.GET.lists())
    context = {
        "form": form,
        "flow": picture,
        "chain": chain,
        "plans": _picker_plans(*(picture.plans if picture else [])),
        # the pickers: the versions shown, in order, then empty ones (a thousand options each,
        # built by the version_options tag in one pass)
        "picks": [plan.pk for plan in picture.plans][: FlowForm.MAX_VERSIONS]
        + [None] * (FlowForm.MAX_VERSIONS - len(picture.plans))
        if picture
        else [None] * FlowForm.MAX_VERSIONS,
        "query": query,
        "flow_key": ":".join(
            [queries.dataset_stamp(), form.chosen_theme, *(p.slug for p in picture.plans)]
        )
        if picture
        else "",
    }
    return render(request, "provisions/flow.html", context, status=200 if valid else 400)


def _picture_query(request, lists) -> str:
    """A picture's download link's query string: the page's parameters, and the release the
    page reads (the middleware took it out of request.GET), so the file draws what the page
    shows."""
    pairs = [(key, value) for key, values in lists for value in values if value]
    if (release := getattr(request, "release", None)) is not None:
        pairs.append(("release", release.number))
    return urlencode(pairs)


def _featured_chain() -> list[Plan]:
    """The featured comparison's versions with those between them (following `based_on` back
    from the later one), e.g. 28-point plan → 19-point framework → 20-point framework."""
    pair = _featured_comparison()
    if pair is None:
        return []
    first, plan = pair
    chain = [plan]
    while plan.based_on_id and plan.pk != first.pk and len(chain) < FlowForm.MAX_VERSIONS:
        plan = plan.based_on
        chain.append(plan)
    return chain[::-1] if plan.pk == first.pk else [first, pair[1]]


@require_safe
def point_lineage_picture(request, slug: str, label: str, fmt: str):
    """The lineage graph of one point, as a file."""
    provision = queries.provision_detail(plan_slug=slug, label=label)
    graph = flows.point_graph(provision, queries.provision_lineage(provision))
    if graph is None:
        raise Http404("This point is linked to no point of another version.")
    name = f"lineage-{slug}-{label}"
    return _picture(request, "provisions/_point_graph.svg", {"graph": graph}, name=name, fmt=fmt)


def _picture(request, template: str, context: dict, *, name: str, fmt: str) -> HttpResponse:
    """A picture as a file. Drawing a PNG takes a few hundred milliseconds of one core, so
    anonymous readers share the stricter rate of the costly pages for it (a cached one is
    served before this is reached)."""
    if fmt == "png" and (wait := costly_refusal(request)) is not None:
        return too_many_requests(request, wait)
    return pictures.picture_response(template, context, name=name, fmt=fmt)


@require_safe
@vary_on_headers("HX-Request")
def search(request):
    form = SearchForm(request.GET or None)
    valid = form.is_valid()
    query = form.cleaned_data["q"] if valid else ""
    include = valid and form.cleaned_data["withdrawn"]
    context = {"form": form, "query": query, "results": None, "include_withdrawn": include}
    wait = costly_refusal(request) if query else None
    if wait is not None:  # searching ranks every match: anonymous readers share a stricter rate
        context["retry_after"] = math.ceil(wait)
        response = render_page(request, "provisions/search.html", "search-results", context)
        response.status_code = 429
        response["Retry-After"] = str(context["retry_after"])
        return response
    if query:
        context["results"] = queries.search(
            query,
            include_withdrawn=include,
            plan=form.cleaned_data.get("plan", "") if valid else "",
            theme=form.cleaned_data.get("theme", "") if valid else "",
        )
    return render_page(request, "provisions/search.html", "search-results", context)


def too_many_requests(request, wait: float) -> HttpResponse:
    retry_after = math.ceil(wait)
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


@require_safe
def variants(request):
    """Every point whose sources disagree in substance, by version and kind."""
    found = witnesses.variants_by_provision()
    points = list(
        Provision.objects.filter(pk__in=found)
        .select_related("plan")
        .order_by("plan__presented_on", "plan__slug", "position")
    )
    plans = list({p.plan_id: p.plan for p in points}.values())
    form = VariantsForm(
        request.GET or None,
        plans=plans,
        kinds=[(kind, witnesses.KIND_NAMES[kind]) for kind in witnesses.KINDS],
    )
    chosen = form.cleaned_data if form.is_valid() else {}
    if plan := chosen.get("plan"):
        points = [p for p in points if p.plan.slug == plan]
    if kind := chosen.get("kind"):
        points = [p for p in points if kind in found[p.pk].kinds]
    context = {
        "form": form,
        "entries": [(p, found[p.pk]) for p in points],
    }
    return render(request, "provisions/variants.html", context, status=400 if form.errors else 200)


@require_safe
def release_list(request):
    items = [
        (release, [entry for entry in releases.changes_since_previous(release) if entry.total])
        for release in Release.objects.defer("frozen")
    ]
    return render(request, "provisions/release_list.html", {"items": items})


@require_safe
def release_detail(request, number: int):
    release = get_object_or_404(Release.objects.defer("frozen"), number=number)
    url = request.build_absolute_uri(release.get_absolute_url())
    downloads = []
    for name, label in RELEASE_DOWNLOADS.items():
        path = releases.release_dir(release) / name
        downloads.append((name, label, path.stat().st_size if path.exists() else None))
    context = {
        "release": release,
        "citation": citing.release_citation(release, url),
        "changes": [entry for entry in releases.changes_since_previous(release) if entry.total],
        "changes_base": (
            Release.objects.filter(number__lt=number)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        ),
        "downloads": downloads,
    }
    return render(request, "provisions/release_detail.html", context)


RELEASE_DOWNLOADS = {
    "package.zip": "Frictionless data package (one CSV per table, datapackage.json, codebook)",
    "export.json": "JSON records with ids (loadable with manage.py loaddata)",
}


@require_safe
def release_download(request, number: int, name: str):
    """A release's file: written once, served with its ETag and length (304 when unchanged)."""
    release = get_object_or_404(Release.objects.defer("frozen"), number=number)
    if name not in RELEASE_DOWNLOADS:
        raise Http404("No such download.")
    try:
        # the frozen rows load only if the file has to be written
        path = (releases.package_file if name == "package.zip" else releases.export_file)(release)
    except releases.FileInProgress:
        response = HttpResponse(
            "This release's file is being written. Please try again in a few seconds.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "5"
        return response
    return files.download(
        request,
        path,
        etag=releases.file_etag(path),
        content_type="application/zip" if name.endswith(".zip") else "application/json",
        filename=f"peace-plan-tracker-release-{release.number}-{name}",
        cache="public, max-age=86400, immutable",
    )


@require_safe
def scorecard(request):
    if (wait := costly_refusal(request)) is not None:  # its cost grows with the versions
        return too_many_requests(request, wait)
    baseline = None
    if slug := request.GET.get("baseline"):
        if not slug_re.match(slug):  # not a slug (a NUL would be a database error) names nothing
            raise Http404("No such version.")
        baseline = get_object_or_404(Plan, slug=slug)
    card = queries.scorecard(baseline=baseline, page_number=request.GET.get("page", 1))
    context = {
        "card": card,
        "baseline": baseline,
        "plans": _picker_plans(baseline),
        "columns": list(queries.SCORE_COLUMNS),
    }
    return render(request, "provisions/scorecard.html", context)


def not_found(request, exception=None):
    """404: JSON under /api/, the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return render(request, "404.html", status=404)


def bad_request(request, exception=None):
    """400 (Django's own refusals, before any view: a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too
    many fields, a forbidden host): JSON under /api/, as the API promises, else Django's page.
    An over-size body is a 413, which says what to change."""
    too_big = isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent)
    if request.path.startswith("/api/"):
        if too_big:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
            detail = f"The request body is too large: this API accepts up to {limit:g} MB."
            return JsonResponse({"detail": detail, "code": "too_large"}, status=413)
        return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)
    response = defaults.bad_request(request, exception)
    if too_big:
        response.status_code = 413
    return response


def permission_denied(request, exception=None):
    """403 from Django itself (a CSRF refusal outside the API's own views): JSON under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Forbidden.", "code": "permission_denied"}, status=403)
    return defaults.permission_denied(request, exception)


def server_error(request):
    """500 without touching the database or templates that might be what failed."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error.", "code": "server_error"}, status=500)
    return HttpResponse(
        "<!doctype html><title>Server error</title><h1>Something went wrong</h1>"
        "<p>The error has been logged. Please try again in a moment.</p>",
        status=500,
    )


# --- the negotiation timeline -----------------------------------------------------------------


def _timeline_context(request) -> dict:
    form = TimelineForm(request.GET or None)
    period = form.period()
    return {
        "form": form,
        # computed only when its cached fragment is missing (timeline.html)
        "tl": SimpleLazyObject(lambda: timelines.timeline(**period)),
        "timeline_key": ":".join(
            map(str, (TIMELINE_MARKUP, queries.dataset_stamp(), period["start"], period["end"]))
        ),
        "periods": timelines.quick_periods(**period),
        "query": _picture_query(
            request, [(k, [v]) for k, v in request.GET.items() if k in form.fields]
        ),
    }


@require_safe
def timeline(request):
    """Versions and stances on a time axis, a lane per party; ?from=&to= zoom in. An invalid
    bound is reported on the page (400) and left open."""
    context = _timeline_context(request)
    context["coverage"] = Coverage.objects.current()
    status = 400 if context["form"].errors else 200
    return render(request, "provisions/timeline.html", context, status=status)


@require_safe
def timeline_picture(request, fmt: str):
    """The timeline (the page's period) as an SVG or PNG file."""
    context = _timeline_context(request)
    if context["form"].errors:
        return JsonResponse({"errors": context["form"].errors.get_json_data()}, status=400)
    return _picture(request, "provisions/_timeline.svg", context, name="timeline", fmt=fmt)
