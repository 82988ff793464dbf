"""WebSocket routes: part of the composition root, the one lair module that names the consumer."""

from django.urls import re_path

from messaging.consumers import ChatConsumer

websocket_urlpatterns = [
    re_path(r"^api/v1/ws/?$", ChatConsumer.as_asgi()),
]
