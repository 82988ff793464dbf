"""The real URLs plus one view that fails, to see what a client gets from a crash."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from lair.urls import handler500, urlpatterns  # noqa: F401


class Boom(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request):
        raise RuntimeError("a bug")


urlpatterns = [path("api/v1/boom", Boom.as_view()), *urlpatterns]
