"""A database outage answers 503 with a short message, never a traceback or a generic 500.

`DatabaseUnavailableMiddleware` (in MIDDLEWARE right after SecurityMiddleware) turns a lost or
refused connection (`is_outage`) into a 503 with Retry-After: an HTML page, or under /api/ the
JSON `{"detail": …, "code": "database_unavailable"}`. It logs one line per failed request,
without a traceback, in place of Django's own "Internal Server Error" record.

Not every OperationalError is an outage. One the database raises for a query it will not run
because the request asked too much (SQLite's "LIKE or GLOB pattern too complex", PostgreSQL's
"program limit exceeded" class 54), or a DataError for a value it cannot take, is the client's
request: a 400 (`is_refusal`), also logged in one line. Any other database error is a fault of
ours and stays a 500 with its traceback in the log: calling it an outage would hide it.

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
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger("tracker.resilience")

RETRY_AFTER_SECONDS = 5
DETAIL = "The database is unavailable. Please try again in a few seconds."
CODE = "database_unavailable"
HTML = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Temporarily unavailable</title>"
    "<h1>Temporarily unavailable</h1><p>" + DETAIL + "</p></html>"
)
DATABASE_ERRORS = (OperationalError, InterfaceError, DataError)
_MARK = "_database_unavailable"

# PostgreSQL: SQLSTATE class 08 (connection exception), shutdown and start-up (57P01–57P03),
# too many connections (53300). libpq's own failures to connect carry no SQLSTATE at all.
PG_OUTAGE_STATES = ("57P01", "57P02", "57P03", "53300")
# SQLite: the file cannot be opened or read, or another connection holds the lock (busy: retry)
SQLITE_OUTAGE_MESSAGES = (
    "unable to open database file",
    "database is locked",
    "database table is locked",
    "disk i/o error",
)
SQLITE_REFUSAL_MESSAGES = (
    "like or glob pattern too complex",
    "expression tree is too large",
    "parser stack overflow",
    "string or blob too big",
    "too many sql variables",
)
REFUSED_DETAIL = "The database cannot run this request as asked (it is too large or too complex)."


def _driver(exc) -> tuple[str, str | None]:
    """Which driver raised the error Django wrapped ("psycopg", "sqlite3" or ""), and its
    SQLSTATE (PostgreSQL only)."""
    cause = exc.__cause__
    module = type(cause).__module__.split(".")[0] if cause is not None else ""
    return module, getattr(cause, "sqlstate", None)


def is_outage(exc) -> bool:
    """A lost, refused or busy connection: the database, not the request, is the problem."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    driver, state = _driver(exc)
    if driver == "psycopg":
        return state is None or state.startswith("08") or state in PG_OUTAGE_STATES
    if driver == "sqlite3":
        return str(exc).lower().startswith(SQLITE_OUTAGE_MESSAGES)
    return not is_refusal(exc)  # raised by hand, without a driver's error: taken at its word


def is_refusal(exc) -> bool:
    """A query the database will not run as the request asked it: the client's to change."""
    if isinstance(exc, DataError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    driver, state = _driver(exc)
    if driver == "psycopg":
        return state is not None and state.startswith("54")
    return str(exc).lower().startswith(SQLITE_REFUSAL_MESSAGES)


def handled(exc) -> bool:
    return isinstance(exc, DATABASE_ERRORS) and (is_outage(exc) or is_refusal(exc))


def response_for(request, exc) -> HttpResponse:
    """The 503 or 400 for an error `handled` accepts, logged in one line."""
    _log(request, exc)
    if is_outage(exc):
        return unavailable_response(request)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": REFUSED_DETAIL, "code": "query_refused"}, status=400)
    else:
        response = HttpResponse(
            "<!doctype html><html lang=en><meta charset=utf-8><title>Bad request</title>"
            "<h1>Bad request</h1><p>" + REFUSED_DETAIL + " Shorten it and try again.</p></html>",
            status=400,
            content_type="text/html; charset=utf-8",
        )
    response._has_been_logged = True
    return response


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
        "%s: %s %s -> %s (%s: %s)",
        "database unavailable" if is_outage(exc) else "query refused by the database",
        request.method,
        request.path,
        503 if is_outage(exc) else 400,
        type(exc).__name__,
        message,
    )


def _not_a_database_error(record: logging.LogRecord) -> bool:
    """Filter for the django.request logger: its record (with traceback) of a 500 that this
    middleware replaces by a 503 would only repeat the one line it logs itself."""
    exc = record.exc_info[1] if record.exc_info else None
    return not handled(exc)


logging.getLogger("django.request").addFilter(_not_a_database_error)


def _mark_database_errors(sender, request=None, **kwargs) -> None:
    """Receiver for got_request_exception, sent while Django turns an exception into a 500."""
    exc = sys.exc_info()[1]
    if request is not None and handled(exc):
        setattr(request, _MARK, exc)


got_request_exception.connect(_mark_database_errors, dispatch_uid="tracker.resilience")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except DATABASE_ERRORS as exc:  # raised past every other layer's handler
            if not handled(exc):
                raise
            return response_for(request, exc)
        exc = getattr(request, _MARK, None)
        if exc is not None and response.status_code >= 500:
            return response_for(request, exc)
        return response

    def process_exception(self, request, exception):
        if handled(exception):
            return response_for(request, exception)
        return None
