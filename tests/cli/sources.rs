//! `costper sources`: every line read is accounted for exactly once; rejected lines are
//! listed with file, line and reason; discovery reports where it looked.

use crate::common::*;

fn int(v: &serde_json::Value) -> i64 {
    v.as_i64().unwrap()
}

#[test]
fn every_line_lands_in_exactly_one_bucket() {
    let rows = run(&args(&[
        &["sources", "--format", "json"],
        CLAUDE,
        CODEX,
        EDGE,
    ]))
    .ok()
    .json();
    for r in rows.as_array().unwrap() {
        assert_eq!(
            int(&r["rows"]),
            int(&r["accepted"])
                + int(&r["duplicates"])
                + int(&r["ignored"])
                + int(&r["rejected"])
                + int(&r["incomplete"]),
            "{r:#}"
        );
    }
    let c = row(&rows, "path", "fixtures/claude/projects");
    assert_eq!(
        (
            int(&c["files"]),
            int(&c["rows"]),
            int(&c["accepted"]),
            int(&c["duplicates"])
        ),
        (4, 21, 8, 6)
    );
    assert_eq!(
        (
            int(&c["ignored"]),
            int(&c["rejected"]),
            int(&c["incomplete"])
        ),
        (5, 1, 1)
    );
    assert_eq!(nano(&c["cost_usd"]), 4_956_619_000);
    assert_eq!(c["unpriced_requests"], 1);
    assert_eq!(c["first_ts"], "2026-03-01T12:00:00.000Z");
    assert_eq!(c["last_ts"], "2026-10-04T08:00:00.000Z");
    assert_eq!(c["currency"], "USD");
    assert_eq!(c["format"], "claude_code");

    let x = row(&rows, "path", "fixtures/codex/sessions");
    assert_eq!(
        (
            int(&x["rows"]),
            int(&x["accepted"]),
            int(&x["duplicates"]),
            int(&x["ignored"])
        ),
        (14, 4, 3, 7)
    );
    assert_eq!(nano(&x["cost_usd"]), 39_125_000);

    let e = row(&rows, "path", "fixtures/claude-edge/projects");
    assert_eq!(
        (
            int(&e["files"]),
            int(&e["rows"]),
            int(&e["accepted"]),
            int(&e["rejected"])
        ),
        (3, 5, 2, 3)
    );
}

/// The money in `sources` equals the money in every usage view (nothing is lost between
/// ingest and report), and every grouping, single or combined, has the same token and call
/// sums: each builds only the frame columns it shows (`usage_view_columns`), and dropping
/// one it needs fails here.
#[test]
fn sources_and_usage_totals_agree() {
    let src = run(&args(&[&["sources", "--format", "json"], CLAUDE, CODEX]))
        .ok()
        .json();
    let src_total: i64 = src
        .as_array()
        .unwrap()
        .iter()
        .map(|r| nano(&r["cost_usd"]))
        .sum();
    let mut measures = Vec::new();
    for by in [
        "day",
        "week",
        "month",
        "model",
        "session",
        "project",
        "source",
        "month,model",
        "source,project",
        "project,session",
    ] {
        let rows = run(&args(&[
            &["usage", "--by", by, "--format", "json"],
            CLAUDE,
            CODEX,
        ]))
        .ok()
        .json();
        assert_eq!(total_cost(&rows), src_total, "--by {by}");
        let sum = |field: &str| -> i64 {
            rows.as_array()
                .unwrap()
                .iter()
                .map(|r| r[field].as_i64().unwrap_or(0))
                .sum()
        };
        let got = (
            sum("total_tokens"),
            sum("requests"),
            sum("unpriced_requests"),
        );
        assert!(got.0 > 0 && got.1 > 0, "--by {by}: {got:?}");
        measures.push((by, got));
    }
    for (by, got) in &measures {
        assert_eq!(*got, measures[0].1, "--by {by} against --by day");
    }
}

#[test]
fn rejected_lines_are_listed_with_file_line_and_reason() {
    let r = run(&args(&[
        &["sources", "--rejected", "--format", "csv"],
        CLAUDE,
        EDGE,
    ]))
    .ok();
    insta::assert_snapshot!("sources_rejected_csv", r.stdout);
}

#[test]
fn table_summary() {
    let r = run(&args(&[&["sources"], CLAUDE, CODEX])).ok();
    insta::assert_snapshot!("sources_table", r.stdout);
}

fn write(path: &std::path::Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const CALL: &str = r#"{"type":"assistant","sessionId":"s","timestamp":"2026-10-01T00:00:00Z","message":{"id":"m","model":"claude-haiku-4-5","usage":{"input_tokens":1000000,"output_tokens":0}},"requestId":"r"}"#;

#[test]
fn discovers_default_locations_and_says_so() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".claude/projects/-p/s.jsonl"),
        &format!("{CALL}\n"),
    );
    write(
        &home
            .path()
            .join(".codex/sessions/2026/10/01/rollout-x.jsonl"),
        "",
    );
    let r = finish(
        cmd(home.path())
            .args(["sources", "--format", "json"])
            .output()
            .unwrap(),
    )
    .ok();
    let rows = r.json();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["found_by"], "default location");
    assert_eq!(nano(&rows[0]["cost_usd"]), 1_000_000_000);
    assert!(
        r.stderr.contains("reading Claude Code transcripts from")
            && r.stderr.contains(".claude/projects"),
        "{}",
        r.stderr
    );

    // CLAUDE_CONFIG_DIR replaces the defaults
    let other = tempfile::tempdir().unwrap();
    write(
        &other.path().join("projects/-q/a.jsonl"),
        &format!("{CALL}\n"),
    );
    write(
        &other.path().join("projects/-q/b.jsonl"),
        &format!("{}\n", CALL.replace("\"m\"", "\"m2\"")),
    );
    let r = finish(
        cmd(home.path())
            .args(["sources", "--format", "json"])
            .env("CLAUDE_CONFIG_DIR", other.path())
            .output()
            .unwrap(),
    )
    .ok();
    let rows = r.json();
    let claude = row(&rows, "format", "claude_code");
    assert_eq!(claude["files"], 2);
    assert_eq!(claude["found_by"], "env CLAUDE_CONFIG_DIR");
}

#[test]
fn nothing_found_is_a_warning_not_a_failure() {
    let r = run(&["usage", "--format", "json"]).ok();
    assert_eq!(r.stdout.trim(), "[]");
    assert!(r.stderr.contains("no agent logs found"), "{}", r.stderr);
}
