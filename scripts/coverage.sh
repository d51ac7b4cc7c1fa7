#!/usr/bin/env bash
# Line coverage per crate, the table of docs/coverage.md.
set -euo pipefail
cd "$(dirname "$0")/.."

llvm_major=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
export LLVM_COV=${LLVM_COV:-$(command -v "llvm-cov-$llvm_major" || echo "/usr/lib/llvm-$llvm_major/bin/llvm-cov")}
export LLVM_PROFDATA=${LLVM_PROFDATA:-$(command -v "llvm-profdata-$llvm_major" || echo "/usr/lib/llvm-$llvm_major/bin/llvm-profdata")}
export CARGO_INCREMENTAL=0
echo "needs: cargo-llvm-cov (installed if missing), LLVM $llvm_major's llvm-cov and llvm-profdata (apt: llvm-$llvm_major), MariaDB on 127.0.0.1:3306, Redis on 127.0.0.1:6379" >&2
[[ -x $LLVM_COV && -x $LLVM_PROFDATA ]] || { echo "no LLVM $llvm_major tools at $LLVM_COV / $LLVM_PROFDATA" >&2; exit 1; }
command -v cargo-llvm-cov >/dev/null || cargo install cargo-llvm-cov --locked

# The domain crates with their own tests, plus the adapters' tests that run the domain
# testkits' contract suites (SQLite, MariaDB, Redis, in-process). The api and admin binaries'
# black-box tests are left out: they take long instrumented and would hide untested rules.
packages=(
  cercat-common cercat-user cercat-certificate cercat-mockexam cercat-learning cercat-community
  cercat-alarm cercat-course cercat-coupon cercat-database cercat-redis cercat-embedded
)
args=()
for p in "${packages[@]}"; do args+=(-p "$p"); done

cargo llvm-cov clean --workspace
cargo llvm-cov --no-report --locked "${args[@]}" -- --include-ignored
cargo llvm-cov report --json --summary-only --output-path target/llvm-cov-summary.json
python3 scripts/coverage-table.py target/llvm-cov-summary.json
