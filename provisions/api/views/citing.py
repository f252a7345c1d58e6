"""Citing the dataset and its releases (plain, BibTeX, CSL JSON), and the releases' list."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from provisions import citing
from provisions.api import serializers
from provisions.api.views.base import JsonErrorsMixin
from provisions.models import Provision, Release, split_label

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
