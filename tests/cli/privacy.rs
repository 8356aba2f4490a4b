//! Privacy: text from prompts, responses, thinking, tool output (including commit subjects),
//! summaries, file snapshots and Codex instructions never reaches any output.

use crate::common::*;

const CANARIES: &[&str] = &[
    "PROMPT-CANARY-7f3a",
    "RESPONSE-CANARY-2b9c",
    "THINKING-CANARY-51e0",
    "SUMMARY-CANARY-9d41",
    "SNAPSHOT-CANARY-0c77",
    "INSTRUCTIONS-CANARY-44ab",
    "Add login form",
    "Search API",
];

#[test]
fn no_canary_in_any_output() {
    let mut outputs = Vec::new();
    for format in ["table", "json", "csv", "ndjson", "markdown"] {
        for by in [
            "day", "week", "month", "model", "session", "project", "source",
        ] {
            outputs.push(run(&args(&[
                &["usage", "--by", by, "--format", format, "-vv"],
                CLAUDE,
                CODEX,
                EDGE,
            ])));
        }
        outputs.push(run(&args(&[
            &["sources", "--format", format, "-vv"],
            CLAUDE,
            CODEX,
            EDGE,
        ])));
        outputs.push(run(&args(&[
            &["sources", "--rejected", "--format", format, "-vv"],
            CLAUDE,
            CODEX,
            EDGE,
        ])));
    }
    outputs.push(run(&args(&[&["usage", "--strict"], CLAUDE])));
    for r in &outputs {
        for c in CANARIES {
            assert!(!r.stdout.contains(c), "`{c}` leaked to stdout");
            assert!(!r.stderr.contains(c), "`{c}` leaked to stderr");
        }
    }
}
