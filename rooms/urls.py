from lair.routes import both
from rooms import views

urlpatterns = [
    *both("rooms/search", views.RoomSearchView.as_view(), name="room-search"),
    *both("rooms/direct", views.DirectRoomView.as_view(), name="room-direct"),
    *both("rooms/<id:room_id>", views.RoomDetailView.as_view(), name="room-detail"),
    *both("rooms/<id:room_id>/members", views.MemberListView.as_view(), name="room-members"),
    *both(
        "rooms/<id:room_id>/members/<id:user_id>",
        views.MemberDetailView.as_view(),
        name="room-member",
    ),
    *both(
        "rooms/<id:room_id>/invitations",
        views.RoomInvitationView.as_view(),
        name="room-invitations",
    ),
    *both("invitations", views.InvitationListView.as_view(), name="invitation-list"),
    *both(
        "invitations/<id:invitation_id>/accept",
        views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    *both(
        "invitations/<id:invitation_id>/decline",
        views.InvitationDeclineView.as_view(),
        name="invitation-decline",
    ),
]
