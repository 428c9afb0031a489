#!/usr/bin/env bash
# Runs the linear probe's benchmark (examples/bench_probe.rs) and its scikit-learn peer
# (benches/sklearn_probe.py) on the same .npy files, interleaved (Rust, scikit-learn, Rust, ...),
# with the same thread count (for scikit-learn: its OpenMP threads; its BLAS runs on one thread,
# see the peer's docs), and prints every line with the load average before it, then the fastest
# time of each and their ratio (below 1.0: the Rust probe is faster).
#
# Usage: benches/probe.sh --x X.npy --y Y.npy [--c-grid 0.03,0.1,0.3,1,3,10] [--inner-folds 5]
#            [--tol 1e-6] [--threads 2] [--rounds 2]
# Environment: PYTHON (default: python3) must have numpy, scikit-learn and threadpoolctl.
set -euo pipefail

x='' y='' grid=0.03,0.1,0.3,1,3,10 folds=5 tol=1e-6 threads=2 rounds=2
while [ $# -gt 0 ]; do
  case "$1" in
    --x) x=$2; shift 2 ;;
    --y) y=$2; shift 2 ;;
    --c-grid) grid=$2; shift 2 ;;
    --inner-folds) folds=$2; shift 2 ;;
    --tol) tol=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ -z "$x" ] || [ -z "$y" ]; then
  echo "usage: benches/probe.sh --x X.npy --y Y.npy [options]" >&2
  exit 2
fi
python=${PYTHON:-python3}
cd "$(dirname "$0")/.."

cargo build --release --example bench_probe >&2
bin=target/release/examples/bench_probe
common=(--x "$x" --y "$y" --c-grid "$grid" --inner-folds "$folds" --tol "$tol" --threads "$threads")

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $threads threads each"
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
rust_best='' sk_best=''
for r in $(seq 1 "$rounds"); do
  echo "round $r: load $(cut -d' ' -f1-3 /proc/loadavg)"
  rust=$("$bin" "${common[@]}" | grep '^bench_probe:')
  sk=$("$python" benches/sklearn_probe.py "${common[@]}" | grep '^bench_probe:')
  echo "round $r: rust    $rust"
  echo "round $r: sklearn $sk"
  rust_s=$(echo "$rust" | field seconds)
  sk_s=$(echo "$sk" | field seconds)
  rust_best=$(awk -v a="$rust_best" -v b="$rust_s" 'BEGIN { print (a == "" || b < a) ? b : a }')
  sk_best=$(awk -v a="$sk_best" -v b="$sk_s" 'BEGIN { print (a == "" || b < a) ? b : a }')
done
ratio=$(awk -v a="$rust_best" -v b="$sk_best" 'BEGIN { printf "%.4f", a / b }')
echo "fastest: rust ${rust_best} s, scikit-learn ${sk_best} s, ratio rust/scikit-learn = $ratio (load $(cut -d' ' -f1-3 /proc/loadavg))"
