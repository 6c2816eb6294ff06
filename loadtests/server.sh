# Sourced by the load-test scripts: a release server on a scratch database (and Redis prefix),
# rate limits off, with Redis (production: $BAZAAR_REDIS_URL, empty for none), stopped and its
# database dropped when the script exits.
#
#   source loadtests/server.sh
#   start_server PORT          # sets $server (pid), $base (URL), $database
#
# The admin is $ADMIN_EMAIL / $ADMIN_PASSWORD (defaults below).

ADMIN_EMAIL=${ADMIN_EMAIL:-bench-admin@example.com}
ADMIN_PASSWORD=${ADMIN_PASSWORD:-bench admin password}
server=
database=
workdir=

stop_server() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    if [ -n "$database" ]; then
        psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null || true
    fi
    [ -n "$workdir" ] && rm -rf "$workdir"
    return 0
}

start_server() {
    local port=$1
    database="bazaar_bench_$(date +%s)_$$"
    workdir=$(mktemp -d)
    base="http://127.0.0.1:$port"
    trap stop_server EXIT
    BAZAAR_LISTEN="127.0.0.1:$port" \
    BAZAAR_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$database" \
    BAZAAR_REDIS_URL="${BAZAAR_REDIS_URL-redis://127.0.0.1:6379}" \
    BAZAAR_REDIS_PREFIX="$database" \
    BAZAAR_JWT_KEY_FILE="$workdir/key.pem" \
    BAZAAR_RATE_LIMIT=off \
    BAZAAR_ADMIN_EMAIL="$ADMIN_EMAIL" \
    BAZAAR_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    RUST_LOG=${RUST_LOG:-warn} \
        "${BAZAAR_BINARY:-target/release/bazaar}" &
    server=$!
    for _ in $(seq 1 300); do
        curl -sf "$base/healthz" >/dev/null && return 0
        sleep 0.2
    done
    echo "the server did not start" >&2
    return 1
}
