#!/usr/bin/env bash
# A drop against a release build, verified: buyers arrive around the scheduled start of a product
# sold through its waiting room, and the run checks fairness, the sold-out moment, that nobody
# bought without an admission, and the database (nothing oversold or lost). Exits non-zero if a
# check fails. Run by CI.
#
# Usage: loadtests/drop-check.sh [buyers=2000] [stock=200] [spread_secs=6]
# BAZAAR_CHECK_WATCHERS: buyers following their place over WebSocket (default: all of them, up to
# 10,000); BAZAAR_CHECK_HTML: where to keep the HTML report (default: the scratch directory).
# Needs: PostgreSQL and Redis on 127.0.0.1, or BAZAAR_BENCH_DATABASE=sqlite (loadtests/server.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtests/server.sh

buyers=${1:-2000}
stock=${2:-200}
spread=${3:-6}

cargo build --release --quiet -p bazaar -p bazaar-loadtest
start_server "${BAZAAR_CHECK_PORT:-18086}"
target/release/bazaar-loadtest drop --server "$base" \
    --database-url "$database_url" \
    --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" \
    --jwt-key-file "$workdir/key.pem" \
    --stock "$stock" --buyers "$buyers" --seconds "$spread" \
    --watchers "${BAZAAR_CHECK_WATCHERS:-10000}" \
    --report "$workdir/drop.json" --report-html "${BAZAAR_CHECK_HTML:-$workdir/drop.html}"
echo "server after the drop: $(server_memory)"
