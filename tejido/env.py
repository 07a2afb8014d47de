"""Which settings module runs, chosen by the DJANGO_ENV environment variable."""

import os

ENVIRONMENTS = ("dev", "test", "production", "bench")


def settings_module() -> str:
    """Return the dotted settings module for DJANGO_ENV (default `dev`)."""
    name = os.environ.get("DJANGO_ENV", "dev")
    if name not in ENVIRONMENTS:
        raise SystemExit(f"DJANGO_ENV must be one of {', '.join(ENVIRONMENTS)}, not {name!r}")
    return f"tejido.settings.{name}"


def configure() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module())
