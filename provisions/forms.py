"""Query-string forms: the filters of the analyst pages. An invalid value is reported on the
form and the filter is not applied; it never causes an error page."""

from django import forms

from provisions import diffing, queries
from provisions.models import Plan


class PlanFilterForm(forms.Form):
    theme = forms.ChoiceField(label="Theme", required=False)
    tag = forms.ChoiceField(label="Tag", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "All themes")] + [
            (t.slug, t.name) for t in queries.themes()
        ]
        self.fields["tag"].choices = [("", "Any tag")] + [(t.slug, t.name) for t in queries.tags()]

    def filters(self) -> dict:
        """The valid filters as keyword arguments; nothing when the form is unbound or invalid."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class CompareFilterForm(PlanFilterForm):
    RELATION_CHOICES = [("", "Any relation")] + [(r, r.capitalize()) for r in diffing.RELATIONS]
    LAYOUT_CHOICES = [("side", "Side by side"), ("inline", "Inline")]

    relation = forms.ChoiceField(label="Relation", required=False, choices=RELATION_CHOICES)
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


class VersionPickerForm(forms.Form):
    left = forms.ModelChoiceField(
        label="From", queryset=Plan.objects.order_by("presented_on"), to_field_name="slug"
    )
    right = forms.ModelChoiceField(
        label="To", queryset=Plan.objects.order_by("presented_on"), to_field_name="slug"
    )


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200, strip=True)
