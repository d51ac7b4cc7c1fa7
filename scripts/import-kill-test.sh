#!/usr/bin/env bash
# The import kill test: the real cercat-batch, importing from a local fake of Q-Net into
# embedded SQLite, SIGKILLed at ten random points and restarted each time; the final table
# must equal a clean run's and the history must show FAILED → … → SUCCEEDED. About 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0
exec cargo test --locked -p cercat-batch --test batch kill:: -- --include-ignored --nocapture "$@"
