from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("provisions.api.urls")),
    path("", include("provisions.urls")),
]

handler400 = "provisions.views.bad_request"
handler403 = "provisions.views.permission_denied"
handler404 = "provisions.views.not_found"
handler500 = "provisions.views.server_error"
