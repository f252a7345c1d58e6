"""The record itself: parties, themes, tags, the plan versions and their numbered points."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from provisions.models.base import (
    COLOUR_VALIDATOR,
    MAX_NUMBER,
    MAX_POSITION,
    SUB_VALIDATOR,
    Curated,
    SlugManager,
    display_label,
    split_label,
)


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
