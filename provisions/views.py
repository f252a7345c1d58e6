"""HTML views: look up, call a query, render. No rules live here."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from provisions import queries


@require_safe
def plan_list(request):
    return render(request, "provisions/plan_list.html", {"plans": queries.plan_timeline()})


@require_safe
def plan_detail(request, slug: str):
    plan = get_object_or_404(queries.plan_timeline(), slug=slug)
    context = {
        "plan": plan,
        "provisions": queries.provision_list(plan=plan),
        "plan_citations": queries.plan_citations(plan=plan),
    }
    return render(request, "provisions/plan_detail.html", context)


@require_safe
def provision_detail(request, slug: str, label: str):
    provision = queries.provision_detail(plan_slug=slug, label=label)
    return render(request, "provisions/provision_detail.html", {"provision": provision})
