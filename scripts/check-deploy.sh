#!/usr/bin/env bash
# Checks deploy/ offline: nginx's config renders and passes `nginx -t`; Prometheus' config and
# alert rules pass promtool; every metric the rules and dashboards use is one the programs export;
# the Kubernetes manifests render with `kubectl kustomize` and validate against the Kubernetes
# schemas (kubernetes-validate from PyPI, strict). Installs Debian's nginx-light, prometheus (for
# promtool) and kubectl when missing, and kubernetes-validate into ~/.cache/cercat.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nginx >/dev/null || need+=(nginx-light)
command -v promtool >/dev/null || need+=(prometheus)
command -v kubectl >/dev/null || need+=(kubectl)
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

echo "-- kubectl kustomize + kubernetes-validate (base and the production overlay)"
kv_version=1.37.0
kv=${XDG_CACHE_HOME:-$HOME/.cache}/cercat/kubernetes-validate-$kv_version
if [ ! -x "$kv/bin/kubernetes-validate" ]; then
  echo "installing kubernetes-validate $kv_version into $kv"
  python3 -m venv "$kv" && "$kv/bin/pip" install -q "kubernetes-validate==$kv_version"
fi
cp -r deploy/k8s "$work/k8s"
# The overlay reads the secrets from secrets.env (kept out of git): render with the example.
cp "$work/k8s/overlays/production/secrets.env.example" "$work/k8s/overlays/production/secrets.env"
for target in base overlays/production; do
  kubectl kustomize "$work/k8s/$target" >"$work/rendered.yaml"
  "$kv/bin/kubernetes-validate" --strict --kubernetes-version 1.32.0 --quiet "$work/rendered.yaml"
  echo "$target: $(grep -c '^kind:' "$work/rendered.yaml") objects valid for Kubernetes 1.32"
done

echo "-- docker compose config"
if docker compose version >/dev/null 2>&1; then
  MYSQL_PASSWORD=x MYSQL_ROOT_PASSWORD=x GRAFANA_ADMIN_PASSWORD=x docker compose -f deploy/compose.yaml \
    --env-file deploy/cercat.compose.env.example config -q
else
  echo "skipped: the docker compose plugin is not installed here"
fi
echo "deploy checks passed"
