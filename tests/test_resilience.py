"""A database outage answers 503 (HTML for pages, JSON under /api/) with Retry-After, quickly,
without a traceback, and logs one line (tracker/resilience.py)."""

import json
import logging
import socket
import time

import pytest
from django.core.handlers.exception import convert_exception_to_response
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.test import Client, RequestFactory

from tracker.resilience import DatabaseUnavailableMiddleware

PAGES = ["/", "/plans/some-plan/", "/search/?q=troops", "/scorecard/"]
API = ["/api/provisions/", "/api/plans/", "/api/compare/?left=a&right=b", "/api/export/"]


@pytest.fixture
def client():
    # Django's test client re-raises any exception that became a 500 inside a middleware; a
    # server does not: answer as a server would.
    return Client(raise_request_exception=False)


LOST = {  # what each driver says when its server has gone away under an open connection
    "postgresql": "server closed the connection unexpectedly",
    "sqlite": "unable to open database file",
}


def database_down(error_class=OperationalError):
    """Every query fails, as when the server has gone away under an open connection."""

    def fail(execute, sql, params, many, context):
        # the driver's own error, wrapped by Django as a real one is (with it as the cause)
        driver_error = getattr(connection.Database, error_class.__name__)
        with connection.wrap_database_errors:
            raise driver_error(LOST[connection.vendor])

    return connection.execute_wrapper(fail)


def assert_html_503(response):
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"].isdigit()
    html = response.content.decode()
    assert "Temporarily unavailable" in html
    assert "Traceback" not in html and "OperationalError" not in html


def assert_api_503(response):
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"].isdigit()
    body = json.loads(response.content)
    assert body["code"] == "database_unavailable" and body["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("error_class", [OperationalError, InterfaceError])
@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_503_html_when_the_database_is_down(client, url, error_class):
    with database_down(error_class):
        assert_html_503(client.get(url))


@pytest.mark.django_db
@pytest.mark.parametrize("error_class", [OperationalError, InterfaceError])
@pytest.mark.parametrize("url", API)
def test_api_answers_503_json_when_the_database_is_down(client, url, error_class):
    with database_down(error_class):
        assert_api_503(client.get(url))


@pytest.mark.django_db
def test_logged_in_readers_and_writes_get_503_too(client, editor):
    client.force_login(editor)  # the session and the user now come from the database
    with database_down():
        assert_html_503(client.get("/"))
        assert_html_503(client.get("/admin/"))
        assert_api_503(client.get("/api/provisions/"))
        assert_api_503(client.post("/api/themes/", {"slug": "x", "name": "X"}))
    assert client.get("/").status_code == 200  # and all is well again once it is back


@pytest.mark.django_db
def test_an_outage_logs_one_line_without_a_traceback(client, caplog):
    with caplog.at_level(logging.INFO), database_down():
        client.get("/api/provisions/")
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].name == "tracker.resilience"
    assert "database unavailable: GET /api/provisions/ -> 503" in records[0].getMessage()
    assert records[0].exc_info is None


def test_an_error_raised_in_a_view_is_turned_into_503():
    request = RequestFactory().get("/plans/x/")
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())
    assert_html_503(middleware.process_exception(request, OperationalError("gone")))
    assert middleware.process_exception(request, ValueError("not ours")) is None


@pytest.mark.parametrize(
    ("path", "check"), [("/plans/x/", assert_html_503), ("/api/plans/", assert_api_503)]
)
def test_an_error_raised_in_another_middleware_is_turned_into_503(path, check):
    """Django makes a 500 of it inside that middleware's wrapper; the 503 replaces it."""

    def session_middleware(request):
        raise OperationalError('connection to server at "127.0.0.1" failed')

    middleware = DatabaseUnavailableMiddleware(convert_exception_to_response(session_middleware))
    check(middleware(RequestFactory().get(path)))


def test_other_errors_stay_500():
    def broken(request):
        raise ValueError("a bug, not an outage")

    middleware = DatabaseUnavailableMiddleware(convert_exception_to_response(broken))
    response = middleware(RequestFactory().get("/api/plans/"))
    assert response.status_code == 500


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a server to be unreachable: PostgreSQL only"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_unreachable_server_answers_503_within_seconds(client):
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port()
    try:
        for url, check in [("/plans/x/", assert_html_503), ("/api/plans/", assert_api_503)]:
            started = time.monotonic()
            check(client.get(url))
            assert time.monotonic() - started < 5
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
