#!/usr/bin/env bash
# Runs the Candle benchmark (examples/bench_cae.rs) and its PyTorch peer (benches/torch_cae.py) in
# turn, several rounds, and prints the ratio of median step times Candle/PyTorch per round and the
# median ratio (below 1.0: Candle is faster).
#
# Usage: benches/compare_cae.sh [--preset compact|paper] [--batch N] [--steps N] [--rounds N]
# Environment: PYTHON (default: python3) must have torch installed.
set -euo pipefail

preset=compact batch=16 steps=3 rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
python=${PYTHON:-python3}
cd "$(dirname "$0")/.."

cargo build --release --example bench_cae >&2
bin=target/release/examples/bench_cae

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

ratios=()
for r in $(seq 1 "$rounds"); do
  c_line=$("$bin" --preset "$preset" --batch "$batch" --steps "$steps" 2>/dev/null | grep '^bench_cae: preset=')
  t_line=$("$python" benches/torch_cae.py --preset "$preset" --batch "$batch" --steps "$steps" --threads 2 2>/dev/null | grep '^bench_cae: preset=')
  c=$(echo "$c_line" | field median_step_s)
  t=$(echo "$t_line" | field median_step_s)
  ratio=$(awk -v c="$c" -v t="$t" 'BEGIN { printf "%.3f", c / t }')
  ratios+=("$ratio")
  echo "round $r: candle  $c_line"
  echo "round $r: pytorch $t_line"
  echo "round $r: ratio candle/pytorch = $ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
echo "compare_cae: preset=$preset batch=$batch rounds=$rounds median_ratio=$median load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
