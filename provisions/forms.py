"""Forms. Query-string forms (the filters of the analyst pages): an invalid value is reported on
the form and the filter is not applied; it never causes an error page. The curation forms: the
guarded model form every admin page uses, the import and the bulk-tagging forms."""

import calendar
import datetime
import re

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.core.validators import slug_re
from django.db.models import Case, Q, QuerySet, UniqueConstraint, When
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.forms.models import model_to_dict

from provisions import diffing, importing, queries, services
from provisions.models import Party, Plan, Position, Source, Tag
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


REFUSED_FILES = {importing.NOT_UTF8, importing.TOO_LARGE, importing.NUL_CHARACTER}


class ImportForm(forms.Form):
    """A new version from pasted text: its metadata, its source, and the text itself."""

    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18, "cols": 100}),
        required=False,
        help_text="Paste the text as published: numbered points, sub-points, headings.",
    )
    file = forms.FileField(required=False, help_text="…or upload it as a UTF-8 text file.")
    slug = forms.SlugField(max_length=80, help_text="e.g. us-ukraine-21-2026-03")
    title = forms.CharField(max_length=300)
    short_name = forms.CharField(max_length=80, help_text="e.g. 21-point plan")
    presented_on = forms.DateField(help_text="YYYY-MM-DD")
    status = forms.ChoiceField(choices=Plan.Status.choices)
    completeness = forms.ChoiceField(choices=Plan.Completeness.choices)
    numbered = forms.BooleanField(required=False, initial=True, label="The text numbers its points")
    based_on = forms.ModelChoiceField(
        queryset=Plan.objects.filter(withdrawn=False).order_by("-presented_on"),
        required=False,
        to_field_name="slug",
    )
    source_url = forms.URLField(max_length=500, assume_scheme="https", label="Source address")
    source_publisher = forms.CharField(max_length=200, required=False, label="Publisher")
    source_title = forms.CharField(max_length=400, required=False, label="Source title")
    source_published_on = forms.DateField(required=False, label="Source date")
    source_language = forms.CharField(max_length=8, initial="en", label="Source language")
    source_reliability = forms.ChoiceField(
        choices=Source.Reliability.choices, initial=Source.Reliability.PRIMARY
    )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Plan.objects.filter(slug=slug).exists():
            raise forms.ValidationError("A version with this slug exists already.")
        return slug

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload:
            data = upload.read(importing.MAX_BYTES + 1)
            cleaned["parsed"] = importing.parse_bytes(data)
            if not any(p.kind in REFUSED_FILES for p in cleaned["parsed"].problems):
                # carry the decoded text, so the preview posts back exactly what was uploaded
                cleaned["text"] = data.decode("utf-8-sig")
        elif cleaned.get("text", "").strip():
            cleaned["parsed"] = importing.parse(cleaned["text"])
        else:
            raise forms.ValidationError("Paste the text or upload a file.")
        url = cleaned.get("source_url")
        if url and not Source.objects.filter(url=url).exists():
            for name in ("source_publisher", "source_title", "source_published_on"):
                if not cleaned.get(name):
                    self.add_error(name, "Needed for a source that is not in the tracker yet.")
        return cleaned

    def plan(self) -> Plan:
        data = self.cleaned_data
        fields = ("slug", "title", "short_name", "presented_on", "status", "completeness")
        return Plan(**{key: data[key] for key in fields}, numbered=data["numbered"],
                    based_on=data["based_on"])  # fmt: skip

    def source(self) -> Source:
        data = self.cleaned_data
        return services.source_for(
            url=data["source_url"],
            publisher=data["source_publisher"],
            title=data["source_title"],
            published_on=data["source_published_on"],
            language=data["source_language"],
            reliability=data["source_reliability"],
        )


class TagProvisionsForm(forms.Form):
    tag = forms.ModelChoiceField(queryset=Tag.objects.order_by("name"))
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 80}))
    source = forms.ModelChoiceField(
        queryset=Source.objects.order_by("publisher"), required=False,
        help_text="The evidence for the tag, if one source carries it.",
    )  # fmt: skip


class SourceChoiceField(forms.ModelChoiceField):
    """A source named short enough for a select: code, publisher, date, a little of the title."""

    def label_from_instance(self, source):
        label = f"{source.code} {source.publisher}, {source.published_on}: {source.title}".strip()
        return label if len(label) <= 90 else f"{label[:89]}…"


class StanceForm(forms.Form):
    """One party's stance, stated on one date in one source, for several points at once."""

    party = forms.ModelChoiceField(queryset=Party.objects.order_by("name"))
    stance = forms.ChoiceField(choices=Position.Stance.choices)
    stated_on = forms.DateField(help_text="When the party said so (YYYY-MM-DD).")
    date_precision = forms.ChoiceField(
        choices=Source.DatePrecision.choices, initial=Source.DatePrecision.DAY
    )
    source = SourceChoiceField(
        queryset=Source.objects.order_by("publisher", "published_on"),
        help_text="Required: where it is stated.",
    )
    excerpt = forms.CharField(
        required=False, max_length=600, help_text="The source's own words, if it has them."
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))


# --- Curation: every admin form is guarded by the revision it was opened at ----------------


class MultilineField(forms.CharField):
    """A textarea's text. Browsers send its line breaks as CRLF; the stored text (and the API's)
    has LF, so without this a page saved untouched would differ from the stored row."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


KEPT = (
    "Your input is kept. Their value is shown above each field that differs: change yours, or "
    "save again to replace theirs."
)


class CuratedForm(forms.ModelForm):
    """Carries the revision the user opened, so that a save from a stale page is refused: the
    user's input stays in the form, and each field a colleague changed meanwhile shows their
    value beside it. A row whose values the user left as opened writes nothing (so a colleague
    who saved only other rows of the same page is no conflict)."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    changes_stored = True
    row_name = ""  # an inline row's name, for its errors (set by CuratedInlineFormSet)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self._stored_row_exists():
            # the stored revision, not the instance's: a revert form starts from an old instance
            stored = type(self.instance)._default_manager.filter(pk=self.instance.pk)
            self.fields["base_revision"].initial = stored.values_list("revision", flat=True).first()

    def _stored_row_exists(self) -> bool:
        return bool(self.instance.pk) and not self.instance._state.adding

    def clean(self):
        cleaned = super().clean()
        if not self._stored_row_exists():
            return self._clean_new(cleaned)
        current = type(self.instance)._default_manager.filter(pk=self.instance.pk).first()
        if current is None:
            raise ValidationError("Someone deleted this meanwhile; it was not saved.")
        differing = list(self._differing(current))
        self.changes_stored = bool(differing)
        if not self.changes_stored:
            return cleaned
        base = cleaned.get("base_revision")
        if base is None:
            raise ValidationError("The page is missing the revision it was opened at; reload it.")
        try:
            services.check_revision(obj=self.instance, revision=base)
        except services.StaleRevision as error:
            if self._left_as_opened(differing, base):
                # only a colleague's save differs from this page: nothing of this user's to write
                self.changes_stored = False
                return cleaned
            self.report_stale(error, KEPT)
        return cleaned

    def _clean_new(self, cleaned):
        """A new row; one that carries a revision was opened as a stored row someone deleted."""
        if cleaned.get("base_revision") is None:
            return cleaned
        self._set_data(self.add_prefix("base_revision"), "")  # saved again, it is added anew
        name = self.instance._meta.verbose_name
        raise ValidationError(
            f"Someone deleted this {name} meanwhile. Your input is kept here as a new {name}: "
            "save again to add it back, or leave it out."
        )

    def report_stale(self, error: services.StaleRevision, advice: str) -> None:
        """Show a colleague's save: their value beside each field they changed (and in the field,
        where this user had left it as opened); the page now carries their revision, so saving
        it again, having seen theirs, is a deliberate choice."""
        theirs, base = error.current, self.cleaned_data.get("base_revision")
        opened = self._opened(base)
        for field in list(self._changed_meanwhile(theirs, opened)):
            shown = f"Saved meanwhile as: \u201c{_shown(field, theirs)}\u201d"
            if opened is not None and field not in self._differing(opened):
                self._take_theirs(field, theirs)  # theirs stays, unless this user changes it
                shown += " (shown here: you had not changed it)"
            self.add_error(field.name, shown)
        self._set_data(self.add_prefix("base_revision"), theirs.revision)
        self.add_error(None, error)
        if self.row_name:
            advice = f"In the row \u201c{self.row_name}\u201d: {advice[0].lower()}{advice[1:]}"
        self.add_error(None, advice)

    def _set_data(self, key: str, value) -> None:
        data = self.data.copy()
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
        self.data = data

    def _take_theirs(self, field, theirs) -> None:
        value = self.fields[field.name].prepare_value(
            model_to_dict(theirs, [field.name])[field.name]
        )
        if isinstance(value, list | tuple):
            value = [str(getattr(item, "pk", item)) for item in value]
        self._set_data(self.add_prefix(field.name), "" if value is None else value)

    def _opened(self, revision):
        """The history record of this row at `revision` (what the page was opened with)."""
        history = type(self.instance).history.filter(id=self.instance.pk, revision=revision)
        return history.order_by("-history_id").first()

    def _left_as_opened(self, differing, base: int) -> bool:
        """Whether every field that differs from the stored row holds what the page was opened
        with (the colleague changed it, this user did not)."""
        opened = self._opened(base)
        return opened is not None and not set(differing) & set(self._differing(opened))

    def _changed_meanwhile(self, theirs, opened):
        """The fields where their save differs from what this page was opened with (the
        history record of that revision), and from this page's input."""
        for field in self._differing(theirs):
            # without a record to compare with, show it
            if opened is None or _stored(field, opened) != _stored(field, theirs):
                yield field

    def _differing(self, stored):
        """The model fields of this form whose submitted value is not the one in `stored` (the
        stored row, or a history record of it)."""
        for name in self.cleaned_data:
            try:
                field = self.instance._meta.get_field(name)
            except FieldDoesNotExist:  # base_revision, an inline row's DELETE
                continue
            if not field.primary_key and _stored(field, stored) != _submitted(field, name, self):
                yield field


def _stored(field, stored):
    """A field's value in a row, or in a history record of it, as _submitted gives it."""
    if not field.many_to_many:
        return field.value_from_object(stored)
    if not hasattr(stored, "history_id"):
        return {o.pk for o in field.value_from_object(stored)}
    rows = getattr(stored, field.name, None)  # a record keeps the rows of a tracked field
    target = f"{field.m2m_reverse_field_name()}_id"
    return None if rows is None else {getattr(row, target) for row in rows.all()}


def _submitted(field, name, form):
    submitted = form.cleaned_data[name]
    if field.many_to_many:
        return {o.pk for o in submitted or []}
    if field.is_relation:
        return getattr(submitted, "pk", submitted)
    return submitted


def _shown(field, current) -> str:
    if field.many_to_many:
        return ", ".join(str(o) for o in field.value_from_object(current)) or "(none)"
    if field.is_relation:
        return str(getattr(current, field.name) or "(none)")
    if field.choices:
        return str(getattr(current, f"get_{field.name}_display")())
    value = field.value_from_object(current)
    return "(empty)" if value in ("", None) else str(value)


def _row_key(prefix: str) -> re.Pattern:
    return re.compile(rf"(?P<initial>initial-)?{re.escape(prefix)}-(?P<index>\d+)-(?P<name>.+)")


def _renumbered(data, pattern: re.Pattern, order: list[int]):
    """`data` with the rows at the old indices `order` numbered 0, 1, … (others left out)."""
    renumbered = data.copy()
    rows: dict[int, list] = {}
    for key in data:
        if match := pattern.fullmatch(key):
            del renumbered[key]
            rows.setdefault(int(match["index"]), []).append(match)
    for new, old in enumerate(order):
        for match in rows.get(old, []):
            prefix = match.string[: match.start("index")]
            renumbered.setlist(f"{prefix}{new}-{match['name']}", data.getlist(match.string))
    return renumbered


class CuratedInlineFormSet(forms.BaseInlineFormSet):
    """The rows of a page: each guarded by its revision (CuratedForm). Rows that would repeat
    one another, deletes of rows changed meanwhile, and deletes that would take others' work
    are refused before anything is written, on the row, with the reason. A row someone
    deleted meanwhile is dropped if the user left it as opened, else offered as a new row."""

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        if self.is_bound:
            self._follow_deleted_rows()

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.row_name = str(form.instance) if form.instance.pk else f"new row {(index or 0) + 1}"
        if "DELETE" in form.fields:  # a row's delete box, named for screen readers
            form.fields["DELETE"].widget.attrs["aria-label"] = f"Delete: {form.row_name}"

    def _follow_deleted_rows(self) -> None:
        try:
            initial = int(self.data[self.add_prefix(INITIAL_FORM_COUNT)])
            total = int(self.data[self.add_prefix(TOTAL_FORM_COUNT)])
        except (KeyError, ValueError):
            return  # the management form reports it
        posted = [self._posted_pk(index) for index in range(initial)]
        stored = set(self.queryset.filter(pk__in=[pk for pk in posted if pk is not None])
                     .values_list("pk", flat=True))  # fmt: skip
        kept = [index for index, pk in enumerate(posted) if pk in stored]
        # the stored rows in the order the page has them: the admin pairs each row's form with
        # the queryset's object of the same index (its name above the row)
        self.queryset = self.queryset.filter(pk__in=[posted[i] for i in kept])
        if kept:
            order = [When(pk=posted[index], then=n) for n, index in enumerate(kept)]
            self.queryset = self.queryset.order_by(Case(*order))
        if len(kept) == initial:
            return
        offered = [i for i in range(initial) if i not in kept and self._changed_since_opened(i)]
        pattern, order = _row_key(self.prefix), [*kept, *offered, *range(initial, total)]
        self.data = _renumbered(self.data, pattern, order)
        if self.files:
            self.files = _renumbered(self.files, pattern, order)
        self.data[self.add_prefix(INITIAL_FORM_COUNT)] = str(len(kept))
        self.data[self.add_prefix(TOTAL_FORM_COUNT)] = str(len(order))
        for index in range(len(kept), len(kept) + len(offered)):
            self.data[f"{self.add_prefix(index)}-{self.model._meta.pk.name}"] = ""

    def _posted_pk(self, index: int):
        pk = self.model._meta.pk
        try:
            return pk.to_python(self.data.get(f"{self.add_prefix(index)}-{pk.name}"))
        except ValidationError:
            return None

    def _changed_since_opened(self, index: int) -> bool:
        """Whether the user changed a row someone deleted meanwhile (not ticked for deletion,
        and not as it was at the revision the page was opened with)."""
        prefix = self.add_prefix(index)
        if forms.CheckboxInput().value_from_datadict(self.data, self.files, f"{prefix}-DELETE"):
            return False
        revision = self.data.get(f"{prefix}-base_revision", "")
        history = self.model.history.filter(id=self._posted_pk(index))
        opened = history.filter(revision=revision).order_by("-history_id").first()
        if not revision.isdigit() or opened is None:
            return True
        probe = self.form(self.data, self.files, prefix=prefix, instance=opened.instance)
        return bool(set(probe.changed_data) - {"base_revision"})

    def clean(self):
        super().clean()
        self._refuse_repeated_rows()
        refusals = [*self._stale_deletes(), *self._delete_refusals()]
        if refusals:
            raise ValidationError(refusals)

    def _refuse_repeated_rows(self) -> None:
        """Django compares the rows only under unconditional unique constraints."""
        seen = set()
        for form in self.forms:
            if form in self.deleted_forms or not form.is_valid():
                continue
            if form.instance.pk is None and not form.has_changed():
                continue  # an empty new row
            for constraint, key in _unique_keys(form.instance):
                if key in seen:
                    names = [
                        str(self.model._meta.get_field(name).verbose_name)
                        for name in constraint.fields
                        if name != self.fk.name
                    ]
                    form.add_error(None, f"Another row here has the same {', '.join(names)}.")
                    break
                seen.add(key)

    def _stale_deletes(self):
        for form in self.deleted_forms:
            if not form.instance.pk:
                continue
            if not form.has_error(NON_FIELD_ERRORS, "stale_revision"):
                try:
                    revision = form.cleaned_data.get("base_revision")
                    services.check_revision(obj=form.instance, revision=revision)
                except services.StaleRevision as error:
                    form.report_stale(error, DELETE_KEPT)
                else:
                    continue
            yield f"\u201c{form.row_name}\u201d was not deleted: someone else saved it meanwhile."

    def _delete_refusals(self):
        for form in self.deleted_forms:
            if form.instance.pk and (refusal := services.delete_refusal(form.instance)):
                yield f"\u201c{form.row_name}\u201d: {refusal.messages[0]}"


DELETE_KEPT = (
    "It was not deleted. Their value is shown above each field they changed: save again to "
    "delete it anyway, or untick Delete to keep it."
)


def _unique_keys(instance):
    """The row's values under each conditional unique constraint that applies to it, each
    named by its constraint (a row without a value in one of its fields is never a repeat)."""
    meta = instance._meta
    values = instance._get_field_expression_map(meta=meta)  # what Constraint.validate uses
    for constraint in meta.constraints:
        if not isinstance(constraint, UniqueConstraint) or constraint.condition is None:
            continue
        key = tuple(getattr(instance, meta.get_field(name).attname) for name in constraint.fields)
        if constraint.fields and None not in key and constraint.condition.check(values):
            yield constraint, (constraint.name, *key)


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
