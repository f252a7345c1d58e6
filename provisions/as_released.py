"""`?release=<number>`: any read of the record, as a numbered release had it.

`ReleaseMiddleware` takes the parameter off the request (so views, filters and the strict
parameter checks never see it), and runs the view inside `releases.reading`, where every read of
a dataset row comes from that release's frozen copy. Responses say which release answered
(`Dataset-Release` header; a banner on pages, from `release_context`). Where a release cannot
answer (a write, the history-based feeds and changes, the admin), the parameter is refused in the
interface's own form: a 400 naming it, JSON under /api/, the error page elsewhere.
"""

import re

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from provisions import releases
from provisions.models import Release

# what a release can answer: the read endpoints and the public pages built on dataset rows
API_READS = re.compile(
    r"^/api/(plans|provisions|sources|citations|assessments|correspondences|themes|tags|"
    r"parties|positions|compare)(/|$)"
)
PAGES = re.compile(r"^/($|plans/|compare/|search/|scorecard/|variants/|timeline[/.]|flow[/.])")
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
HEADER = "Dataset-Release"


class ReleaseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "release" not in request.GET or request.method not in READ_METHODS | WRITE_METHODS:
            return self.get_response(request)  # (a method nobody takes is the view's 405)
        api = request.path.startswith("/api/")
        value = request.GET.get("release", "")
        problem = None
        if not (API_READS.match(request.path) or PAGES.match(request.path)):
            problem = "This address does not read releases: remove ?release=."
        elif request.method not in READ_METHODS:
            if not _view_takes(request):
                return self.get_response(request)  # the view's own 405
            problem = "A release is read-only: send writes without ?release=."
        elif not re.fullmatch(r"[1-9][0-9]{0,8}", value):
            problem = "A release is named by its number, e.g. ?release=1."
        if problem:
            if api:
                return JsonResponse({"release": [problem]}, status=400)
            return render(request, "provisions/bad_request.html", {"problem": problem}, status=400)
        release = Release.objects.defer("frozen").filter(number=int(value)).first()
        if release is None:
            if api:
                return JsonResponse({"release": [f"There is no release {value}."]}, status=404)
            raise Http404(f"There is no release {value}.")
        request.GET = request.GET.copy()
        del request.GET["release"]
        request.release = release
        with releases.reading(release):
            response = self.get_response(request)
            # a streamed or lazily rendered body reads inside the release too
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        response[HEADER] = str(release.number)
        return response


def _view_takes(request) -> bool:
    """Whether the view at this address takes the request's method at all."""
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    method = request.method.lower()
    actions = getattr(view, "actions", None)  # a viewset's routes: method -> action
    if actions is not None:
        return method in actions
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return view_class is None or hasattr(view_class, method)


def release_context(request):
    """The banner of a page read from a release (context processor)."""
    release = getattr(request, "release", None)
    if release is None:
        return {}
    return {"reading_release": release}
