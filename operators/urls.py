"""The admin API (/api/v1/admin/…) and the metrics exposition."""

from lair.urlpaths import SlashOptionalRouter, slash_optional
from operators.metrics import MetricsView

router = SlashOptionalRouter()

urlpatterns = [
    *router.urls,
    *slash_optional("metrics", MetricsView.as_view(), name="admin-metrics"),
]
