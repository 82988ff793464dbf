"""Reference only: the whole site through Django's own ASGI handler (no a2wsgi, no Channels).

Used by the serving comparison in docs/PERFORMANCE.md; not a production entry point:

    .venv/bin/uvicorn benchmarks.django_asgi:application --port 8000 --lifespan off
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lair.settings")

application = get_asgi_application()
