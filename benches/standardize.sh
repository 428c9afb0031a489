#!/usr/bin/env bash
# Decode + standardize benchmark: Rust (painter-data) and Pillow in turn, several rounds, same run.
#   benches/standardize.sh [ROUNDS] [extra args for both, e.g. --limit 600 --size 256]
# The Python interpreter is $PYTHON (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"
shift || true
PYTHON="${PYTHON:-python3}"
cargo build --release --example bench_standardize
BIN=target/release/examples/bench_standardize
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
for round in $(seq 1 "$ROUNDS"); do
  echo "--- round $round"
  "$BIN" "$@"
  "$PYTHON" benches/pillow_standardize.py "$@"
done
