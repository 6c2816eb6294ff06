#!/usr/bin/env bash
# A/B of two server binaries (say, before and after a change) on the hot-product checkout: each
# binary serves in turn (A, B, A, B) and the checkout rate of N callers is measured
# (`bazaar-loadtest watchers --watchers 0`: the sale without watchers).
#
# Usage: loadtests/ab-bench.sh BINARY_A BINARY_B [callers=256] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
# Buyers check out again and again without paying: lift the cap on unpaid orders per customer.
export BAZAAR_BENCH_UNPAID_ORDERS=1000000
a=$1 b=$2 callers=${3:-256} seconds=${4:-10}
cargo build --release --quiet -p bazaar-loadtest
for round in 1 2; do
    for binary in "$a" "$b"; do
        (
            source loadtests/server.sh
            BAZAAR_BINARY="$binary" start_server "${BAZAAR_BENCH_PORT:-18088}"
            result=$(target/release/bazaar-loadtest watchers --server "$base" \
                --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" --buyers "$callers" --watchers 0 \
                --seconds "$seconds" 2>/dev/null | grep 'checkouts/s' | head -1)
            echo "round $round $(basename "$binary"): $result"
        )
    done
done
