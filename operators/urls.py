"""The admin API (/api/v1/admin/…) and the metrics exposition."""

from lair.urlpaths import SlashOptionalRouter, slash_optional
from operators import config_views, views
from operators.metrics import MetricsView

router = SlashOptionalRouter()
router.register("stats", views.StatsViewSet, basename="admin-stats")
router.register("users", views.AdminUserViewSet, basename="admin-user")
router.register("rooms", views.AdminRoomViewSet, basename="admin-room")
router.register("broadcast", views.BroadcastViewSet, basename="admin-broadcast")
router.register("audit-log", views.AuditLogViewSet, basename="admin-audit-log")

urlpatterns = [
    *router.urls,
    *slash_optional("config", config_views.ConfigView.as_view(), name="admin-config"),
    *slash_optional("metrics", MetricsView.as_view(), name="admin-metrics"),
]
