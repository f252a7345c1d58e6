"""Structural checks of the evidence (`manage.py check_dataset`, also run by the tests).

Each check finds one kind of fault that an audit found by hand (research/audit-2026-12.md),
so that it cannot come back unnoticed. They read the database; none of them judges content,
only whether what the record claims about its evidence is backed by the record itself:

- a reading without its language, or a translation that is not of a reading in another
  language (a translation is ours and must be marked as such);
- a provision whose sources are all state-aligned outlets, and whose note does not say so; or
  whose note says so while an outlet that is not state-aligned is cited for it;
- a label marked confirmed, while no citation of the point gives a locator (where in the
  source the point is; "point 15 (not in retrieved excerpt)" does not);
- a `contradicts-international-law` tag whose rationale names no instrument of law;
- a version said to be an agreed text, without a citation of the version saying it was
  agreed, signed or adopted;
- a party's stance resting on a state-aligned outlet, whose note does not say so.
"""

import re
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from provisions.models import Assessment, Citation, Plan, Position, Provision, Source

LAW_TAG = "contradicts-international-law"
# "Only attested in state-aligned outlets", "single state-aligned source", and the like
STATE_ALIGNED_NOTE = re.compile(
    r"only (?:attested|reported|found) (?:in|by) (?:an? )?state-aligned|"
    r"single state-aligned source",
    re.IGNORECASE,
)
# what names an instrument of international law: its kind, or an article of one
INSTRUMENT = re.compile(
    r"\b(?:Charter|Conventions?|Covenant|Protocol|Statute|Treaty|Memorandum|Final Act|"
    r"Resolution|Article \d+|Art\. \d+)\b"
)
# a locator that says the point is not where it points does not support the label
NOT_FOUND = r"not in|not found|absent"
AGREEMENT = re.compile(r"\b(?:agreed|signed|adopted)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Fault:
    kind: str
    where: str
    detail: str

    def __str__(self):
        return f"{self.kind}: {self.where}: {self.detail}"


KINDS = {
    "reading-language": "reading without its language",
    "translation-unmarked": "translation that is not of a reading in another language",
    "state-aligned-note-missing": "only state-aligned sources, and the note does not say so",
    "state-aligned-note-wrong": "note says only state-aligned, but another source is cited",
    "label-unsupported": "label confirmed, but no citation gives a locator",
    "law-tag-no-instrument": "law-contradiction tag naming no instrument",
    "agreement-unsourced": "agreed text without a citation saying it was agreed",
    "position-state-aligned-unmarked": "stance from a state-aligned outlet, not said in its note",
}


def find_faults() -> list[Fault]:
    return [
        *_readings(),
        *_state_aligned_notes(),
        *_unsupported_labels(),
        *_law_tags(),
        *_agreements(),
        *_positions(),
    ]


def _where(provision: Provision) -> str:
    return f"{provision.plan.slug}#{provision.label}"


def _citation_where(citation: Citation) -> str:
    target = _where(citation.provision) if citation.provision_id else citation.plan.slug
    return f"{citation.source.url} -> {target}"


def _readings():
    citations = Citation.objects.select_related("source", "plan", "provision__plan")
    for citation in citations.exclude(reading="").filter(reading_language=""):
        yield Fault("reading-language", _citation_where(citation), "no reading_language")
    translated = citations.exclude(reading_translation="")
    for citation in translated.filter(Q(reading="") | Q(reading_language="en")):
        yield Fault(
            "translation-unmarked",
            _citation_where(citation),
            "a translation needs a reading in another language",
        )


def _state_aligned_notes():
    state_aligned = Source.Reliability.STATE_ALIGNED
    provisions = (
        Provision.objects.select_related("plan")
        .annotate(
            cited=Count("citations"),
            independent=Count("citations", filter=~Q(citations__source__reliability=state_aligned)),
        )
        .filter(cited__gt=0)
        .order_by("plan__presented_on", "plan__slug", "position")
    )
    for provision in provisions:
        flagged = bool(STATE_ALIGNED_NOTE.search(provision.note))
        if provision.independent == 0 and not flagged:
            yield Fault(
                "state-aligned-note-missing",
                _where(provision),
                f"all {provision.cited} source(s) are state-aligned",
            )
        elif provision.independent and flagged:
            yield Fault(
                "state-aligned-note-wrong",
                _where(provision),
                f"{provision.independent} cited source(s) are not state-aligned",
            )


def _unsupported_labels():
    located = (
        Citation.objects.filter(provision=OuterRef("pk"))
        .exclude(locator="")
        .exclude(locator__iregex=NOT_FOUND)
    )
    provisions = (
        Provision.objects.select_related("plan")
        .filter(label_confirmed=True, plan__numbered=True)
        .exclude(Exists(located))
        .order_by("plan__presented_on", "plan__slug", "position")
    )
    for provision in provisions:
        yield Fault("label-unsupported", _where(provision), "no citation gives a locator")


def _law_tags():
    tags = Assessment.objects.filter(tag__slug=LAW_TAG).select_related("provision__plan")
    for assessment in tags.order_by("pk"):
        if not INSTRUMENT.search(assessment.rationale):
            yield Fault(
                "law-tag-no-instrument",
                _where(assessment.provision),
                "the rationale names no treaty, charter, convention or article",
            )


def _agreements():
    for plan in Plan.objects.filter(status=Plan.Status.AGREED_TEXT).order_by("slug"):
        said = any(
            AGREEMENT.search(f"{citation.excerpt} {citation.note} {citation.locator}")
            for citation in plan.citations.all()
        )
        if not said:
            yield Fault(
                "agreement-unsourced",
                plan.slug,
                "no citation of the version says it was agreed, signed or adopted",
            )


def _positions():
    stated = Position.objects.filter(source__reliability=Source.Reliability.STATE_ALIGNED)
    for position in stated.select_related("plan", "provision__plan", "party").order_by("pk"):
        if not re.search(r"state[- ]aligned|state media", position.note, re.IGNORECASE):
            where = _where(position.provision) if position.provision_id else position.plan.slug
            yield Fault(
                "position-state-aligned-unmarked",
                f"{where} {position.party.slug} {position.stated_on}",
                "the note does not say the source is a state-aligned outlet",
            )
