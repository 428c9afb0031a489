#!/usr/bin/env bash
# predict throughput: the committed model (models/best) on the images of a folder, several rounds;
# in each round first one image alone (loading the model and one prediction: the fixed cost), then
# the whole folder, so the per-image rate is measured beside what every call pays once.
#   benches/predict.sh DIR [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="$1"
ROUNDS="${2:-3}"
cargo build --release --example predict
BIN=target/release/examples/predict
FIRST="$(find -L "$DIR" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | sort | head -1)"
N="$(find -L "$DIR" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | wc -l)"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
for round in $(seq 1 "$ROUNDS"); do
  one=$(seconds "$BIN" --json "$FIRST")
  all=$(seconds "$BIN" --json "$DIR")
  rate=$(echo "scale=2; ($N - 1) / ($all - $one)" | bc)
  echo "round $round: 1 image ${one} s, $N images ${all} s: $(echo "scale=2; $N / $all" | bc) images/s overall, ${rate} images/s beyond the first; load $(cut -d' ' -f1 /proc/loadavg)"
done
