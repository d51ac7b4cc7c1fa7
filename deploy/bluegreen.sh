#!/usr/bin/env bash
# Blue-green deploy of the api behind nginx, without dropping requests or alarms.
#
#   deploy/bluegreen.sh IMAGE_TAG      start the idle colour on IMAGE_TAG, wait until it is ready,
#                                      switch nginx to it, drain and stop the old colour
#   deploy/bluegreen.sh --rollback     start the previous colour again (its image unchanged),
#                                      switch back, drain and stop the current one
#
# It refuses to switch to a colour that is not ready within BG_READY_SECS (default 120): the live
# colour keeps serving. Draining is the api's own SIGTERM handling: readiness 503 and alarm streams
# closed with `retry:` at once (clients reconnect through nginx, to the new colour, with
# Last-Event-ID), requests served for server.drain_secs, then in-flight requests finish.
#
# Two ways to run the colours:
#   BG_MODE=compose (default)  services api-blue / api-green of deploy/compose.yaml
#   BG_MODE=local              processes on one host (what the proof in CI uses):
#     BG_STATE      folder for pid files, logs and active.conf (nginx includes BG_STATE/active.conf)
#     BG_BLUE_PORT / BG_GREEN_PORT   the colours' ports
#     BG_NGINX      the nginx command to reload, e.g. "nginx -c /x/nginx.conf -p /x"
#     IMAGE_TAG is then the path of the cercat-api binary to run
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=${BG_MODE:-compose}
ready_secs=${BG_READY_SECS:-120}

die() { echo "bluegreen: $*" >&2; exit 1; }
log() { echo "bluegreen: $*" >&2; }

case "$mode" in
  compose)
    compose=(docker compose -f "$here/compose.yaml")
    active_file=$here/nginx/active/active.conf
    url_of() { echo "http://api-$1:8080"; }
    ready() { "${compose[@]}" exec -T "api-$1" curl -fsS -o /dev/null "http://127.0.0.1:8080/health/ready"; }
    start() { # colour [image]; the image each colour runs is kept beside active.conf
      local image=${2:-$(cat "$here/nginx/active/$1.image" 2>/dev/null || echo cercat:latest)}
      echo "$image" >"$here/nginx/active/$1.image"
      env "CERCAT_IMAGE_$(echo "$1" | tr a-z A-Z)=$image" "${compose[@]}" up -d --no-deps --force-recreate "api-$1"
    }
    stop() { "${compose[@]}" stop -t 25 "api-$1"; }
    reload() { "${compose[@]}" exec -T nginx nginx -s reload; }
    ;;
  local)
    : "${BG_STATE:?BG_STATE}" "${BG_BLUE_PORT:?BG_BLUE_PORT}" "${BG_GREEN_PORT:?BG_GREEN_PORT}" "${BG_NGINX:?BG_NGINX}"
    active_file=$BG_STATE/active.conf
    port_of() { if [ "$1" = blue ]; then echo "$BG_BLUE_PORT"; else echo "$BG_GREEN_PORT"; fi; }
    url_of() { echo "http://127.0.0.1:$(port_of "$1")"; }
    ready() { curl -fsS -o /dev/null --max-time 3 "$(url_of "$1")/health/ready" 2>/dev/null; }
    start() { # colour [binary]
      local bin=${2:-$(cat "$BG_STATE/$1.bin" 2>/dev/null || true)}
      [ -x "$bin" ] || die "no binary to start $1 with"
      echo "$bin" >"$BG_STATE/$1.bin"
      CERCAT__SERVER__PORT=$(port_of "$1") setsid "$bin" >>"$BG_STATE/$1.log" 2>&1 </dev/null &
      echo $! >"$BG_STATE/$1.pid"
    }
    stop() {
      local pid
      pid=$(cat "$BG_STATE/$1.pid" 2>/dev/null || true)
      [ -n "$pid" ] || return 0
      kill -TERM "$pid" 2>/dev/null || return 0
      for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && { log "$1 did not stop in 30 s; killing it"; kill -KILL "$pid"; }
      rm -f "$BG_STATE/$1.pid"
    }
    reload() { $BG_NGINX -s reload; }
    ;;
  *) die "BG_MODE is compose or local, not $mode" ;;
esac

current=$(grep -o 'api-blue\|api-green' "$active_file" 2>/dev/null | head -1 | sed 's/api-//' || true)
if [ -z "$current" ]; then
  for c in blue green; do grep -q "$(url_of $c);" "$active_file" 2>/dev/null && current=$c; done
fi
[ -n "$current" ] || die "cannot tell the live colour from $active_file"
next=$([ "$current" = blue ] && echo green || echo blue)

case "${1:-}" in
  --rollback) image="" ;;
  "" | -h | --help) sed -n '2,20p' "$0"; exit 2 ;;
  *) image=$1 ;;
esac

started=$SECONDS
log "live: $current; starting $next${image:+ on $image}"
stop "$next" || true
start "$next" $image
until ready "$next"; do
  if [ $((SECONDS - started)) -ge "$ready_secs" ]; then
    stop "$next" || true
    die "$next is not ready after ${ready_secs} s: staying on $current"
  fi
  sleep 0.5
done
log "$next is ready; switching nginx"
printf '# The live colour: written by deploy/bluegreen.sh, read by nginx at every reload.\nset $cercat_api %s;\n' \
  "$(url_of "$next")" >"$active_file.tmp"
mv "$active_file.tmp" "$active_file"
reload
log "switched in $((SECONDS - started)) s: nginx sends new requests to $next"
log "draining $current"
stop "$current"
log "done in $((SECONDS - started)) s: live is $next"
