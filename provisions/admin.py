"""Admin registration of every model. Saves with rules go through `services`."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from provisions import services
from provisions.models import (
    Assessment,
    Citation,
    Correspondence,
    Party,
    Plan,
    Provision,
    Source,
    Tag,
    Theme,
)


@admin.register(Party)
class PartyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Theme)
class ThemeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "colour"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["short_name", "slug", "presented_on", "status", "completeness", "points"]
    list_filter = ["status", "completeness", "numbered"]
    search_fields = ["slug", "title", "short_name", "summary"]
    autocomplete_fields = ["based_on"]
    filter_horizontal = ["parties"]
    prepopulated_fields = {"slug": ["short_name"]}
    date_hierarchy = "presented_on"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(point_count=Count("provisions"))

    @admin.display(description="points", ordering="point_count")
    def points(self, plan):
        return plan.point_count


class ProvisionForm(forms.ModelForm):
    """Carries the revision the editor started from, so a stale save can be refused."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Provision
        fields = [
            "plan",
            "number",
            "sub",
            "position",
            "text",
            "wording",
            "summary",
            "themes",
            "note",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["base_revision"].initial = self.instance.revision

    def clean(self):
        cleaned = super().clean()
        base = cleaned.get("base_revision")
        if self.instance.pk and base is not None:
            services.provision_check_revision(provision=self.instance, revision=base)
        return cleaned


class CitationInline(admin.TabularInline):
    model = Citation
    fields = ["source", "locator", "reading", "note"]
    autocomplete_fields = ["source"]
    extra = 0


@admin.register(Provision)
class ProvisionAdmin(SimpleHistoryAdmin):
    form = ProvisionForm
    list_display = ["label_display", "plan", "short_text", "wording", "revision", "citations"]
    list_filter = ["plan", "wording", "themes"]
    list_select_related = ["plan"]
    search_fields = ["text", "summary", "plan__slug", "plan__short_name"]
    autocomplete_fields = ["plan"]
    filter_horizontal = ["themes"]
    readonly_fields = ["revision"]
    inlines = [CitationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_count=Count("citations"))

    @admin.display(description="point", ordering="number")
    def label_display(self, provision):
        return provision.label

    @admin.display(description="text")
    def short_text(self, provision):
        return provision.text if len(provision.text) <= 90 else f"{provision.text[:89]}…"

    @admin.display(description="sources", ordering="citation_count")
    def citations(self, provision):
        return provision.citation_count

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A save that loses the race between the form's check and the write is refused by the
        # service; the admin's transaction has rolled back, so report it instead of a 500.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.StaleRevision as error:
            self.message_user(request, error.messages[0], level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        services.provision_save(
            provision=obj, revision=form.cleaned_data.get("base_revision"), user=request.user
        )


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["publisher", "title", "published_on", "language", "coverage", "reliability"]
    list_filter = ["reliability", "coverage", "language"]
    search_fields = ["publisher", "title", "author", "url", "note"]
    date_hierarchy = "published_on"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Citation)
class CitationAdmin(SimpleHistoryAdmin):
    list_display = ["source", "provision", "plan", "locator", "has_reading"]
    list_filter = ["source__reliability"]
    list_select_related = ["source", "provision__plan", "plan"]
    search_fields = ["source__publisher", "source__title", "reading", "note", "locator"]
    autocomplete_fields = ["source", "plan", "provision"]

    @admin.display(boolean=True, description="variant reading")
    def has_reading(self, citation):
        return bool(citation.reading)


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["provision", "tag", "status", "source", "author", "created_at"]
    list_filter = ["tag", "status", "provision__plan"]
    list_select_related = ["provision__plan", "tag", "source", "author"]
    search_fields = ["rationale", "provision__text"]
    autocomplete_fields = ["provision", "tag", "source"]
    readonly_fields = ["author", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)


@admin.register(Correspondence)
class CorrespondenceAdmin(SimpleHistoryAdmin):
    list_display = ["earlier", "later", "relation", "status"]
    list_filter = ["status", "relation", "later__plan"]
    list_select_related = ["earlier__plan", "later__plan"]
    search_fields = ["note", "earlier__text", "later__text"]
    autocomplete_fields = ["earlier", "later"]
