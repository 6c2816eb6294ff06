#!/usr/bin/env bash
# The hot product's page during its flash sale, beside /healthz in the same run
# (`bazaar-loadtest product-page`).
#
# Usage: loadtests/product-page-bench.sh [buyers=64] [readers=64] [seconds=10]
# Needs: PostgreSQL and Redis on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
# Buyers check out again and again without paying: lift the cap on unpaid orders per customer.
export BAZAAR_BENCH_UNPAID_ORDERS=1000000
source loadtests/server.sh

cargo build --release --quiet -p bazaar -p bazaar-loadtest
start_server "${BAZAAR_BENCH_PORT:-18089}"
echo "machine: $(nproc) cores, $(date -u +%F)"
target/release/bazaar-loadtest product-page --server "$base" --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" \
    --buyers "${1:-64}" --readers "${2:-64}" --seconds "${3:-10}"
