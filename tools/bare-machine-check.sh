#!/usr/bin/env bash
# The README's set-up, tried as a new user would on a bare Debian 12: a debootstrapped bookworm
# (minbase) with only python3, make, git and ca-certificates added, this working tree copied in
# (committed or not; what git ignores – .venv, node_modules, dist… – left out), then in a chroot
# as root `make audio` then `make test`, and in a second fresh root `make test` then `make audio`.
# After each pair `git status --porcelain` must be empty. Heavy (the whole suite, twice, and every
# download: apt, PyPI, npm), so not run by CI:
#   sudo bash tools/bare-machine-check.sh [WORKDIR]        (default /tmp/hemicycle-bare)
#   ORDERS="audio,test" to run one order only (ORDERS="" only makes the base root); KEEP=1
#   keeps the roots for a look afterwards; SRC=DIR checks another checkout than this one.
# A host that reaches the internet through a TLS-intercepting proxy has that proxy's CA in its
# /etc/ssl/certs/ca-certificates.crt: it is added to each root's trust store (a real bare
# machine needs no such step).
# Needs root, the Debian package debootstrap and deb.debian.org, pypi.org, registry.npmjs.org.
# Prints each step's time and the tail of its log; ends with "bare machine: OK", or "FAILED"
# (exit 1) when a step failed or left the tree dirty. Took ≈ 1 h on a loaded 2-core machine.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "bare-machine-check: run as root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || {
  echo "bare-machine-check: needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }
SRC=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}
WORK=${1:-/tmp/hemicycle-bare}
ORDERS=${ORDERS-"audio,test test,audio"}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
mkdir -p "$WORK"
log() { echo "[$(date -u +%H:%M:%S)] $*"; }

# One bookworm, made once and kept as a tarball: every order starts from the same bare root.
BASE=$WORK/bookworm-base.tar
if [ ! -e "$BASE" ]; then
  log "debootstrap bookworm (minbase + python3 make git ca-certificates)"
  rm -rf "$WORK/base"
  debootstrap --variant=minbase --include=python3,make,git,ca-certificates \
    bookworm "$WORK/base" "$MIRROR" > "$WORK/debootstrap.log"
  tar -C "$WORK/base" -cf "$BASE.part" . && mv "$BASE.part" "$BASE" && rm -rf "$WORK/base"
fi

ROOT=
cleanup() {
  [ -n "$ROOT" ] || return 0
  for m in dev/shm dev/pts dev sys proc ""; do
    if mountpoint -q "$ROOT/$m"; then umount "$ROOT/$m"; fi
  done
  [ -n "${KEEP:-}" ] || rm -rf "$ROOT"
  ROOT=
}
trap cleanup EXIT

status=0
for order in $ORDERS; do
  ROOT=$WORK/root-${order/,/-}
  rm -rf "$ROOT" && mkdir -p "$ROOT"
  tar -C "$ROOT" -xf "$BASE"
  # The root a mount point of its own, private, as every container's and schroot's is: the
  # tests that mount (read-only and full-disk folders, a driver no node sees) run in
  # `unshare --mount`, which makes "/" private and fails where "/" is a mere folder.
  mount --bind "$ROOT" "$ROOT"
  mount --make-private "$ROOT"
  mount -t proc proc "$ROOT/proc"
  mount -t sysfs sys "$ROOT/sys"
  mount --bind /dev "$ROOT/dev"
  mount --bind /dev/pts "$ROOT/dev/pts"
  mount -t tmpfs -o mode=1777 shm "$ROOT/dev/shm"        # chromium's shared memory
  cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
  cp /etc/ssl/certs/ca-certificates.crt "$ROOT/usr/local/share/ca-certificates/host.crt"
  chroot "$ROOT" update-ca-certificates > /dev/null 2>&1
  # The working tree as git sees it (tracked and new files, nothing ignored), made a commit of
  # its own in the copy, so that "clean afterwards" means: the set-up wrote no tracked file.
  mkdir -p "$ROOT/root/hemicycle"
  (cd "$SRC" && git ls-files -z -co --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf -) | tar -C "$ROOT/root/hemicycle" -xf -
  in_root() {
    chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      bash -c "cd /root/hemicycle && $1"
  }
  in_root 'git init -q && git add -A && git -c user.name=check -c user.email=check@localhost \
    commit -q -m "working tree"'
  log "order $order: python3 $(in_root 'python3 -V'), $(in_root 'python3 -c "import ensurepip" \
    2>/dev/null && echo with || echo without') ensurepip"
  for target in ${order/,/ }; do
    start=$(date +%s)
    log "order $order: make $target"
    if in_root "nice -n 10 make $target" > "$WORK/$order-$target.log" 2>&1; then rc=0
    else rc=$?; fi
    log "order $order: make $target: exit $rc in $(( $(date +%s) - start )) s" \
        "(log: $WORK/$order-$target.log)"
    tail -n 5 "$WORK/$order-$target.log" | sed 's/^/    /'
    if [ "$rc" != 0 ]; then status=1; break; fi
  done
  dirty=$(in_root 'git status --porcelain')
  if [ -n "$dirty" ]; then
    log "order $order: the set-up left the tree dirty:"; echo "$dirty" | sed 's/^/    /'
    status=1
  fi
  log "order $order: node $(in_root 'node --version 2>/dev/null || echo absent')"
  cleanup
done
[ "$status" = 0 ] && log "bare machine: OK" || log "bare machine: FAILED"
exit "$status"
