#!/usr/bin/env bash
# The web client's checks: the JSDoc types of the client and of its tests (tsc --checkJs), then
# the Playwright browser tests in headless Debian chromium against the debug build of the server,
# on the embedded database, and on PostgreSQL and Redis when BAZAAR_E2E_DATABASE=postgres.
# Needs: Node.js and npm, and chromium (`apt-get install chromium`; CHROMIUM= names another).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --silent
npx tsc -p tsconfig.json
npx tsc -p tests/tsconfig.json
(cd .. && cargo build --quiet --bin bazaar)
npm test
