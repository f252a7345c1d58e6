"""An editor changes a point of the loaded dataset, sees the change against the loaded text in
its history, and reverts it: in a real browser, on the real dataset."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from provisions.models import Provision
from tests.e2e.conftest import SCREENSHOTS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PLAN_28 = "us-russia-28-2025-11"


def test_an_editor_edits_a_dataset_point_sees_the_diff_and_reverts_it(
    live_server, page, django_user_model
):
    call_command("load_dataset", verbosity=0)
    editor = django_user_model.objects.create_user(
        "e2e-editor", password="a long e2e passphrase", is_staff=True, first_name="Eva"
    )
    editor.groups.add(Group.objects.get(name="Editors"))
    point = Provision.objects.get_by_natural_key(PLAN_28, "6")
    loaded = point.text
    assert "600,000" in loaded

    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "e2e-editor")
    page.fill("#id_password", "a long e2e passphrase")
    page.click("input[type=submit]")

    change = live_server.url + reverse("admin:provisions_provision_change", args=[point.pk])
    page.goto(change)
    page.fill("#id_text", loaded.replace("600,000", "650,000"))
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # the history has the loaded text to diff against: "600,000" struck out, "650,000" added
    page.click("a.historylink")
    history = page.locator("#change-history")
    expect(history).to_contain_text("Loaded from fixtures/provisions.json")
    expect(history.locator("del", has_text="600,000").first).to_be_visible()
    expect(history.locator("ins", has_text="650,000").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "admin-history-loaded-row.png", full_page=True)

    # revert to the loaded record: its text comes back, as a new revision by this editor
    history.locator("tr", has_text="Loaded from fixtures").locator("a").first.click()
    expect(page.locator("#id_text")).to_have_value(loaded)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    point.refresh_from_db()
    assert (point.text, point.revision) == (loaded, 3)
    assert point.history.latest().history_user == editor

    # and the public page's history says so, by the editor's public name
    page.goto(live_server.url + point.get_absolute_url())
    expect(page.locator("body")).to_contain_text("by Eva")
    expect(page.locator("body")).not_to_contain_text("e2e-editor")
