#!/usr/bin/env bash
# A small flash sale against a release build, verified: the load-test harness checking the server
# (and itself). Exits non-zero if the sale or a verification fails. Run by CI.
#
# Usage: loadtests/flash-sale-check.sh [buyers=300] [stock=100]
# Needs: PostgreSQL and Redis on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

buyers=${1:-300}
stock=${2:-100}
port=${BAZAAR_CHECK_PORT:-18085}
database="bazaar_flash_check_$(date +%s)"
workdir=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null; rm -rf "$workdir"' EXIT

cargo build --release --quiet -p bazaar -p bazaar-loadtest
BAZAAR_LISTEN="127.0.0.1:$port" \
BAZAAR_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$database" \
BAZAAR_REDIS_PREFIX="$database" \
BAZAAR_JWT_KEY_FILE="$workdir/key.pem" \
BAZAAR_RATE_LIMIT=off \
BAZAAR_ADMIN_EMAIL=check-admin@example.com \
BAZAAR_ADMIN_PASSWORD="check admin password" \
RUST_LOG=warn \
    target/release/bazaar &
server=$!
for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.2
done

target/release/bazaar-loadtest flash-sale --server "http://127.0.0.1:$port" \
    --database-url "postgres://postgres@127.0.0.1:5432/$database" \
    --admin "check-admin@example.com:check admin password" \
    --stock "$stock" --buyers "$buyers" --units 1 --declined 0.1 --report "$workdir/report.json"
