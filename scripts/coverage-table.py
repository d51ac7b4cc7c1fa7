#!/usr/bin/env python3
"""Sums `cargo llvm-cov report --json --summary-only` per workspace crate: a Markdown table."""
import json
import os
import sys

DOMAIN = "core-domain/"
TARGET = 85.0


def crate_of(path: str, root: str) -> str | None:
    rel = os.path.relpath(path, root)
    parts = rel.split(os.sep)
    if rel.startswith("..") or "src" not in parts:
        return None
    return "/".join(parts[: parts.index("src")])


def main() -> None:
    data = json.load(open(sys.argv[1]))["data"][0]
    root = os.getcwd()
    sums: dict[str, list[int]] = {}
    for f in data["files"]:
        crate = crate_of(f["filename"], root)
        if crate is None:
            continue
        lines = f["summary"]["lines"]
        s = sums.setdefault(crate, [0, 0])
        s[0] += lines["covered"]
        s[1] += lines["count"]
    print("| crate | lines | covered | line coverage |")
    print("|---|---:|---:|---:|")
    for crate in sorted(sums, key=lambda c: (not c.startswith(DOMAIN), c)):
        covered, count = sums[crate]
        pct = 100.0 * covered / count if count else 100.0
        mark = " ⚠ below 85 %" if crate.startswith(DOMAIN) and pct < TARGET else ""
        print(f"| `{crate}` | {count} | {covered} | {pct:.1f} %{mark} |")


if __name__ == "__main__":
    main()
