"""Read-only views built on the record: what changed since, the negotiation board, a
comparison, the whole export, a point's collated readings, the API's root."""

import csv
import datetime
import io
import re

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import urlencode
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import routers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from provisions import changes, exports, files, positions, queries, witnesses
from provisions.api import serializers
from provisions.api.renderers import TableCSVRenderer, TEIRenderer, spreadsheet_safe
from provisions.api.throttling import AnonWindowThrottle, CostlyThrottle
from provisions.api.views.base import JsonErrorsMixin, StrictNegotiation, refuse_unknown_parameters
from provisions.models import Coverage, Plan, Tag, Theme


class ChangesView(APIView):
    """Every row created, changed or deleted at or after `since`, oldest first, from the edit
    history: with a full pull made first, a copy kept in sync by fetching each change's `url`
    (created, changed) and dropping each deleted row. `next` pages on without skipping or
    repeating; once it is null, poll again with `since` = the time the last poll started."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonWindowThrottle]
    LIMIT = 100

    @extend_schema(
        summary="What changed since a time",
        parameters=[
            OpenApiParameter(
                "since", OpenApiTypes.DATETIME, required=True,
                description="ISO 8601 time, e.g. 2026-01-31T00:00Z (UTC when no offset).",
            ),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From a page's `next`."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )  # fmt: skip
    def get(self, request):
        unknown = sorted(set(request.query_params) - {"since", "cursor", "format"})
        if unknown:
            raise ValidationError({name: ["Unknown parameter."] for name in unknown})
        since = queries.parse_moment(request.query_params.get("since", ""))
        if since is None:
            raise ValidationError({"since": ["Give an ISO 8601 time, e.g. 2026-01-31T00:00Z."]})
        after = None
        if cursor := request.query_params.get("cursor"):
            try:
                after = changes.Mark.decode(cursor)
            except changes.BadCursor:  # as DRF's own cursor pages: no such page
                raise NotFound("Not a cursor this API gave: start again from `since`.") from None
        found, more = changes.changes(since, after=after, limit=self.LIMIT)
        results = []
        for change in found:
            mark = change.pop("mark")
            if change["url"]:
                change["url"] = request.build_absolute_uri(change["url"])
            results.append(change)
        next_url = None
        if more:
            query = urlencode({"since": request.query_params["since"], "cursor": mark.encode()})
            next_url = request.build_absolute_uri(f"{request.path}?{query}")
        return Response({"since": since, "next": next_url, "results": results})


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BoardView(APIView):
    """The negotiation board of a version as data: each point's status and each party's
    latest stance on or before `as_of` (default today); `since` marks what changed."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonWindowThrottle]

    @extend_schema(
        summary="A version's negotiation board",
        parameters=[
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Default: today."),
            OpenApiParameter(
                "since",
                OpenApiTypes.DATE,
                description="Mark what changed after it (nothing when it is not before as_of).",
            ),
        ],
        responses=serializers.BoardSerializer,
    )
    def get(self, request, slug: str):
        plan = get_object_or_404(Plan, slug=slug)
        unknown = sorted(set(request.query_params) - {"as_of", "since", "format"})
        if unknown:
            raise ValidationError({name: ["Unknown parameter."] for name in unknown})
        dates = {}
        for name in ("as_of", "since"):
            raw = request.query_params.get(name)
            if raw is None:
                continue
            try:
                dates[name] = datetime.date.fromisoformat(raw) if ISO_DATE.fullmatch(raw) else None
            except ValueError:  # 2026-02-30
                dates[name] = None
            if dates[name] is None:
                raise ValidationError({name: ["Give a date as YYYY-MM-DD."]})
        as_of = dates.get("as_of") or datetime.date.today()
        # a `since` on or after `as_of` marks nothing: no stance can change in between
        board = positions.board(plan, as_of=as_of, since=dates.get("since"))
        data = serializers.BoardSerializer(board, context={"request": request}).data
        return Response(data)


class CompareView(JsonErrorsMixin, APIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    permission_classes = [AllowAny]
    content_negotiation_class = StrictNegotiation

    @extend_schema(
        summary="Compare two versions",
        description="The aligned rows of the comparison page as data: each row's relation, the "
        "provisions on each side, the word-diff runs with their flags, the versions a composed "
        "link passed through, and the links' notes; plus the summary counts (of all rows).",
        parameters=[serializers.CompareParamsSerializer],
        responses={200: serializers.ComparisonSerializer},
    )
    def get(self, request):
        refuse_unknown_parameters(
            request, {*serializers.CompareParamsSerializer().fields, "format"}
        )
        params = serializers.CompareParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        wanted = [data["left"], data["right"]]
        plans = {plan.slug: plan for plan in Plan.objects.filter(slug__in=wanted)}
        unknown = {
            name: [f"No version with slug '{data[name]}'."]
            for name in ("left", "right")
            if data[name] not in plans
        }
        if unknown:  # the versions compared are the resource: a 404
            raise NotFound({"detail": "Unknown version.", **unknown})
        # a filter naming a slug nothing has is a 400, as on the lists
        wrong = {
            name: [f"No {name} with slug '{data[name]}'."]
            for name, model in (("theme", Theme), ("tag", Tag))
            if data.get(name) and not model.objects.filter(slug=data[name]).exists()
        }
        if wrong:
            raise ValidationError(wrong)
        comparison = queries.comparison(plans[data["left"]], plans[data["right"]])
        rows = comparison.filtered(
            theme=data.get("theme", ""),
            tag=data.get("tag", ""),
            relation=data.get("relation", ""),
            changes_only=data.get("changes_only", False),
            flag=data.get("flag", ""),
        )
        pair = [plans[data["left"]], plans[data["right"]]]
        context = {"notes": comparison.notes, "variants": witnesses.variants_by_provision(pair)}
        return Response(
            {
                "left": data["left"],
                "right": data["right"],
                "summary": comparison.summary,
                "rows": serializers.RowSerializer(rows, many=True, context=context).data,
            }
        )


class RootView(routers.APIRootView):
    """The API's endpoints, and how current the data behind them is."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        coverage = Coverage.objects.current()
        response.data = {"coverage": coverage_data(coverage), **response.data}
        return response


def coverage_data(coverage) -> dict | None:
    if coverage is None:
        return None
    return {
        "material_until": coverage.material_until,
        "reviewed_on": coverage.reviewed_on,
        "statement": coverage.statement(),
        "note": coverage.note,
    }


class ExportView(JsonErrorsMixin, APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonWindowThrottle, CostlyThrottle]
    content_negotiation_class = StrictNegotiation

    @extend_schema(
        summary="Export the whole dataset",
        description="Every version, provision, source, citation, link and assessment in one "
        "JSON document, in the format of the dataset files in fixtures/ (Django fixtures with "
        "natural keys: `manage.py load_dataset` or `loaddata` reads it). One database's "
        "bookkeeping (ids, revisions, who made a row) is not part of it. A citation's "
        "`reading` is the source's own words; its `reading_translation` is ours (the tracker "
        "team's translation), never the source's. The `provisions.coverage` record says how "
        "current the data is (also in the `Dataset-Coverage` header). Written once per "
        "state of the data and served as a file with an ETag: send `If-None-Match` to get a "
        "304 when nothing changed. Anonymous clients share the stricter COSTLY_ANON_RATE. While "
        "the file of a new state is being written, other requests get 503 with Retry-After.",
        responses={
            200: build_array_type(build_basic_type(OpenApiTypes.OBJECT)),
            304: None,
            503: OpenApiResponse(description="The export is being written: retry after a few s."),
        },
    )
    def get(self, request):
        refuse_unknown_parameters(request, {"format"})
        try:
            path, etag = exports.current_export()
        except exports.ExportInProgress:
            response = Response(
                {
                    "detail": "The export of the current data is being written. "
                    "Please try again in a few seconds.",
                    "code": "export_in_progress",
                },
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
            response["Retry-After"] = str(exports.RETRY_AFTER_SECONDS)
            return response
        response = files.download(
            request,
            path,
            etag=etag,
            content_type="application/json",
            filename="peace-plan-tracker.json",
            cache="no-cache",  # revalidate: the ETag changes with every edit
        )
        return Coverage.objects.state_in(response) if response.status_code == 200 else response


class CollationView(JsonErrorsMixin, APIView):
    renderer_classes = [JSONRenderer, TEIRenderer, TableCSVRenderer]
    content_negotiation_class = StrictNegotiation
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Every witness of a point, collated",
        description="The point's readings (each source's own words, with `language` and our "
        "`translation`) and our restatement, aligned word by word per language against "
        "?base=<witness id> (default: the first source's reading in each language). "
        "`groups[].places` are the alignment's places: each witness's reading there, how it "
        "differs from the base (`same`, `formal`: case or punctuation, `near`: a spelling "
        "variant, `variant`), and the witnesses that moved a stretch here (`transposed`). "
        "Joining one witness's readings over a group's places gives its text exactly. "
        "`disagreements` says where the sources (not our restatement) differ on a number, a "
        "modal word, a negation, a party or the wording. ?format=tei gives the same as TEI "
        "parallel segmentation (`app`/`rdg`, witnesses in `listWit`); ?format=csv the "
        "alignment table (one row per place, one column per witness).",
        parameters=[
            OpenApiParameter(
                "base", OpenApiTypes.STR, required=False, description="A witness id, e.g. c12."
            )
        ],
        responses={
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
            (200, "application/tei+xml"): OpenApiResponse(OpenApiTypes.STR),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
        },
    )
    def get(self, request, plan_slug: str, label: str):
        if unknown := sorted(set(request.query_params) - {"base", "format"}):
            raise ValidationError({name: ["Unknown parameter."] for name in unknown})
        try:
            provision = queries.provision_detail(plan_slug=plan_slug, label=label)
        except Http404:
            raise NotFound() from None
        found = witnesses.witnesses_of(provision)
        base = request.query_params.get("base", "")
        if base and base not in {w.id for w in found}:
            choices = ", ".join(w.id for w in found)
            raise ValidationError(
                {"base": [f"No witness {base!r} here; choose one of: {choices}."]}
            )
        collated = witnesses.groups(found, base)
        wanted = request.accepted_renderer.format
        if wanted == "tei":
            return HttpResponse(
                witnesses.as_tei(provision, found, collated),
                content_type="application/tei+xml; charset=utf-8",
            )
        if wanted == "csv":
            header, rows = witnesses.as_rows(found, collated)
            buffer = io.StringIO()
            writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
            writer.writerow(header)
            writer.writerows([[spreadsheet_safe(cell) for cell in row] for row in rows])
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
            filename = f"{plan_slug}-{label}-collation.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        return Response(witnesses.as_data(provision, found, collated))
