#!/usr/bin/env bash
# Installs what Tejido needs and is missing: Debian/Ubuntu packages (PostgreSQL with PostGIS,
# GDAL/GEOS/PROJ, gettext), the virtualenv in .venv/ and the Python dependencies. A second
# run with nothing changed does nothing and takes about a second.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_MAJOR=${TEJIDO_PG_MAJOR:-15}

# --- System packages --------------------------------------------------------------------------
pg_bindir_with_postgis() {
  local dir
  for dir in /usr/lib/postgresql/"$PG_MAJOR" $(ls -d /usr/lib/postgresql/* 2>/dev/null | sort -rV); do
    local major=${dir##*/}
    if [ -x "$dir/bin/initdb" ] && ls /usr/share/postgresql/"$major"/extension/postgis.control >/dev/null 2>&1; then
      echo "$dir/bin"; return 0
    fi
  done
  return 1
}

# ldconfig lives in /sbin, often off an ordinary user's PATH.
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)

system_missing() {
  local missing=()
  pg_bindir_with_postgis >/dev/null || missing+=(postgis)
  command -v gdalinfo >/dev/null || missing+=(gdal)
  command -v msgfmt >/dev/null || missing+=(gettext)
  "$LDCONFIG" -p 2>/dev/null | grep -q 'libgeos_c\.so' || missing+=(geos)
  "$LDCONFIG" -p 2>/dev/null | grep -q 'libproj\.so' || missing+=(proj)
  "${PYTHON:-python3.11}" -c 'import venv, ensurepip' 2>/dev/null || missing+=(venv)
  echo "${missing[*]:-}"
}

install_system() {
  local missing; missing=$(system_missing)
  [ -z "$missing" ] && return 0
  say "installing system packages (missing: $missing)"
  command -v apt-get >/dev/null || die "apt-get not found: install PostgreSQL $PG_MAJOR with PostGIS 3, GDAL, gettext and python3-venv by hand."
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null \
    || die "cannot run apt-get as root (no root, no passwordless sudo). Install: postgresql-$PG_MAJOR-postgis-3 gdal-bin gettext python3-venv"
  local postgis="postgresql-$PG_MAJOR-postgis-3"
  if ! apt-cache show "$postgis" >/dev/null 2>&1; then
    # Distributions without PostgreSQL $PG_MAJOR: take their default PostgreSQL with PostGIS.
    postgis=postgis
    say "postgresql-$PG_MAJOR-postgis-3 is not packaged here; using the distribution's PostGIS"
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "$postgis" postgresql-contrib gdal-bin gettext python3-venv acl ca-certificates >/dev/null \
    || die "apt-get install failed"
  missing=$(system_missing)
  [ -z "$missing" ] || die "still missing after apt-get: $missing"
}

# --- Python -------------------------------------------------------------------------------------
find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 12)))'; then
      echo "$candidate"; return 0
    fi
  done
  die "Python 3.11 or 3.12 is needed"
}

install_python() {
  if [ ! -x "$PY" ]; then
    local python; python=$(find_python)
    say "creating the virtualenv in .venv/ with $python"
    "$python" -m venv "$VENV"
  fi
  local stamp="$VENV/.tejido-deps" want
  want=$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Python dependencies into .venv/"
    "$PY" -m pip install -q --upgrade pip >/dev/null
    "$PY" -m pip install -q -e "$ROOT[dev]"
    echo "$want" > "$stamp"
  fi
}

# --- Translations ------------------------------------------------------------------------------
compile_messages() {
  local po mo stale=0
  for po in "$ROOT"/locale/*/LC_MESSAGES/django.po; do
    [ -f "$po" ] || continue
    mo=${po%.po}.mo
    if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then stale=1; fi
  done
  if [ "$stale" -eq 1 ]; then
    say "compiling translations"
    (cd "$ROOT" && "$PY" manage.py compilemessages --ignore=.venv -v 0)
  fi
}

# --- Front-end assets (Leaflet and plugins, pinned in package-lock.json) ------------------------
install_node_assets() {
  [ -f "$ROOT/package-lock.json" ] || return 0
  local stamp="$ROOT/node_modules/.tejido-lock" want
  want=$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  if ! command -v npm >/dev/null; then
    say "installing Node.js and npm"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || true
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      nodejs npm >/dev/null || die "cannot install npm (needed for the map assets)"
  fi
  say "installing front-end assets into node_modules/"
  (cd "$ROOT" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null) \
    || die "npm ci failed"
  echo "$want" > "$stamp"
}

# --- Browser for the browser tests (Debian's Chromium; never a downloaded build) --------------
install_browser() {
  [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi dejavu && return 0
  say "installing Chromium for the browser tests"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    chromium fonts-dejavu-core fonts-liberation fontconfig >/dev/null \
    || die "cannot install chromium (apt-get install chromium)"
}

# --- Servers the operations tests start on loopback or Unix sockets (nginx, Redis) -----------
# Debian's packages; their own services are not needed (the tests and `make run CACHE=redis`
# start private instances under var/ or a temporary directory).
install_servers() {
  local missing=()
  [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" >/dev/null || die "cannot install ${missing[*]} (apt-get install ${missing[*]})"
}

# --- Street sheets' PDF (WeasyPrint draws with Pango) and their tests (pdftoppm) ------------
install_print() {
  local missing=()
  "$LDCONFIG" -p 2>/dev/null | grep -q 'libpangoft2-1\.0\.so' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
  fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core fontconfig)
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" >/dev/null || die "cannot install ${missing[*]} (apt-get install ${missing[*]})"
}

install_system
install_servers
install_print
install_python
install_node_assets
[ "${TEJIDO_WITH_BROWSER:-}" = 1 ] && install_browser
compile_messages
