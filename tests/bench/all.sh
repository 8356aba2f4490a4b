#!/usr/bin/env bash
# The whole benchmark table of docs/performance.md in one command, from a clean clone:
# costper vs ccusage 20.0.24 on a ~1 GB Claude Code corpus, vs DuckDB on a 10M-row billing
# CSV, vs git on 50k-commit histories, and the archive re-run. Each part builds the release
# binaries (once; later parts reuse them), generates its inputs with costper-gen in a temp
# dir, installs its peer into a temp prefix (npm, pip venv) and prints its own table; this
# script adds the machine and keeps a copy of everything in RESULTS (default
# ./bench-results.txt). Takes about 5 minutes on a 2-core machine once the release build
# exists (a cold one adds ~9 minutes); the peers are downloaded on every run.
#   tests/bench/all.sh [RESULTS]
# Sizes and run counts for a quicker look: the scripts' own arguments (see each header).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-bench-results.txt}
# one release build for all four scripts
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/costper-target}"
{
    echo "# costper benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB RAM"
    echo
    echo "## Claude Code transcripts: costper vs ccusage (tests/bench/ccusage.sh 1024 3)"
    tests/bench/ccusage.sh 1024 3
    echo
    echo "## Billing CSV: costper vs DuckDB (tests/bench/billing.sh 10000000 3)"
    tests/bench/billing.sh 10000000 3
    echo
    echo "## History walk: costper vs git (tests/bench/history.sh 50000 5)"
    tests/bench/history.sh 50000 5
    echo
    echo "## Archive re-run (tests/bench/archive.sh 10000 50 5)"
    tests/bench/archive.sh 10000 50 5
} 2>&1 | tee "$OUT"
