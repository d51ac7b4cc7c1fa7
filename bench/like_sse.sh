#!/usr/bin/env bash
# Like → SSE over Kafka: two release api instances (production profile: MariaDB, Redis, and
# librdkafka's mock cluster, hosted by the load generator), likes at RATE a second, half of the
# alarms pushed by the other instance. Writes bench/LIKE_SSE.md.
# Usage: bash bench/like_sse.sh [rate] [seconds] [receivers]   (SKIP_BUILD=1 uses target/release as is)
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-500}
SECONDS_=${2:-20}
RECEIVERS=${3:-100}
PORT_A=18093
PORT_B=18094
source bench/production.sh

[ -n "${SKIP_BUILD:-}" ] || cargo build --release --locked -p cercat-api --bin cercat-api --example like_sse
api_env $PORT_A cercat_bench_like
# Each instance relays its own writes at once (a relay in `batch serve` would find them by its poll).
export CERCAT__JOBS__WORKERS_IN_PROCESS=true
# Three members of the alarm.store group per instance, on topics of 6 partitions.
export CERCAT__EVENTS__ALARM_MEMBERS=${ALARM_MEMBERS:-3}
# The mock cluster holds a fetch that finds no event for all of fetch.wait.max.ms, even when one
# arrives meanwhile (a Kafka broker answers at once): 50 ms keeps most of that artifact out of the
# samples (10 ms makes six consumers poll the mock so often that the machine saturates).
export CERCAT__KAFKA__FETCH_WAIT_MS=${FETCH_WAIT_MS:-50}
target/release/examples/like_sse "$work/bootstrap" "http://127.0.0.1:$PORT_A" "http://127.0.0.1:$PORT_B" \
  "$RATE" "$SECONDS_" "$RECEIVERS" >"$work/report.md" 2>"$work/gen.log" &
gen_pid=$!
for _ in $(seq 1 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
export CERCAT__KAFKA__BROKERS=$(cat "$work/bootstrap")
launch_api $PORT_A
launch_api $PORT_B
while [ ! -e "$work/bootstrap.done" ]; do
  if ! kill -0 $gen_pid 2>/dev/null; then
    cat "$work/gen.log" >&2
    tail -20 "$work/api-$PORT_A.log" "$work/api-$PORT_B.log" >&2
    exit 1
  fi
  sleep 0.5
done
rss_a=$(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$api_pid/status")
rss_b=$(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$api2_pid/status")
# Stop the instances while the broker is up, then the load generator (and the cluster).
kill -TERM $api_pid $api2_pid
started=$SECONDS
wait $api_pid $api2_pid || true
stopped_in=$((SECONDS - started))
kill -INT $gen_pid; wait $gen_pid || true

cat > bench/LIKE_SSE.md <<REPORT
# Like → SSE over Kafka, two api instances

- Date: $(date -u +%Y-%m-%dT%H:%MZ)
- $(machine | tr '\n' ' ')
- Command: \`bash bench/like_sse.sh $RATE $SECONDS_ $RECEIVERS\`

$RECEIVERS authors hold \`GET /alarm-api/v2/alarms/subscribe\` open, alternately on instance A and B;
likers like their posts open-loop at $RATE a second, alternately through A and B, each (liker, post) once,
after warm-up rounds of 2 s (not counted) until one round's alarms all arrive within a second. Both
instances run the outbox relay (\`jobs.workers_in_process\`) and $CERCAT__EVENTS__ALARM_MEMBERS members each
of the \`alarm.store\` group (\`events.alarm_members\`), on topics of 6 partitions;
\`kafka.fetch_wait_ms\` = $CERCAT__KAFKA__FETCH_WAIT_MS (the mock cluster holds an empty fetch that long even
when an event arrives; a broker answers at once). A sample is the time from sending
\`POST /api/v2/likes\` to reading its \`alarm\` event. Path: like + outbox row (one MariaDB transaction)
→ relay → Kafka (mock cluster) → \`alarm.store\` member (inbox + alarm row) → Redis notice → the
instance holding the stream → SSE.

$(cat "$work/report.md")

Peak RSS: A $rss_a, B $rss_b. Both instances stopped on SIGTERM in ${stopped_in} s (the load generator still holds
its $RECEIVERS alarm streams open, and actix waits for open connections up to its shutdown timeout).
REPORT
cat bench/LIKE_SSE.md
