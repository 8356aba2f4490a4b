#!/usr/bin/env bash
# Archive re-run benchmark: a synthetic corpus of FILES Claude Code transcripts with CALLS
# calls each is ingested into an archive once; then `costper ingest` runs again with nothing
# new (every file unchanged) — the nightly case — and `costper report --archive` reads the
# whole history with the transcripts gone. Prints wall times (median of RUNS) and the
# archive's size. Usage: tests/bench/archive.sh [FILES] [CALLS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
FILES=${1:-2000}
CALLS=${2:-50}
RUNS=${3:-5}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/costper-target}"
cargo build --release --quiet --bin costper
BIN="$CARGO_TARGET_DIR/release/costper"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$WORK/claude/projects/-home-dev-app" "$FILES" "$CALLS" <<'PY'
import json, os, sys
d, files, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(d, exist_ok=True)
for f in range(files):
    s = f"{f:08x}-0000-4000-8000-000000000000"
    with open(f"{d}/{s}.jsonl", "w") as out:
        for c in range(calls):
            ts = f"2026-10-{1 + (f % 28):02d}T{9 + c // 60:02d}:{c % 60:02d}:00.000Z"
            out.write(json.dumps({"type": "assistant", "sessionId": s, "cwd": "/home/dev/app",
                "gitBranch": f"feat/{f % 97}", "timestamp": ts, "requestId": f"req_{f}_{c}",
                "message": {"id": f"msg_{f}_{c}", "model": "claude-sonnet-4-5", "role": "assistant",
                    "content": [], "usage": {"input_tokens": 100 + c, "output_tokens": 50,
                    "cache_read_input_tokens": 20000, "cache_creation_input_tokens": 0}}}) + "\n")
PY
A="$WORK/archive"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
first=$(timeit "$BIN" ingest -q --archive "$A" --claude "$WORK/claude" --machine bench)
rerun=$(for _ in $(seq "$RUNS"); do timeit "$BIN" ingest -q --archive "$A" --claude "$WORK/claude" --machine bench; done | median)
find "$WORK/claude" -name '*.jsonl' -delete
report=$(for _ in $(seq "$RUNS"); do timeit "$BIN" report -q --archive "$A" --claude "$WORK/claude" --format json; done | median)
echo "corpus: $FILES files x $CALLS calls = $((FILES * CALLS)) records"
echo "archive: $(du -sh "$A" | cut -f1) in $(find "$A" -name '*.parquet' | wc -l) Parquet file(s)"
echo "first ingest:             ${first}s"
echo "re-run, nothing new:      ${rerun}s (median of $RUNS)"
echo "report from archive only: ${report}s (median of $RUNS)"
