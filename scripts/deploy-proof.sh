#!/usr/bin/env bash
# The blue-green proof: Debian's nginx with deploy/nginx rendered for 127.0.0.1, the api in the
# production profile over this machine's MariaDB and Redis (Kafka: librdkafka's mock cluster,
# hosted by the load generator so it outlives every colour), deployed DEPLOYS times with
# deploy/bluegreen.sh (BG_MODE=local) and rolled back once, under RATE requests a second of
# reads and likes and STREAMS alarm streams that reconnect with Last-Event-ID. Fails unless no
# request failed, every like's alarm arrived once, every stream came back after every deploy,
# and every switch (start → ready → nginx reloaded) took at most MAX_SWITCH_SECS.
#
# Usage: bash scripts/deploy-proof.sh [DEPLOYS] [RATE] [STREAMS]   (defaults 5, 300, 200)
#   PROOF_PROFILE=release  runs target/release binaries (default: debug, what CI has built)
#   REPORT=path            also writes the report there
set -euo pipefail
cd "$(dirname "$0")/.."
DEPLOYS=${1:-5}
RATE=${2:-300}
STREAMS=${3:-200}
MAX_SWITCH_SECS=${MAX_SWITCH_SECS:-15}
profile=${PROOF_PROFILE:-debug}
NGINX_PORT=18380
BLUE_PORT=18381
GREEN_PORT=18382

command -v nginx >/dev/null || {
  echo "installing nginx-light (Debian)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light >/dev/null
}
flag=(); [ "$profile" = release ] && flag=(--release)
# Two builds: the example brings the dev-dependencies' features, which the api must not get
# (the first is the same set as the other CI scripts', so CI builds it once).
cargo build --locked --quiet "${flag[@]}" -p cercat-api -p cercat-admin -p cercat-batch --bins
cargo build --locked --quiet "${flag[@]}" -p cercat-api --example deploy_proof
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin=$TARGET/$profile/cercat-api
proof=$TARGET/$profile/examples/deploy_proof

source bench/production.sh
stop_all() {
  [ -n "${nginx_cmd:-}" ] && $nginx_cmd -s stop 2>/dev/null || true
  for c in blue green; do
    pid=$(cat "$work/nginx/$c.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done
  sleep 1
}
on_exit=stop_all
api_env $BLUE_PORT cercat_deploy_proof
export CERCAT__LOG__LEVEL=info
export CERCAT__JOBS__WORKERS_IN_PROCESS=true
export CERCAT__KAFKA__FETCH_WAIT_MS=50
export CERCAT__SERVER__BEHIND_PROXY=true
export CERCAT__SERVER__TRUSTED_PROXIES='["127.0.0.1/32"]'
export CERCAT__SERVER__DRAIN_SECS=${DRAIN_SECS:-5}

mkdir -p "$work/control"
"$proof" "$work/bootstrap" "http://127.0.0.1:$NGINX_PORT" "$work/control" "$RATE" "$STREAMS" \
  >"$work/report.md" 2>"$work/gen.log" &
gen_pid=$!
for _ in $(seq 1 300); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
[ -s "$work/bootstrap" ] || { cat "$work/gen.log" >&2; exit 1; }
export CERCAT__KAFKA__BROKERS=$(cat "$work/bootstrap")

# nginx starts pointing at green, which is not running: the first bluegreen.sh starts blue.
bash deploy/nginx/render.sh "$work/nginx" "127.0.0.1:$NGINX_PORT" "http://127.0.0.1:$GREEN_PORT" 127.0.0.1 >/dev/null
nginx_cmd="nginx -c $work/nginx/nginx.conf -p $work/nginx"
sed -i "s#access_log /dev/stdout cercat;#access_log $work/nginx/logs/access.log cercat;#" "$work/nginx/cercat.conf"
$nginx_cmd
export BG_MODE=local BG_STATE=$work/nginx BG_BLUE_PORT=$BLUE_PORT BG_GREEN_PORT=$GREEN_PORT BG_NGINX="$nginx_cmd"

switches=()
deploy() { # label, bluegreen.sh arguments
  local label=$1; shift
  bash deploy/bluegreen.sh "$@" 2>"$work/bg.log" || { cat "$work/bg.log" >&2; return 1; }
  cat "$work/bg.log" >&2
  local switched done_in
  switched=$(sed -n 's/^bluegreen: switched in \([0-9]*\) s.*/\1/p' "$work/bg.log")
  done_in=$(sed -n 's/^bluegreen: done in \([0-9]*\) s.*/\1/p' "$work/bg.log")
  switches+=("| $label | $(sed -n 's/^bluegreen: done in [0-9]* s: live is //p' "$work/bg.log") | $switched | $done_in |")
  [ "$switched" -le "$MAX_SWITCH_SECS" ] || { echo "deploy-proof: $label switched in $switched s (> $MAX_SWITCH_SECS)" >&2; return 1; }
}

deploy "first start" "$bin"
for _ in $(seq 1 600); do
  [ -e "$work/control/ready" ] && break
  kill -0 $gen_pid 2>/dev/null || { cat "$work/gen.log" >&2; exit 1; }
  sleep 0.5
done
[ -e "$work/control/ready" ] || { echo "deploy-proof: the load never started" >&2; cat "$work/gen.log" >&2; exit 1; }
# From here on every request is the load's (before, the generator polled readiness through an
# nginx whose colour was not up yet): the access log counts the 5xx users would see.
: >"$work/nginx/logs/access.log"
sleep 5
failed=""
for n in $(seq 1 "$DEPLOYS"); do
  deploy "deploy $n" "$bin" || { failed=yes; break; }
  sleep 4
done
[ -n "$failed" ] || deploy "rollback" --rollback || failed=yes
sleep 4
echo $((DEPLOYS + 1)) >"$work/control/deploys"
touch "$work/control/stop"
gen_status=0
wait $gen_pid || gen_status=$?
gen_pid=""
errors_5xx=$(awk '$0 ~ /" 5[0-9][0-9] / {n++} END {print n+0}' "$work/nginx/logs/access.log")

report=$(cat <<REPORT
# Blue-green deploys under load

- Date: $(date -u +%Y-%m-%dT%H:%MZ)
- $(machine | tr '\n' ' ' | sed "s/api release build/api $profile build/")
- Command: \`bash scripts/deploy-proof.sh $DEPLOYS $RATE $STREAMS\` (nginx $(nginx -v 2>&1 | sed 's#.*/##'), drain ${CERCAT__SERVER__DRAIN_SECS} s)

| step | live after | switched (s) | done, old colour stopped (s) |
|---|---|---|---|
$(printf '%s\n' "${switches[@]}")

$(cat "$work/report.md")
- nginx access log: $errors_5xx answers 5xx of $(wc -l <"$work/nginx/logs/access.log") requests
REPORT
)
echo "$report"
[ -n "${REPORT:-}" ] && echo "$report" >"$REPORT"
if [ -n "$failed" ] || [ "$gen_status" -ne 0 ] || [ "$errors_5xx" -ne 0 ]; then
  echo "deploy-proof: FAILED" >&2
  tail -5 "$work/gen.log" >&2
  for c in blue green; do echo "-- $c (last lines)" >&2; tail -5 "$work/nginx/$c.log" >&2 2>/dev/null || true; done
  exit 1
fi
echo "deploy-proof: passed"
