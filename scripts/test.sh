#!/usr/bin/env bash
# npm test: installs what the tests need (Debian packages, npm packages), builds, and runs every
# unit and end-to-end test. The tests start and stop their own servers on free ports.
# Arguments go to Jest (e.g. npm test -- apps/management).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/ensure-system-packages.sh
scripts/ensure-node-modules.sh
npm run --silent build
# The tests themselves are only transpiled by Jest: type-check them (and everything else) here.
node_modules/.bin/tsc --noEmit -p tsconfig.json
exec node_modules/.bin/jest "$@"
