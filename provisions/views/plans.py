"""The versions, their points and the negotiation board."""

import csv
import datetime

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from rapidfuzz import fuzz

from provisions import citing, diffing, flows, origins, positions, queries, witnesses
from provisions import timeline as timelines
from provisions.api.renderers import QUOTING, spreadsheet_safe
from provisions.forms import BoardForm, PlanFilterForm
from provisions.models import Coverage, Plan
from provisions.views.rendering import TIMELINE_MARKUP, render_page


@require_safe
def plan_list(request):
    include = _include_withdrawn(request)
    page = queries.timeline(request.GET.get("page", 1), include_withdrawn=include)
    context = {
        "plans": page.object_list,
        "page": page,
        "include_withdrawn": include,
        "coverage": Coverage.objects.current(),
        "featured": featured_comparison(),
        # drawn only when its cached fragment is missing (plan_list.html)
        "overview": SimpleLazyObject(lambda: timelines.overview(page.object_list)),
        "overview_key": f"{TIMELINE_MARKUP}:{queries.dataset_stamp()}:{page.number}:{include}",
    }
    return render(request, "provisions/plan_list.html", context)


def featured_comparison() -> tuple[Plan, Plan] | None:
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
        "timed": len(value.strip()) > len("2026-01-31"),  # a moment, not a whole day: say when
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
