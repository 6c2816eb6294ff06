#!/usr/bin/env bash
# The side-by-side benchmark: one hot product sold through Bazaar (POST /checkout of a release
# server, and its actor + journal in process) and with the classic row-lock transaction, at each
# concurrency, in one run against one PostgreSQL; then, at each concurrency, a verified flash sale
# (1,000 buyers for 500 units, that many checkouts in flight) that must pass every check. Both
# tables (the hot path with the hold and the whole purchase, and the flash sales) replace the
# block between the bench markers in docs/BENCHMARKS.md and in README.md.
#
# Usage: loadtests/bench.sh [concurrency=1,16,64,256] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
# Buyers check out again and again without paying: lift the cap on unpaid orders per customer.
export BAZAAR_BENCH_UNPAID_ORDERS=1000000

concurrency=${1:-1,16,64,256}
seconds=${2:-10}

if ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi

output=$(mktemp)
loadtests/hot-path-bench.sh "$concurrency" "$seconds" | tee "$output"
table=$(sed -n '/^| callers/,$p' "$output")
machine=$(grep '^machine:' "$output")
rm -f "$output"

# The verified flash sale at each concurrency, on a server of its own.
sales=$(
    source loadtests/server.sh
    start_server "${BAZAAR_BENCH_PORT:-18083}" >&2
    echo "| in flight | paid orders/s | response time from arrival p50 / p99 | checks |"
    echo "|---:|---:|---:|---|"
    for n in ${concurrency//,/ }; do
        # A failed check fails the benchmark: its figures would not count.
        target/release/bazaar-loadtest flash-sale --server "$base" \
            --database-url "$database_url" \
            --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" --buyers 1000 --stock 500 \
            --concurrency "$n" --report "$workdir/sale-$n.json" >&2 || exit 1
        jq -r --arg n "$n" '"| \($n) | \(.result.orders_per_second | floor) | \(.result.response_ms.p50 | round) / \(.result.response_ms.p99 | round) ms | \(if .passed then "all passed" else "FAILED" end) |"' \
            "$workdir/sale-$n.json"
    done
)
echo "$sales"

block="<!-- bench:start -->
Latest \`loadtests/bench.sh $concurrency $seconds\` ($machine):

$table

Verified flash sales on the same machine right after (\`bazaar-loadtest flash-sale --buyers 1000
--stock 500 --concurrency N\`; every check must pass). All 1,000 buyers arrive at once and at most N
checkouts are in flight, so the response time, measured from arrival, includes the wait for a
slot; paid orders/s counts the whole run, the refusals after the sell-out included:

$sales
<!-- bench:end -->"
for path in docs/BENCHMARKS.md README.md; do
    if ! grep -q '<!-- bench:start -->' "$path"; then
        echo "$path has no <!-- bench:start --> ... <!-- bench:end --> block" >&2
        exit 1
    fi
    python3 - "$path" "$block" <<'PY'
import sys, re
path, block = sys.argv[1], sys.argv[2]
text = open(path).read()
text = re.sub(r"<!-- bench:start -->.*?<!-- bench:end -->", lambda _: block, text, flags=re.S)
open(path, "w").write(text)
PY
done
echo "tables written to docs/BENCHMARKS.md and README.md"
