"""Settings shared by every environment. All configuration comes from environment variables
(documented in README.md); see dev.py, test.py and production.py for what each one changes."""

from pathlib import Path
from urllib.parse import unquote

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # modeltranslation patches the admin, so it comes before it.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "treebeard",
    "django_countries",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "accounts",
    "directory",
    "mapping",
    "api",
    "pages",
    "ops",
    "relay",
]

MIDDLEWARE = [
    # Outermost: it compresses the answer the others made (tejido/compression.py).
    "tejido.compression.VisitorGZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tejido.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Inside the session middleware: a session is saved on the primary.
    "tejido.routers.ReplicaMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Save-Data or "text only": pages without maps and script (pages/light.py).
    "pages.light.LightPagesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Moderators and admins: a second factor before their pages, shorter sessions (accounts/mfa.py).
    "accounts.mfa.PrivilegedSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "tejido.urls"
WSGI_APPLICATION = "tejido.wsgi.application"

# Tejido's pages are Jinja2 templates in jinja2/ (tejido/jinja2_env.py); Django templates in
# templates/ and the apps' own are for what third-party apps render (admin, allauth, DRF's
# browsable API). docs/decisions/0016-markup-in-templates.md
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "tejido.jinja2_env.environment",
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# DATABASE_URL (postgis://user:password@host:port/name) is used as is. Without it, Tejido
# talks to the private PostGIS cluster that scripts/db.sh keeps under var/pg, over its
# Unix socket.
EMBEDDED_DB_SOCKET_DIR = env("TEJIDO_PG_SOCKET_DIR", default=str(BASE_DIR / "var" / "pg" / "run"))
EMBEDDED_DB_PORT = env.int("TEJIDO_PG_PORT", default=54329)
if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL", engine="django.contrib.gis.db.backends.postgis")}
    # A socket directory as the URL's host: postgis://user@%2Fvar%2Frun%2Fpostgresql/name
    DATABASES["default"]["HOST"] = unquote(str(DATABASES["default"].get("HOST") or ""))
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.contrib.gis.db.backends.postgis",
            "NAME": "tejido",
            "USER": "tejido",
            "HOST": EMBEDDED_DB_SOCKET_DIR,
            "PORT": str(EMBEDDED_DB_PORT),
        }
    }
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
# Requests are short and many run at once: parallel workers for one of them cost more than
# they give on a small machine (docs/decisions/0008). DB_PARALLEL_WORKERS raises it.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "options", f"-c max_parallel_workers_per_gather={env.int('DB_PARALLEL_WORKERS', default=0)}"
)
# A pooled connection is checked before use, so the app recovers when PostgreSQL restarts.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Read replicas (tejido/routers.py, docs/decisions/0017): DATABASE_REPLICA_URLS is a
# comma-separated list of streaming replicas of DATABASE_URL; visitors' reads go to them.
REPLICA_ALIASES: list[str] = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    _replica = environ.Env.db_url_config(_url, engine="django.contrib.gis.db.backends.postgis")
    _replica["HOST"] = unquote(str(_replica.get("HOST") or ""))  # a socket directory
    _replica["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    _replica["CONN_HEALTH_CHECKS"] = True
    _replica["OPTIONS"] = {**DATABASES["default"]["OPTIONS"]}
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
    REPLICA_ALIASES.append(f"replica_{_number}")
DATABASE_ROUTERS = ["tejido.routers.ReadReplicaRouter"]
#: Seconds a client that wrote reads from the primary (read-your-writes).
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=15)
#: Seconds a replica that failed is left aside before it is tried again.
REPLICA_RETRY_SECONDS = env.int("REPLICA_RETRY_SECONDS", default=10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages ----------------------------------------------------------------------------
# Interface and content languages. English is the source language of the interface strings
# and the fallback when a browser asks for none of the four.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("fr", _("French")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("es", "pt", "fr", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = ()
MODELTRANSLATION_AUTO_POPULATE = False

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # npm packages pinned in package-lock.json, installed by scripts/setup.sh.
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/leaflet.vectorgrid", BASE_DIR / "node_modules" / "leaflet.vectorgrid" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Maps -------------------------------------------------------------------------------------
# Empty (the default): Tejido's own vector basemap, served from the regions and the gazetteer
# (mapping/basemap.py); no request leaves the site. A raster tile server instead, e.g.
# "https://tiles.example.org/{z}/{x}/{y}.png" with its TILE_ATTRIBUTION (README: providers).
TILE_URL = env("TILE_URL", default="")
TILE_ATTRIBUTION = env("TILE_ATTRIBUTION", default="")

# --- Accounts (django-allauth) ---------------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "pages:dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "pages:home"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# The confirmation link signs in only the browser that signed up (allauth checks its session).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# The sign-up form says that an e-mail address is taken, next to the field (usernames are
# public anyway); sign-in and password reset still never tell whether an address has an account.
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm", "signup": "accounts.forms.SignupForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Tejido: "
# Links in e-mails take the scheme of the request that sent them (HTTPS in production, where
# every request is redirected to it); "https" here would force it.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
# Five wrong passwords for one account within five minutes lock it until they are five minutes
# old, even with the right password. Per client address the limit is looser: a library or a
# shelter shares one.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/5m/ip,5/5m/key"}
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("NUM_PROXIES", default=0)
# Second factor (allauth.mfa): an authenticator app (TOTP) and single-use recovery codes.
# Moderators and admins must set one up before their pages and powers (accounts/mfa.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Tejido")
MFA_RECOVERY_CODE_COUNT = 10
#: Seconds a moderator's or admin's session lasts from sign-in (and it ends when the browser
#: closes); other people's sessions last SESSION_COOKIE_AGE (two weeks).
MODERATOR_SESSION_AGE = env.int("MODERATOR_SESSION_AGE", default=8 * 3600)
# Rate limits (allauth's and the API's) count in the default cache. The default, memory of
# each process, is not shared by gunicorn's workers: CACHE_URL (redis://..., filecache:///...)
# points them all at one.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Redis (redis:///path/to/redis.sock or redis://host:6379/0) going away means no cache for a
# while, never a 500 (ops/cache.py).
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "ops.cache.ForgivingRedisCache"

# --- Content-Security-Policy (django-csp 4): no third-party origin but a configured TILE_URL --
# Inline scripts (the maps' folium code) carry the request's nonce: templates write
# nonce="{{ request.csp_nonce }}". No 'unsafe-inline' for styles either: Leaflet positions
# its panes, tiles and markers through element.style (CSSOM, which CSP does not govern),
# never through style attributes or <style> elements, and mapping/maps.py leaves folium's
# <style> header out.
from urllib.parse import urlsplit  # noqa: E402

from csp.constants import NONCE  # noqa: E402  (the sentinel django-csp swaps for the nonce)

_tiles = urlsplit(TILE_URL)
#: The tile host of TILE_URL, the one other origin pages load from ("{s}." allows subdomains).
TILE_ORIGIN = (f"{_tiles.scheme}://" if _tiles.scheme else "") + _tiles.netloc.replace("{s}", "*")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([TILE_ORIGIN] if _tiles.netloc else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Tejido <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that does not answer must not hold a sign-up request (and a worker) for long.
EMAIL_TIMEOUT = EMAIL_CONFIG.get("EMAIL_TIMEOUT", 10)
#: Where people reach Tejido: the links in e-mails sent outside a request (reminders).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- Contact relay and offers (relay/, DESIGN.md §9-10) ----------------------------------------
#: Days a relayed offer keeps the sender's contact details and words (`manage.py purge_offers`).
OFFER_RETENTION_DAYS = env.int("OFFER_RETENTION_DAYS", default=90)
#: Days the "answered" / "not a fit" links in an offer's e-mail work.
OFFER_LINK_DAYS = env.int("OFFER_LINK_DAYS", default=30)
#: A form sent sooner than this after it was shown is refused as a robot's.
RELAY_MIN_FILL_SECONDS = env.int("RELAY_MIN_FILL_SECONDS", default=3)
#: Links a message may hold.
RELAY_MAX_LINKS = env.int("RELAY_MAX_LINKS", default=2)
#: Messages per hour from one client address, per day to one listing and to one need.
RELAY_PER_CLIENT_PER_HOUR = env.int("RELAY_PER_CLIENT_PER_HOUR", default=5)
RELAY_PER_LISTING_PER_DAY = env.int("RELAY_PER_LISTING_PER_DAY", default=30)
RELAY_PER_NEED_PER_DAY = env.int("RELAY_PER_NEED_PER_DAY", default=15)
#: Requests to join a listing one person may send a day, and one listing may receive.
RELAY_JOINS_PER_PERSON_PER_DAY = env.int("RELAY_JOINS_PER_PERSON_PER_DAY", default=5)
RELAY_JOINS_PER_LISTING_PER_DAY = env.int("RELAY_JOINS_PER_LISTING_PER_DAY", default=10)
#: Days a "still current" link in a reminder works (single use).
CONFIRM_LINK_DAYS = env.int("CONFIRM_LINK_DAYS", default=14)

# --- Writes from new and slowed accounts (accounts/limits.py, directory/validators.py) --------
#: An account younger than this many days is "new": its writes are capped per day.
NEW_ACCOUNT_DAYS = env.int("NEW_ACCOUNT_DAYS", default=7)
#: Writes (listings, needs, reports) a new account may make in 24 hours.
NEW_ACCOUNT_WRITES_PER_DAY = env.int("NEW_ACCOUNT_WRITES_PER_DAY", default=10)
#: This many rejected listings within REJECTIONS_WINDOW_DAYS slow an account down (any age)...
REJECTIONS_TO_SLOW = env.int("REJECTIONS_TO_SLOW", default=3)
REJECTIONS_WINDOW_DAYS = env.int("REJECTIONS_WINDOW_DAYS", default=30)
#: ...to this many writes in 24 hours.
SLOWED_WRITES_PER_DAY = env.int("SLOWED_WRITES_PER_DAY", default=1)
#: Links a description, a need or a report may hold.
MAX_LINKS_IN_TEXT = env.int("MAX_LINKS_IN_TEXT", default=3)

# --- Security defaults shared by every environment ---------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
# Largest file a moderator may upload on the import page (/moderation/imports/). The dry
# run and the import run within the request: 2 MB of CSV (~10,000 rows) takes about 7 s to
# check and 16 s to write (bench/README.md), inside gunicorn's 30 s; larger files go
# through `manage.py import_listings`.
IMPORT_UPLOAD_MAX_BYTES = env.int("IMPORT_UPLOAD_MAX_BYTES", default=2 * 1024 * 1024)

# GDAL older than 3.9 cannot block file and network access from spatial references. Tejido
# opens with GDAL the files it ships or an operator names (region loading), and imported
# files only through the GeoPackage, shapefile and FlatGeobuf drivers, which read nothing
# else (`directory.importing.readers.GDAL_DRIVERS`); SRIDs come from EPSG codes, and
# geometries from users are parsed by GEOS.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Where GDAL and GEOS are, when the dynamic loader's cache does not say (a container whose
# ldconfig cache predates the packages, a GDAL built by hand). Unset, Django asks ctypes.
GDAL_LIBRARY_PATH = env.str("GDAL_LIBRARY_PATH", default=None)
GEOS_LIBRARY_PATH = env.str("GEOS_LIBRARY_PATH", default=None)

# --- API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous write gets 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer", "api.renderers.GeoJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttles.AnonThrottle",
        "api.throttles.UserThrottle",
        "api.throttles.WriteThrottle",
        "api.throttles.ProximityThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/min"),
        "user": env("THROTTLE_USER", default="600/min"),
        "writes": env("THROTTLE_WRITES", default="30/min"),
        "proximity": env("THROTTLE_PROXIMITY", default="60/min"),
    },
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.ContentNegotiation",
    # No OPTIONS introspection: the OpenAPI document describes every operation.
    "DEFAULT_METADATA_CLASS": "api.metadata.Metadata",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "URL_FORMAT_OVERRIDE": "format",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tejido API",
    "DESCRIPTION": (
        "Open directory of co-operatives, mutual-aid programs and community projects in the "
        "Americas. Public locations only: see the privacy notes of each field."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ListingKindEnum": "directory.choices.ListingKind",
        "NeedKindEnum": "directory.choices.NeedKind",
        "ContactKindEnum": "directory.choices.ContactKind",
        "PlaceKindEnum": "directory.choices.PlaceKind",
        "ListingStatusEnum": "directory.choices.ListingStatus",
        "NeedStatusEnum": "directory.choices.NeedStatus",
        "ReportStatusEnum": "directory.choices.ReportStatus",
        "OriginalLanguageEnum": "directory.choices.ContentLanguage",
        "PointTypeEnum": [("Point", "Point")],
        "FeatureTypeEnum": [("Feature", "Feature")],
        "FeatureCollectionTypeEnum": [("FeatureCollection", "FeatureCollection")],
    },
}
#: "on_commit": region statistics refresh after each change (small databases, development);
#: "scheduled": changes mark them, `manage.py refresh_region_stats --if-changed` refreshes.
REGION_STATS_REFRESH = env("REGION_STATS_REFRESH", default="on_commit")
#: /readyz fails when changed counts have waited longer than this for their refresh (s).
REGION_STATS_MAX_AGE = env.int("REGION_STATS_MAX_AGE", default=300)

# --- Text-message look-up (sms/views.py) ---------------------------------------------------
#: The SMS gateway's auth token (Twilio's, or a compatible gateway's): requests are verified
#: by their X-Twilio-Signature. Without it, unsigned requests are refused unless
#: SMS_REQUIRE_SIGNATURE is off (development only).
SMS_AUTH_TOKEN = env("SMS_AUTH_TOKEN", default="")
SMS_REQUIRE_SIGNATURE = env.bool("SMS_REQUIRE_SIGNATURE", default=True)
#: The public address the gateway posts to, when a proxy changes what the app sees.
SMS_PUBLIC_URL = env("SMS_PUBLIC_URL", default="")
SMS_MAX_PER_HOUR = env.int("SMS_MAX_PER_HOUR", default=10)

#: Proxies in front of the app that may set X-Forwarded-For (throttling identifies clients).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No searched text, coordinates or tile x/y in what is logged (tejido/private_logs.py).
    "filters": {"private": {"()": "tejido.private_logs.PrivateRecords"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["private"]}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
