#!/usr/bin/env bash
# Enrollment-surge benchmark: the api (release build, production profile) over MariaDB and
# Redis on this machine; USERS simulated students rush a CAPACITY-seat course without a waiting
# room, then another through a room admitting RATE a second (join → poll as Retry-After says →
# enroll with the admission token), and the seat-hold step alone is raced three ways (the
# service's seat gate + conditional UPDATE, the conditional UPDATE alone, the original system's
# SELECT … FOR UPDATE) in the same run. Writes bench/COURSE.md.
# Usage: bash bench/course_surge.sh [users] [capacity] [admission rate]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/production.sh
USERS=${1:-10000}
CAPACITY=${2:-50}
RATE=${3:-5000}

cargo build --release --locked -p cercat-api --bin cercat-api --example course_surge
start_api 18090 cercat_bench_course

# The load generator connects the same database (to seed students and mint tokens) but not as the api.
CERCAT__SERVER__PORT=0 target/release/examples/course_surge "http://127.0.0.1:18090" "$USERS" "$CAPACITY" "$RATE" \
  "$work/poll.lua" >"$work/report.md"
# Poll capacity: wrk (cheaper than the Rust client) polls the waiting students' positions in turn.
if command -v wrk >/dev/null; then
  wrk -t2 -c256 -d5s -s "$work/poll.lua" "http://127.0.0.1:18090" >/dev/null
  wrk -t2 -c256 -d10s --latency -s "$work/poll.lua" "http://127.0.0.1:18090" >"$work/poll.txt"
  errs=$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' "$work/poll.txt")
  {
    echo
    echo "### Position polls: $USERS students waiting, \`GET …/queue/me\` in turn, \`wrk -t2 -c256 -d10s\` after a 5 s warm-up"
    echo
    echo "| polls/s | p50 | p99 | errors |"
    echo "|---|---|---|---|"
    printf '| **%s** | %s | %s | %s |\n' "$(awk '/^Requests\/sec/ {print $2}' "$work/poll.txt")" \
      "$(awk '$1=="50%" {print $2}' "$work/poll.txt")" "$(awk '$1=="99%" {print $2}' "$work/poll.txt")" \
      "${errs:-none}"
  } >>"$work/report.md"
else
  echo "(position polls not measured: wrk is missing — apt-get install -y wrk)" >>"$work/report.md"
fi
rss=$(api_rss)

{
  echo "# Enrollment surge benchmark"
  echo
  machine
  echo "Command: \`bash bench/course_surge.sh $USERS $CAPACITY $RATE\` ($(date -u +%Y-%m-%d))."
  echo
  cat "$work/report.md"
  echo
  echo "API peak RSS (VmHWM): **$rss**."
} > bench/COURSE.md
cat bench/COURSE.md
