#!/usr/bin/env bash
# The side-by-side benchmark: one hot product sold through Bazaar (POST /checkout of a release
# server, and its actor + journal in process) and with the classic row-lock transaction, at each
# concurrency, in one run against one PostgreSQL. The table goes into docs/BENCHMARKS.md between
# the bench markers.
#
# Usage: loadtests/bench.sh [concurrency=1,16,64,256] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."

concurrency=${1:-1,16,64,256}
seconds=${2:-10}

if ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi

output=$(mktemp)
loadtests/hot-path-bench.sh "$concurrency" "$seconds" | tee "$output"
table=$(sed -n '/^| callers/,$p' "$output")
machine=$(grep '^machine:' "$output")
rm -f "$output"

block="<!-- bench:start -->
Latest \`loadtests/bench.sh $concurrency $seconds\` ($machine):

$table
<!-- bench:end -->"
if grep -q '<!-- bench:start -->' docs/BENCHMARKS.md; then
    python3 - "$block" <<'PY'
import sys, re
path = "docs/BENCHMARKS.md"
text = open(path).read()
text = re.sub(r"<!-- bench:start -->.*?<!-- bench:end -->", lambda _: sys.argv[1], text, flags=re.S)
open(path, "w").write(text)
PY
else
    printf '\n## Side-by-side benchmark (loadtests/bench.sh)\n\n%s\n' "$block" >> docs/BENCHMARKS.md
fi
echo "table written to docs/BENCHMARKS.md"
