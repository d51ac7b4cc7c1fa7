# Sourced by the production-profile benchmarks (course_surge.sh, coupon_rush.sh): the api's
# environment over MariaDB and Redis on this machine (Kafka is not needed: events wait in the
# outbox; Toss is configured because the production profile refuses the payment simulator, but
# is never called), and the machine line of the reports.

# start_api PORT DB: a fresh database DB, the release api on PORT; sets $work and $api_pid and
# drops the database and the work folder on exit.
start_api() {
  api_env "$1" "$2"
  launch_api
}

# api_env PORT DB: a fresh database DB and the api's environment (Kafka at $KAFKA_BROKERS, else
# nowhere), without starting it; sets $work. On exit, the processes in $api_pid, $api2_pid and
# $gen_pid are stopped (after the command in $on_exit, if set) and the database and the work
# folder dropped.
api_env() {
  local port=$1 db=$2
  bash scripts/ensure-services.sh >/dev/null
  mysql -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db CHARACTER SET utf8mb4"
  work=$(mktemp -d)
  api_pid=""; api2_pid=""; gen_pid=""
  trap "\${on_exit:-true}; kill \$api_pid \$api2_pid \$gen_pid 2>/dev/null || true; [ -n \"\${KEEP_WORK:-}\" ] && cp -r '$work' /tmp/bench-work; rm -rf '$work'; [ -n \"\${KEEP_WORK:-}\" ] || mysql -uroot -h127.0.0.1 -e 'DROP DATABASE IF EXISTS $db'" EXIT

  export CERCAT_PROFILE=production
  export CERCAT__DATABASE__URL="mysql://root@127.0.0.1:3306/$db"
  export CERCAT__DATABASE__MIGRATE_ON_START=true
  export CERCAT__DATABASE__MAX_CONNECTIONS=32
  export CERCAT__REDIS__URL="redis://127.0.0.1:6379"
  export CERCAT__REDIS__KEY_PREFIX="bench-$$:"
  export CERCAT__KAFKA__BROKERS="${KAFKA_BROKERS:-127.0.0.1:1}"
  export CERCAT__STORAGE__URL="file://$work/objects/"
  export CERCAT__AUTH__JWT_SECRET="bench-secret-bench-secret-bench-secret-0"
  export CERCAT__MAIL__SMTP_URL="smtp://127.0.0.1:1"
  export CERCAT__PAYMENT__GATEWAY=toss
  export CERCAT__PAYMENT__TOSS_BASE_URL="http://127.0.0.1:1"
  export CERCAT__PAYMENT__TOSS_SECRET_KEY="test_sk_bench_not_used"
  export CERCAT__PAYMENT__WEBHOOK_SECRET="bench-webhook-secret-0123456789"
  export CERCAT__SEED__DEMO_ON_START=true
  export CERCAT__SERVER__PORT=$port
  export CERCAT__LOG__LEVEL=warn
  mkdir -p "$work/objects"
}

# launch_api [PORT]: starts the release api (on PORT, else the environment's) and waits until it
# answers; the first sets $api_pid, a second $api2_pid. Its log is $work/api-PORT.log.
launch_api() {
  local port=${1:-$CERCAT__SERVER__PORT}
  CERCAT__SERVER__PORT=$port target/release/cercat-api >"$work/api-$port.log" 2>&1 &
  if [ -z "$api_pid" ]; then api_pid=$!; else api2_pid=$!; fi
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.1; done
}

# The api's peak RSS so far.
api_rss() {
  awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$api_pid/status"
}

# The report's machine line.
machine() {
  echo "Machine: $(nproc) cores ($(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM;"
  echo "MariaDB $(mysql -uroot -h127.0.0.1 -N -e 'SELECT VERSION()'), Redis $(redis-cli INFO server | awk -F: '/redis_version/ {print $2}' | tr -d '\r'), api release build (production profile), load generator on the same host."
}
