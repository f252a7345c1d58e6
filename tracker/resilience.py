"""A database outage answers 503 with a short message, never a traceback or a generic 500.

`DatabaseUnavailableMiddleware` (in MIDDLEWARE right after SecurityMiddleware) turns
django.db.OperationalError and InterfaceError into a 503 with Retry-After: an HTML page, or
under /api/ the JSON `{"detail": …, "code": "database_unavailable"}`. It logs one line per
failed request, without a traceback, in place of Django's own "Internal Server Error" record.

Where the error comes from decides how it is caught:

- from a view or while rendering its response: `process_exception`;
- from another middleware (sessions, authentication, the page cache reading the dataset stamp):
  Django turns the exception into a 500 inside that middleware's own wrapper, so it never
  reaches this one as an exception. The `got_request_exception` signal, sent while the 500 is
  being made, marks the request instead, and this middleware replaces that 500 with the 503.

The 503 is built without the database, templates or the session: any of them may be what
failed. Settings already make a lost PostgreSQL fail fast (connect_timeout=3) and reconnect on
the next request (CONN_HEALTH_CHECKS).
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger("tracker.resilience")

RETRY_AFTER_SECONDS = 5
DETAIL = "The database is unavailable. Please try again in a few seconds."
CODE = "database_unavailable"
HTML = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Temporarily unavailable</title>"
    "<h1>Temporarily unavailable</h1><p>" + DETAIL + "</p></html>"
)
DATABASE_ERRORS = (OperationalError, InterfaceError)
_MARK = "_database_unavailable"


def unavailable_response(request) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": DETAIL, "code": CODE}, status=503)
    else:
        response = HttpResponse(HTML, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # Django's "Service Unavailable" line would repeat ours
    return response


def _log(request, exc) -> None:
    message = " ".join(str(exc).split())[:200] or type(exc).__name__
    logger.warning(
        "database unavailable: %s %s -> 503 (%s: %s)",
        request.method,
        request.path,
        type(exc).__name__,
        message,
    )


def _not_a_database_error(record: logging.LogRecord) -> bool:
    """Filter for the django.request logger: its record (with traceback) of a 500 that this
    middleware replaces by a 503 would only repeat the one line it logs itself."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, DATABASE_ERRORS)


logging.getLogger("django.request").addFilter(_not_a_database_error)


def _mark_database_errors(sender, request=None, **kwargs) -> None:
    """Receiver for got_request_exception, sent while Django turns an exception into a 500."""
    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, DATABASE_ERRORS):
        setattr(request, _MARK, exc)


got_request_exception.connect(_mark_database_errors, dispatch_uid="tracker.resilience")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except DATABASE_ERRORS as exc:  # raised past every other layer's handler
            _log(request, exc)
            return unavailable_response(request)
        exc = getattr(request, _MARK, None)
        if exc is not None and response.status_code >= 500:
            _log(request, exc)
            return unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            _log(request, exception)
            return unavailable_response(request)
        return None
