"""Settings for the provision tracker.

One module; everything that varies between deployments comes from environment variables
(see `.env.example`). It fails closed: DEBUG is off unless asked for, and without DEBUG a
SECRET_KEY is required.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DEBUG")

# The "django-insecure-" prefix makes `check --deploy` flag this key if it ever reaches a server.
SECRET_KEY = os.environ.get("SECRET_KEY") or ("django-insecure-local-only" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY in the environment "
        "(or DEBUG=1 for local development only)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "provisions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "tracker.resilience.DatabaseUnavailableMiddleware",
    # with DATABASE_REPLICA_URLS: which database each request reads from (tracker.replicas)
    "tracker.replicas.ReplicaMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # refuses logins from an address after repeated failures (see AXES_* below)
    "axes.middleware.AxesMiddleware",
    "provisions.permalinks.PermalinkMiddleware",
    # ?release=<number>: the view reads that release's frozen rows (provisions.as_released)
    "provisions.as_released.ReleaseMiddleware",
    # last, so that every other middleware runs on a cache hit too
    "provisions.caching.PageCacheMiddleware",
]

ROOT_URLCONF = "tracker.urls"

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
                "provisions.as_released.release_context",
            ],
        },
    },
]

WSGI_APPLICATION = "tracker.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast when PostgreSQL is unreachable instead of hanging a worker.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 3
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two editors saving at once: a write transaction takes SQLite's write lock as it begins
    # (one that read first failed at once with "database is locked" when it came to write),
    # and the second writer (or a reader meeting a commit) waits up to 20 s for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)

# Read replicas (tracker.replicas): PostgreSQL streaming replicas of the primary, comma-separated.
# Anonymous and read-only requests read from them; writes, the rest of a request that wrote, and
# the writer's next REPLICA_PIN_SECONDS go to the primary. Needs REDIS_URL (checks.py).
DATABASE_REPLICAS = []
for number, url in enumerate(
    filter(None, map(str.strip, os.environ.get("DATABASE_REPLICA_URLS", "").split(","))), 1
):
    replica = dj_database_url.parse(url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
                                    conn_health_checks=True)  # fmt: skip
    replica.setdefault("OPTIONS", {})["connect_timeout"] = 3
    replica["TEST"] = {"MIRROR": "default"}  # a test run creates no database on a replica
    DATABASES[f"replica{number}"] = replica
    DATABASE_REPLICAS.append(f"replica{number}")
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "10"))
REPLICA_RETRY_SECONDS = 5  # how long a replica that could not be reached is left out

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "tracker.cache.TrackerRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Where the dataset stamp (provisions.caching) lives: a generation in the shared cache when there
# is one (Redis), else the history tables, which every process can see.
DATASET_STAMP = "cache" if os.environ.get("REDIS_URL") else "database"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# where /api/export/ keeps the export file of the current dataset stamp (provisions.exports)
EXPORT_DIR = Path(os.environ.get("EXPORT_DIR") or BASE_DIR / "var" / "export")
# where each release's downloads and read-only database are written once (provisions.releases)
RELEASE_DIR = Path(os.environ.get("RELEASE_DIR") or BASE_DIR / "var" / "releases")
# the comparison the home page opens with: the one most readers come for
FEATURED_COMPARISON = ("us-russia-28-2025-11", "us-ukraine-20-2025-12")
# the public address of the site (e.g. https://tracker.example.org), named in each release's
# data package and its citation; without it they name the release by its path
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
# `?release=<number>` reads go to that release's frozen rows (provisions.releases.ReleaseRouter)
DATABASE_ROUTERS = ["provisions.releases.ReleaseRouter", "tracker.replicas.ReplicaRouter"]
# the terms under which the dataset (our restatements, links, assessments and positions) is
# published; the short quotations in readings and excerpts remain their sources' own
DATASET_LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
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
# Tests run with DEBUG off but without collectstatic: let whitenoise find files where they are.
WHITENOISE_USE_FINDERS = DEBUG or env_bool("WHITENOISE_USE_FINDERS")

# Secure defaults whenever DEBUG is off.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# lets the domain be submitted to browsers' HTTPS-only preload list (hard to undo: turn it off
# with SECURE_HSTS_PRELOAD=0 before the first deployment if that is not wanted)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
if env_bool("BEHIND_TLS_PROXY"):
    # Only behind a proxy that sets X-Forwarded-Proto itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def env_count(name: str, default: int = 0) -> int:
    value = os.environ.get(name, str(default)).strip()
    if not (value.isascii() and value.isdigit()):
        raise ImproperlyConfigured(f"{name} must be a whole number (0 or more), not {value!r}.")
    return int(value)


# How many proxies we run in front of the app, each appending to X-Forwarded-For: the client's
# address is the entry the outermost one wrote (tracker.clientip). 0, the default, ignores the
# header: with it set wrongly, a client could choose the address its limits are counted under.
NUM_PROXIES = env_count("NUM_PROXIES")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp): scripts, images and fonts from this site only; no inline
# script, no eval, no framing. htmx is configured for it in base.html (no inline indicator styles,
# no eval, no scripts in swapped content). Inline styles are allowed: the admin, DRF's API browser
# and ReDoc set them (ReDoc builds its whole stylesheet at run time); they cannot run code.
# Images may be data: URIs (the admin's and the API docs' icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],  # ReDoc's search index runs in a worker it builds
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Login throttling (django-axes): 5 failures for a user name from one address lock that pair
# out for an hour; attempts are kept in the database and shown in the admin. The pair, never
# the name alone: nobody can lock a colleague out of logging in from their own address. The
# address is the one the API throttles count by (tracker.clientip, NUM_PROXIES).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "tracker.clientip.client_address"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # token first: a request without credentials gets 401 with a WWW-Authenticate challenge
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "provisions.api.parsers.BoundedJSONParser",  # refuses absurd nesting with a 400
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "provisions.api.pagination.TrackerPagination",
    "DEFAULT_THROTTLE_CLASSES": ["provisions.api.throttling.AnonWindowThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "120/minute"),
        # endpoints whose cost grows with the data (provisions.api.throttling.CostlyThrottle)
        "costly": os.environ.get("COSTLY_ANON_RATE", "20/minute"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    "EXCEPTION_HANDLER": "provisions.api.views.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Peace plan provision tracker API",
    # the researchers' guide (docs/api-guide.md) is the second half of the description
    "DESCRIPTION": (
        "Every numbered provision of every version of the 2025–2026 Russia–Ukraine peace plans, "
        "with its sources, variant readings, analysts' assessments and links across versions. "
        "Read freely (anonymous clients are throttled); writes need a token "
        "(Authorization: Token …) and the Editors or Analysts role. Lists take ?format=csv.\n\n"
        + (BASE_DIR / "docs" / "api-guide.md").read_text(encoding="utf-8")
    ),
    "VERSION": "0.1.0",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "provisions.api.schema.document_errors_and_anonymous_reads",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PlanStatusEnum": "provisions.models.Plan.Status",
        "ReviewStatusEnum": "provisions.models.Assessment.Status",
    },
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
