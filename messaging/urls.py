from django.urls import path

from lair.routes import both
from messaging import views

urlpatterns = [
    *both("rooms", views.RoomCollectionView.as_view(), name="room-list"),
    *both("rooms/<id:room_id>/messages", views.RoomMessagesView.as_view(), name="room-messages"),
    *both("rooms/<id:room_id>/read", views.ReadView.as_view(), name="room-read"),
    *both("messages/search", views.SearchView.as_view(), name="message-search"),
    *both("messages/<id:message_id>", views.MessageDetailView.as_view(), name="message-detail"),
    *both("messages/<id:message_id>/thread", views.ThreadView.as_view(), name="message-thread"),
    *both(
        "messages/<id:message_id>/reactions",
        views.ReactionsView.as_view(),
        name="message-reactions",
    ),
    # ``path``: reactions stored under older rules may hold "/", and every stored
    # one can be taken back. The slash-terminated route comes first, so a
    # trailing slash is never part of the emoji.
    path(
        "messages/<id:message_id>/reactions/<path:emoji>/",
        views.ReactionDetailView.as_view(),
    ),
    path(
        "messages/<id:message_id>/reactions/<path:emoji>",
        views.ReactionDetailView.as_view(),
        name="message-reaction",
    ),
]
