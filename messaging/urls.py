from lair.urlpaths import SlashOptionalRouter, slash_optional
from messaging import views

router = SlashOptionalRouter()
router.register("rooms", views.RoomViewSet, basename="room")
router.register("rooms/<id:room_id>/messages", views.RoomMessageViewSet, basename="room-messages")
router.register("messages", views.MessageViewSet, basename="message")

urlpatterns = [
    *router.urls,
    *slash_optional("rooms/<id:room_id>/read", views.ReadView.as_view(), name="room-read"),
]
