from accounts import views
from lair.urlpaths import SlashOptionalRouter

router = SlashOptionalRouter()
router.register("users", views.UserViewSet, basename="user")

urlpatterns = router.urls
