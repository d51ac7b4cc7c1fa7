#!/usr/bin/env bash
# Checks deploy/ offline: nginx's config renders and passes `nginx -t`; Prometheus' config and
# alert rules pass promtool; every metric the rules use is one the programs export.
# Installs Debian's nginx-light and prometheus (for promtool) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nginx >/dev/null || need+=(nginx-light)
command -v promtool >/dev/null || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (Debian)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "-- nginx -t (deploy/nginx rendered for 127.0.0.1)"
bash deploy/nginx/render.sh "$work/nginx" 127.0.0.1:18180 http://127.0.0.1:18181
nginx -t -q -c "$work/nginx/nginx.conf" -p "$work/nginx"

echo "-- promtool check config / rules"
promtool check config deploy/prometheus/prometheus.yml
promtool check rules deploy/prometheus/rules/*.yml

echo "-- the metrics of the alert rules and the dashboards exist in the code"
python3 - <<'PY'
import json, pathlib, re, sys
exported = set()
for path in pathlib.Path(".").glob("*/**/src/**/*.rs"):
    if "target" in path.parts:
        continue
    exported |= set(re.findall(r'(?:counter|gauge|histogram)!\(\s*"([a-z_]+)"', path.read_text()))
def names(text):
    return {re.sub(r"_(bucket|sum|count)$", "", n) for n in re.findall(r"\b((?:cercat|http)_[a-z_]+)\b", text)}
failed = False
for rules in sorted(pathlib.Path("deploy/prometheus/rules").glob("*.yml")):
    missing = sorted(names(rules.read_text()) - exported)
    if missing:
        print(f"{rules}: metrics no program exports: {', '.join(missing)}"); failed = True
boards = sorted(pathlib.Path("deploy/grafana/dashboards").glob("*.json"))
for board in boards:
    doc = json.loads(board.read_text())
    exprs = [t["expr"] for p in doc["panels"] for t in p.get("targets", [])]
    if not exprs:
        print(f"{board}: no panel queries anything"); failed = True
    missing = sorted(set().union(*map(names, exprs)) - exported)
    if missing:
        print(f"{board}: metrics no program exports: {', '.join(missing)}"); failed = True
if len(boards) < 4:
    print(f"{len(boards)} dashboards; the deployment promises four"); failed = True
if failed:
    sys.exit(1)
print(f"rules and {len(boards)} dashboards: every metric they use is exported")
PY

echo "-- docker compose config"
if docker compose version >/dev/null 2>&1; then
  MYSQL_PASSWORD=x MYSQL_ROOT_PASSWORD=x GRAFANA_ADMIN_PASSWORD=x docker compose -f deploy/compose.yaml \
    --env-file deploy/cercat.compose.env.example config -q
else
  echo "skipped: the docker compose plugin is not installed here"
fi
echo "deploy checks passed"
