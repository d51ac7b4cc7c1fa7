#!/usr/bin/env bash
# Enrollment-surge benchmark: the api (release build, production profile) over MariaDB and
# Redis on this machine; USERS simulated students rush one CAPACITY-seat course through its
# waiting room (join → poll as Retry-After says → enroll with the admission token), and the
# seat-hold step alone is raced both ways (our conditional UPDATE vs the original system's
# SELECT … FOR UPDATE) in the same run. Kafka is not needed: events wait in the outbox.
# Writes bench/COURSE.md. Usage: bash bench/course_surge.sh [users] [capacity]
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${1:-10000}
CAPACITY=${2:-50}
PORT=18090
DB=cercat_bench_course

bash scripts/ensure-services.sh >/dev/null
cargo build --release --locked -p cercat-api --bin cercat-api --example course_surge
mysql -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB CHARACTER SET utf8mb4"
work=$(mktemp -d)
trap 'kill $api_pid 2>/dev/null || true; rm -rf "$work"' EXIT

export CERCAT_PROFILE=production
export CERCAT__DATABASE__URL="mysql://root@127.0.0.1:3306/$DB"
export CERCAT__DATABASE__MIGRATE_ON_START=true
export CERCAT__DATABASE__MAX_CONNECTIONS=32
export CERCAT__REDIS__URL="redis://127.0.0.1:6379"
export CERCAT__REDIS__KEY_PREFIX="bench-$$:"
export CERCAT__KAFKA__BROKERS="127.0.0.1:1"
export CERCAT__STORAGE__URL="file://$work/objects/"
export CERCAT__AUTH__JWT_SECRET="bench-secret-bench-secret-bench-secret-0"
export CERCAT__MAIL__SMTP_URL="smtp://127.0.0.1:1"
# The production profile refuses the payment simulator; Toss is configured but never called here.
export CERCAT__PAYMENT__GATEWAY=toss
export CERCAT__PAYMENT__TOSS_BASE_URL="http://127.0.0.1:1"
export CERCAT__PAYMENT__TOSS_SECRET_KEY="test_sk_bench_not_used"
export CERCAT__PAYMENT__WEBHOOK_SECRET="bench-webhook-secret-0123456789"
export CERCAT__SEED__DEMO_ON_START=true
export CERCAT__SERVER__PORT=$PORT
export CERCAT__LOG__LEVEL=warn
mkdir -p "$work/objects"

target/release/cercat-api >"$work/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.1; done

# The load generator connects the same database (to seed students and mint tokens) but not as the api.
CERCAT__SERVER__PORT=0 target/release/examples/course_surge "http://127.0.0.1:$PORT" "$USERS" "$CAPACITY" >"$work/report.md"
rss=$(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$api_pid/status")

{
  echo "# Enrollment surge benchmark"
  echo
  echo "Machine: $(nproc) cores ($(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM;"
  echo "MariaDB $(mysql -uroot -h127.0.0.1 -N -e 'SELECT VERSION()'), Redis $(redis-cli INFO server | awk -F: '/redis_version/ {print $2}' | tr -d '\r'), api release build (production profile, 2 workers by default), same host."
  echo "Command: \`bash bench/course_surge.sh $USERS $CAPACITY\` ($(date -u +%Y-%m-%d))."
  echo
  cat "$work/report.md"
  echo
  echo "API peak RSS (VmHWM): **$rss**."
} > bench/COURSE.md
mysql -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS $DB"
cat bench/COURSE.md
