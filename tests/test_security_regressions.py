"""The second hostile round (research/api-security-audit-2026-12.md, Part 2), kept closed.

Each test is one of the audit's reproductions, run the way the attacker ran it: a proxy is
simulated with REMOTE_ADDR and X-Forwarded-For plus the NUM_PROXIES setting, concurrency with
threads against the live test server. SECURITY.md ("What we test, and how") lists them.
"""

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse

from provisions import dataset
from provisions.api.parsers import MAX_DEPTH, nesting_depth
from provisions.api.renderers import spreadsheet_safe
from provisions.api.throttling import AnonWindowThrottle, CostlyThrottle
from provisions.models import Assessment, Provision
from tests.factories import TagFactory, api_as
from tracker.checks import check_limits
from tracker.clientip import client_address

ROOT = Path(__file__).resolve().parent.parent
PROXY = "10.0.0.1"  # the address every request has when it comes through our proxy
pytestmark = pytest.mark.django_db


@pytest.fixture
def anon_rate(monkeypatch):
    def set_rates(anon="1000/minute", costly="1000/minute"):
        rates = {"anon": anon, "costly": costly}
        monkeypatch.setattr(AnonWindowThrottle, "THROTTLE_RATES", rates)
        monkeypatch.setattr(CostlyThrottle, "THROTTLE_RATES", rates)

    return set_rates


# --- S-1: the address a client is counted under ------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, PROXY),
        (0, "198.51.100.7", PROXY),  # no proxy of ours: the header is the client's own words
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # a client's prefix changes nothing
        (1, "garbage, 198.51.100.7", "198.51.100.7"),
        (1, None, PROXY),  # the proxy did not forward: never an address the client chose
        (1, "1.2.3.4, not-an-address", PROXY),
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, "198.51.100.7", PROXY),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_is_the_address_the_outermost_proxy_saw(
    rf, settings, proxies, forwarded, expected
):
    settings.NUM_PROXIES = proxies
    meta = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(rf.get("/", **meta)) == expected


@pytest.mark.parametrize("url", ["/api/themes/", "/api/themes/?page_size={n}1"])
def test_a_forged_forwarded_for_does_not_reset_the_anonymous_count(client, anon_rate, url):
    """Audit: 400 requests with a new X-Forwarded-For each were all 200. Cached responses too."""
    anon_rate(anon="3/minute")
    codes = [
        client.get(url.format(n=n), HTTP_X_FORWARDED_FOR=f"10.{n}.0.7").status_code
        for n in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]


def test_behind_a_proxy_each_client_has_its_own_count_and_cannot_choose_it(
    client, settings, anon_rate
):
    settings.NUM_PROXIES = 1
    anon_rate(anon="2/minute")

    def get(forwarded):
        return client.get(
            "/api/themes/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    spoofed = [get(f"172.16.0.{n}, 198.51.100.7") for n in range(3)]
    assert spoofed == [200, 200, 429]
    assert get("203.0.113.20") == 200  # another client behind the same proxy is not blocked


@pytest.mark.parametrize(
    ("backend", "warned"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", True),
        ("tracker.cache.TrackerRedisCache", False),
    ],
)
def test_the_deployment_check_says_when_limits_are_per_process(monkeypatch, backend, warned):
    from tracker import checks

    fake = SimpleNamespace(CACHES={"default": {"BACKEND": backend}}, NUM_PROXIES=0)
    monkeypatch.setattr(checks, "settings", fake)  # a real cache setting would connect
    assert ("tracker.W001" in {w.id for w in check_limits()}) is warned


def test_the_deployment_check_wants_num_proxies_behind_a_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.NUM_PROXIES = 0
    assert "tracker.W002" in {w.id for w in check_limits()}
    settings.NUM_PROXIES = 1
    assert "tracker.W002" not in {w.id for w in check_limits()}


def python(code: str, **env) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with only these variables (and DEBUG=1) set."""
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "1", **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_server_without_a_shared_cache_says_at_start_up_that_limits_are_per_process():
    result = python("import tracker.wsgi")
    assert result.returncode == 0, result.stderr
    assert "counted in each worker process" in result.stderr


def test_num_proxies_must_be_a_whole_number():
    result = python("import tracker.settings", NUM_PROXIES="one")
    assert result.returncode != 0
    assert "NUM_PROXIES must be a whole number" in result.stderr


# --- S-2: the costly endpoints ------------------------------------------------------------------


def test_the_export_is_written_once_per_state_of_the_data(client, editor, make_plan, monkeypatch):
    make_plan(2)
    built = []
    records = dataset.records
    monkeypatch.setattr(dataset, "records", lambda: built.append(1) or records())

    first = client.get(reverse("api:export"))
    body = b"".join(first.streaming_content)
    assert first.status_code == 200
    assert int(first["Content-Length"]) == len(body)
    etag = first["ETag"]
    second = client.get(reverse("api:export"))
    assert b"".join(second.streaming_content) == body and second["ETag"] == etag
    assert client.get(reverse("api:export"), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(built) == 1

    provision = Provision.objects.first()
    provision.note = "Edited after the first export."
    provision.save()
    third = client.get(reverse("api:export"))
    assert third["ETag"] != etag
    assert b"Edited after the first export." in b"".join(third.streaming_content)
    assert len(built) == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_concurrent_exports_build_the_file_once(live_server, make_plan, monkeypatch):
    """Audit: 8 concurrent exports each re-serialised the database (a 9 ms page took 7.5 s)."""
    import urllib.error
    import urllib.request

    make_plan(3)
    built = []
    records = dataset.records
    monkeypatch.setattr(dataset, "records", lambda: built.append(1) or records())
    monkeypatch.setattr(
        CostlyThrottle, "THROTTLE_RATES", {"anon": "1000/minute", "costly": "1000/minute"}
    )
    monkeypatch.setattr(AnonWindowThrottle, "THROTTLE_RATES", {"anon": "1000/minute"})
    results = []

    def fetch():
        try:
            with urllib.request.urlopen(live_server.url + "/api/export/", timeout=30) as answer:
                results.append((answer.status, answer.headers["ETag"], answer.read()))
        except urllib.error.HTTPError as refused:  # another request is writing the file
            results.append((refused.code, refused.headers["Retry-After"], b""))

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len(built) == 1
    written = {(etag, body) for code, etag, body in results if code == 200}
    assert len(written) == 1
    assert all(code == 200 or (code == 503 and after == "5") for code, after, _ in results)
    fetch()  # once written, everyone gets the same file, and nothing is built again
    assert results[-1][0] == 200 and (results[-1][1], results[-1][2]) in written
    assert len(built) == 1


def test_anonymous_exports_share_a_stricter_rate(client, editor, anon_rate):
    anon_rate(costly="2/minute")
    codes = [client.get(reverse("api:export")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert api_as(editor).get(reverse("api:export")).status_code == 200  # accountable users


def test_anonymous_full_text_searches_share_the_stricter_rate(client, make_plan, anon_rate):
    make_plan(2)
    anon_rate(costly="2/minute")
    searches = [client.get(f"/api/provisions/?q=word{n}").status_code for n in range(3)]
    assert searches == [200, 200, 429]
    assert client.get("/api/provisions/").status_code == 200  # a plain list is not costly


def test_anonymous_csv_lists_share_the_stricter_rate(client, make_plan, anon_rate):
    make_plan(2)
    anon_rate(costly="1/minute")
    assert client.get("/api/citations/?format=csv").status_code == 200
    assert client.get("/api/sources/?format=csv").status_code == 429  # every row: costly
    assert client.get("/api/sources/").status_code == 200  # paginated: not


def test_the_search_page_says_when_the_rate_is_spent(client, make_plan, anon_rate):
    make_plan(2)
    anon_rate(costly="1/minute")
    assert client.get("/search/?q=alpha").status_code == 200
    refused = client.get("/search/?q=beta")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "Too many searches" in refused.content.decode()
    partial = client.get("/search/?q=gamma", HTTP_HX_REQUEST="true")
    assert partial.status_code == 429 and 'id="search-results"' in partial.content.decode()
    assert client.get("/search/?q=alpha").status_code == 200  # from the page cache: no cost


def test_anonymous_large_pages_and_the_scorecard_share_the_stricter_rate(
    client, make_plan, anon_rate
):
    make_plan(2)
    anon_rate(costly="1/minute")
    assert client.get("/api/provisions/?page_size=200").status_code == 200
    assert client.get("/api/provisions/?page_size=100").status_code == 429
    assert client.get("/api/provisions/?page_size=50").status_code == 200  # the default size
    refused = client.get("/scorecard/")
    assert refused.status_code == 429 and "Too many requests" in refused.content.decode()
    assert int(refused["Retry-After"]) >= 1


def test_a_search_pattern_is_bounded(client):
    response = client.get("/api/provisions/", {"q": "a" * 60_000})
    assert response.status_code == 400
    assert "at most 200 characters" in response.json()["q"][0]


# --- S-3: login lockouts behind the proxy -------------------------------------------------------


@pytest.fixture
def erin(django_user_model):
    user = django_user_model.objects.create_user(
        "erin", password="erin-s-own-long-passphrase", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def login(client, password, forwarded=None, remote=PROXY):
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    data = {"username": "erin", "password": password, "next": "/admin/"}
    return client.post("/admin/login/", data, **meta)


def test_behind_a_proxy_an_attacker_cannot_lock_a_colleague_out(client, settings, erin):
    """Audit: five wrong passwords for erin from one client locked erin out everywhere."""
    settings.NUM_PROXIES = 1
    for n in range(5):
        login(client, "wrong", forwarded=f"{n}.{n}.{n}.{n}, 198.51.100.7")
    attacker = login(client, "erin-s-own-long-passphrase", forwarded="198.51.100.7")
    assert attacker.status_code == 429  # the attacker's own address is locked for erin
    # erin, from her own address (even if the attacker's address is written before it)
    own = login(client, "erin-s-own-long-passphrase", forwarded="198.51.100.7, 203.0.113.20")
    assert own.status_code == 302 and own["Location"] == "/admin/"


def test_without_a_proxy_a_forged_header_does_not_escape_a_lockout(client, settings, erin):
    settings.NUM_PROXIES = 0
    for n in range(5):
        login(client, "wrong", forwarded=f"192.0.2.{n}", remote="198.51.100.7")
    locked = login(client, "erin-s-own-long-passphrase", "192.0.2.99", remote="198.51.100.7")
    assert locked.status_code == 429
    elsewhere = login(client, "erin-s-own-long-passphrase", remote="203.0.113.20")
    assert elsewhere.status_code == 302


# --- S-11 and S-12: bodies ----------------------------------------------------------------------


def test_nesting_depth_reads_brackets_outside_strings_only():
    assert nesting_depth('{"a": [1, {"b": "[[[[{{"}]}') == 3
    assert nesting_depth('"just [a] string"') == 0
    assert nesting_depth('{"a": "quote \\" then [["}') == 1
    assert nesting_depth("[" * 5000 + "]" * 5000) == 5000


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_deeply_nested_json_is_a_400_not_a_500(analyst, make_plan, depth):
    """Audit: 1,000 levels in a field, or a 100,000-deep array body, raised RecursionError."""
    plan = make_plan(1)
    tag = TagFactory()
    nested = "[" * depth + "]" * depth
    body = (
        f'{{"provision": {plan.provisions.get().pk}, "tag": "{tag.slug}", "rationale": {nested}}}'
    )
    response = api_as(analyst).post(
        "/api/assessments/", body.encode(), content_type="application/json"
    )
    assert response.status_code == 400
    assert "nest more than" in response.json()["detail"]
    assert not Assessment.objects.exists()


def test_ordinary_nesting_still_parses(editor):
    response = api_as(editor).post(
        "/api/tags/", json.dumps({"name": "[not] {nested}", "slug": "bracketed"}),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content


def test_an_over_size_body_is_refused_in_json(editor, settings):
    """Audit: the refusal was Django's HTML 400 page where the API promises JSON."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"name": "x" * 20_000, "slug": "big"})
    response = api_as(editor).post("/api/tags/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "too_large"


def test_an_over_size_form_is_refused_in_json_too(editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = api_as(editor).post(
        "/api/tags/",
        f"name={'x' * 20_000}&slug=big",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413 and response.json()["code"] == "too_large"


# --- S-13: which database errors are outages ----------------------------------------------------


def raising(driver_error):
    def fail(execute, sql, params, many, context):
        with connection.wrap_database_errors:
            raise driver_error

    return connection.execute_wrapper(fail)


def driver_errors():
    """(error, expected status) for the database the tests run on."""
    if connection.vendor == "postgresql":
        import psycopg

        return [
            (psycopg.errors.lookup("54001")("statement is too complex"), 400),
            (psycopg.errors.lookup("57P01")("terminating connection"), 503),
            (psycopg.OperationalError("server closed the connection unexpectedly"), 503),
            (psycopg.errors.lookup("42P01")('relation "x" does not exist'), 500),
            (psycopg.errors.lookup("55P03")("could not obtain lock"), 500),
        ]
    return [
        (sqlite3.OperationalError("LIKE or GLOB pattern too complex"), 400),
        (sqlite3.OperationalError("unable to open database file"), 503),
        (sqlite3.OperationalError("database is locked"), 503),
        (sqlite3.OperationalError("no such table: provisions_plan"), 500),
    ]


@pytest.mark.parametrize("case", range(5))
def test_only_connection_failures_are_reported_as_an_outage(case):
    from django.test import Client

    cases = driver_errors()
    if case >= len(cases):
        pytest.skip("fewer cases on this database")
    error, expected = cases[case]
    client = Client(raise_request_exception=False)
    with raising(error):
        response = client.get("/api/plans/")
    assert response.status_code == expected
    code = response.json().get("code")
    assert (
        code == {400: "query_refused", 503: "database_unavailable", 500: "server_error"}[expected]
    )


# --- the smaller ones ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/citations/１/",  # full-width one
        "/api/provisions/١١/",  # Arabic-Indic eleven
        "/api/plans/{slug}/provisions/١/",
        "/plans/{slug}/١/",
        "/plans/{slug}/1%0A/",
    ],
)
def test_ids_and_labels_have_one_spelling(client, make_plan, path):
    plan = make_plan(12)
    response = client.get(path.format(slug=plan.slug))
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["provision=١", "page=２", "page_size=５"])
def test_numbers_in_parameters_are_ascii(client, make_plan, query):
    make_plan(2)
    url = "/api/citations/?" + query
    assert client.get(url).status_code == 400


def test_the_markdown_export_carries_no_live_markup(client, make_plan):
    plan = make_plan(1)
    right = make_plan(1)
    provision = plan.provisions.get()
    provision.text = "<script>alert(1)</script> [click](javascript:alert(2)) ![x](https://e.x/p)"
    provision.save()
    url = reverse("provisions:compare-export", args=[plan.slug, right.slug, "md"])
    body = client.get(url).content.decode()
    assert "<script" not in body and "![x]" not in body
    assert not re.search(r"(?<!\\)\]\(", body)  # every "](" that could make a link is escaped
    assert "&lt;script&gt;" in body and "\\[click\\]" in body


@pytest.mark.parametrize(
    "text",
    [
        ";=1+1", ",=1+1", "|calc", " =1+1", "\t=1+1", "\r=1+1", "\n=1+1", "\u200b=1+1",
        "\ufeff=1+1", "＝1+1", "＋1", "  @SUM(1+1)", "-2+3",
    ],
)  # fmt: skip
def test_formula_starts_get_an_apostrophe(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["Ukraine's army", "600,000", "a;=b", "(a) b", "'quoted"])
def test_plain_text_is_left_as_it_is(text):
    assert spreadsheet_safe(text) == text


def test_csv_fields_are_quoted_so_no_locale_splits_a_cell(client, make_plan, anon_rate):
    plan = make_plan(1)
    provision = plan.provisions.get()
    provision.text = ";=HYPERLINK(1)"
    provision.note = "a, b; c"
    provision.save()
    body = client.get("/api/provisions/?format=csv").content.decode()
    assert body.splitlines()[0].startswith('"id","plan"')
    assert '"a, b; c"' in body  # quoted, so a separator inside a cell never splits it
    rows = list(csv.reader(io.StringIO(body)))
    cells = [cell for row in rows for cell in row]
    assert "';=HYPERLINK(1)" in cells
    assert not any(spreadsheet_safe(cell) != cell for cell in cells)


def test_no_login_name_is_published(client, django_user_model, make_plan):
    """Audit S-6: `author` and the feeds named accounts; an attacker had names for S-3."""
    user = django_user_model.objects.create_user(
        "erin-login-name", password="x-long-passphrase-1", is_staff=True, first_name="Erin"
    )
    user.groups.add(Group.objects.get(name="Analysts"))
    plan = make_plan(1)
    provision = plan.provisions.get()
    response = api_as(user).post(
        "/api/assessments/",
        {"provision": provision.pk, "tag": TagFactory().slug, "rationale": "Reasoned."},
        format="json",
    )
    assert response.status_code == 201, response.content
    provision.note = "Changed by Erin."
    provision._history_user = user  # as the history middleware records a logged-in edit
    provision.save()
    pages = [
        "/api/assessments/",
        "/api/assessments/?format=csv",
        "/api/export/",
        provision.get_absolute_url(),
        reverse("api:feed-plan", args=[plan.slug]),
    ]
    for page in pages:
        response = client.get(page)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"erin-login-name" not in content, page
