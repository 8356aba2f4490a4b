//! The archive: `costper ingest --archive DIR` appends, a re-run skips what is unchanged,
//! history survives deleted transcripts, archives merge by copying, and corrupt or partial
//! files are reported or invisible.

use std::path::Path;

use crate::common::*;

fn demo(dir: &Path) -> String {
    run(&["demo", "--keep", dir.to_str().unwrap(), "-q"]).ok();
    dir.join("costper.toml").display().to_string()
}

fn ingest(config: &str, archive: &Path, machine: &str) -> serde_json::Value {
    let j = run(&[
        "ingest",
        "--config",
        config,
        "--archive",
        archive.to_str().unwrap(),
        "--machine",
        machine,
        "--format",
        "json",
    ])
    .ok()
    .json();
    j[0].clone()
}

fn report(config: &str, archive: Option<&Path>) -> serde_json::Value {
    let mut a = vec!["report", "--config", config, "--format", "json"];
    if let Some(p) = archive {
        a.extend(["--archive", p.to_str().unwrap()]);
    }
    run(&a).ok().json()
}

fn delete_transcripts(dir: &Path) {
    let mut stack = vec![dir.join("claude")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                std::fs::remove_file(p).unwrap();
            }
        }
    }
}

#[test]
fn history_survives_deleted_transcripts_and_reruns_skip_unchanged_files() {
    let d = tempfile::tempdir().unwrap();
    let org = d.path().join("org");
    let arch = d.path().join("archive");
    let config = demo(&org);
    let before = report(&config, None);

    let first = ingest(&config, &arch, "laptop");
    assert!(first["records_new"].as_u64().unwrap() > 100, "{first:#}");
    assert_eq!(first["records_archived_before"], 0);
    // a re-run with no new data reads nothing and writes nothing
    let again = ingest(&config, &arch, "laptop");
    assert_eq!(again["files_read"], 0, "{again:#}");
    assert_eq!(again["files_unchanged"], first["files_read"]);
    assert_eq!(
        (
            again["records_new"].as_u64(),
            again["files_written"].as_u64()
        ),
        (Some(0), Some(0))
    );

    // Claude Code deletes transcripts after 30 days: the archive still has them, with their
    // commit links and the bill they reconcile with
    delete_transcripts(&org);
    let gone = report(&config, None);
    assert!(nano(&gone["summary"]["input_cost_usd"]) < nano(&before["summary"]["input_cost_usd"]));
    let after = report(&config, Some(&arch));
    for section in [
        "summary",
        "prs",
        "by_model",
        "by_workflow",
        "unattributed",
        "reconciliation",
    ] {
        assert_eq!(after[section], before[section], "{section}");
    }
    // inputs and archive together: the archived copies are duplicates, nothing counts twice
    let both_org = d.path().join("org2");
    let config2 = demo(&both_org);
    let both = report(&config2, Some(&arch));
    assert_eq!(both["summary"], before["summary"]);
}

#[test]
fn new_sessions_append_and_machines_merge_by_copying_files() {
    let d = tempfile::tempdir().unwrap();
    let org = d.path().join("org");
    let config = demo(&org);
    let a = d.path().join("a");
    let b = d.path().join("b");
    ingest(&config, &a, "laptop");
    // another machine archives the same logs plus a new session
    let extra =
        org.join("claude/projects/-home-dev-acme-api/5f0c1a2e-00ff-4000-8000-0000000000ff.jsonl");
    std::fs::write(
        &extra,
        r#"{"type":"assistant","sessionId":"5f0c1a2e-00ff-4000-8000-0000000000ff","cwd":"/home/dev/acme-api","gitBranch":"feat/login","timestamp":"2026-10-06T12:00:00.000Z","requestId":"req_extra","message":{"id":"msg_extra","model":"claude-sonnet-4-5","role":"assistant","content":[],"usage":{"input_tokens":1000000,"output_tokens":0}}}"#.to_string() + "\n",
    )
    .unwrap();
    let on_b = ingest(&config, &b, "ci-runner");
    let appended = ingest(&config, &a, "laptop");
    assert_eq!(appended["records_new"], 1, "{appended:#}");
    assert_eq!(
        appended["files_read"], 1,
        "only the new file is read: {appended:#}"
    );
    assert!(on_b["records_new"].as_u64().unwrap() > 100);

    // merge: copy b's files into a; overlapping records count once
    let merged = d.path().join("merged");
    for src in [&a, &b] {
        copy_dir(src, &merged);
    }
    delete_transcripts(&org);
    let from_merged = report(&config, Some(&merged));
    let from_a = report(&config, Some(&a));
    assert_eq!(from_merged["summary"], from_a["summary"]);
    // the extra call: 1M Sonnet input tokens, $3, on PR #101's branch (scaled by the bill of
    // that day like the other Claude calls)
    assert!(nano(&from_a["summary"]["input_cost_usd"]) > 3_000_000_000);
}

#[test]
fn corrupt_files_are_reported_and_partial_files_invisible() {
    let d = tempfile::tempdir().unwrap();
    let org = d.path().join("org");
    let config = demo(&org);
    let arch = d.path().join("archive");
    ingest(&config, &arch, "laptop");
    let month = arch.join("v1/usage/month=2026-10");
    // a foreign file and a partial write left by an interrupted ingest
    std::fs::write(month.join("notes.parquet"), "not parquet").unwrap();
    std::fs::write(month.join(".tmp-abc123.parquet"), "PAR1 half a file").unwrap();
    delete_transcripts(&org);
    let r = run(&[
        "report",
        "--config",
        &config,
        "--archive",
        arch.to_str().unwrap(),
        "--format",
        "json",
    ])
    .ok();
    assert!(r.stderr.contains("notes.parquet"), "{}", r.stderr);
    assert!(
        r.stderr.contains("not a readable costper archive file"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(".tmp-abc123"), "{}", r.stderr);
    assert!(nano(&r.json()["summary"]["input_cost_usd"]) > 0);
    // --strict makes it an error
    let strict = run(&[
        "report",
        "--config",
        &config,
        "--archive",
        arch.to_str().unwrap(),
        "--strict",
    ]);
    assert_eq!(strict.code, 1);
    // a missing archive directory is an error naming it
    let r = run(&[
        "report",
        "--config",
        &config,
        "--archive",
        "/nonexistent/archive",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("/nonexistent/archive"), "{}", r.stderr);
    // ingest needs an archive
    assert_eq!(run(&["ingest", "--claude", "fixtures/claude"]).code, 2);
}
