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
