# Shared helpers for Tejido's scripts (sourced, not run).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
VAR="$ROOT/var"
PY="$VENV/bin/python"

say() { printf '\033[1m[tejido]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[tejido] %s\033[0m\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as root: directly when we are root, else through passwordless sudo.
as_root() {
  if is_root; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 1
  fi
}
