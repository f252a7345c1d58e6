"""What every model of the record shares: point labels, the revision-guarded base classes."""

import re

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

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
        path = "provisions.models.ModifiedAtField"  # as the migrations name it
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
