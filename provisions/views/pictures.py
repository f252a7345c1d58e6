"""Pictures: the lineage flow, a point's lineage, the negotiation timeline."""

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from provisions import flows, queries
from provisions import timeline as timelines
from provisions.forms import FlowForm, TimelineForm
from provisions.models import Coverage, Plan
from provisions.views.plans import featured_comparison
from provisions.views.rendering import (
    TIMELINE_MARKUP,
    picker_plans,
    picture_query,
    throttled_picture,
)


@require_safe
def compare_flow(request, left: str, right: str, fmt: str = ""):
    """The lineage flow of two versions: the comparison's rows as bands."""
    plans = [get_object_or_404(Plan, slug=left), get_object_or_404(Plan, slug=right)]
    form = FlowForm(request.GET, default=plans, versions=plans)
    name = f"flow-{left}--{right}"
    return _flow_response(request, form, name=name, fmt=fmt, chain=False)


@require_safe
def flow(request, fmt: str = ""):
    """The lineage flow of a chain of versions (`?v=` repeated), by default the featured
    comparison's chain."""
    form = FlowForm(request.GET, default=_featured_chain())
    name = "flow-" + "--".join(form.slugs)[:200]
    return _flow_response(request, form, name=name, fmt=fmt, chain=True)


def _flow_response(request, form, *, name: str, fmt: str, chain: bool):
    valid = form.is_valid()
    picture = flows.flow(form.cleaned_data["plans"], theme=form.chosen_theme) if valid else None
    if fmt:
        if picture is None:
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        return throttled_picture(
            request, "provisions/_flow.svg", {"flow": picture}, name=name, fmt=fmt
        )
    query = picture_query(request, request.GET.lists())
    context = {
        "form": form,
        "flow": picture,
        "chain": chain,
        "plans": picker_plans(*(picture.plans if picture else [])),
        # the pickers: the versions shown, in order, then empty ones (a thousand options each,
        # built by the version_options tag in one pass)
        "picks": [plan.pk for plan in picture.plans][: FlowForm.MAX_VERSIONS]
        + [None] * (FlowForm.MAX_VERSIONS - len(picture.plans))
        if picture
        else [None] * FlowForm.MAX_VERSIONS,
        "query": query,
        "flow_key": ":".join(
            [queries.dataset_stamp(), form.chosen_theme, *(p.slug for p in picture.plans)]
        )
        if picture
        else "",
    }
    return render(request, "provisions/flow.html", context, status=200 if valid else 400)


def _featured_chain() -> list[Plan]:
    """The featured comparison's versions with those between them (following `based_on` back
    from the later one), e.g. 28-point plan → 19-point framework → 20-point framework."""
    pair = featured_comparison()
    if pair is None:
        return []
    first, plan = pair
    chain = [plan]
    while plan.based_on_id and plan.pk != first.pk and len(chain) < FlowForm.MAX_VERSIONS:
        plan = plan.based_on
        chain.append(plan)
    return chain[::-1] if plan.pk == first.pk else [first, pair[1]]


@require_safe
def point_lineage_picture(request, slug: str, label: str, fmt: str):
    """The lineage graph of one point, as a file."""
    provision = queries.provision_detail(plan_slug=slug, label=label)
    graph = flows.point_graph(provision, queries.provision_lineage(provision))
    if graph is None:
        raise Http404("This point is linked to no point of another version.")
    name = f"lineage-{slug}-{label}"
    return throttled_picture(
        request, "provisions/_point_graph.svg", {"graph": graph}, name=name, fmt=fmt
    )


def _timeline_context(request) -> dict:
    form = TimelineForm(request.GET or None)
    period = form.period()
    return {
        "form": form,
        # computed only when its cached fragment is missing (timeline.html)
        "tl": SimpleLazyObject(lambda: timelines.timeline(**period)),
        "timeline_key": ":".join(
            map(str, (TIMELINE_MARKUP, queries.dataset_stamp(), period["start"], period["end"]))
        ),
        "periods": timelines.quick_periods(**period),
        "query": picture_query(
            request, [(k, [v]) for k, v in request.GET.items() if k in form.fields]
        ),
    }


@require_safe
def timeline(request):
    """Versions and stances on a time axis, a lane per party; ?from=&to= zoom in. An invalid
    bound is reported on the page (400) and left open."""
    context = _timeline_context(request)
    context["coverage"] = Coverage.objects.current()
    status = 400 if context["form"].errors else 200
    return render(request, "provisions/timeline.html", context, status=status)


@require_safe
def timeline_picture(request, fmt: str):
    """The timeline (the page's period) as an SVG or PNG file."""
    context = _timeline_context(request)
    if context["form"].errors:
        return JsonResponse({"errors": context["form"].errors.get_json_data()}, status=400)
    return throttled_picture(request, "provisions/_timeline.svg", context, name="timeline", fmt=fmt)
