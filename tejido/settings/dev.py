"""Local development: DEBUG on, a fixed insecure secret, static files served from the apps."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env(
    "DJANGO_SECRET_KEY", default="dev-only-insecure-secret-key-do-not-use-in-production"
)
WHITENOISE_USE_FINDERS = True
# The SMS look-up answers unsigned requests here (curl, a local test), not in production.
SMS_REQUIRE_SIGNATURE = env.bool("SMS_REQUIRE_SIGNATURE", default=False)
WHITENOISE_AUTOREFRESH = DEBUG
