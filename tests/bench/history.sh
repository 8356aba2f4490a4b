#!/usr/bin/env bash
# Benchmark: costper's history walk against git on generated ≥ 50k-commit histories.
#
#   tests/bench/history.sh [COMMITS] [RUNS]        (defaults: 50000 commits, 11 runs)
#
# Builds release binaries, generates squash-only, merge-only and mixed histories with
# `costper-gen` (packed with `git repack -ad`, like a fresh clone), and times, interleaved:
#   git log --first-parent --format=%H%x00%P%x00%B   (the mainline only)
#   git log --format=%H%x00%P%x00%B                  (every commit, the set costper reads)
#   costper prs --format json -o /dev/null -vv       (the walk phase from -vv, and wall time)
# each without and with git's commit-graph. Prints medians in ms and costper/git ratios, and
# checks costper's commit counts against git's.
set -euo pipefail

commits=${1:-50000}
runs=${2:-11}
root=$(cd "$(dirname "$0")/../.." && pwd)
# the release build shared by every benchmark script (outside the clone, like CI's)
target=${CARGO_TARGET_DIR:-$HOME/.cache/costper-target}
export CARGO_TARGET_DIR=$target
(cd "$root" && cargo build --release --locked --bin costper --bin costper-gen >&2)
costper=$target/release/costper
gen=$target/release/costper-gen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

printf '%-7s %-6s %8s %8s %8s %8s %10s %10s\n' style graph git-fp git-all walk total walk/fp walk/all
for style in squash merge mixed; do
  repo=$work/$style
  git init -q -b main "$repo"
  "$gen" history --style "$style" --commits "$commits" --seed 7 | git -C "$repo" fast-import --quiet
  git -C "$repo" repack -adq
  fp_count=$(git -C "$repo" rev-list --count --first-parent main)
  all_count=$(git -C "$repo" rev-list --count main)
  for graph in no yes; do
    if [ "$graph" = yes ]; then git -C "$repo" commit-graph write --reachable; fi
    : > "$work/times"
    for _ in $(seq "$runs"); do
      s=$(date +%s%N); git -C "$repo" log --first-parent --format=%H%x00%P%x00%B main > /dev/null; e=$(date +%s%N)
      echo "fp $(ms "$s" "$e")" >> "$work/times"
      s=$(date +%s%N); git -C "$repo" log --format=%H%x00%P%x00%B main > /dev/null; e=$(date +%s%N)
      echo "all $(ms "$s" "$e")" >> "$work/times"
      s=$(date +%s%N)
      "$costper" prs --repo "$repo" --format json -o "$work/out.json" -vv 2> "$work/err"
      e=$(date +%s%N)
      echo "total $(ms "$s" "$e")" >> "$work/times"
      walk=$(sed -n 's/.*timing: outcomes: \([0-9.]*\)s.*/\1/p' "$work/err")
      echo "walk $(awk -v w="$walk" 'BEGIN {printf "%d", w * 1000}')" >> "$work/times"
    done
    grep -q "$fp_count mainline commits, $all_count commits read" "$work/err" || {
      echo "costper's counts differ from git's ($fp_count, $all_count):" >&2; cat "$work/err" >&2; exit 1; }
    fp=$(awk '$1 == "fp" {print $2}' "$work/times" | median)
    all=$(awk '$1 == "all" {print $2}' "$work/times" | median)
    walk=$(awk '$1 == "walk" {print $2}' "$work/times" | median)
    total=$(awk '$1 == "total" {print $2}' "$work/times" | median)
    printf '%-7s %-6s %8s %8s %8s %8s %9.2fx %9.2fx\n' "$style" "$graph" "$fp" "$all" "$walk" "$total" \
      "$(awk -v a="$walk" -v b="$fp" 'BEGIN {print a / b}')" "$(awk -v a="$walk" -v b="$all" 'BEGIN {print a / b}')"
  done
done
echo "($commits commits per history, $runs interleaved runs, medians in ms; $(nproc) cores)"
