from lair.urlpaths import SlashOptionalRouter
from rooms import views

router = SlashOptionalRouter()
# No list route: GET and POST /rooms are messaging's (the list with unread
# counts), included after this app in lair/urls.py.
router.register("rooms", views.RoomViewSet, basename="room")
router.register("invitations", views.InvitationViewSet, basename="invitation")

urlpatterns = router.urls
