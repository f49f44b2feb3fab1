#!/usr/bin/env bash
# Provision the real-Asterisk test sandbox: a Debian sid chroot with Asterisk 22.
#
# Asterisk is not packaged for Debian 12, but sid has Asterisk 22, so the e2e tier
# runs it inside a debootstrapped sid chroot (see ARCHITECTURE.md, "Testing against
# a real Asterisk"). The chroot lives in a cache folder outside the clone so fresh
# clones and repeated runs reuse it.
#
# Idempotent: when <dir>/rootfs already holds an Asterisk binary nothing is fetched.
# debootstrap writes into <dir>/rootfs.partial and only a successful run is renamed
# to <dir>/rootfs, so a half-made chroot is never used.
#
# Env:
#   JADE_SANDBOX_DIR     cache folder (default /var/cache/jade-sandbox)
#   JADE_SANDBOX_MIRROR  Debian mirror (default http://deb.debian.org/debian)
#
# Exit codes: 0 ready; 1 cannot provision (the message on stderr says why).
set -euo pipefail

SANDBOX_DIR="${JADE_SANDBOX_DIR:-/var/cache/jade-sandbox}"
MIRROR="${JADE_SANDBOX_MIRROR:-http://deb.debian.org/debian}"
ROOTFS="$SANDBOX_DIR/rootfs"
PARTIAL="$SANDBOX_DIR/rootfs.partial"
PACKAGES="asterisk,asterisk-modules,asterisk-config,asterisk-core-sounds-en-gsm"

log() { printf 'sandbox-provision: %s\n' "$*" >&2; }
die() { printf 'sandbox-provision: cannot provision: %s\n' "$*" >&2; exit 1; }

# chroot, chown and debootstrap all need root; say so plainly instead of failing later.
if [ "$(id -u)" -ne 0 ]; then
  die "must run as root (chroot and debootstrap need it); running as uid $(id -u)"
fi

mkdir -p "$SANDBOX_DIR"
# Two test runs on a fresh machine must not debootstrap into the same folder at once:
# the second waits here and then finds the chroot made.
exec 9>"$SANDBOX_DIR/.provision.lock"
if command -v flock >/dev/null 2>&1; then
  flock -w 1200 9 || die "another provisioning of $SANDBOX_DIR did not finish within 20 minutes"
fi

# Host tools: debootstrap to build the chroot (needed only while there is none), and
# sipp (Debian package sip-tester) for the SIP registration tests. A fresh CI machine has
# neither. sipp is best effort: without it only the SIP tests fail, the sandbox still runs.
need_debootstrap=no
if [ ! -x "$ROOTFS/usr/sbin/asterisk" ] && ! command -v debootstrap >/dev/null 2>&1; then
  need_debootstrap=yes
fi
missing=()
[ "$need_debootstrap" = yes ] && missing+=(debootstrap)
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
if [ "${#missing[@]}" -gt 0 ]; then
  installed=no
  if command -v apt-get >/dev/null 2>&1; then
    log "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq >&2 && apt-get install -y -qq "${missing[@]}" >&2; then
      installed=yes
    fi
  fi
  if [ "$installed" = no ]; then
    if [ "$need_debootstrap" = yes ]; then
      die "debootstrap is missing and apt-get could not install it (no apt-get, or no network to the Debian mirror)"
    fi
    log "warning: could not install ${missing[*]}; the SIP registration tests will fail"
  fi
fi

if [ ! -x "$ROOTFS/usr/sbin/asterisk" ]; then
  if [ -e "$ROOTFS" ]; then
    # Never delete something we did not make complete: a rootfs without asterisk is
    # either foreign or damaged, and the operator should look at it.
    die "$ROOTFS exists but has no /usr/sbin/asterisk; remove it and run again"
  fi
  # Fail fast with a clear reason instead of debootstrap's long retry loop.
  mirror_host="$(printf '%s' "$MIRROR" | sed -E 's#^[a-zA-Z]+://([^/:]+).*#\1#')"
  mirror_port="$(printf '%s' "$MIRROR" | sed -nE 's#^[a-zA-Z]+://[^/:]+:([0-9]+).*#\1#p')"
  case "$MIRROR" in https://*) mirror_port="${mirror_port:-443}" ;; *) mirror_port="${mirror_port:-80}" ;; esac
  if ! timeout 15 bash -c "exec 3<>/dev/tcp/$mirror_host/$mirror_port" 2>/dev/null; then
    die "no network to the Debian mirror $mirror_host:$mirror_port"
  fi
  # A leftover partial tree is from an interrupted run: start it over.
  rm -rf "$PARTIAL"
  log "debootstrap Debian sid with Asterisk into $PARTIAL (about 40 s, 500 MB)"
  started=$(date +%s)
  # Its ~900 progress lines go to a log; only a failure shows them.
  boot_log="$SANDBOX_DIR/debootstrap.log"
  if ! debootstrap --variant=minbase --include="$PACKAGES" sid "$PARTIAL" "$MIRROR" >"$boot_log" 2>&1; then
    tail -n 30 "$boot_log" >&2
    die "debootstrap failed (log: $boot_log); $PARTIAL left for inspection"
  fi
  [ -x "$PARTIAL/usr/sbin/asterisk" ] || die "debootstrap finished but $PARTIAL has no /usr/sbin/asterisk"
  mv "$PARTIAL" "$ROOTFS"
  log "debootstrap done in $(( $(date +%s) - started )) s"
fi

# The package's files belong to its 'asterisk' user (mode 640). Run as root without
# -U, Asterisk keeps its capabilities and can read them only once root owns them
# (with -U root it drops capabilities and cannot). Cheap to repeat, so always done.
for d in etc/asterisk var/lib/asterisk var/spool/asterisk var/log/asterisk \
         var/cache/asterisk usr/share/asterisk; do
  if [ -e "$ROOTFS/$d" ]; then
    chown -R root:root "$ROOTFS/$d"
  fi
done
# /run is not a tmpfs inside the chroot and Debian creates run/asterisk only through
# systemd-tmpfiles, so make it here for anyone using the package's default asterisk.conf.
mkdir -p "$ROOTFS/run/asterisk"

version="$(chroot "$ROOTFS" /usr/sbin/asterisk -V 2>/dev/null || true)"
case "$version" in
  "Asterisk 22."*) ;;
  *) die "$ROOTFS/usr/sbin/asterisk -V says '${version:-nothing}', expected Asterisk 22.x" ;;
esac
log "ready: $ROOTFS ($version)"
printf '%s\n' "$ROOTFS"
