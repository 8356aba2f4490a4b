//! `costper demo`: runs on a fresh machine with nothing installed and gives the same
//! output every time.

use crate::common::*;

#[test]
fn demo_runs_and_is_deterministic() {
    let a = run(&["demo", "--format", "json"]).ok();
    let b = run(&["demo", "--format", "json", "--threads", "1"]).ok();
    assert_eq!(a.stdout, b.stdout);
    let v = a.json();
    for section in ["by_model", "by_day", "by_session", "sources"] {
        assert!(
            v[section].as_array().is_some_and(|r| !r.is_empty()),
            "{section}"
        );
    }
    let sources = v["sources"].as_array().unwrap();
    assert_eq!(sources[0]["path"], "claude/projects");
    assert!(sources.iter().all(|s| s["rejected"] == 0));
    // the demo's sessions link their commits
    let sessions = v["by_session"].as_array().unwrap();
    assert!(
        sessions
            .iter()
            .any(|s| s["commits"] == serde_json::json!(["1a2b3c4"]))
    );
}

#[test]
fn demo_table() {
    let r = run(&["demo"]).ok();
    insta::assert_snapshot!("demo_table", r.stdout);
}

#[test]
fn demo_keep_writes_inputs_that_usage_reads_alike() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    run(&["demo", "--keep", d, "-q"]).ok();
    let claude = dir.path().join("claude/projects");
    let codex = dir.path().join("codex/sessions");
    let rows = run(&[
        "usage",
        "--by",
        "model",
        "--format",
        "json",
        "--claude",
        claude.to_str().unwrap(),
        "--codex",
        codex.to_str().unwrap(),
    ])
    .ok()
    .json();
    let demo = run(&["demo", "--format", "json"]).ok().json();
    assert_eq!(rows, demo["by_model"]);
}
