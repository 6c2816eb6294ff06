#!/usr/bin/env bash
# Seller analytics against a release build: places N paid orders of one seller over P products,
# then C clients read the seller's report for S seconds; beside it, in the same run, the same
# totals scanned from the order lines (the design the daily aggregates replace). Fails if a report
# fails or its totals disagree with the scan.
#
# Usage: loadtests/analytics-bench.sh [orders=100000] [clients=16] [seconds=20] [products=100]
# Needs: PostgreSQL and Redis on 127.0.0.1, or BAZAAR_BENCH_DATABASE=sqlite (loadtests/server.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtests/server.sh

orders=${1:-100000}
clients=${2:-16}
seconds=${3:-20}
products=${4:-100}

cargo build --release --quiet -p bazaar -p bazaar-loadtest
start_server "${BAZAAR_BENCH_PORT:-18091}"
echo "machine: $(nproc) cores, $(date -u +%F), backend=${BAZAAR_BENCH_DATABASE:-postgres}, ${orders} orders, ${clients} clients"
target/release/bazaar-loadtest analytics --server "$base" --database-url "$database_url" \
    --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" --orders "$orders" --products "$products" \
    --concurrency "$clients" --seconds "$seconds"
