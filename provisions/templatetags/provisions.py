import html

from django import template
from django.utils.dateformat import format as format_date
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info

from provisions import diffing, pictures, services
from provisions.queries import MATCH_START, MATCH_STOP

register = template.Library()

_DATE_FORMATS = {"day": "j M Y", "month": "M Y", "year": "Y"}


@register.filter
def source_date(source) -> str:
    """A source's date at the precision we know it: '21 Nov 2025', 'Nov 2025' or '2025'."""
    return format_date(source.published_on, _DATE_FORMATS.get(source.date_precision, "j M Y"))


# Word diffs are the bulk of a comparison page (hundreds of runs), so they are built as plain
# strings: every piece of text goes through the standard library's html.escape (what Django's
# escape() calls, without its lazy-string wrapper), and only fixed markup is added around it.


def _flag_classes(run: diffing.Run) -> str:
    return html.escape(" ".join(f"flag-{flag}" for flag in sorted(run.flags)))


def _change(tag: str, marker: str, text: str, run: diffing.Run) -> str:
    """<del> or <ins> around escaped text, with a marker that screen readers announce."""
    return (
        f'<{tag} class="{_flag_classes(run)}"><span class="sr-only">{marker}</span>'
        f'{html.escape(text)}<span class="sr-only">]</span></{tag}>'
    )


def _run_html(run: diffing.Run, side: str) -> str:
    if run.op == diffing.EQUAL:
        return html.escape(run.old if side != "new" else run.new)
    parts = ""
    if run.old and side in ("old", "both"):
        parts += _change("del", "[removed: ", run.old, run)
    if run.new and side in ("new", "both"):
        parts += _change("ins", "[added: ", run.new, run)
    return parts


@register.simple_tag
def diff_runs(runs, side: str = "both"):
    """Render word-diff runs: side="old" (left text), "new" (right text) or "both" (inline).

    Provision text is untrusted: every piece of it is escaped (see above).
    """
    return mark_safe("".join(_run_html(run, side) for run in runs))  # every piece escaped above


@register.filter
def highlight(marked: str):
    """Escape a search headline, then turn its match markers into <mark> elements."""
    parts = []
    for index, chunk in enumerate(str(marked).split(MATCH_START)):
        if index == 0:
            parts.append(format_html("{}", chunk.replace(MATCH_STOP, "")))
            continue
        matched, _, rest = chunk.partition(MATCH_STOP)
        parts.append(format_html("<mark>{}</mark>{}", matched, rest.replace(MATCH_STOP, "")))
    return format_html_join("", "{}", ((part,) for part in parts))


@register.filter
def public_name(user) -> str:
    """A person as the public pages name them (never their login name); "curated dataset" for
    rows that came with the dataset and have no author."""
    return services.display_name(user) or "curated dataset"


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    return mapping.get(key) if mapping else None


@register.simple_tag
def scorecard_cells(card, theme) -> str:
    """A theme's row of scorecard cells (<td>s), built in one pass: a page has 13 rows of 25
    columns, and a template loop formatting each cell's eight numbers was most of its
    rendering. format_html escapes every value."""
    cells = ((_score_cell(card, theme, column),) for column in card.columns)
    return format_html_join("", "<td>{}</td>", cells)


NO_LINKS = mark_safe('<span class="meta">no links</span>')  # constant markup
NOTHING_SCORED = mark_safe('<span class="meta">–</span>')


def _score_cell(card, theme, column) -> str:
    if not column.linked:
        return NO_LINKS
    cell = card.cell(theme.slug, column.version.pk)
    counts = [cell[name] for name in ("kept", "modified", "removed", "added")]
    if not any(counts):
        return NOTHING_SCORED
    return format_html(
        '<a href="{}?theme={}" aria-label="{}, {}: {} kept, {} modified, {} removed, {} added">'
        '<span class="k">={}</span> <span class="m">~{}</span> <span class="r">−{}</span> '
        '<span class="a">+{}</span></a>',
        column.compare_url, theme.slug, theme.name, column.version.short_name, *counts, *counts,
    )  # fmt: skip


@register.simple_tag
def word_diff(old, new):
    """Old and new values as one inline word diff (used by the admin's history list)."""
    return diff_runs(
        diffing.word_diff("" if old is None else str(old), "" if new is None else str(new))
    )


@register.simple_tag
def version_options(plans, selected=None) -> str:
    """The <option>s of a version picker, built in one pass: an archive has a thousand versions
    and a template loop over them was most of a comparison page's first rendering."""
    chosen = getattr(selected, "pk", selected)
    return mark_safe(  # every value below is escaped
        "".join(
            f'<option value="{html.escape(plan.slug)}"{" selected" if plan.pk == chosen else ""}>'
            f"{html.escape(plan.short_name)} ({_month(plan)}){_withdrawn(plan)}</option>"
            for plan in plans
        )
        + (EARLIER_OPTION if getattr(plans, "earlier", False) else "")
    )


# a picker offers the latest versions (queries.picker_versions); it says where the others are
EARLIER_OPTION = "<option disabled>Earlier versions: open one from the list of versions</option>"


def _withdrawn(plan) -> str:
    # in words: an <option> can carry no other mark a screen reader would announce
    return " — withdrawn" if getattr(plan, "withdrawn", False) else ""


def _month(plan) -> str:
    # "Nov 2025", as the date filter's "M Y" gives it, without its per-call format parsing
    return f"{_MONTHS[plan.presented_on.month - 1]} {plan.presented_on.year}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@register.filter
def language_name(code: str) -> str:
    """'uk' -> 'Ukrainian' (the code itself when Django does not know it)."""
    try:
        return get_language_info(code)["name"]
    except KeyError:
        return code


@register.filter
def kind_name(kind: str) -> str:
    """How a kind of disagreement between sources is named in a sentence."""
    from provisions.witnesses import KIND_NAMES

    return KIND_NAMES.get(kind, kind)


@register.simple_tag
def picture_palette() -> dict:
    """The pictures' colours by role (provisions.pictures.PALETTE)."""
    return pictures.PALETTE


@register.simple_tag
def picture_font() -> str:
    """The pictures' font list (an attribute: a style sheet would not travel with an SVG)."""
    return pictures.FONT


@register.simple_tag
def relation_word(row) -> str:
    """A flow row's relation as the pictures name it: its symbol and word ("~ modified", "−
    dropped"), and "suggested" for a match nobody has reviewed."""
    style = pictures.RELATION_STYLES[row.relation]
    suggested = " (suggested, unreviewed)" if row.status == diffing.SUGGESTED else ""
    return f"{style.symbol} {style.label}{suggested}"


ORIGIN_TINTS = 6  # .origin-1 … .origin-6 in tracker.css, then again from the first


@register.simple_tag
def phrase_origins(found) -> str:
    """A point's text with each phrase marked by the version that first had it: a numbered
    key after the phrase (the legend's number, so it reads in greyscale and aloud), a tint per
    version, and ↺ where the phrase had been dropped on the way and was restored."""
    parts = []
    for phrase in found.phrases:
        if phrase.origin is None:
            parts.append(format_html("{}", phrase.text))
            continue
        number = found.numbers[phrase.origin]
        written = found.written[phrase.origin]
        restored = ""
        if phrase.dropped_in:
            names = ", ".join(
                f"{found.written[key].plan_name} {found.written[key].label}"
                for key in phrase.dropped_in
            )
            restored = format_html(
                '<span class="origin-restored" title="dropped in {names}, restored">↺'
                '<span class="sr-only"> (dropped in {names}, restored)</span></span>',
                names=names,
            )
        parts.append(
            format_html(
                '<span class="origin origin-{tint}" title="first written in {name}, point {label}'
                ' ({date})">{text}<sup class="origin-key"><span class="sr-only">(first written'
                ' in</span>{number}<span class="sr-only">: {name})</span></sup>{restored}</span>',
                tint=origin_tint(number),
                name=written.plan_name,
                label=written.label,
                date=format_date(written.presented_on, "j M Y"),
                text=phrase.text.rstrip(),
                number=number,
                restored=restored,
            )
        )
        if phrase.text != phrase.text.rstrip():
            parts.append(" ")
    return mark_safe("".join(parts))  # each part escaped by format_html


@register.filter
def origin_tint(number: int) -> int:
    return (number - 1) % ORIGIN_TINTS + 1
