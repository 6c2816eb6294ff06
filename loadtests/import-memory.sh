#!/usr/bin/env bash
# What a hostile import costs the server: its private memory, sampled every 100 ms, while one
# seller uploads MB megabytes of bad rows (one-character lines: 50 MB is ~25 million failures),
# then one CSV line of 8 MiB. Fails if either grows the server by more than the limit.
# BAZAAR_BINARY=path measures another build (an earlier one answers every failure: give it a
# small MB).
#
# Usage: loadtests/import-memory.sh [limit MB=64] [MB of bad rows=50]
# Needs: PostgreSQL and Redis on 127.0.0.1, or BAZAAR_BENCH_DATABASE=sqlite; curl and jq.
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtests/server.sh

limit=${1:-64}
megabytes=${2:-50}
cargo build --release --quiet --bin bazaar
start_server "${BAZAAR_CHECK_PORT:-18088}"

private_mb() { awk '/^Pss_Anon/ {print int($2 / 1024)}' "/proc/$server/smaps_rollup"; }
login() {
    curl -sf "$base/api/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"email\":\"$1\",\"password\":\"$2\"}" | jq -r .access_token
}
admin=$(login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
curl -sf "$base/api/v1/admin/users" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
    -d '{"email":"hostile@example.com","password":"hostile password","name":"Hostile","role":"seller"}' >/dev/null
seller=$(login hostile@example.com 'hostile password')
catalog=$(curl -sf "$base/api/v1/catalogs" -H "authorization: Bearer $seller" \
    -H 'content-type: application/json' -d '{"name":"Hostile"}' | jq -r .id)

bad_rows="$workdir/bad-rows.csv"
{
    echo "sku,name,category_id,price_cents,currency"
    head -c $((megabytes * 500 * 1000)) /dev/zero | tr '\0' 'x' | fold -w 1
} | head -c $((megabytes * 1000 * 1000)) >"$bad_rows"
long_line="$workdir/long-line.csv"
{
    echo "sku,name,category_id,price_cents,currency"
    head -c $((8 * 1024 * 1024)) /dev/zero | tr '\0' 'y'
    echo
} >"$long_line"

# Uploads FILE while sampling the server; prints the report's counts and the growth.
measure() {
    local name=$1 file=$2
    local before peak report sampler
    sleep 1
    before=$(private_mb)
    echo "$before" >"$workdir/peak"
    (
        peak=$before
        while kill -0 "$server" 2>/dev/null; do
            now=$(private_mb)
            [ "$now" -gt "$peak" ] && peak=$now && echo "$peak" >"$workdir/peak"
            sleep 0.1
        done
    ) &
    sampler=$!
    report=$(curl -sf "$base/api/v1/catalogs/$catalog/import" -H "authorization: Bearer $seller" \
        -H 'content-type: text/csv' --data-binary "@$file")
    sleep 0.3
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    peak=$(cat "$workdir/peak")
    local growth=$((peak - before))
    printf '%s: %s bytes, %s rows failed (%s listed), %s KB answer; server %s -> peak %s MB private (+%s MB)\n' \
        "$name" "$(stat -c %s "$file")" "$(jq .failed_count <<<"$report")" \
        "$(jq '.failed | length' <<<"$report")" "$((${#report} / 1024))" "$before" "$peak" "$growth"
    if [ "$growth" -gt "$limit" ]; then
        echo "FAIL: $name grew the server by $growth MB (limit $limit MB)" >&2
        return 1
    fi
}

measure "$megabytes MB of bad rows" "$bad_rows"
measure "one 8 MiB line" "$long_line"
echo "ok: both stayed within $limit MB"
