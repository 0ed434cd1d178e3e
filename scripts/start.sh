#!/usr/bin/env bash
# npm start: installs and builds what is missing, then runs the five apps on loopback until Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/ensure-node-modules.sh
npm run --silent build
exec node dist/libs/local-stack/src/cli.js
