"""Benchmarks (bench/): production-like (DEBUG off, no browsable extras) on a separate
database, with throttles lifted so the load measures the code, not the limits."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default="bench-only-secret-key-not-for-production")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
REGION_STATS_REFRESH = "scheduled"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
