"""The analysts' finding aids: search, where sources disagree, the scorecard."""

import math

from django.core.validators import slug_re
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from provisions import queries, witnesses
from provisions.api.throttling import costly_refusal
from provisions.forms import SearchForm, VariantsForm
from provisions.models import Plan, Provision
from provisions.views.errors import too_many_requests
from provisions.views.rendering import picker_plans, render_page


@require_safe
@vary_on_headers("HX-Request")
def search(request):
    form = SearchForm(request.GET or None)
    valid = form.is_valid()
    query = form.cleaned_data["q"] if valid else ""
    include = valid and form.cleaned_data["withdrawn"]
    context = {"form": form, "query": query, "results": None, "include_withdrawn": include}
    wait = costly_refusal(request) if query else None
    if wait is not None:  # searching ranks every match: anonymous readers share a stricter rate
        context["retry_after"] = math.ceil(wait)
        response = render_page(request, "provisions/search.html", "search-results", context)
        response.status_code = 429
        response["Retry-After"] = str(context["retry_after"])
        return response
    if query:
        context["results"] = queries.search(
            query,
            include_withdrawn=include,
            plan=form.cleaned_data.get("plan", "") if valid else "",
            theme=form.cleaned_data.get("theme", "") if valid else "",
        )
    return render_page(request, "provisions/search.html", "search-results", context)


@require_safe
def variants(request):
    """Every point whose sources disagree in substance, by version and kind."""
    found = witnesses.variants_by_provision()
    points = list(
        Provision.objects.filter(pk__in=found)
        .select_related("plan")
        .order_by("plan__presented_on", "plan__slug", "position")
    )
    plans = list({p.plan_id: p.plan for p in points}.values())
    form = VariantsForm(
        request.GET or None,
        plans=plans,
        kinds=[(kind, witnesses.KIND_NAMES[kind]) for kind in witnesses.KINDS],
    )
    chosen = form.cleaned_data if form.is_valid() else {}
    if plan := chosen.get("plan"):
        points = [p for p in points if p.plan.slug == plan]
    if kind := chosen.get("kind"):
        points = [p for p in points if kind in found[p.pk].kinds]
    context = {
        "form": form,
        "entries": [(p, found[p.pk]) for p in points],
    }
    return render(request, "provisions/variants.html", context, status=400 if form.errors else 200)


@require_safe
def scorecard(request):
    if (wait := costly_refusal(request)) is not None:  # its cost grows with the versions
        return too_many_requests(request, wait)
    baseline = None
    if slug := request.GET.get("baseline"):
        if not slug_re.match(slug):  # not a slug (a NUL would be a database error) names nothing
            raise Http404("No such version.")
        baseline = get_object_or_404(Plan, slug=slug)
    card = queries.scorecard(baseline=baseline, page_number=request.GET.get("page", 1))
    context = {
        "card": card,
        "baseline": baseline,
        "plans": picker_plans(baseline),
        "columns": list(queries.SCORE_COLUMNS),
    }
    return render(request, "provisions/scorecard.html", context)
