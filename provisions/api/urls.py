from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.routers import DefaultRouter

from provisions.api import feeds, views

app_name = "api"

router = DefaultRouter()
router.APIRootView = views.RootView
router.register("plans", views.PlanViewSet, basename="plan")
router.register("provisions", views.ProvisionViewSet, basename="provision")
router.register("sources", views.SourceViewSet, basename="source")
router.register("citations", views.CitationViewSet, basename="citation")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("correspondences", views.CorrespondenceViewSet, basename="correspondence")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("tags", views.TagViewSet, basename="tag")
router.register("parties", views.PartyViewSet, basename="party")
router.register("positions", views.PositionViewSet, basename="position")
router.register("releases", views.ReleaseViewSet, basename="release")

plan_provisions = views.ProvisionViewSet.as_view({"get": "list"})
plan_provision = views.ProvisionViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    path("plans/<slug:plan_slug>/provisions/", plan_provisions, name="plan-provision-list"),
    path(
        "plans/<slug:plan_slug>/provisions/<str:label>/",
        plan_provision,
        name="plan-provision-detail",
    ),
    path(
        "plans/<slug:plan_slug>/provisions/<str:label>/collation/",
        views.CollationView.as_view(),
        name="provision-collation",
    ),
    path(
        "plans/<slug:plan_slug>/provisions/<str:label>/cite/",
        views.CiteView.as_view(),
        name="provision-cite",
    ),
    path("plans/<slug:slug>/board/", views.BoardView.as_view(), name="plan-board"),
    path("changes/", views.ChangesView.as_view(), name="changes"),
    path("releases/<int:number>/cite/", views.ReleaseCiteView.as_view(), name="release-cite"),
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("feeds/versions/", feeds.VersionsFeed(), name="feed-versions"),
    path("feeds/plans/<slug:slug>/", feeds.PlanChangesFeed(), name="feed-plan"),
    path("feeds/plans/<slug:slug>/positions/", feeds.PlanPositionsFeed(), name="feed-positions"),
    path(
        "feeds/plans/<slug:slug>/provisions/<str:label>/",
        feeds.ProvisionFeed(),
        name="feed-provision",
    ),
    path("feeds/tags/<slug:slug>/", feeds.TagFeed(), name="feed-tag"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # the documentation is Redoc's: Swagger UI's own markup fails the accessibility checks
    # (contrast, target size, nested controls) at every width; its address leads to Redoc
    path("docs/", RedirectView.as_view(pattern_name="api:redoc", permanent=True), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
]
