"""How current the record is: stated on the home and version pages, at the API root and in
every export, from data that editors change (issue 13, part 4)."""

import datetime

import pytest

from provisions.models import COVERAGE_HEADER, Coverage
from tests.factories import PlanFactory, ProvisionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coverage():
    return Coverage.objects.create(
        material_until=datetime.date(2026, 6, 4),
        reviewed_on=datetime.date(2026, 12, 2),
        note="Nothing later was found.",
    )


STATEMENT = "Material published up to 4 June 2026; last reviewed on 2 December 2026."


def test_the_home_and_version_pages_say_how_current_the_record_is(client, coverage):
    plan = PlanFactory()
    for url in ("/", plan.get_absolute_url()):
        html = client.get(url).content.decode()
        assert STATEMENT in html and "Nothing later was found." in html, url


def test_it_is_data_that_editors_change(client, coverage, editor_client):
    response = editor_client.post(
        f"/admin/provisions/coverage/{coverage.pk}/change/",
        {"material_until": "2026-06-17", "reviewed_on": "", "note": "",
         "base_revision": coverage.revision},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    html = client.get("/").content.decode()
    assert "Material published up to 17 June 2026; no review date recorded." in html
    assert editor_client.get("/admin/provisions/coverage/add/").status_code == 403  # one row
    delete = f"/admin/provisions/coverage/{coverage.pk}/delete/"
    assert editor_client.get(delete).status_code == 403


def test_the_api_root_and_every_export_state_it(client, coverage):
    plan = PlanFactory()
    ProvisionFactory(plan=plan)
    root = client.get("/api/").json()
    assert root["coverage"]["statement"] == STATEMENT
    assert root["coverage"]["material_until"] == "2026-06-04"
    csv = client.get("/api/provisions/?format=csv")
    assert csv[COVERAGE_HEADER] == STATEMENT
    export = client.get("/api/export/")
    assert export[COVERAGE_HEADER] == STATEMENT
    assert b'"model": "provisions.coverage"' in b"".join(export.streaming_content)
    other = PlanFactory()
    for fmt in ("csv", "md"):
        response = client.get(f"/compare/{plan.slug}/{other.slug}/export.{fmt}")
        assert response[COVERAGE_HEADER] == STATEMENT
    markdown = client.get(f"/compare/{plan.slug}/{other.slug}/export.md").content.decode()
    assert STATEMENT in markdown
