"""What every API view shares: renderers, error bodies, strict content negotiation and
parameters, the guarded viewset."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from provisions import services
from provisions.api import filters
from provisions.api.conditional import ETagMixin, OwnWorkOrModerator
from provisions.api.renderers import CSVRenderer
from provisions.api.throttling import CostlyThrottle
from provisions.models import Coverage, Provision

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
