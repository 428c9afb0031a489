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
# shellcheck source=benches/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

x='' y='' grid=0.03,0.1,0.3,1,3,10 folds=5 tol=1e-6 threads=2 rounds=2
parse_args x y c-grid:grid inner-folds:folds tol threads rounds -- "$@"
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
rust_best='' sk_best=''
for r in $(seq 1 "$rounds"); do
  echo "round $r: load $(cut -d' ' -f1-3 /proc/loadavg)"
  rust=$("$bin" "${common[@]}" | grep '^bench_probe:')
  sk=$("$python" benches/sklearn_probe.py "${common[@]}" | grep '^bench_probe:')
  echo "round $r: rust    $rust"
  echo "round $r: sklearn $sk"
  rust_s=$(echo "$rust" | field seconds)
  sk_s=$(echo "$sk" | field seconds)
  rust_best=$(smaller "$rust_best" "$rust_s")
  sk_best=$(smaller "$sk_best" "$sk_s")
done
ratio=$(ratio "$rust_best" "$sk_best" 4)
echo "fastest: rust ${rust_best} s, scikit-learn ${sk_best} s, ratio rust/scikit-learn = $ratio (load $(cut -d' ' -f1-3 /proc/loadavg))"
