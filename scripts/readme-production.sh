#!/usr/bin/env bash
# Follows README's "Run it in production mode" commands to the letter, against this machine:
# each `export` of that block is kept, with the value pointed at what is here (MariaDB and Redis
# on 127.0.0.1, librdkafka's mock cluster for Kafka, a folder for GCS, test keys), and each
# command runs as written but with the debug build CI has made instead of `cargo run --release`
# (the same code; a release build would double CI's build time). The api and `batch serve`,
# which run until stopped, are started, checked and stopped with SIGTERM: the api must get ready,
# the admin created by `create-admin` must log in through it, and both must stop cleanly.
# A README line this script does not know fails it, so the two cannot drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=cercat_readme_production
PORT=18480

cargo build --locked --quiet -p cercat-api -p cercat-admin -p cercat-batch --bins
cargo build --locked --quiet -p cercat-api --example deploy_proof
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bash scripts/ensure-services.sh >/dev/null
mysql -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB CHARACTER SET utf8mb4"
work=$(mktemp -d)
broker_pid=""
trap 'kill $broker_pid 2>/dev/null || true; rm -rf "$work"; mysql -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS '$DB'"' EXIT
"$TARGET/debug/examples/deploy_proof" --broker-only "$work/bootstrap" &
broker_pid=$!
for _ in $(seq 1 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done

# The block, rewritten line by line into $work/steps.sh.
WORK=$work TARGET=$TARGET DB=$DB PORT=$PORT python3 - <<'PY'
import os, re, sys
readme = open("README.md").read()
section = readme.split("## Run it in production mode", 1)[1]
block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
work, target, db, port = os.environ["WORK"], os.environ["TARGET"], os.environ["DB"], os.environ["PORT"]
here = {
    "CERCAT__DATABASE__URL": f"mysql://root@127.0.0.1:3306/{db}",
    "CERCAT__REDIS__URL": "redis://127.0.0.1:6379/0",
    "CERCAT__KAFKA__BROKERS": open(f"{work}/bootstrap").read().strip(),
    "CERCAT__STORAGE__URL": f"file://{work}/objects/",
    "CERCAT__STORAGE__PUBLIC_BASE_URL": f"http://127.0.0.1:{port}/objects",
    "CERCAT__CORS__ALLOWED_ORIGINS": "https://cercat.o-r.kr",
    "CERCAT__AUTH__CLIENT_URL": "https://cercat.o-r.kr",
    "CERCAT__MAIL__SMTP_URL": "smtp://127.0.0.1:1",
    "CERCAT__PAYMENT__TOSS_SECRET_KEY": "test_sk_readme_production",
}
# Kept as written: the profile, the gateway and the generated secrets.
as_written = {"CERCAT_PROFILE", "CERCAT__AUTH__JWT_SECRET", "CERCAT__PAYMENT__GATEWAY", "CERCAT__PAYMENT__WEBHOOK_SECRET"}
out = [
    "set -euo pipefail",
    "export ADMIN_PASSWORD='readme-admin-pass-1234'",
    # This machine's Redis is shared with the tests: keys of their own.
    f"export CERCAT__REDIS__KEY_PREFIX='readme-{os.getpid()}:' CERCAT__SERVER__PORT={port}",
    f"export CERCAT__BATCH__METRICS_LISTEN=127.0.0.1:{int(port) + 1}",
    f"mkdir -p {work}/objects",
]
programs = {"cercat-admin", "cercat-api", "cercat-batch"}
for raw in block.splitlines():
    line = re.sub(r"\s+#.*$", "", raw).strip()
    if not line:
        continue
    m = re.match(r"export (\w+)=(.*)$", line)
    if m:
        name, value = m.groups()
        if name in as_written:
            out.append(line)
        elif name in here:
            out.append(f"export {name}='{here[name]}'")
        else:
            sys.exit(f"readme-production: README exports {name}, which this script does not know")
        continue
    m = re.match(r"(.*?)cargo run --release -p (cercat-[a-z]+)(?: -- (.*))?$", line)
    if not m or m.group(2) not in programs:
        sys.exit(f"readme-production: README runs `{line}`, which this script does not know")
    before, program, args = m.group(1), m.group(2), m.group(3) or ""
    command = f"{before}{target}/debug/{program} {args}".strip()
    if program == "cercat-api" or args == "serve":
        out.append(f"echo '$ {line}'; {command} >{work}/{program}.log 2>&1 & echo $! >{work}/{program}.pid")
    else:
        out.append(f"echo '$ {line}'; {command}")
open(f"{work}/steps.sh", "w").write("\n".join(out) + "\n")
PY

set +e
(
  source "$work/steps.sh"
  base=http://127.0.0.1:$PORT
  for _ in $(seq 1 300); do curl -sf -o /dev/null "$base/health/ready" && break; sleep 0.2; done
  curl -sf -o /dev/null "$base/health/ready" || { echo "the api did not get ready:"; tail -20 "$work/cercat-api.log"; exit 1; }
  echo "api ready on $base"
  login=$(curl -s -o "$work/login.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"email":"ops@example.com","password":"readme-admin-pass-1234"}' "$base/api/v2/auth/login")
  [ "$login" = 200 ] || { echo "the admin cannot log in ($login): $(cat "$work/login.json")"; exit 1; }
  echo "the admin from create-admin logs in"
  sleep 2
  kill -0 "$(cat "$work/cercat-batch.pid")" || { echo "batch serve stopped:"; tail -20 "$work/cercat-batch.log"; exit 1; }
  echo "batch serve is running"
  for p in cercat-api cercat-batch; do
    pid=$(cat "$work/$p.pid")
    kill -TERM "$pid"
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "$p did not stop on SIGTERM in 20 s"; kill -KILL "$pid"; exit 1; fi
    wait "$pid"; status=$?
    [ "$status" = 0 ] || { echo "$p exited with $status on SIGTERM:"; tail -20 "$work/$p.log"; exit 1; }
    echo "$p stopped on SIGTERM"
  done
)
status=$?
set -e
[ $status = 0 ] && echo "readme-production: passed" || { echo "readme-production: FAILED" >&2; exit 1; }
