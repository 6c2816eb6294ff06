#!/usr/bin/env bash
# 10,000 WebSocket watchers of one hot product while it sells: the delay from a stock change to
# the watchers' message, messages per second, server memory per connection, and the checkout rate
# with watchers against the rate without them, in one run.
#
# Usage: loadtests/watchers-bench.sh [watchers=10000] [buyers=64] [seconds=10]
# Needs: PostgreSQL and Redis on 127.0.0.1; `ulimit -n` above twice the watchers.
set -euo pipefail
cd "$(dirname "$0")/.."

watchers=${1:-10000}
buyers=${2:-64}
seconds=${3:-10}
port=${BAZAAR_BENCH_PORT:-18083}
database="bazaar_bench_watchers_$(date +%s)"
workdir=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null; rm -rf "$workdir"' EXIT

cargo build --release --quiet -p bazaar -p bazaar-loadtest
BAZAAR_LISTEN="127.0.0.1:$port" \
BAZAAR_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$database" \
BAZAAR_REDIS_PREFIX="$database" \
BAZAAR_JWT_KEY_FILE="$workdir/key.pem" \
BAZAAR_RATE_LIMIT=off \
BAZAAR_ADMIN_EMAIL=bench-admin@example.com \
BAZAAR_ADMIN_PASSWORD="bench admin password" \
RUST_LOG=warn \
    target/release/bazaar &
server=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done

echo "machine: $(nproc) cores, $(date -u +%F), watchers=$watchers, buyers=$buyers, ${seconds}s per sale"
target/release/bazaar-loadtest watchers --server "http://127.0.0.1:$port" \
    --watchers "$watchers" --buyers "$buyers" --seconds "$seconds" --server-pid "$server"
