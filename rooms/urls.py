from lair.urlpaths import slash_optional
from rooms import views

urlpatterns = [
    *slash_optional("rooms/search", views.RoomSearchView.as_view(), name="room-search"),
    *slash_optional("rooms/direct", views.DirectRoomView.as_view(), name="room-direct"),
    *slash_optional("rooms/<id:room_id>", views.RoomDetailView.as_view(), name="room-detail"),
    *slash_optional(
        "rooms/<id:room_id>/members", views.MemberListView.as_view(), name="room-members"
    ),
    *slash_optional(
        "rooms/<id:room_id>/members/<id:user_id>",
        views.MemberDetailView.as_view(),
        name="room-member",
    ),
    *slash_optional(
        "rooms/<id:room_id>/invitations",
        views.RoomInvitationView.as_view(),
        name="room-invitations",
    ),
    *slash_optional("invitations", views.InvitationListView.as_view(), name="invitation-list"),
    *slash_optional(
        "invitations/<id:invitation_id>/accept",
        views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    *slash_optional(
        "invitations/<id:invitation_id>/decline",
        views.InvitationDeclineView.as_view(),
        name="invitation-decline",
    ),
]
