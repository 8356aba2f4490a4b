//! The waste finder on the synthetic organisation of report.rs (every call $0.30 of
//! claude-sonnet-4-5 input, no cache reads, no output; every exported PR 12 lines), with
//! thresholds that make each kind appear: the expected items are derived by hand in
//! docs/waste.md's terms.

use crate::common::*;
use crate::report::{CALL, org};

fn items(j: &serde_json::Value, kind: &str) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = j
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == kind)
        .map(|r| {
            (
                r["item"].as_str().unwrap().to_string(),
                nano(&r["cost_usd"]),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_kind_with_hand_derived_dollars() {
    let o = org();
    let mut config = std::fs::read_to_string(&o.config).unwrap();
    config.push_str(
        "\n[waste]\npremium_models = [\"claude-sonnet-*\"]\nsmall_pr_lines = 50\n\
         min_session_usd = \"0.50\"\nmin_cache_read_share = 0.5\nrunaway_factor = 1\n\
         runaway_min_usd = \"0.50\"\n\n[[policy]]\nworkflow = \"login\"\nallow = [\"claude-haiku-*\"]\n",
    );
    std::fs::write(&o.config, config).unwrap();
    let j = run(&[
        "report", "--config", &o.config, "--claude", &o.claude, "--by", "waste", "--format", "json",
    ])
    .ok()
    .json();
    // F on the closed PR #5; B's two calls on #3, reverted by #6
    assert_eq!(items(&j, "abandoned_pr"), vec![("acme/api#5".into(), CALL)]);
    assert_eq!(
        items(&j, "reverted_pr"),
        vec![("acme/api#3".into(), 2 * CALL)]
    );
    // H: a branch that never had a PR; I: feat/login a month before PR #1
    assert_eq!(
        items(&j, "no_outcome_session"),
        vec![("sH".into(), CALL), ("sI".into(), CALL)]
    );
    // merged PRs of 12 lines with Sonnet spend (web#1 has no size: not judged)
    assert_eq!(
        items(&j, "premium_small_pr"),
        vec![
            ("acme/api#1".into(), 3 * CALL),
            ("acme/api#2".into(), CALL),
            ("acme/api#3".into(), 2 * CALL),
            ("acme/api#4".into(), CALL),
        ]
    );
    // sessions of at least $0.50 with no cache reads: A and B ($0.60 each)
    assert_eq!(
        items(&j, "low_cache_session"),
        vec![("sA".into(), 2 * CALL), ("sB".into(), 2 * CALL)]
    );
    // every call produced no output: 13 calls in 11 sessions
    let dead = items(&j, "no_output_calls");
    assert_eq!(dead.len(), 11);
    assert_eq!(dead.iter().map(|d| d.1).sum::<i64>(), 13 * CALL);
    // the median session of both workflows costs $0.30; A and B cost twice that
    assert_eq!(
        items(&j, "runaway_session"),
        vec![("sA".into(), 2 * CALL), ("sB".into(), 2 * CALL)]
    );
    // login work (A, G, I, J: 5 calls) may only use Haiku
    assert_eq!(
        items(&j, "disallowed_model"),
        vec![("login: claude-sonnet-4-5".into(), 5 * CALL)]
    );
    // shares are of all spend ($3.90)
    let r = j
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "abandoned_pr")
        .unwrap();
    assert!((r["share"].as_f64().unwrap() - 1.0 / 13.0).abs() < 1e-6); // printed to 6 places

    // the full report carries the same items in its `waste` section
    let full = run(&[
        "report", "--config", &o.config, "--claude", &o.claude, "--format", "json",
    ])
    .ok()
    .json();
    assert_eq!(full["waste"], j);
}

#[test]
fn default_thresholds_flag_only_what_is_clearly_waste() {
    let o = org();
    let j = run(&[
        "report", "--config", &o.config, "--claude", &o.claude, "--by", "waste", "--format", "json",
    ])
    .ok()
    .json();
    // no premium model, no session of $1 or more, no $5 runaway, no policy
    for kind in [
        "premium_small_pr",
        "low_cache_session",
        "runaway_session",
        "disallowed_model",
    ] {
        assert!(items(&j, kind).is_empty(), "{kind}");
    }
    assert_eq!(items(&j, "abandoned_pr").len(), 1);
}
