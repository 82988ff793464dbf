from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularSwaggerSplitView

from lair import views
from lair.health import HealthView
from lair.schema import SchemaView
from lair.urlpaths import slash_optional
from sessions_app.admin import ending_other_sessions
from sessions_app.forms import AdminLoginForm

# The admin signs in through the API login's limits and failure records, and
# its password change ends the other sessions as the API's does.
admin.site.login_form = AdminLoginForm
admin.site.password_change = ending_other_sessions(admin.site.password_change)

api_v1 = [
    *slash_optional("health", HealthView.as_view(), name="health"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("", include("sessions_app.urls")),
    path("", include("accounts.urls")),
    path("", include("rooms.urls")),
    path("", include("messaging.urls")),
    path("admin/", include("operators.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    # Anything else under /api/ is a 404 in the error envelope, also in DEBUG.
    re_path(r"^api/", views.api_not_found),
    # Avatars. A proxy in front may serve MEDIA_ROOT itself; this keeps one
    # process self-sufficient.
    re_path(r"^media/(?P<path>.+)$", serve, {"document_root": settings.MEDIA_ROOT}),
    # The browser pages last: their paths are the site's own (/, /login/, /rooms/…).
    path("", include("web.urls")),
]

handler400 = "lair.views.bad_request"
handler403 = "lair.views.permission_denied"
handler404 = "lair.views.not_found"
handler500 = "lair.views.server_error"
