"""Headers, the Content-Security-Policy, CSRF and login throttling."""

import pytest
from django.urls import reverse

from tests.factories import PlanFactory

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.mark.parametrize(
    "url",
    ["/", "/search/?q=troops", "/api/plans/", "/api/redoc/", "/admin/login/"],
)
def test_every_response_carries_the_security_headers(client, url):
    PlanFactory()
    response = client.get(url)
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]  # styles cannot run code
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_public_pages_have_no_inline_script_and_configure_htmx_for_the_policy(client):
    plan = PlanFactory()
    html = client.get(plan.get_absolute_url()).content.decode()
    assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html
    for tag in html.split("<script")[1:]:
        assert tag.lstrip().startswith("src="), tag[:80]


def test_the_documentation_page_loads_its_scripts_from_files(client):
    html = client.get(reverse("api:redoc")).content.decode()
    for tag in html.split("<script")[1:]:
        assert " src=" in tag.split(">")[0], tag[:120]


def test_a_post_without_a_csrf_token_is_refused(editor):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    response = strict.post(reverse("admin:provisions_tag_add"), {"name": "x", "slug": "x"})
    assert response.status_code == 403


def test_the_public_pages_take_no_writes(client):
    plan = PlanFactory()
    assert client.post(plan.get_absolute_url()).status_code in (403, 405)
    assert client.post(reverse("provisions:search")).status_code in (403, 405)


def test_logins_are_throttled_after_five_failures(client, editor):
    url = reverse("admin:login")
    statuses = [
        client.post(url, {"username": "editor", "password": "wrong guess"}).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the form with its error, then locked out
    # the right password from the same address is now refused too
    locked = client.post(url, {"username": "editor", "password": "a-long-test-passphrase"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(client, editor):
    url = reverse("admin:login")
    for _ in range(4):
        client.post(url, {"username": "editor", "password": "wrong guess"})
    ok = client.post(url, {"username": "editor", "password": "a-long-test-passphrase"})
    assert ok.status_code == 302
    client.logout()
    for _ in range(4):
        assert client.post(url, {"username": "editor", "password": "nope"}).status_code == 200
