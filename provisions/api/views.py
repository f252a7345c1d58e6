"""The REST API: viewsets over `queries`, writes through `services`.

Anonymous clients read (throttled); authenticated users write what their model permissions
allow (Editors everything, Analysts assessments and correspondences). Every error is JSON.
"""

import csv
import datetime
import io
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import routers, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import (
    AllowAny,
    DjangoModelPermissionsOrAnonReadOnly,
)
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from provisions import changes, citing, exports, files, positions, queries, services, witnesses
from provisions.api import filters, serializers
from provisions.api.conditional import ETagMixin, OwnWorkOrModerator
from provisions.api.renderers import CSVRenderer, TableCSVRenderer, TEIRenderer, spreadsheet_safe
from provisions.api.throttling import AnonWindowThrottle, CostlyThrottle
from provisions.models import (
    Assessment,
    Citation,
    Correspondence,
    Coverage,
    Party,
    Plan,
    Position,
    Provision,
    Release,
    Source,
    Tag,
    Theme,
    split_label,
)

RENDERERS = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]


def api_exception_handler(exc, context):
    """DRF's handler, plus: a broken model rule (Django ValidationError) is a 400 with field
    errors; a stale revision is a 412 that carries the current state and its ETag; a duplicate
    or a delete that would take others' work is a 409 that says what is in the way."""
    view = context.get("view")
    if isinstance(exc, services.StaleRevision):
        body = {
            "detail": exc.messages[0],
            "code": "stale_revision",
            "current_revision": exc.current.revision,
        }
        if isinstance(exc.current, Provision):
            body["current_text"] = exc.current.text
        etag = None
        if isinstance(view, TrackerViewSet):
            current = view.get_queryset().filter(pk=exc.current.pk).first()
            if current is not None:
                body["current"], etag = view.representation(current)
        response = Response(body, status=status.HTTP_412_PRECONDITION_FAILED)
        if etag:
            response["ETag"] = etag
        return response
    if isinstance(exc, ValidationError) and isinstance(view, TrackerViewSet):
        exc = view.duplicate_of(exc) or exc
    if isinstance(exc, services.Duplicate):
        existing = context["request"].build_absolute_uri(view.path_of(exc.existing))
        return Response(
            {"detail": exc.messages[0], "code": "duplicate", "existing": existing},
            status=status.HTTP_409_CONFLICT,
            headers={"Location": existing},
        )
    if isinstance(exc, services.InUse):
        return Response(
            {"detail": exc.messages[0], "code": "in_use", "depends": exc.dependants},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, services.NotYours):
        return Response(
            {"detail": exc.messages[0], "code": "not_yours"}, status=status.HTTP_403_FORBIDDEN
        )
    if isinstance(exc, ProtectedError | RestrictedError):
        names = sorted({str(obj) for obj in list(exc.protected_objects)[:5]})
        return Response(
            {
                "detail": "Other records depend on this one; remove or relink them first.",
                "code": "protected",
                "depends": names,
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        # a uniqueness rule that validation could not see (two writes racing, say)
        return Response(
            {"detail": "This would duplicate an existing record.", "code": "conflict"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail)
    return exception_handler(exc, context)


MAX_ID = 2**63 - 1


class StrictNegotiation(DefaultContentNegotiation):
    """?format= must name a format the endpoint has; an empty or unknown one is a 400."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if self.settings.URL_FORMAT_OVERRIDE in request.query_params:
            wanted = request.query_params[self.settings.URL_FORMAT_OVERRIDE]
            formats = [renderer.format for renderer in renderers]
            if wanted not in formats:
                raise ValidationError({"format": [f"Choose one of: {', '.join(formats)}."]})
        return super().select_renderer(request, renderers, format_suffix)


def refuse_unknown_parameters(request, known, *, whose: str = "this endpoint's") -> None:
    """A parameter the endpoint does not take is a 400 naming it, never silently ignored."""
    if unknown := sorted(set(request.query_params) - set(known)):
        message = f"Unknown parameter: see /api/schema/ for {whose}."
        raise ValidationError({name: [message] for name in unknown})


class JsonErrorsMixin:
    """Errors are JSON whatever format was asked for: a CSV client gets a readable error."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class TrackerViewSet(JsonErrorsMixin, ETagMixin, viewsets.ModelViewSet):
    permission_classes = [DjangoModelPermissionsOrAnonReadOnly, OwnWorkOrModerator]
    renderer_classes = RENDERERS
    filter_backends = [
        DjangoFilterBackend, filters.StrictOrderingFilter, filters.UpdatedSinceFilter,
    ]  # fmt: skip
    content_negotiation_class = StrictNegotiation
    filterset_class = None
    # what a list reads besides its filters: a parameter outside these is a mistake to report
    LIST_PARAMETERS = {"page", "page_size", "ordering", "format", "updated_since"}

    def list(self, request, *args, **kwargs):
        known = self.LIST_PARAMETERS | set(getattr(self.filterset_class, "base_filters", ()))
        refuse_unknown_parameters(request, known, whose="this list's")
        return super().list(request, *args, **kwargs)

    def get_object(self):
        # an id beyond what the database can hold is simply not there (not a database error)
        if self.lookup_field == "pk" and "pk" in self.kwargs:
            value = str(self.kwargs["pk"])
            # ASCII digits only: int() reads "１" and "١" too, which would make alias URLs
            if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= MAX_ID:
                raise NotFound()
        return super().get_object()

    def duplicate_of(self, error: ValidationError) -> services.Duplicate | None:
        """A write refused only because its slug or address is taken is a conflict with the
        object that has it (409 naming it), not a bad request."""
        codes = error.get_codes()
        if not isinstance(codes, dict) or not codes or any(v != ["unique"] for v in codes.values()):
            return None
        data = self.request.data if isinstance(self.request.data, dict) else {}
        model = self.get_queryset().model
        existing = model._default_manager.filter(**{f: data.get(f) for f in codes}).first()
        return services.Duplicate(existing=existing) if existing is not None else None

    def path_of(self, obj) -> str:
        value = getattr(obj, self.lookup_field)
        return reverse(f"api:{self.basename}-detail", kwargs={self.lookup_field: value})

    def is_costly(self) -> bool:
        """Whether this request's cost grows with the data: a CSV list has every matching row
        (it is not paginated); pages larger than the default cost more too."""
        if self.action != "list":
            return False
        renderer = getattr(self.request, "accepted_renderer", None)
        size = self.request.GET.get(self.paginator.page_size_query_param, "")
        larger = size.isascii() and size.isdigit() and int(size) > self.paginator.page_size
        return getattr(renderer, "format", None) == "csv" or larger

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.is_costly():  # anonymous clients share the stricter rate for these
            throttles.append(CostlyThrottle())
        return throttles

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(request, "accepted_renderer", None)
        if getattr(renderer, "format", None) == "csv" and response.status_code == 200:
            Coverage.objects.state_in(response)
        return response

    def get_renderer_context(self):
        context = super().get_renderer_context()
        context["empty_header"] = list(self.get_serializer_class()().fields)
        return context


@extend_schema_view(
    list=extend_schema(summary="List parties", description="States, blocs, organisations."),
    retrieve=extend_schema(summary="One party, by slug"),
)
class PartyViewSet(TrackerViewSet):
    """States, blocs, organisations and civil society that draft, back or contest a plan."""

    queryset = Party.objects.order_by("name")
    serializer_class = serializers.PartySerializer
    lookup_field = "slug"
    ordering_fields = ["name", "slug"]


@extend_schema_view(
    list=extend_schema(summary="List themes", description="The fixed taxonomy of themes."),
    retrieve=extend_schema(summary="One theme, by slug"),
)
class ThemeViewSet(TrackerViewSet):
    """The fixed taxonomy of themes provisions are filed under."""

    queryset = Theme.objects.order_by("name")
    serializer_class = serializers.ThemeSerializer
    lookup_field = "slug"
    ordering_fields = ["name", "slug"]


@extend_schema_view(
    list=extend_schema(summary="List tags", description="Analysts' labels, e.g. contested."),
    retrieve=extend_schema(summary="One tag, by slug"),
)
class TagViewSet(TrackerViewSet):
    """Analysts' labels (contested, contradicts international law…); editors manage them."""

    queryset = Tag.objects.order_by("name")
    serializer_class = serializers.TagSerializer
    lookup_field = "slug"
    ordering_fields = ["name", "slug"]


@extend_schema_view(
    list=extend_schema(
        summary="List plan versions",
        description="Every version in date order, with point counts. Filter by status, "
        "completeness, party or the version it is based on.",
    ),
    retrieve=extend_schema(
        summary="One version, by slug",
        description="With its provisions (as references) and the sources on the whole version.",
    ),
)
class PlanViewSet(TrackerViewSet):
    """Plan versions, identified by slug; editors create and change them."""

    serializer_class = serializers.PlanSerializer
    lookup_field = "slug"
    filterset_class = filters.PlanFilter
    ordering_fields = ["presented_on", "slug", "short_name"]
    ordering = ["presented_on", "slug"]

    def get_queryset(self):
        if self.action != "list":
            return queries.plan_rows()
        if self.request.query_params.get("include_withdrawn") == "true":
            return queries.plan_timeline()
        return queries.plan_timeline().filter(withdrawn=False)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.PlanDetailSerializer
        return serializers.PlanSerializer

    def perform_create(self, serializer):
        super().perform_create(serializer)
        self._with_counts(serializer)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        self._with_counts(serializer)

    def _with_counts(self, serializer):
        """A write answers with the version as a read shows it: its point counts are
        annotations, which the saved instance does not carry."""
        serializer.instance = queries.plan_timeline().get(pk=serializer.instance.pk)


PROVISION_EXAMPLE = OpenApiExample(
    "The 28-point plan, point 6",
    value={
        "id": 6,
        "plan": "us-russia-28-2025-11",
        "label": "6",
        "display_label": "6",
        "text": "The Armed Forces of Ukraine are capped at no more than 600,000 personnel; …",
        "wording": "paraphrase",
        "themes": ["armed-forces"],
        "tags": ["contested"],
        "revision": 1,
    },
    response_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="List provisions",
        description="Every provision of every version, in reading order; filter by version, "
        "theme, tag, wording, words, or what changed between two versions. "
        "Add ?format=csv for a spreadsheet of every matching row.",
        examples=[PROVISION_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="One provision",
        description="With themes, citations and their sources, assessments, predecessors and "
        "successors in other versions. Also reachable as /api/plans/{slug}/provisions/{label}/. "
        "With ?as_of=<date> (or an ISO date and time): the provision's fields as they were "
        "saved at the end of that day, from its history (`recorded_at` says when that state "
        "was saved); a 404 names where the history on this database begins.",
        parameters=[
            OpenApiParameter(
                "as_of",
                OpenApiTypes.STR,
                required=False,
                description="A date (2026-01-31) or ISO date and time: the state saved then.",
            )
        ],
    ),
    update=extend_schema(
        summary="Change a provision",
        description="Send If-Match with the ETag of your GET (or the revision); a newer save "
        "answers 412 with the current text.",
    ),
    partial_update=extend_schema(summary="Change some fields of a provision"),
)
class ProvisionViewSet(TrackerViewSet):
    """Numbered provisions of every version. Changing or deleting one needs If-Match."""

    filterset_class = filters.ProvisionFilter
    ordering_fields = ["position", "number", "plan__presented_on", "revision"]

    def get_queryset(self):
        if self.action == "list":
            return queries.provision_rows()
        return queries.provision_full_rows()

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.ProvisionSerializer
        return serializers.ProvisionDetailSerializer

    def retrieve(self, request, *args, **kwargs):
        if "as_of" not in request.query_params:
            return super().retrieve(request, *args, **kwargs)
        return self._as_of(request, self.get_object())

    def _as_of(self, request, provision):
        """`?as_of=<date>`: the provision's text as saved on that date, from its history."""
        if unknown := sorted(set(request.query_params) - {"as_of", "format"}):
            raise ValidationError({name: ["Unknown parameter with as_of."] for name in unknown})
        moment = queries.parse_as_of(request.query_params["as_of"])
        if moment is None:
            raise ValidationError({"as_of": ["Give a date (2026-01-31) or an ISO date and time."]})
        record = queries.provision_as_of(provision, moment)
        if record is None:
            first = (
                provision.history.order_by("history_date")
                .values_list("history_date", flat=True)
                .first()
            )
            raise NotFound(
                {
                    "as_of": [
                        "This provision has no saved state on or before "
                        f"{moment:%Y-%m-%d %H:%M:%S} UTC: its history on this database begins "
                        f"{first:%Y-%m-%d %H:%M:%S} UTC (earlier states are in the releases, "
                        "?release=)."
                    ]
                }
            )
        return Response(serializers.provision_as_of_data(record, provision, request, moment))

    def is_costly(self) -> bool:
        # full-text search ranks every match
        return super().is_costly() or (self.action == "list" and bool(self.request.GET.get("q")))

    def get_object(self):
        if "plan_slug" in self.kwargs:
            try:
                number, sub = split_label(self.kwargs["label"])
            except ValueError:
                number, sub = -1, ""
            provision = get_object_or_404(
                self.get_queryset(), plan__slug=self.kwargs["plan_slug"], number=number, sub=sub
            )
            self.check_object_permissions(self.request, provision)
            return provision
        return super().get_object()

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if "plan_slug" in self.kwargs and self.action == "list":
            get_object_or_404(Plan, slug=self.kwargs["plan_slug"])
            queryset = queryset.filter(plan__slug=self.kwargs["plan_slug"])
        return queryset


@extend_schema_view(
    list=extend_schema(summary="List sources", description="Publications the evidence rests on."),
    retrieve=extend_schema(summary="One source"),
)
class SourceViewSet(TrackerViewSet):
    """Publications the evidence rests on, with their reliability; editors manage them."""

    queryset = Source.objects.order_by("published_on", "publisher", "pk")
    serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilter
    ordering_fields = ["published_on", "publisher", "code"]


@extend_schema_view(
    list=extend_schema(
        summary="List citations",
        description="Which source supports which version or provision, with its reading.",
    ),
    retrieve=extend_schema(summary="One citation"),
)
class CitationViewSet(TrackerViewSet):
    """Which source supports which version or provision, with its reading of the point."""

    queryset = Citation.objects.select_related("source", "plan", "provision__plan").order_by("pk")
    serializer_class = serializers.CitationSerializer
    filterset_class = filters.CitationFilter
    ordering_fields = ["pk"]


@extend_schema_view(
    list=extend_schema(
        summary="List positions",
        description="Where each party stands on a point, or on a version as a whole, as of "
        "a date, on the evidence of a source.",
    ),
    retrieve=extend_schema(summary="One position"),
    create=extend_schema(
        summary="Record a position",
        description="Editors. `source` is required. The same party's stance from the same "
        "source on the same date exists already: 409, with its URL in `existing`.",
    ),
)
class PositionViewSet(TrackerViewSet):
    """Where each party stands on each point over time; editors write, each on a source."""

    queryset = Position.objects.select_related(
        "plan", "provision__plan", "party", "source"
    ).order_by("stated_on", "pk")
    serializer_class = serializers.PositionSerializer
    filterset_class = filters.PositionFilter
    ordering_fields = ["stated_on", "modified_at", "pk"]


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


@extend_schema_view(
    list=extend_schema(summary="List assessments", description="Analysts' tags with reasons."),
    retrieve=extend_schema(summary="One assessment"),
    create=extend_schema(
        summary="Tag a provision",
        description="Analysts and editors. The provision carries this tag already: 409, with "
        "the existing assessment's URL in `existing`. Analysts change and delete their own.",
    ),
)
class AssessmentViewSet(TrackerViewSet):
    """Analysts' tags on provisions, with rationale and source; analysts and editors write."""

    queryset = Assessment.objects.select_related(
        "provision__plan", "tag", "source", "author", "modified_by"
    ).order_by("pk")
    serializer_class = serializers.AssessmentSerializer
    filterset_class = filters.AssessmentFilter
    ordering_fields = ["pk", "created_at"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.assessment_add(
            provision=data["provision"],
            tag=data["tag"],
            rationale=data["rationale"],
            source=data.get("source"),
            status=data.get("status", Assessment.Status.CONFIRMED),
            user=self.request.user,
        )


@extend_schema_view(
    list=extend_schema(
        summary="List correspondences", description="Links between provisions of two versions."
    ),
    retrieve=extend_schema(summary="One correspondence"),
    create=extend_schema(
        summary="Link two provisions",
        description="Creates the link. A link for the same pair exists already: 409, with its "
        "URL in `existing` (change that one, with If-Match).",
    ),
)
class CorrespondenceViewSet(TrackerViewSet):
    """Links between provisions of two versions; analysts and editors write."""

    queryset = Correspondence.objects.select_related(
        "earlier__plan", "later__plan", "author", "modified_by"
    ).order_by("pk")
    serializer_class = serializers.CorrespondenceSerializer
    filterset_class = filters.CorrespondenceFilter
    ordering_fields = ["pk"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.correspondence_link(
            earlier=data["earlier"],
            later=data["later"],
            relation=data["relation"],
            status=data.get("status", Correspondence.Status.CONFIRMED),
            note=data.get("note", ""),
            user=self.request.user,
        )


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


CITE_STYLES = ("all", "bibtex", "csl")
# what a citation endpoint takes and answers (a provision's, a release's)
CITE_SCHEMA = {
    "parameters": [
        OpenApiParameter("style", OpenApiTypes.STR, enum=list(CITE_STYLES), required=False)
    ],
    "responses": {
        (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
        (200, "text/x-bibtex"): OpenApiResponse(OpenApiTypes.STR),
        (200, "application/vnd.citationstyles.csl+json"): OpenApiResponse(
            build_array_type(build_basic_type(OpenApiTypes.OBJECT))
        ),
    },
}


class CiteView(JsonErrorsMixin, APIView):
    renderer_classes = [JSONRenderer]
    permission_classes = [AllowAny]

    @extend_schema(
        summary="How to cite a provision",
        description="Plain text, BibTeX and CSL JSON with version, label, permalink and access "
        "date. ?style=bibtex answers text/x-bibtex; ?style=csl answers CSL JSON.",
        **CITE_SCHEMA,
    )
    def get(self, request, plan_slug: str, label: str):
        try:
            number, sub = split_label(label)
        except ValueError:
            number, sub = -1, ""
        provision = get_object_or_404(
            Provision.objects.select_related("plan"), plan__slug=plan_slug, number=number, sub=sub
        )
        permalink = request.build_absolute_uri(provision.get_absolute_url())
        return cite_response(request, citing.provision_citation(provision, permalink))


@extend_schema_view(
    list=extend_schema(
        summary="Numbered releases of the dataset",
        description="Each release is the whole dataset frozen on one day, to cite and to rerun "
        "an analysis on: every read endpoint answers as a release had it with `?release=`.",
    ),
    retrieve=extend_schema(
        summary="One release",
        description="What it holds (`counts`), its downloads (a Frictionless data package and "
        "the JSON records, each served as a file with an ETag), how to cite it, and what "
        "changed since the release before (`changes`: per kind, added, changed, withdrawn "
        "and removed rows by their readable names).",
    ),
)
class ReleaseViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Release.objects.defer("frozen").select_related(None)
    serializer_class = serializers.ReleaseSerializer
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    lookup_field = "number"
    lookup_value_regex = "[0-9]+"
    pagination_class = None

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ReleaseDetailSerializer
        return serializers.ReleaseSerializer

    def list(self, request, *args, **kwargs):
        if unknown := sorted(set(request.query_params) - {"format"}):
            raise ValidationError({name: ["Unknown parameter."] for name in unknown})
        return super().list(request, *args, **kwargs)


class ReleaseCiteView(JsonErrorsMixin, APIView):
    renderer_classes = [JSONRenderer]
    permission_classes = [AllowAny]

    @extend_schema(
        summary="How to cite a release",
        description="Plain text (rendered from the CSL JSON by citeproc-py, Harvard style), "
        "BibTeX and CSL JSON. ?style=bibtex answers text/x-bibtex; ?style=csl answers CSL JSON.",
        **CITE_SCHEMA,
    )
    def get(self, request, number: int):
        release = get_object_or_404(Release.objects.defer("frozen"), number=number)
        url = request.build_absolute_uri(release.get_absolute_url())
        return cite_response(request, citing.release_citation(release, url))


def cite_response(request, citation: dict):
    """A citation in the style asked for (?style=all|bibtex|csl)."""
    style = request.query_params.get("style", "all")
    if style not in CITE_STYLES:
        raise ValidationError({"style": [f"Choose one of: {', '.join(CITE_STYLES)}."]})
    if unknown := sorted(set(request.query_params) - {"style", "format"}):
        raise ValidationError({name: ["Unknown parameter."] for name in unknown})
    if style == "bibtex":
        return HttpResponse(citation["bibtex"], content_type="text/x-bibtex; charset=utf-8")
    if style == "csl":
        return HttpResponse(
            citation["csl_json"], content_type="application/vnd.citationstyles.csl+json"
        )
    return Response(
        {"text": citation["plain"], "bibtex": citation["bibtex"], "csl": [citation["csl"]]}
    )


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
