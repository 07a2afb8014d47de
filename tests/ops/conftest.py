"""Real servers for the operations tests, started by the project's scripts and stopped by
the fixtures that started them."""

import subprocess
import time
import types
from pathlib import Path

import pytest
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]


def script(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def replica_socket() -> tuple[str, str]:
    import os

    root = Path(os.environ.get("TEJIDO_REPLICA_DIR", ROOT / "var" / "replica"))
    return (
        os.environ.get("TEJIDO_REPLICA_SOCKET_DIR", str(root / "run")),
        os.environ.get("TEJIDO_REPLICA_PORT", "54339"),
    )


@pytest.fixture(scope="session")
def streaming_replica():
    """A streaming replica of the private cluster (scripts/replica.sh), one per session."""
    done = script("replica.sh", "start")
    if done.returncode != 0:
        pytest.fail(f"scripts/replica.sh start failed: {done.stderr.strip()}")
    started = done.stdout.strip() == "started"
    yield replica_socket()
    if started:
        script("replica.sh", "stop")


@pytest.fixture
def replica(transactional_db, streaming_replica, settings, monkeypatch, django_db_blocker):
    """The replica as database alias `replica_1`, known to the router, for one test (with
    transactions that commit: the replica sees only what commits)."""
    from tejido import routers

    alias = "replica_1"
    host, port = streaming_replica
    connections.settings[alias] = {
        **connections["default"].settings_dict,
        "HOST": host,
        "PORT": port,
    }
    # Django's test case refuses aliases it was not told of, and this one is added after it
    # is set up: its wrapper connects the plain way.
    wrapper = connections[alias]
    connect = django_db_blocker._real_ensure_connection
    monkeypatch.setattr(wrapper, "ensure_connection", types.MethodType(connect, wrapper))
    settings.REPLICA_ALIASES = [alias]
    routers._resting.clear()
    yield alias
    connections[alias].close()
    if hasattr(connections._connections, alias):
        delattr(connections._connections, alias)
    del connections.settings[alias]
    routers._resting.clear()


def wait_for(predicate, *, timeout: float = 15, every: float = 0.1):
    """Poll `predicate` until it returns a true value; return it (or fail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"not true within {timeout} s: {predicate.__doc__ or predicate}")
