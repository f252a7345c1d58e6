"""Write side: operations with rules, each in one transaction.

Services take keyword-only arguments and raise `django.core.exceptions.ValidationError`, so the
admin (form errors), the pages and the API (400) report a broken rule the same way.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from provisions.models import Assessment, Correspondence, Provision


class StaleRevision(ValidationError):
    """The provision changed since the editor loaded it; their save would overwrite that change."""

    def __init__(self, *, current: Provision, submitted_revision: int):
        self.current = current
        self.submitted_revision = submitted_revision
        super().__init__(
            "Someone else saved this provision (now at revision %(current)s) after you opened it "
            "(revision %(submitted)s), so your changes were not saved. Their text reads: "
            "\u201c%(text)s\u201d. Copy your changes, reload, and apply them again.",
            code="stale_revision",
            params={
                "current": current.revision,
                "submitted": submitted_revision,
                "text": current.text,
            },
        )


def provision_check_revision(*, provision: Provision, revision: int) -> None:
    """Raise StaleRevision if the stored provision has moved on from `revision`.

    Forms call this to report a conflict while the editor's input is still on screen;
    `provision_save` repeats the check atomically when it writes.
    """
    current = Provision.objects.filter(pk=provision.pk).first()
    if current is not None and current.revision != revision:
        raise StaleRevision(current=current, submitted_revision=revision)


@transaction.atomic
def provision_save(*, provision: Provision, revision: int | None = None, user=None) -> Provision:
    """Validate and save `provision`, moving its revision on by one.

    For an existing provision, `revision` is the revision the editor started from; if the stored
    row has moved on since, nothing is written and StaleRevision is raised. The check and the bump
    are one conditional UPDATE, so two concurrent saves cannot both pass it.
    """
    provision.full_clean(exclude=["revision"])
    if provision.pk is not None:
        expected = provision.revision if revision is None else revision
        bumped = Provision.objects.filter(pk=provision.pk, revision=expected).update(
            revision=F("revision") + 1
        )
        if not bumped:
            current = Provision.objects.get(pk=provision.pk)
            raise StaleRevision(current=current, submitted_revision=expected)
        provision.revision = expected + 1
    if user is not None:
        provision._history_user = user
    provision.save()
    return provision


@transaction.atomic
def correspondence_link(
    *,
    earlier: Provision,
    later: Provision,
    relation: str,
    status: str = Correspondence.Status.CONFIRMED,
    note: str = "",
    user=None,
) -> Correspondence:
    """Link `later` as the counterpart of `earlier` in another version (create or update)."""
    if earlier.plan_id == later.plan_id:
        raise ValidationError("A correspondence must join provisions of two different versions.")
    link = Correspondence.objects.filter(earlier=earlier, later=later).first()
    link = link or Correspondence(earlier=earlier, later=later)
    link.relation = relation
    link.status = status
    link.note = note
    link.full_clean()
    if user is not None:
        link._history_user = user
    link.save()
    return link


@transaction.atomic
def assessment_add(
    *,
    provision: Provision,
    tag,
    rationale: str,
    source=None,
    status: str = Assessment.Status.CONFIRMED,
    user=None,
) -> Assessment:
    """Tag a provision, with the reasoning and the evidence; one assessment per tag and point."""
    assessment = Assessment(
        provision=provision,
        tag=tag,
        rationale=rationale,
        source=source,
        status=status,
        author=user if user is not None and user.is_authenticated else None,
    )
    assessment.full_clean()
    if user is not None:
        assessment._history_user = user
    assessment.save()
    return assessment
