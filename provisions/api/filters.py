"""django-filter FilterSets for the API's lists; each filter says what it does (the help text is
the OpenAPI description)."""

import re

import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend, OrderingFilter

from provisions import queries
from provisions.models import (
    Assessment,
    Citation,
    Correspondence,
    Party,
    Plan,
    Position,
    Provision,
    Source,
    Tag,
    Theme,
)

MAX_ID = 2**63 - 1


class StrictOrderingFilter(OrderingFilter):
    """?ordering= names only fields the endpoint sorts by (comma-separated, '-' for descending);
    an unknown one is a 400 instead of being silently ignored."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw:
            allowed = set(view.ordering_fields)
            unknown = [t for t in raw.split(",") if t.strip().removeprefix("-") not in allowed]
            if unknown:
                choices = ", ".join(sorted(allowed))
                raise ValidationError({self.ordering_param: [f"Order by one of: {choices}."]})
        ordering = super().get_ordering(request, queryset, view)
        # the id breaks ties, so pages never repeat or skip a row
        return [*ordering, "pk"] if ordering and "pk" not in ordering else ordering

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        names = "|".join(re.escape(name) for name in view.ordering_fields)
        for parameter in parameters:
            parameter["schema"]["pattern"] = f"^(-?({names})(,-?({names}))*)?$"
        return parameters


class UpdatedSinceFilter(BaseFilterBackend):
    """?updated_since=<ISO time>: only rows created or changed at or after it (modified_at), on
    every list; with /api/changes/ (which also lists deletions) a copy stays in sync."""

    param = "updated_since"

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(self.param)
        if raw is None or getattr(view, "action", None) != "list":
            return queryset
        moment = queries.parse_moment(raw)
        if moment is None:
            raise ValidationError({self.param: ["Give an ISO 8601 time, e.g. 2026-01-31T00:00Z."]})
        return queryset.filter(modified_at__gte=moment)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": "Only rows created or changed at or after this time (ISO 8601, "
                "e.g. 2026-01-31T00:00Z). Deletions: /api/changes/.",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]


class StrictDateField(forms.DateField):
    """A date, given as one: an empty value is refused rather than read as "no filter"."""

    def to_python(self, value):
        if isinstance(value, str) and not value.strip():  # ?stated_after= (absent is None)
            raise forms.ValidationError("Give a date as YYYY-MM-DD.", code="invalid")
        return super().to_python(value)


class StrictDateFilter(django_filters.DateFilter):
    field_class = StrictDateField


class StrictFilterSet(django_filters.FilterSet):
    """A filter naming a slug that nothing has is a 400 saying so, not an empty list that reads
    as "none match"."""

    slug_models: dict = {}

    def filter_queryset(self, queryset):
        wrong = {}
        for name, model in self.slug_models.items():
            value = self.form.cleaned_data.get(name)
            if value and not model._default_manager.filter(slug=value).exists():
                wrong[name] = [f"No {model._meta.verbose_name} has the slug \u201c{value}\u201d."]
        if wrong:
            raise ValidationError(wrong)
        return super().filter_queryset(queryset)


class AsciiIntegerField(forms.IntegerField):
    """A whole number written in ASCII digits. Python's int() also reads other scripts' digits
    ("１", "١"), which would give one id many spellings (alias URLs, alias cache keys)."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not value.strip().isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An id: a whole number the database can hold."""

    field_class = AsciiIntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class StrictBooleanField(forms.TypedChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.update(
            choices=[("true", "true"), ("false", "false")],
            coerce=lambda value: value == "true",
            empty_value=None,
        )
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.Filter):
    """true or false; anything else (null, yes, 2) is a 400 rather than silently ignored."""

    field_class = StrictBooleanField


class ProvisionFilter(StrictFilterSet):
    slug_models = {"plan": Plan, "theme": Theme, "tag": Tag}

    plan = django_filters.CharFilter(field_name="plan__slug", help_text="Version slug.")
    theme = django_filters.CharFilter(
        field_name="themes__slug", distinct=True, help_text="Theme slug, e.g. armed-forces."
    )
    tag = django_filters.CharFilter(
        field_name="assessments__tag__slug", distinct=True, help_text="Tag slug, e.g. contested."
    )
    wording = django_filters.ChoiceFilter(
        choices=Provision.Wording.choices, help_text="verbatim, paraphrase or reported."
    )
    has_assessment = StrictBooleanFilter(
        method="filter_has_assessment", help_text="true: only provisions an analyst has tagged."
    )
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=200,  # as on the search page; a longer pattern is no search but a load
        help_text="Words to find in the text or summary, up to 200 characters: each of the first "
        "12 words must occur, in any case, anywhere in either, in any of the forms the search "
        "page (/search/) also reads: a number with or without thousands separators (800000 "
        "finds 800,000), the editors' search terms (army finds armed forces, troops), either "
        "apostrophe. Unlike the search page, results are in the list's order, not ranked, and "
        "words are matched as written, not stemmed.",
    )
    changed_between = django_filters.CharFilter(
        method="filter_changed_between",
        help_text=(
            "Two version slugs, comma-separated (left,right): only provisions of either version "
            "whose row in that comparison changed."
        ),
    )

    class Meta:
        model = Provision
        fields = ["plan", "theme", "tag", "wording", "has_assessment", "q", "changed_between"]

    def filter_has_assessment(self, queryset, name, value):
        if value is None:
            return queryset
        tagged = Assessment.objects.values("provision_id")
        return queryset.filter(pk__in=tagged) if value else queryset.exclude(pk__in=tagged)

    def filter_text(self, queryset, name, value):
        alternatives = queries.word_forms(value)
        return (
            queryset.filter(queries.containing(alternatives)) if alternatives else queryset.none()
        )

    def filter_changed_between(self, queryset, name, value):
        slugs = [part.strip() for part in value.split(",")]
        plans = {plan.slug: plan for plan in Plan.objects.filter(slug__in=slugs)}
        if len(slugs) != 2:
            raise ValidationError({name: ["Give two version slugs: left,right."]})
        if unknown := [slug for slug in slugs if slug not in plans]:
            raise ValidationError({name: [f"No version has the slug \u201c{unknown[0]}\u201d."]})
        comparison = queries.comparison(plans[slugs[0]], plans[slugs[1]])
        changed = {p.id for row in comparison.rows if row.changed for p in (*row.left, *row.right)}
        return queryset.filter(pk__in=changed)


class PlanFilter(StrictFilterSet):
    slug_models = {"party": Party, "based_on": Plan}

    status = django_filters.ChoiceFilter(choices=Plan.Status.choices, help_text="Document status.")
    completeness = django_filters.ChoiceFilter(
        choices=Plan.Completeness.choices, help_text="How much of the text is known."
    )
    party = django_filters.CharFilter(
        field_name="parties__slug", distinct=True, help_text="Party slug, e.g. ukraine."
    )
    based_on = django_filters.CharFilter(
        field_name="based_on__slug", help_text="Slug of the version it revises or answers."
    )
    include_withdrawn = StrictBooleanFilter(
        method="keep",
        help_text="true: list withdrawn versions too (they are left out by default).",
    )

    class Meta:
        model = Plan
        fields = ["status", "completeness", "party", "based_on", "include_withdrawn"]

    def keep(self, queryset, name, value):
        return queryset  # read by PlanViewSet.get_queryset, which decides the base list


class SourceFilter(django_filters.FilterSet):
    reliability = django_filters.ChoiceFilter(
        choices=Source.Reliability.choices, help_text="How far the source can be relied on."
    )
    coverage = django_filters.ChoiceFilter(
        choices=Source.Coverage.choices, help_text="What of the text it gives."
    )
    language = django_filters.CharFilter(help_text="ISO 639-1 code, e.g. en.")
    code = django_filters.CharFilter(help_text="Short reference used in notes, e.g. A02.")

    class Meta:
        model = Source
        fields = ["reliability", "coverage", "language", "code"]


class CitationFilter(StrictFilterSet):
    slug_models = {"plan": Plan}

    source = IdFilter(field_name="source_id", help_text="Source id.")
    plan = django_filters.CharFilter(
        method="filter_plan", help_text="Version slug: citations of the version or its points."
    )
    provision = IdFilter(field_name="provision_id", help_text="Provision id.")
    has_reading = StrictBooleanFilter(
        method="filter_has_reading", help_text="true: only citations with a variant reading."
    )

    class Meta:
        model = Citation
        fields = ["source", "plan", "provision", "has_reading"]

    def filter_plan(self, queryset, name, value):
        return queryset.filter(Q(plan__slug=value) | Q(provision__plan__slug=value))

    def filter_has_reading(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(reading="") if value else queryset.filter(reading="")


class AssessmentFilter(StrictFilterSet):
    slug_models = {"plan": Plan, "tag": Tag}

    tag = django_filters.CharFilter(field_name="tag__slug", help_text="Tag slug.")
    plan = django_filters.CharFilter(field_name="provision__plan__slug", help_text="Version slug.")
    provision = IdFilter(field_name="provision_id", help_text="Provision id.")
    status = django_filters.ChoiceFilter(
        choices=Assessment.Status.choices, help_text="suggested or confirmed."
    )

    class Meta:
        model = Assessment
        fields = ["tag", "plan", "provision", "status"]


class CorrespondenceFilter(StrictFilterSet):
    slug_models = {"earlier_plan": Plan, "later_plan": Plan}

    earlier_plan = django_filters.CharFilter(
        field_name="earlier__plan__slug", help_text="Slug of the earlier version."
    )
    later_plan = django_filters.CharFilter(
        field_name="later__plan__slug", help_text="Slug of the later version."
    )
    provision = IdFilter(method="filter_provision", help_text="Provision id at either end.")
    relation = django_filters.ChoiceFilter(
        choices=Correspondence.Relation.choices, help_text="How the two points relate."
    )
    status = django_filters.ChoiceFilter(
        choices=Correspondence.Status.choices, help_text="suggested or confirmed."
    )

    class Meta:
        model = Correspondence
        fields = ["earlier_plan", "later_plan", "provision", "relation", "status"]

    def filter_provision(self, queryset, name, value):
        return queryset.filter(Q(earlier_id=value) | Q(later_id=value))


class PositionFilter(StrictFilterSet):
    slug_models = {"plan": Plan, "party": Party}

    plan = django_filters.CharFilter(field_name="plan__slug", help_text="Version slug.")
    provision = IdFilter(field_name="provision_id", help_text="Provision id.")
    whole_version = StrictBooleanFilter(
        method="filter_whole_version",
        help_text="true: only stances on a version as a whole; false: only stances on points.",
    )
    party = django_filters.CharFilter(field_name="party__slug", help_text="Party slug.")
    stance = django_filters.ChoiceFilter(choices=Position.Stance.choices, help_text="The stance.")
    stated_after = StrictDateFilter(
        field_name="stated_on", lookup_expr="gte", help_text="Stated on or after (YYYY-MM-DD)."
    )
    stated_before = StrictDateFilter(
        field_name="stated_on", lookup_expr="lte", help_text="Stated on or before (YYYY-MM-DD)."
    )

    class Meta:
        model = Position
        fields = [
            "plan", "provision", "whole_version", "party", "stance", "stated_after",
            "stated_before",
        ]  # fmt: skip

    def filter_whole_version(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(provision__isnull=value)
