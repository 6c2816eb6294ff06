#!/usr/bin/env bash
# Fuzzes the public API with schemathesis against a release build: every operation of
# /api/openapi.json, as a customer and as a seller. Fails on a server error, an answer that breaks
# its documented schema, or a status or content type the document does not list. Run by CI.
#
# Usage: tests/contract/schemathesis.sh [max-examples per operation=25]
# Needs: python3 with venv; PostgreSQL and Redis on 127.0.0.1, or BAZAAR_BENCH_DATABASE=sqlite.
# schemathesis is pinned in tests/contract/requirements.txt and installed into a virtualenv
# ($SCHEMATHESIS_VENV, default target/schemathesis-venv) on first use.
set -euo pipefail
cd "$(dirname "$0")/../.."
source loadtests/server.sh

examples=${1:-25}
venv=${SCHEMATHESIS_VENV:-target/schemathesis-venv}
if [ ! -x "$venv/bin/st" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --requirement tests/contract/requirements.txt
fi

cargo build --release --quiet --bin bazaar
# Tokens outlive the run, so no operation drifts into (documented) 401s halfway through.
export BAZAAR_ACCESS_TOKEN_TTL_SECS=3600
start_server "${BAZAAR_CHECK_PORT:-18087}"

json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
post() { curl -sf "$base$1" -H 'content-type: application/json' "${@:3}" -d "$2"; }
sign_in() {
    post /api/v1/auth/login "{\"email\":\"$1\",\"password\":\"$2\"}" | json_field access_token
}

admin=$(sign_in "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
password='contract test password'
failed=0
for role in customer seller; do
    email="$role-$(date +%s%N)@example.com"
    post /api/v1/admin/users \
        "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"Contract $role\",\"role\":\"$role\"}" \
        -H "authorization: Bearer $admin" >/dev/null
    token=$(sign_in "$email" "$password")
    echo "== schemathesis as a $role"
    # Not fuzzed: logout would end the very session under test, and an event stream never ends.
    "$venv/bin/st" run "$base/api/openapi.json" \
        --header "Authorization: Bearer $token" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
        --phases examples,coverage,fuzzing \
        --max-examples "$examples" \
        --workers 2 \
        --request-timeout 10 \
        --exclude-path /api/v1/auth/logout \
        --exclude-path /api/v1/events ||
        failed=1
done
exit "$failed"
