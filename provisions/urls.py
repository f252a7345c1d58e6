from django.urls import path

from provisions import views

app_name = "provisions"

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan-detail"),
    path("plans/<slug:slug>/<str:label>/", views.provision_detail, name="provision-detail"),
]
