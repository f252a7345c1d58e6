"""Permalinks survive (provisions.permalinks): old plan slugs and provision labels answer 301."""

import pytest
from django.http import HttpResponse, HttpResponseNotFound
from django.test import RequestFactory

from provisions import caching
from provisions.models import Plan
from provisions.permalinks import PermalinkMiddleware
from tests.factories import PlanFactory, ProvisionFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def renamed():
    """A plan renamed from 'old-plan' to 'new-plan', with point 10 and a second plan."""
    plan = PlanFactory(slug="old-plan")
    ProvisionFactory(plan=plan, number=10)
    other = PlanFactory(slug="other")
    ProvisionFactory(plan=other, number=10)
    plan.slug = "new-plan"
    plan.save()
    return plan


def relabel(provision, number, sub=""):
    provision.number, provision.sub = number, sub
    provision.save()
    return provision


def assert_moved(response, location):
    assert response.status_code == 301
    assert response["Location"] == location


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/plans/old-plan/", "/plans/new-plan/"),
        ("/plans/old-plan/10/", "/plans/new-plan/10/"),
        ("/compare/old-plan/other/", "/compare/new-plan/other/"),
        ("/compare/other/old-plan/", "/compare/other/new-plan/"),
        ("/compare/old-plan/other/export.csv", "/compare/new-plan/other/export.csv"),
        ("/compare/other/old-plan/export.md", "/compare/other/new-plan/export.md"),
    ],
)
def test_old_plan_slug_on_a_page_redirects(client, renamed, old, new):
    assert_moved(client.get(old), new)
    assert client.get(new).status_code == 200


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/api/plans/old-plan/", "/api/plans/new-plan/"),
        ("/api/plans/old-plan.json", "/api/plans/new-plan.json"),
        ("/api/plans/old-plan/provisions/", "/api/plans/new-plan/provisions/"),
        ("/api/plans/old-plan/provisions/10/", "/api/plans/new-plan/provisions/10/"),
        ("/api/plans/old-plan/provisions/10/cite/", "/api/plans/new-plan/provisions/10/cite/"),
        ("/api/feeds/plans/old-plan/", "/api/feeds/plans/new-plan/"),
        ("/api/feeds/plans/old-plan/provisions/10/", "/api/feeds/plans/new-plan/provisions/10/"),
    ],
)
def test_old_plan_slug_in_the_api_redirects(api_client, renamed, old, new):
    assert_moved(api_client.get(old), new)
    assert api_client.get(new).status_code == 200


def test_compare_with_both_sides_renamed(client, renamed):
    other = PlanFactory(slug="was-right")
    other.slug = "now-right"
    other.save()
    assert_moved(client.get("/compare/old-plan/was-right/"), "/compare/new-plan/now-right/")


def test_relabelled_provision_redirects_on_the_page_and_the_api(client, api_client):
    provision = relabel(ProvisionFactory(plan=PlanFactory(slug="p"), number=10), 11)
    assert_moved(client.get("/plans/p/10/"), "/plans/p/11/")
    assert_moved(api_client.get("/api/plans/p/provisions/10/"), "/api/plans/p/provisions/11/")
    assert_moved(
        api_client.get("/api/plans/p/provisions/10/cite/"), "/api/plans/p/provisions/11/cite/"
    )
    assert_moved(
        api_client.get("/api/feeds/plans/p/provisions/10/"), "/api/feeds/plans/p/provisions/11/"
    )
    assert client.get(provision.get_absolute_url()).status_code == 200


def test_a_sub_point_relabelled_through_several_labels_reaches_the_current_one(client):
    provision = ProvisionFactory(plan=PlanFactory(slug="p"), number=10, sub="c")
    relabel(provision, 10, "d")
    relabel(provision, 12)
    assert_moved(client.get("/plans/p/10c/"), "/plans/p/12/")
    assert_moved(client.get("/plans/p/10d/"), "/plans/p/12/")


def test_plan_and_label_both_changed(client, api_client, renamed):
    relabel(renamed.provisions.get(), 11)
    assert_moved(client.get("/plans/old-plan/10/"), "/plans/new-plan/11/")
    assert_moved(
        api_client.get("/api/plans/old-plan/provisions/10/"),
        "/api/plans/new-plan/provisions/11/",
    )
    assert client.get("/plans/new-plan/11/").status_code == 200


def test_the_query_string_is_kept(client, api_client, renamed):
    assert_moved(
        client.get("/plans/old-plan/?q=ceiling&theme=armed-forces"),
        "/plans/new-plan/?q=ceiling&theme=armed-forces",
    )
    assert_moved(
        api_client.get("/api/plans/old-plan/provisions/10/cite/?style=bibtex"),
        "/api/plans/new-plan/provisions/10/cite/?style=bibtex",
    )


def test_a_head_request_is_redirected_too(client, renamed):
    assert_moved(client.head("/plans/old-plan/"), "/plans/new-plan/")


def test_a_slug_taken_by_another_plan_belongs_to_it(client, renamed):
    newcomer = PlanFactory(slug="old-plan")
    response = client.get("/plans/old-plan/")
    assert response.status_code == 200
    assert newcomer.title in response.content.decode()


def test_the_latest_plan_to_have_had_a_slug_wins(client, renamed):
    newcomer = PlanFactory(slug="old-plan")
    newcomer.slug = "newcomer"
    newcomer.save()
    assert_moved(client.get("/plans/old-plan/"), "/plans/newcomer/")


def test_a_label_taken_by_another_provision_belongs_to_it(client):
    plan = PlanFactory(slug="p")
    relabel(ProvisionFactory(plan=plan, number=10), 11)
    ProvisionFactory(plan=plan, number=10, text="The new point ten.")
    response = client.get("/plans/p/10/")
    assert response.status_code == 200
    assert "The new point ten." in response.content.decode()


def test_unknown_names_stay_404(client, api_client, renamed):
    assert client.get("/plans/never-was/").status_code == 404
    assert client.get("/plans/old-plan/99/").status_code == 404
    assert client.get("/plans/old-plan/not-a-label/").status_code == 404
    assert client.get("/compare/old-plan/never-was/").status_code == 404
    assert api_client.get("/api/plans/never-was/").status_code == 404


def test_a_label_of_another_plan_is_not_borrowed(client):
    first, second = PlanFactory(slug="first"), PlanFactory(slug="second")
    ProvisionFactory(plan=first, number=3)
    relabel(ProvisionFactory(plan=second, number=10), 11)
    assert client.get("/plans/first/10/").status_code == 404


def test_a_deleted_plan_stays_gone(client, renamed):
    renamed.delete()
    assert client.get("/plans/old-plan/").status_code == 404
    assert client.get("/plans/new-plan/").status_code == 404
    assert client.get("/plans/old-plan/10/").status_code == 404


def test_a_deleted_provision_stays_gone(client):
    provision = relabel(ProvisionFactory(plan=PlanFactory(slug="p"), number=10), 11)
    provision.delete()
    assert client.get("/plans/p/10/").status_code == 404


def test_a_tag_route_is_not_taken_for_a_plan(api_client, renamed):
    """`slug` names a tag there: a plan's old slug means nothing to it."""
    TagFactory(slug="new-plan")
    assert api_client.get("/api/feeds/tags/old-plan/").status_code == 404
    assert api_client.get("/api/tags/old-plan/").status_code == 404


def test_a_write_to_an_old_address_is_not_redirected(api_client, editor, renamed):
    api_client.force_authenticate(editor)
    response = api_client.patch(
        "/api/plans/old-plan/provisions/10/", {"text": "Changed."}, format="json"
    )
    assert response.status_code == 404


def test_the_redirect_may_be_kept_only_for_a_while(client, renamed):
    """The slug may be taken by another plan later: browsers must not keep the 301 forever."""
    assert "max-age=" in client.get("/plans/old-plan/")["Cache-Control"]


@pytest.fixture(params=["database", "cache"])
def stamp_mode(request, settings):
    settings.DATASET_STAMP = request.param
    return request.param


def test_a_page_cached_before_the_rename_gives_way_to_the_redirect(
    client, stamp_mode, django_capture_on_commit_callbacks
):
    plan = PlanFactory(slug="old-plan")
    ProvisionFactory(plan=plan, number=10)
    for url in ("/plans/old-plan/", "/plans/old-plan/10/"):
        assert client.get(url).status_code == 200
        assert client.get(url).status_code == 200  # the cached copy
    assert caching._recent.entries  # the pages are in the page cache
    assert client.get("/plans/new-plan/").status_code == 404  # not cached: 404s never are

    with django_capture_on_commit_callbacks(execute=True):  # the rename commits
        plan.slug = "new-plan"
        plan.save()

    assert_moved(client.get("/plans/old-plan/"), "/plans/new-plan/")
    assert_moved(client.get("/plans/old-plan/10/"), "/plans/new-plan/10/")
    assert client.get("/plans/new-plan/").status_code == 200
    # asked again, the old address still redirects: the redirect is not cached as a page
    assert_moved(client.get("/plans/old-plan/"), "/plans/new-plan/")


# --- cost --------------------------------------------------------------------------------------


def middleware_answer(path: str, response, queries, count: int):
    request = RequestFactory().get(path)
    request.resolver_match = None  # as when the handler has not resolved it: resolve() runs
    with queries(count):
        return PermalinkMiddleware(lambda _request: response)(request)


def test_other_responses_cost_nothing(renamed, django_assert_num_queries):
    ok = HttpResponse("fine")
    assert middleware_answer("/plans/new-plan/", ok, django_assert_num_queries, 0) is ok


def test_a_404_off_the_plan_routes_costs_nothing(django_assert_num_queries):
    missing = HttpResponseNotFound()
    for path in ("/no/such/page/", "/api/tags/old-plan/", "/search/"):
        assert middleware_answer(path, missing, django_assert_num_queries, 0) is missing


def test_a_404_on_a_plan_route_costs_a_few_queries(renamed, django_assert_max_num_queries):
    missing = HttpResponseNotFound()
    answer = middleware_answer("/plans/old-plan/10/", missing, django_assert_max_num_queries, 2)
    assert_moved(answer, "/plans/new-plan/10/")
    answer = middleware_answer(
        "/compare/old-plan/other/", missing, django_assert_max_num_queries, 2
    )
    assert_moved(answer, "/compare/new-plan/other/")


def test_the_current_holder_wins_even_where_the_history_missed_a_change(client):
    """A bulk update writes no history: the history may say another plan had the slug last."""
    first = PlanFactory(slug="x")
    ProvisionFactory(plan=first, number=10)
    second = PlanFactory(slug="second")
    Plan.objects.filter(pk=first.pk).update(slug="y")
    Plan.objects.filter(pk=second.pk).update(slug="x")
    # the route 404s (the current "x" has no point 10), yet it is not sent to "y"
    assert client.get("/plans/x/10/").status_code == 404
