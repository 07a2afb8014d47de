"""Local development: DEBUG on, a fixed insecure secret, static files served from the apps."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env(
    "DJANGO_SECRET_KEY", default="dev-only-insecure-secret-key-do-not-use-in-production"
)
# `make run` serves what production serves (DJANGO_DEBUG=0): hashed, precompressed static
# files from `collectstatic`, a year's cache; with DEBUG, the apps' files as they change.
WHITENOISE_USE_FINDERS = DEBUG
if not DEBUG:
    STORAGES = {
        **STORAGES,  # noqa: F405
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
# The SMS look-up answers unsigned requests here (curl, a local test), not in production.
SMS_REQUIRE_SIGNATURE = env.bool("SMS_REQUIRE_SIGNATURE", default=False)
WHITENOISE_AUTOREFRESH = DEBUG
