"""Error pages (the project's handler400/403/404/500) and the costly-request refusal."""

import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults


def too_many_requests(request, wait: float) -> HttpResponse:
    retry_after = math.ceil(wait)
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def not_found(request, exception=None):
    """404: JSON under /api/, the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return render(request, "404.html", status=404)


def bad_request(request, exception=None):
    """400 (Django's own refusals, before any view: a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too
    many fields, a forbidden host): JSON under /api/, as the API promises, else Django's page.
    An over-size body is a 413, which says what to change."""
    too_big = isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent)
    if request.path.startswith("/api/"):
        if too_big:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
            detail = f"The request body is too large: this API accepts up to {limit:g} MB."
            return JsonResponse({"detail": detail, "code": "too_large"}, status=413)
        return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)
    response = defaults.bad_request(request, exception)
    if too_big:
        response.status_code = 413
    return response


def permission_denied(request, exception=None):
    """403 from Django itself (a CSRF refusal outside the API's own views): JSON under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Forbidden.", "code": "permission_denied"}, status=403)
    return defaults.permission_denied(request, exception)


def server_error(request):
    """500 without touching the database or templates that might be what failed."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error.", "code": "server_error"}, status=500)
    return HttpResponse(
        "<!doctype html><title>Server error</title><h1>Something went wrong</h1>"
        "<p>The error has been logged. Please try again in a moment.</p>",
        status=500,
    )
