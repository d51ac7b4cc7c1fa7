#!/usr/bin/env bash
# First-come coupon benchmark: the api (release build, production profile) over MariaDB and
# Redis on this machine; USERS students click "claim" CLICKS times each at once on an event of
# QUANTITY copies, and the naive baseline (count, then insert, in one transaction) takes the
# same clicks in the same run. Kafka is not needed. Writes bench/COUPONS.md.
# Usage: bash bench/coupon_rush.sh [users] [clicks] [quantity] [in_flight]
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${1:-20000}
CLICKS=${2:-3}
QUANTITY=${3:-1000}
INFLIGHT=${4:-64}
PORT=18091
DB=cercat_bench_coupons

bash scripts/ensure-services.sh >/dev/null
cargo build --release --locked -p cercat-api --bin cercat-api --example coupon_rush
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

CERCAT__SERVER__PORT=0 target/release/examples/coupon_rush "http://127.0.0.1:$PORT" "$USERS" "$CLICKS" "$QUANTITY" "$INFLIGHT" >"$work/report.md"
rss=$(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$api_pid/status")

{
  echo "# First-come coupon benchmark"
  echo
  echo "Machine: $(nproc) cores ($(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM;"
  echo "MariaDB $(mysql -uroot -h127.0.0.1 -N -e 'SELECT VERSION()'), Redis $(redis-cli INFO server | awk -F: '/redis_version/ {print $2}' | tr -d '\r'), api release build (production profile), load generator on the same host."
  echo "Command: \`bash bench/coupon_rush.sh $USERS $CLICKS $QUANTITY $INFLIGHT\` ($(date -u +%Y-%m-%d))."
  echo
  cat "$work/report.md"
  echo
  echo "API peak RSS (VmHWM): **$rss**."
} > bench/COUPONS.md
mysql -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS $DB"
cat bench/COUPONS.md
