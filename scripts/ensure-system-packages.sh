#!/usr/bin/env bash
# The real servers and tools the tests run (ARCHITECTURE.md "Tests"), installed once from Debian's
# packages (and cosign from Debian trixie, scripts/install-cosign.sh). Idempotent: a command that
# is present is not installed again. apt-get does not start services here; the tests do.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# command → Debian package
declare -A PACKAGES=(
  [docker-registry]=docker-registry # OCI registry (CNCF distribution 2.8)
  [htpasswd]=apache2-utils          # bcrypt passwords for the registry's Basic auth
  [openssl]=openssl                 # test certificates, RSA signatures
  [redis-server]=redis-server       # the cache's Redis (TCP and TLS)
  [prometheus]=prometheus           # scrapes the local stack in the metrics test
)

missing=()
for cmd in "${!PACKAGES[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PACKAGES[$cmd]}")
done
if ((${#missing[@]} > 0)); then
  echo "installing Debian packages: ${missing[*]}"
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
fi
command -v cosign >/dev/null 2>&1 || scripts/install-cosign.sh
