"""Output shapes of the API, and input shapes where a write differs.

Identifiers people type are slugs and labels (plans, themes, tags, parties; a provision as
plan slug + label); rows without a natural name (sources, citations, assessments,
correspondences) use their id. Every object carries its API `url` and, where it has a page,
its `html_url`.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from provisions import services
from provisions.models import (
    Assessment,
    Citation,
    Correspondence,
    Party,
    Plan,
    Position,
    Provision,
    Release,
    Source,
    Tag,
    Theme,
)
from provisions.positions import STATUS_RULE
from provisions.services import display_name


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request else path


class FullCleanMixin:
    """Run the model's own validation (check constraints, clean()) before saving, so the API
    refuses exactly what the admin refuses, as a 400 with field errors."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        plain = {k: v for k, v in attrs.items() if not model._meta.get_field(k).many_to_many}
        instance = self.instance or model()
        for key, value in plain.items():
            setattr(instance, key, value)
        # a copy of a stored row is left to the service, which answers 409 naming that row
        repeated = services.twin_of(instance) is not None
        try:
            instance.full_clean(
                exclude=self._clean_exclude(model), validate_constraints=not repeated
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                error.message_dict if hasattr(error, "error_dict") else error.messages
            ) from error
        return attrs

    def _clean_exclude(self, model):
        return [f.name for f in model._meta.get_fields() if f.many_to_many or f.one_to_many]


CURATED = ["revision", "modified_at"]


class PartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["slug", "name", "kind", *CURATED]
        read_only_fields = CURATED


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["slug", "name", "description", *CURATED]
        read_only_fields = CURATED


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name", "description", "colour", *CURATED]
        read_only_fields = CURATED


@extend_schema_field({"type": "string", "nullable": True})
class PersonField(serializers.Field):
    """A person as the public sees them: a display name, never a login name (null when no one
    is recorded, as for the curated dataset)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return getattr(instance, self.source)

    def to_representation(self, user):
        return display_name(user) or None


@extend_schema_field({"type": "string", "format": "iri", "maxLength": 500})
class IriField(serializers.URLField):
    """A web address; it may contain non-ASCII letters (an IRI), as some sources' do."""


class SourceSerializer(FullCleanMixin, serializers.ModelSerializer):
    url_api = serializers.HyperlinkedIdentityField(view_name="api:source-detail")
    url = IriField(max_length=500, validators=[UniqueValidator(queryset=Source.objects.all())])
    archived_url = IriField(max_length=500, required=False, allow_blank=True)

    class Meta:
        model = Source
        fields = [
            "id", "url_api", "code", "publisher", "title", "author", "url", "published_on",
            "date_precision", "language", "coverage", "reliability", "archived_url", "note",
            *CURATED,
        ]  # fmt: skip
        read_only_fields = CURATED


class ProvisionRefSerializer(serializers.Serializer):
    """A provision named the way people name it: its version and its label."""

    id = serializers.IntegerField(read_only=True)
    plan = serializers.CharField(source="plan.slug", read_only=True)
    label = serializers.CharField(read_only=True)
    display_label = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()

    def get_url(self, provision) -> str:
        path = reverse("api:plan-provision-detail", args=[provision.plan.slug, provision.label])
        return _absolute(self.context.get("request"), path)


class ReadingMixin(serializers.Serializer):
    """Marks our translation as ours in every response (and CSV row), not only in the schema."""

    reading_translated_by = serializers.SerializerMethodField(
        help_text='Who translated the reading: "tracker" (our translation, not the '
        "source's words), or null when there is no translation."
    )

    def get_reading_translated_by(self, citation) -> str | None:
        return "tracker" if citation.reading_translation else None


class CitationSerializer(ReadingMixin, FullCleanMixin, serializers.ModelSerializer):
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all())
    source_detail = SourceSerializer(source="source", read_only=True)
    plan = serializers.SlugRelatedField(
        slug_field="slug", queryset=Plan.objects.all(), required=False, allow_null=True
    )
    provision = serializers.PrimaryKeyRelatedField(
        queryset=Provision.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Citation
        fields = [
            "id", "source", "source_detail", "plan", "provision", "locator", "excerpt", "reading",
            "reading_language", "reading_translation", "reading_translated_by",
            "note", *CURATED,
        ]  # fmt: skip
        read_only_fields = CURATED
        # DRF would make plan and provision required from the conditional unique constraints;
        # a repeated citation is a 409 naming the first (services.twin_of)
        validators = []


class CitationInProvisionSerializer(ReadingMixin, serializers.ModelSerializer):
    source = SourceSerializer(read_only=True)

    class Meta:
        model = Citation
        fields = [
            "id", "source", "locator", "excerpt", "reading", "reading_language",
            "reading_translation", "reading_translated_by", "note",
        ]  # fmt: skip


class AssessmentSerializer(serializers.ModelSerializer):
    provision = serializers.PrimaryKeyRelatedField(queryset=Provision.objects.all())
    provision_ref = ProvisionRefSerializer(source="provision", read_only=True)
    tag = serializers.SlugRelatedField(slug_field="slug", queryset=Tag.objects.all())
    source = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), required=False, allow_null=True
    )
    author = PersonField()
    modified_by = PersonField()

    class Meta:
        model = Assessment
        fields = [
            "id", "provision", "provision_ref", "tag", "rationale", "source", "status", "author",
            "created_at", "modified_by", *CURATED,
        ]  # fmt: skip
        read_only_fields = ["created_at", *CURATED]
        validators = []  # the service reports a repeated tag as a field error


class AssessmentInProvisionSerializer(serializers.ModelSerializer):
    tag = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    source = SourceSerializer(read_only=True)

    author = PersonField()
    modified_by = PersonField()

    class Meta:
        model = Assessment
        fields = [
            "id", "tag", "rationale", "source", "status", "author", "created_at", "modified_by",
            "modified_at",
        ]  # fmt: skip


class CorrespondenceSerializer(serializers.ModelSerializer):
    earlier = serializers.PrimaryKeyRelatedField(queryset=Provision.objects.all())
    later = serializers.PrimaryKeyRelatedField(queryset=Provision.objects.all())
    earlier_ref = ProvisionRefSerializer(source="earlier", read_only=True)
    later_ref = ProvisionRefSerializer(source="later", read_only=True)
    author = PersonField()
    modified_by = PersonField()

    class Meta:
        model = Correspondence
        fields = [
            "id", "earlier", "earlier_ref", "later", "later_ref", "relation", "status", "note",
            "author", "modified_by", *CURATED,
        ]  # fmt: skip
        read_only_fields = CURATED
        validators = []  # the service answers an existing pair with a 409 that names it


class LinkSerializer(serializers.Serializer):
    """A link seen from one provision: the provision at the other end, and how they relate."""

    correspondence = serializers.IntegerField(source="pk")
    relation = serializers.CharField()
    status = serializers.CharField()
    note = serializers.CharField()


class PredecessorSerializer(LinkSerializer):
    provision = ProvisionRefSerializer(source="earlier")


class SuccessorSerializer(LinkSerializer):
    provision = ProvisionRefSerializer(source="later")


@extend_schema_field({"type": "string", "pattern": "^[a-z]{0,2}$", "maxLength": 2})
class SubField(serializers.RegexField):
    """The sub-point letter: "" or up to two lower-case letters."""

    def __init__(self, **kwargs):
        super().__init__(r"^[a-z]{0,2}$", max_length=2, allow_blank=True, **kwargs)


class ProvisionSerializer(serializers.ModelSerializer):
    """A provision as listed: enough to filter, read and cite it."""

    sub = SubField(required=False)

    plan = serializers.SlugRelatedField(slug_field="slug", queryset=Plan.objects.all())
    label = serializers.CharField(read_only=True)
    display_label = serializers.CharField(read_only=True)
    themes = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Theme.objects.all(), required=False
    )
    tags = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Provision
        fields = [
            "id", "plan", "label", "display_label", "number", "sub", "label_confirmed", "position",
            "text", "wording", "summary", "themes", "tags", "note", "revision", "modified_at",
            "url", "html_url",
        ]  # fmt: skip
        read_only_fields = CURATED
        validators = []  # the label's uniqueness is checked by full_clean in the service

    def get_tags(self, provision) -> list[str]:
        return sorted({a.tag.slug for a in provision.assessments.all()})

    def get_url(self, provision) -> str:
        path = reverse("api:plan-provision-detail", args=[provision.plan.slug, provision.label])
        return _absolute(self.context.get("request"), path)

    def get_html_url(self, provision) -> str:
        return _absolute(self.context.get("request"), provision.get_absolute_url())


class ProvisionDetailSerializer(ProvisionSerializer):
    """A provision with everything a researcher needs in one call."""

    citations = CitationInProvisionSerializer(many=True, read_only=True)
    assessments = AssessmentInProvisionSerializer(many=True, read_only=True)
    predecessors = PredecessorSerializer(source="predecessor_links", many=True, read_only=True)
    successors = SuccessorSerializer(source="successor_links", many=True, read_only=True)

    class Meta(ProvisionSerializer.Meta):
        fields = [
            *ProvisionSerializer.Meta.fields, "citations", "assessments", "predecessors",
            "successors",
        ]  # fmt: skip


class PlanSerializer(FullCleanMixin, serializers.ModelSerializer):
    based_on = serializers.SlugRelatedField(
        slug_field="slug", queryset=Plan.objects.all(), required=False, allow_null=True
    )
    parties = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Party.objects.all(), required=False
    )
    point_count = serializers.IntegerField(read_only=True)
    subpoint_count = serializers.IntegerField(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:plan-detail", lookup_field="slug")
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = [
            "slug", "title", "short_name", "presented_on", "status", "completeness", "numbered",
            "based_on", "parties", "summary", "note", "withdrawn", "withdrawn_reason",
            "point_count", "subpoint_count", *CURATED, "url", "html_url",
        ]  # fmt: skip
        read_only_fields = CURATED

    def get_html_url(self, plan) -> str:
        return _absolute(self.context.get("request"), plan.get_absolute_url())


class PlanDetailSerializer(PlanSerializer):
    provisions = ProvisionRefSerializer(many=True, read_only=True)
    citations = CitationInProvisionSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "provisions", "citations"]


# --- The comparison ------------------------------------------------------------------------


class CompareParamsSerializer(serializers.Serializer):
    """Slugs are looked up by the view: an unknown version is a 404, an unknown theme or tag a
    400, each naming the parameter."""

    left = serializers.CharField(
        help_text="Slug of the earlier version, e.g. us-russia-28-2025-11."
    )
    right = serializers.CharField(
        help_text="Slug of the later version, e.g. us-ukraine-20-2025-12."
    )
    theme = serializers.CharField(
        required=False, help_text="Theme slug: only rows with a provision of this theme."
    )
    tag = serializers.CharField(
        required=False, help_text="Tag slug: only rows with a provision carrying this tag."
    )
    relation = serializers.ChoiceField(
        choices=["unchanged", "reworded", "modified", "merged", "split", "removed", "new"],
        required=False,
        help_text="Only rows of this relation.",
    )
    changes_only = serializers.BooleanField(
        required=False, default=False, help_text="Leave out rows where nothing changed."
    )
    flag = serializers.ChoiceField(
        choices=["number", "modal", "negation"],
        required=False,
        help_text="Only rows whose words change a quantity, a modal word or a negation.",
    )


class PointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.CharField()
    label = serializers.CharField()
    display_label = serializers.CharField()
    text = serializers.CharField()
    themes = serializers.ListField(child=serializers.CharField())


class RunSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["equal", "insert", "delete", "replace"])
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)
    flags = serializers.ListField(child=serializers.CharField())

    def to_representation(self, run):
        return {"op": run.op, "old": run.old, "new": run.new, "flags": sorted(run.flags)}


class RowSerializer(serializers.Serializer):
    key = serializers.CharField()
    relation = serializers.CharField()
    status = serializers.CharField()
    path = serializers.ListField(child=serializers.CharField())
    flags = serializers.ListField(child=serializers.CharField())
    left = PointSerializer(many=True)
    right = PointSerializer(many=True)
    runs = RunSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    sources_disagree = serializers.ListField(
        child=serializers.DictField(),
        help_text="The row's points whose sources disagree in substance, with how "
        "(see the point's collation).",
    )

    def to_representation(self, row):
        notes = self.context.get("notes", {})
        variants = self.context.get("variants", {})
        return {
            "key": row.key,
            "relation": row.relation,
            "status": row.status,
            "path": list(row.path),
            "flags": sorted(row.flags),
            "left": [_point(p) for p in row.left],
            "right": [_point(p) for p in row.right],
            "runs": [RunSerializer().to_representation(run) for run in row.runs],
            "notes": notes.get(row.key, []),
            "sources_disagree": [
                {
                    "plan": p.plan,
                    "label": p.label,
                    "kinds": sorted(variants[p.id].kinds),
                    "items": [{"kind": k, "summary": v} for k, v in variants[p.id].items],
                }
                for p in (*row.left, *row.right)
                if p.id in variants
            ],
        }


def _point(point) -> dict:
    return {
        "id": point.id,
        "plan": point.plan,
        "label": point.label,
        "display_label": point.display_label,
        "text": point.text,
        "themes": list(point.themes),
    }


class ComparisonSerializer(serializers.Serializer):
    left = serializers.CharField()
    right = serializers.CharField()
    summary = serializers.DictField()
    rows = RowSerializer(many=True)


class PositionSerializer(serializers.ModelSerializer):
    """Where a party stands on a point (or, without `provision`, on the version as a whole)."""

    plan = serializers.SlugRelatedField(
        slug_field="slug", queryset=Plan.objects.all(), required=False,
        help_text="Version slug; may be left out when `provision` is given.",
    )  # fmt: skip
    provision = serializers.PrimaryKeyRelatedField(
        queryset=Provision.objects.all(), required=False, allow_null=True,
        help_text="Provision id; null: the stance is on the version as a whole.",
    )  # fmt: skip
    provision_ref = ProvisionRefSerializer(source="provision", read_only=True, allow_null=True)
    party = serializers.SlugRelatedField(slug_field="slug", queryset=Party.objects.all())
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all())
    source_detail = SourceSerializer(source="source", read_only=True)

    class Meta:
        model = Position
        fields = [
            "id", "plan", "provision", "provision_ref", "party", "stance", "stated_on",
            "date_precision", "source", "source_detail", "excerpt", "note", *CURATED,
        ]  # fmt: skip
        read_only_fields = CURATED
        validators = []  # a repeated position is a 409 naming the first (services.record_save)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        provision = attrs.get("provision", getattr(self.instance, "provision", None))
        if provision is not None and "plan" not in attrs and self.instance is None:
            attrs["plan"] = provision.plan
        if self.instance is None and "plan" not in attrs:
            raise serializers.ValidationError({"plan": ["Give the version, or the provision."]})
        instance = self.instance or Position()
        for key, value in attrs.items():
            setattr(instance, key, value)
        try:  # the model's own rules; a duplicate is left to the service (409, not 400)
            instance.full_clean(exclude=["revision"], validate_constraints=False)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return attrs


class BoardCellSerializer(serializers.Serializer):
    party = serializers.CharField(source="party.slug")
    stance = serializers.CharField(allow_null=True)
    on_whole_version = serializers.BooleanField(source="whole_version")
    changed = serializers.BooleanField()
    position = PositionSerializer(allow_null=True)


class BoardRowSerializer(serializers.Serializer):
    provision = ProvisionRefSerializer(allow_null=True)
    status = serializers.CharField(allow_null=True)
    cells = BoardCellSerializer(many=True)


class BoardSerializer(serializers.Serializer):
    plan = serializers.CharField(source="plan.slug")
    as_of = serializers.DateField()
    since = serializers.DateField(allow_null=True)
    principals = serializers.SerializerMethodField(
        help_text="Slugs of the parties whose acceptance makes a point agreed."
    )
    others = serializers.SerializerMethodField(
        help_text="Slugs of other parties with stances on this version (not counted)."
    )
    status_rule = serializers.SerializerMethodField()
    whole_version = BoardRowSerializer(source="whole")
    rows = BoardRowSerializer(many=True)

    def get_principals(self, board) -> list[str]:
        return [party.slug for party in board.principals]

    def get_others(self, board) -> list[str]:
        return [party.slug for party in board.others]

    def get_status_rule(self, board) -> str:
        return STATUS_RULE


class ReleaseSerializer(serializers.ModelSerializer):
    """A numbered release: what it holds, where its files are, how to cite it."""

    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    downloads = serializers.SerializerMethodField()
    cite_url = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = [
            "number", "url", "html_url", "published_at", "notes", "coverage_until", "counts",
            "digest", "downloads", "cite_url",
        ]  # fmt: skip

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, release) -> str:
        return self._absolute(reverse("api:release-detail", args=[release.number]))

    def get_html_url(self, release) -> str:
        return self._absolute(release.get_absolute_url())

    def get_cite_url(self, release) -> str:
        return self._absolute(reverse("api:release-cite", args=[release.number]))

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"package": {"type": "string"}, "json": {"type": "string"}},
        }
    )
    def get_downloads(self, release) -> dict:
        def link(name):
            return self._absolute(
                reverse("provisions:release-download", args=[release.number, name])
            )

        return {"package": link("package.zip"), "json": link("export.json")}


class ReleaseDetailSerializer(ReleaseSerializer):
    changes = serializers.SerializerMethodField()

    class Meta(ReleaseSerializer.Meta):
        fields = [*ReleaseSerializer.Meta.fields, "changes"]

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "object"}})
    def get_changes(self, release) -> dict:
        from provisions.releases import changes_since_previous

        return {entry.name: entry.as_dict() for entry in changes_since_previous(release)}


AS_OF_FIELDS = (
    "number",
    "sub",
    "position",
    "label_confirmed",
    "text",
    "wording",
    "summary",
    "note",
)


def provision_as_of_data(record, provision, request, moment) -> dict:
    """A provision's history record as the API shows it for ?as_of=."""
    data = {
        "plan": provision.plan.slug,
        "label": f"{record.number}{record.sub}",
        "as_of": moment,
        "recorded_at": record.history_date,
        "revision": record.revision,
        "change_reason": record.history_change_reason or "",
        **{name: getattr(record, name) for name in AS_OF_FIELDS},
        "current": request.build_absolute_uri(reverse("api:provision-detail", args=[provision.pk])),
    }
    data["wording_display"] = dict(Provision.Wording.choices).get(record.wording, record.wording)
    return data
