#!/usr/bin/env bash
# Fulfilment throughput against a release build: places N paid orders, then carries each through
# processing, shipped, out_for_delivery and delivered over HTTP, C orders in flight; prints the
# status changes per second and their response times, and fails unless every order ends
# delivered.
#
# Usage: loadtests/fulfilment-bench.sh [orders=10000] [in flight=32]
# Needs: PostgreSQL and Redis on 127.0.0.1, or BAZAAR_BENCH_DATABASE=sqlite (loadtests/server.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtests/server.sh

orders=${1:-10000}
in_flight=${2:-32}

cargo build --release --quiet -p bazaar -p bazaar-loadtest
start_server "${BAZAAR_BENCH_PORT:-18089}"
echo "machine: $(nproc) cores, $(date -u +%F), backend=${BAZAAR_BENCH_DATABASE:-postgres}, ${orders} orders, ${in_flight} in flight"
target/release/bazaar-loadtest fulfilment --server "$base" --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" \
    --orders "$orders" --concurrency "$in_flight"
