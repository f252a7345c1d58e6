"""Every page works under the Content-Security-Policy in a real browser: no violation reported,
htmx swaps included, and the admin and the API documentation too."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from provisions.models import Provision

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PLAN_28 = "us-russia-28-2025-11"
PLAN_20 = "us-ukraine-20-2025-12"

# ReDoc's bundle shows its maker's logo from this address, hard-coded (no option turns it off):
# the policy blocks it, as it blocks any third-party request, and the footer shows no logo.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"

# recorded in the page before any of its own scripts run
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, and the policy violations seen on it (events and console reports alike)."""
    seen = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    def violations():
        """Every violation so far, but ReDoc's logo."""
        found = seen + page.evaluate("window.__violations || []")
        return [v for v in found if REDOC_LOGO not in v]

    page.violations = violations
    return page


def test_public_pages_and_their_htmx_swaps_raise_no_policy_violation(live_server, watched):
    call_command("load_dataset", verbosity=0)
    page, base = watched, live_server.url
    for url in [
        reverse("provisions:plan-list"),
        reverse("provisions:plan-detail", args=[PLAN_28]),
        reverse("provisions:provision-detail", args=[PLAN_28, "6"]),
        reverse("provisions:scorecard"),
        reverse("provisions:compare-pick"),
    ]:
        page.goto(base + url)
        assert page.violations() == [], url

    page.goto(base + reverse("provisions:compare", args=[PLAN_28, PLAN_20]))
    page.check("input[name=changes_only]")  # an htmx swap, with the URL pushed
    expect(page).to_have_url(re.compile(r"changes_only=on"))
    expect(page.locator("#comparison .row").first).to_be_visible()
    page.goto(base + reverse("provisions:search"))
    page.fill("#q", "troops")  # live search: htmx again
    expect(page.locator("#search-results mark").first).to_be_visible()
    assert page.violations() == []


def test_the_api_pages_and_the_admin_raise_no_policy_violation(
    live_server, watched, django_user_model
):
    call_command("load_dataset", verbosity=0)
    page, base = watched, live_server.url
    page.goto(base + reverse("api:redoc"))
    # ReDoc lays out the whole schema in the browser before it draws the heading: seconds on a
    # busy CI core (it once took more than the default 5 s there)
    heading = page.get_by_role("heading", name=re.compile("provision tracker API"))
    expect(heading).to_be_visible(timeout=30_000)
    expect(page.get_by_text("API docs by Redocly")).to_be_visible()  # where its logo would be
    page.goto(base + "/api/plans/")  # the browsable API
    assert page.violations() == []

    editor = django_user_model.objects.create_user("csp-editor", password="a long csp passphrase")
    editor.is_staff = True
    editor.save()
    editor.groups.add(Group.objects.get(name="Editors"))
    page.goto(base + reverse("admin:login"))
    page.fill("#id_username", "csp-editor")
    page.fill("#id_password", "a long csp passphrase")
    page.click("input[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    for url in [
        reverse("admin:provisions_provision_changelist"),
        reverse("admin:provisions_provision_change", args=[Provision.objects.first().pk]),
        reverse("admin:provisions_plan_changelist"),
        reverse("admin:provisions_assessment_add"),  # autocomplete widgets
    ]:
        page.goto(base + url)
        assert page.violations() == [], url
    page.locator(".select2-selection").first.click()  # the autocomplete's script and request
    expect(page.locator(".select2-results__option").first).to_be_visible()
    assert page.violations() == []
