#!/usr/bin/env bash
# Runs costper's fuzz targets with cargo fuzz (libFuzzer, AddressSanitizer, debug
# assertions): SECONDS per target, all targets or the ones named.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]        e.g. tests/fuzz/run.sh 600 transcript
# Installs cargo-fuzz (pinned) under ~/.cache/costper-tools on first use. The machine's
# only toolchain is stable; libFuzzer's instrumentation flags (-Zsanitizer, …) are
# nightly-only, so the build sets RUSTC_BOOTSTRAP=1, which lets the stable compiler accept
# them. The working corpus and any crash inputs stay outside the clone
# (~/.cache/costper-fuzz/); the committed seeds are tests/fuzz/seeds/<target>/. A crash is
# reproduced with `cargo fuzz run --fuzz-dir tests/fuzz TARGET FILE` (same environment), then
# its input belongs in the seeds once fixed, so the CI replay test keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    TARGETS=(transcript export pr_export git_commit git_pack config prices)
fi
TOOLS="$HOME/.cache/costper-tools"
if [ ! -x "$TOOLS/bin/cargo-fuzz" ]; then
    cargo install --quiet --locked cargo-fuzz@0.13.2 --root "$TOOLS"
fi
export PATH="$TOOLS/bin:$PATH"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${COSTPER_FUZZ_TARGET_DIR:-$HOME/.cache/costper-fuzz-target}"
STATE="$HOME/.cache/costper-fuzz"
cargo fuzz build --fuzz-dir tests/fuzz -a
for t in "${TARGETS[@]}"; do
    mkdir -p "$STATE/corpus/$t" "$STATE/artifacts/$t"
    echo "== $t: ${SECONDS_EACH}s"
    cargo fuzz run --fuzz-dir tests/fuzz -a "$t" "$STATE/corpus/$t" "tests/fuzz/seeds/$t" -- \
        -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -max_len=262144 -timeout=10 \
        -artifact_prefix="$STATE/artifacts/$t/" -print_final_stats=1 2>&1 \
        | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY|thread .* panicked|Done)" || true
    found=$(find "$STATE/artifacts/$t" -type f | wc -l)
    echo "   corpus $(find "$STATE/corpus/$t" -type f | wc -l) inputs; crash/timeout/oom inputs: $found"
done
