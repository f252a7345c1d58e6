"""Write side: operations with rules, each in one transaction.

Services take keyword-only arguments and raise `django.core.exceptions.ValidationError`, so the
admin (form errors), the pages and the API (400) report a broken rule the same way.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from provisions import diffing
from provisions.models import Assessment, Citation, Correspondence, Plan, Provision, Source


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


# --- Curation: import, suggested links, bulk tagging ------------------------------------------

SUGGEST_THRESHOLD = 0.5


def _relation_for(score: float) -> str:
    """A first guess from text similarity; an editor confirms or changes it."""
    if score >= 0.95:
        return Correspondence.Relation.UNCHANGED
    if score >= 0.75:
        return Correspondence.Relation.REWORDED
    return Correspondence.Relation.MODIFIED


@transaction.atomic
def correspondence_suggest(*, plan: Plan, user=None) -> list[Correspondence]:
    """Propose links from `plan.based_on` to `plan` by order-keeping text similarity, for points
    not linked yet; each is "suggested" until an editor confirms it."""
    if plan.based_on_id is None:
        raise ValidationError("This version is not based on another version.")
    earlier = list(plan.based_on.provisions.all())
    later = list(plan.provisions.all())
    linked = Correspondence.objects.filter(earlier__in=earlier, later__in=later)
    linked_earlier = set(linked.values_list("earlier_id", flat=True))
    linked_later = set(linked.values_list("later_id", flat=True))

    def points(provisions, skip):
        return [
            diffing.Point(p.pk, "", p.label, p.text, p.position)
            for p in provisions
            if p.pk not in skip
        ]

    created = []
    for a, b, score in diffing.suggest_pairs(
        points(earlier, linked_earlier), points(later, linked_later), SUGGEST_THRESHOLD
    ):
        link = Correspondence(
            earlier_id=a.id,
            later_id=b.id,
            relation=_relation_for(score),
            status=Correspondence.Status.SUGGESTED,
            note=f"Suggested by text similarity ({score:.2f}); not yet reviewed.",
        )
        link.full_clean()
        if user is not None:
            link._history_user = user
        link.save()
        created.append(link)
    return created


@transaction.atomic
def suggestions_review(*, suggestions, confirm: bool, user=None) -> int:
    """Confirm suggested links or assessments, or reject (delete) them. Returns how many."""
    count = 0
    for item in suggestions:
        if user is not None:
            item._history_user = user
        if confirm:
            item.status = "confirmed"  # the same value in Correspondence and Assessment
            item.save()
        else:
            item.delete()
        count += 1
    return count


@transaction.atomic
def assessment_propose_from_links(*, plan: Plan, user=None) -> list[Assessment]:
    """Carry the assessments of linked earlier points to their counterparts in `plan`, as
    suggestions an analyst confirms or rejects (never applied silently)."""
    proposed = []
    links = Correspondence.objects.filter(later__plan=plan).select_related("earlier")
    existing = set(
        Assessment.objects.filter(provision__plan=plan).values_list("provision_id", "tag_id")
    )
    for link in links:
        for assessment in link.earlier.assessments.all():
            if (link.later_id, assessment.tag_id) in existing:
                continue
            existing.add((link.later_id, assessment.tag_id))
            proposed.append(
                assessment_add(
                    provision=link.later,
                    tag=assessment.tag,
                    rationale=(
                        f"Carried over from {link.earlier.plan.short_name} point "
                        f"{link.earlier.label} ({link.get_relation_display().lower()}): "
                        f"{assessment.rationale}"
                    ),
                    source=assessment.source,
                    status=Assessment.Status.SUGGESTED,
                    user=user,
                )
            )
    return proposed


@transaction.atomic
def assessment_tag_many(*, provisions, tag, rationale: str, source=None, user=None) -> int:
    """Tag several provisions at once; all or nothing. A provision already carrying the tag is
    left as it is."""
    count = 0
    for provision in provisions:
        if provision.assessments.filter(tag=tag).exists():
            continue
        assessment_add(provision=provision, tag=tag, rationale=rationale, source=source, user=user)
        count += 1
    return count


def source_for(
    *,
    url: str,
    publisher: str = "",
    title: str = "",
    published_on=None,
    language: str = "en",
    reliability: str = Source.Reliability.PRIMARY,
) -> Source:
    """The source with this address, or a new, unsaved one for a full text (plan_import saves
    it with the version)."""
    return Source.objects.filter(url=url).first() or Source(
        url=url, publisher=publisher, title=title, published_on=published_on, language=language,
        coverage=Source.Coverage.FULL_TEXT, reliability=reliability,
    )  # fmt: skip


@dataclass
class ImportOutcome:
    plan: Plan
    links: list[Correspondence]
    assessments: list[Assessment]


@transaction.atomic
def plan_import(*, plan: Plan, parsed, source: Source, parties=(), user=None) -> ImportOutcome:
    """Create a version from parsed text (importing.ParseResult), every point cited to `source`.

    Refuses a parse with blocking problems. When the version is based on another, links to it
    are proposed at once and the assessments of linked points are proposed for the new points.
    """
    if not parsed.ok:
        problems = "; ".join(p.message for p in parsed.problems if p.blocking)
        raise ValidationError(f"The text cannot be imported as it is: {problems or 'no points'}.")
    plan.full_clean()
    if user is not None:
        plan._history_user = user
    plan.save()
    plan.parties.set(parties)
    if source.pk is None:
        source.full_clean()
        source.save()
    Citation.objects.create(source=source, plan=plan, locator="whole text")
    for position, point in enumerate(parsed.points, start=1):
        provision = Provision(
            plan=plan,
            number=point.number,
            sub=point.sub,
            position=position,
            text=point.text,
            wording=Provision.Wording.VERBATIM,
        )
        provision_save(provision=provision, user=user)
        Citation.objects.create(
            source=source,
            provision=provision,
            locator=f"point {point.label} (line {point.line})",
            excerpt=point.text[:500],
        )
    links, assessments = [], []
    if plan.based_on_id:
        links = correspondence_suggest(plan=plan, user=user)
        assessments = assessment_propose_from_links(plan=plan, user=user)
    return ImportOutcome(plan, links, assessments)
