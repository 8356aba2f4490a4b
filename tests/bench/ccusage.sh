#!/usr/bin/env bash
# costper vs ccusage 20.0.24 on a synthetic Claude Code corpus of SIZE_MB (default 1024),
# side by side in one run: wall time and peak RSS (medians of RUNS, interleaved), `cat` of
# the same files as the I/O floor, and the token and cost totals of both.
# Usage: tests/bench/ccusage.sh [SIZE_MB] [RUNS]
# Needs: cargo, node + npm (installs ccusage into a temporary prefix), /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=${1:-1024}
RUNS=${2:-3}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/costper-target}"
cargo build --release --quiet --bin costper --bin costper-gen
BIN="$CARGO_TARGET_DIR/release"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home" "$WORK/npm"
"$BIN/costper-gen" claude --dir "$WORK/corpus" --mb "$SIZE"
npm install --silent --prefix "$WORK/npm" ccusage@20.0.24 > /dev/null
CCUSAGE="$WORK/npm/node_modules/.bin/ccusage"
files=$(find "$WORK/corpus" -name '*.jsonl' | wc -l)
echo "corpus: $(du -sh "$WORK/corpus" | cut -f1) in $files files; ccusage $("$CCUSAGE" --version)"

measure() { # label, command... → appends "seconds kib" to $WORK/label
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$WORK/t" "$@" > "$WORK/$label.out" 2> /dev/null
    cat "$WORK/t" >> "$WORK/$label.times"
}
for _ in $(seq "$RUNS"); do
    measure cat sh -c "find '$WORK/corpus' -name '*.jsonl' -exec cat {} + > /dev/null"
    measure costper "$BIN/costper" usage -q --claude "$WORK/corpus" --by day --format json
    measure ccusage env HOME="$WORK/home" CLAUDE_CONFIG_DIR="$WORK/corpus" "$CCUSAGE" daily --offline --json
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for l in cat costper ccusage; do
    t=$(cut -d' ' -f1 "$WORK/$l.times" | median)
    m=$(cut -d' ' -f2 "$WORK/$l.times" | median)
    printf '%-8s wall %6.2f s   peak RSS %7.1f MB\n' "$l" "$t" "$(echo "$m / 1024" | bc -l)"
done
python3 - "$WORK/costper.out" "$WORK/ccusage.out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
cc = json.load(open(sys.argv[2]))["totals"]
mine = {
    "input": sum(r["input_tokens"] for r in rows),
    "output": sum(r["output_tokens"] for r in rows),
    "cache_read": sum(r["cache_read_tokens"] for r in rows),
    "cache_write": sum(r["cache_write_5m_tokens"] + r["cache_write_1h_tokens"] for r in rows),
    "cost": sum(r["cost_usd"] or 0 for r in rows),
}
theirs = {
    "input": cc["inputTokens"], "output": cc["outputTokens"],
    "cache_read": cc["cacheReadTokens"], "cache_write": cc["cacheCreationTokens"],
    "cost": cc["totalCost"],
}
for k in mine:
    same = "equal" if (k != "cost" and mine[k] == theirs[k]) else ("" if k == "cost" else "DIFFERENT")
    print(f"{k:12} costper {mine[k]:>18,.6f}   ccusage {theirs[k]:>18,.6f}   {same}")
PY
