"""What the benchmark runs beside Django: wrk (the load), a monitor of other processes'
CPU, and gunicorn as production starts it."""

import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, say

HOST = "127.0.0.1"


def http_get(port: int, path: str, timeout: float = 30) -> tuple[int, bytes, float]:
    """(status, body, seconds) of one GET on a fresh connection (gunicorn sync workers
    close the connection after each response)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return response.status, body, time.perf_counter() - started


WRK_LUA = r"""
-- Cycles through the request paths in the file given after "--"; each thread starts at a
-- different place. Prints one machine-readable line at the end.
local paths = {}
local i = 0
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = (tonumber(args[2]) or 0) + (tid or 0) * math.floor(#paths / 2)
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  io.write(string.format("BENCH_RESULT %d %d %d %d %d %d %d %.0f %.0f\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


# --- Load (wrk) --------------------------------------------------------------------------------


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing wrk (apt-get install wrk)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, **quiet).returncode:
            subprocess.run(["apt-get", "update", "-q"], env=env, **quiet)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, **quiet)
        return shutil.which("wrk")
    say(
        "wrk is missing and this is not root: install it (sudo apt-get install wrk) for the "
        "req/s figures; they are skipped"
    )
    return None


@dataclass
class Load:
    rps: float
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float


def run_wrk(
    wrk: str,
    workdir: Path,
    port: int,
    paths: list[str],
    name: str,
    duration: int,
    connections: int,
    offset: int = 0,
) -> Load:
    path_file = workdir / f"{name}.paths"
    path_file.write_text("\n".join(paths) + "\n")
    script = workdir / "cycle.lua"
    if not script.exists():
        script.write_text(WRK_LUA)
    command = [
        wrk,
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://{HOST}:{port}",
        "--",
        str(path_file),
        str(offset),
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=duration + 60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    match = re.search(r"BENCH_RESULT (.+)", out)
    if not match:
        raise RuntimeError(f"wrk failed: {out[-500:]} {err[-500:]}")
    requests, duration_us, *errors, p50, p95 = (float(x) for x in match.group(1).split())
    return Load(
        requests / (duration_us / 1e6), int(requests), int(sum(errors)), p50 / 1000, p95 / 1000
    )


def combine(loads: list[Load]) -> Load:
    requests = sum(load.requests for load in loads)
    seconds = sum(load.requests / load.rps for load in loads if load.rps)
    return Load(
        requests / seconds if seconds else 0.0,
        requests,
        sum(load.errors for load in loads),
        statistics.mean(load.p50_ms for load in loads),
        max(load.p95_ms for load in loads),
    )


# --- Other processes' CPU (the machine may be shared) ---------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, int]]:
    """{pid: (parent pid, CPU ticks used)} of every process on the machine."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return table


def _descendants(roots: set[int], table: dict[int, tuple[int, int]]) -> set[int]:
    found = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, (parent, _ticks) in table.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return found


class CpuMonitor:
    """CPU used by processes other than the benchmark's own (this process and its children
    such as wrk, gunicorn and its workers, the PostgreSQL server and all its processes):
    how much the figures may be disturbed.

    Other processes are counted directly, from /proc at both ends of the interval, so a
    database connection or parallel worker of ours that ends meanwhile is not mistaken for
    other work (each gunicorn worker reconnects every DB_CONN_MAX_AGE seconds)."""

    def __init__(self, server, sql_conn):
        self.server = server
        with sql_conn.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (backend,) = cursor.fetchone()
        self.postmaster = _processes().get(backend, (0, 0))[0]

    def _roots(self) -> set[int]:
        roots = {os.getpid(), self.postmaster}
        if self.server.proc is not None:
            roots.add(self.server.proc.pid)
        return roots

    def snapshot(self) -> tuple[float, dict[int, tuple[int, int]]]:
        return time.monotonic(), _processes()

    def others_cores(self, start: tuple, end: tuple | None = None) -> float:
        """Average number of cores busy with other work between two snapshots."""
        end = end or self.snapshot()
        elapsed = end[0] - start[0]
        if elapsed <= 0:
            return 0.0
        before, after = start[1], end[1]
        ours = _descendants(self._roots(), before) | _descendants(self._roots(), after)
        ticks = sum(
            used - before.get(pid, (0, 0))[1]
            for pid, (_parent, used) in after.items()
            if pid not in ours
        )
        return max(0.0, ticks / TICKS / elapsed)

    def wait_quiet(self, limit: float, max_wait: float) -> float:
        """Wait (at most max_wait s) until other work uses under `limit` cores over 2 s."""
        deadline = time.monotonic() + max_wait
        while True:
            start = self.snapshot()
            time.sleep(2)
            busy = self.others_cores(start)
            if busy < limit or time.monotonic() >= deadline:
                return busy


# --- gunicorn -----------------------------------------------------------------------------------


class Server:
    def __init__(self, port: int, workers: int, log: Path):
        self.port, self.workers, self.log = port, workers, log
        self.proc: subprocess.Popen | None = None
        self.failed = False

    def start(self) -> None:
        with socket.socket() as probe:
            if probe.connect_ex((HOST, self.port)) == 0:
                raise SystemExit(
                    f"something already listens on {HOST}:{self.port}; stop it or use --port"
                )
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "tejido.wsgi",
            "-c",
            str(ROOT / "bench" / "gunicorn_conf.py"),
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
        ]
        env = {**os.environ, "DJANGO_ENV": "bench", "WEB_CONCURRENCY": str(self.workers)}
        self.logfile = self.log.open("w")
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.failed = True
                raise SystemExit(
                    f"gunicorn exited ({self.proc.returncode}); log: {self.log}\n"
                    + self.log.read_text()[-2000:]
                )
            try:
                status, _, _ = http_get(self.port, "/api/v1/categories/", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.failed = True
        raise SystemExit(f"gunicorn did not answer within 60 s; log: {self.log}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.logfile.close()
