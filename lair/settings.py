"""Lair Chat settings, read from the environment only (12-factor).

Every variable is listed in .env.example. With nothing set, the server runs
on a SQLite file and an in-memory channel layer; DATABASE_URL and REDIS_URL
switch to PostgreSQL and Redis.

Grouped by concern, in this order: core and security, database, cache and
channel layer, accounts and sessions, rate limits, requests and the REST API,
real time, static files, media and avatars, serving, logging. Search has no
settings: its bounds are constants beside its queries (messaging/search.py).
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from lair.times import UTC_FORMAT

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core and security ----------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)

# A real secret is required outside DEBUG: a guessable default would let anyone
# forge session cookies and JWTs.
_DEV_SECRET = "insecure-development-only-secret-key-change-me-0123456789"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    SECRET_KEY = _DEV_SECRET

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

# Number of reverse proxies in front of the server whose X-Forwarded-For entry
# is trusted for the client IP (rate limits, device sessions). 0: REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS = [
    # daphne first so that `runserver` serves ASGI (HTTP and WebSocket).
    "daphne",
    # The admin with the operator console as its site (operators/admin.py).
    "operators.apps.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    # Before lair: lair/admin.py replaces the config page constance registers.
    "constance",
    "lair",
    "realtime",
    "accounts",
    "sessions_app",
    "rooms",
    "messaging",
    "operators",
    "web",
]

MIDDLEWARE = [
    # First: it counts and times every answer, those of the middleware below too.
    "lair.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lair.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cookie sign-ins live only as long as their device session (suspension,
    # revocation, expiry, sign-out): checked right after Django loads the user.
    "sessions_app.middleware.DeviceSessionCookieMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that their early refusals pass back through the security headers
    # above. Nothing above reads the body before them: CSRF reads it in
    # process_view, which runs after every middleware's request phase.
    "lair.middleware.RequestSizeLimitMiddleware",
    "lair.middleware.RejectNulCharactersMiddleware",
]

ROOT_URLCONF = "lair.urls"
# Browser sign-in (web/): where anonymous visitors of a page go, and where a sign-in lands.
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
WSGI_APPLICATION = "lair.wsgi.application"
ASGI_APPLICATION = "lair.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Headers and cookies.
APPEND_SLASH = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# connect-src 'self' covers same-origin ws:/wss: (CSP Level 3); "ws: wss:" would
# let injected script open sockets to any host.
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; object-src 'none'; "
        "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
)
# Behind TLS (production): cookies only over HTTPS, HSTS, redirect to HTTPS.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Health checks come over plain HTTP from the load balancer.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/?$"]

# --- Database -------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
_db = DATABASES["default"]
# Persistent connections: a new connection per request costs more than the
# whole authenticated GET (docs/PERFORMANCE.md).
_db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
# A health check costs a SELECT 1 round trip per request; with it off, the
# first request on a connection the database dropped fails once.
_db["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers: IMMEDIATE takes the write lock at BEGIN, so a read
    # that turns into a write never fails with "database is locked"; the busy
    # timeout makes writers queue instead of failing; WAL lets readers run
    # beside the writer.
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    )
    # A file, not :memory:, so tests see the same locking as production and
    # threads and live servers share one database.
    _db["TEST"] = {"NAME": env.str("TEST_DB_NAME", default=str(BASE_DIR / ".test-db.sqlite3"))}
elif env.str("TEST_DB_NAME", default=""):
    _db["TEST"] = {"NAME": env.str("TEST_DB_NAME")}
# The same engines, flushing the transaction's events right before COMMIT (lair/db).
if _db["ENGINE"] in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
    _db["ENGINE"] = _db["ENGINE"].replace("django.db.backends.", "lair.db.", 1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and channel layer ---------------------------------------------

# Rate-limit windows, presence and the event broadcasts live here: Redis
# whenever more than one process serves.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="lair"),
        }
    }
    # "pubsub" (RedisPubSubChannelLayer, the default) or "core"
    # (RedisChannelLayer: lists per channel, capacity and expiry). Each process
    # holds one subscription (realtime/fanout.py), so its channel sees every
    # event. Measured (benchmarks/RESULTS-ws.md): the same cost per delivery,
    # equal or more deliveries/s, and none of core's read-timeout failures;
    # both recover from a Redis restart (events missed meanwhile come from the
    # event log).
    CHANNEL_LAYER = env.str("CHANNEL_LAYER", default="") or "pubsub"
    if CHANNEL_LAYER not in ("pubsub", "core"):
        raise ImproperlyConfigured(f"CHANNEL_LAYER is 'pubsub' or 'core', not {CHANNEL_LAYER!r}.")
    if CHANNEL_LAYER == "pubsub":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {
                    "hosts": [REDIS_URL],
                    "prefix": env.str("CHANNEL_LAYER_PREFIX", default="lair"),
                },
            }
        }
    else:
        # core blocks up to 5 s in BZPOPMIN; redis-py's 5 s socket timeout
        # would fail every read on an idle channel (a 1 s delivery stall, a
        # message lost if popped just then). Its pool cap of 100 failed
        # group_send under a connect storm.
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [
                        {"address": REDIS_URL, "socket_timeout": 15, "max_connections": 1000}
                    ],
                    "prefix": env.str("CHANNEL_LAYER_PREFIX", default="lair"),
                    "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=10000),
                    "expiry": env.int("CHANNEL_LAYER_EXPIRY", default=60),
                },
            }
        }
else:
    # LocMem's default of 300 entries would evict presence counters (two per
    # online user) and rate-limit windows on any real server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    }
    # One process only: the in-memory layer does not cross processes.
    # The fan-out's one channel sees every event: room for bursts (default 100).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": env.int("CHANNEL_LAYER_CAPACITY", default=10000)},
        }
    }

# --- Accounts, passwords and sessions --------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]

# Argon2id first. Parameters: OWASP's minimum (t=2, m=19 MiB, p=1) costs ~45 ms
# per hash here against ~220 ms for Django's defaults; see accounts/hashers.py.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
ARGON2_TIME_COST = env.int("ARGON2_TIME_COST", default=2)
ARGON2_MEMORY_COST_KIB = env.int("ARGON2_MEMORY_COST_KIB", default=19456)
ARGON2_PARALLELISM = env.int("ARGON2_PARALLELISM", default=1)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REGISTRATION_OPEN = env.bool("REGISTRATION_OPEN", default=True)

# PyJWT wants HMAC keys of at least 32 bytes.
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default=SECRET_KEY)
if len(JWT_SIGNING_KEY.encode()) < 32:
    raise ImproperlyConfigured("JWT_SIGNING_KEY (or SECRET_KEY) must be at least 32 bytes.")

ACCESS_TOKEN_LIFETIME = timedelta(seconds=env.int("ACCESS_TOKEN_LIFETIME_SECONDS", default=900))
REFRESH_TOKEN_LIFETIME = timedelta(
    seconds=env.int("REFRESH_TOKEN_LIFETIME_SECONDS", default=30 * 24 * 3600)
)
# How often a session's last_seen_at is written while its tokens are used.
SESSION_TOUCH_INTERVAL = timedelta(seconds=env.int("SESSION_TOUCH_INTERVAL_SECONDS", default=60))

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": ACCESS_TOKEN_LIFETIME,
    "REFRESH_TOKEN_LIFETIME": REFRESH_TOKEN_LIFETIME,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_CLAIM": "user_id",
    "USER_ID_FIELD": "id",
    "UPDATE_LAST_LOGIN": False,
    "ISSUER": env.str("JWT_ISSUER", default="lair-chat"),
    "LEEWAY": 5,
}

# --- Rate limits (django-ratelimit syntax: count/period) -------------------

RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMITS = {
    "login_ip": env.str("RATELIMIT_LOGIN_IP", default="30/m"),
    "login_username": env.str("RATELIMIT_LOGIN_USERNAME", default="10/m"),
    "register_ip": env.str("RATELIMIT_REGISTER_IP", default="10/h"),
    "refresh_ip": env.str("RATELIMIT_REFRESH_IP", default="120/m"),
    "password_user": env.str("RATELIMIT_PASSWORD_USER", default="10/h"),
    # Authenticated writes, per user: far above what a person in a chat does,
    # low enough that a script cannot flood a room or the database.
    "message_user": env.str("RATELIMIT_MESSAGE_USER", default="20/10s"),
    "edit_user": env.str("RATELIMIT_EDIT_USER", default="30/m"),
    "reaction_user": env.str("RATELIMIT_REACTION_USER", default="30/10s"),
    "room_create_user": env.str("RATELIMIT_ROOM_CREATE_USER", default="20/h"),
    "invitation_user": env.str("RATELIMIT_INVITATION_USER", default="60/h"),
    "member_add_user": env.str("RATELIMIT_MEMBER_ADD_USER", default="60/h"),
    "avatar_user": env.str("RATELIMIT_AVATAR_USER", default="10/h"),
}
# django-ratelimit refuses LocMem (E003) and warns on Django's Redis cache
# (W001) because it cannot prove atomic increments. LocMem is atomic within one
# process (the only setup that uses it) and Django's Redis cache uses INCR.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- Requests, messages and the REST API ----------------------------------

# Bounds on what one request may carry, checked before any view runs.
# JSON bodies above this answer 413 before they are read.
MAX_JSON_BODY_BYTES = env.int("MAX_JSON_BODY_BYTES", default=1024 * 1024)
# Multipart bodies (avatar uploads) may be larger.
MAX_UPLOAD_BODY_BYTES = env.int("MAX_UPLOAD_BODY_BYTES", default=3 * 1024 * 1024)
# No API shape nests more than a few levels; deeper JSON (bodies and socket
# frames) is refused as parse_error instead of being walked.
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BODY_BYTES

# What one message may hold.
MAX_MESSAGE_LENGTH = env.int("MAX_MESSAGE_LENGTH", default=4000)
# Different emoji one message can collect (people can still add ones it has).
REACTION_MAX_DISTINCT_EMOJI = env.int("REACTION_MAX_DISTINCT_EMOJI", default=20)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sessions_app.authentication.DeviceSessionJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["lair.renderers.FastJSONRenderer"],
    # JSON only (orjson, depth-capped); the avatar upload view alone declares
    # its multipart parser.
    "DEFAULT_PARSER_CLASSES": ["lair.jsonparse.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "lair.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "lair.errors.api_exception_handler",
    # OPTIONS on a viewset without one serializer would be a 500 (lair/api.py).
    "DEFAULT_METADATA_CLASS": "lair.api.ViewMetadata",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": UTC_FORMAT,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Lair Chat API",
    "DESCRIPTION": "REST API of Lair Chat. Errors use the envelope "
    '`{"error": {"code", "message", "details"}}`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # PATCH bodies are the same components as the views validate them: the
    # partial ones (profile, settings, room) mark nothing required, the full
    # ones (a member's role, a message edit) keep their required fields.
    "COMPONENT_SPLIT_PATCH": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["lair.schema.drop_trailing_slash_duplicates"],
    "ENUM_NAME_OVERRIDES": {
        "SiteRoleEnum": "accounts.models.User.Role",
        "RoomRoleEnum": "rooms.models.Membership.Role",
        "RoomTypeEnum": "rooms.models.Room.Type",
        "NewRoomTypeEnum": ["public", "private"],
        "InvitationStatusEnum": "rooms.models.Invitation.Status",
        "HealthStatusEnum": ["ok", "unavailable"],
        "PresenceEnum": ["online", "away", "offline"],
    },
    # lair.urlpaths' <id:...> path converter: what it matches, so clients and
    # fuzzers know the bound.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
    },
    "SECURITY": [{"jwtAuth": []}],
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "jwtAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        }
    },
}

# --- Real time ------------------------------------------------------------

# How long missed events can be resumed, and socket limits.
EVENT_LOG_RETENTION_DAYS = env.int("EVENT_LOG_RETENTION_DAYS", default=7)
WS_AUTH_TIMEOUT_SECONDS = env.float("WS_AUTH_TIMEOUT_SECONDS", default=10.0)
WS_IDLE_TIMEOUT_SECONDS = env.float("WS_IDLE_TIMEOUT_SECONDS", default=90.0)
WS_MAX_FRAME_BYTES = env.int("WS_MAX_FRAME_BYTES", default=16 * 1024)
WS_RESUME_MAX_EVENTS = env.int("WS_RESUME_MAX_EVENTS", default=5000)
# Each process checks the event log this often for events whose broadcast never
# arrived (lost while Redis restarted) and delivers them to its open sockets.
EVENT_TAIL_CHECK_SECONDS = env.float("EVENT_TAIL_CHECK_SECONDS", default=5.0)
# A socket whose client stops reading: frames queue behind its blocked write;
# it is closed (4008, the client resumes) once a write has waited this long
# or this many frames are queued.
WS_SEND_TIMEOUT_SECONDS = env.float("WS_SEND_TIMEOUT_SECONDS", default=20.0)
WS_SEND_BACKLOG = env.int("WS_SEND_BACKLOG", default=1000)
# One client must not make the server send much more than it sends: frames a
# socket may send per second (more get one rate_limited error and are dropped),
# the shortest time between two presence changes relayed for one socket, and
# open sockets per user and per client address (0: no cap; over it: close 4029).
WS_MAX_FRAMES_PER_SECOND = env.int("WS_MAX_FRAMES_PER_SECOND", default=20)
WS_PRESENCE_INTERVAL_SECONDS = env.float("WS_PRESENCE_INTERVAL_SECONDS", default=5.0)
WS_MAX_SOCKETS_PER_USER = env.int("WS_MAX_SOCKETS_PER_USER", default=20)
WS_MAX_SOCKETS_PER_IP = env.int("WS_MAX_SOCKETS_PER_IP", default=300)
TYPING_TIMEOUT_SECONDS = env.float("TYPING_TIMEOUT_SECONDS", default=6.0)
PRESENCE_GRACE_SECONDS = env.float("PRESENCE_GRACE_SECONDS", default=5.0)
# A user's socket count lives this long in the cache unless a server process
# refreshes it (every quarter of it): a crashed process cannot keep anyone online.
PRESENCE_SOCKETS_TTL_SECONDS = env.float("PRESENCE_SOCKETS_TTL_SECONDS", default=120.0)
# At most one typing "start" per user and room is relayed per this interval,
# however many sockets the user types on (clients refresh while typing).
TYPING_REFRESH_SECONDS = env.float("TYPING_REFRESH_SECONDS", default=2.0)
# How long a durable event waits for its predecessor before the fan-out reads
# the gap from the event log (its publisher died, Redis dropped it).
WS_REORDER_WAIT_SECONDS = env.float("WS_REORDER_WAIT_SECONDS", default=0.5)
# Sockets written between two yields to the event loop in a large fan-out.
WS_FANOUT_YIELD_EVERY = env.int("WS_FANOUT_YIELD_EVERY", default=200)
# How long a socket's sign-in waits for this process to join the channel
# layer before it is refused (1011): a failed subscribe must not hang it.
WS_SUBSCRIBE_TIMEOUT_SECONDS = env.float("WS_SUBSCRIBE_TIMEOUT_SECONDS", default=10.0)

# --- Runtime config (django-constance, read through lair/config.py) --------

# Operators change these in the admin or over /api/v1/admin/config, without a
# restart; the environment variables above are only their defaults until then.
# Rates are "count/seconds" (an operator reads "20/10" more easily than
# django-ratelimit's "20/10s", and one format has one parser).
_RATE_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _count_per_seconds(scope: str) -> str:
    """A django-ratelimit rate of settings.RATELIMITS ("30/m", "20/10s") as "count/seconds"."""
    match = re.fullmatch(r"\s*(\d+)/(\d*)([smhd]?)\s*", RATELIMITS[scope])
    if not match:
        raise ImproperlyConfigured(
            f"The rate of {scope} is count/period (30/m, 20/10s), not {RATELIMITS[scope]!r}."
        )
    count, multiple, unit = match.groups()
    return f"{int(count)}/{int(multiple or 1) * _RATE_UNIT_SECONDS[unit or 's']}"


# Whether guests may post (and react) in the rooms they are members of, and how
# long after posting a message can be edited (0: always).
GUESTS_CAN_POST = env.bool("GUESTS_CAN_POST", default=False)
EDIT_WINDOW_SECONDS = env.int("EDIT_WINDOW_SECONDS", default=0)

CONSTANCE_BACKEND = "constance.backends.database.DatabaseBackend"
# No constance cache: every process keeps its own snapshot of all values,
# reloaded with one query when older than CONFIG_REFRESH_SECONDS (lair/config.py),
# so a read costs no query and no cache round trip, and a change reaches every
# process within that time.
CONSTANCE_DATABASE_CACHE_BACKEND = None
CONFIG_REFRESH_SECONDS = env.float("CONFIG_REFRESH_SECONDS", default=2.0)
CONSTANCE_CONFIG = {
    "registration_open": (REGISTRATION_OPEN, "Whether new people may sign up.", bool),
    "max_message_length": (
        MAX_MESSAGE_LENGTH,
        "Characters one message may hold (1 to 20000).",
        int,
    ),
    "edit_window_seconds": (
        EDIT_WINDOW_SECONDS,
        "Seconds after posting during which the author may edit a message (0: no limit).",
        int,
    ),
    "guests_can_post": (
        GUESTS_CAN_POST,
        "Whether guests may post and react in the rooms they are members of.",
        bool,
    ),
    "event_log_retention_days": (
        EVENT_LOG_RETENTION_DAYS,
        "Days the real-time event log keeps events for clients to resume from (at least 1).",
        int,
    ),
    "message_rate_limit": (
        _count_per_seconds("message_user"),
        "Messages one user may post: count/seconds.",
        str,
    ),
    "edit_rate_limit": (
        _count_per_seconds("edit_user"),
        "Message edits by one user: count/seconds.",
        str,
    ),
    "reaction_rate_limit": (
        _count_per_seconds("reaction_user"),
        "Reactions added by one user: count/seconds.",
        str,
    ),
    "room_create_rate_limit": (
        _count_per_seconds("room_create_user"),
        "Rooms one user may create: count/seconds.",
        str,
    ),
    "invitation_rate_limit": (
        _count_per_seconds("invitation_user"),
        "Invitations sent by one user: count/seconds.",
        str,
    ),
    "member_add_rate_limit": (
        _count_per_seconds("member_add_user"),
        "Members added to rooms by one user: count/seconds.",
        str,
    ),
    "avatar_rate_limit": (
        _count_per_seconds("avatar_user"),
        "Avatar uploads by one user: count/seconds.",
        str,
    ),
    "login_rate_limit_ip": (
        _count_per_seconds("login_ip"),
        "Sign-in attempts from one client address: count/seconds.",
        str,
    ),
    "login_rate_limit_username": (
        _count_per_seconds("login_username"),
        "Sign-in attempts on one account: count/seconds.",
        str,
    ),
}
CONSTANCE_CONFIG_FIELDSETS = (
    (
        "Accounts and messages",
        (
            "registration_open",
            "max_message_length",
            "edit_window_seconds",
            "guests_can_post",
            "event_log_retention_days",
        ),
    ),
    (
        "Rate limits (count/seconds)",
        (
            "message_rate_limit",
            "edit_rate_limit",
            "reaction_rate_limit",
            "room_create_rate_limit",
            "invitation_rate_limit",
            "member_add_rate_limit",
            "avatar_rate_limit",
            "login_rate_limit_ip",
            "login_rate_limit_username",
        ),
    ),
)

# --- Static files, media and avatars ----------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve files straight from the finders in DEBUG so `make run` needs no
# collectstatic step to show the docs and admin.
WHITENOISE_USE_FINDERS = DEBUG

# Avatars: largest upload accepted and the square size they are stored at.
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)
AVATAR_SIZE = env.int("AVATAR_SIZE", default=256)
# Largest image (width x height) decoded for an avatar: bounds a decode's
# memory (a few kB of PNG can claim 36 million pixels). A JPEG counts at the
# reduced scale it is decoded at, so a 12-megapixel photo passes. 4096x4096
# PNGs took 115 MB each: 2048x2048 is plenty for a 256-pixel avatar.
AVATAR_MAX_PIXELS = env.int("AVATAR_MAX_PIXELS", default=2048 * 2048)
# Avatar decodes that may run at once in one process (the others wait).
AVATAR_CONCURRENT_DECODES = env.int("AVATAR_CONCURRENT_DECODES", default=2)

# --- Serving ----------------------------------------------------------------

# Threads that run the (synchronous) Django HTTP stack inside the ASGI server;
# see lair/asgi.py and docs/PERFORMANCE.md.
HTTP_THREADS = env.int("HTTP_THREADS", default=8)
# The garbage collector's thresholds in server processes (lair/asgi.py):
# Python's 700,10,10 ran full collections of 65-110 ms with 1,000 sockets.
try:
    GC_THRESHOLDS = tuple(env.list("GC_THRESHOLDS", cast=int, default=[10000, 50, 50]))
except ValueError:
    GC_THRESHOLDS = ()
if len(GC_THRESHOLDS) != 3 or min(GC_THRESHOLDS) < 1:
    raise ImproperlyConfigured("GC_THRESHOLDS is three positive integers, e.g. 10000,50,50.")

# --- Metrics (lair/metrics.py, GET /api/v1/admin/metrics) ---------------------

# Off: no request metrics and no query timer (the benchmark's baseline,
# benchmarks/metrics_overhead.py). The other counters cost nothing measurable.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
# A Bearer token for scrapers (Prometheus), besides a site admin's sign-in;
# empty: scrapers need an admin's token. Several processes share their
# metrics through PROMETHEUS_MULTIPROC_DIR, read by prometheus-client itself
# (deploy/gunicorn.conf.py sets it).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 24:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 24 characters (or empty).")

# --- Logging ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "lair.logs.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.security": {"level": "WARNING"},
    },
}
