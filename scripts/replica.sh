#!/usr/bin/env bash
# A streaming read replica of the private cluster (scripts/db.sh), for the read router and
# its tests (docs/decisions/0017-operations.md).
#   scripts/replica.sh start    make it on first use (pg_basebackup -R), start it; prints
#                               "started" or "running"
#   scripts/replica.sh stop     stop it (the primary keeps running)
#   scripts/replica.sh status   "streaming" (exit 0) or "stopped" (exit 3)
#   scripts/replica.sh remove   stop it, drop its slot on the primary and delete var/replica
# It lives in var/replica/data, listens only on its own socket in var/replica/run
# (TEJIDO_REPLICA_SOCKET_DIR), port TEJIDO_REPLICA_PORT (54339) in the socket's name, and
# streams from the primary through the replication slot `tejido_replica`, so a stopped
# replica catches up when it starts again. When it cannot (its slot was given up past
# max_slot_wal_keep_size), `start` makes it again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PRIMARY_SOCKET=${TEJIDO_PG_SOCKET_DIR:-$VAR/pg/run}
PRIMARY_PORT=${TEJIDO_PG_PORT:-54329}
ROOT_DIR=${TEJIDO_REPLICA_DIR:-$VAR/replica}
DATA="$ROOT_DIR/data"
SOCKET_DIR=${TEJIDO_REPLICA_SOCKET_DIR:-$ROOT_DIR/run}
PORT=${TEJIDO_REPLICA_PORT:-54339}
SLOT=${TEJIDO_REPLICA_SLOT:-tejido_replica}
LOG="$ROOT_DIR/postgresql.log"
OS_USER=${TEJIDO_PG_OS_USER:-postgres}
BIN=/usr/lib/postgresql/${TEJIDO_PG_MAJOR:-15}/bin
[ -x "$BIN/pg_ctl" ] || BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV | head -n 1)
[ -x "$BIN/pg_basebackup" ] || die "no PostgreSQL found: run scripts/setup.sh"
[ "${#SOCKET_DIR}" -lt 90 ] || die "the socket path $SOCKET_DIR is too long: set TEJIDO_REPLICA_SOCKET_DIR"

as_owner() { if is_root; then runuser -u "$OS_USER" -- "$@"; else "$@"; fi; }
primary() { "$BIN/psql" -h "$PRIMARY_SOCKET" -p "$PRIMARY_PORT" -U tejido -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
replica() { "$BIN/psql" -h "$SOCKET_DIR" -p "$PORT" -U tejido -d postgres -qtA "$@"; }
running() { [ -f "$DATA/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

drop_slot() {
  primary -c "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT' AND NOT active" >/dev/null || true
}

make_replica() {
  say "copying the primary into $DATA (pg_basebackup)"
  rm -rf "$DATA"
  mkdir -p "$ROOT_DIR"
  if is_root; then chown "$OS_USER" "$ROOT_DIR"; fi
  drop_slot
  # -R writes standby.signal and primary_conninfo; -C -S creates the slot with the copy.
  as_owner "$BIN/pg_basebackup" -h "$PRIMARY_SOCKET" -p "$PRIMARY_PORT" -U tejido \
    -D "$DATA" -R -X stream -C -S "$SLOT" --checkpoint=fast \
    || die "pg_basebackup failed"
  # postgresql.auto.conf is read last: the replica's own socket, a name for
  # pg_stat_replication, feedback so that the primary's vacuum does not cancel its reads,
  # and a modest share of memory.
  as_owner tee -a "$DATA/postgresql.auto.conf" >/dev/null <<CONF
# scripts/replica.sh
listen_addresses = ''
unix_socket_directories = '$SOCKET_DIR'
port = $PORT
cluster_name = 'tejido-replica'
hot_standby = on
hot_standby_feedback = on
shared_buffers = 128MB
primary_slot_name = '$SLOT'
CONF
  as_owner sed -i "s/^primary_conninfo = '/primary_conninfo = 'application_name=tejido_replica /" \
    "$DATA/postgresql.auto.conf"
  rm -f "$DATA/postmaster.pid" "$DATA/tejido-memory.conf"
}

streaming() {
  [ "$(replica -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] \
    && [ "$(primary -c "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'tejido_replica' AND state = 'streaming'")" = 1 ]
}

start() {
  mkdir -p "$ROOT_DIR"
  exec 9>"$ROOT_DIR.lock"
  flock 9
  [ "$(primary -c 'SELECT 1' 2>/dev/null)" = 1 ] || die "the primary is not running (scripts/db.sh start)"
  if running; then echo running; return 0; fi
  local slot_ok
  slot_ok=$(primary -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT' AND wal_status <> 'lost'")
  if [ ! -f "$DATA/PG_VERSION" ] || [ "$slot_ok" != 1 ]; then make_replica; fi
  mkdir -p "$SOCKET_DIR"
  touch "$LOG"
  if is_root; then chown "$OS_USER" "$SOCKET_DIR" "$LOG" "$ROOT_DIR"; fi
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 120 9>&- start >/dev/null \
    || { tail -n 20 "$LOG" >&2; die "the replica did not start (log: $LOG)"; }
  local i
  for i in $(seq 1 120); do
    streaming && { echo started; return 0; }
    sleep 0.5
  done
  tail -n 20 "$LOG" >&2
  die "the replica started but does not stream from the primary (log: $LOG)"
}

stop() {
  if running; then as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running && streaming; then echo streaming; else echo stopped; exit 3; fi ;;
  remove) stop; drop_slot; rm -rf "$ROOT_DIR" ;;
  *) die "usage: scripts/replica.sh start|stop|status|remove" ;;
esac
