"""Old addresses keep working after a plan's slug or a provision's label changes.

Pages, API calls, feeds and citations made elsewhere name plans by slug and provisions by label
("10c"); editors change both. Rather than teach every view about old names, one middleware looks
at 404s only: when the address is a route naming plans and the history (django-simple-history)
says an old slug or label belonged to a plan or provision that still exists under another name,
it answers 301 with the same route under the current names and the same query string. Anything
else keeps its 404.

A slug or label that something current has is never remapped: the current holder wins (a slug
given up may be taken by another plan). Where several records had a name, the latest wins; a
deleted plan or provision maps to nothing. Other responses cost nothing; a 404 on a route naming
plans costs one query per slug and one for the label.

It sits just outside provisions.caching.PageCacheMiddleware, which keeps only 200s: neither the
404 nor the redirect is stored, and a page cached under an old address is left behind by the
rename itself (every write moves the dataset stamp), so anonymous readers get the redirect too.
"""

from django.db.models import Q, Subquery
from django.http import HttpResponsePermanentRedirect
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django.utils.encoding import iri_to_uri

from provisions.models import Plan, Provision, split_label

# The routes that name plans, with the kwargs holding plan slugs. Listed by route, not by kwarg
# name: `slug` also names tags, themes and parties elsewhere.
PLAN_SLUG_KWARGS = {
    "provisions:plan-detail": ("slug",),
    "provisions:provision-detail": ("slug",),
    "provisions:compare": ("left", "right"),
    "provisions:compare-export": ("left", "right"),
    "api:plan-detail": ("slug",),
    "api:plan-provision-list": ("plan_slug",),
    "api:plan-provision-detail": ("plan_slug",),
    "api:provision-cite": ("plan_slug",),
    "api:feed-plan": ("slug",),
    "api:feed-provision": ("slug",),
}
# on those routes, the label of a provision of the route's (only) plan
LABEL_KWARG = "label"
# Browsers keep a 301 without expiry unless told otherwise; an old slug may later be taken by
# another plan, so a reader's browser should ask again after a while.
REDIRECT_MAX_AGE = 3600


class PermalinkMiddleware:
    """Turn the 404 of an old plan or provision address into a 301 to its current address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # only reads: a client may repeat a redirected write as a GET
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        return _redirect_to_current(request) or response


def _redirect_to_current(request):
    match = _match(request)
    if match is None or match.args or match.view_name not in PLAN_SLUG_KWARGS:
        return None
    kwargs = _current_kwargs(match.view_name, match.kwargs)
    if kwargs is None or kwargs == match.kwargs:
        return None
    try:
        url = reverse(match.view_name, kwargs=kwargs, urlconf=getattr(request, "urlconf", None))
    except NoReverseMatch:  # a current name the route would not accept: leave the 404
        return None
    query = request.META.get("QUERY_STRING", "")
    if query:
        url = f"{url}?{iri_to_uri(query)}"
    response = HttpResponsePermanentRedirect(url)
    patch_cache_control(response, max_age=REDIRECT_MAX_AGE)
    return response


def _match(request):
    """The route the request resolved to (set by the handler unless resolving failed)."""
    if request.resolver_match is not None:
        return request.resolver_match
    try:
        return resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None


def _current_kwargs(view_name: str, kwargs: dict) -> dict | None:
    """The route's kwargs under current names, or None if a plan or provision named is gone
    (or never was): redirecting would only lead to another 404."""
    current = dict(kwargs)
    plan_pk = None
    for name in PLAN_SLUG_KWARGS[view_name]:
        plan = _current_plan(kwargs[name])
        if plan is None:
            return None
        plan_pk, current[name] = plan
    if LABEL_KWARG in kwargs:
        label = _current_label(plan_pk, kwargs[LABEL_KWARG])
        if label is None:
            return None
        current[LABEL_KWARG] = label
    return current


def _current_plan(slug: str) -> tuple[int, str] | None:
    """(pk, slug) of the plan that has `slug` now or, failing that, of the plan that last had
    it, if that plan still exists. One query."""
    last_holder = _latest(Plan.history.filter(slug=slug))
    rows = list(
        Plan.objects.filter(Q(slug=slug) | Q(pk=Subquery(last_holder))).values_list("pk", "slug")
    )
    return _prefer(rows, slug)


def _current_label(plan_pk: int, label: str) -> str | None:
    """The current label of the plan's provision that has `label` now or last had it. One
    query; None for something that is not a label or no provision of the plan."""
    try:
        number, sub = split_label(label)
    except ValueError:
        return None
    last_holder = _latest(Provision.history.filter(plan_id=plan_pk, number=number, sub=sub))
    # the provision must still belong to this plan: the route keeps the plan
    rows = (
        Provision.objects.filter(plan_id=plan_pk)
        .filter(Q(number=number, sub=sub) | Q(pk=Subquery(last_holder)))
        .values_list("pk", "number", "sub")
    )
    found = _prefer([(pk, f"{n}{s}") for pk, n, s in rows], label)
    return found[1] if found else None


def _latest(records):
    """The live object's id of the latest of some historical records, as a subquery."""
    return records.order_by("-history_date", "-history_id").values("id")[:1]


def _prefer(rows: list[tuple[int, str]], name: str) -> tuple[int, str] | None:
    """The row whose current name is `name` (the current holder wins), else the other one."""
    for row in rows:
        if row[1] == name:
            return row
    return rows[0] if rows else None
