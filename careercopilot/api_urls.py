from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# Swagger UI's page and its start-up script are two files (the split view), so the site's
# Content-Security-Policy needs no inline script. (Redoc is not offered: it injects <style>
# elements at run time, which the policy forbids.)
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("accounts.api")),
    path("", include("jobs.api")),
    path("", include("applications.api")),
    path("", include("analytics.api")),
    path("", include("notifications.api")),
]
