#!/usr/bin/env bash
# `make run`: set up what is missing, start the private database (unless DATABASE_URL is
# set), migrate, load the demo data (idempotent) and serve Tejido on HOST:PORT with gunicorn
# in the foreground. Ctrl-C or SIGTERM stops the server and the database it started.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

bash "$ROOT/scripts/setup.sh"

db_started=""
replica_started=""
redis_started=""
server=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [ -n "$replica_started" ]; then bash "$ROOT/scripts/replica.sh" stop || true; fi
  if [ -n "$redis_started" ]; then bash "$ROOT/scripts/redis.sh" stop || true; fi
  if [ -n "$db_started" ]; then bash "$ROOT/scripts/db.sh" stop || true; fi
  say "stopped"
}
trap cleanup EXIT
# A stop asked for (Ctrl-C, SIGTERM) is a clean exit.
trap 'exit 0' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  [ "$(bash "$ROOT/scripts/db.sh" start)" = started ] && db_started=1
fi

# `make run REPLICA=1`: visitors' reads from a streaming replica of the private cluster.
if [ -n "${REPLICA:-}" ] && [ -z "${DATABASE_URL:-}" ]; then
  [ "$(bash "$ROOT/scripts/replica.sh" start)" = started ] && replica_started=1
  socket=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
    "${TEJIDO_REPLICA_SOCKET_DIR:-$VAR/replica/run}")
  export DATABASE_REPLICA_URLS="postgis://tejido@$socket:${TEJIDO_REPLICA_PORT:-54339}/tejido"
fi

# `make run CACHE=redis`: a private Redis on a Unix socket as the shared cache.
if [ "${CACHE:-}" = redis ]; then
  [ "$(bash "$ROOT/scripts/redis.sh" start)" = started ] && redis_started=1
  CACHE_URL=$(bash "$ROOT/scripts/redis.sh" url)
  export CACHE_URL
fi

cd "$ROOT"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py load_demo
# As in production: hashed names, gzip and brotli made once (DJANGO_DEBUG=1 to develop).
export DJANGO_DEBUG="${DJANGO_DEBUG:-0}"
# Made again only when a static file, the npm assets or the Python packages changed (a
# full collection compresses every file: about a minute on 2 cores).
manifest="$ROOT/staticfiles/staticfiles.json"
if [ "$DJANGO_DEBUG" = 0 ] && { [ ! -f "$manifest" ] || [ -n "$(find "$ROOT/static" \
    "$ROOT/node_modules/.tejido-lock" "$VENV/.tejido-deps" -newer "$manifest" -print -quit \
    2>/dev/null)" ]; }; then
  say "collecting static files (hashed names, gzip and brotli)"
  "$PY" manage.py collectstatic --noinput -v 0
fi
say "serving Tejido on http://$HOST:$PORT/ (Ctrl-C to stop)"
"$VENV/bin/gunicorn" tejido.wsgi -c "$ROOT/tejido/gunicorn_conf.py" --bind "$HOST:$PORT" &
server=$!
wait "$server"
