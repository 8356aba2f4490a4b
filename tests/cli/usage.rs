//! `costper usage`: hand-computed tokens and costs on the fixtures (see fixtures/README.md),
//! calendar buckets in time zones, period filters, determinism.

use crate::common::*;

/// Claude fixture, by model. Costs are computed by hand in fixtures/README.md:
/// sonnet-4.5 = 0.081759 (1h writes) + 1.5225 (long context, whole request) + 0.00876;
/// opus-4.6 = 0.11005 (5m writes) + 0.153 (fast ×6) + 3.075 (long context before 2026-03-13);
/// haiku-4.5 = 0.00555 (subagent).
#[test]
fn claude_fixture_by_model_matches_hand_computation() {
    let r = run(&args(&[
        &["usage", "--by", "model", "--format", "json"],
        CLAUDE,
    ]))
    .ok();
    let rows = r.json();
    assert_eq!(rows.as_array().unwrap().len(), 4);

    let s = row(&rows, "model", "claude-sonnet-4-5");
    assert_eq!(s["input_tokens"], 250_023);
    assert_eq!(s["output_tokens"], 1_850);
    assert_eq!(s["cache_write_1h_tokens"], 12_000);
    assert_eq!(s["cache_write_5m_tokens"], 0);
    assert_eq!(s["cache_read_tokens"], 19_000);
    assert_eq!(s["requests"], 3);
    assert_eq!(nano(&s["cost_usd"]), 1_613_019_000);

    let o = row(&rows, "model", "claude-opus-4-6");
    assert_eq!(o["input_tokens"], 300_110);
    assert_eq!(o["output_tokens"], 5_000);
    assert_eq!(o["cache_write_5m_tokens"], 8_000);
    assert_eq!(o["cache_read_tokens"], 20_000);
    assert_eq!(o["requests"], 3);
    assert_eq!(nano(&o["cost_usd"]), 3_338_050_000);

    let h = row(&rows, "model", "claude-haiku-4-5");
    assert_eq!(h["total_tokens"], 12_450);
    assert_eq!(nano(&h["cost_usd"]), 5_550_000);

    // unknown model: tokens kept, cost unknown (null), never $0
    let u = row(&rows, "model", "claude-experimental-9");
    assert_eq!(u["total_tokens"], 1_100);
    assert_eq!(u["cost_usd"], serde_json::Value::Null);
    assert_eq!(u["unpriced_requests"], 1);
    assert!(
        r.stderr
            .contains("model `claude-experimental-9` has no price"),
        "{}",
        r.stderr
    );

    assert_eq!(total_cost(&rows), 4_956_619_000);
}

/// Token totals equal ccusage 20.0.24 `claude daily --offline --json` on the same fixture
/// (docs/ccusage-comparison.md): input 551,183, output 7,350, cache creation 22,000,
/// cache read 49,000, total 629,533.
#[test]
fn claude_fixture_token_totals_equal_ccusage() {
    let rows = run(&args(&[
        &["usage", "--by", "day", "--format", "json"],
        CLAUDE,
    ]))
    .ok()
    .json();
    let sum = |k: &str| -> i64 {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r[k].as_i64().unwrap())
            .sum()
    };
    assert_eq!(sum("input_tokens"), 551_183);
    assert_eq!(sum("output_tokens"), 7_350);
    assert_eq!(
        sum("cache_write_5m_tokens") + sum("cache_write_1h_tokens"),
        22_000
    );
    assert_eq!(sum("cache_read_tokens"), 49_000);
    assert_eq!(sum("total_tokens"), 629_533);
    assert_eq!(sum("requests"), 8);
}

#[test]
fn days_follow_the_time_zone() {
    let utc = run(&args(&[&["usage", "--format", "json"], CLAUDE]))
        .ok()
        .json();
    let days: Vec<&str> = utc
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["day"].as_str().unwrap())
        .collect();
    assert_eq!(
        days,
        [
            "2026-03-01",
            "2026-03-12",
            "2026-10-01",
            "2026-10-02",
            "2026-10-03",
            "2026-10-04"
        ]
    );
    assert_eq!(
        nano(&row(&utc, "day", "2026-10-02")["cost_usd"]),
        110_050_000
    );
    assert_eq!(
        nano(&row(&utc, "day", "2026-10-01")["cost_usd"]),
        87_309_000
    );

    // msg_01B at 2026-10-02T23:30Z is 01:30 on 3 October in Berlin
    let berlin = run(&args(&[
        &["usage", "--format", "json", "--tz", "Europe/Berlin"],
        CLAUDE,
    ]))
    .ok()
    .json();
    assert!(
        berlin
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["day"] != "2026-10-02")
    );
    let oct3 = row(&berlin, "day", "2026-10-03");
    assert_eq!(nano(&oct3["cost_usd"]), 263_050_000);
    assert_eq!(oct3["unpriced_requests"], 1);
}

#[test]
fn since_and_until_are_inclusive_local_days() {
    let rows = run(&args(&[
        &[
            "usage",
            "--format",
            "json",
            "--since",
            "2026-10-01",
            "--until",
            "20261003",
        ],
        CLAUDE,
    ]))
    .ok()
    .json();
    let days: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["day"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2026-10-01", "2026-10-02", "2026-10-03"]);
}

#[test]
fn weeks_and_months() {
    let rows = run(&args(&[
        &["usage", "--by", "week", "--format", "json"],
        CLAUDE,
    ]))
    .ok()
    .json();
    // ISO weeks start on Monday: 2026-10-01 (Thu) … 2026-10-04 (Sun) are in the week of 09-28
    let w = row(&rows, "week", "2026-09-28");
    assert_eq!(w["requests"], 6);
    let rows = run(&args(&[
        &["usage", "--by", "month", "--format", "csv"],
        CLAUDE,
    ]))
    .ok();
    let lines: Vec<&str> = rows.stdout.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(
        lines[0].starts_with("month,models,input_tokens,"),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("2026-03,"), "{}", lines[1]);
    assert!(lines[1].ends_with(",2,4.597500000,0"), "{}", lines[1]);
    assert!(lines[2].starts_with("2026-10,"), "{}", lines[2]);
}

#[test]
fn sessions_carry_project_branch_and_commits() {
    let rows = run(&args(&[
        &["usage", "--by", "session", "--format", "json"],
        CLAUDE,
        CODEX,
    ]))
    .ok()
    .json();
    let s1 = row(&rows, "session", "11111111-1111-4111-8111-111111111111");
    assert_eq!(s1["project"], "/home/dev/acme-api");
    assert_eq!(s1["branch"], "feat/login");
    assert_eq!(s1["commits"], serde_json::json!(["1a2b3c4"]));
    assert_eq!(
        s1["requests"], 5,
        "main chain + subagent; streamed copies and replays dropped"
    );
    // cwd /home/dev/acme-web/packages/ui → the project directory Claude Code was started in
    let s3 = row(&rows, "session", "33333333-3333-4333-8333-333333333333");
    assert_eq!(s3["project"], "/home/dev/acme-web");
    assert_eq!(s3["branch"], serde_json::Value::Null);
    let c = row(&rows, "session", "0199a000-0000-7000-8000-000000000001");
    assert_eq!(c["source"], "codex");
    assert_eq!(c["branch"], "feat/search");
    assert_eq!(c["commits"], serde_json::json!(["0badc0de"]));
    assert_eq!(c["first_ts"], "2026-10-05T09:00:10.000Z");
}

/// Codex: last_token_usage, totals-only deltas, a repeated event, a forked session replaying
/// its parent. gpt-5-codex = 0.012 + 0.018 + 0.001875; gpt-5 = 0.00725.
#[test]
fn codex_fixture_matches_hand_computation() {
    let rows = run(&args(&[
        &["usage", "--by", "model", "--format", "json"],
        CODEX,
    ]))
    .ok()
    .json();
    let c = row(&rows, "model", "gpt-5-codex");
    assert_eq!(c["input_tokens"], 11_000);
    assert_eq!(c["cache_read_tokens"], 21_000);
    assert_eq!(c["output_tokens"], 1_550);
    assert_eq!(c["reasoning_tokens"], 500);
    assert_eq!(c["requests"], 3);
    assert_eq!(nano(&c["cost_usd"]), 31_875_000);
    let g = row(&rows, "model", "gpt-5");
    assert_eq!(g["input_tokens"], 5_000);
    assert_eq!(nano(&g["cost_usd"]), 7_250_000);
}

/// BOM + CRLF line, web search pricing ($10 / 1000), an empty file, bad lines rejected.
#[test]
fn edge_fixture() {
    let r = run(&args(&[
        &["usage", "--by", "model", "--format", "json"],
        EDGE,
    ]))
    .ok();
    let rows = r.json();
    assert_eq!(
        nano(&row(&rows, "model", "claude-haiku-4-5")["cost_usd"]),
        600_000
    );
    let s = row(&rows, "model", "claude-sonnet-4-5");
    assert_eq!(s["web_search_requests"], 2);
    assert_eq!(nano(&s["cost_usd"]), 27_560_000);
    assert!(r.stderr.contains("3 line(s) rejected"), "{}", r.stderr);
}

#[test]
fn multi_megabyte_lines_are_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("projects/-x/s.jsonl");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let big = "x".repeat(5 << 20);
    let line = format!(
        r#"{{"type":"assistant","sessionId":"s","timestamp":"2026-10-01T00:00:00Z","message":{{"id":"m","model":"claude-haiku-4-5","content":[{{"type":"text","text":"{big}"}}],"usage":{{"input_tokens":1000,"output_tokens":1000}}}},"requestId":"r"}}"#
    );
    std::fs::write(&p, format!("{line}\n{line}\n")).unwrap();
    let d = dir.path().to_str().unwrap();
    let rows = run_env(
        &["usage", "--by", "model", "--format", "json", "--claude", d],
        &[("COSTPER_CHUNK_SIZE", "65536")],
    )
    .ok()
    .json();
    // 1000 × $1 + 1000 × $5 per MTok = $0.006, the duplicate line counted once
    assert_eq!(rows[0]["requests"], 1);
    assert_eq!(nano(&rows[0]["cost_usd"]), 6_000_000);
}

/// Same bytes whatever the thread count, the chunk size (so also chunk boundaries inside
/// files) and the order inputs are given in.
#[test]
fn output_is_deterministic() {
    let base = args(&[
        &["usage", "--by", "session,model", "--format", "json"],
        CLAUDE,
        CODEX,
    ]);
    let reference = run(&base).ok().stdout;
    for threads in ["1", "2", "8"] {
        for chunk in ["97", "4096", "8388608"] {
            let mut a = base.clone();
            a.extend(["--threads", threads]);
            let out = run_env(&a, &[("COSTPER_CHUNK_SIZE", chunk)]).ok().stdout;
            assert_eq!(out, reference, "threads {threads}, chunk {chunk}");
        }
    }
    let reversed = run(&args(&[
        &["usage", "--by", "session,model", "--format", "json"],
        CODEX,
        &["--claude", "fixtures/claude/projects"],
    ]))
    .ok()
    .stdout;
    assert_eq!(reversed, reference);
}

#[test]
fn human_formats() {
    let r = run(&args(&[&["usage", "--by", "model"], CLAUDE, CODEX])).ok();
    insta::assert_snapshot!("usage_by_model_table", r.stdout);
    let r = run(&args(&[
        &["usage", "--by", "day", "--format", "markdown"],
        CLAUDE,
    ]))
    .ok();
    insta::assert_snapshot!("usage_by_day_markdown", r.stdout);
}

#[test]
fn money_is_printed_with_nine_decimals() {
    let r = run(&args(&[
        &["usage", "--by", "model", "--format", "json"],
        CLAUDE,
    ]))
    .ok();
    assert!(
        r.stdout.contains("\"cost_usd\": 1.613019000,"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("\"cost_usd\": null,"), "{}", r.stdout);
    let r = run(&args(&[
        &["usage", "--by", "model", "--format", "csv"],
        CLAUDE,
    ]))
    .ok();
    assert!(r.stdout.contains(",3,3.338050000,0\n"), "{}", r.stdout);
}

#[test]
fn ndjson_rows() {
    let r = run(&args(&[
        &["usage", "--by", "model", "--format", "ndjson"],
        CODEX,
    ]))
    .ok();
    let lines: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["model"], "gpt-5");
}

#[test]
fn output_file_is_written_instead_of_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("usage.csv");
    let r = run(&args(&[
        &[
            "usage",
            "--format",
            "csv",
            "--output",
            out.to_str().unwrap(),
        ],
        CODEX,
    ]))
    .ok();
    assert_eq!(r.stdout, "");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("day,models,"), "{text}");
    // no temporary files left behind
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// `--output` replaces a regular file atomically, but never a device or FIFO (`-o /dev/null`
/// once turned /dev/null into a regular file), keeps an existing file's mode and writes
/// through a symlink.
#[cfg(unix)]
#[test]
fn output_to_fifos_symlinks_and_existing_files() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let csv = |out: &std::path::Path| {
        run(&args(&[
            &[
                "usage",
                "--format",
                "csv",
                "--output",
                out.to_str().unwrap(),
            ],
            CODEX,
        ]))
        .ok();
    };

    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    csv(&fifo);
    // checked first: had the FIFO been replaced, the reader would wait forever
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced");
    assert!(reader.join().unwrap().starts_with("day,models,"));

    let file = dir.path().join("report.csv");
    std::fs::write(&file, "old").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("latest.csv");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    csv(&link);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .starts_with("day,models,")
    );
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // fifo, report.csv, latest.csv: no temporary files left behind
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::process::Stdio;
    let home = tempfile::tempdir().unwrap();
    let mut child = cmd(home.path())
        .args(["demo", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
