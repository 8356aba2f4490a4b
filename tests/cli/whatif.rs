//! `costper whatif` on the synthetic organisation of report.rs, where every call is
//! claude-sonnet-4-5 with 100,000 input tokens ($0.30). Priced as claude-haiku-4-5 ($1 per
//! million input tokens) a call costs $0.10: $0.20 saved per call swapped.

use crate::common::*;
use crate::report::{CALL, org};

const HAIKU: i64 = 100_000_000;

fn whatif(o: &crate::report::Org, args: &[&str]) -> serde_json::Value {
    let mut a = vec![
        "whatif", "--config", &o.config, "--claude", &o.claude, "--format", "json",
    ];
    a.extend_from_slice(args);
    run(&a).ok().json()
}

#[test]
fn swapping_equals_the_hand_computation() {
    let o = org();
    let j = whatif(&o, &["--swap", "claude-sonnet-4-5=claude-haiku-4-5"]);
    let s = &j["summary"];
    assert_eq!(nano(&s["cost_usd"]), 13 * CALL);
    assert_eq!(nano(&s["whatif_cost_usd"]), 13 * HAIKU);
    assert_eq!(nano(&s["savings_usd"]), 13 * (CALL - HAIKU));
    assert_eq!(s["swapped_requests"], 13);
    // merged PRs with spend: api #1, #2, #3, #4, web #1 of 6 merged
    assert_eq!(s["merged_prs"], 6);
    assert_eq!(s["merged_prs_touched"], 5);
    let m = row(&j["by_model"], "model", "claude-sonnet-4-5");
    assert_eq!(m["swapped_to"], serde_json::json!(["claude-haiku-4-5"]));
    // PR api#1: three calls
    let p1 = j["prs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["repo"] == "acme/api" && p["number"] == 1)
        .unwrap();
    assert_eq!(nano(&p1["cost_usd"]), 3 * CALL);
    assert_eq!(nano(&p1["whatif_cost_usd"]), 3 * HAIKU);
    assert_eq!(nano(&p1["savings_usd"]), 3 * (CALL - HAIKU));

    // only the `login` workflow (5 calls: feat/login*)
    let j = whatif(
        &o,
        &[
            "--swap",
            "claude-sonnet-*=claude-haiku-4-5",
            "--workflow",
            "login",
        ],
    );
    assert_eq!(nano(&j["summary"]["savings_usd"]), 5 * (CALL - HAIKU));
    let wf = &j["by_workflow"];
    assert_eq!(
        nano(&row(wf, "workflow", "login")["savings_usd"]),
        5 * (CALL - HAIKU)
    );
    assert_eq!(nano(&row(wf, "workflow", "claude-code")["savings_usd"]), 0);
    // only acme/web (1 call)
    let j = whatif(
        &o,
        &[
            "--swap",
            "claude-sonnet-4-5=claude-haiku-4-5",
            "--in-repo",
            "acme/web",
        ],
    );
    assert_eq!(nano(&j["summary"]["savings_usd"]), CALL - HAIKU);
}

#[test]
fn policy_files_and_single_views() {
    let o = org();
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("routing.toml");
    // login work to Haiku, everything else of Sonnet to Opus 4.6 ($5/M input: $0.50 a call)
    std::fs::write(
        &policy,
        "[[swap]]\nfrom = \"claude-sonnet-*\"\nto = \"claude-haiku-4-5\"\nworkflow = \"login\"\n\n\
         [[swap]]\nfrom = \"claude-sonnet-*\"\nto = \"claude-opus-4-6\"\n",
    )
    .unwrap();
    let p = policy.to_str().unwrap();
    let j = whatif(&o, &["--policy", p]);
    let opus = 500_000_000;
    assert_eq!(
        nano(&j["summary"]["whatif_cost_usd"]),
        5 * HAIKU + 8 * opus,
        "{:#}",
        j["summary"]
    );
    // a negative saving is reported as such
    assert_eq!(
        nano(&j["summary"]["savings_usd"]),
        13 * CALL - 5 * HAIKU - 8 * opus
    );
    let t = whatif(&o, &["--policy", p, "--by", "workflow"]);
    assert_eq!(t.as_array().unwrap().len(), 2);
    let csv = run(&[
        "whatif", "--config", &o.config, "--claude", &o.claude, "--policy", p, "--by", "pr",
        "--format", "csv",
    ])
    .ok()
    .stdout;
    assert!(
        csv.starts_with(
            "repo,number,title,state,merged_in_period,cost_usd,whatif_cost_usd,savings_usd"
        ),
        "{csv}"
    );
}

#[test]
fn bad_swaps_are_usage_errors() {
    let o = org();
    for args in [
        vec!["--swap", "claude-sonnet-4-5"],
        vec!["--swap", "claude-sonnet-4-5=no-such-model"],
        vec![],
    ] {
        let mut a = vec!["whatif", "--config", &o.config, "--claude", &o.claude];
        a.extend(args);
        let r = run(&a);
        assert_eq!(r.code, 2, "{a:?}: {}", r.stderr);
    }
}
