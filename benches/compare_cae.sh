#!/usr/bin/env bash
# Runs the Candle benchmark (examples/bench_cae.rs) and its PyTorch peer (benches/torch_cae.py) in
# turn, several rounds, and prints the ratio of median step times Candle/PyTorch per round and the
# median ratio (below 1.0: Candle is faster).
#
# Usage: benches/compare_cae.sh [--preset compact|paper] [--batch N] [--steps N] [--rounds N]
# Environment: PYTHON (default: python3) must have torch installed.
set -euo pipefail
# shellcheck source=benches/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

preset=compact batch=16 steps=3 rounds=3
parse_args preset batch steps rounds -- "$@"
python=${PYTHON:-python3}
cd "$(dirname "$0")/.."

cargo build --release --example bench_cae >&2
bin=target/release/examples/bench_cae

ratios=()
for r in $(seq 1 "$rounds"); do
  c_line=$("$bin" --preset "$preset" --batch "$batch" --steps "$steps" 2>/dev/null | grep '^bench_cae: preset=')
  t_line=$("$python" benches/torch_cae.py --preset "$preset" --batch "$batch" --steps "$steps" --threads 2 2>/dev/null | grep '^bench_cae: preset=')
  compare_round "$r" median_step_s candle "$c_line" pytorch "$t_line"
done
median=$(median "${ratios[@]}")
echo "compare_cae: preset=$preset batch=$batch rounds=$rounds median_ratio=$median load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
