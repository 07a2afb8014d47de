"""Test suite: fast password hashing, in-memory e-mail, no DEBUG."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-secret-at-all"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

# Throttles are exercised by their own tests; elsewhere they would only get in the way.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        "anon": "100000/min",
        "user": "100000/min",
        "writes": "100000/min",
        "proximity": "100000/min",
    },
}
REGION_STATS_REFRESH = "on_commit"

# Several suites may share one cluster (TEJIDO_TEST_DB names each one's test database).
DATABASES["default"]["TEST"] = {"NAME": env("TEJIDO_TEST_DB", default="test_tejido")}  # noqa: F405
