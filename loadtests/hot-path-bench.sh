#!/usr/bin/env bash
# Durable sales of ONE hot product per second at several concurrencies, three ways in one run:
# through an inventory actor + the journal (in process), through POST /api/v1/checkout of a
# release server, and the classic row-lock transaction — all against the same PostgreSQL.
#
# Usage: loadtests/hot-path-bench.sh [concurrency=1,16,128] [seconds=10]
# Needs: PostgreSQL and Redis on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtests/server.sh

concurrency=${1:-1,16,128}
seconds=${2:-10}

cargo build --release --quiet -p bazaar -p bazaar-loadtest
start_server "${BAZAAR_BENCH_PORT:-18082}"
echo "machine: $(nproc) cores, $(date -u +%F), synchronous_commit=$(psql -h 127.0.0.1 -U postgres -Atc 'SHOW synchronous_commit')"
# The actor and baseline runs use a database of their own beside the server's.
target/release/bazaar-loadtest hot-path \
    --database-url "postgres://postgres@127.0.0.1:5432/${database}_direct" \
    --server "$base" --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" \
    --concurrency "$concurrency" --seconds "$seconds"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS ${database}_direct WITH (FORCE)" >/dev/null
