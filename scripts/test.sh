#!/usr/bin/env bash
# `make test`: set up what is missing, start the private database (unless DATABASE_URL is
# set) and run the whole test suite against real PostGIS. Extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TEJIDO_WITH_BROWSER=1 bash "$ROOT/scripts/setup.sh"

db_started=""
cleanup() { if [ -n "$db_started" ]; then bash "$ROOT/scripts/db.sh" stop || true; fi; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${DATABASE_URL:-}" ]; then
  [ "$(bash "$ROOT/scripts/db.sh" start)" = started ] && db_started=1
fi

cd "$ROOT"
"$PY" manage.py makemigrations --check --dry-run -v 0 \
  || die "models and migrations disagree: run manage.py makemigrations"
"$PY" -m pytest "$@"
