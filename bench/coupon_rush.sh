#!/usr/bin/env bash
# First-come coupon benchmark: the api (release build, production profile) over MariaDB and
# Redis on this machine; USERS students click "claim" CLICKS times each at once on an event of
# QUANTITY copies, and the naive baseline (count, then insert, in one transaction) takes the
# same clicks in the same run. Writes bench/COUPONS.md.
# Usage: bash bench/coupon_rush.sh [users] [clicks] [quantity] [in_flight]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/production.sh
USERS=${1:-20000}
CLICKS=${2:-3}
QUANTITY=${3:-1000}
INFLIGHT=${4:-64}

cargo build --release --locked -p cercat-api --bin cercat-api --example coupon_rush
start_api 18091 cercat_bench_coupons

# The load generator connects the same database (to seed students and mint tokens) but not as the api.
CERCAT__SERVER__PORT=0 target/release/examples/coupon_rush "http://127.0.0.1:18091" "$USERS" "$CLICKS" "$QUANTITY" "$INFLIGHT" >"$work/report.md"
rss=$(api_rss)

{
  echo "# First-come coupon benchmark"
  echo
  machine
  echo "Command: \`bash bench/coupon_rush.sh $USERS $CLICKS $QUANTITY $INFLIGHT\` ($(date -u +%Y-%m-%d))."
  echo
  cat "$work/report.md"
  echo
  echo "API peak RSS (VmHWM): **$rss**."
} > bench/COUPONS.md
cat bench/COUPONS.md
