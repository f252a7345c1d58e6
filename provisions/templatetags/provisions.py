import html
from urllib.parse import quote

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info

from provisions import diffing, pictures, services
from provisions.queries import MATCH_START, MATCH_STOP, picker_label

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
            f"{html.escape(picker_label(plan))}</option>"
            for plan in plans
        )
        + (EARLIER_OPTION if getattr(plans, "earlier", False) else "")
    )


# a picker offers the latest versions (queries.picker_versions); it says where the others are
EARLIER_OPTION = "<option disabled>Earlier versions: open one from the list of versions</option>"


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


# --- a comparison's rows ----------------------------------------------------------------------
# A comparison is dozens of rows of a dozen parts each: as template nodes they were most of the
# page's first rendering (about 20 ms for the 28- and 20-point plans). Each row is built here in
# one pass of plain strings instead, as the word diffs are: every value goes through `_e`
# (html.escape, what Django's escape() calls), and only fixed markup and the already escaped
# diffs and phrase origins are added around it.


def _e(value) -> str:
    return html.escape(str(value))


@register.simple_tag(takes_context=True)
def comparison_row(context, row) -> str:
    """One row of a comparison (compare.html): its head (relation, flags, where the parties
    stand, where sources disagree, a permalink), its two sides or one inline diff, its notes."""
    left, right, layout = context["left"], context["right"], context["layout"]
    if layout == "inline":
        arrow = "→" if row.left and row.right else ""
        body = (
            f'<div class="inline-labels"> {_point_links(row.left, left)} {arrow}'
            f" {_point_links(row.right, right)} </div>"
            f' <p class="diff">{diff_runs(row.runs, "both")}</p>'
        )
    else:
        if layout == "origins":
            found = context["origins"]
            new = " ".join(_origins(found.get(p.id)) for p in row.right)
        else:
            new = f'<p class="diff">{diff_runs(row.runs, "new")}</p>'
        body = (
            f'<div class="side side--left"> <span class="side-name">{_e(left.short_name)}</span>'
            f' {_labels(row.left)} <p class="diff">{diff_runs(row.runs, "old")}</p> </div>'
            f' <div class="side side--right"> <span class="side-name">{_e(right.short_name)}'
            f"</span> {_labels(row.right)} {new} </div>"
        )
    notes = context["comparison"].notes.get(row.key)
    if notes:
        notes = '<ul class="row-notes">' + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>"
    classes = "".join(
        (
            f"row row--{_e(row.relation)}",
            " row--changed" if row.changed else "",
            " row--suggested" if row.status == diffing.SUGGESTED else "",
        )
    )
    permalink = _e(f"{context['here']}?row={quote(row.key)}")
    return mark_safe(  # every value escaped above
        f'<li class="{classes}" id="row-{_e(row.key)}" tabindex="-1">'
        f' <div class="row-head"> {_row_head(context, row)} <a class="permalink"'
        f' href="{permalink}" title="Link to this row">#</a> </div> {body} {notes or ""} </li>'
    )


def _row_head(context, row) -> str:
    parts = [f'<span class="relation">{_e(row.relation)}</span>']
    if row.status == diffing.SUGGESTED:
        score = _e(localize(row.score))
        parts.append(
            f'<span class="suggested" title="Matched by text similarity ({score}), not by a'
            ' curated link">suggested match</span>'
        )
    if row.path:
        parts.append(f'<span class="path">via {_e(" → ".join(row.path))}</span>')
    flags = row.flags  # (worked out from the runs on each reading)
    parts.append(
        "".join(
            f'<span class="flag flag--{flag}">{flag} changed</span>'
            for flag in diffing.FLAGS
            if flag in flags
        )
    )
    statuses = context["statuses"]
    stood = ((p, statuses.get(p.id)) for p in row.right or row.left)
    parts.append("".join(_status(status, p) for p, status in stood if status))
    variants = context["variants"]
    for points, plan in ((row.left, context["left"]), (row.right, context["right"])):
        parts.append(
            "".join(
                f'<a class="sources-differ" href="{_e(p.url)}#witnesses">sources disagree on'
                f" {_e(plan.short_name)} {_e(p.display_label)}</a>"
                for p in points
                if variants.get(p.id)
            )
        )
    return " ".join(parts)


def _status(status, point) -> str:
    board = reverse("provisions:board", args=[point.plan])
    shown = _e(point.display_label)
    return (
        f'<a class="status status--{_e(status.value)}" href="{_e(board)}#b-{_e(point.label)}"'
        f' title="Where the parties stand on point {shown}"><span aria-hidden="true">'
        f"{_e(status.symbol)}</span> {shown}: {_e(str(status.label).lower())}</a>"
    )


def _labels(points) -> str:
    if not points:
        return '<span class="label none">—</span>'
    return "".join(f'<a class="label" href="{_e(p.url)}">{_e(p.display_label)}</a>' for p in points)


def _point_links(points, plan) -> str:
    name = _e(plan.short_name)
    return "".join(f'<a href="{_e(p.url)}">{name} {_e(p.display_label)}</a> ' for p in points)


def _origins(found) -> str:
    """A point's phrase origins, and the legend of the versions they name (none for a point
    deleted since the comparison was computed)."""
    if found is None:
        return ""
    text = f'<p class="origins-text">{phrase_origins(found)}</p>'
    if not found.legend:
        return text + " "
    legend = " · ".join(
        f'<span class="origin origin-{origin_tint(number)}"><sup class="origin-key">'
        f'{_e(localize(number))}</sup></span> <a href="{_e(written.url)}">'
        f"{_e(written.plan_name)} {_e(written.label)}</a>"
        f" ({_e(date_filter(written.presented_on, 'j M Y'))})"
        for number, written in found.legend
    )
    return f'{text} <p class="meta origins-keys">{legend}</p>'
