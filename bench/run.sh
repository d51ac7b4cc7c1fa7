#!/usr/bin/env bash
# Load benchmark: GET /api/v2/certificates/1, /users/me, the mock-exam questions, result
# submission, the post list, a like/unlike pair and login on the real API (embedded mode, release build,
# info-level JSON logs to a file, metrics on) and GET /bare on a bare actix handler, in one run,
# with wrk. Writes bench/REPORT.md. Usage: bash bench/run.sh [duration_s] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-20}
CONNECTIONS=${2:-64}
THREADS=2
API_PORT=18080
BARE_PORT=18081

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

[ -n "${SKIP_BUILD:-}" ] || cargo build --release --locked -p cercat-api --bin cercat-api --example bare_actix --example hash_cost
work=$(mktemp -d)
api_pid=""
bare_pid=""
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

wait_for() { for _ in $(seq 1 100); do curl -sf "$1" >/dev/null && return; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

out() { echo "$work/$(printf '%s' "$1" | tr -c 'A-Za-z0-9' '_').txt"; }

summarize() { # name url pid
  local rps p50 p99 rss errors f
  f=$(out "$1")
  rps=$(awk '/^Requests\/sec/ {print $2}' "$f")
  p50=$(awk '$1=="50%" {print $2}' "$f")
  p99=$(awk '$1=="99%" {print $2}' "$f")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$f" | tr '\n' ' ')
  rss=$(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$3/status")
  printf '| %s | `%s` | %s | %s | %s | %s | %s |\n' "$1" "/${2#http://127.0.0.1:*/}" "$rps" "$p50" "$p99" "$rss" "${errors:-none}"
}

run_with() { # name url pid connections [script]
  local script=()
  [ -n "${5:-}" ] && script=(-s "$5")
  wrk -t$THREADS -c"$4" -d5s "${script[@]}" "$2" >/dev/null   # warm-up
  wrk -t$THREADS -c"$4" -d${DURATION}s --latency "${script[@]}" "$2" >"$(out "$1")"
  summarize "$1" "$2" "$3"
}

# Starts one api binary on a fresh data directory, seeds what the paths need, measures every
# path, stops it. Prints the table rows; writes the idle RSS to $work/<label>.idle.
measure_api() { # binary label
  local bin=$1 label=$2 base="http://127.0.0.1:$API_PORT"
  CERCAT__DATA_DIR="$work/data-$label" CERCAT__SERVER__PORT=$API_PORT CERCAT__LOG__FORMAT=json \
    "$bin" >"$work/api-$label.log" 2>&1 &
  api_pid=$!
  echo $api_pid >"$work/api.pid"
  wait_for "$base/health/ready"
  # Idle: 2 s after start, and 12 s after (past the password hasher's 10 s idle release of
  # the buffers the demo accounts' seeding used).
  sleep 2
  awk '/VmRSS/ {printf "%.1f MiB at 2 s", $2/1024}' "/proc/$api_pid/status" >"$work/$label.idle"
  sleep 10
  awk '/VmRSS/ {printf ", %.1f MiB at 12 s", $2/1024}' "/proc/$api_pid/status" >>"$work/$label.idle"
  curl -sf "$base/api/v2/certificates/1" >/dev/null

  local token exam_id post_id id
  token=$(curl -sf -X POST -H 'content-type: application/json' \
    -d '{"email":"demo@cercat.dev","password":"demo-pass-1234"}' \
    "$base/api/v2/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["accessToken"])')
  cat > "$work/me.lua" <<LUA
wrk.headers["Access-Token"] = "$token"
LUA
  cat > "$work/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"demo@cercat.dev","password":"demo-pass-1234"}'
LUA
  exam_id=$(curl -sf -H "Access-Token: $token" "$base/api/v2/certificates/1/mock-exams" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"][0]["mockExamId"])')
  # The client's submission body for all 100 questions: 81 right, 14 wrong, 5 unanswered.
  curl -sf -H "Access-Token: $token" "$base/api/v2/mock-exams/$exam_id/questions" >"$work/questions.json"
  python3 -c '
import json, sys
qs = json.load(sys.stdin)["result"]
def pick(q):
    n, c = q["questionSeq"], q["correctOption"]
    return 0 if n % 20 == 0 else (c if n % 7 else c % 4 + 1)
blocks = [{"subjectId": qs[i]["subject"]["subjectId"], "score": 0, "createUserAnswerRequests": [
    {"questionId": q["questionSeq"], "selectOptionSeq": pick(q), "takenTime": 1500, "isCorrect": True} for q in qs[i:i+20]]}
    for i in range(0, len(qs), 20)]
print(json.dumps({"createSubjectResultRequests": blocks}))' <"$work/questions.json" >"$work/submission.json"
  cat > "$work/submit.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Access-Token"] = "$token"
local f = io.open("$work/submission.json", "r")
wrk.body = f:read("*a")
f:close()
LUA
  # Thirty posts on board 1 by the demo student, for the list and the like/unlike pair.
  post_id=""
  for i in $(seq 1 30); do
    id=$(curl -sf -H "Access-Token: $token" \
      -F "request={\"title\":\"필기 공부법 $i\",\"content\":\"정보처리기사 필기 준비 기록 $i번째 글입니다\"};type=application/json" \
      "$base/api/v2/certificates/1/NORMAL/posts" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["postId"])')
    post_id=${post_id:-$id}
  done
  cat > "$work/like.lua" <<LUA
local n = 0
local headers = { ["Content-Type"] = "application/json", ["Access-Token"] = "$token" }
local body = '{"likeTargetType":"POST","targetId":$post_id}'
request = function()
  n = n + 1
  local method = (n % 2 == 1) and "POST" or "DELETE"
  return wrk.format(method, "/api/v2/likes", headers, body)
end
LUA
  run_with "$label certificate (cached)" "$base/api/v2/certificates/1" $api_pid $CONNECTIONS
  run_with "$label users/me (auth)" "$base/api/v2/users/me" $api_pid $CONNECTIONS "$work/me.lua"
  run_with "$label questions (80 KB, cached)" "$base/api/v2/mock-exams/$exam_id/questions" $api_pid $CONNECTIONS "$work/me.lua"
  run_with "$label posts page" "$base/api/v2/certificates/1/posts?postType=NORMAL&page=0&size=10" $api_pid $CONNECTIONS "$work/me.lua"
  run_with "$label like-unlike" "$base/api/v2/likes" $api_pid 16 "$work/like.lua"
  run_with "$label submit" "$base/api/v2/mock-exams/$exam_id/mock-exam-results" $api_pid 16 "$work/submit.lua"
  run_with "$label login" "$base/api/v2/auth/login" $api_pid 4 "$work/login.lua"
  grep -c '"request finished"' "$work/api-$label.log" >"$work/$label.logged" || true
  kill $api_pid; wait $api_pid 2>/dev/null || true
  api_pid=""
}

rows=""
if [ -n "${BEFORE_BIN:-}" ]; then
  rows=$(measure_api "$BEFORE_BIN" before)$'\n'
fi
rows+=$(measure_api target/release/cercat-api after)
target/release/examples/bare_actix $BARE_PORT >"$work/bare.log" 2>&1 &
bare_pid=$!
echo $bare_pid >"$work/bare.pid"
wait_for "http://127.0.0.1:$BARE_PORT/bare"
rows+=$'\n'$(run_with "bare actix" "http://127.0.0.1:$BARE_PORT/bare" $bare_pid $CONNECTIONS)
hash_cost=$(target/release/examples/hash_cost 20)
requests_logged=$(cat "$work/after.logged")
idle="after: $(cat "$work/after.idle")"
[ -n "${BEFORE_BIN:-}" ] && idle="before: $(cat "$work/before.idle"); $idle"

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
cat > bench/REPORT.md <<REPORT
# Benchmark report

- Date: $(date -u +%Y-%m-%dT%H:%MZ)
- Machine: $(nproc) cores ($cpu), $mem RAM, $(uname -sr); load generator and servers share the cores
- Build: release, $(rustc --version)
- Command: \`bash bench/run.sh $DURATION $CONNECTIONS\` → \`wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency <url>\` after a 5 s warm-up
- cercat-api: embedded mode (SQLite, in-process cache), 2 workers, request telemetry on (one
  JSON log line per request to a file — $requests_logged lines written — plus Prometheus metrics);
  \`/api/v2/certificates/1\` is served from the certificate cache after the first read.
- cercat-api (auth): \`GET /api/v2/users/me\` with \`Access-Token: Bearer …\` (JWT check, session-revocation
  check answered by the in-process front of the revocation table, one SQLite read).
- cercat-api (questions): \`GET /api/v2/mock-exams/{id}/questions\` with a token — the demo exam's 100 questions
  (≈$(wc -c <"$work/questions.json" | tr -d ' ') bytes of JSON) from the question-set cache.
- cercat-api (submit): \`POST /api/v2/mock-exams/{id}/mock-exam-results\` with the client's 100-answer body, 16
  connections: server-side grading, then one SQLite transaction writing the result, 5 subject rows, 100 answer
  rows and the outbox event, then exact report-cache invalidation. Every request is a new attempt of the same user.
- cercat-api (posts): \`GET /api/v2/certificates/1/posts?postType=NORMAL&page=0&size=10\` — a page of 10 of the 30
  seeded posts with authors, images, the caller's like status (three small indexed queries per page).
- cercat-api (like-unlike): \`POST /api/v2/likes\` and \`DELETE /api/v2/likes\` (JSON body) alternating on one post, 16
  connections of one user: each is a write transaction (counter + like row) on SQLite.
- cercat-api (login): \`POST /api/v2/auth/login\` of one account with 4 connections (5 tries in flight per account and
  client get 429 by design: tries are counted before hashing); bound by argon2id, which runs on at most
  \`auth.hash_concurrency\` (2) dedicated hashing threads. $hash_cost
- bare actix: one handler returning a fixed JSON body, no middleware.

Idle resident memory after start (VmRSS): $idle.

| server | path | requests/s | p50 | p99 | peak RSS | errors |
|---|---|---|---|---|---|---|
$rows

Ratios to the bare actix handler in this run:

| path | before | after | goal |
|---|---|---|---|
$(echo "$rows" | awk -F'|' '
  function trim(s) { gsub(/^ +| +$/, "", s); return s }
  /bare actix/ {bare=$4}
  /\| (before|after) / {n=trim($2); split(n, w, " "); who=w[1]; sub(/^(before|after) /, "", n);
    if (!(n in seen)) {seen[n]=1; order[++k]=n}; rps[who, n]=$4}
  END {
    goal["certificate (cached)"]="≥ 0.5"; goal["users/me (auth)"]="≥ 0.25"; goal["questions (80 KB, cached)"]="≥ 0.4"
    goal["posts page"]="≥ 0.15, p99 ≤ 10 ms"; goal["like-unlike"]="≥ 0.08"; goal["submit"]="≥ 2,000/s, p99 ≤ 20 ms"
    goal["login"]="argon2-bound, unchanged"
    for (i=1; i<=k; i++) { n=order[i]
      b = ((("before", n) in rps) ? sprintf("%.3f", rps["before", n]/bare) : "–")
      printf "| %s | %s | %.3f | %s |\n", n, b, rps["after", n]/bare, goal[n] } }')

The production-profile rows of the same goals have their own reports, run on the same machine:
the enrollment surge in [COURSE.md](COURSE.md) (\`bash bench/course_surge.sh\`), like → SSE through
Kafka with two api instances in [LIKE_SSE.md](LIKE_SSE.md) (\`bash bench/like_sse.sh\`), first-come
coupon claims in [COUPONS.md](COUPONS.md) (\`bash bench/coupon_rush.sh\`).
REPORT
cat bench/REPORT.md
