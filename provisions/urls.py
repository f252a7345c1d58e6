from django.urls import path, re_path

from provisions import views

app_name = "provisions"

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan-detail"),
    # before the point pattern: "board" is no label, but the point pattern would take it
    path("plans/<slug:slug>/board/", views.board, name="board"),
    path("plans/<slug:slug>/board/export.csv", views.board_export, name="board-export"),
    path("plans/<slug:slug>/<str:label>/", views.provision_detail, name="provision-detail"),
    re_path(
        r"^plans/(?P<slug>[-\w]+)/(?P<label>[^/]+)/lineage\.(?P<fmt>svg|png)$",
        views.point_lineage_picture,
        name="provision-lineage-picture",
    ),
    path("compare/", views.compare_pick, name="compare-pick"),
    path("compare/<slug:left>/<slug:right>/", views.compare, name="compare"),
    re_path(
        r"^compare/(?P<left>[-\w]+)/(?P<right>[-\w]+)/export\.(?P<fmt>csv|md)$",
        views.compare_export,
        name="compare-export",
    ),
    path("compare/<slug:left>/<slug:right>/flow/", views.compare_flow, name="compare-flow"),
    re_path(
        r"^compare/(?P<left>[-\w]+)/(?P<right>[-\w]+)/flow\.(?P<fmt>svg|png)$",
        views.compare_flow,
        name="compare-flow-picture",
    ),
    path("flow/", views.flow, name="flow"),
    re_path(r"^flow\.(?P<fmt>svg|png)$", views.flow, name="flow-picture"),
    path("timeline/", views.timeline, name="timeline"),
    re_path(r"^timeline\.(?P<fmt>svg|png)$", views.timeline_picture, name="timeline-picture"),
    path("search/", views.search, name="search"),
    path("variants/", views.variants, name="variants"),
    path("releases/", views.release_list, name="release-list"),
    path("releases/<int:number>/", views.release_detail, name="release-detail"),
    path(
        "releases/<int:number>/<str:name>",
        views.release_download,
        name="release-download",
    ),
    path("scorecard/", views.scorecard, name="scorecard"),
    path("healthz", views.health, name="health"),
]
