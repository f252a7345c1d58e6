"""Analysts' and editors' work on the record: assessments (tags), links between versions'
points, the parties' positions, and the search terms."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from provisions.models.base import Authored, Curated, split_label
from provisions.models.evidence import Source
from provisions.models.record import Party, Plan, Provision, Tag


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
