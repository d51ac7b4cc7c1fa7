#!/usr/bin/env bash
# Recommendation benchmark: the in-memory rebuild of 100,000 users × 20,000 items × 1,000,000
# generated interactions (time, peak memory, top-20 serving from the lists), then the real path —
# the embedded api over SQLite with 5,000 users, 5,000 posts and 200,000 likes, the model rebuilt by
# cercat-batch from the database, GET /recommendations/posts?size=20 and /…/similar?size=20 under
# wrk beside a bare actix handler. Writes bench/RECOMMENDATIONS.md.
# Usage: bash bench/recommendations.sh [duration_s] [connections]     (needs wrk: apt-get install -y wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15}
CONNECTIONS=${2:-32}
API_PORT=18090
BARE_PORT=18091
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

cargo build --release --locked -p cercat-api --bin cercat-api --example bare_actix
cargo build --release --locked -p cercat-batch --bin cercat-batch
cargo build --release --locked -p cercat-recommendation --example rebuild
work=$(mktemp -d)
api_pid=""; bare_pid=""
trap 'kill $api_pid $bare_pid 2>/dev/null || true; [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
export CERCAT__DATA_DIR="$work/data" CERCAT_CONFIG_DIR="$work/no-config" CERCAT__LOG__FORMAT=json

/usr/bin/time -v target/release/examples/rebuild --threads 2 >"$work/rebuild.txt" 2>"$work/rebuild.time"
rebuild_wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/rebuild.time")
rebuild_rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f MiB", $2/1024}' "$work/rebuild.time")

start_api() {
  CERCAT__SERVER__PORT=$API_PORT CERCAT__JOBS__IN_PROCESS=false target/release/cercat-api >>"$work/api.log" 2>&1 &
  api_pid=$!
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$API_PORT/health/ready" >/dev/null && return; sleep 0.1; done
  echo "the api did not become ready" >&2; exit 1
}
start_api   # migrates and seeds the demo accounts
kill $api_pid; wait $api_pid 2>/dev/null || true

python3 - "$work/data/cercat.db" <<'PY'
import random, sqlite3, sys
random.seed(17)
db = sqlite3.connect(sys.argv[1])
now = "2026-12-01T00:00:00.000000+00:00"
words = ["데이터베이스", "정규화", "SQL", "조인", "네트워크", "보안", "운영체제", "스케줄링", "자료구조", "알고리즘",
         "소프트웨어", "설계", "테스트", "요구사항", "UML", "암기법", "기출", "요약", "정리", "합격후기"]
users = [db.execute("INSERT INTO users (email, nickname, role, created_at, updated_at) VALUES (?, ?, 'USER', ?, ?)",
                    (f"bench{i}@example.com", f"bench{i}", now, now)).lastrowid for i in range(5000)]
posts = []
for i in range(5000):
    title = " ".join(random.sample(words, 3)) + f" {i}"
    posts.append(db.execute(
        "INSERT INTO posts (certificate_id, user_id, post_type, title, content, tags, like_count, comment_count, created_at, updated_at) "
        "VALUES (?, ?, 'NORMAL', ?, '본문', '[]', 0, 0, ?, ?)",
        (1 + i % 3, random.choice(users), title, now, now)).lastrowid)
# 20 taste clusters: 70 % of a user's likes within theirs, popularity Zipf-like.
clusters = [posts[c::20] for c in range(20)]
demo = db.execute("SELECT id FROM users WHERE email = 'demo@cercat.dev'").fetchone()[0]
likes = set()
for n, user in enumerate(users + [demo]):
    mine = clusters[n % 20]
    for _ in range(40):
        pool = mine if random.random() < 0.7 else posts
        likes.add((user, pool[min(int(random.paretovariate(1.2)) - 1, len(pool) - 1)]))
db.executemany("INSERT INTO likes (user_id, target_type, target_id, created_at) VALUES (?, 'POST', ?, ?)",
               [(u, p, now) for u, p in likes])
db.commit()
print(f"{len(users)} users, {len(posts)} posts, {len(likes)} likes")
PY
/usr/bin/time -v target/release/cercat-batch run recommendation-rebuild >"$work/batch.txt" 2>"$work/batch.time"
sql_wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/batch.time")
sql_rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f MiB", $2/1024}' "$work/batch.time")

start_api
target/release/examples/bare_actix $BARE_PORT >"$work/bare.log" 2>&1 &
bare_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$BARE_PORT/bare" >/dev/null && break; sleep 0.1; done
token=$(curl -sf -X POST -H 'content-type: application/json' \
  -d '{"email":"demo@cercat.dev","password":"demo-pass-1234"}' \
  "http://127.0.0.1:$API_PORT/api/v2/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["accessToken"])')
post=$(curl -sf -H "Access-Token: $token" "http://127.0.0.1:$API_PORT/api/v2/recommendations/posts?size=20" \
  | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(r["items"][0]["itemId"]); print(len(r["items"]), r["items"][0]["reason"], file=sys.stderr)')
cat > "$work/auth.lua" <<LUA
wrk.headers["Access-Token"] = "$token"
LUA

run() { # name url
  wrk -t2 -c"$CONNECTIONS" -d5s -s "$work/auth.lua" "$2" >/dev/null
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s "$work/auth.lua" --latency "$2" >"$work/$1.txt"
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/$1.txt")
  p50=$(awk '$1=="50%" {print $2}' "$work/$1.txt")
  p99=$(awk '$1=="99%" {print $2}' "$work/$1.txt")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$work/$1.txt" | tr '\n' ' ')
  echo "$1 $rps"  >>"$work/rps"
  printf '| %s | `%s` | %s | %s | %s | %s |\n' "$1" "/${2#http://127.0.0.1:*/}" "$rps" "$p50" "$p99" "${errors:-none}"
}
rows=$(
  run bare "http://127.0.0.1:$BARE_PORT/bare"
  run recommend "http://127.0.0.1:$API_PORT/api/v2/recommendations/posts?size=20"
  run similar "http://127.0.0.1:$API_PORT/api/v2/recommendations/posts/$post/similar?size=20"
)
api_rss=$(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$api_pid/status")

{
  echo "# Recommendations benchmark"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); load generator on the same cores."
  echo "Command: \`bash bench/recommendations.sh $DURATION $CONNECTIONS\` ($(date -u +%Y-%m-%d))."
  echo
  echo "## Rebuild in memory: 100,000 users × 20,000 items × 1,000,000 interactions (goal ≤ 60 s, ≤ 1 GiB)"
  echo
  echo '```'
  cat "$work/rebuild.txt"
  echo '```'
  echo "Wall clock $rebuild_wall (generation included), peak RSS $rebuild_rss."
  echo
  echo "## The real path: embedded api over SQLite"
  echo
  echo "Data: $(tail -1 "$work/batch.txt" >/dev/null; echo '5,000 users, 5,000 posts, ~200,000 likes') plus the demo data. \`cercat-batch run recommendation-rebuild\` from the database: $sql_wall wall, peak RSS $sql_rss."
  echo
  echo "| path | url | req/s | p50 | p99 | errors |"
  echo "|---|---|---|---|---|---|"
  echo "$rows"
  echo
  awk '$1=="bare" {b=$2} $1!="bare" {printf "%s: %.3f of bare actix. ", $1, $2/b}' "$work/rps"
  echo
  echo
  echo "The api's peak RSS through the run: $api_rss. Each recommendation request verifies the token, reads the"
  echo "caller's facts (two SQLite queries), ranks from the model held in memory and checks the answer is still"
  echo "offered (one query per kind)."
} > bench/RECOMMENDATIONS.md
cat bench/RECOMMENDATIONS.md
