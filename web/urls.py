"""Browser pages (API.md "Pages"): every path ends with a slash."""

from django.urls import include, path

import lair.urlpaths  # noqa: F401  (registers the "id" path converter)
from web.views import rooms

app_name = "web"

urlpatterns = [
    path("", rooms.home, name="home"),
    path("", include("web.account_urls")),
    path("rooms/new/", rooms.new_room, name="room-new"),
    path("rooms/browse/", rooms.browse_rooms, name="rooms-browse"),
    path("rooms/<id:room_id>/", rooms.room, name="room"),
    path("rooms/<id:room_id>/join/", rooms.join, name="room-join"),
    path("rooms/<id:room_id>/leave/", rooms.leave, name="room-leave"),
    path("rooms/<id:room_id>/invite/", rooms.invite, name="room-invite"),
    path("rooms/<id:room_id>/threads/<id:message_id>/", rooms.thread, name="thread"),
    path("messages/<id:message_id>/delete/", rooms.delete_message, name="message-delete"),
    path("direct/<str:username>/", rooms.direct, name="direct"),
    path("invitations/", rooms.invitations, name="invitations"),
    path(
        "invitations/<id:invitation_id>/<str:answer>/",
        rooms.answer_invitation,
        name="invitation-answer",
    ),
    path("search/", rooms.search, name="search"),
    # Browsers ask for it on pages without a <link rel="icon"> (error pages, files).
    path("favicon.ico", rooms.favicon),
]
