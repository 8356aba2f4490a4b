//! `costper demo`: runs on a fresh machine with nothing installed, gives the same output
//! every time, and is the full report on a whole (synthetic) organisation.

use crate::common::*;

#[test]
fn demo_runs_and_is_deterministic() {
    let a = run(&["demo", "--format", "json"]).ok();
    let b = run(&["demo", "--format", "json", "--threads", "1"]).ok();
    assert_eq!(a.stdout, b.stdout);
    let v = a.json();
    let s = &v["summary"];
    // conservation, and every headline figure present
    assert_eq!(
        nano(&s["attributed_cost_usd"]) + nano(&s["unattributed_cost_usd"]),
        nano(&s["input_cost_usd"])
    );
    for k in [
        "cost_per_merged_pr_usd",
        "fully_loaded_cost_per_merged_pr_usd",
        "median_pr_cost_usd",
        "p90_pr_cost_usd",
    ] {
        assert!(s[k].is_number(), "{k}: {s:#}");
    }
    assert_eq!(s["merged_prs"], 5);
    assert!(nano(&s["abandoned_cost_usd"]) > 0);
    assert!(nano(&s["reverted_cost_usd"]) > 0);
    assert!(nano(&s["wip_cost_usd"]) > 0);
    assert!(nano(&s["commit_cost_usd"]) > 0);
    // the session that wrote acme-api's login commit books to PR #101 by that commit
    let p101 = v["prs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["number"] == 101)
        .unwrap();
    assert!(
        p101["signals"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("commit"))
    );
    // the day with a bill is reconciled: the logs scaled ×1.07 to it
    let rec = v["reconciliation"].as_array().unwrap();
    assert_eq!(rec.len(), 3);
    assert!(rec.iter().all(|r| r["factor"].as_f64() == Some(1.07)));
    assert!(v["warnings"].as_array().unwrap().is_empty(), "{v:#}");
    // paths are relative to the demo directory, whatever the temporary directory was
    let inputs = v["inputs"].as_array().unwrap();
    assert_eq!(inputs[0]["path"], "claude/projects");
    assert!(!a.stdout.contains("costper-demo-"));
    assert!(!a.stdout.contains("omitted in the demo"));
}

#[test]
fn demo_table() {
    let r = run(&["demo"]).ok();
    insta::assert_snapshot!("demo_table", r.stdout);
}

#[test]
fn demo_keep_writes_inputs_that_report_reads_alike() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let kept = run(&["demo", "--keep", d, "--format", "json"]).ok();
    assert!(kept.stderr.contains("costper.toml"), "{}", kept.stderr);
    let cfg = dir.path().join("costper.toml");
    let report = run(&[
        "report",
        "--config",
        cfg.to_str().unwrap(),
        "--format",
        "json",
    ])
    .ok()
    .json();
    let demo = kept.json();
    for section in [
        "summary",
        "by_model",
        "by_workflow",
        "prs",
        "unattributed",
        "reconciliation",
    ] {
        assert_eq!(report[section], demo[section], "{section}");
    }
    // and its logs read alike with `usage`
    let by_model = run(&[
        "usage",
        "--by",
        "model",
        "--format",
        "json",
        "--config",
        cfg.to_str().unwrap(),
    ])
    .ok()
    .json();
    assert_eq!(by_model.as_array().unwrap().len(), 4);
}

#[test]
fn demo_single_views() {
    let t = run(&["demo", "--by", "pr", "--format", "csv"]).ok().stdout;
    assert!(t.starts_with("repo,number,title"), "{t}");
    assert_eq!(t.lines().count(), 8); // header + 7 PRs
}
