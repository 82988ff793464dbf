"""WSGI entry point, for gunicorn or any WSGI server (HTTP only, no WebSocket)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lair.settings")

application = get_wsgi_application()
