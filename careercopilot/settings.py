"""Career Copilot settings.

Everything comes from the environment (see README "Configuration"). With nothing set the
site runs on one machine with nothing but requirements.txt: SQLite, local-memory cache and
a filesystem Celery broker. DATABASE_URL and REDIS_URL switch to the real services.
"""

from pathlib import Path

from careercopilot.env import (
    database_from_url,
    email_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    redis_url,
    s3_storage_options,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

SILK_ENABLED = env_bool("SILK_ENABLED", False)

INSTALLED_APPS = [
    "django_prometheus",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "careercopilot",
    "accounts",
    "jobs",
    "applications",
    "analytics",
    "demo",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.time_zones.seeker_time_zone_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

if SILK_ENABLED:
    INSTALLED_APPS.append("silk")
    MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                      "silk.middleware.SilkyMiddleware")
    SILKY_AUTHENTICATION = True
    SILKY_AUTHORISATION = True  # default permission check: is_staff
    SILKY_PYTHON_PROFILER = env_bool("SILK_PYTHON_PROFILER", False)
    SILKY_INTERCEPT_PERCENT = env_int("SILK_INTERCEPT_PERCENT", 100)
    # Silk stores raw request bodies in a text column; a NUL byte in a body makes
    # PostgreSQL refuse the row and the request 500s. Bodies are not worth it: keep none.
    SILKY_MAX_REQUEST_BODY_SIZE = 0
    SILKY_MAX_RESPONSE_BODY_SIZE = 0
    SILKY_META = True

ROOT_URLCONF = "careercopilot.urls"
WSGI_APPLICATION = "careercopilot.wsgi.application"
ASGI_APPLICATION = "careercopilot.asgi.application"

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

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_URL:
    default_db = database_from_url("DATABASE_URL", DATABASE_URL)
    if env_bool("DATABASE_POOL", True):
        # psycopg 3's pool inside each web/worker process; CONN_MAX_AGE must stay 0 with it.
        default_db["OPTIONS"]["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 1),
            "max_size": env_int("DATABASE_POOL_MAX", 8),
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
        }
    else:
        default_db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
        default_db["CONN_HEALTH_CHECKS"] = True
    default_db["ENGINE"] = "django_prometheus.db.backends.postgresql"
    DATABASES = {"default": default_db}
    if DATABASE_REPLICA_URL:
        replica = database_from_url("DATABASE_REPLICA_URL", DATABASE_REPLICA_URL)
        replica["ENGINE"] = default_db["ENGINE"]
        replica["OPTIONS"].setdefault("pool", default_db["OPTIONS"].get("pool", False))
        replica["TEST"] = {"MIRROR": "default"}
        DATABASES["replica"] = replica
        DATABASE_ROUTERS = ["careercopilot.routers.PrimaryReplicaRouter"]
else:
    DATABASES = {
        "default": {
            "ENGINE": "django_prometheus.db.backends.sqlite3",
            "NAME": VAR_DIR / "careercopilot.sqlite3",
            "OPTIONS": {
                # WAL lets the web process read while the worker writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
IS_POSTGRES = bool(DATABASE_URL)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
REDIS_URL = redis_url("REDIS_URL")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "cc")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "TIMEOUT": 300,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "PARSER_CLASS": "redis._parsers.hiredis._HiredisParser",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                "CONNECTION_POOL_KWARGS": {"max_connections": 50, "health_check_interval": 30},
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache",
            "LOCATION": "careercopilot",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "TIMEOUT": 300,
        }
    }

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Celery ---------------------------------------------------------------------------
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Applications still "applied" with no reply after this many days are marked ghosted by beat.
ANALYTICS_GHOST_AFTER_DAYS = env_int("ANALYTICS_GHOST_AFTER_DAYS", 30)
if REDIS_URL:
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # A broker with no server: messages are files under var/celery, so `make run`
    # still starts a real worker and beat on a bare machine.
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
    _broker_dir = VAR_DIR / "celery"
    for sub in ("out", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Email ----------------------------------------------------------------------------
# Console on the embedded default; EMAIL_URL=smtp+tls://user:pass@host:587 (or smtp://, smtps://) in production.
EMAIL_URL = env_str("EMAIL_URL", "console://")
globals().update(email_from_url("EMAIL_URL", EMAIL_URL))
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)  # an unreachable relay must not hold a worker for minutes
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Career Copilot <noreply@careercopilot.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- I18N / static --------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Documents ------------------------------------------------------------------------
# The résumés and cover letters seekers upload. Never served from a public URL: the download
# view checks the owner and streams the file as an attachment. On the filesystem under
# MEDIA_ROOT by default; DOCUMENT_STORAGE=s3 keeps them in an S3-compatible bucket through
# django-storages (README, Configuration).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
DOCUMENT_STORAGE = env_str("DOCUMENT_STORAGE", "filesystem")
if DOCUMENT_STORAGE == "filesystem":
    # No fixed location: the storage reads MEDIA_ROOT, so tests can point it at a temporary folder.
    _documents = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif DOCUMENT_STORAGE == "s3":
    _documents = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_storage_options("DOCUMENT_S3")}
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"DOCUMENT_STORAGE={DOCUMENT_STORAGE!r} is not a storage (use filesystem or s3)")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": _documents,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000  # hashed names are immutable, so a year is safe

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/min"),
        "user": env_str("API_THROTTLE_USER", "600/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Career Copilot API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc come from the sidecar package: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the pipeline's statuses wherever they appear (status, from/to of an event).
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "applications.models.Status",
        "EventKindEnum": "applications.models.ApplicationEvent.Kind",
        "InterviewKindEnum": "applications.models.Interview.Kind",
        "DocumentKindEnum": "applications.models.Document.Kind",
    },
}

# --- Production hardening -------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$", r"^metrics$"]

# /metrics is for the scraper, not the public: loopback and these addresses only.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
