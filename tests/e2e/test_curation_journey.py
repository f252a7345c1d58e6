"""An editor adds a version within minutes of its publication, in a real browser."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASTED = """Draft framework as published

1. Ukraine's sovereignty is confirmed.
2. Ukraine's armed forces remain at 800,000
in peacetime.
3. Elections follow the signing.
"""


def test_editor_imports_a_version_tags_a_point_and_the_public_sees_it(
    live_server, page, django_user_model
):
    editor = django_user_model.objects.create_user("e2e-editor", password="a long e2e passphrase")
    editor.is_staff = True
    editor.save()
    editor.groups.add(Group.objects.get(name="Editors"))
    TagFactory(slug="contested", name="Contested")

    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "e2e-editor")
    page.fill("#id_password", "a long e2e passphrase")
    page.click("input[type=submit]")

    page.goto(live_server.url + reverse("admin:provisions_plan_changelist"))
    page.click("text=Import a version from its text")
    page.fill("#id_text", PASTED)
    for field, value in {
        "#id_slug": "draft-framework-2026", "#id_title": "Draft framework (2026)",
        "#id_short_name": "Draft framework", "#id_presented_on": "2026-03-01",
        "#id_source_url": "https://example.org/draft-framework", "#id_source_publisher": "Example Times",
        "#id_source_title": "The draft framework in full", "#id_source_published_on": "2026-03-01",
    }.items():  # fmt: skip
        page.fill(field, value)
    page.select_option("#id_status", "framework")
    page.select_option("#id_completeness", "full_text")
    page.click("input[name=preview]")
    expect(page.locator("h2", has_text="Preview: 3 points")).to_be_visible()
    expect(page.locator(".import-preview")).to_contain_text("800,000 in peacetime")
    page.screenshot(path=SCREENSHOTS / "admin-import-preview.png", full_page=True)
    page.click("input[name=confirm]")
    expect(page.locator(".messagelist")).to_contain_text("Imported Draft framework with 3 points")

    page.goto(live_server.url + reverse("admin:provisions_provision_changelist") + "?q=800%2C000")
    page.locator("input[name=_selected_action]").first.check()
    page.select_option("select[name=action]", "tag_selected")
    page.click("button[name=index]")
    page.select_option("#id_tag", label="Contested")
    page.fill("#id_rationale", "The peacetime figure is disputed.")
    page.click("input[name=apply]")
    expect(page.locator(".messagelist")).to_contain_text("Tagged 1 provision")

    page.goto(live_server.url + reverse("provisions:plan-list"))
    # by its link in the list (the timeline picture above it names it too, hidden from the
    # accessibility tree)
    page.get_by_role("link", name="Draft framework", exact=True).click()
    expect(page).to_have_url(re.compile(r"/plans/draft-framework-2026/"))
    expect(page.locator("#provision-list")).to_contain_text("800,000 in peacetime")
    expect(page.locator("#p-2 .tag")).to_have_text("Contested")
    page.screenshot(path=SCREENSHOTS / "imported-version.png", full_page=True)
