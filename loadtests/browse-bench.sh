#!/usr/bin/env bash
# The everyday load against a release build: requests arrive at a fixed rate (open loop), a mix of
# searches, product pages, category pages, adds to cart and checkouts; prints each kind's
# response time from when it was due.
#
# Usage: loadtests/browse-bench.sh [rate=500] [seconds=20] [mix]
# Needs: PostgreSQL and Redis on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtests/server.sh

rate=${1:-500}
seconds=${2:-20}
mix=${3:-search=40,product=35,category=15,cart=7,checkout=3}

cargo build --release --quiet -p bazaar -p bazaar-loadtest
start_server "${BAZAAR_BENCH_PORT:-18087}"
target/release/bazaar-loadtest browse --server "$base" --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" \
    --rate "$rate" --seconds "$seconds" --mix "$mix" --seed 42
