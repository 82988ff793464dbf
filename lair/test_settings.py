"""Settings for the test suite: the real settings, with test-only environment defaults.

Explicit environment variables still win, so CI can point DATABASE_URL and
REDIS_URL at PostgreSQL and Redis.
"""

import hashlib
import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-that-is-long-enough-for-hs256-0123")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

# Under pytest-xdist the workers share one Redis: each gets its own cache keys
# and channel-layer names, so that one worker's cache clear or broadcast never
# reaches another (the test database already gets a per-worker suffix). In the
# environment, so that the servers an integration test starts share them.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _xdist_worker:
    for _name in ("CACHE_KEY_PREFIX", "CHANNEL_LAYER_PREFIX"):
        _prefix = os.environ.get(_name) or "lair"
        if not _prefix.endswith(f"-{_xdist_worker}"):
            os.environ[_name] = f"{_prefix}-{_xdist_worker}"

# Uploaded avatars go to a folder of this checkout and test process (xdist
# worker) alone: two workers' avatar tests clean up their own files, never
# each other's. Recomputed in each worker, which inherits the controller's
# environment; a MEDIA_ROOT set by hand still wins.
_media_base = os.path.join(tempfile.gettempdir(), "lair-test-media-")
if os.environ.get("MEDIA_ROOT", _media_base).startswith(_media_base):
    _checkout = hashlib.sha256(os.path.dirname(os.path.dirname(__file__)).encode()).hexdigest()
    os.environ["MEDIA_ROOT"] = f"{_media_base}{_checkout[:10]}-{_xdist_worker or 'main'}"

from lair.settings import *  # noqa: E402, F403

# Tests serve static files from the finders: no collectstatic step, no manifest.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Tests change the runtime config through its service, which updates this
# process's snapshot at once: no refresh query may land inside a test's pinned
# query count. The servers tests start get their own value in their environment.
CONFIG_REFRESH_SECONDS = 3600.0
WHITENOISE_AUTOREFRESH = True
