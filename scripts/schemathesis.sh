#!/usr/bin/env bash
# Fuzzes both OpenAPI documents with a pinned Schemathesis against a fresh embedded api and admin
# API: every check, every phase (examples, coverage, fuzzing, stateful), positive and negative data,
# a fixed seed. Fails on any failure. Used by .ci/run; locally:
#
#   bash scripts/schemathesis.sh                 # seed 1, 50 examples per operation
#   SEED=7 EXAMPLES=100 bash scripts/schemathesis.sh
#   bash scripts/schemathesis.sh admin           # one document only (api | admin)
#
# Needs python3 (venv + pip, from PyPI) and nothing else: the api runs embedded (SQLite, local
# files) in a temporary directory. The virtualenv is cached under ~/.cache/cercat/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
HERE=$ROOT/scripts/schemathesis
SEED=${SEED:-1}
EXAMPLES=${EXAMPLES:-50}
WHICH=${1:-all}

ST_VERSION=$(sed -n 's/^schemathesis==//p' "$HERE/requirements.txt")
VENV=${CERCAT_ST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/cercat/schemathesis-$ST_VERSION}
if ! cmp -s "$HERE/requirements.txt" "$VENV/requirements.txt" 2>/dev/null; then
  echo "installing schemathesis $ST_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$HERE/requirements.txt"
  cp "$HERE/requirements.txt" "$VENV/requirements.txt"
fi

# The three programs in one build (the same set as the other CI scripts: one feature set, built once).
CARGO_INCREMENTAL=0 cargo build --locked --quiet -p cercat-api -p cercat-admin -p cercat-batch --bins
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
API_BIN=$TARGET/debug/cercat-api
ADMIN_BIN=$TARGET/debug/cercat-admin

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API_PORT=$(free_port)
ADMIN_PORT=$(free_port)
export CERCAT__DATA_DIR=$WORK/data CERCAT__SERVER__PORT=$API_PORT CERCAT__ADMIN__PORT=$ADMIN_PORT \
  CERCAT__LOG__FORMAT=json RUST_LOG=${RUST_LOG:-warn}
(cd "$WORK" && exec "$API_BIN" >"$WORK/api.log" 2>&1) &
PIDS+=($!)
wait_for() {
  for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null "$1"; then return 0; fi
    sleep 0.2
  done
  echo "$2 did not start; its log:" >&2
  tail -50 "$3" >&2
  exit 1
}
wait_for "http://127.0.0.1:$API_PORT/health/live" api "$WORK/api.log"
(cd "$WORK" && exec "$ADMIN_BIN" serve >"$WORK/admin.log" 2>&1) &
PIDS+=($!)
wait_for "http://127.0.0.1:$ADMIN_PORT/health/live" "admin API" "$WORK/admin.log"

export SCHEMATHESIS_HOOKS=hooks PYTHONPATH=$HERE CERCAT_ST_BASE=http://127.0.0.1:$API_PORT \
  CERCAT_ST_ADMIN_BIN=$ADMIN_BIN CERCAT_ST_HOOK_LOG=$WORK/hooks.log
status=0
fuzz() { # name document-url base-url role
  echo "== schemathesis: $1 (seed $SEED, $EXAMPLES examples per operation)"
  CERCAT_ST_ROLE=$4 "$VENV/bin/schemathesis" --config-file "$HERE/schemathesis.toml" run "$2" \
    --url "$3" --seed "$SEED" --max-examples "$EXAMPLES" \
    --report junit --report-dir "$WORK/report-$1" || status=1
}
if [ "$WHICH" = all ] || [ "$WHICH" = api ]; then
  fuzz api "http://127.0.0.1:$API_PORT/api-docs/openapi.json" "http://127.0.0.1:$API_PORT" member
fi
if [ "$WHICH" = all ] || [ "$WHICH" = admin ]; then
  fuzz admin "http://127.0.0.1:$ADMIN_PORT/api-docs/openapi.json" "http://127.0.0.1:$ADMIN_PORT" admin
fi
if [ -s "$WORK/hooks.log" ]; then
  echo "== sign-ins that failed (scripts/schemathesis/hooks.py)"
  tail -20 "$WORK/hooks.log"
fi
if [ $status != 0 ]; then
  echo "schemathesis found failures (api log: KEEP=1 keeps $WORK)" >&2
fi
exit $status
