"""The record's resources: a guarded viewset each (conditional writes, strict filters)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from provisions import queries, services
from provisions.api import filters, serializers
from provisions.api.views.base import TrackerViewSet
from provisions.models import (
    Assessment,
    Citation,
    Correspondence,
    Party,
    Plan,
    Position,
    Source,
    Tag,
    Theme,
    split_label,
)


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
