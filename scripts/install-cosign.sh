#!/usr/bin/env bash
# Installs the real cosign CLI for the differential tests. Debian 12 has no cosign package; Debian 13
# (trixie) has cosign 2.5, a static Go binary that needs only libc6 >= 2.34. It is fetched with a
# private apt state (the system's sources are not touched) and unpacked with dpkg-deb.
# Idempotent: nothing happens when $COSIGN_PREFIX/usr/bin/cosign exists.
set -euo pipefail
COSIGN_PREFIX="${COSIGN_PREFIX:-/usr/local/lib/connaisseur-mesh-cosign}"
APT_DIR="${COSIGN_APT_DIR:-/var/tmp/connaisseur-mesh-trixie-apt}"
if [[ -x "$COSIGN_PREFIX/usr/bin/cosign" ]]; then
  ln -sf "$COSIGN_PREFIX/usr/bin/cosign" /usr/local/bin/cosign
  exit 0
fi
echo "installing cosign from Debian trixie…"
mkdir -p "$APT_DIR"/{lists/partial,cache/archives/partial,debs} "$COSIGN_PREFIX"
# The mirror this machine already uses for Debian; only the suite changes.
mirror=$({ grep -rhoE '^(URIs:|deb) +[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null || true; } |
  awk '{print $2}' | grep -E '/debian/?$' | head -1 || true)
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror:-http://deb.debian.org/debian} trixie main" >"$APT_DIR/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$APT_DIR/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$APT_DIR/lists"
  -o "Dir::Cache=$APT_DIR/cache" -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update -qq
(cd "$APT_DIR/debs" && apt-get "${apt_opts[@]}" download -qq cosign)
dpkg-deb -x "$(ls -t "$APT_DIR"/debs/cosign_*.deb | head -1)" "$COSIGN_PREFIX"
ln -sf "$COSIGN_PREFIX/usr/bin/cosign" /usr/local/bin/cosign
cosign version 2>/dev/null | grep -E '^GitVersion' || true
