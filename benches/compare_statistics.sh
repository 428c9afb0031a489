#!/usr/bin/env bash
# Runs the channel-statistics benchmark (examples/bench_statistics.rs) and its PyTorch peer
# (benches/torch_statistics.py) on the same work: first a check that the two compute the same
# statistics of the same batch through the same encoders (bench_statistics --export, then the
# peer's --weights), then several rounds, interleaved (Rust, PyTorch, Rust, ...), each timing the
# median batch; prints every line, the ratio of median batch times Rust/PyTorch per round and the
# median ratio (below 1.0: Rust is faster).
#
# Usage: benches/compare_statistics.sh [--patch 128] [--batch 16] [--batches 8] [--encoders 3]
#            [--slope 0.1] [--threads 2] [--rounds 3]
# Environment: PYTHON (default: python3) must have torch and safetensors installed.
set -euo pipefail

patch=128 batch=16 batches=8 encoders=3 slope=0.1 threads=2 rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --patch) patch=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --encoders) encoders=$2; shift 2 ;;
    --slope) slope=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
python=${PYTHON:-python3}
cd "$(dirname "$0")/.."

cargo build --release --example bench_statistics >&2
bin=target/release/examples/bench_statistics
export RAYON_NUM_THREADS=$threads
common=(--patch "$patch" --batch "$batch" --encoders "$encoders" --slope "$slope")

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $threads threads each"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The check: one batch through the same encoders on both sides.
"$bin" "${common[@]}" --batches 1 --export "$work/check.safetensors" >/dev/null
"$python" benches/torch_statistics.py --weights "$work/check.safetensors" --slope "$slope" \
  --threads "$threads" --batches 1 | grep '^torch_statistics: check'

ratios=()
for r in $(seq 1 "$rounds"); do
  rust=$("$bin" "${common[@]}" --batches "$batches" | grep '^bench_statistics:')
  torch=$("$python" benches/torch_statistics.py --weights "$work/check.safetensors" \
    --slope "$slope" --threads "$threads" --batches "$batches" | grep '^bench_statistics:')
  a=$(echo "$rust" | field median_batch_s)
  b=$(echo "$torch" | field median_batch_s)
  ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')
  ratios+=("$ratio")
  echo "round $r: rust    $rust"
  echo "round $r: pytorch $torch"
  echo "round $r: ratio rust/pytorch = $ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
echo "compare_statistics: patch=$patch batch=$batch encoders=$encoders rounds=$rounds median_ratio=$median load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
