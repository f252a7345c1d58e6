"""Write side: operations with rules, each in one transaction.

Services take keyword-only arguments and raise `django.core.exceptions.ValidationError`, so the
admin (form errors), the pages and the API (400) report a broken rule the same way.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q

from provisions import diffing
from provisions.models import (
    Assessment,
    Citation,
    Correspondence,
    Curated,
    Party,
    Plan,
    Position,
    Provision,
    Source,
    Tag,
    Theme,
)

# --- The guard on every write: revisions, dependants, ownership ------------------------------


def display_name(user) -> str:
    """How a person is named in public: their full name, never their login name."""
    if user is None:
        return ""
    return user.get_full_name().strip() or "A tracker curator"


def _last_editor(obj: Curated) -> str:
    record = obj.history.order_by("-history_date", "-history_id").first()
    user = getattr(record, "history_user", None)
    return f" by {display_name(user)}" if user else ""


class StaleRevision(ValidationError):
    """The row changed since the user loaded it; their write would overwrite that change."""

    def __init__(self, *, current: Curated, submitted_revision):
        self.current = current
        self.submitted_revision = submitted_revision
        name = current._meta.verbose_name
        opened = "revision %(submitted)s" if submitted_revision is not None else "the ETag you sent"
        message = (
            f"Someone else saved this {name}%(by)s (now at revision %(current)s) after you "
            f"opened it ({opened}), so your changes were not saved."
        )
        params = {
            "by": _last_editor(current),
            "current": current.revision,
            "submitted": submitted_revision,
        }
        if isinstance(current, Provision):
            message += " Their text reads: \u201c%(text)s\u201d."
            params["text"] = current.text
        super().__init__(message, code="stale_revision", params=params)


class InUse(ValidationError):
    """Deleting the row would take other people's work with it."""

    def __init__(self, *, obj, dependants: list[str], advice: str = ""):
        self.obj = obj
        self.dependants = dependants
        shown = "; ".join(dependants[:5]) + ("; …" if len(dependants) > 5 else "")
        super().__init__(
            f"This {obj._meta.verbose_name} cannot be deleted: {shown}. {advice}".strip(),
            code="in_use",
        )


class Duplicate(ValidationError):
    """The record exists already; creating it again would overwrite or double it."""

    def __init__(self, *, existing):
        self.existing = existing
        super().__init__(
            f"This {existing._meta.verbose_name} exists already ({existing}); change that one.",
            code="duplicate",
        )


class NotYours(ValidationError):
    def __init__(self, *, obj):
        super().__init__(
            f"Only its author or an editor may change or delete this {obj._meta.verbose_name}.",
            code="not_yours",
        )


def check_revision(*, obj: Curated, revision) -> None:
    """Raise StaleRevision if the stored row has moved on from `revision`.

    Forms call this to report a conflict while the user's input is still on screen;
    `claim_revision` repeats the check atomically when it writes.
    """
    current = type(obj)._default_manager.filter(pk=obj.pk).first()
    if current is not None and current.revision != revision:
        raise StaleRevision(current=current, submitted_revision=revision)


def claim_revision(*, obj: Curated, revision, user=None) -> None:
    """Move the stored row from `revision` on by one, or raise StaleRevision.

    One conditional UPDATE, so of two concurrent writers starting from the same revision exactly
    one passes. Call it inside the transaction that then writes the row (or deletes it).
    """
    model = type(obj)
    bumped = 0
    if isinstance(revision, int) and not isinstance(revision, bool):
        bumped = model._default_manager.filter(pk=obj.pk, revision=revision).update(
            revision=F("revision") + 1
        )
    if not bumped:
        raise StaleRevision(
            current=model._default_manager.get(pk=obj.pk), submitted_revision=revision
        )
    obj.revision = revision + 1
    _stamp_user(obj, user)


def _stamp_user(obj, user) -> None:
    if user is not None and user.is_authenticated:
        obj._history_user = user
        if hasattr(obj, "modified_by_id"):
            obj.modified_by = user


def may_change(user, obj) -> bool:
    """Assessments and links belong to their authors: an analyst changes or deletes their own
    (and reviews machine suggestions); an editor anyone's. Other rows: the model permission."""
    if isinstance(obj, Assessment | Correspondence):
        if user.has_perm(f"provisions.moderate_{obj._meta.model_name}"):
            return True
        own = obj.author_id is not None and obj.author_id == user.pk
        return own or obj.status == obj.Status.SUGGESTED
    return True


def _counted(queryset, label: str) -> list[str]:
    count = queryset.count()
    return [f"{count} {label}"] if count else []


def dependants(obj) -> list[str]:
    """What deleting `obj` would take with it that is someone's work; empty when it may go."""
    if isinstance(obj, Plan):
        return [
            *_counted(obj.provisions, "point(s)"),
            *_counted(obj.citations, "source citation(s)"),
            *_counted(obj.positions, "position(s) of parties"),
            *(f"the base of {plan}" for plan in obj.derived_plans.all()),
        ]
    if isinstance(obj, Provision):
        return [
            *(f"assessment \u201c{a.tag}\u201d" for a in obj.assessments.select_related("tag")),
            *_counted(Correspondence.objects.filter(Q(earlier=obj) | Q(later=obj)),
                      "link(s) to other versions"),
            *_counted(obj.positions, "position(s) of parties"),
        ]  # fmt: skip
    if isinstance(obj, Theme):
        return _counted(obj.provisions, "point(s) filed under it")
    if isinstance(obj, Tag):
        return _counted(obj.assessments, "assessment(s)")
    if isinstance(obj, Party):
        return [
            *(f"party to {plan}" for plan in obj.plans.all()),
            *_counted(obj.positions, "position(s)"),
        ]
    if isinstance(obj, Source):
        return [
            *_counted(obj.citations, "citation(s)"),
            *_counted(obj.assessments, "assessment(s)"),
            *_counted(obj.positions, "position(s)"),
        ]
    return []


DELETE_ADVICE = {
    Plan: "Withdraw it instead (set \u201cwithdrawn\u201d and give the reason): its pages keep "
    "answering, marked withdrawn.",
    Provision: "Move or remove its assessments, links and positions first.",
}


def delete_refusal(obj) -> InUse | None:
    """Why `obj` may not be deleted, or None."""
    if found := dependants(obj):
        return InUse(obj=obj, dependants=found, advice=DELETE_ADVICE.get(type(obj), ""))
    return None


@transaction.atomic
def record_save(*, obj: Curated, revision: int | None = None, user=None) -> Curated:
    """Validate and save `obj`. For an existing row, `revision` is the one the user started from
    (default: the instance's own); if the stored row has moved on, nothing is written and
    StaleRevision is raised."""
    if obj.pk is not None and not obj._state.adding:
        claim_revision(obj=obj, revision=obj.revision if revision is None else revision,
                       user=user)  # fmt: skip
    else:
        _stamp_user(obj, user)
    if (twin := twin_of(obj)) is not None:
        raise Duplicate(existing=twin)
    obj.full_clean(exclude=["revision"])
    obj.save()
    return obj


def twin_of(obj) -> Curated | None:
    """The stored row that `obj` would duplicate (positions: one party's stance from one source
    on one date; citations: one source for one point or version), so that a second copy is a
    conflict naming the first, not a bare refusal."""
    if isinstance(obj, Citation) and obj.source_id and bool(obj.plan_id) != bool(obj.provision_id):
        same = Citation.objects.filter(source_id=obj.source_id).exclude(pk=obj.pk)
        if obj.provision_id:
            return same.filter(provision_id=obj.provision_id).first()
        return same.filter(plan_id=obj.plan_id).first()
    if not isinstance(obj, Position) or not (obj.party_id and obj.source_id and obj.stated_on):
        return None
    same = Position.objects.filter(
        party_id=obj.party_id, source_id=obj.source_id, stated_on=obj.stated_on
    ).exclude(pk=obj.pk)
    if obj.provision_id:
        return same.filter(provision_id=obj.provision_id).first()
    return same.filter(plan_id=obj.plan_id, provision__isnull=True).first()


@transaction.atomic
def record_delete(*, obj: Curated, revision, user=None) -> None:
    """Delete `obj` if it is still at `revision`, is the user's to delete, and takes nobody's
    work with it. History keeps the deleted row (and any citations that go with a point)."""
    if user is not None and not may_change(user, obj):
        raise NotYours(obj=obj)
    claim_revision(obj=obj, revision=revision, user=user)
    if refusal := delete_refusal(obj):
        raise refusal
    for citation in getattr(obj, "citations", Citation.objects.none()).all():
        _stamp_user(citation, user)
        citation.delete()
    obj.delete()


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
    """Link `later` as the counterpart of `earlier` in another version. A link that exists
    already is never overwritten: Duplicate names it, to be changed on its own."""
    if earlier.plan_id == later.plan_id:
        raise ValidationError("A correspondence must join provisions of two different versions.")
    existing = Correspondence.objects.filter(earlier=earlier, later=later).first()
    if existing is not None:
        raise Duplicate(existing=existing)
    link = Correspondence(
        earlier=earlier, later=later, relation=relation, status=status, note=note,
        author=user if user is not None and user.is_authenticated else None,
    )  # fmt: skip
    return record_save(obj=link, user=user)


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
    """Tag a provision, with the reasoning and the evidence; one assessment per tag and point
    (Duplicate names the one that exists)."""
    existing = Assessment.objects.filter(provision=provision, tag=tag).first()
    if existing is not None:
        raise Duplicate(existing=existing)
    assessment = Assessment(
        provision=provision,
        tag=tag,
        rationale=rationale,
        source=source,
        status=status,
        author=user if user is not None and user.is_authenticated else None,
    )
    return record_save(obj=assessment, user=user)


# --- Curation: import, suggested links, bulk tagging ------------------------------------------

SUGGEST_THRESHOLD = 0.5


def _relation_for(old: str, new: str, score: float) -> str:
    """A first guess for an editor to confirm or change. "Unchanged" only for the same words:
    a similar text with a changed number, modal word or negation is modified, however close
    ("stay" / "will stay" scores 0.96)."""
    runs = diffing.word_diff(old, new)
    if all(run.op == diffing.EQUAL for run in runs):
        return Correspondence.Relation.UNCHANGED
    if diffing.diff_flags(runs) or score < 0.75:
        return Correspondence.Relation.MODIFIED
    return Correspondence.Relation.REWORDED


SUGGESTED_NOTE = "Suggested by text similarity ({score:.2f}); not yet reviewed."


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
            relation=_relation_for(a.text, b.text, score),
            status=Correspondence.Status.SUGGESTED,
            note=SUGGESTED_NOTE.format(score=score),
            author=user if user is not None and user.is_authenticated else None,
        )
        created.append(record_save(obj=link, user=user))
    return created


@transaction.atomic
def suggestions_review(*, suggestions, confirm: bool, user=None) -> int:
    """Confirm suggested links or assessments, or reject (delete) them. Returns how many; rows
    that are not suggestions (someone's confirmed work) are left alone."""
    count = 0
    for item in suggestions:
        if item.status != item.Status.SUGGESTED:
            continue
        if confirm:
            item.status = "confirmed"  # the same value in Correspondence and Assessment
            record_save(obj=item, user=user)
        else:
            record_delete(obj=item, revision=item.revision, user=user)
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


@transaction.atomic
def position_add_many(*, provisions, party, stance, stated_on, source, date_precision="day",
                      excerpt="", note="", user=None) -> list:  # fmt: skip
    """Record one party's stance, stated on one date in one source, on several points at once;
    all or nothing. A point that has this position already (same party, date and source) is
    refused: say so rather than record it twice."""
    created = []
    for provision in provisions:
        position = Position(
            plan_id=provision.plan_id, provision=provision, party=party, stance=stance,
            stated_on=stated_on, date_precision=date_precision, source=source,
            excerpt=excerpt, note=note,
        )  # fmt: skip
        created.append(record_save(obj=position, user=user))
    return created


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
    record_save(obj=plan, user=user)
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
        record_save(obj=provision, user=user)
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
