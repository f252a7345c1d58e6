"""The evidence: sources, their citations of a version or a point (with readings in the
sources' own words), and what collating those readings found."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from provisions.models.base import Curated, split_label
from provisions.models.record import Plan, Provision


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
