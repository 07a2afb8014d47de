#!/usr/bin/env bash
# A private Redis for the shared cache (CACHE_URL), on a Unix socket under var/redis (no TCP
# port), nothing written to disk: a cache, not a store.
#   scripts/redis.sh start    start it (prints "started" or "running")
#   scripts/redis.sh stop     stop it
#   scripts/redis.sh status   "running" (exit 0) or "stopped" (exit 3)
#   scripts/redis.sh url      the CACHE_URL that reaches it
# TEJIDO_REDIS_DIR picks another directory (the tests use their own).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIR=${TEJIDO_REDIS_DIR:-$VAR/redis}
SOCKET="$DIR/redis.sock"
PIDFILE="$DIR/redis.pid"
[ "${#SOCKET}" -lt 100 ] || die "the socket path $SOCKET is too long: set TEJIDO_REDIS_DIR to a shorter directory"

cli() { redis-cli -s "$SOCKET" "$@"; }
running() { [ -S "$SOCKET" ] && [ "$(cli ping 2>/dev/null)" = PONG ]; }

start() {
  command -v redis-server >/dev/null || die "redis-server is missing: run scripts/setup.sh"
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  if running; then echo running; return 0; fi
  cat >"$DIR/redis.conf" <<CONF
# written by scripts/redis.sh
port 0
unixsocket $SOCKET
unixsocketperm 700
daemonize yes
pidfile $PIDFILE
logfile $DIR/redis.log
dir $DIR
save ""
appendonly no
maxmemory ${TEJIDO_REDIS_MAXMEMORY:-256mb}
maxmemory-policy allkeys-lru
CONF
  redis-server "$DIR/redis.conf" || die "redis-server did not start (log: $DIR/redis.log)"
  local i
  for i in $(seq 1 50); do
    running && { echo started; return 0; }
    sleep 0.1
  done
  die "redis-server did not answer on $SOCKET (log: $DIR/redis.log)"
}

stop() {
  if running; then cli shutdown nosave >/dev/null 2>&1 || true; fi
  local i
  for i in $(seq 1 50); do
    [ -S "$SOCKET" ] || return 0
    [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null || { rm -f "$SOCKET"; return 0; }
    sleep 0.1
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo running; else echo stopped; exit 3; fi ;;
  url) echo "redis://$SOCKET" ;;
  *) die "usage: scripts/redis.sh start|stop|status|url" ;;
esac
