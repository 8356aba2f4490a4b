#!/usr/bin/env bash
# costper vs DuckDB on a billing CSV of ROWS rows (default 10,000,000): the Cursor team
# usage-events export written by `costper-gen billing` (one row per request, ~1.2 GB at 10M).
# costper reads it as it reads any export (`usage --export FILE --by day`: parse, validate,
# dedup, price-check, group by UTC day); DuckDB runs the equivalent GROUP BY over
# read_csv (same day buckets, the same token columns, `$`/Included/Free costs as exact
# DECIMAL). Side by side in one run, interleaved, medians of RUNS; `cat` is the I/O floor;
# the per-day totals of both are compared exactly.
# Usage: tests/bench/billing.sh [ROWS] [RUNS]
# Needs: cargo, python3 with venv + pip (installs duckdb into a temporary venv), /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-10000000}
RUNS=${2:-3}
DUCKDB_VERSION=2.0.0
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/costper-target}"
cargo build --release --quiet --bin costper --bin costper-gen
BIN="$CARGO_TARGET_DIR/release"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet "duckdb==$DUCKDB_VERSION"
"$BIN/costper-gen" billing --rows "$ROWS" > "$WORK/usage.csv"
echo "billing CSV: $ROWS rows, $(du -h "$WORK/usage.csv" | cut -f1); duckdb $DUCKDB_VERSION; $(nproc) cores"

cat > "$WORK/duck.py" <<'PY'
import json, sys, duckdb
rows = duckdb.sql(f"""
  SELECT strftime(CAST("Date" AS TIMESTAMPTZ) AT TIME ZONE 'UTC', '%Y-%m-%d') AS day,
         sum("Input (w/o Cache Write)") AS input,
         sum("Output Tokens") AS output,
         sum("Input (w/ Cache Write)" - "Input (w/o Cache Write)") AS cache_write,
         sum("Cache Read") AS cache_read,
         count(*) AS calls,
         sum(CASE WHEN "Cost" IN ('Included', 'Free') THEN 0
                  ELSE CAST(ltrim("Cost", '$') AS DECIMAL(18, 9)) END) AS cost
  FROM read_csv('{sys.argv[1]}', header = true, all_varchar = false)
  GROUP BY day ORDER BY day
""").fetchall()
json.dump([[r[0], *map(int, r[1:6]), str(r[6])] for r in rows], sys.stdout)
PY

measure() { # label, command... → appends "seconds kib" to $WORK/label.times
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$WORK/t" "$@" > "$WORK/$label.out" 2> "$WORK/$label.err"
    cat "$WORK/t" >> "$WORK/$label.times"
}
for _ in $(seq "$RUNS"); do
    measure cat cat "$WORK/usage.csv"
    measure costper env HOME="$WORK/home" "$BIN/costper" usage -q --export "$WORK/usage.csv" \
        --by day --tz UTC --format json
    measure duckdb "$WORK/venv/bin/python" "$WORK/duck.py" "$WORK/usage.csv"
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for l in cat costper duckdb; do
    t=$(cut -d' ' -f1 "$WORK/$l.times" | median)
    m=$(cut -d' ' -f2 "$WORK/$l.times" | median)
    printf '%-8s wall %6.2f s   peak RSS %7.1f MB   (runs: %s)\n' "$l" "$t" \
        "$(echo "$m / 1024" | bc -l)" "$(cut -d' ' -f1 "$WORK/$l.times" | tr '\n' ' ')"
done
python3 - "$WORK/costper.out" "$WORK/duckdb.out" <<'PY'
import json, sys
from decimal import Decimal
mine = json.load(open(sys.argv[1]), parse_float=Decimal)
duck = json.load(open(sys.argv[2]))
keys = ["input_tokens", "output_tokens", "cache_write_5m_tokens", "cache_read_tokens", "requests"]
a = {r["day"]: [r[k] for k in keys] + [Decimal(r["cost_usd"] or 0)] for r in mine}
b = {r[0]: r[1:6] + [Decimal(r[6])] for r in duck}
diff = [d for d in sorted(set(a) | set(b)) if a.get(d) != b.get(d)]
tot = lambda t: [sum(v[i] for v in t.values()) for i in range(6)]
print(f"days: costper {len(a)}, duckdb {len(b)}; totals costper {tot(a)}")
print(f"                          duckdb  {tot(b)}")
print("per-day totals: " + ("all equal" if not diff else f"DIFFERENT on {len(diff)} days, e.g. {diff[0]}: {a.get(diff[0])} vs {b.get(diff[0])}"))
PY
