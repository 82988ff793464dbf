from django.urls import path
from rest_framework.routers import SimpleRouter

from rooms import views


class SlashOptionalRouter(SimpleRouter):
    """A router whose routes answer with and without a trailing slash, as slash_optional.

    Routes are ``path()`` patterns, so ids go through the ``<id:...>``
    converter: an id past 64 bits matches nothing and answers 404 like any
    unknown path. No redirect, so a POST to either form is kept. Only the
    slash-less route is named.
    """

    def __init__(self):
        super().__init__(trailing_slash=False, use_regex_path=False)

    def get_urls(self):
        routes = []
        for route in super().get_urls():
            routes += [route, path(f"{route.pattern}/", route.callback)]
        return routes


router = SlashOptionalRouter()
# No list route: GET and POST /rooms are messaging's (the list with unread
# counts), included after this app in lair/urls.py.
router.register("rooms", views.RoomViewSet, basename="room")
router.register("invitations", views.InvitationViewSet, basename="invitation")

urlpatterns = router.urls
