#!/usr/bin/env bash
# 10,000 WebSocket watchers of one hot product while it sells: the delay from a stock change to
# the watchers' message, messages per second, server memory per connection, and the checkout rate
# with watchers against the rate without them, in one run. With `paying`, every buyer pays in the
# checkout (the whole purchase) instead of only holding.
#
# Usage: loadtests/watchers-bench.sh [watchers=10000] [buyers=64] [seconds=10] [hold|paying]
# Needs: PostgreSQL and Redis on 127.0.0.1; `ulimit -n` above twice the watchers.
set -euo pipefail
cd "$(dirname "$0")/.."
# Buyers check out again and again without paying: lift the cap on unpaid orders per customer.
export BAZAAR_BENCH_UNPAID_ORDERS=1000000
source loadtests/server.sh

watchers=${1:-10000}
buyers=${2:-64}
seconds=${3:-10}
purchase=${4:-hold}
case $purchase in
    hold) paying=() ;;
    paying) paying=(--paying) ;;
    *) echo "the fourth argument is hold or paying, not $purchase" >&2; exit 2 ;;
esac

cargo build --release --quiet -p bazaar -p bazaar-loadtest
start_server "${BAZAAR_BENCH_PORT:-18083}"
echo "machine: $(nproc) cores, $(date -u +%F), watchers=$watchers, buyers=$buyers, ${seconds}s per sale, $purchase"
target/release/bazaar-loadtest watchers --server "$base" \
    --watchers "$watchers" --buyers "$buyers" --seconds "$seconds" --server-pid "$server" "${paying[@]}"
