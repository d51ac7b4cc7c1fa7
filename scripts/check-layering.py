#!/usr/bin/env python3
"""Fails when a crate depends on what its layer must not (ARCHITECTURE.md, "Dependency rules").

- core-domain/* must not reach (normal deps, transitively) actix-web, sea-orm, sqlx, redis,
  deadpool-redis, rdkafka, object_store, reqwest or utoipa;
- core-domain/* and infrastructure/* must not depend on applications/*;
- supports/* must not depend on core-domain/*, infrastructure/* or applications/*;
- a program (cercat-api, cercat-admin, cercat-batch) must not depend on another program: they
  share kernels (cercat-http, cercat-bootstrap) instead. Dev-dependencies are not counted (a
  test may start two programs side by side);
- only the composition root (cercat-bootstrap) depends on infrastructure/* directly, so no
  handler or job can reach an adapter; cercat-admin may depend on cercat-database alone, for
  the schema commands (`migrate`, `seed`) that must run before any service can be built;
- no crate enables cercat-bootstrap's `test-support` feature (it exposes the adapters) outside
  its dev-dependencies.
"""
import json
import subprocess
import sys

PROGRAMS = {"cercat-api", "cercat-admin", "cercat-batch"}
# Direct infrastructure dependencies an application crate may have besides the composition root.
INFRASTRUCTURE_ALLOWED = {"cercat-bootstrap": None, "cercat-admin": {"cercat-database"}}
BANNED_IN_DOMAIN = {"actix-web", "sea-orm", "sqlx", "redis", "deadpool-redis", "rdkafka", "object_store", "reqwest", "utoipa"}

run = subprocess.run(["cargo", "metadata", "--format-version", "1"], capture_output=True, text=True)
if run.returncode != 0:
    sys.exit(f"cargo metadata failed:\n{run.stderr}")
meta = json.loads(run.stdout)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
members = set(meta["workspace_members"])


def layer(pkg_id):
    path = packages[pkg_id]["manifest_path"]
    for name in ("core-domain", "infrastructure", "applications", "supports"):
        if f"/{name}/" in path:
            return name
    return None


def normal_closure(root):
    seen, stack = set(), [root]
    while stack:
        for dep in nodes[stack.pop()]["deps"]:
            normal = any(k["kind"] in (None, "normal") for k in dep["dep_kinds"])
            if normal and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                stack.append(dep["pkg"])
    return seen


problems = []
for member in sorted(members, key=lambda m: packages[m]["name"]):
    name, own = packages[member]["name"], layer(member)
    reach = normal_closure(member)
    names = {packages[p]["name"] for p in reach}
    layers = {layer(p) for p in reach if p in members}
    if own == "core-domain" and names & BANNED_IN_DOMAIN:
        problems.append(f"{name} (core-domain) reaches {', '.join(sorted(names & BANNED_IN_DOMAIN))}")
    if own in ("core-domain", "infrastructure") and "applications" in layers:
        problems.append(f"{name} ({own}) depends on an application crate")
    programs = {packages[p]["name"] for p in reach if p in members} & PROGRAMS
    if programs - {name}:
        problems.append(f"{name} depends on the program(s) {', '.join(sorted(programs - {name}))}")
    if own == "applications":
        direct = {
            d["name"]
            for d in packages[member]["dependencies"]
            if d["kind"] is None and any(packages[p]["name"] == d["name"] and layer(p) == "infrastructure" for p in members)
        }
        allowed = INFRASTRUCTURE_ALLOWED.get(name, set())
        if allowed is not None and direct - allowed:
            problems.append(f"{name} depends on adapters directly ({', '.join(sorted(direct - allowed))}); use cercat-bootstrap's Services")
    for d in packages[member]["dependencies"]:
        if d["name"] == "cercat-bootstrap" and d["kind"] is None and "test-support" in d["features"]:
            problems.append(f"{name} enables cercat-bootstrap/test-support outside its dev-dependencies")
    if own == "supports" and layers & {"core-domain", "infrastructure", "applications"}:
        problems.append(f"{name} (supports) depends on {', '.join(sorted(layers - {'supports', None}))}")

if problems:
    print("layering violations:")
    for p in problems:
        print(f"  - {p}")
    sys.exit(1)
print(f"layering ok: {len(members)} workspace crates checked")
