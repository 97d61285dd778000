"""Career Copilot settings.

Everything comes from the environment (see README "Configuration"). With nothing set the
site runs on one machine with nothing but requirements.txt: SQLite, local-memory cache and
a filesystem Celery broker. DATABASE_URL and REDIS_URL switch to the real services.
"""

import hashlib
from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF

from careercopilot.env import (
    database_from_url,
    dev_secret_key,
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
# With DEBUG on and no SECRET_KEY, a random key made once per checkout (var/dev-secret-key):
# nothing secret is committed, and sessions survive a restart.
SECRET_KEY = env_str("SECRET_KEY", dev_secret_key(VAR_DIR) if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Trust: proxies and /metrics ---------------------------------------------------------
# How many proxies stand in front of gunicorn: X-Forwarded-For is believed that many hops
# deep and no further (careercopilot/proxies.py), by our code, DRF's throttles and axes.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
PROXY_COUNT = env_int("PROXY_COUNT", 1 if BEHIND_PROXY else 0)
# /metrics is for the scraper, not the public: `Authorization: Bearer $METRICS_TOKEN`, a staff
# session, or (only with no proxy in front) a direct scrape from these addresses.
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])

# Measurement only (perfsuite's no-cache pass): every cached value and anonymous page is computed
# afresh, to show what the caches buy. Never in production.
CACHE_BYPASS = env_bool("CACHE_BYPASS", False)
# Measurement only (perfsuite's no-metrics pass): without django-prometheus's request middleware,
# to show what the request metrics cost. Production keeps them (the alerts read them).
PROMETHEUS_REQUEST_METRICS = env_bool("PROMETHEUS_REQUEST_METRICS", True)
# After the catalogue changes (an import, an edit a list shows), a Celery task rebuilds the pages
# people hit first: home, /jobs/, the first page of the CACHE_WARMING_SEARCHES most frequent terms
# (careercopilot/cache_warming.py). Bumps within CACHE_WARMING_DELAY seconds make one warming.
CACHE_WARMING = env_bool("CACHE_WARMING", True)
CACHE_WARMING_DELAY = env_int("CACHE_WARMING_DELAY", 5)
CACHE_WARMING_SEARCHES = env_int("CACHE_WARMING_SEARCHES", 10)
# Statements slower than this are logged (normalised, without parameters) and counted by view.
SLOW_QUERY_MS = env_int("SLOW_QUERY_MS", 200)

SILK_ENABLED = env_bool("SILK_ENABLED", False)
SILK_INTERCEPT_PERCENT = env_int("SILK_INTERCEPT_PERCENT", 100)
SILK_KEEP_DAYS = env_int("SILK_KEEP_DAYS", 7)  # older records are pruned by beat (careercopilot.tasks)

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
    "axes",
    "django_ratelimit",
    "csp",
    "careercopilot",
    "accounts",
    "jobs",
    "applications",
    "analytics",
    "notifications",
    "demo",
]

# Each one's cost on a trivial view, in thread CPU time (manage.py benchmark_middleware; README,
# "Serving and caching"), and why it is worth it.
MIDDLEWARE = [
    # django-prometheus's request metrics (same names and labels), counted in process and written
    # to the scrape's files once a second: 58–72 → 4–8 µs of /health/ in process (observability/requests.py).
    "careercopilot.observability.requests.RequestMetricsBeforeMiddleware",  # latency including middleware
    "django.middleware.security.SecurityMiddleware",  # ~8 µs: HSTS, SSL redirect, nosniff, referrer policy
    # HTML and JSON compressed (static files come pre-compressed from whitenoise). Why this is
    # safe from BREACH: README, Security.
    "django.middleware.gzip.GZipMiddleware",
    "careercopilot.middleware.ContentSecurityPolicyMiddleware",  # django-csp's, header built once (47 → 18 µs)
    "django_permissions_policy.PermissionsPolicyMiddleware",  # ~2 µs: features no page uses are off
    "whitenoise.middleware.WhiteNoiseMiddleware",  # ~2 µs: static files with far-future headers
    "django.middleware.clickjacking.XFrameOptionsMiddleware",  # ~2 µs: X-Frame-Options for old browsers
    # Above early_answers, so the answers it gives early are counted too (process_view stands in).
    "careercopilot.observability.requests.RequestMetricsAfterMiddleware",  # by view, method, status
    # /health/ and stored anonymous pages, answered without the session, CSRF, auth and the rest below.
    "careercopilot.middleware.early_answers",
    # Sees every response after the view, so it knows who the view served (token users too),
    # and after SessionMiddleware, so a public page loses the `Vary: Cookie` that one adds.
    "careercopilot.middleware.private_responses",
    "django.contrib.sessions.middleware.SessionMiddleware",  # log-in (needed by auth, messages)
    "django.middleware.common.CommonMiddleware",  # ~9 µs: ALLOWED_HOSTS check, APPEND_SLASH redirects
    "django.middleware.csrf.CsrfViewMiddleware",  # ~3 µs: every form post
    # ~3 µs: request.user, lazily; Django's, its user row read by a statement compiled once (~265 -> ~80 µs)
    "accounts.authentication.AuthenticationMiddleware",
    "accounts.time_zones.seeker_time_zone_middleware",  # ~6 µs: dates in the seeker's zone
    "careercopilot.middleware.MessageMiddleware",  # Django's, storage made on first use (16 → 1 µs)
    "django_htmx.middleware.HtmxMiddleware",  # <1 µs: request.htmx for the board and track buttons
    # Turns django-ratelimit's refusal into the 429 page (~2 µs).
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the view into the locked-out page (~3 µs).
    "axes.middleware.AxesMiddleware",
]

if not PROMETHEUS_REQUEST_METRICS:
    MIDDLEWARE = [m for m in MIDDLEWARE if ".RequestMetrics" not in m]

if SILK_ENABLED:
    INSTALLED_APPS.append("silk")
    MIDDLEWARE.insert(MIDDLEWARE.index("accounts.authentication.AuthenticationMiddleware") + 1,
                      "silk.middleware.SilkyMiddleware")
    SILKY_AUTHENTICATION = True
    SILKY_AUTHORISATION = True  # default permission check: is_staff
    SILKY_PYTHON_PROFILER = env_bool("SILK_PYTHON_PROFILER", False)
    # Trust: never a credential in silk (careercopilot/silk_filters.py).
    from careercopilot.silk_filters import SECRET_QUERIES, should_record

    SILKY_INTERCEPT_FUNC = should_record
    SILKY_IGNORE_QUERIES = SECRET_QUERIES
    SILKY_HIDE_COOKIES = True
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
                "notifications.context_processors.bell",
                # Django's csrf_token (its built-in processor runs first, never evaluated), masked with
                # one read of the system's randomness instead of 32: ~60 µs a logged-in page (careercopilot/csrf.py).
                "careercopilot.csrf.csrf",
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
            # Trust: with the database away a request waits this long for a connection, then gets
            # the friendly 503 (careercopilot.views.server_error), instead of holding a worker 10 s.
            "timeout": float(env_str("DATABASE_POOL_TIMEOUT", "1.5")),
            # The pool retries a failed connection with a growing delay (1, 2, 4 s ...) for this
            # long, then gives up and tries again at the next request: so the database is used
            # again within seconds of returning, not after a minute of back-off.
            "reconnect_timeout": float(env_str("DATABASE_RECONNECT_TIMEOUT", "4")),
        }
        # After a failed connection, new ones are refused at once for this long (the same 503).
        DATABASE_FAIL_FAST_SECONDS = float(env_str("DATABASE_FAIL_FAST_SECONDS", "2"))
        # With the pool, Django's health checks are the pool's `check`: a connection is checked as
        # it is taken, so one a database restart broke is replaced, never handed to a request.
        default_db["CONN_HEALTH_CHECKS"] = True
    else:
        default_db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
        default_db["CONN_HEALTH_CHECKS"] = True
    # An address that does not answer at all costs a connection attempt this long, not minutes.
    default_db["OPTIONS"].setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 2))
    # django-prometheus's backend, failing fast for a moment after the database failed (careercopilot/database/).
    default_db["ENGINE"] = "careercopilot.database"
    DATABASES = {"default": default_db}
    if DATABASE_REPLICA_URL:
        replica = database_from_url("DATABASE_REPLICA_URL", DATABASE_REPLICA_URL)
        replica["ENGINE"] = default_db["ENGINE"]
        if default_db["OPTIONS"].get("pool"):
            # A replica that is down costs the request that finds it this long, then reads fall back
            # to the primary for DATABASE_REPLICA_RETRY_SECONDS (careercopilot/routers.py).
            replica["OPTIONS"].setdefault("pool", {**default_db["OPTIONS"]["pool"],
                                                   "timeout": float(env_str("DATABASE_REPLICA_POOL_TIMEOUT", "0.5"))})
            replica["CONN_HEALTH_CHECKS"] = True
        replica["OPTIONS"].setdefault("connect_timeout", default_db["OPTIONS"]["connect_timeout"])
        replica["TEST"] = {"MIRROR": "default"}
        DATABASES["replica"] = replica
        DATABASE_ROUTERS = ["careercopilot.routers.PrimaryReplicaRouter"]
        DATABASE_REPLICA_RETRY_SECONDS = float(env_str("DATABASE_REPLICA_RETRY_SECONDS", "10"))
        # After an unsafe request (or any that wrote) that browser reads the primary this long:
        # its own writes are never read back from a standby that has not replayed them yet.
        REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
        REPLICA_PIN_COOKIE_NAME = "cc_primary"
        # Around the session middleware: a session saved counts as a write.
        MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
                          "careercopilot.routers.replica_reads")
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
            # Trust: django-redis behind a circuit breaker; with Redis stopped or frozen every
            # cache use degrades to the database (careercopilot/cache_backends.py).
            "BACKEND": "careercopilot.cache_backends.ResilientRedisCache",
            "ALIAS": "default",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # 2: values are MessagePack since the Trust work; pickles a running site left under
            # version 1 are simply never read again (they expire on their own).
            "VERSION": 2,
            "TIMEOUT": 300,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "PARSER_CLASS": "redis._parsers.hiredis._HiredisParser",
                # A frozen Redis costs one call this long, then the breaker stops asking it.
                "SOCKET_CONNECT_TIMEOUT": float(env_str("CACHE_SOCKET_TIMEOUT", "0.25")),
                "SOCKET_TIMEOUT": float(env_str("CACHE_SOCKET_TIMEOUT", "0.25")),
                "BREAKER_RESET_SECONDS": float(env_str("CACHE_BREAKER_RESET_SECONDS", "5")),
                # Throttle counters (DRF, django-ratelimit) keep counting per process meanwhile.
                "LOCAL_FALLBACK_PREFIXES": ["throttle_", "rl:"],
                "CONNECTION_POOL_KWARGS": {"max_connections": 50, "health_check_interval": 30},
                # Trust: MessagePack, never pickle (careercopilot/cache_backends.py).
                "SERIALIZER": "careercopilot.cache_backends.MessagePackSerializer",
            },
        }
    }
else:
    CACHES = {
        "default": {
            # The same MessagePack values as on Redis, so tests on the embedded default catch a pickle-only value.
            "BACKEND": "careercopilot.cache_backends.MessagePackLocMemCache",
            "LOCATION": "careercopilot",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "VERSION": 2,
            "TIMEOUT": 300,
        }
    }

# cached_db, made safe for a cache outage: sessions load from the database meanwhile (careercopilot/sessions.py).
SESSION_ENGINE = "careercopilot.sessions"

# --- Celery ---------------------------------------------------------------------------
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Every task finishes within four minutes (long jobs run as chains of chunks), so a task whose
# worker died is delivered again within CELERY_VISIBILITY_TIMEOUT, five minutes (below).
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 3 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 4 * 60)
# A chunk of a long analytics job stops after the batch that ends past this (analytics/tasks.py).
ANALYTICS_CHUNK_SECONDS = env_int("ANALYTICS_CHUNK_SECONDS", 90)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Applications still "applied" with no reply after this many days are marked ghosted by beat.
ANALYTICS_GHOST_AFTER_DAYS = env_int("ANALYTICS_GHOST_AFTER_DAYS", 30)
# Trust: the broker cannot turn a saved change into an error, nor lose a task.
# Publishing is bounded: a broker that does not answer costs a request at most about
# (1 + max_retries) × the socket timeout, and on-commit publishing logs the failure instead of
# raising it (careercopilot/celery.py; analytics' receiver catches it too).
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# The worker keeps trying to reach the broker, at start-up too, and never gives up.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task still running when the broker connection drops is cancelled: its message was not
# acknowledged (acks_late), so it is delivered again instead of finishing twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# How long a task taken by a worker that died stays invisible before Redis hands it out again:
# just above the longest task's hard time limit (4 minutes: analytics' long jobs run as chunks),
# so a task still running is never handed out twice, and a lost one comes back within 5 minutes.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 5 * 60)
BROKER_SOCKET_TIMEOUT = float(env_str("BROKER_SOCKET_TIMEOUT", "1"))
if REDIS_URL:
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
    # kombu's Redis transport with a guard that keeps the worker up when the broker drops (careercopilot/broker.py).
    CELERY_BROKER_TRANSPORT = "careercopilot.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "socket_timeout": BROKER_SOCKET_TIMEOUT,
        "socket_connect_timeout": BROKER_SOCKET_TIMEOUT,
        "retry_on_timeout": False,
        "health_check_interval": 10,
        # The worker sweeps for messages whose visibility timeout ran out this often.
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    }
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
# --- Trust: log-in lockout (django-axes) -------------------------------------------------------
# Failed log-ins on /login/, /admin/login/ and /api/v1/auth/token/ are counted in the database
# (one count for every worker and machine; no database, no log-in: it fails closed). After
# LOGIN_FAILURE_LIMIT failures a username, and separately an address, is locked for
# LOGIN_COOLOFF_MINUTES, or until the user sets a new password. accounts/lockout.py.
# Then the username (ModelBackend), else the email: accounts/backends.py says what happens when
# accounts share an email.
AUTHENTICATION_BACKENDS = [
    "accounts.lockout.LockoutBackend", "django.contrib.auth.backends.ModelBackend", "accounts.backends.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS.append({"NAME": "accounts.lockout.UnlockOnNewPassword"})
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# A locked user's cool-off runs from the lock, not from the attacker's latest try.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "careercopilot.proxies.client_address"
AXES_VERBOSE = False

# --- Trust: throttles and caps (django-ratelimit for pages, DRF throttles for the API) ----------
# Counted in the default cache (Redis: shared by every worker). A throttled request gets a 429
# page (careercopilot.views.rate_limited). With Redis unreachable the counts go on in each
# process's memory (LOCAL_FALLBACK_PREFIXES above), so a throttle is per worker until Redis is
# back; the lockout above is in the database and fails closed.
THROTTLE_SEARCH = env_str("THROTTLE_SEARCH", "120/m")  # per address: /jobs/ and GET /api/v1/jobs/
THROTTLE_SIGNUP = env_str("THROTTLE_SIGNUP", "5/10m")  # per address
THROTTLE_EXPORT = env_str("THROTTLE_EXPORT", "10/m")  # per user
THROTTLE_IMPORT = env_str("THROTTLE_IMPORT", "20/m")  # per user, uploads and confirmations
RATELIMIT_VIEW = "careercopilot.views.rate_limited"
RATELIMIT_IP_META_KEY = "careercopilot.proxies.client_address"
RATELIMIT_FAIL_OPEN = True
# django-ratelimit's defaults, spelled out: it reads each with getattr(settings, name, default) on
# every count, and a setting Django does not have costs ~1.3 µs (an AttributeError) every time.
RATELIMIT_ENABLE = True
RATELIMIT_USE_CACHE = "default"
RATELIMIT_CACHE_PREFIX = "rl:"
RATELIMIT_HASH_ALGORITHM = hashlib.sha256
RATELIMIT_IPV4_MASK = 32
RATELIMIT_IPV6_MASK = 64
# New copies of one kind of anonymous page (list, detail, company, home) stored per its timeout;
# past it pages are served uncached, so junk searches cannot fill Redis (jobs/cache.py).
PAGE_CACHE_MAX_PAGES = env_int("PAGE_CACHE_MAX_PAGES", 2_000)
# The last guard on a search's cost (jobs.selectors.search_deadline): past it, a message and a 503.
SEARCH_STATEMENT_TIMEOUT_MS = env_int("SEARCH_STATEMENT_TIMEOUT_MS", 2_000)
# The most applications one account can hold (a seeker tracks hundreds; cc_bench's busiest has 188).
APPLICATIONS_PER_USER_MAX = env_int("APPLICATIONS_PER_USER_MAX", 10_000)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "application_list"  # the pipeline: what a seeker comes back for
LOGOUT_REDIRECT_URL = "home"

# --- Email ----------------------------------------------------------------------------
# Console on the embedded default; EMAIL_URL=smtp+tls://user:pass@host:587 (or smtp://, smtps://) in production.
EMAIL_URL = env_str("EMAIL_URL", "console://")
globals().update(email_from_url("EMAIL_URL", EMAIL_URL))
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)  # an unreachable relay must not hold a worker for minutes
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Career Copilot <noreply@careercopilot.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where links in emails point (alerts, reminders, unsubscribe): the site's public address.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The seeker's local hour for the morning emails: the daily digest and the reminders.
NOTIFICATIONS_MORNING_HOUR = env_int("NOTIFICATIONS_MORNING_HOUR", 7)

# --- I18N / static --------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
if not SILK_ENABLED:
    # Trust: silk's files are collected even when it is off (as the image is built), so turning
    # it on later does not make /silk/ fail on files missing from the manifest.
    import silk

    STATICFILES_DIRS.append(Path(silk.__file__).resolve().parent / "static")

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
    # Hashed names (site.3f2a….css) on the embedded default too, so an upgrade never leaves a
    # browser on a stale stylesheet: `make run` and the image run collectstatic first.
    # STATIC_MANIFEST=0 serves plain names (a checkout that never ran collectstatic; the tests).
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Hashed names get whitenoise's "max-age=315360000, immutable" (a changed file is a new
# name); a file under its plain name (the favicon a browser asks for by itself) is kept an hour.
WHITENOISE_MAX_AGE = 3600

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # Trust: JSON nested past 32 levels is a 400 (DRF's parser let RecursionError through as a 500).
    "DEFAULT_PARSER_CLASSES": [
        "careercopilot.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/min"),
        "user": env_str("API_THROTTLE_USER", "600/min"),
        "token": env_str("API_THROTTLE_TOKEN", "10/min"),
        "search": env_str("THROTTLE_SEARCH", "120/m"),
    },
    # Believe X-Forwarded-For only as deep as our own proxies (None would believe all of it).
    "NUM_PROXIES": PROXY_COUNT,
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
    # Trust: the schema lists the 400/401/403/404/429 answers every operation can give.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "careercopilot.api_schema.add_standard_errors",
    ],
}

# --- Production hardening -------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# --- Trust: Content-Security-Policy, Permissions-Policy ---------------------------------------
# Every script and style is a file from our own origin: no 'unsafe-inline', no 'unsafe-eval'
# (htmx's config is static/js/htmx-config.js). Silk's profiler pages (staff only, off by
# default) use inline scripts and are left without the header.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/silk/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Features no page uses are switched off for the page and anything it could embed.
PERMISSIONS_POLICY = {
    name: [] for name in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen", "geolocation",
        "gyroscope", "magnetometer", "microphone", "midi", "payment", "picture-in-picture", "publickey-credentials-get",
        "screen-wake-lock", "sync-xhr", "usb", "xr-spatial-tracking",
    )
}

# Preloading puts the domain in browsers' built-in HTTPS-only lists, which takes months to
# undo: only when asked (SECURE_HSTS_PRELOAD=1), so check --deploy's reminder is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# django-ratelimit knows backends by class name; ours are django-prometheus's django-redis
# subclass (atomic INCR, shared) and, on the embedded default, the local-memory one (per process).
SILENCED_SYSTEM_CHECKS.append("django_ratelimit.W001")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$", r"^metrics$"]


# --- Trust: error reports never show credentials ------------------------------------------
# The DEBUG page and error e-mails hide DATABASE_URL, REDIS_URL and friends by name, mask any
# URL's password, and replace every configured secret in the finished report.
DEFAULT_EXCEPTION_REPORTER_FILTER = "careercopilot.reporting.CredentialsFilter"
DEFAULT_EXCEPTION_REPORTER = "careercopilot.reporting.CredentialsReporter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
