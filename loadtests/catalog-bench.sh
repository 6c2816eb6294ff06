#!/usr/bin/env bash
# Catalog figures on 100,000 products: search latency (text query with filters and facets),
# GET /products/{id} throughput beside /healthz in the same run, import rows per second, and the
# server's resident memory.
#
# Usage: loadtests/catalog-bench.sh [products=100000] [connections=64] [seconds=15]
# Needs: wrk, curl, jq; PostgreSQL and Redis on 127.0.0.1, or BAZAAR_BENCH_DATABASE=sqlite
# (loadtests/server.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtests/server.sh

products=${1:-100000}
connections=${2:-64}
seconds=${3:-15}

cargo build --release --quiet --bin bazaar
scratch_database
echo "machine: $(nproc) cores, $(date -u +%F), backend=${BAZAAR_BENCH_DATABASE:-postgres}, products=$products, connections=$connections, ${seconds}s per run"
seed_started=$(date +%s.%N)
"${bazaar[@]}" seed --products "$products"
echo "seed: $(echo "$(date +%s.%N) - $seed_started" | bc) s"
start_server "${BAZAAR_BENCH_PORT:-18081}"

run() {
    local name=$1; shift
    echo "### $name"
    wrk --latency -t2 -c"$connections" -d"${seconds}s" "$@" | grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors'
}

# One client at a time: the latency of a query on its own, without queueing behind others.
run_alone() {
    local name=$1; shift
    echo "### $name (1 connection)"
    wrk --latency -t1 -c1 -d"${seconds}s" "$@" | grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors'
}

product=$(curl -sf "$base/api/v1/products?per_page=1" | jq -r '.items[0].id')
query="q=steel%20lamp&category=seed-lighting&min_price=1000&max_price=150000&in_stock=true"
echo "search query: /api/v1/products?$query -> $(curl -sf "$base/api/v1/products?$query" | jq .total) matches"
# Alternated three times: this machine's throughput drifts by tens of percent between runs,
# so the ratio is taken between neighbouring runs.
for round in 1 2 3; do
    run "GET /healthz (round $round)" "$base/healthz"
    run "GET /api/v1/products/{id} (round $round)" "$base/api/v1/products/$product"
done
run_alone "search: text + filters + facets" "$base/api/v1/products?$query"
run "search: text + filters + facets" "$base/api/v1/products?$query"
run_alone "search: browse a category, facets, newest" "$base/api/v1/products?category=seed-electronics"
run "search: browse a category, facets, newest" "$base/api/v1/products?category=seed-electronics"
echo "server after the reads: $(server_memory)"

# Import: a fresh seller's catalog, a CSV of $products rows in the seeded categories.
admin=$(curl -sf "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" | jq -r .access_token)
curl -sf "$base/api/v1/admin/users" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
    -d '{"email":"importer@example.com","password":"importer password","name":"Importer","role":"seller"}' >/dev/null
seller=$(curl -sf "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"importer@example.com","password":"importer password"}' | jq -r .access_token)
catalog=$(curl -sf "$base/api/v1/catalogs" -H "authorization: Bearer $seller" -H 'content-type: application/json' \
    -d '{"name":"Bench import"}' | jq -r .id)
category=$(curl -sf "$base/api/v1/categories" | jq -r '.. | objects | select(.slug? == "seed-lamps") | .id')
{
    echo "sku,name,description,brand,category_id,price_cents,currency,stock,images"
    for ((n = 0; n < products; n++)); do
        echo "IMP-$n,Imported lamp $n,\"A lamp, number $n, for reading\",Lumen,$category,$((500 + n % 50000)),EUR,$((n % 40)),https://cdn.example.com/$n.jpg"
    done
} > "$workdir/import.csv"
import() {
    local started elapsed
    started=$(date +%s.%N)
    curl -sf "$base/api/v1/catalogs/$catalog/import" -H "authorization: Bearer $seller" \
        -H 'content-type: text/csv' --data-binary @"$workdir/import.csv" | jq -c '{created, updated, failed: (.failed | length)}'
    elapsed=$(echo "$(date +%s.%N) - $started" | bc)
    echo "$1: ${elapsed} s, $(echo "$products / $elapsed" | bc) rows/s"
}
echo "### import: $products rows, $(du -h "$workdir/import.csv" | cut -f1)"
import import
echo "### re-import (all updates)"
import re-import
echo "server after the imports: $(server_memory)"
