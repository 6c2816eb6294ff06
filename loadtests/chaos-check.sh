#!/usr/bin/env bash
# A short chaos run against a release build, verified: a flash sale while the server is killed
# with SIGKILL and restarted. On PostgreSQL, PostgreSQL is also stopped in immediate mode (when
# this machine's cluster can be controlled with pg_ctlcluster) and Redis is paused. Exits
# non-zero if a check fails. Run by CI on both backends.
#
# Usage: loadtests/chaos-check.sh [buyers=600] [stock=200] [kills=3]
# BAZAAR_CHAOS_SEED replays a run: the faults' schedule and the buyers of the seed it printed.
# Needs: PostgreSQL and Redis on 127.0.0.1, or BAZAAR_BENCH_DATABASE=sqlite (loadtests/server.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtests/server.sh

buyers=${1:-600}
stock=${2:-200}
kills=${3:-3}
port=${BAZAAR_CHECK_PORT:-18086}
scratch_database

faults=()
if [ -n "$redis_url" ]; then
    faults+=(--pause-redis "$redis_url")
fi
case "$database_url" in
    postgres*)
        # Stop PostgreSQL too when this is a Debian cluster we can control (as on CI).
        cluster=$(pg_lsclusters --no-header 2>/dev/null | awk '$3 == 5432 && $4 == "online" { print $1 " " $2; exit }' || true)
        if [ -n "$cluster" ] && [ "$(id -u)" = 0 ]; then
            faults+=(--postgres-ctl "pg_ctlcluster --skip-systemctl-redirect $cluster")
        else
            echo "PostgreSQL is not a local cluster this user controls: it will not be stopped" >&2
        fi
        ;;
esac

cargo build --release --quiet -p bazaar -p bazaar-loadtest
export BAZAAR_DATABASE_URL="$database_url"
export BAZAAR_REDIS_URL="$redis_url"
export BAZAAR_REDIS_PREFIX="$database"
export BAZAAR_JWT_KEY_FILE="$workdir/key.pem"
export BAZAAR_RATE_LIMIT=off
export BAZAAR_LIVE_SESSIONS_PER_ADDRESS=1000000
export BAZAAR_METRICS_LISTEN=off
export BAZAAR_ADMIN_EMAIL="$ADMIN_EMAIL"
export BAZAAR_ADMIN_PASSWORD="$ADMIN_PASSWORD"
export RUST_LOG=${RUST_LOG:-error}
target/release/bazaar-loadtest chaos --bazaar target/release/bazaar --listen "127.0.0.1:$port" \
    --database-url "$database_url" \
    --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" \
    --buyers "$buyers" --stock "$stock" --extra-products 2 --declined 0.1 --wallet 0.1 --rate 150 \
    ${BAZAAR_CHAOS_SEED:+--seed "$BAZAAR_CHAOS_SEED"} --kills "$kills" ${faults[@]+"${faults[@]}"} --report "$workdir/chaos.json"
