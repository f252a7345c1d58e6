"""What every family of pages renders with: the page or its htmx partial, the version pickers,
and pictures as SVG or PNG."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode

from provisions import pictures, queries
from provisions.api.throttling import costly_refusal
from provisions.models import Plan
from provisions.views.errors import too_many_requests

TIMELINE_MARKUP = "timeline-2"  # change with _timeline_picture.html's and its SVGs' markup


def render_page(request, template: str, partial: str, context: dict) -> HttpResponse:
    """The whole page normally; only `partial` for a plain htmx swap (not boosted, not a
    history restore, which need the whole page)."""
    htmx = request.htmx
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        template = f"{template}#{partial}"
    return render(request, template, context)


def picker_plans(*chosen: Plan | None):
    """The versions a picker offers (queries.picker_versions), read only if the picker is
    drawn: the comparison keeps its pickers as cached fragments."""
    return SimpleLazyObject(lambda: queries.picker_versions(*chosen))


def picture_query(request, lists) -> str:
    """A picture's download link's query string: the page's parameters, and the release the
    page reads (the middleware took it out of request.GET), so the file draws what the page
    shows."""
    pairs = [(key, value) for key, values in lists for value in values if value]
    if (release := getattr(request, "release", None)) is not None:
        pairs.append(("release", release.number))
    return urlencode(pairs)


def throttled_picture(
    request, template: str, context: dict, *, name: str, fmt: str
) -> HttpResponse:
    """A picture as a file. Drawing a PNG takes a few hundred milliseconds of one core, so
    anonymous readers share the stricter rate of the costly pages for it (a cached one is
    served before this is reached)."""
    if fmt == "png" and (wait := costly_refusal(request)) is not None:
        return too_many_requests(request, wait)
    return pictures.picture_response(template, context, name=name, fmt=fmt)
