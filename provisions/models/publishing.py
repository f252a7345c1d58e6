"""What is published about the record: how current it is (coverage) and its numbered releases."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from provisions.models.base import Curated

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
