#!/usr/bin/env bash
# Durable sales of ONE hot product per second at several concurrencies, three ways in one run:
# through an inventory actor + the journal (in process), through POST /api/v1/checkout of a
# release server, and the classic row-lock transaction — all against the same PostgreSQL.
#
# Usage: loadtests/hot-path-bench.sh [concurrency=1,16,128] [seconds=10]
# Needs: PostgreSQL and Redis on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

concurrency=${1:-1,16,128}
seconds=${2:-10}
port=${BAZAAR_BENCH_PORT:-18082}
stamp=$(date +%s)
server_db="bazaar_bench_server_$stamp"
bench_db="bazaar_bench_hotpath_$stamp"
workdir=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; for db in "$server_db" "$bench_db"; do psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; done; rm -rf "$workdir"' EXIT

cargo build --release --quiet -p bazaar -p bazaar-loadtest
BAZAAR_LISTEN="127.0.0.1:$port" \
BAZAAR_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$server_db" \
BAZAAR_REDIS_PREFIX="$server_db" \
BAZAAR_JWT_KEY_FILE="$workdir/key.pem" \
BAZAAR_RATE_LIMIT=off \
BAZAAR_ADMIN_EMAIL=bench-admin@example.com \
BAZAAR_ADMIN_PASSWORD="bench admin password" \
RUST_LOG=warn \
    target/release/bazaar &
server=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done

echo "machine: $(nproc) cores, $(date -u +%F), synchronous_commit=$(psql -h 127.0.0.1 -U postgres -Atc 'SHOW synchronous_commit')"
target/release/bazaar-loadtest hot-path \
    --database-url "postgres://postgres@127.0.0.1:5432/$bench_db" \
    --server "http://127.0.0.1:$port" \
    --concurrency "$concurrency" --seconds "$seconds"
