from django.urls import path

from lair.urlpaths import slash_optional
from messaging import views

urlpatterns = [
    *slash_optional("rooms", views.RoomCollectionView.as_view(), name="room-list"),
    *slash_optional(
        "rooms/<id:room_id>/messages", views.RoomMessagesView.as_view(), name="room-messages"
    ),
    *slash_optional("rooms/<id:room_id>/read", views.ReadView.as_view(), name="room-read"),
    *slash_optional("messages/search", views.SearchView.as_view(), name="message-search"),
    *slash_optional(
        "messages/<id:message_id>", views.MessageDetailView.as_view(), name="message-detail"
    ),
    *slash_optional(
        "messages/<id:message_id>/thread", views.ThreadView.as_view(), name="message-thread"
    ),
    *slash_optional(
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
