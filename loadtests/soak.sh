#!/usr/bin/env bash
# Soak: mixed load against a release build for N minutes (searches, product and category pages,
# cart adds and paid checkouts arriving at a fixed rate, while WebSocket watchers stay subscribed),
# the server's own memory sampled every 10 s. Fails when a request fails (5xx, no answer, a
# watcher dropped) or when memory grows steadily: after the first third (warm-up: caches, pools,
# actors), the least-squares slope of the samples must stay under the limit.
#
# The default limit is what ten minutes can resolve: memory that stays level still wanders by about
# 10 MB as the allocator keeps and returns pages, and three runs of one build measured slopes from
# -1.10 to +1.38 MB/min. A smaller leak needs a longer run: the noise in the slope falls with the
# length of the run (docs/BENCHMARKS.md, "Soak").
#
# Usage: loadtests/soak.sh [minutes=10] [rate=1500] [watchers=200] [limit MB/min=1.5] [buyers=50]
# The checkouts come from `buyers` customers: 50 make repeat buyers with thousands of orders each
# over ten minutes, so nothing a checkout does may grow with a customer's history.
# Needs: PostgreSQL and Redis on 127.0.0.1, or BAZAAR_BENCH_DATABASE=sqlite (loadtests/server.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtests/server.sh

minutes=${1:-10}
rate=${2:-1500}
watchers=${3:-200}
limit=${4:-1.5}
buyers=${5:-50}

cargo build --release --quiet -p bazaar -p bazaar-loadtest
start_server "${BAZAAR_BENCH_PORT:-18088}"
echo "machine: $(nproc) cores, $(date -u +%F), backend=${BAZAAR_BENCH_DATABASE:-postgres}, ${minutes} min at ${rate}/s, ${watchers} watchers"
target/release/bazaar-loadtest browse --server "$base" --admin "$ADMIN_EMAIL:$ADMIN_PASSWORD" \
    --rate "$rate" --seconds "$((minutes * 60))" --watchers "$watchers" --buyers "$buyers" \
    --mix search=10,product=76,category=6,cart=4,checkout=4 --seed 7 &
load=$!
samples="$workdir/memory.tsv"
started=$(date +%s)
while kill -0 "$load" 2>/dev/null; do
    sleep 10
    kill -0 "$load" 2>/dev/null || break
    private_kib=$(awk '/^Pss_Anon/ {print $2}' "/proc/$server/smaps_rollup")
    echo "$(($(date +%s) - started)) $private_kib" | tee -a "$samples"
done
wait "$load"
awk -v limit="$limit" '
    { t[NR] = $1 / 60; m[NR] = $2 / 1024 }
    END {
        from = int(NR / 3) + 1
        if (NR - from < 2) { print "too few samples to judge memory"; exit 1 }
        for (i = from; i <= NR; i++) { n++; st += t[i]; sm += m[i]; stt += t[i] * t[i]; stm += t[i] * m[i] }
        slope = (n * stm - st * sm) / (n * stt - st * st)
        printf "server memory: %.0f MB at the first sample, %.0f MB at the last; after warm-up %+.2f MB/min (limit %.2f)\n", m[1], m[NR], slope, limit
        exit (slope > limit)
    }' "$samples"
