# shellcheck shell=bash
# Helpers shared by the benchmark scripts under benches/ (compare_cae.sh, compare_statistics.sh,
# gpu.sh, probe.sh); sourced, never run, and it sets no shell options (each script keeps its own):
#   parse_args FLAG[:VAR]... -- "$@"   sets VAR (default: FLAG) from each `--FLAG VALUE` pair; any
#                                      other argument: "unknown argument: ..." on stderr, exit 2
#   field NAME                         prints the number after `NAME=` in each line of stdin
#   median X...                        prints the median of the numbers (of two middle ones: their
#                                      mean to 3 decimals)
#   smaller A B                        prints the smaller number; A or B may be '' (none yet)
#   ratio A B [DECIMALS]               prints A / B to DECIMALS (default 3) decimals
#   compare_round R FIELD A LINE_A B LINE_B
#                                      prints "round R: A LINE_A", "round R: B LINE_B" (names
#                                      padded to 7) and "round R: ratio A/B = X", X the ratio of
#                                      their FIELD values (3 decimals), and appends X to the
#                                      caller's array ratios
# A script sources it before any cd: source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

parse_args() {
  local _pa_specs=() _pa_spec _pa_var
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    _pa_specs+=("$1")
    shift
  done
  [ $# -gt 0 ] && shift
  while [ $# -gt 0 ]; do
    _pa_var=''
    for _pa_spec in "${_pa_specs[@]}"; do
      if [ "$1" = "--${_pa_spec%%:*}" ]; then
        _pa_var=${_pa_spec#*:}
        break
      fi
    done
    if [ -z "$_pa_var" ]; then
      echo "unknown argument: $1" >&2
      exit 2
    fi
    printf -v "$_pa_var" '%s' "$2"
    shift 2
  done
}

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

median() {
  printf '%s\n' "$@" | sort -g |
    awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

smaller() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

ratio() { awk -v a="$1" -v b="$2" -v d="${3:-3}" 'BEGIN { printf "%." d "f", a / b }'; }

compare_round() {
  local x
  x=$(ratio "$(echo "$4" | field "$2")" "$(echo "$6" | field "$2")")
  ratios+=("$x")
  printf 'round %s: %-7s %s\n' "$1" "$3" "$4" "$1" "$5" "$6"
  echo "round $1: ratio $3/$5 = $x"
}
