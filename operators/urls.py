"""The admin API (/api/v1/admin/…) and the metrics exposition."""

from lair.urlpaths import SlashOptionalRouter

router = SlashOptionalRouter()

urlpatterns = [
    *router.urls,
]
