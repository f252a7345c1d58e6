"""The negotiation board in a real browser: the date and a filter change the board in place
(htmx), and Back brings the earlier board back with controls that say what it shows."""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from provisions.models import Party, Position
from tests.factories import PlanFactory, ProvisionFactory, SourceFactory, ThemeFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def board_plan():
    parties = [Party.objects.get_or_create(slug=s, defaults={"name": n})[0]
               for s, n in (("ukraine", "Ukraine"), ("russia", "Russia"))]  # fmt: skip
    plan = PlanFactory(slug="framework", short_name="Framework")
    plan.principal_parties.set(parties)
    theme = ThemeFactory(slug="territory", name="Territory")
    one = ProvisionFactory(plan=plan, number=1, position=1, text="Sovereignty is confirmed.")
    two = ProvisionFactory(plan=plan, number=2, position=2, text="Troops pull back.")
    two.themes.add(theme)
    source = SourceFactory()
    for provision, party, stance, day in [
        (one, parties[0], "accepts", 10),
        (one, parties[1], "accepts", 20),
        (two, parties[1], "rejects", 12),
    ]:
        Position.objects.create(plan=plan, provision=provision, party=party, stance=stance,
                                stated_on=datetime.date(2025, 12, day), source=source)  # fmt: skip
    return plan


def test_as_of_date_filter_and_back(live_server, page, board_plan, screenshot):
    page.goto(live_server.url + reverse("provisions:board", args=[board_plan.slug]))
    expect(page.locator("#b-1 .status")).to_contain_text("Agreed")
    screenshot("board")

    # an earlier date: Russia had not yet accepted point 1, so it is open
    page.fill("#id_as_of", "2025-12-15")
    expect(page).to_have_url(re.compile(r"as_of=2025-12-15"))
    expect(page.locator("#b-1 .status")).to_contain_text("Open")

    # a filter on top: only the disputed point is left
    page.select_option("#id_status", "disputed")
    expect(page).to_have_url(re.compile(r"status=disputed"))
    expect(page.locator("#b-1")).to_have_count(0)
    expect(page.locator("#b-2 .status")).to_contain_text("Disputed")

    # Back: the earlier board, and controls that match it (the status filter is gone again)
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"status=disputed"))
    expect(page.locator("#b-1 .status")).to_contain_text("Open")
    expect(page.locator("#id_status")).to_have_value("")
    expect(page.locator("#id_as_of")).to_have_value("2025-12-15")

    page.go_back()
    expect(page.locator("#b-1 .status")).to_contain_text("Agreed")
    expect(page.locator("#id_as_of")).to_have_value("")
