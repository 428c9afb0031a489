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
# shellcheck source=benches/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

patch=128 batch=16 batches=8 encoders=3 slope=0.1 threads=2 rounds=3
parse_args patch batch batches encoders slope threads rounds -- "$@"
python=${PYTHON:-python3}
cd "$(dirname "$0")/.."

cargo build --release --example bench_statistics >&2
bin=target/release/examples/bench_statistics
export RAYON_NUM_THREADS=$threads
common=(--patch "$patch" --batch "$batch" --encoders "$encoders" --slope "$slope")

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
  compare_round "$r" median_batch_s rust "$rust" pytorch "$torch"
done
median=$(median "${ratios[@]}")
echo "compare_statistics: patch=$patch batch=$batch encoders=$encoders rounds=$rounds median_ratio=$median load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
