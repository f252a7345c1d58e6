"""The data model: plan versions, their numbered provisions, and the evidence behind them.

Models hold fields, constraints, natural keys and small derived values only. Rules that span
rows or models (importing, linking, the stale-revision guard) live in `services.py`.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

# ASCII digits, and nothing after (`$` would let "10\n" through): one spelling per label
LABEL_RE = re.compile(r"(?P<number>0|[1-9][0-9]{0,3})(?P<sub>[a-z]{0,2})", re.ASCII)
MAX_NUMBER = 9999  # the most LABEL_RE reads: a larger number would make a point without a page
# reading order within one version: far more than any version has points, and within every
# database's integer (SQLite would store any size, PostgreSQL refuses beyond 2**31 - 1)
MAX_POSITION = 999_999
SUB_VALIDATOR = RegexValidator(r"^[a-z]{0,2}$", "Use up to two lower-case letters, e.g. 'a'.")
COLOUR_VALIDATOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour such as #b23b3b.")


def split_label(label: str) -> tuple[int, str]:
    """'10c' -> (10, 'c'). Raises ValueError for anything that is not a label."""
    match = LABEL_RE.fullmatch(label)
    if not match:
        raise ValueError(f"{label!r} is not a provision label such as '10' or '10c'.")
    return int(match["number"]), match["sub"]


def display_label(label: str, *, numbered: bool, confirmed: bool) -> str:
    if not numbered:
        return f"K{label}"
    return label if confirmed else f"{label}?"


class ModifiedAtField(models.DateTimeField):
    """auto_now that also has a default: a row written raw (loaddata, a fixture) has no
    modification time in its file, and gets the time it was loaded. simple-history turns
    auto_now off on its copy, so a history record keeps the row's own time."""

    def __init__(self, *args, **kwargs):
        kwargs.pop("auto_now", None)
        kwargs.setdefault("default", timezone.now)
        super().__init__(*args, **kwargs)
        self.auto_now = True
        self.editable, self.blank = False, True

    def _check_mutually_exclusive_options(self):
        return []  # auto_now and a default together are the point of this field

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("auto_now", None)
        kwargs.pop("default", None)
        return name, path, args, kwargs


class Curated(models.Model):
    """A row people edit: every save moves `revision` on, so a save or delete made from a stale
    copy can be refused (services.claim_revision), and `modified_at` says when it last changed."""

    revision = models.PositiveIntegerField(
        default=1, editable=False, help_text="Goes up on every save; stale saves are refused."
    )
    modified_at = ModifiedAtField(db_index=True, help_text="When this row was last saved.")

    class Meta:
        abstract = True


class Authored(Curated):
    """Someone's own work (an analyst's assessment or link): they may change and delete it,
    editors may change anyone's (services.may_change)."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="%(class)ss",
        editable=False,
        help_text="Who made it (empty for the curated dataset).",
    )
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="Who changed it last.",
    )

    class Meta:
        abstract = True


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Party(Curated):
    class Kind(models.TextChoices):
        STATE = "state", "State"
        BLOC = "bloc", "Bloc or group of states"
        ORGANISATION = "organisation", "International organisation"
        CIVIL_SOCIETY = "civil_society", "Civil society"

    slug = models.SlugField(unique=True, help_text="The party's identifier in URLs and files.")
    name = models.CharField(max_length=200, help_text="The party's name, e.g. Ukraine.")
    kind = models.CharField(max_length=20, choices=Kind, help_text="What kind of party it is.")

    history = HistoricalRecords()
    objects = SlugManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "parties"

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Theme(Curated):
    slug = models.SlugField(unique=True, help_text="The theme's identifier in URLs and files.")
    name = models.CharField(max_length=100, help_text="The theme's name, e.g. Armed forces.")
    description = models.TextField(blank=True, help_text="What points with this theme are about.")

    history = HistoricalRecords()
    objects = SlugManager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Tag(Curated):
    slug = models.SlugField(unique=True, help_text="The tag's identifier in URLs and files.")
    name = models.CharField(max_length=100, help_text="The tag's name, e.g. Contested.")
    description = models.TextField(blank=True, help_text="When analysts apply this tag.")
    colour = models.CharField(
        max_length=7,
        default="#6b6b6b",
        validators=[COLOUR_VALIDATOR],
        help_text="The colour the tag is shown in (hex, e.g. #b23b3b).",
    )

    history = HistoricalRecords()
    objects = SlugManager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Plan(Curated):
    """One version of a peace plan, e.g. the US–Russia 28-point plan of November 2025."""

    class Status(models.TextChoices):
        LEAKED_DRAFT = "leaked_draft", "Leaked draft"
        PROPOSAL = "proposal", "Proposal"
        COUNTER_PROPOSAL = "counter_proposal", "Counter-proposal"
        FRAMEWORK = "framework", "Framework"
        DECLARATION = "declaration", "Declaration"
        AGREED_TEXT = "agreed_text", "Agreed text"

    class Completeness(models.TextChoices):
        FULL_TEXT = "full_text", "Full text"
        PARTIAL = "partial", "Partial text"
        REPORTED_ONLY = "reported_only", "Reported only"

    slug = models.SlugField(unique=True, max_length=80, help_text="e.g. us-russia-28-2025-11")
    title = models.CharField(max_length=300, help_text="The version's full descriptive title.")
    short_name = models.CharField(max_length=80, help_text="e.g. 28-point plan")
    presented_on = models.DateField(help_text="When the text was first presented or published.")
    status = models.CharField(
        max_length=20, choices=Status, help_text="What kind of document the version is."
    )
    completeness = models.CharField(
        max_length=20,
        choices=Completeness,
        help_text="How much of its text is known: the full text, part of it, or press reports.",
    )
    numbered = models.BooleanField(
        default=True,
        help_text="Does the document number its points itself? If not, our numbers are ours.",
    )
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derived_plans",
        help_text="The version this one revises or answers.",
    )
    parties = models.ManyToManyField(
        Party, blank=True, related_name="plans", help_text="Who drafted, proposed or signed it."
    )
    principal_parties = models.ManyToManyField(
        Party,
        blank=True,
        related_name="principal_in",
        help_text="Whose acceptance makes a point of this version agreed (the negotiation "
        "board's first columns).",
    )
    summary = models.TextField(blank=True, help_text="What the version is, in our words.")
    note = models.TextField(blank=True, help_text="Provenance, disputes, what is unconfirmed.")
    withdrawn = models.BooleanField(
        default=False,
        help_text="Withdrawn from the record (instead of deleted): its pages still answer, "
        "marked withdrawn, but it leaves the pickers and the default lists.",
    )
    withdrawn_reason = models.TextField(blank=True, help_text="Why it was withdrawn.")

    history = HistoricalRecords(m2m_fields=[parties, principal_parties])
    objects = SlugManager()

    class Meta:
        ordering = ["presented_on", "slug"]
        # the versions' order everywhere (lists, pickers, the scorecard): read in index order,
        # a page of versions, or of their provisions (a nested loop from it), reads its rows only
        indexes = [models.Index(fields=["presented_on", "slug"], name="plan_date_order")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(based_on=models.F("pk")),
                name="plan_not_based_on_itself",
                violation_error_message="A version cannot be based on itself.",
            ),
        ]

    def __str__(self):
        return self.short_name or self.title

    def get_absolute_url(self):
        return reverse("provisions:plan-detail", args=[self.slug])

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if self.based_on_id and self.based_on_id == self.pk:
            raise ValidationError({"based_on": "A version cannot be based on itself."})
        if self.withdrawn and not self.withdrawn_reason.strip():
            raise ValidationError({"withdrawn_reason": "Say why the version is withdrawn."})


class ProvisionManager(models.Manager):
    def get_by_natural_key(self, plan_slug, label):
        try:
            number, sub = split_label(label)
        except ValueError as error:
            raise self.model.DoesNotExist(str(error)) from error
        return self.get(plan__slug=plan_slug, number=number, sub=sub)


class Provision(Curated):
    """One numbered point of a plan version ("10" or "10c")."""

    TEXT_LANGUAGE = "en"  # our restatements are in English

    class Wording(models.TextChoices):
        VERBATIM = "verbatim", "Verbatim (cited quotation)"
        PARAPHRASE = "paraphrase", "Paraphrase (our restatement)"
        REPORTED = "reported", "Reported (known only from press accounts)"

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="provisions", help_text="The version."
    )
    number = models.PositiveSmallIntegerField(
        validators=[
            MaxValueValidator(MAX_NUMBER, f"A point's number runs from 0 to {MAX_NUMBER}.")
        ],
        help_text=f"The point's number, e.g. 10 in 10c (0 to {MAX_NUMBER}).",
    )
    sub = models.CharField(
        max_length=2,
        blank=True,
        default="",
        validators=[SUB_VALIDATOR],
        help_text="The sub-point's letter(s), e.g. c in 10c; empty for a whole point.",
    )
    position = models.PositiveIntegerField(
        validators=[
            MaxValueValidator(MAX_POSITION, f"A position runs from 0 to {MAX_POSITION:,}.")
        ],
        help_text=f"Reading order within the plan (0 to {MAX_POSITION:,}).",
    )
    label_confirmed = models.BooleanField(
        default=True,
        help_text="Untick when the number or letter is ours or unconfirmed, not the document's.",
    )
    text = models.TextField(
        help_text="The point's text: our English restatement unless `wording` says verbatim."
    )
    wording = models.CharField(
        max_length=12,
        choices=Wording,
        default=Wording.PARAPHRASE,
        help_text="Whose words the text is: a cited quotation, our restatement, or a report.",
    )
    summary = models.CharField(max_length=200, blank=True, help_text="One line, in our words.")
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="provisions", help_text="What the point is about."
    )
    note = models.TextField(blank=True, help_text="Variants, doubts, what is unconfirmed.")
    history = HistoricalRecords(m2m_fields=[themes])
    objects = ProvisionManager()

    class Meta:
        ordering = ["plan", "position", "number", "sub"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number", "sub"], name="provision_unique_label"
            ),
            models.CheckConstraint(
                condition=Q(revision__gte=1),
                name="provision_revision_positive",
                violation_error_message="A revision counts from 1.",
            ),
            models.CheckConstraint(
                condition=Q(number__lte=MAX_NUMBER, position__lte=MAX_POSITION),
                name="provision_label_and_position_in_range",
                violation_error_message=f"A point's number runs from 0 to {MAX_NUMBER} and its "
                f"position from 0 to {MAX_POSITION:,}.",
            ),
        ]

    def __str__(self):
        return f"{self.plan} {self.label}"

    def get_absolute_url(self):
        return reverse("provisions:provision-detail", args=[self.plan.slug, self.label])

    @property
    def label(self) -> str:
        return f"{self.number}{self.sub}"

    @property
    def display_label(self) -> str:
        """The label as readers see it: 'K3' where the document has no numbering of its own,
        '13?' where the number or letter is ours or unconfirmed."""
        return display_label(
            self.label, numbered=self.plan.numbered, confirmed=self.label_confirmed
        )

    def natural_key(self):
        return (self.plan.slug, self.label)

    natural_key.dependencies = ["provisions.plan"]


class SourceManager(models.Manager):
    def get_by_natural_key(self, url):
        return self.get(url=url)


class Source(Curated):
    """One publication that evidence rests on."""

    class Coverage(models.TextChoices):
        FULL_TEXT = "full_text", "Full text"
        PARTIAL = "partial", "Partial text"
        SUMMARY = "summary", "Summary"
        ANALYSIS = "analysis", "Analysis"

    class Reliability(models.TextChoices):
        PRIMARY = "primary", "Primary (official text)"
        WIRE = "wire", "Wire copy (Reuters, AFP, …)"
        PRESS = "press", "Press"
        ANALYSIS = "analysis", "Analysis or advocacy"
        REPUBLISHER = "republisher", "Republisher of others' copy"
        STATE_ALIGNED = "state_aligned", "State-aligned outlet"
        SEED = "seed", "Seed document"

    class DatePrecision(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"
        YEAR = "year", "Year"

    code = models.CharField(
        max_length=12,
        blank=True,
        help_text="Short reference used in notes, e.g. A02 (the research dossier's source ID).",
    )
    publisher = models.CharField(max_length=200, help_text="Who published it, e.g. Reuters.")
    title = models.CharField(max_length=400, help_text="The publication's title.")
    author = models.CharField(max_length=200, blank=True, help_text="Its byline, if any.")
    url = models.URLField(unique=True, max_length=500, help_text="Where it was published.")
    published_on = models.DateField(
        help_text="When it was published (to the precision `date_precision` gives)."
    )
    date_precision = models.CharField(
        max_length=5,
        choices=DatePrecision,
        default=DatePrecision.DAY,
        help_text="How exact the date is: a month or year counts from its first day.",
    )
    language = models.CharField(max_length=8, help_text="ISO 639-1 code, e.g. en, uk, ru.")
    coverage = models.CharField(
        max_length=12, choices=Coverage, help_text="How much of a plan's text it gives."
    )
    reliability = models.CharField(
        max_length=15, choices=Reliability, help_text="What kind of source it is."
    )
    archived_url = models.URLField(
        blank=True, max_length=500, help_text="An archived copy of the page, if one is kept."
    )
    note = models.TextField(blank=True, help_text="What is unconfirmed about this source.")

    history = HistoricalRecords()
    objects = SourceManager()

    class Meta:
        ordering = ["published_on", "publisher"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="source_unique_code",
                violation_error_message="Another source has this code.",
            ),
        ]

    def __str__(self):
        return f"{self.publisher}: {self.title}"

    @property
    def has_public_url(self) -> bool:
        """False for placeholder addresses (RFC 2606 '.invalid') given to sources with no URL,
        and for addresses that cannot be parsed (loaded data is not validated)."""
        try:
            host = urlsplit(self.url).hostname or ""
        except ValueError:
            return False
        return bool(host) and not host.endswith(".invalid")

    def natural_key(self):
        return (self.url,)


class CitationManager(models.Manager):
    def get_by_natural_key(self, url, plan_slug, label):
        if label:
            number, sub = split_label(label)
            return self.get(
                source__url=url,
                provision__plan__slug=plan_slug,
                provision__number=number,
                provision__sub=sub,
            )
        return self.get(source__url=url, plan__slug=plan_slug)


CITES_ONE_THING = "A citation supports either a whole version or one point."


class Citation(Curated):
    """Evidence: a source for a whole plan or for one provision, with its reading of it."""

    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="citations", help_text="The source."
    )
    plan = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="citations",
        help_text="The version it is evidence for as a whole (or empty: see provision).",
    )
    provision = models.ForeignKey(
        Provision,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="citations",
        help_text="The point it is evidence for (or empty: see plan).",
    )
    locator = models.CharField(max_length=200, blank=True, help_text="e.g. 'point 9', 'p. 4'.")
    excerpt = models.CharField(max_length=500, blank=True, help_text="A short quotation.")
    reading = models.TextField(
        blank=True,
        help_text="The source's own words for this point: a short quotation in the source's "
        "language. Never a description of what it says (that is a note).",
    )
    reading_language = models.CharField(
        max_length=8,
        blank=True,
        validators=[RegexValidator(r"^[a-z]{2,3}$", "An ISO 639 code in lower case, e.g. uk.")],
        help_text="ISO 639-1 code of the reading's language, e.g. uk; required with a reading.",
    )
    reading_translation = models.TextField(
        blank=True,
        help_text="Our translation of a reading in another language into English: the "
        "tracker team's words, not the source's.",
    )
    note = models.TextField(
        blank=True, help_text="Ours: what this source says or how it differs, in our words."
    )

    history = HistoricalRecords()
    objects = CitationManager()

    class Meta:
        ordering = ["source__published_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(plan__isnull=False, provision__isnull=True)
                    | Q(plan__isnull=True, provision__isnull=False)
                ),
                name="citation_cites_plan_xor_provision",
                violation_error_message=CITES_ONE_THING,
            ),
            models.UniqueConstraint(
                fields=["source", "provision"],
                condition=Q(provision__isnull=False),
                name="citation_unique_source_provision",
                violation_error_message="This source is cited for this point already.",
            ),
            models.UniqueConstraint(
                fields=["source", "plan"],
                condition=Q(plan__isnull=False),
                name="citation_unique_source_plan",
                violation_error_message="This source is cited for this version already.",
            ),
        ]

    def __str__(self):
        return f"{self.source.publisher} on {self.provision or self.plan}"

    @classmethod
    def from_db(cls, db, field_names, values):
        citation = super().from_db(db, field_names, values)
        # the point it was read for: moved to another point (or to the whole plan), it leaves
        # that one a reading fewer, to be collated again too (witnesses.on_readings_change)
        citation.loaded_provision_id = citation.__dict__.get("provision_id")
        return citation

    def natural_key(self):
        if self.provision_id:
            return (self.source.url, self.provision.plan.slug, self.provision.label)
        return (self.source.url, self.plan.slug, "")

    natural_key.dependencies = ["provisions.source", "provisions.plan", "provisions.provision"]

    def clean(self):
        super().clean()
        errors = {}
        if bool(self.plan_id) == bool(self.provision_id):
            # on a field, so that the constraints on plan and provision do not say it again
            errors["provision"] = (
                f"{CITES_ONE_THING[:-1]}, not both."
                if self.plan_id
                else "Give the version or the point the source supports."
            )
        if self.reading and not self.reading_language:
            errors["reading_language"] = "Say which language the reading is in."
        if self.reading_translation and not self.reading:
            errors["reading_translation"] = "A translation needs the reading it translates."
        elif self.reading_translation and self.reading_language == Provision.TEXT_LANGUAGE:
            errors["reading_translation"] = "The reading is already in English."
        if errors:
            raise ValidationError(errors)

    @property
    def reading_diffable(self) -> bool:
        """Only a reading in our restatements' language is word-diffed against them: a diff
        across languages would mark every word as changed and mean nothing."""
        return bool(self.reading) and self.reading_language == Provision.TEXT_LANGUAGE


class AssessmentManager(models.Manager):
    def get_by_natural_key(self, plan_slug, label, tag_slug):
        provision = Provision.objects.get_by_natural_key(plan_slug, label)
        return self.get(provision=provision, tag__slug=tag_slug)


class Assessment(Authored):
    """An analyst's tag on a provision, with the reasoning and the evidence behind it."""

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        CONFIRMED = "confirmed", "Confirmed"

    provision = models.ForeignKey(
        Provision, on_delete=models.CASCADE, related_name="assessments", help_text="The point."
    )
    tag = models.ForeignKey(
        Tag, on_delete=models.PROTECT, related_name="assessments", help_text="The tag applied."
    )
    rationale = models.TextField(help_text="Why the tag applies, in the analyst's words.")
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
        help_text="The evidence the assessment rests on, if one source carries it.",
    )
    status = models.CharField(
        max_length=10,
        choices=Status,
        default=Status.CONFIRMED,
        help_text="Suggested (by a rule or a person, not yet reviewed) or confirmed.",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was made.")

    history = HistoricalRecords()
    objects = AssessmentManager()

    class Meta:
        ordering = ["provision", "tag"]
        permissions = [("moderate_assessment", "Can change or delete anyone's assessment")]
        constraints = [
            models.UniqueConstraint(fields=["provision", "tag"], name="assessment_unique_tag"),
        ]

    def __str__(self):
        return f"{self.provision}: {self.tag}"

    def natural_key(self):
        return (*self.provision.natural_key(), self.tag.slug)

    natural_key.dependencies = ["provisions.provision", "provisions.tag"]


class CorrespondenceManager(models.Manager):
    def get_by_natural_key(self, earlier_plan, earlier_label, later_plan, later_label):
        return self.get(
            earlier=Provision.objects.get_by_natural_key(earlier_plan, earlier_label),
            later=Provision.objects.get_by_natural_key(later_plan, later_label),
        )


class Correspondence(Authored):
    """A link from a provision to its counterpart in a later version.

    "Removed" and "new" are not stored: they are provisions with no link onward or back.
    """

    class Relation(models.TextChoices):
        UNCHANGED = "unchanged", "Unchanged"
        REWORDED = "reworded", "Reworded"
        MODIFIED = "modified", "Modified"
        MERGED = "merged", "Merged"
        SPLIT = "split", "Split"

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        CONFIRMED = "confirmed", "Confirmed"

    earlier = models.ForeignKey(
        Provision,
        on_delete=models.CASCADE,
        related_name="successor_links",
        help_text="The point in the earlier version.",
    )
    later = models.ForeignKey(
        Provision,
        on_delete=models.CASCADE,
        related_name="predecessor_links",
        help_text="Its counterpart in the later version.",
    )
    relation = models.CharField(
        max_length=10, choices=Relation, help_text="How the later point relates to the earlier."
    )
    status = models.CharField(
        max_length=10,
        choices=Status,
        default=Status.SUGGESTED,
        help_text="Suggested (by text similarity, not yet reviewed) or confirmed by a person.",
    )
    note = models.TextField(blank=True, help_text="What changed in substance.")

    history = HistoricalRecords()
    objects = CorrespondenceManager()

    class Meta:
        ordering = ["earlier", "later"]
        permissions = [("moderate_correspondence", "Can change or delete anyone's link")]
        constraints = [
            models.UniqueConstraint(fields=["earlier", "later"], name="correspondence_unique_pair"),
            models.CheckConstraint(
                condition=~Q(earlier=models.F("later")),
                name="correspondence_not_to_itself",
                violation_error_message="A point cannot be linked to itself.",
            ),
        ]

    def __str__(self):
        return f"{self.earlier} → {self.later} ({self.get_relation_display()})"

    def save(self, *args, **kwargs):
        # confirmed however it happens (review action, admin form, API): the machine's note
        # must not go on saying "not yet reviewed" in public
        unreviewed = "; not yet reviewed."
        machine = self.note.startswith("Suggested by text similarity")
        if self.status == self.Status.CONFIRMED and machine and self.note.endswith(unreviewed):
            self.note = self.note.removesuffix(unreviewed) + "; confirmed on review."
        super().save(*args, **kwargs)

    def natural_key(self):
        return (*self.earlier.natural_key(), *self.later.natural_key())

    natural_key.dependencies = ["provisions.provision"]

    def clean(self):
        if self.earlier_id == self.later_id:
            return  # correspondence_not_to_itself says so
        if self.earlier_id and self.later_id and self.earlier.plan_id == self.later.plan_id:
            raise ValidationError(
                "A correspondence must join provisions of two different versions."
            )


class PositionManager(models.Manager):
    def get_by_natural_key(self, plan_slug, label, party_slug, stated_on, source_url):
        found = self.filter(
            plan__slug=plan_slug,
            party__slug=party_slug,
            stated_on=stated_on,
            source__url=source_url,
        )
        if label:
            number, sub = split_label(label)
            return found.get(provision__number=number, provision__sub=sub)
        return found.get(provision__isnull=True)


class Position(Curated):
    """Where a party stands on a point (or on a version as a whole), as of a date, on the
    evidence of a source. A point's status is derived from these (provisions.positions),
    never stored."""

    class Stance(models.TextChoices):
        PROPOSES = "proposes", "Proposes"
        ACCEPTS = "accepts", "Accepts"
        ACCEPTS_IN_PRINCIPLE = "accepts_in_principle", "Accepts in principle"
        WORDING_OPEN = "wording_open", "Agrees, wording open"
        UNDER_DISCUSSION = "under_discussion", "Under discussion"
        REJECTS = "rejects", "Rejects"
        COUNTER_PROPOSES = "counter_proposes", "Counter-proposes"

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="positions", help_text="The version."
    )
    provision = models.ForeignKey(
        Provision,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="positions",
        help_text="The point; empty when the source speaks of the version as a whole.",
    )
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="positions", help_text="Whose stance."
    )
    stance = models.CharField(max_length=24, choices=Stance, help_text="Where the party stands.")
    stated_on = models.DateField(help_text="When the party said so (not when it was reported).")
    date_precision = models.CharField(
        max_length=5,
        choices=Source.DatePrecision,
        default=Source.DatePrecision.DAY,
        help_text="How exact `stated_on` is: a month or year counts from its first day.",
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="positions",
        help_text="Where the stance is stated: required.",
    )
    excerpt = models.CharField(
        max_length=600, blank=True, help_text="The source's own words that state the stance."
    )
    note = models.TextField(
        blank=True, help_text="Our words: the setting; our translation of a foreign excerpt."
    )

    history = HistoricalRecords()
    objects = PositionManager()

    class Meta:
        ordering = ["plan", "provision", "party", "stated_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provision", "party", "stated_on", "source"],
                condition=Q(provision__isnull=False),
                name="position_unique_on_point",
                violation_error_message="This party's stance from this source on this date is "
                "recorded already.",
            ),
            models.UniqueConstraint(
                fields=["plan", "party", "stated_on", "source"],
                condition=Q(provision__isnull=True),
                name="position_unique_on_version",
                violation_error_message="This party's stance from this source on this date is "
                "recorded already.",
            ),
        ]
        indexes = [models.Index(fields=["plan", "stated_on"], name="position_plan_date")]

    def __str__(self):
        on = self.provision if self.provision_id else f"{self.plan} (as a whole)"
        return f"{self.party}: {self.get_stance_display().lower()} ({on}, {self.stated_on})"

    def natural_key(self):
        label = self.provision.label if self.provision_id else ""
        return (self.plan.slug, label, self.party.slug, self.stated_on.isoformat(), self.source.url)

    natural_key.dependencies = [
        "provisions.plan", "provisions.provision", "provisions.party", "provisions.source",
    ]  # fmt: skip

    def clean(self):
        if self.provision_id and not self.plan_id:
            self.plan_id = self.provision.plan_id
        if self.provision_id and self.plan_id and self.provision.plan_id != self.plan_id:
            raise ValidationError({"provision": "This point belongs to another version."})
        if self.stated_on and self.stated_on > timezone.localdate():
            raise ValidationError({"stated_on": "A stance cannot be stated in the future."})


COVERAGE_HEADER = "Dataset-Coverage"


class CoverageManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(name=name)

    def current(self):
        """The dataset's coverage statement, or None before the dataset is loaded."""
        return self.filter(name=Coverage.NAME).first()

    def state_in(self, response):
        """Say how current the data is in a download's headers (a CSV has no room for it)."""
        coverage = self.current()
        if coverage is not None:
            response[COVERAGE_HEADER] = coverage.statement()
        return response


class Coverage(Curated):
    """How current the record is: one row, stated wherever data is shown in bulk (the home and
    version pages, the API root, every export). Editors change it in the admin."""

    NAME = "dataset"

    name = models.SlugField(
        unique=True, default=NAME, editable=False, help_text="Always 'dataset': one row."
    )
    material_until = models.DateField(
        help_text="The last publication date of the material the record covers."
    )
    reviewed_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the record was last reviewed against its sources as a whole "
        "(empty: not recorded).",
    )
    note = models.TextField(blank=True, help_text="What is known to be missing, and why.")

    history = HistoricalRecords()
    objects = CoverageManager()

    class Meta:
        verbose_name_plural = "coverage"
        ordering = ["name"]

    def __str__(self):
        return f"Material up to {self.material_until:%d %b %Y}"

    def natural_key(self):
        return (self.name,)

    def statement(self) -> str:
        reviewed = (
            f"last reviewed on {self.reviewed_on:%-d %B %Y}"
            if self.reviewed_on
            else "no review date recorded"
        )
        return f"Material published up to {self.material_until:%-d %B %Y}; {reviewed}."


class ReleaseManager(models.Manager):
    def latest_release(self):
        return self.order_by("-number").first()


class Release(models.Model):
    """A numbered, frozen copy of the whole dataset that researchers cite (`manage.py release`).

    Immutable: a release is written once and never changed or deleted, so that an analysis that
    names it can be rerun on exactly the same data (`?release=<number>`, provisions.releases)."""

    number = models.PositiveIntegerField(
        unique=True,
        validators=[MinValueValidator(1, "A release number is a whole number from 1 up.")],
        help_text="The release number; each release's is higher than the last's.",
    )
    published_at = models.DateTimeField(
        default=timezone.now, editable=False, help_text="When the release was made."
    )
    notes = models.TextField(help_text="What this release is, in a few lines, for its readers.")
    coverage_until = models.DateField(
        null=True,
        editable=False,
        help_text="The last publication date of the material the release covers.",
    )
    counts = models.JSONField(
        default=dict, editable=False, help_text="How many rows of each kind the release holds."
    )
    frozen = models.BinaryField(
        editable=False, help_text="The whole dataset as it was, as gzip-compressed JSON records."
    )
    digest = models.CharField(
        max_length=64, editable=False, help_text="SHA-256 of the uncompressed frozen records."
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="Who made the release.",
    )

    objects = ReleaseManager()

    class Meta:
        ordering = ["-number"]

    def __str__(self):
        return f"Release {self.number} ({self.published_at:%d %b %Y})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("A release is never changed once it is made.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("provisions:release-detail", args=[self.number])

    def delete(self, *args, **kwargs):
        raise ValidationError("A release is never deleted: others may have cited it.")


class VariantMemo(models.Model):
    """What collating one point's readings found (provisions.witnesses.disagreements), kept
    under a digest of those readings. Written when readings are written; a page reads it rather
    than collating on the request. A result of its inputs, never a fact of its own: a digest
    names exactly one set of readings, so a memo cannot go stale, and one that is missing is
    worked out again on the request."""

    digest = models.CharField(
        max_length=64, primary_key=True, help_text="SHA-256 of the point's readings, in order."
    )
    found = models.JSONField(help_text="Where the readings disagree: items and by_witness.")

    def __str__(self):
        return self.digest


class SearchTerm(Curated):
    """An analyst's everyday word and the plan wordings it should find ("army" finds "armed
    forces" and "troops"). Editors keep the list in the admin, guarded and kept in history like
    the dataset (though it is not part of it); search reads it."""

    word = models.CharField(
        max_length=60, unique=True, help_text="The word a reader types, in lower case, e.g. army."
    )
    finds = models.CharField(
        max_length=300,
        help_text="What it also finds, separated by commas, e.g. armed forces, troops.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["word"]

    def __str__(self):
        return f"{self.word} → {self.finds}"

    def save(self, *args, **kwargs):
        self.word = self.word.strip().lower()  # for writes that skip validation
        super().save(*args, **kwargs)

    def clean(self):
        # before the uniqueness check, so that "ARMY" beside "army" is a field error
        self.word = self.word.strip().lower()

    def alternatives(self) -> list[str]:
        return [term.strip() for term in self.finds.split(",") if term.strip()]


# Every model whose rows the pages show (search reads the search terms): the dataset stamp
# (provisions.caching) watches them.
TRACKED_MODELS = (
    Party, Theme, Tag, Plan, Provision, Source, Citation, Assessment, Correspondence, Coverage,
    Position, SearchTerm,
)  # fmt: skip
