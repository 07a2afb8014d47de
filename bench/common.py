"""What bench/generate.py and bench/run.py share: the database they use and Django set-up.

Without DATABASE_URL, both use the database `tejido_bench` in the private PostGIS cluster
(scripts/db.sh: Unix socket in var/pg/run, port 54329, role `tejido`).
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "tejido_bench"


def default_database_url() -> str:
    socket_dir = os.environ.get("TEJIDO_PG_SOCKET_DIR", str(ROOT / "var" / "pg" / "run"))
    port = os.environ.get("TEJIDO_PG_PORT", "54329")
    return f"postgis://tejido@/{BENCH_DB}?host={socket_dir}&port={port}"


def configure_environment() -> str:
    """DJANGO_ENV=bench and DATABASE_URL (default: tejido_bench in the private cluster)."""
    env = os.environ.setdefault("DJANGO_ENV", "bench")
    if env != "bench":
        sys.exit(f"bench/ runs with DJANGO_ENV=bench, not {env!r}")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = default_database_url()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return os.environ["DATABASE_URL"]


def setup_django() -> None:
    configure_environment()
    from tejido.env import configure

    configure()
    import django

    django.setup()


def pg_params(dbname: str | None = None) -> dict:
    """psycopg.connect() keyword arguments for the Django database (Django must be set up)."""
    from django.db import connection

    params = dict(connection.get_connection_params())
    for key in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(key, None)
    if dbname:
        params["dbname"] = dbname
    return params


def connect(**extra):
    import psycopg

    return psycopg.connect(**pg_params(), autocommit=True, **extra)


class Clock:
    """Elapsed time since start, for progress lines."""

    def __init__(self):
        self.start = time.perf_counter()

    def __call__(self) -> str:
        return f"{time.perf_counter() - self.start:7.1f}s"


def say(message: str) -> None:
    print(message, flush=True)
