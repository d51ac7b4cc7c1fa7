#!/usr/bin/env bash
# Enrollment-surge benchmark: the api (release build, production profile) over MariaDB and
# Redis on this machine; USERS simulated students rush one CAPACITY-seat course through its
# waiting room (join → poll as Retry-After says → enroll with the admission token), and the
# seat-hold step alone is raced both ways (our conditional UPDATE vs the original system's
# SELECT … FOR UPDATE) in the same run. Writes bench/COURSE.md.
# Usage: bash bench/course_surge.sh [users] [capacity]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/production.sh
USERS=${1:-10000}
CAPACITY=${2:-50}

cargo build --release --locked -p cercat-api --bin cercat-api --example course_surge
start_api 18090 cercat_bench_course

# The load generator connects the same database (to seed students and mint tokens) but not as the api.
CERCAT__SERVER__PORT=0 target/release/examples/course_surge "http://127.0.0.1:18090" "$USERS" "$CAPACITY" >"$work/report.md"
rss=$(api_rss)

{
  echo "# Enrollment surge benchmark"
  echo
  machine
  echo "Command: \`bash bench/course_surge.sh $USERS $CAPACITY\` ($(date -u +%Y-%m-%d))."
  echo
  cat "$work/report.md"
  echo
  echo "API peak RSS (VmHWM): **$rss**."
} > bench/COURSE.md
cat bench/COURSE.md
