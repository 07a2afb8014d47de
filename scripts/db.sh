#!/usr/bin/env bash
# The private PostGIS cluster under var/pg, used when DATABASE_URL is not set.
#   scripts/db.sh start   create it on first use, start it (prints "started" or "running")
#   scripts/db.sh stop    stop it
#   scripts/db.sh status
# It listens only on a Unix socket in var/pg/run (no TCP port), trusts local connections
# (socket mode 0700) and has one superuser role, `tejido`, owning database `tejido`.
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` system user
# (TEJIDO_PG_OS_USER to choose another); as anyone else, it runs as you.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PGROOT="$VAR/pg"
PGDATA="$PGROOT/data"
SOCKET_DIR=${TEJIDO_PG_SOCKET_DIR:-$PGROOT/run}
PORT=${TEJIDO_PG_PORT:-54329}
LOG="$PGROOT/postgresql.log"
OS_USER=${TEJIDO_PG_OS_USER:-postgres}

[ "${#SOCKET_DIR}" -lt 90 ] || die "the socket path $SOCKET_DIR is too long for a Unix socket: set TEJIDO_PG_SOCKET_DIR to a shorter directory"

bindir() {
  local dir
  for dir in /usr/lib/postgresql/"${TEJIDO_PG_MAJOR:-15}" $(ls -d /usr/lib/postgresql/* 2>/dev/null | sort -rV); do
    local major=${dir##*/}
    if [ -x "$dir/bin/pg_ctl" ] && [ -f "/usr/share/postgresql/$major/extension/postgis.control" ]; then
      echo "$dir/bin"; return 0
    fi
  done
  die "no PostgreSQL with PostGIS found: run scripts/setup.sh"
}
BIN=$(bindir)

# Run a PostgreSQL server program as the cluster's owner.
as_owner() {
  if is_root; then
    runuser -u "$OS_USER" -- "$@"
  else
    "$@"
  fi
}

# As root, the server user must be able to reach var/pg: grant it traverse (x) only, by ACL,
# on each parent directory that does not already let it through.
grant_traverse() {
  is_root || return 0
  local dir="$PGROOT"
  while [ "$dir" != "/" ]; do
    dir=$(dirname "$dir")
    if ! runuser -u "$OS_USER" -- test -x "$dir"; then
      command -v setfacl >/dev/null || die "$OS_USER cannot reach $dir and setfacl is missing (apt-get install acl)"
      setfacl -m "u:$OS_USER:x" "$dir"
    fi
  done
}

init_cluster() {
  say "creating the private PostGIS cluster in var/pg"
  mkdir -p "$PGROOT"
  if is_root; then
    id "$OS_USER" >/dev/null 2>&1 || die "system user $OS_USER does not exist (set TEJIDO_PG_OS_USER)"
    chown "$OS_USER" "$PGROOT"
    grant_traverse
  fi
  as_owner "$BIN/initdb" -D "$PGDATA" -U tejido --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >> "$PGDATA/postgresql.conf" <<CONF

# Tejido's private cluster
listen_addresses = ''
unix_socket_permissions = 0700
max_connections = 100
shared_buffers = 256MB
work_mem = 16MB
maintenance_work_mem = 256MB
synchronous_commit = off
random_page_cost = 1.1
effective_cache_size = 4GB
jit = off
log_min_messages = warning
CONF
}

# Memory settings follow the machine, rewritten at every start (so an existing cluster
# follows too): shared_buffers an eighth of RAM between 128 MB and 2 GB (1M listings and
# their indexes take about 1.5 GB), effective_cache_size half of RAM.
# TEJIDO_PG_SHARED_BUFFERS (e.g. 512MB) overrides the first.
memory_conf() {
  local ram_mb shared cache
  ram_mb=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo 2>/dev/null || echo 4096)
  shared=$((ram_mb / 8)); [ "$shared" -lt 128 ] && shared=128; [ "$shared" -gt 2048 ] && shared=2048
  cache=$((ram_mb / 2)); [ "$cache" -lt 512 ] && cache=512
  printf '# written by scripts/db.sh at each start\nshared_buffers = %s\neffective_cache_size = %sMB\n' \
    "${TEJIDO_PG_SHARED_BUFFERS:-${shared}MB}" "$cache" >"$PGDATA/tejido-memory.conf"
  if is_root; then chown "$OS_USER" "$PGDATA/tejido-memory.conf"; fi
  grep -q "^include_if_exists = 'tejido-memory.conf'" "$PGDATA/postgresql.conf" \
    || echo "include_if_exists = 'tejido-memory.conf'" >>"$PGDATA/postgresql.conf"
}

# Streaming replicas (scripts/replica.sh) connect over the socket as `tejido` (initdb's trust
# lines include `local replication all trust`) and keep a replication slot, so that a stopped
# replica catches up when it starts again; max_slot_wal_keep_size bounds the WAL a slot may
# hold (past it the slot is given up and replica.sh makes the replica again). Rewritten at
# every start; all of these but wal_level and the max_* counts also take a reload.
replication_conf() {
  printf '# written by scripts/db.sh at each start\nwal_level = replica\nmax_wal_senders = 10\nmax_replication_slots = 10\nmax_slot_wal_keep_size = 1GB\nwal_keep_size = 128MB\n' \
    >"$PGDATA/tejido-replication.conf"
  if is_root; then chown "$OS_USER" "$PGDATA/tejido-replication.conf"; fi
  grep -q "^include_if_exists = 'tejido-replication.conf'" "$PGDATA/postgresql.conf" \
    || echo "include_if_exists = 'tejido-replication.conf'" >>"$PGDATA/postgresql.conf"
}

running() {
  [ -f "$PGDATA/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

psql_admin() {
  "$BIN/psql" -h "$SOCKET_DIR" -p "$PORT" -U tejido -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

start() {
  mkdir -p "$PGROOT"
  exec 9>"$PGROOT.lock"
  flock 9
  [ -f "$PGDATA/PG_VERSION" ] || init_cluster
  if running; then echo running; return 0; fi
  memory_conf
  replication_conf
  mkdir -p "$SOCKET_DIR"
  touch "$LOG"
  if is_root; then chown "$OS_USER" "$SOCKET_DIR" "$LOG"; grant_traverse; fi
  # 9>&-: the server must not inherit (and hold forever) the start lock.
  as_owner "$BIN/pg_ctl" -D "$PGDATA" -l "$LOG" -w -t 120 9>&- \
    -o "-k $SOCKET_DIR -p $PORT" start >/dev/null \
    || { tail -n 20 "$LOG" >&2; die "PostgreSQL did not start (log: $LOG)"; }
  if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'tejido'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE tejido OWNER tejido"
  fi
  echo started
}

stop() {
  [ -f "$PGDATA/PG_VERSION" ] || return 0
  if running; then
    as_owner "$BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
    say "PostgreSQL stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo running; else echo stopped; exit 3; fi ;;
  *) die "usage: scripts/db.sh start|stop|status" ;;
esac
