#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU (never part of CI): builds with `--features cuda`,
# runs the tests that compare the CUDA path with the CPU one (max-pooling with switches and
# max-unpooling: crates/painter-conv/tests/cuda.rs; one CAE training step:
# crates/painter-cae/tests/cuda.rs), then times one CAE training step on the GPU for both presets,
# Candle (examples/bench_cae.rs --device cuda) against PyTorch on the same GPU
# (benches/torch_cae.py --device cuda), interleaved, and prints one summary. A few minutes, most of
# it the first build of Candle's CUDA kernels.
#
# Usage: benches/gpu.sh [--batch 16] [--steps 10] [--rounds 2]
# Environment: PYTHON (default: python3) must have a CUDA build of torch; CUDA_COMPUTE_CAP, if
# set, is passed on to the build of Candle's kernels (else it asks nvidia-smi).
set -uo pipefail
# shellcheck source=benches/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

batch=16 steps=10 rounds=2
parse_args batch steps rounds -- "$@"
python=${PYTHON:-python3}
cd "$(dirname "$0")/.." || exit 2

gpu=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)
if [ -z "$gpu" ]; then
  echo "gpu.sh: no NVIDIA GPU here (nvidia-smi lists none); run it on a GPU machine" >&2
  exit 2
fi
echo "gpu.sh: $gpu; $(nproc) CPU cores"

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
failed=0
summary=()

# One build of the CUDA kernels serves the tests and the benchmark (both --release).
if ! cargo build --release --features cuda --example bench_cae >&2; then
  echo "gpu.sh: the CUDA build failed" >&2
  exit 1
fi

for t in "painter-conv cuda" "painter-cae cuda"; do
  set -- $t
  if cargo test --release -p "$1" --features cuda --test "$2" >"$log/test" 2>&1; then
    result=$(grep -E '^test result:' "$log/test" | tail -1)
    summary+=("tests $1/tests/$2.rs: ok ($result)")
  else
    failed=1
    tail -30 "$log/test" >&2
    summary+=("tests $1/tests/$2.rs: FAILED")
  fi
done

if ! "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "gpu.sh: $python has no torch that sees a CUDA device; timing Candle only" >&2
  torch_ok=0
else
  torch_ok=1
fi

bin=target/release/examples/bench_cae
for preset in compact paper; do
  best_c='' best_t=''
  for r in $(seq 1 "$rounds"); do
    c_line=$("$bin" --preset "$preset" --batch "$batch" --steps "$steps" --device cuda 2>/dev/null | grep '^bench_cae:')
    echo "round $r: candle  ${c_line:-FAILED}"
    c=$(echo "$c_line" | field median_step_s)
    [ -n "$c" ] || { failed=1; continue; }
    best_c=$(smaller "$best_c" "$c")
    if [ "$torch_ok" = 1 ]; then
      t_line=$("$python" benches/torch_cae.py --preset "$preset" --batch "$batch" --steps "$steps" --device cuda 2>/dev/null | grep '^bench_cae:')
      echo "round $r: pytorch ${t_line:-FAILED}"
      t=$(echo "$t_line" | field median_step_s)
      [ -n "$t" ] && best_t=$(smaller "$best_t" "$t")
    fi
  done
  if [ -n "$best_c" ] && [ -n "$best_t" ]; then
    ratio=$(ratio "$best_c" "$best_t")
    summary+=("bench_cae $preset batch $batch: candle ${best_c} s/step, pytorch ${best_t} s/step, ratio candle/pytorch $ratio")
  else
    summary+=("bench_cae $preset batch $batch: candle ${best_c:-FAILED} s/step, pytorch ${best_t:-not run}")
  fi
done

echo "gpu.sh summary ($gpu):"
printf '  %s\n' "${summary[@]}"
exit "$failed"
