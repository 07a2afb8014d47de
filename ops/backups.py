"""Checksummed backups with pg_dump and their restore (docs/decisions/0017-operations.md).

A backup is two files in one directory: ``tejido-<database>-<UTC time>.dump`` (pg_dump's
custom format) and ``<that name>.sha256`` (``sha256sum``'s format). Both are written under a
``.partial`` name and renamed when complete, the sum last: a dump without its sum is not a
backup, and `restore` refuses it.
"""

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections

SUFFIX = ".dump"
SUM_SUFFIX = ".sha256"
PARTIAL = ".partial"
NAME = re.compile(r"^tejido-.+-\d{8}T\d{6}Z\.dump$")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore could not be made; the message says why."""


@dataclass(frozen=True)
class Server:
    """How to reach a database with the PostgreSQL client programs."""

    name: str
    user: str
    host: str
    port: str
    password: str

    @classmethod
    def of(cls, alias: str = DEFAULT_DB_ALIAS) -> "Server":
        s = connections[alias].settings_dict
        return cls(
            name=s["NAME"],
            user=s.get("USER") or "",
            host=s.get("HOST") or "",
            port=str(s.get("PORT") or ""),
            password=s.get("PASSWORD") or "",
        )

    def args(self, database: str | None = None) -> list[str]:
        args = ["--dbname", database or self.name]
        if self.user:
            args += ["--username", self.user]
        if self.host:
            args += ["--host", self.host]
        if self.port:
            args += ["--port", self.port]
        return args

    def env(self) -> dict[str, str]:
        env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def program(name: str, alias: str = DEFAULT_DB_ALIAS) -> str:
    """The client program of the server's major version (Debian keeps one per version
    under /usr/lib/postgresql), else the one on PATH."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        (number,) = cursor.fetchone()
    versioned = Path(f"/usr/lib/postgresql/{int(number) // 10000}/bin/{name}")
    if versioned.exists():
        return str(versioned)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client)")
    return found


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _run(command: list[str], server: Server) -> None:
    # The program is PostgreSQL's own; the arguments are settings and a checked file name.
    done = subprocess.run(  # noqa: S603
        command, env=server.env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{Path(command[0]).name} failed: {message[-1] if message else ''}")


def _write_sum(dump: Path, digest: str) -> Path:
    final = dump.with_name(dump.name + SUM_SUFFIX)
    partial = final.with_name(final.name + PARTIAL)
    with partial.open("w") as file:
        file.write(f"{digest}  {dump.name}\n")
        file.flush()
        os.fsync(file.fileno())
    partial.rename(final)
    return final


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup(directory: Path, *, alias: str = DEFAULT_DB_ALIAS, now: datetime | None = None) -> Path:
    """Dump the database into `directory`; return the dump's path (its sum is beside it)."""
    directory.mkdir(parents=True, exist_ok=True)
    server = Server.of(alias)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    final = directory / f"tejido-{server.name}-{stamp}{SUFFIX}"
    partial = final.with_name(final.name + PARTIAL)
    try:
        _run(
            [program("pg_dump", alias), "--format=custom", "--file", str(partial), *server.args()],
            server,
        )
        with partial.open("rb") as file:
            os.fsync(file.fileno())
        digest = sha256_of(partial)
        partial.rename(final)
        _write_sum(final, digest)
        _fsync_directory(directory)
    finally:
        partial.unlink(missing_ok=True)
    return final


def prune(directory: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest complete backups (and left-over partial files);
    return what was removed."""
    complete = sorted(
        path
        for path in directory.glob(f"tejido-*{SUFFIX}")
        if NAME.match(path.name) and _sum_path(path).exists()
    )
    removed = []
    for dump in complete[: max(len(complete) - keep, 0)]:
        for path in (dump, _sum_path(dump)):
            path.unlink(missing_ok=True)
            removed.append(path)
    for partial in directory.glob(f"tejido-*{PARTIAL}"):
        partial.unlink(missing_ok=True)
        removed.append(partial)
    return removed


def _sum_path(dump: Path) -> Path:
    return dump.with_name(dump.name + SUM_SUFFIX)


def verify(dump: Path) -> None:
    """Raise BackupError unless `dump` exists and matches the SHA-256 written beside it."""
    if not dump.is_file():
        raise BackupError(f"{dump} does not exist")
    sum_file = _sum_path(dump)
    if not sum_file.is_file():
        raise BackupError(
            f"{dump} has no {sum_file.name} beside it: an unfinished or foreign backup, refused"
        )
    expected = sum_file.read_text().split()[0] if sum_file.read_text().split() else ""
    actual = sha256_of(dump)
    if actual != expected:
        raise BackupError(
            f"{dump} is damaged: its SHA-256 is {actual}, its {sum_file.name} says {expected}; "
            "nothing was restored"
        )


def database_exists(name: str, alias: str = DEFAULT_DB_ALIAS) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def restore(dump: Path, into: str, *, alias: str = DEFAULT_DB_ALIAS) -> None:
    """Check `dump`'s sum, create database `into` (it must not exist) and restore into it.
    A restore that fails drops the database it created."""
    verify(dump)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", into):
        raise BackupError(f"{into!r} is not a plain database name (letters, digits, _)")
    if database_exists(into, alias):
        raise BackupError(f"database {into} already exists: restore into a new name")
    server = Server.of(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{into}"')
    try:
        _run(
            [
                program("pg_restore", alias),
                "--exit-on-error",
                "--no-owner",
                *server.args(into),
                str(dump),
            ],
            server,
        )
    except BackupError:
        with connections[alias].cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{into}" WITH (FORCE)')
        raise
