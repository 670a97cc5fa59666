#!/usr/bin/env bash
# Makes sure `PYTHON -m venv` works before `make` creates .venv: Debian and Ubuntu ship venv's
# ensurepip in a package of its own (python3-venv), absent from a bare install. As root on
# Debian/Ubuntu it installs that package (saying so in one line); otherwise one line names it.
#   bash tools/ensure-venv.sh [PYTHON]        (default python3; exit 2 when it cannot be had)
set -euo pipefail
py=${1:-python3}
works() { "$py" -c 'import ensurepip, venv' 2>/dev/null; }
works && exit 0
command -v "$py" >/dev/null || { echo "hemicycle: $py not found: install Python >= 3.11" >&2; exit 2; }
# Debian names the default Python's package python3-venv, any other python3.X-venv.
ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
default=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
pkg=python3-venv
[ "$ver" = "$default" ] || pkg=python$ver-venv
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ -r /etc/os-release ] \
    && grep -Eqi '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; then
  echo "hemicycle: installing $pkg from the distribution's packages ($py -m venv needs it)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null \
    2> >(grep -v '^debconf: delaying package configuration' >&2)
  works && exit 0
fi
echo "hemicycle: '$py -m venv' is unavailable (no ensurepip): install the package $pkg" \
     "(sudo apt-get install $pkg), then run make again" >&2
exit 2
