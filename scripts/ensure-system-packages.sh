#!/usr/bin/env bash
# The real servers the tests run (ARCHITECTURE.md "Tests"), installed once from Debian's packages.
# Idempotent: a package whose command is present is not touched.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# command → package
declare -A PACKAGES=(
  [openssl]=openssl # certificates of the HTTPS alert receivers (libs/testing)
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
