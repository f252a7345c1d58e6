"""Real-browser journeys on the real dataset: the comparison and search."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS

# transaction=True: the live server sees the data. serialized_rollback: the flush after each test
# must not take the groups and permissions made by migrations away from the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PLAN_28 = "us-russia-28-2025-11"
PLAN_20 = "us-ukraine-20-2025-12"


def test_comparison_journey(live_server, page, dataset, screenshot):
    page.goto(live_server.url + reverse("provisions:plan-list"))
    screenshot("home")
    # "what happened to the troop ceiling between the 28- and 20-point plans, and who says so?"
    # click 1: from the 20-point framework on the home page to its comparison with the 28-point
    page.locator(".timeline-item", has_text="20-point framework").get_by_role(
        "link", name="compare with the 28-point plan"
    ).click()
    expect(page).to_have_url(re.compile(rf"/compare/{PLAN_28}/{PLAN_20}/"))
    # the troop ceiling: 600,000 struck out, 800,000 added, flagged as a number change
    row = page.locator(".row", has=page.locator("del", has_text="600,000")).first
    expect(row.locator("ins", has_text="800,000")).to_be_visible()
    expect(row.locator(".flag--number")).to_be_visible()
    expect(row.locator(".row-notes")).to_contain_text("800,000")  # what changed, with sources
    row.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "troop-ceiling-row.png")
    # click 2: the 20-point provision, with its sources
    row.locator(".side--right a.label").first.click()
    expect(page.locator("#sources")).to_be_visible()
    expect(page.locator(".citations-list li").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "troop-ceiling-sources.png", full_page=True)
    page.goto(live_server.url + reverse("provisions:compare", args=[PLAN_28, PLAN_20]))
    screenshot("compare-28-20")

    # switch the right-hand version: htmx swaps the rows and pushes the new URL
    page.select_option("#pick-right", "e3-reuters-2025-11")
    expect(page).to_have_url(re.compile(rf"/compare/{PLAN_28}/e3-reuters-2025-11/"))
    expect(page.locator("#comparison h2")).to_contain_text("E3")

    page.select_option("#pick-right", PLAN_20)
    expect(page).to_have_url(re.compile(rf"/compare/{PLAN_28}/{PLAN_20}/"))
    all_rows = page.locator("#comparison .row").count()
    page.check("input[name=changes_only]")
    expect(page).to_have_url(re.compile(r"changes_only=on"))
    expect(page.locator("#comparison .row--unchanged:not(.row--changed)")).to_have_count(0)
    assert page.locator("#comparison .row").count() <= all_rows

    page.select_option("select[name=layout]", "inline")
    expect(page).to_have_url(re.compile(r"layout=inline"))
    expect(page.locator("#comparison .layout--inline")).to_be_visible()
    screenshot("compare-28-20-inline")

    # back goes to the previous state; reload keeps the state in the URL
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"layout=inline"))
    page.reload()
    expect(page.locator("input[name=changes_only]")).to_be_checked()

    # keyboard: j focuses the first changed row
    page.locator("body").press("j")
    expect(page.locator(".row--changed").first).to_be_focused()


def test_search_journey(live_server, page, dataset, screenshot):
    page.goto(live_server.url + reverse("provisions:search"))
    page.fill("#q", "Zaporizhzhia")
    expect(page).to_have_url(re.compile(r"q=Zaporizhzhia"))
    first = page.locator("#search-results li a").first
    expect(page.locator("#search-results mark").first).to_be_visible()
    screenshot("search")
    first.click()
    expect(page.locator("h1")).to_contain_text("point")
    screenshot("provision")


def test_pages_work_without_javascript(live_server, browser, dataset):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + reverse("provisions:compare-pick"))
    page.select_option("select[name=left]", PLAN_28)
    page.select_option("select[name=right]", PLAN_20)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/compare/{PLAN_28}/{PLAN_20}/"))
    expect(page.locator("#comparison .row").first).to_be_visible()
    context.close()
