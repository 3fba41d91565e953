#!/usr/bin/env bash
# Runs schemathesis (PyPI) against the OpenAPI document a demo `nguon` serves, once with an
# organisation's API key and once with a province key, and prints each run's summary.
# By hand, not in CI: `pip install schemathesis`, then `scripts/schemathesis.sh [PORT] [EXAMPLES]`;
# NGUON_BIN=target/release/nguon runs that build instead of building the debug one.
# Needs the sqlite3 command to pick an approved demo organisation.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-8097}"
examples="${2:-25}"
work="$(mktemp -d)"
bin="${NGUON_BIN:-}"
if [[ -z "$bin" ]]; then
    cargo build -q -p nguon
    bin=target/debug/nguon
fi
"$bin" demo --database "$work/st.db" --force --listen "127.0.0.1:$port" >"$work/demo.log" 2>&1 &
demo=$!
trap 'kill "$demo" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do
    grep -q "listening on" "$work/demo.log" && break
    sleep 1
done
grep -q "listening on" "$work/demo.log" || { echo "the demo did not start; see $work/demo.log" >&2; exit 1; }
organisation="$(sqlite3 "$work/st.db" "SELECT tax_code FROM organisations WHERE status = 'approved' LIMIT 1")"
for who in organisation province; do
    if [[ "$who" == organisation ]]; then
        key="$("$bin" key create --database "$work/st.db" --org "$organisation" --label schemathesis)"
    else
        key="$("$bin" key create --database "$work/st.db" --label schemathesis)"
    fi
    echo "== schemathesis with the $who key"
    st run "http://127.0.0.1:$port/api/openapi.json" --url "http://127.0.0.1:$port" \
        -H "Authorization: Bearer $key" --checks all --max-examples "$examples" --workers 2 --seed 1 \
        | sed -n '/SUMMARY/,$p' || true
done
