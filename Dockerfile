# Lair Chat server image: HTTP and WebSocket on one port (8000).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN groupadd --system lair && useradd --system --gid lair --home-dir /app --shell /usr/sbin/nologin lair

COPY pyproject.toml README.md ./
COPY lair ./lair
COPY realtime ./realtime
COPY accounts ./accounts
COPY sessions_app ./sessions_app
COPY rooms ./rooms
COPY messaging ./messaging
COPY operators ./operators
COPY web ./web
RUN pip install ".[postgres,redis]"

COPY manage.py docker-entrypoint.sh ./
COPY deploy ./deploy
COPY templates ./templates
COPY static ./static

# Static files are collected at build time (served by WhiteNoise); the key is
# a throwaway: the real SECRET_KEY comes from the environment at run time.
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R lair:lair /app/media

USER lair
EXPOSE 8000
ENV WEB_CONCURRENCY=2 \
    PORT=8000 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media
# glibc keeps freed blocks below its (growing) mmap threshold for reuse: each
# HTTP thread's 19 MiB Argon2 buffer from a login stayed in the process
# (270 MB instead of 105 MB after 300 logins). A fixed threshold below those
# buffers hands them back to the system when freed.
ENV MALLOC_MMAP_THRESHOLD_=131072

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/api/v1/health', timeout=4)"

ENTRYPOINT ["./docker-entrypoint.sh"]
# Several worker processes need REDIS_URL (shared channel layer and cache).
# lair.workers.UvicornWorker: uvicorn without permessage-deflate and without proxy
# headers (lair/workers.py); the client address is Django's (TRUSTED_PROXY_COUNT).
CMD ["sh", "-c", "exec gunicorn -c deploy/gunicorn.conf.py lair.asgi:application -k lair.workers.UvicornWorker -w ${WEB_CONCURRENCY} -b 0.0.0.0:${PORT} --access-logfile - --graceful-timeout 20"]
