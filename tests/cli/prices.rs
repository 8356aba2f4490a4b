//! `costper prices`: the table and model-name resolution.

use crate::common::*;

#[test]
fn resolves_display_names_and_shows_dated_periods() {
    let r = run(&["prices", "Claude Opus 4.6 (1M context)", "--format", "json"]).ok();
    let v = r.json();
    assert_eq!(v["resolution"]["model"], "claude-opus-4-6");
    assert_eq!(v["resolution"]["fast_multiplier"].to_string(), "6");
    let periods = v["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 2);
    assert_eq!(periods[0]["from"], "2026-02-05");
    assert_eq!(periods[0]["until"], "2026-03-12");
    assert_eq!(
        periods[0]["long_context_input_usd_per_mtok"].to_string(),
        "10"
    );
    assert_eq!(periods[1]["from"], "2026-03-13");
    assert_eq!(
        periods[1]["long_context_threshold"],
        serde_json::Value::Null
    );
    assert_eq!(periods[1]["cache_write_1h_usd_per_mtok"].to_string(), "10");
}

#[test]
fn table_of_one_model() {
    let r = run(&["prices", "claude-sonnet-4-5-20250929"]).ok();
    insta::assert_snapshot!("prices_sonnet_table", r.stdout);
}

#[test]
fn unknown_model_is_an_error_with_suggestions() {
    let r = run(&["prices", "claude-opus-9"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no price for model `claude-opus-9`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("claude-opus-4-6"), "{}", r.stderr);
}

#[test]
fn list_filters_by_provider() {
    let r = run(&["prices", "--provider", "anthropic", "--format", "csv"]).ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].starts_with("model,provider,from,input_usd_per_mtok,"),
        "{}",
        lines[0]
    );
    assert!(lines.len() > 20);
    assert!(lines[1..].iter().all(|l| l.contains(",anthropic,")));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("claude-haiku-4-5,anthropic,,1,5,0.1,1.25,2,")),
        "{}",
        r.stdout
    );
}

#[test]
fn price_file_overrides_usage_costs() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("model_prices_and_context_window.json");
    // LiteLLM format: USD per token; claude-experimental-9 becomes priced, haiku repriced
    std::fs::write(
        &p,
        r#"{"claude-experimental-9": {"litellm_provider": "anthropic", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
            "anthropic/claude-haiku-4-5": {"litellm_provider": "anthropic", "input_cost_per_token": 2e-06, "output_cost_per_token": 1e-05,
              "cache_read_input_token_cost": 2e-07, "cache_creation_input_token_cost": 2.5e-06}}"#,
    )
    .unwrap();
    let rows = run(&args(&[
        &[
            "usage",
            "--by",
            "model",
            "--format",
            "json",
            "--prices",
            p.to_str().unwrap(),
        ],
        CLAUDE,
    ]))
    .ok()
    .json();
    // 1000 × $1 + 100 × $2 per MTok = 1,200 µUSD
    assert_eq!(
        nano(&row(&rows, "model", "claude-experimental-9")["cost_usd"]),
        1_200_000
    );
    // haiku: 50×2 + 400×10 + 2000×2.5 + 10000×0.2 = 100 + 4000 + 5000 + 2000 = 11,100 µUSD
    assert_eq!(
        nano(&row(&rows, "model", "anthropic/claude-haiku-4-5")["cost_usd"]),
        11_100_000
    );
}
