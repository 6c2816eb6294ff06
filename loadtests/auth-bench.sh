#!/usr/bin/env bash
# What authentication costs: /healthz, POST /api/v1/auth/login (argon2id bound) and
# GET /api/v1/users/me (token verification bound) at the same concurrency, measured with wrk
# against one release build of the server in one session, so the ratios are comparable.
#
# Usage: loadtests/auth-bench.sh [connections=64] [seconds=15]
# Needs: PostgreSQL and Redis on 127.0.0.1, wrk (apt-get install wrk), curl, jq.
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtests/server.sh

connections=${1:-64}
seconds=${2:-15}
cargo build --release --quiet --bin bazaar
start_server "${BAZAAR_BENCH_PORT:-18080}"

json() { curl -sf "$base$1" -H 'content-type: application/json' "${@:2}"; }
admin=$(json /api/v1/auth/login -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" | jq -r .access_token)
json /api/v1/admin/users -H "authorization: Bearer $admin" \
    -d '{"email":"bench@example.com","password":"bench password 123","name":"Bench","role":"customer"}' >/dev/null
token=$(json /api/v1/auth/login -d '{"email":"bench@example.com","password":"bench password 123"}' | jq -r .access_token)

cat > "$workdir/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"bench password 123"}'
LUA

run() {
    local name=$1; shift
    echo "### $name"
    wrk --latency -t2 -c"$connections" -d"${seconds}s" "$@" | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx|Socket errors'
}

echo "machine: $(nproc) cores, $(date -u +%F), connections=$connections, ${seconds}s each"
run "GET /healthz" "$base/healthz"
run "POST /api/v1/auth/login" -s "$workdir/login.lua" "$base/api/v1/auth/login"
run "GET /api/v1/users/me" -H "Authorization: Bearer $token" "$base/api/v1/users/me"
run "GET /healthz (again, after)" "$base/healthz"
