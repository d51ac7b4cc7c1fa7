#!/usr/bin/env bash
# Alarm path benchmark: like → SSE event latency on the real API (embedded mode, release build)
# and outbox relay throughput (embedded; and MariaDB + Redis + Kafka mock cluster when MariaDB
# and Redis answer). Writes bench/ALARMS.md. Usage: bash bench/alarms.sh [samples] [relay_events]
set -euo pipefail
cd "$(dirname "$0")/.."
SAMPLES=${1:-500}
EVENTS=${2:-20000}
PORT=18082

cargo build --release --locked -p cercat-api --bin cercat-api -p cercat-batch --example relay_throughput
work=$(mktemp -d)
trap 'kill $api_pid 2>/dev/null || true; rm -rf "$work"' EXIT
CERCAT__DATA_DIR="$work/data" CERCAT__SERVER__PORT=$PORT CERCAT__LOG__FORMAT=json \
  target/release/cercat-api >"$work/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 0.1; done

login() {
  curl -sf -X POST -H 'content-type: application/json' -d "{\"email\":\"$1\",\"password\":\"$2\"}" \
    "http://127.0.0.1:$PORT/api/v2/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["accessToken"])'
}
author=$(login demo@cercat.dev demo-pass-1234)
liker=$(login admin@cercat.dev admin-pass-1234)
post_id=$(curl -sf -H "Access-Token: $author" \
  -F 'request={"title":"알림 지연 측정","content":"좋아요 알림이 얼마나 빨리 오는지"};type=application/json' \
  "http://127.0.0.1:$PORT/api/v2/certificates/1/NORMAL/posts" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["postId"])')

latency=$(python3 bench/alarm_latency.py $PORT "$SAMPLES" "$post_id" "$author" "$liker")
rss=$(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$api_pid/status")
relay_embedded=$(target/release/examples/relay_throughput embedded "$EVENTS" 2>/dev/null | tail -1)
if mysql -h127.0.0.1 -uroot -e 'select 1' >/dev/null 2>&1 && redis-cli ping >/dev/null 2>&1; then
  relay_production=$(target/release/examples/relay_throughput production "$EVENTS" 2>/dev/null | grep '^production: relayed')
else
  relay_production="skipped: MariaDB or Redis not reachable"
fi

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
cat > bench/ALARMS.md <<REPORT
# Alarm path benchmark

- Date: $(date -u +%Y-%m-%dT%H:%MZ)
- Machine: $(nproc) cores ($cpu), $(uname -sr); client, server and brokers share the cores
- Build: release, $(rustc --version)
- Command: \`bash bench/alarms.sh $SAMPLES $EVENTS\`

## Like → SSE event (embedded api: SQLite, in-process bus, outbox relay polling every 200 ms when idle)

The demo student holds \`GET /alarm-api/v2/alarms/subscribe\` open; the admin likes the student's
post, waits for the \`alarm\` event on the stream, unlikes, repeats ($SAMPLES samples after 20 warm-up).
Path: like + outbox row (one transaction) → relay → bus → \`alarm.store\` consumer (inbox + alarm
row, one transaction) → notice → SSE hub → stream.

    $latency

API peak RSS during the run: $rss.

## Outbox relay throughput

\`target/release/examples/relay_throughput <mode> $EVENTS\`: $EVENTS events written to the outbox, then
\`OutboxRelay\` passes (100 per pass, publishes issued together, one UPDATE marking the batch sent)
while a consumer group reads and commits each event.

    $relay_embedded
    $relay_production

The second rate on each line is the reading group's: it commits every event synchronously (the
worst case; \`run_consumer\` groups commits, see docs/decisions.md). Through Kafka with two api
instances, like → SSE: \`bash bench/like_sse.sh\` (bench/LIKE_SSE.md).
REPORT
cat bench/ALARMS.md
