#!/usr/bin/env bash
# Renders deploy/nginx for one host without a container: a self-contained nginx.conf (pid,
# temp paths and logs under OUT) serving Cercat on LISTEN, the live colour at ACTIVE_URL.
# Usage: bash deploy/nginx/render.sh OUT LISTEN ACTIVE_URL [RESOLVER]
#   e.g. bash deploy/nginx/render.sh /tmp/cercat-nginx 127.0.0.1:18180 http://127.0.0.1:18181
# Then: nginx -c OUT/nginx.conf -p OUT   (reload: nginx -c OUT/nginx.conf -p OUT -s reload)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?OUT}; listen=${2:?LISTEN}; active=${3:?ACTIVE_URL}; resolver=${4:-127.0.0.53}
mkdir -p "$out/temp" "$out/logs"
out=$(cd "$out" && pwd)
printf 'set $cercat_api %s;\n' "$active" > "$out/active.conf"
CERCAT_LISTEN=$listen CERCAT_RESOLVER=$resolver CERCAT_ACTIVE_FILE=$out/active.conf python3 - "$here/cercat.conf.template" "$out/cercat.conf" <<'PY'
import os, re, sys
text = open(sys.argv[1]).read()
# Only the ${CERCAT_…} names, as the nginx image's envsubst does with its filter: nginx's own
# $variables stay.
def fill(m):
    name = m.group(1)
    if name not in os.environ:
        sys.exit(f"render: {name} is not set")
    return os.environ[name]
open(sys.argv[2], "w").write(re.sub(r"\$\{(CERCAT_[A-Z_]+)\}", fill, text))
PY
cat > "$out/nginx.conf" <<CONF
worker_processes 1;
pid $out/nginx.pid;
error_log $out/logs/error.log warn;
events { worker_connections 4096; }
http {
    client_body_temp_path $out/temp/body;
    proxy_temp_path $out/temp/proxy;
    fastcgi_temp_path $out/temp/fastcgi;
    uwsgi_temp_path $out/temp/uwsgi;
    scgi_temp_path $out/temp/scgi;
    include $out/cercat.conf;
}
CONF
