"""WebSocket routes (the consumer of /api/v1/ws/ lives in messaging)."""

websocket_urlpatterns: list = []
