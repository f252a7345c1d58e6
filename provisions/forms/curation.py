"""Curation: every admin form is guarded by the revision it was opened at."""

import re

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db.models import Case, UniqueConstraint, When
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.forms.models import model_to_dict

from provisions import services


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
        self._refuse_stored_twins()
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

    def _refuse_stored_twins(self) -> None:
        """A new or changed row that a stored row holds already (a colleague's, added since the
        page was opened; or another row of this page, before that row changes) is refused on
        the row, as the API refuses it (services.twin_of): never a failed write after."""
        changing = {
            form.instance.pk
            for form in self.forms
            if form.instance.pk and (form in self.deleted_forms or form.has_changed())
        }
        for form in self.forms:
            if form in self.deleted_forms or not form.has_changed() or not form.is_valid():
                continue
            if (twin := services.twin_of(form.instance)) is None:
                continue
            if twin.pk in changing:  # values swapped between two rows of this page
                form.add_error(None, SWAPPED.format(twin=twin))
            else:
                form.add_error(None, services.Duplicate(existing=twin))

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


SWAPPED = (
    "\u201c{twin}\u201d, another row here, holds this until the page is saved: save one of the "
    "two changes, then the other."
)
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
