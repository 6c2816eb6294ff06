#!/usr/bin/env bash
# Durable sales of ONE hot product per second at several concurrencies, in one run, on the backend
# of BAZAAR_BENCH_DATABASE (postgres or sqlite; loadtests/server.sh): through an inventory actor + the journal (in process); through
# POST /api/v1/checkout of a release server, as a hold and as the whole purchase (paying in the
# call), with the server's CPU time per sale; and with the classic row-lock transaction on
# PostgreSQL, without and with the payment row.
#
# Usage: loadtests/hot-path-bench.sh [concurrency=1,16,128] [seconds=10]
# Needs: PostgreSQL (the baseline, and the server unless BAZAAR_BENCH_DATABASE=sqlite) and Redis
# on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
# Buyers check out again and again without paying: lift the cap on unpaid orders per customer.
export BAZAAR_BENCH_UNPAID_ORDERS=1000000
source loadtests/server.sh

concurrency=${1:-1,16,128}
seconds=${2:-10}

cargo build --release --quiet -p bazaar -p bazaar-loadtest
start_server "${BAZAAR_BENCH_PORT:-18082}"
echo "machine: $(nproc) cores, $(date -u +%F), synchronous_commit=$(psql -h 127.0.0.1 -U postgres -Atc 'SHOW synchronous_commit')"
# The actor run uses a database of its own beside the server's, on the same backend; the row-lock
# baseline runs on PostgreSQL either way.
case "$database_url" in
    postgres*) direct="postgres://postgres@127.0.0.1:5432/${database}_direct" ;;
    *) direct="sqlite://$workdir/direct.db" ;;
esac
echo "backend: ${BAZAAR_BENCH_DATABASE:-postgres}"
target/release/bazaar-loadtest hot-path --database-url "$direct" \
    --baseline-url "postgres://postgres@127.0.0.1:5432/${database}_baseline" \
    --server "$base" --server-pid "$server" --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" \
    --concurrency "$concurrency" --seconds "$seconds"
for scratch in "${database}_direct" "${database}_baseline"; do
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null
done
