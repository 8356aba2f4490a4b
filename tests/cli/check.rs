//! `costper check`: every rule passes (exit 0) and breaches (exit 3) on the demo
//! organisation, with its explanation on stderr; no threshold is a usage error.

use crate::common::*;

struct Org {
    dir: tempfile::TempDir,
    config: String,
}

fn org(extra_config: &str) -> Org {
    let dir = tempfile::tempdir().unwrap();
    run(&["demo", "--keep", dir.path().to_str().unwrap(), "-q"]).ok();
    let config = dir.path().join("costper.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(extra_config);
    std::fs::write(&config, text).unwrap();
    Org {
        config: config.display().to_string(),
        dir,
    }
}

fn check(o: &Org, args: &[&str]) -> Run {
    let mut a = vec!["check", "--config", &o.config, "--format", "json"];
    a.extend_from_slice(args);
    run(&a)
}

fn rule(r: &Run, name: &str) -> serde_json::Value {
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    row(&j, "rule", name).clone()
}

#[test]
fn every_rule_passes_and_breaches() {
    let o = org("");
    let report = run(&["report", "--config", &o.config, "--format", "json"])
        .ok()
        .json();
    let s = &report["summary"];
    let per_pr = nano(&s["cost_per_merged_pr_usd"]);
    let usd = |n: i64| format!("{}.{:09}", n / 1_000_000_000, n % 1_000_000_000);

    // cost per merged PR
    let r = check(&o, &["--max-cost-per-pr", &usd(per_pr)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(rule(&r, "max_cost_per_pr")["status"], "ok");
    let r = check(&o, &["--max-cost-per-pr", &usd(per_pr - 1)]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(rule(&r, "max_cost_per_pr")["status"], "breach");
    assert!(r.stderr.contains("1 of 1 rule(s) breached"), "{}", r.stderr);
    assert!(r.stderr.contains("max_cost_per_pr:"), "{}", r.stderr);

    // any merged PR: the most expensive is acme-api #101
    let top = report["prs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["merged_in_period"] == true)
        .map(|p| nano(&p["cost_usd"]))
        .max()
        .unwrap();
    assert_eq!(check(&o, &["--max-pr-cost", &usd(top)]).code, 0);
    let r = check(&o, &["--max-pr-cost", &usd(top - 1)]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("acme/acme-api#101"), "{}", r.stderr);

    // budget and forecast of October (last call 2026-10-14)
    let input = nano(&s["input_cost_usd"]);
    let r = check(&o, &["--budget", "1000"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(nano(&rule(&r, "budget")["actual"]), input);
    let r = check(&o, &["--budget", &usd(input - 1)]);
    assert_eq!(r.code, 3);
    assert_eq!(rule(&r, "budget")["status"], "breach");
    assert!(
        rule(&r, "budget_forecast")["detail"]
            .as_str()
            .unwrap()
            .contains("runs out on 2026-10-14"),
        "{}",
        r.stdout
    );
    // spend so far fits, the forecast to the month's end does not
    let r = check(&o, &["--budget", &usd(input + 1)]);
    assert_eq!(r.code, 3);
    assert_eq!(rule(&r, "budget")["status"], "ok");
    assert_eq!(rule(&r, "budget_forecast")["status"], "breach");

    // unattributed share
    let share = nano(&s["unattributed_cost_usd"]) as f64 / input as f64;
    let pct = |x: f64| format!("{:.4}%", x * 100.0);
    assert_eq!(
        check(&o, &["--max-unattributed-share", &pct(share + 0.001)]).code,
        0
    );
    assert_eq!(
        check(&o, &["--max-unattributed-share", &pct(share - 0.001)]).code,
        3
    );

    // actors: agent logs name none, so nothing is capped (and the detail says so)
    let r = check(&o, &["--max-actor-cost", "0.01"]);
    assert_eq!(r.code, 0);
    assert!(
        rule(&r, "max_actor_cost")["detail"]
            .as_str()
            .unwrap()
            .contains("name no actor")
    );

    // several rules at once: each listed, the exit code is 3 if any breaches
    let r = check(&o, &["--budget", "1000", "--max-pr-cost", "0.01"]);
    assert_eq!(r.code, 3);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j.as_array().unwrap().len(), 3);
}

#[test]
fn actor_caps_from_an_export() {
    let o = org("");
    let spend = o.dir.path().join("spend.csv");
    std::fs::write(
        &spend,
        "request_id,spend,startTime,model,user\n\
         r1,3.00,2026-10-03T10:00:00Z,gpt-5,ana@acme.example\n\
         r2,2.50,2026-10-20T10:00:00Z,gpt-5,ana@acme.example\n\
         r3,1.00,2026-10-04T10:00:00Z,gpt-5,bo@acme.example\n",
    )
    .unwrap();
    let args = [
        "check",
        "--config",
        &o.config,
        "--export",
        spend.to_str().unwrap(),
        "--max-actor-cost",
        "5",
        "--format",
        "json",
    ];
    let r = run(&args);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("ana@acme.example $5.50 in 2026-10"),
        "{}",
        r.stderr
    );
}

#[test]
fn thresholds_and_policies_from_the_config() {
    let o = org(
        "\n[check]\nmax_unattributed_share = 0.99\nbudget = \"1000\"\n\n\
         [[policy]]\nworkflow = \"dependency-updates\"\nallow = [\"claude-sonnet-*\"]\n\n\
         [[policy]]\nallow = [\"claude-*\", \"gpt-5*\"]\n",
    );
    let r = check(&o, &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let p = rule(&r, "policy[0] workflow=dependency-updates");
    assert_eq!(p["status"], "breach");
    assert!(
        p["detail"].as_str().unwrap().contains("claude-haiku-4-5"),
        "{p:#}"
    );
    assert_eq!(rule(&r, "policy[1]")["status"], "ok");
    assert_eq!(rule(&r, "max_unattributed_share")["status"], "ok");
    assert_eq!(rule(&r, "budget")["status"], "ok");
    // flags override the config
    let r = check(&o, &["--max-unattributed-share", "1%"]);
    assert_eq!(rule(&r, "max_unattributed_share")["status"], "breach");
    // markdown for a job summary
    let md = run(&["check", "--config", &o.config, "--format", "markdown"]);
    assert_eq!(md.code, 3);
    assert!(md.stdout.contains("| Rule |"), "{}", md.stdout);
}

#[test]
fn no_thresholds_is_a_usage_error() {
    let r = run(&["check", "--claude", "fixtures/claude"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no thresholds"), "{}", r.stderr);
    let r = run(&["check", "--budget", "lots"]);
    assert_eq!(r.code, 2);
    let r = run(&["check", "--max-unattributed-share", "150%"]);
    assert_eq!(r.code, 2);
}
