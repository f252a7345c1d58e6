"""The admin's own tasks: importing a version's text, tagging points, recording a party's
stance."""

from django import forms

from provisions import importing, services
from provisions.models import Party, Plan, Position, Source, Tag

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
