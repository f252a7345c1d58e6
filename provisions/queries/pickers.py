"""What a version picker offers: the latest versions, and those the page names."""

from provisions.models import Plan

# the options of a version picker: the latest versions (the whole curated dataset, a small
# part of a large archive: a select of 10,000 options is 600 kB of every page that has one)
PICKER_VERSIONS = 100
PICKER_FIELDS = ("pk", "slug", "short_name", "presented_on", "withdrawn")


def picker_label(version) -> str:
    """How a picker names a version (a Plan or a picker row): "28-point plan (Nov 2025)", and
    "— withdrawn" in words (an <option> can carry no other mark a screen reader announces)."""
    on = version.presented_on
    withdrawn = " — withdrawn" if version.withdrawn else ""
    return f"{version.short_name} ({MONTHS[on.month - 1]} {on.year}){withdrawn}"


# as the date filter's "M Y" gives them, without its format parsing per call (a picker can
# offer a hundred versions)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class PickerVersions(list):
    """Light rows in date order (pk, slug, short_name, presented_on, withdrawn). `earlier`:
    older versions on record are not among them (each is reached from its own page)."""

    earlier = False


def picker_versions(*chosen: Plan | None) -> PickerVersions:
    """The latest PICKER_VERSIONS versions not withdrawn, and any version the page already
    names (withdrawn or older), so a picker shows what is chosen. One query."""
    latest = list(
        Plan.objects.filter(withdrawn=False)
        .order_by("-presented_on", "-slug")
        .values_list(*PICKER_FIELDS, named=True)[: PICKER_VERSIONS + 1]
    )
    rows = {row.pk: row for row in latest[:PICKER_VERSIONS]}
    rows.update((plan.pk, plan) for plan in chosen if plan is not None and plan.pk not in rows)
    versions = PickerVersions(sorted(rows.values(), key=lambda row: (row.presented_on, row.slug)))
    versions.earlier = len(latest) > PICKER_VERSIONS
    return versions
