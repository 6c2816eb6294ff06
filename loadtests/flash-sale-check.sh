#!/usr/bin/env bash
# A small flash sale against a release build, verified: the load-test harness checking the server
# (and itself). Exits non-zero if the sale or a verification fails. Run by CI.
#
# Usage: loadtests/flash-sale-check.sh [buyers=300] [stock=100]
# BAZAAR_CHECK_WALLET: the share of buyers paying from a wallet (0.1; 0 for a server without
# wallets, measured beside the current build with BAZAAR_BINARY).
# Needs: PostgreSQL and Redis on 127.0.0.1, or BAZAAR_BENCH_DATABASE=sqlite (loadtests/server.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtests/server.sh

buyers=${1:-300}
stock=${2:-100}

cargo build --release --quiet -p bazaar -p bazaar-loadtest
start_server "${BAZAAR_CHECK_PORT:-18085}"
echo "server idle: $(server_memory)"
target/release/bazaar-loadtest flash-sale --server "$base" \
    --database-url "$database_url" \
    --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" \
    --stock "$stock" --buyers "$buyers" --units 1 --declined 0.1 --wallet "${BAZAAR_CHECK_WALLET:-0.1}" --report "$workdir/report.json"
echo "server after the sale: $(server_memory)"
