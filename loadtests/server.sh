# Sourced by the load-test scripts: a scratch database (and Redis prefix) and a release server on
# it, rate limits off and no cap on live sessions per address (every load client connects from
# 127.0.0.1), stopped and its database dropped when the script exits.
#
# BAZAAR_BENCH_UNPAID_ORDERS lifts the cap on one customer's orders pending payment (default: the
# server's own, 3). The verified sales, chaos and the soak buy once per buyer and stay within it;
# the closed-loop hot-path benchmarks set it, since their buyers take hold after hold without
# paying, as fast as the server answers.
#
# BAZAAR_BENCH_DATABASE picks the backend: postgres (the default: a scratch database on
# 127.0.0.1:5432, with Redis at $BAZAAR_REDIS_URL, default redis://127.0.0.1:6379, empty for
# none) or sqlite (the embedded database, a file in a scratch directory; no Redis unless
# $BAZAAR_REDIS_URL is given).
#
#   source loadtests/server.sh
#   scratch_database           # sets $database (its name), $database_url, $redis_url, $workdir
#   "${bazaar[@]}" seed ...    # a bazaar subcommand on it
#   start_server PORT          # scratch_database if not yet, then sets $server (pid) and $base
#   server_memory              # the server's resident memory: private, and mapped files
#                              # (the embedded database is memory-mapped for reads)
#
# The admin is $ADMIN_EMAIL / $ADMIN_PASSWORD (defaults below).

ADMIN_EMAIL=${ADMIN_EMAIL:-bench-admin@example.com}
ADMIN_PASSWORD=${ADMIN_PASSWORD:-bench admin password}
server=
database=
database_url=
redis_url=
workdir=
# The bazaar binary with the scratch database's environment (set by scratch_database), as an
# array so that a backgrounded run's pid is the server's own: "${bazaar[@]}" seed ...
bazaar=()

stop_server() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    case "$database_url" in
        postgres*)
            psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null || true
            ;;
    esac
    [ -n "$workdir" ] && rm -rf "$workdir"
    return 0
}

scratch_database() {
    database="bazaar_bench_$(date +%s)_$$"
    workdir=$(mktemp -d)
    trap stop_server EXIT
    case "${BAZAAR_BENCH_DATABASE:-postgres}" in
        postgres)
            database_url="postgres://postgres@127.0.0.1:5432/$database"
            redis_url="${BAZAAR_REDIS_URL-redis://127.0.0.1:6379}"
            ;;
        sqlite)
            database_url="sqlite://$workdir/$database.db"
            redis_url="${BAZAAR_REDIS_URL-}"
            ;;
        *)
            echo "BAZAAR_BENCH_DATABASE is postgres or sqlite, not $BAZAAR_BENCH_DATABASE" >&2
            return 1
            ;;
    esac
    bazaar=(env BAZAAR_DATABASE_URL="$database_url" BAZAAR_REDIS_URL="$redis_url"
        BAZAAR_REDIS_PREFIX="$database" BAZAAR_JWT_KEY_FILE="$workdir/key.pem" BAZAAR_RATE_LIMIT=off
        BAZAAR_LIVE_SESSIONS_PER_ADDRESS=1000000 BAZAAR_METRICS_LISTEN=off
        BAZAAR_MAX_UNPAID_ORDERS="${BAZAAR_BENCH_UNPAID_ORDERS:-3}"
        BAZAAR_ADMIN_EMAIL="$ADMIN_EMAIL" BAZAAR_ADMIN_PASSWORD="$ADMIN_PASSWORD"
        RUST_LOG="${RUST_LOG:-warn}" "${BAZAAR_BINARY:-target/release/bazaar}")
}

# Starts the server on PORT, on the scratch database (made first unless scratch_database ran).
start_server() {
    local port=$1
    [ -n "$database" ] || scratch_database
    base="http://127.0.0.1:$port"
    BAZAAR_LISTEN="127.0.0.1:$port" "${bazaar[@]}" &
    server=$!
    for _ in $(seq 1 300); do
        curl -sf "$base/healthz" >/dev/null && return 0
        sleep 0.2
    done
    echo "the server did not start" >&2
    return 1
}

# The server's resident memory in MB.
# Proportional set sizes: a file page mapped by several connections is counted once.
server_memory() {
    awk '/^Pss_Anon/ {private = $2} /^Pss_File/ {file = $2} /^Pss_Shmem/ {file += $2}
         END {printf "%d MB private, %d MB mapped files", private / 1024, file / 1024}' \
        "/proc/$server/smaps_rollup"
}
