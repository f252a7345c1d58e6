"""The curation interface. Every write with a rule goes through `services`; the admin only
collects input, calls the service and reports the outcome."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator, capfirst
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from provisions import diffing, releases, services
from provisions.forms import (
    CuratedForm,
    CuratedInlineFormSet,
    ImportForm,
    MultilineField,
    StanceForm,
    TagProvisionsForm,
)
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
    SearchTerm,
    Source,
    Tag,
    Theme,
)
from provisions.positions import STANCE_SYMBOLS
from provisions.templatetags.provisions import diff_runs


def _text_field(db_field, kwargs: dict) -> dict:
    """A model's long text is edited in a textarea, whose line breaks arrive as CRLF."""
    if isinstance(db_field, models.TextField) and not db_field.choices:
        kwargs.setdefault("form_class", MultilineField)
    return kwargs


class CuratedInline(admin.TabularInline):
    form = CuratedForm
    formset = CuratedInlineFormSet
    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # a tabular inline shows each field's name once, as a column heading; every input of
        # every row needs its own accessible name too (screen readers, axe's label rule)
        field = super().formfield_for_dbfield(db_field, request, **_text_field(db_field, kwargs))
        if field is not None:
            name = f"{capfirst(db_field.verbose_name)} ({capfirst(self.model._meta.verbose_name)})"
            field.widget.attrs.setdefault("aria-label", name)
        return field

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return [*fields, "base_revision"] if "base_revision" not in fields else fields


class WholeChanges(HistoricalRecordContextHelper):
    """A history entry's changed values whole and as stored: the history list word-diffs them
    (escaping every word, as it escapes provision text), so they must be neither shortened to
    "Russi[93 chars]…" nor escaped once already here."""

    def stringify_delta_change_values(self, change, old, new) -> tuple[str, str]:
        def text(value) -> str:
            if isinstance(value, list):  # a many-to-many field's related rows
                return ", ".join(map(str, value))
            return "" if value is None else str(value)

        return text(old), text(new)


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's who/when/revert, with each change shown as a word diff; every write
    through `services`, guarded by the revision the user opened."""

    form = CuratedForm
    object_history_list_template = "admin/provisions/object_history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return WholeChanges(self.model, historical_record)

    def get_ordering(self, request):
        # explicit, so that it survives the count annotations of some get_queryset()s: a
        # grouped query drops the model's default ordering, and the autocomplete pages would
        # then be cut from an unordered list (rows missed or repeated between pages)
        return super().get_ordering(request) or self.model._meta.ordering

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "revision", "modified_at"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return super().formfield_for_dbfield(db_field, request, **_text_field(db_field, kwargs))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or services.may_change(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or services.may_change(request.user, obj))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id and self._deleted_meanwhile(request, object_id):
            # the form comes back as an add form holding the user's input, with the reason
            # (CuratedForm: it carries a revision); saving it again adds it anew
            add = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_add")
            return self.changeform_view(request, None, add, extra_context)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError:
            # a colleague's save or delete landed between this form's checks and its write;
            # the transaction rolled back. Validate again: the form now reports the change,
            # with the user's input kept.
            if request.method != "POST":
                raise
            return super().changeform_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # simple-history filters by the id as given: one that is no id at all ("abc",
        # "4/change") is the admin's "does not exist" answer, as on the change page
        try:
            self.opts.pk.to_python(unquote(object_id))
        except ValidationError:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, object_id, extra_context)

    def _deleted_meanwhile(self, request, object_id) -> bool:
        opened = "base_revision" in request.POST  # a change form posts the revision it showed
        return opened and self.get_object(request, unquote(object_id)) is None

    def save_model(self, request, obj, form, change):
        if not change and isinstance(obj, Assessment | Correspondence):
            obj.author = request.user
        if change and not form.changes_stored:
            return  # nothing to write: the stored row has these values already
        revision = form.cleaned_data.get("base_revision") if change else None
        services.record_save(obj=obj, revision=revision, user=request.user)

    def save_formset(self, request, form, formset, change):
        # sorts the forms into new, changed and deleted objects (which the admin's change
        # message reads too) without writing anything; then each goes through the guard
        formset.save(commit=False)
        deleted = {id(obj) for obj in formset.deleted_objects}
        for inline_form in formset.forms:
            obj = inline_form.instance
            revision = inline_form.cleaned_data.get("base_revision")
            if id(obj) in deleted:
                services.record_delete(obj=obj, revision=revision, user=request.user)
                continue
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            if obj.pk and not inline_form.changes_stored:
                continue
            obj = inline_form.save(commit=False)
            if obj.pk is None and isinstance(obj, Assessment | Correspondence):
                obj.author = request.user
            services.record_save(obj=obj, revision=revision if obj.pk else None,
                                 user=request.user)  # fmt: skip
            inline_form.save_m2m()

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        refusals = [services.delete_refusal(obj) for obj in objs]
        protected = [*protected, *(refusal.messages[0] for refusal in refusals if refusal)]
        return deleted, counts, perms_needed, protected

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:  # rolled back: nothing was deleted
            self.message_user(request, f"Not deleted. {' '.join(error.messages)}", messages.ERROR)
            change = f"admin:{self.opts.app_label}_{self.opts.model_name}_change"
            return HttpResponseRedirect(reverse(change, args=[object_id]))

    def response_action(self, request, queryset):
        try:
            with transaction.atomic():  # an action writes all its rows, or none
                return super().response_action(request, queryset)
        except ValidationError as error:
            message = f"Nothing was changed. {' '.join(error.messages)}"
            self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        revision = _shown_revision(request.POST.get("revision"))
        services.record_delete(obj=obj, revision=revision, user=request.user)

    def delete_queryset(self, request, queryset):
        # each row at the revision the confirmation page showed (delete_selected_confirmation)
        for obj in queryset:
            revision = _shown_revision(request.POST.get(f"revision-{obj.pk}"))
            services.record_delete(obj=obj, revision=revision, user=request.user)


def _shown_revision(value) -> int:
    """The revision a delete confirmation showed (templates/admin/provisions/…): a delete is
    guarded by it, as a save is by the form's."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(
            "The page is missing the revision it was opened at; reload it."
        ) from None


@admin.register(Coverage)
class CoverageAdmin(HistoryAdmin):
    """One row: how current the record is. Editors change it; it cannot be deleted."""

    list_display = ["__str__", "material_until", "reviewed_on"]
    fields = ["material_until", "reviewed_on", "note"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Coverage.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Party)
class PartyAdmin(HistoryAdmin):
    list_display = ["name", "slug", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Theme)
class ThemeAdmin(HistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(HistoryAdmin):
    list_display = ["name", "slug", "colour"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


class ProvisionForm(CuratedForm):
    class Meta:
        model = Provision
        fields = [
            "plan", "number", "sub", "label_confirmed", "position", "text", "wording", "summary",
            "themes", "note",
        ]  # fmt: skip


class ProvisionInline(CuratedInline):
    model = Provision
    fields = ["number", "sub", "position", "text", "wording", "themes"]
    autocomplete_fields = ["themes"]
    ordering = ["position", "number", "sub"]
    show_change_link = True


class PlanCitationInline(CuratedInline):
    model = Citation
    fk_name = "plan"
    fields = ["source", "locator", "reading", "reading_language", "reading_translation", "note"]
    autocomplete_fields = ["source"]


@admin.register(Plan)
class PlanAdmin(HistoryAdmin):
    list_display = ["short_name", "slug", "presented_on", "status", "completeness", "points",
                    "withdrawn"]  # fmt: skip
    list_filter = ["withdrawn", "status", "completeness", "numbered"]
    search_fields = ["slug", "title", "short_name", "summary"]
    autocomplete_fields = ["based_on"]
    # a plain list of checkboxes (about twenty parties): readable by every screen reader, where
    # the two-pane filter widget's icons fail the accessibility checks
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    prepopulated_fields = {"slug": ["short_name"]}
    date_hierarchy = "presented_on"
    inlines = [ProvisionInline, PlanCitationInline]
    actions = ["suggest_links"]
    change_list_template = "admin/provisions/plan/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(point_count=Count("provisions"))

    @admin.display(description="points", ordering="point_count")
    def points(self, plan):
        return plan.point_count

    @admin.action(description="Suggest links to the version it is based on", permissions=["change"])
    def suggest_links(self, request, queryset):
        created = 0
        for plan in queryset:
            try:
                created += len(services.correspondence_suggest(plan=plan, user=request.user))
            except ValidationError as error:
                self.message_user(request, f"{plan}: {error.messages[0]}", messages.WARNING)
        self.message_user(request, f"{created} link(s) suggested; review them below.")
        review = reverse("admin:provisions_correspondence_changelist")
        query = {"status__exact": "suggested"}
        if queryset.count() == 1:
            query["later__plan__id__exact"] = queryset.first().pk
        return HttpResponseRedirect(f"{review}?{urlencode(query)}")

    def get_urls(self):
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="provisions_plan_import",
            )
        ]
        return extra + super().get_urls()

    def import_view(self, request):
        """Paste or upload a version's text, see every parsed point and problem, then confirm."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a version from its text",
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            parsed = form.cleaned_data["parsed"]
            context["parsed"] = parsed
            if "confirm" in request.POST and parsed.ok:
                try:
                    outcome = services.plan_import(
                        plan=form.plan(), parsed=parsed, source=form.source(), user=request.user
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(
                        request,
                        f"Imported {outcome.plan} with {len(parsed.points)} points; "
                        f"{len(outcome.links)} link(s) and {len(outcome.assessments)} "
                        "assessment(s) suggested for review.",
                    )
                    url = reverse("admin:provisions_plan_change", args=[outcome.plan.pk])
                    return HttpResponseRedirect(url)
        return render(request, "admin/provisions/plan/import.html", context)


class CitationInline(CuratedInline):
    model = Citation
    fk_name = "provision"
    fields = [
        "source", "locator", "excerpt", "reading", "reading_language", "reading_translation",
        "note",
    ]  # fmt: skip
    autocomplete_fields = ["source"]


class AssessmentInline(CuratedInline):
    model = Assessment
    fields = ["tag", "rationale", "source", "status"]
    autocomplete_fields = ["tag", "source"]


class PositionInline(CuratedInline):
    model = Position
    fk_name = "provision"
    fields = ["party", "stance", "stated_on", "date_precision", "source", "excerpt", "note"]
    autocomplete_fields = ["party", "source"]
    ordering = ["stated_on", "pk"]
    verbose_name = "party's stance"
    verbose_name_plural = "where the parties stand (each on a source)"


class SuccessorInline(CuratedInline):
    model = Correspondence
    fk_name = "earlier"
    fields = ["later", "relation", "status", "note"]
    autocomplete_fields = ["later"]
    verbose_name = "link to a later version"
    verbose_name_plural = "links to later versions"


class PredecessorInline(SuccessorInline):
    fk_name = "later"
    fields = ["earlier", "relation", "status", "note"]
    autocomplete_fields = ["earlier"]
    verbose_name = "link from an earlier version"
    verbose_name_plural = "links from earlier versions"


class HasCitationFilter(admin.SimpleListFilter):
    title = "sources"
    parameter_name = "cited"

    def lookups(self, request, model_admin):
        return [("no", "No source yet"), ("yes", "At least one source")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(citation_count=0)
        if self.value() == "yes":
            return queryset.filter(citation_count__gt=0)
        return queryset


@admin.register(Provision)
class ProvisionAdmin(HistoryAdmin):
    form = ProvisionForm
    list_display = ["label_display", "plan", "short_text", "wording", "tags", "citations"]
    list_filter = ["plan", "themes", ("assessments__tag", admin.RelatedOnlyFieldListFilter),
                   "wording", HasCitationFilter]  # fmt: skip
    list_select_related = ["plan"]
    search_fields = ["text", "summary", "plan__slug", "plan__short_name"]
    autocomplete_fields = ["plan", "themes"]
    inlines = [
        CitationInline, AssessmentInline, PositionInline, PredecessorInline, SuccessorInline,
    ]  # fmt: skip
    actions = ["tag_selected", "record_stance"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(citation_count=Count("citations", distinct=True))
            .prefetch_related(Prefetch("assessments", Assessment.objects.select_related("tag")))
        )

    @admin.display(description="point", ordering="number")
    def label_display(self, provision):
        return provision.label

    @admin.display(description="text")
    def short_text(self, provision):
        return provision.text if len(provision.text) <= 90 else f"{provision.text[:89]}…"

    @admin.display(description="tags")
    def tags(self, provision):
        return ", ".join(a.tag.name for a in provision.assessments.all())

    @admin.display(description="sources", ordering="citation_count")
    def citations(self, provision):
        return provision.citation_count

    def has_tag_permission(self, request):
        return request.user.has_perm("provisions.add_assessment")

    @admin.action(description="Tag selected provisions…", permissions=["tag"])
    def tag_selected(self, request, queryset):
        form = TagProvisionsForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                count = services.assessment_tag_many(
                    provisions=queryset, user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, f"Tagged {count} provision(s).")
                return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Tag the selected provisions",
            "form": form,
            "provisions": queryset.select_related("plan"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return render(request, "admin/provisions/provision/tag_many.html", context)

    def has_position_permission(self, request):
        return request.user.has_perm("provisions.add_position")

    @admin.action(description="Record one party's stance on selected provisions…",
                  permissions=["position"])  # fmt: skip
    def record_stance(self, request, queryset):
        form = StanceForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                created = services.position_add_many(
                    provisions=queryset, user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, f"Recorded {len(created)} position(s).")
                return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Record a stance on the selected provisions",
            "form": form,
            "provisions": queryset.select_related("plan"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return render(request, "admin/provisions/provision/stance_many.html", context)


class SourceCitationInline(CuratedInline):
    model = Citation
    fk_name = "source"
    fields = ["provision", "plan", "locator", "reading", "reading_language", "reading_translation"]
    autocomplete_fields = ["provision", "plan"]


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    list_display = ["code", "publisher", "title", "published_on", "language", "reliability",
                    "uses"]  # fmt: skip
    list_filter = ["reliability", "coverage", "language"]
    search_fields = ["code", "publisher", "title", "author", "url", "note"]
    date_hierarchy = "published_on"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [SourceCitationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_count=Count("citations"))

    @admin.display(description="citations", ordering="citation_count")
    def uses(self, source):
        return source.citation_count


@admin.register(Citation)
class CitationAdmin(HistoryAdmin):
    list_display = ["source", "provision", "plan", "locator", "has_reading"]
    list_filter = ["source__reliability"]
    list_select_related = ["source", "provision__plan", "plan"]
    search_fields = ["source__publisher", "source__title", "reading", "note", "locator"]
    autocomplete_fields = ["source", "plan", "provision"]

    @admin.display(boolean=True, description="variant reading")
    def has_reading(self, citation):
        return bool(citation.reading)


class ReviewActions:
    """Confirm or reject suggestions in bulk (links proposed by similarity, carried-over tags)."""

    @admin.action(description="Confirm selected suggestions", permissions=["change"])
    def confirm_selected(self, request, queryset):
        count = services.suggestions_review(suggestions=queryset, confirm=True, user=request.user)
        self.message_user(request, f"Confirmed {count}.")

    @admin.action(description="Reject (delete) selected suggestions", permissions=["change"])
    def reject_selected(self, request, queryset):
        count = services.suggestions_review(suggestions=queryset, confirm=False, user=request.user)
        self.message_user(request, f"Rejected {count}.")


@admin.register(Assessment)
class AssessmentAdmin(ReviewActions, HistoryAdmin):
    list_display = ["provision", "point_text", "tag", "rationale_start", "status", "source",
                    "author", "created_at"]  # fmt: skip

    @admin.display(description="The point's text")
    def point_text(self, assessment):
        return assessment.provision.text

    @admin.display(description="Rationale")
    def rationale_start(self, assessment):
        return Truncator(assessment.rationale).words(40)

    list_filter = ["status", "tag", "provision__plan"]
    list_select_related = ["provision__plan", "tag", "source", "author"]
    search_fields = ["rationale", "provision__text"]
    autocomplete_fields = ["provision", "tag", "source"]
    readonly_fields = ["author", "created_at", "modified_by"]
    actions = ["confirm_selected", "reject_selected"]


@admin.register(Correspondence)
class CorrespondenceAdmin(ReviewActions, HistoryAdmin):
    """Also the review screen: filter by status "suggested", then confirm or reject the
    selection (or open one to change its relation). Not editable in the list: a list row
    cannot carry the revision it was shown at, so it could overwrite a colleague's edit."""

    list_display = ["earlier", "later", "texts", "relation", "status", "note", "author"]
    list_filter = ["status", "relation", "later__plan"]
    list_select_related = ["earlier__plan", "later__plan"]

    @admin.display(description="The two texts (struck: only earlier; underlined: only later)")
    def texts(self, link):
        """What a reviewer must read to judge a match: both points' words, as one diff."""
        runs = diffing.word_diff(link.earlier.text, link.later.text)
        return format_html('<p class="diff">{}</p>', diff_runs(runs, "both"))

    search_fields = ["note", "earlier__text", "later__text"]
    autocomplete_fields = ["earlier", "later"]
    readonly_fields = ["author", "modified_by"]
    actions = ["confirm_selected", "reject_selected"]


@admin.register(Position)
class PositionAdmin(HistoryAdmin):
    """A board in list form: filter by version (and party or stance), sorted by point, then
    party, then date; every row names its source."""

    list_display = ["point", "party", "stance_shown", "stated_on", "source", "on_board"]
    list_filter = ["plan", "party", "stance", "source__reliability"]
    list_select_related = ["plan", "provision__plan", "party", "source"]
    search_fields = ["note", "excerpt", "provision__text", "plan__short_name", "party__name"]
    autocomplete_fields = ["plan", "provision", "party", "source"]
    date_hierarchy = "stated_on"
    ordering = ["plan", "provision__position", "party__name", "stated_on", "pk"]

    @admin.display(description="point", ordering="provision__position")
    def point(self, position):
        if position.provision_id:
            return f"{position.plan.short_name} {position.provision.display_label}"
        return f"{position.plan.short_name} (as a whole)"

    @admin.display(description="stance", ordering="stance")
    def stance_shown(self, position):
        return f"{STANCE_SYMBOLS.get(position.stance, '')} {position.get_stance_display()}"

    @admin.display(description="board")
    def on_board(self, position):
        url = reverse("provisions:board", args=[position.plan.slug])
        return format_html('<a href="{}">view</a>', url)


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Editors make a release (number and notes; the rest is frozen from the data); once made it
    is only viewed: never changed, never deleted."""

    list_display = ["number", "published_at", "coverage_until", "notes"]
    fields = ["number", "notes"]
    readonly_fields = ["published_at", "coverage_until", "counts", "digest", "published_by"]

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else ["number", "notes", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["number", "notes", *self.readonly_fields]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except releases.ReleaseError:
            # a colleague's release took the number after this form's checks; nothing was
            # written. Validate again: the form now refuses the number, with the notes kept.
            if request.method != "POST":
                raise
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_changeform_initial_data(self, request):
        latest = Release.objects.latest_release()
        return {"number": latest.number + 1 if latest else 1}

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:

            class PublishForm(form):
                def clean(self):
                    data = super().clean()
                    latest = Release.objects.latest_release()
                    number = data.get("number")
                    if number is not None and latest and number <= latest.number:
                        self.add_error(
                            "number", f"Release {latest.number} exists: choose a higher number."
                        )
                    return data

            return PublishForm
        return form

    def save_model(self, request, obj, form, change):
        # the release is frozen from the database; the form gives only its number and notes
        release = releases.publish(obj.number, obj.notes, request.user)
        obj.pk, obj._state.adding, obj._state.db = release.pk, False, release._state.db
        obj.published_at, obj.digest = release.published_at, release.digest
        transaction.on_commit(lambda: releases.write_files(release))


@admin.register(SearchTerm)
class SearchTermAdmin(HistoryAdmin):
    """The everyday words search expands ("army" also finds "armed forces"): editors keep the
    list, each save guarded by the revision opened; analysts read it."""

    list_display = ["word", "finds"]
    search_fields = ["word", "finds"]
