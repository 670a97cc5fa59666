#!/usr/bin/env bash
# Installs the system packages Hémicycle needs, from Debian's archive (needs root):
#   the offline speech engine: espeak-ng driving the MBROLA French voices (contrib/non-free
#   components) and SVOX pico; with --test, also what the test suite needs: a JRE (EPUBCheck),
#   Chromium (Ace by DAISY, the read-along page test) and Node.js with npm if missing.
set -euo pipefail
pkgs=(espeak-ng mbrola mbrola-fr1 mbrola-fr2 mbrola-fr3 mbrola-fr4 mbrola-fr5 mbrola-fr6 mbrola-fr7
      libttspico-utils)
if [ "${1:-}" = "--test" ]; then
  command -v java >/dev/null || pkgs+=(default-jre-headless)
  pkgs+=(chromium)
  command -v npm >/dev/null || pkgs+=(nodejs npm)
fi
export DEBIAN_FRONTEND=noninteractive
if [ -r /etc/os-release ] && grep -qi '^ID=debian' /etc/os-release; then
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  src=/etc/apt/sources.list.d/hemicycle-nonfree.sources
  if [ ! -e "$src" ]; then
    cat > "$src" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
elif command -v add-apt-repository >/dev/null; then
  add-apt-repository -y multiverse   # Ubuntu keeps mbrola voices in multiverse
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null \
  2> >(grep -v '^debconf: delaying package configuration' >&2)   # apt-utils is not needed
