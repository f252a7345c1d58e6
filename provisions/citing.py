"""How to cite a provision: plain text, BibTeX and CSL JSON, with version, label, permalink and
access date."""

import datetime
import json
import re

SITE = "Peace plan provision tracker"


def _bibtex_escape(text: str) -> str:
    return re.sub(r"([{}\\%&$#_^~])", r"\\\1", text)


def provision_citation(provision, permalink: str, accessed: datetime.date | None = None) -> dict:
    accessed = accessed or datetime.date.today()
    plan = provision.plan
    title = f"{plan.title}, point {provision.label}"
    presented = plan.presented_on
    key = re.sub(r"[^A-Za-z0-9]+", "-", f"{plan.slug}-{provision.label}").strip("-")
    plain = (
        f"“{plan.title}” ({plan.short_name}), point {provision.label}, presented "
        f"{presented:%d %B %Y}; {provision.get_wording_display().lower()}. {SITE}, "
        f"{permalink} (accessed {accessed:%d %B %Y})."
    )
    bibtex = (
        f"@misc{{{key},\n"
        f"  title = {{{_bibtex_escape(title)}}},\n"
        f"  howpublished = {{\\url{{{permalink}}}}},\n"
        f"  year = {{{presented.year}}},\n"
        f"  note = {{{_bibtex_escape(plan.short_name)}, version of {presented:%Y-%m-%d}; "
        f"{_bibtex_escape(provision.get_wording_display())}; {SITE}; "
        f"accessed {accessed:%Y-%m-%d}}}\n"
        "}"
    )
    csl = {
        "id": key,
        "type": "document",
        "title": title,
        "container-title": plan.title,
        "version": plan.short_name,
        "number": provision.label,
        "issued": {"date-parts": [[presented.year, presented.month, presented.day]]},
        "accessed": {"date-parts": [[accessed.year, accessed.month, accessed.day]]},
        "URL": permalink,
        "publisher": SITE,
        "note": provision.get_wording_display(),
    }
    return {
        "plain": plain,
        "bibtex": bibtex,
        "csl": csl,
        "csl_json": json.dumps([csl], ensure_ascii=False, indent=2),
    }


DATASET_TITLE = (
    "Peace plan provision tracker: the 2025–2026 Russia–Ukraine peace plans, point by point"
)
DATASET_AUTHOR = "Peace plan provision tracker contributors"
CSL_STYLE = "harvard-cite-them-right"  # the style citeproc-py ships


def release_citation(release, url: str, accessed: datetime.date | None = None) -> dict:
    """How to cite a numbered release: CSL JSON is the data; the plain text is rendered from it
    by citeproc-py (Harvard, Cite Them Right); BibTeX is written from the same fields."""
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    accessed = accessed or datetime.date.today()
    published = release.published_at.date()
    key = f"peace-plan-tracker-release-{release.number}"
    title = f"{DATASET_TITLE} (release {release.number})"
    csl = {
        "id": key,
        "type": "dataset",
        "title": title,
        "author": [{"literal": DATASET_AUTHOR}],
        "version": str(release.number),
        "issued": {"date-parts": [[published.year, published.month, published.day]]},
        "accessed": {"date-parts": [[accessed.year, accessed.month, accessed.day]]},
        "URL": url,
        "publisher": SITE,
        "medium": "Dataset",
    }
    if release.coverage_until:
        csl["note"] = f"Material published up to {release.coverage_until:%Y-%m-%d}"
    bibliography = CitationStylesBibliography(
        CitationStylesStyle(CSL_STYLE, validate=False), CiteProcJSON([csl]), formatter.plain
    )
    bibliography.register(Citation([CitationItem(key)]))
    plain = str(bibliography.bibliography()[0])
    bibtex = (
        f"@misc{{{key},\n"
        f"  author = {{{{{_bibtex_escape(DATASET_AUTHOR)}}}}},\n"
        f"  title = {{{_bibtex_escape(title)}}},\n"
        f"  year = {{{published.year}}},\n"
        f"  version = {{{release.number}}},\n"
        f"  howpublished = {{\\url{{{url}}}}},\n"
        f"  note = {{Dataset, release {release.number} of {published:%Y-%m-%d}"
        + (
            f"; material published up to {release.coverage_until:%Y-%m-%d}"
            if release.coverage_until
            else ""
        )
        + f"; accessed {accessed:%Y-%m-%d}}}\n"
        "}"
    )
    return {
        "plain": plain,
        "bibtex": bibtex,
        "csl": csl,
        "csl_json": json.dumps([csl], ensure_ascii=False, indent=2),
    }
