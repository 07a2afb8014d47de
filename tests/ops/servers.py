"""gunicorn and nginx started for a test on free loopback ports, stopped by the test."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The test database, as DATABASE_URL for another process."""
    s = connection.settings_dict
    host = quote(s["HOST"], safe="") if s["HOST"].startswith("/") else s["HOST"]
    return f"postgis://{s['USER']}@{host}:{s['PORT']}/{s['NAME']}"


def get(url: str, headers: dict | None = None, timeout: float = 10):
    """(status, headers, body) of a GET, without raising on 4xx/5xx."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_until_answering(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            get(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def gunicorn(workers: int = 2, env: dict | None = None, log: Path | None = None):
    """Tejido under gunicorn on a free loopback port, on the test database; yields its URL."""
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "tejido.settings.test",
        "DATABASE_URL": database_url(),
        "WEB_CONCURRENCY": str(workers),
        **(env or {}),
    }
    output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "tejido.wsgi",
            "-c",
            str(ROOT / "tejido" / "gunicorn_conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{url}/healthz", process)
        yield url, process
    finally:
        stop(process)
        if log:
            output.close()


def nginx_conf(directory: Path, app_url: str, port: int) -> Path:
    """deploy/nginx's configuration with this test's ports and directories."""
    site = (ROOT / "deploy" / "nginx" / "tejido.conf").read_text()
    for old, new in (
        ("/var/cache/nginx/tejido", str(directory / "cache")),
        ("unix:/run/tejido/gunicorn.sock", app_url.removeprefix("http://")),
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("listen [::]:80;", ""),
        ("/srv/tejido/staticfiles/", f"{ROOT / 'static'}/"),
        ("/var/log/nginx/tejido.access.log", str(directory / "access.log")),
    ):
        assert old in site, old
        site = site.replace(old, new)
    (directory / "tejido.conf").write_text(site)
    for name in ("cache", "tmp"):
        (directory / name).mkdir()
        (directory / name).chmod(0o777)
    main = directory / "nginx.conf"
    # As root, the workers would run as `nobody`, who cannot enter pytest's 0700 directories.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(
        f"""{user}worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {directory}/tmp/body;
    proxy_temp_path {directory}/tmp/proxy;
    fastcgi_temp_path {directory}/tmp/fastcgi;
    uwsgi_temp_path {directory}/tmp/uwsgi;
    scgi_temp_path {directory}/tmp/scgi;
    include {ROOT}/deploy/nginx/log-format.conf;
    include {directory}/tejido.conf;
}}
"""
    )
    return main


@contextmanager
def nginx(directory: Path, app_url: str):
    """Debian's nginx with deploy/nginx/tejido.conf on a free loopback port; yields its URL."""
    directory.mkdir(mode=0o755, exist_ok=True)
    port = free_port()
    conf = nginx_conf(directory, app_url, port)
    # -e: not even the start-up messages go to /var/log/nginx (not writable without root).
    errors = directory / "error.log"
    checked = subprocess.run(
        [NGINX, "-t", "-q", "-e", str(errors), "-p", str(directory), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(
        [NGINX, "-e", str(errors), "-p", str(directory), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{url}/healthz", process, timeout=15)
        yield url
    finally:
        stop(process, signal.SIGQUIT)
