"""Soak test: mixed traffic on loopback against gunicorn for a bounded time
(issue 26; bench/README.md "Soak").

    DJANGO_ENV=bench .venv/bin/python bench/soak.py [--minutes 10] [--connections 4]
        [--replica] [--cache redis] [--read-only] [--database NAME]

Starts gunicorn (bench/gunicorn_conf.py, `--workers`) on a free loopback port, and with
`--replica` a streaming replica (scripts/replica.sh; visitors' reads go to it), with
`--cache redis` a private Redis (scripts/redis.sh; CACHE_URL). `--connections` clients,
each one keep-alive connection, send a weighted mix until the time is up: visitors' pages
and searches, API lists (near-me, bbox) and details, tiles over a moving viewport, leads'
edits and new needs (API token), a moderator's approvals of listings the lead submits
(session + CSRF). `--read-only` leaves the writes out (a database that must not change).
Then it stops everything it started and prints requests, 5xx, error rate, p50/p95 per
kind, the workers' memory at start (after the first tenth) and end, and the most database
connections seen on the primary and the replica against the bound (one per worker and
alias: Django keeps one per thread, CONN_MAX_AGE).
"""

import argparse
import http.client
import json
import os
import random
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, say
from bench.soak_watch import Monitor, Stats, report, rss_mb, worker_pids

WEIGHTS = {
    "page": 18,
    "search": 10,
    "api_list": 18,
    "api_detail": 6,
    "tiles": 36,
    "lead_edit": 6,
    "new_need": 3,
    "approval": 3,
}
WRITES = ("lead_edit", "new_need", "approval")
WORDS = ("food", "cocina", "alimentos", "clinic", "moradia", "logement", "cooperativa", "taller")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def script(*args: str) -> str:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"scripts/{' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


class Sample:
    """What the clients share: public slugs, places, and the accounts that write."""

    def __init__(self, writes: bool):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db import connection
        from rest_framework.authtoken.models import Token

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT slug FROM directory_listing TABLESAMPLE SYSTEM (1) "
                "WHERE status = 'published' AND emergency_hidden_at IS NULL LIMIT 2000"
            )
            self.slugs = [s for (s,) in cursor.fetchall()]
            if len(self.slugs) < 20:
                cursor.execute(
                    "SELECT slug FROM directory_listing WHERE status = 'published' "
                    "AND emergency_hidden_at IS NULL LIMIT 2000"
                )
                self.slugs = [s for (s,) in cursor.fetchall()]
            cursor.execute(
                "SELECT ST_Y(point), ST_X(point) FROM directory_place "
                "WHERE kind = 'city' AND country = 'MX' ORDER BY population DESC LIMIT 200"
            )
            self.places = cursor.fetchall() or [(19.43, -99.13)]
        if not self.slugs:
            sys.exit("no published listings in this database")
        self.writes = writes
        if not writes:
            return
        from accounts.models import MODERATORS_GROUP
        from directory.models import Listing, ListingMembership

        users = get_user_model()
        self.lead, _ = users.objects.get_or_create(
            username="soak-lead", defaults={"email": "soak-lead@example.org"}
        )
        self.moderator, _ = users.objects.get_or_create(
            username="soak-moderator", defaults={"email": "soak-mod@example.org"}
        )
        self.moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
        self.lead_token = Token.objects.get_or_create(user=self.lead)[0].key
        self.mod_token = Token.objects.get_or_create(user=self.moderator)[0].key
        self.own = self.slugs[:20]
        for listing in Listing.objects.filter(slug__in=self.own):
            ListingMembership.objects.get_or_create(
                listing=listing, user=self.lead, defaults={"role": "lead"}
            )
        self.mod_session = self._session(self.moderator)
        self.csrf = secrets.token_hex(16)  # a CSRF secret of 32 characters, as Django makes

    @staticmethod
    def _session(user) -> str:
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore

        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        return session.session_key


class Client(threading.Thread):
    def __init__(self, number, port, sample, stats, deadline, kinds, seed):
        super().__init__(daemon=True)
        self.port, self.sample, self.stats, self.deadline = port, sample, stats, deadline
        self.random = random.Random(seed + number)
        self.kinds, self.weights = zip(*kinds.items(), strict=True)
        self.connection = None
        lat, lng = self.random.choice(sample.places)
        self.view = [lat, lng, 12]  # the viewport's centre and zoom, moving as people pan

    def request(self, kind, method, path, body=None, headers=None):
        headers = {"Host": "127.0.0.1", **(headers or {})}
        if body is not None:
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        for attempt in range(2):
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=35)
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException):
                self.connection = None
                if attempt:
                    self.stats.add(kind, time.perf_counter() - started, 599, path)
                    return 599, b""
        self.stats.add(kind, time.perf_counter() - started, response.status, path)
        if response.getheader("Connection", "").lower() == "close":
            self.connection = None
        return response.status, data

    def run(self):
        while time.monotonic() < self.deadline:
            kind = self.random.choices(self.kinds, self.weights)[0]
            getattr(self, kind)(kind)

    # --- visitors ---------------------------------------------------------------------------
    def page(self, kind):
        slug = self.random.choice(self.sample.slugs)
        path = self.random.choice(
            ("/en/", f"/es/listings/{slug}/", "/en/needs/", "/fr/map/", "/pt/regions/")
        )
        self.request(kind, "GET", path)

    def search(self, kind):
        lat, lng = self.random.choice(self.sample.places)
        query = {"q": self.random.choice(WORDS), "where": f"{lat:.4f},{lng:.4f}"}
        self.request(kind, "GET", f"/en/listings/?{urlencode(query)}")

    def api_list(self, kind):
        lat, lng = self.random.choice(self.sample.places)
        if self.random.random() < 0.5:
            query = {"lat": f"{lat:.4f}", "lng": f"{lng:.4f}", "radius_km": 10, "limit": 20}
        else:
            query = {
                "bbox": f"{lng - 0.1:.4f},{lat - 0.08:.4f},{lng + 0.1:.4f},{lat + 0.08:.4f}",
                "limit": 100,
            }
        self.request(kind, "GET", f"/api/v1/listings/?{urlencode(query)}")

    def api_detail(self, kind):
        self.request(kind, "GET", f"/api/v1/listings/{self.random.choice(self.sample.slugs)}/")

    def tiles(self, kind):
        import math

        lat, lng, z = self.view
        lat += self.random.uniform(-0.02, 0.02) * 2 ** (12 - z)
        lng += self.random.uniform(-0.03, 0.03) * 2 ** (12 - z)
        z = max(3, min(15, z + self.random.choice((-1, 0, 0, 0, 1))))
        self.view = [max(-60, min(70, lat)), max(-170, min(-30, lng)), z]
        status, body = self.request("tiles", "GET", "/api/v1/tiles/version")
        version = json.loads(body)["version"] if status == 200 else "1"
        n = 2**z
        x = int((lng + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1), (-1, 0), (0, -1)):
            tx, ty = (x + dx) % n, min(max(y + dy, 0), n - 1)
            self.request(kind, "GET", f"/api/v1/tiles/{z}/{tx}/{ty}.pbf?v={version}")

    # --- people who write ---------------------------------------------------------------------
    def _token(self, key):
        return {"Authorization": f"Token {key}"}

    def lead_edit(self, kind):
        slug = self.random.choice(self.sample.own)
        body = {"summary": {"en": f"Open for everyone ({self.random.randrange(10**6)})."}}
        self.request(
            kind, "PATCH", f"/api/v1/listings/{slug}/", body, self._token(self.sample.lead_token)
        )

    def new_need(self, kind):
        slug = self.random.choice(self.sample.own)
        body = {
            "kind": "volunteers",
            "title": {"en": "Hands for Saturday's distribution"},
            "original_language": "en",
        }
        self.request(
            kind,
            "POST",
            f"/api/v1/listings/{slug}/needs/",
            body,
            self._token(self.sample.lead_token),
        )

    def approval(self, kind):
        lat, lng = self.random.choice(self.sample.places)
        body = {
            "kind": "mutual_aid",
            "name": f"Despensa solidaria {self.random.randrange(10**9)}",
            "original_language": "es",
            "location": {"type": "Point", "coordinates": [lng, lat]},
            "location_precision": "area",
            "address": {"locality": "Soak", "country": "MX"},
        }
        status, data = self.request(
            kind, "POST", "/api/v1/listings/", body, self._token(self.sample.lead_token)
        )
        if status != 201:
            return
        slug = json.loads(data)["slug"]
        cookies = f"sessionid={self.sample.mod_session}; csrftoken={self.sample.csrf}"
        self.request(
            kind,
            "POST",
            f"/en/moderation/listings/{quote(slug)}/approve/",
            None,
            {"Cookie": cookies, "X-CSRFToken": self.sample.csrf, "Content-Length": "0"},
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--replica", action="store_true")
    parser.add_argument("--cache", choices=["locmem", "redis"], default="locmem")
    parser.add_argument("--read-only", action="store_true")
    parser.add_argument(
        "--database", help="a database of the private cluster (default tejido_bench)"
    )
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()
    if not 1 <= args.connections <= 64 or not 0 < args.minutes <= 240:
        sys.exit("--connections 1..64, --minutes up to 240")

    from bench.common import configure_environment, default_database_url

    if args.database:
        os.environ["DATABASE_URL"] = default_database_url().replace(
            "/tejido_bench?", f"/{args.database}?"
        )
    configure_environment()
    from tejido.env import configure

    configure()
    import django

    django.setup()
    from django.db import connection

    database = connection.settings_dict["NAME"]
    env = {**os.environ, "DJANGO_ENV": "bench", "WEB_CONCURRENCY": str(args.workers)}
    stops = []
    replica_dsn = None
    if args.replica:
        if script("replica.sh", "start") == "started":
            stops.append(("replica.sh", "stop"))
        replica_root = os.environ.get("TEJIDO_REPLICA_DIR", str(ROOT / "var" / "replica"))
        socket_dir = os.environ.get("TEJIDO_REPLICA_SOCKET_DIR", f"{replica_root}/run")
        port = os.environ.get("TEJIDO_REPLICA_PORT", "54339")
        env["DATABASE_REPLICA_URLS"] = (
            f"postgis://tejido@{quote(socket_dir, safe='')}:{port}/{database}"
        )
        replica_dsn = {
            "host": socket_dir,
            "port": port,
            "user": "tejido",
            "dbname": database,
            "application_name": "soak-monitor",
        }
    if args.cache == "redis":
        if script("redis.sh", "start") == "started":
            stops.append(("redis.sh", "stop"))
        env["CACHE_URL"] = script("redis.sh", "url")

    sample = Sample(writes=not args.read_only)
    connection.close()
    kinds = {k: w for k, w in WEIGHTS.items() if not (args.read_only and k in WRITES)}
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "tejido.wsgi",
            "-c",
            str(ROOT / "bench" / "gunicorn_conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stats = Stats()
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.3)
        say(
            f"soak: {args.minutes:g} min, {args.connections} connections, {args.workers} workers, "
            f"database {database} ({len(sample.slugs)} sampled listings), replica {'on' if args.replica else 'off'}, "
            f"cache {args.cache}, writes {'off' if args.read_only else 'on'}"
        )
        monitor = Monitor(database, replica_dsn, stop)
        monitor.start()
        seconds = args.minutes * 60
        started = time.monotonic()
        clients = [
            Client(i, port, sample, stats, started + seconds, kinds, args.seed)
            for i in range(args.connections)
        ]
        for client in clients:
            client.start()
        time.sleep(seconds / 10)
        workers = worker_pids(server.pid)
        memory_start = rss_mb(workers)
        for client in clients:
            client.join(timeout=seconds + 60)
        elapsed = time.monotonic() - started
        memory_end = rss_mb(workers)
        workers_now = worker_pids(server.pid)
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        for args_ in stops:
            script(*args_)
    report(args, stats, elapsed, memory_start, memory_end, workers, workers_now, monitor.most)


if __name__ == "__main__":
    main()
