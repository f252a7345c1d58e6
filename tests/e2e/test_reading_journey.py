"""What testers tripped on (issue 18): controls that say what the page shows after Back, a tab
title that follows the pair compared, and keys that do what a keyboard user expects."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PLAN_28 = "us-russia-28-2025-11"
PLAN_20 = "us-ukraine-20-2025-12"


def test_after_back_the_comparison_controls_match_the_rows(live_server, page, dataset):
    page.goto(live_server.url + reverse("provisions:compare", args=[PLAN_28, PLAN_20]))
    page.select_option("#id_theme", "territory")
    expect(page).to_have_url(re.compile(r"theme=territory"))
    page.check("#id_changes_only")
    expect(page).to_have_url(re.compile(r"changes_only=on"))
    page.select_option("#id_layout", "inline")
    expect(page).to_have_url(re.compile(r"layout=inline"))
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"layout=inline"))
    expect(page.locator("#id_theme")).to_have_value("territory")
    # Back refetches the page: let that request finish before the database is emptied (a
    # request still reading SQLite's shared in-memory database locks the flush)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#id_changes_only")).to_be_checked()
    expect(page.locator("#id_layout")).to_have_value("side")
    # the next change keeps the filters the page shows
    page.select_option("#id_relation", "modified")
    expect(page).to_have_url(
        re.compile(r"theme=territory.*relation=modified|relation=modified.*theme=territory")
    )
    expect(page).to_have_url(re.compile(r"changes_only=on"))


def test_after_back_search_and_plan_controls_match(live_server, page, dataset):
    page.goto(live_server.url + reverse("provisions:search"))
    page.fill("#q", "sanctions")
    expect(page).to_have_url(re.compile(r"q=sanctions"))
    page.fill("#q", "troops")
    expect(page).to_have_url(re.compile(r"q=troops"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"q=sanctions"))
    expect(page.locator("#q")).to_have_value("sanctions")

    page.goto(live_server.url + reverse("provisions:plan-detail", args=[PLAN_28]))
    page.select_option("#id_theme", "territory")
    expect(page).to_have_url(re.compile(r"theme=territory"))
    page.select_option("#id_tag", "contested")
    expect(page).to_have_url(re.compile(r"tag=contested"))
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"tag=contested"))
    expect(page.locator("#id_theme")).to_have_value("territory")


def test_the_tab_title_follows_the_versions_compared(live_server, page, dataset):
    page.goto(live_server.url + reverse("provisions:compare", args=[PLAN_28, PLAN_20]))
    expect(page).to_have_title(re.compile(r"28-point plan → 20-point framework"))
    page.select_option("#pick-right", "e3-reuters-2025-11")
    expect(page).to_have_url(re.compile(rf"/compare/{PLAN_28}/e3-reuters-2025-11/"))
    expect(page).to_have_title(re.compile(r"28-point plan → E3"))


def test_keys_on_a_select_never_jump_rows_or_flood_requests(live_server, page, dataset):
    page.goto(live_server.url + reverse("provisions:compare", args=[PLAN_28, PLAN_20]))
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/compare/" in r.url else None)
    theme = page.locator("#id_theme")
    theme.focus()
    before = theme.input_value()
    page.keyboard.press("j")  # next change, not the first theme starting with "j"
    expect(page.locator(".row--changed").first).to_be_focused()
    expect(theme).to_have_value(before)
    theme.focus()
    requests.clear()
    for _ in range(4):  # a keyboard user steps through the themes
        page.keyboard.press("ArrowDown")
    page.wait_for_timeout(1200)
    assert len(requests) <= 1, requests
