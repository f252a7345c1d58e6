"""The query-string forms of the analyst pages: an invalid value is reported on the form and
the filter is not applied; it never causes an error page."""

import calendar
import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import slug_re
from django.db.models import Q, QuerySet

from provisions import diffing, queries
from provisions.models import Plan
from provisions.positions import Status


def theme_choices(everything: str = "All themes") -> list[tuple[str, str]]:
    """A theme filter's choices (one query, when the form is made)."""
    return [("", everything), *((t.slug, t.name) for t in queries.themes())]


class PlanFilterForm(forms.Form):
    theme = forms.ChoiceField(label="Theme", required=False)
    tag = forms.ChoiceField(label="Tag", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = theme_choices()
        self.fields["tag"].choices = [("", "Any tag")] + [(t.slug, t.name) for t in queries.tags()]

    def filters(self) -> dict:
        """The valid filters as keyword arguments; nothing when the form is unbound or invalid."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class VariantsForm(forms.Form):
    """/variants/: which version, and which kind of disagreement between sources."""

    plan = forms.ChoiceField(label="Version", required=False)
    kind = forms.ChoiceField(label="Sources disagree on", required=False)

    def __init__(self, *args, plans=(), kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [("", "Every version")] + [
            (p.slug, p.short_name) for p in plans
        ]
        self.fields["kind"].choices = [("", "Anything"), *kinds]


class BoardForm(forms.Form):
    """The negotiation board's date and filters. Invalid input is reported on the form (the
    page answers 400), never silently replaced."""

    as_of = forms.DateField(
        label="As of", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Each party's latest stance stated on or before this date (default today).",
    )  # fmt: skip
    since = forms.DateField(
        label="Changes since", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Mark the cells whose stance changed after this date.",
    )  # fmt: skip
    theme = forms.ChoiceField(label="Theme", required=False)
    status = forms.ChoiceField(label="Status", required=False)
    party = forms.ChoiceField(label="Party", required=False)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = theme_choices()
        self.fields["status"].choices = [("", "Any status")] + [(s.value, s.label) for s in Status]
        self.fields["party"].choices = [("", "Any party")] + [(p.slug, p.name) for p in parties]

    def clean(self):
        cleaned = super().clean()
        as_of, since = cleaned.get("as_of"), cleaned.get("since")
        if as_of and since and since >= as_of:
            self.add_error("since", "Choose a date before the “as of” date.")
        return cleaned

    def value(self, name: str):
        """The valid value of one field, or its default: a bad date does not void the others."""
        if not self.is_bound:
            return None
        self.is_valid()  # cleaned_data then holds the fields that are valid
        return self.cleaned_data.get(name)

    def filters(self) -> dict:
        return {name: self.value(name) for name in ("theme", "status", "party") if self.value(name)}


class CompareFilterForm(PlanFilterForm):
    RELATION_CHOICES = [("", "Any relation")] + [(r, r.capitalize()) for r in diffing.RELATIONS]
    LAYOUT_CHOICES = [("side", "Side by side"), ("inline", "Inline"), ("origins", "Phrase origins")]

    FLAG_CHOICES = [
        ("", "Any words"),
        (diffing.FLAG_NUMBER, "A number changed"),
        (diffing.FLAG_MODAL, "A modal word changed"),
        (diffing.FLAG_NEGATION, "A negation changed"),
    ]

    relation = forms.ChoiceField(label="Relation", required=False, choices=RELATION_CHOICES)
    flag = forms.ChoiceField(label="Where", required=False, choices=FLAG_CHOICES)
    changes_only = forms.BooleanField(label="Changes only", required=False)
    layout = forms.ChoiceField(label="Layout", required=False, choices=LAYOUT_CHOICES)
    row = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def filters(self) -> dict:
        filters = super().filters()
        filters.pop("layout", None)
        return filters

    @property
    def chosen_layout(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("layout"):
            return self.cleaned_data["layout"]
        return "side"


def _on_record() -> QuerySet[Plan]:
    """The versions a picker offers: withdrawn ones are left out."""
    return Plan.objects.filter(withdrawn=False).order_by("presented_on", "slug")


class VersionPickerForm(forms.Form):
    """Two versions to compare. A withdrawn version is not offered, but one the query names is
    accepted and shown (marked): its comparison page answers, and its picker submits it back."""

    # (the options are set below, named by queries.picker_label)
    left = forms.ModelChoiceField(label="From", queryset=_on_record(), to_field_name="slug")
    right = forms.ModelChoiceField(label="To", queryset=_on_record(), to_field_name="slug")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        named = [self.data.get(name) for name in self.fields] if self.is_bound else []
        # only slugs reach the database (a NUL byte would be an error on PostgreSQL)
        named = [value for value in named if isinstance(value, str) and slug_re.match(value)]
        chosen = []
        if named:
            offered = Plan.objects.filter(Q(withdrawn=False) | Q(slug__in=named))
            for field in self.fields.values():
                field.queryset = offered.order_by("presented_on", "slug")
            chosen = list(Plan.objects.filter(slug__in=named))
        # the selects list the latest versions and those named (queries.picker_versions), not
        # the whole archive; any version on record is still accepted by its slug
        versions = queries.picker_versions(*chosen)
        self.earlier = versions.earlier
        for field in self.fields.values():
            field.widget.choices = [("", field.empty_label)] + [
                (row.slug, queries.picker_label(row)) for row in versions
            ]


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200, strip=True)
    withdrawn = forms.BooleanField(label="Include withdrawn versions", required=False)
    plan = forms.ChoiceField(label="Version", required=False)
    theme = forms.ChoiceField(label="Theme", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the latest versions (queries.picker_versions), and the one asked for if older
        asked = self.data.get("plan") if self.is_bound else None
        chosen = (
            Plan.objects.filter(slug=asked).first()
            if isinstance(asked, str) and asked and slug_re.match(asked)
            else None
        )
        self.fields["plan"].choices = [("", "Every version")] + [
            (row.slug, row.short_name) for row in queries.picker_versions(chosen)
        ]
        self.fields["theme"].choices = theme_choices("Every theme")


class FlowForm(forms.Form):
    """A lineage flow: its versions and a theme. The versions are `versions` when the URL's
    path names them, else `?v=` repeated (in the order read; two to six), else the `default`
    chain."""

    MAX_VERSIONS = 6

    theme = forms.ChoiceField(label="Theme", required=False)

    def __init__(self, data=None, *, default=(), versions=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["theme"].choices = theme_choices()
        asked = [slug.strip() for slug in data.getlist("v") if slug.strip()] if data else []
        self.slugs = [plan.slug for plan in versions] or asked or [p.slug for p in default]
        self.default = list(default)

    def clean(self):
        cleaned = super().clean()
        slugs = self.slugs
        if len(slugs) < 2:
            raise ValidationError("Pick at least two versions.")
        if len(slugs) > self.MAX_VERSIONS:
            raise ValidationError(f"Pick at most {self.MAX_VERSIONS} versions.")
        if len(set(slugs)) != len(slugs):
            raise ValidationError("Pick each version once.")
        unknown = [slug for slug in slugs if not slug_re.match(slug)]
        found = Plan.objects.in_bulk([s for s in slugs if s not in unknown], field_name="slug")
        unknown += [slug for slug in slugs if slug not in found and slug not in unknown]
        if unknown:
            raise ValidationError(f"No version “{unknown[0][:80]}” on record.")
        cleaned["plans"] = [found[slug] for slug in slugs]
        return cleaned

    @property
    def chosen_theme(self) -> str:
        return self.cleaned_data.get("theme", "") if self.is_valid() else ""


class PeriodField(forms.Field):
    """A day (YYYY-MM-DD) or a month (YYYY-MM): a month counts from its first day, or up to its
    last when it ends a period (`end=True`), so that ?from=2025-11&to=2025-12 means Nov–Dec."""

    PATTERN = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})(?:-(?P<day>\d{2}))?")

    def __init__(self, *, end: bool = False, **kwargs):
        self.end = end
        widget = forms.TextInput(attrs={"placeholder": "YYYY-MM-DD", "size": 10})
        super().__init__(required=False, widget=widget, **kwargs)

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        match = self.PATTERN.fullmatch(value)
        try:
            if not match:
                raise ValueError
            year, month = int(match["year"]), int(match["month"])
            if match["day"]:
                return datetime.date(year, month, int(match["day"]))
            if not self.end:
                return datetime.date(year, month, 1)
            return datetime.date(year, month, calendar.monthrange(year, month)[1])
        except ValueError:
            raise ValidationError(
                "Enter a day as YYYY-MM-DD or a month as YYYY-MM.", code="invalid"
            ) from None


class TimelineForm(forms.Form):
    """The timeline's period, ?from=…&to=… ("from" is a Python keyword: the fields are named
    in __init__). Either may be left open; an invalid one is reported (the page answers 400)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = PeriodField(label="From")
        self.fields["to"] = PeriodField(label="To", end=True)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", "Choose a date on or after the “from” date.")
        return cleaned

    def period(self) -> dict:
        """The valid bounds as keyword arguments of timeline.timeline (a bad one is left open)."""
        if not self.is_bound:
            return {"start": None, "end": None}
        self.is_valid()  # cleaned_data then holds the fields that are valid
        return {"start": self.cleaned_data.get("from"), "end": self.cleaned_data.get("to")}
