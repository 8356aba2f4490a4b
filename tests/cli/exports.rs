//! Provider exports: the real FOCUS sample, Anthropic cost reports reconciled with agent
//! logs (to the nano-dollar), re-exported files counted once, LiteLLM request tags
//! attributing spend explicitly, and rejected rows named with their file and line.

use std::path::Path;

use crate::common::*;
use crate::report::{App, CALL, CODEX_CALL, app};

/// The FOCUS 1.0 sample (fixtures/focus, CC BY 4.0): 1,000 rows, 9 of them AI ("Azure
/// Machine Learning", net −$0.151897562 after a refund). Expected totals computed
/// independently: Python's csv + decimal, each row rounded half away from zero to the
/// nano-dollar (docs/sources.md#focus).
#[test]
fn the_real_focus_sample() {
    let f = "fixtures/focus/focus_sample.csv";
    let j = run(&["sources", "--export", f, "--format", "json"])
        .ok()
        .json();
    let r = &j[0];
    assert_eq!(r["format"], "focus");
    assert_eq!(
        (r["rows"].as_i64(), r["accepted"].as_i64()),
        (Some(1000), Some(9))
    );
    assert_eq!(
        (r["ignored"].as_i64(), r["rejected"].as_i64()),
        (Some(991), Some(0))
    );
    assert_eq!(nano(&r["cost_usd"]), -151_897_562);
    assert_eq!(r["first_ts"], "2024-09-03T00:00:00.000Z");

    let j = run(&[
        "sources",
        "--export",
        f,
        "--focus-scope",
        "all",
        "--format",
        "json",
    ])
    .ok()
    .json();
    assert_eq!(j[0]["accepted"], 1000);
    assert_eq!(nano(&j[0]["cost_usd"]), 20_520_226_762);

    // spend by service for the month, from the bill alone
    let j = run(&["usage", "--export", f, "--by", "model", "--format", "json"])
        .ok()
        .json();
    assert_eq!(
        nano(&row(&j, "model", "Azure Machine Learning")["cost_usd"]),
        -151_897_562
    );
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Anthropic's cost report for 2026-10-01: Sonnet 4.5 billed 75 cents, web search 3 cents.
const COST_REPORT: &str = r#"{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[
  {"currency":"USD","amount":"75","workspace_id":null,"description":"Claude Sonnet 4.5 Usage - Input Tokens","cost_type":"tokens","context_window":"0-200k","model":"claude-sonnet-4-5-20250929","service_tier":"standard","token_type":"uncached_input_tokens","inference_geo":null},
  {"currency":"USD","amount":"3.0","workspace_id":null,"description":"Web Search","cost_type":"web_search","context_window":null,"model":null,"service_tier":null,"token_type":null,"inference_geo":null},
  {"currency":"GBP","amount":"1","cost_type":"tokens"}
]}],"has_more":false,"next_page":null}"#;

fn with_exports(a: &App, exports: &[&str], extra: &[&str]) -> Run {
    let mut args = vec![
        "report", "--config", &a.config, "--claude", &a.claude, "--codex", &a.codex,
    ];
    for e in exports {
        args.extend(["--export", e]);
    }
    args.extend_from_slice(extra);
    run(&args)
}

/// The acme/app organisation of report.rs (Claude calls of $0.30 on 2026-09-30 22:30 → #1,
/// 2026-10-01 00:30 → #1, 04:30 → open #3; a Codex call of $0.125 → #2) plus the cost report
/// above: the two Claude calls of 2026-10-01 are scaled from $0.60 to the billed $0.75
/// (×1.25: $0.375 each); web search stays billed without detail (`aggregate_only`); the GBP
/// row is rejected; the same report exported twice counts once. A LiteLLM row tagged
/// `pr:2 repo:acme/app` is attributed explicitly.
#[test]
fn bills_reconcile_logs_and_tags_attribute() {
    let a = app();
    let dir = a._dir.path();
    let cost = write(dir, "cost-report.json", COST_REPORT);
    let again = write(dir, "cost-report-again.json", COST_REPORT);
    let litellm = write(
        dir,
        "spend.csv",
        "request_id,call_type,spend,startTime,endTime,model,custom_llm_provider,prompt_tokens,completion_tokens,request_tags,metadata\n\
         req-1,acompletion,0.05,2026-10-01T05:00:00Z,2026-10-01T05:00:09Z,gpt-4o,openai,1000,100,\"[\"\"repo:acme/app\"\",\"\"pr:2\"\"]\",{}\n",
    );
    let r = with_exports(&a, &[&cost, &again, &litellm], &["--format", "json"]).ok();
    assert!(r.stderr.contains("currency"), "{}", r.stderr);
    assert!(r.stderr.contains("cost-report.json:4"), "{}", r.stderr);
    let j = r.json();
    let s = &j["summary"];
    let litellm_cost = 50_000_000;
    let web = 30_000_000;
    let input = CALL + 750_000_000 + web + CODEX_CALL + litellm_cost;
    assert_eq!(nano(&s["input_cost_usd"]), input, "{s:#}");
    assert_eq!(
        nano(&s["attributed_cost_usd"]) + nano(&s["unattributed_cost_usd"]),
        input
    );
    assert_eq!(nano(&s["explicit_cost_usd"]), litellm_cost);
    let prs = &j["prs"];
    let pr = |n: i64| {
        nano(
            &prs.as_array()
                .unwrap()
                .iter()
                .find(|r| r["number"] == n)
                .unwrap()["cost_usd"],
        )
    };
    assert_eq!(pr(1), CALL + 375_000_000);
    assert_eq!(pr(2), CODEX_CALL + litellm_cost);
    assert_eq!(pr(3), 375_000_000);
    assert_eq!(
        nano(&row(&j["unattributed"], "reason", "aggregate_only")["cost_usd"]),
        web
    );
    let rec = &j["reconciliation"][0];
    assert_eq!(rec["model"], "claude-sonnet-4-5");
    assert_eq!(nano(&rec["estimated_usd"]), 2 * CALL);
    assert_eq!(nano(&rec["billed_usd"]), 750_000_000);
    assert_eq!(rec["factor"].as_f64(), Some(1.25));
    assert_eq!(j["reconciliation"].as_array().unwrap().len(), 1);
    let inputs = &j["inputs"];
    let again_row = inputs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["path"]
                .as_str()
                .unwrap()
                .ends_with("cost-report-again.json")
        })
        .unwrap();
    assert_eq!(again_row["records"], 0, "{inputs:#}");

    // --no-reconcile: the estimates stand and the covered bill is set aside
    let j = with_exports(&a, &[&cost], &["--format", "json", "--no-reconcile"])
        .ok()
        .json();
    assert_eq!(
        nano(&j["summary"]["input_cost_usd"]),
        3 * CALL + web + CODEX_CALL
    );
    assert_eq!(j["reconciliation"][0]["applied"], false);

    // the sources view: the re-export's rows are duplicates, the GBP row rejected
    let j = run(&[
        "sources", "--export", &cost, "--export", &again, "--format", "json",
    ])
    .ok()
    .json();
    assert_eq!(
        (j[0]["accepted"].as_i64(), j[0]["rejected"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        (j[1]["accepted"].as_i64(), j[1]["duplicates"].as_i64()),
        (Some(0), Some(2))
    );
    assert_eq!(nano(&j[0]["cost_usd"]), 780_000_000);
}

#[test]
fn unknown_and_forced_formats() {
    let dir = tempfile::tempdir().unwrap();
    let odd = write(dir.path(), "odd.csv", "a,b\n1,2\n");
    let r = run(&["sources", "--export", &odd]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("odd.csv") && r.stderr.contains("--export KIND:"),
        "{}",
        r.stderr
    );
    let forced = format!("focus:{odd}");
    let r = run(&["sources", "--export", &forced]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("BilledCost"), "{}", r.stderr);
    let r = run(&["sources", "--export", "nope:x.csv"]);
    assert!(r.stderr.contains("unknown kind"), "{}", r.stderr);
    // --strict turns a rejected row into an error
    let cost = write(dir.path(), "c.json", COST_REPORT);
    assert_eq!(run(&["sources", "--export", &cost, "--strict"]).code, 1);
}

/// Every kind is told from its content alone; a directory of exports reads with one glob.
#[test]
fn every_kind_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = [
        ("a-cost.json", COST_REPORT, "anthropic_cost"),
        (
            "b-usage.json",
            r#"{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[{"uncached_input_tokens":1000000,"output_tokens":0,"model":"claude-sonnet-4-5"}]}]}"#,
            "anthropic_usage",
        ),
        (
            "c-console-cost.csv",
            "usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,cost_usd\n2026-10-01,Claude Sonnet 4.5,Default,ci,message,≤ 200k,output,0.93\n",
            "anthropic_cost",
        ),
        (
            "d-console-usage.csv",
            "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,usage_output_tokens\n2026-10-01,claude-sonnet-4-5,ci,Default,standard,≤ 200k,1000000,0\n",
            "anthropic_usage",
        ),
        (
            "e-openai-costs.json",
            r#"{"object":"page","data":[{"start_time":1790812800,"end_time":1790899200,"results":[{"object":"organization.costs.result","amount":{"value":0.5,"currency":"usd"},"line_item":"gpt-5, input"}]}]}"#,
            "openai_costs",
        ),
        (
            "f-openai-usage.csv",
            "start_time,end_time,model,batch,input_tokens,output_tokens,input_cached_tokens,num_model_requests\n1790812800,1790899200,gpt-5,FALSE,1000000,0,0,3\n",
            "openai_usage",
        ),
        (
            "g-cursor.csv",
            "Date,User,Kind,Model,Max Mode,Input (w/ Cache Write),Input (w/o Cache Write),Cache Read,Output Tokens,Total Tokens,Cost\n2026-10-01T10:00:00.000Z,dev,Usage-based,gpt-5,No,10,10,0,1,11,$0.25\n",
            "cursor",
        ),
        (
            "h-copilot.csv",
            "date,username,product,sku,model,quantity,unit_type,applied_cost_per_quantity,gross_amount,discount_amount,net_amount,exceeds_quota,total_monthly_quota,organization,cost_center_name\n2026-10-01,octo,copilot,copilot_premium_request,GPT-5,3,requests,0.04,0.12,0,0.12,True,300,acme,\n",
            "copilot",
        ),
        (
            "i-spend.json",
            r#"[{"request_id":"r1","call_type":"acompletion","spend":0.01,"startTime":"2026-10-01T00:00:00Z","model":"gpt-5","prompt_tokens":1,"completion_tokens":1}]"#,
            "litellm",
        ),
        (
            "j-result.json",
            r#"{"type":"result","session_id":"s","total_cost_usd":0.2,"modelUsage":{"claude-sonnet-4-5":{"inputTokens":1,"outputTokens":1,"costUSD":0.15},"claude-haiku-4-5":{"inputTokens":1,"costUSD":0.05}}}"#,
            "claude_result",
        ),
        (
            "k-analytics.json",
            r#"{"data":[{"date":"2026-10-01T00:00:00Z","actor":{"type":"user_actor","email_address":"a@b"},"model_breakdown":[{"model":"claude-sonnet-4-5","tokens":{"input":1},"estimated_cost":{"currency":"USD","amount":5}}]}]}"#,
            "claude_code_analytics",
        ),
        (
            "l-cursor-api.json",
            r#"{"usageEvents":[{"timestamp":"1790503200000","model":"gpt-5","tokenUsage":{"inputTokens":1,"totalCents":2}}]}"#,
            "cursor",
        ),
        (
            "m-otel.jsonl",
            r#"{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[{"traceId":"a","spanId":"b","startTimeUnixNano":"1790812800000000000","attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-5"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"1000000"}}]}]}]}]}"#,
            "otel",
        ),
    ];
    for (name, text, _) in &files {
        write(d, name, text);
    }
    let glob = d.join("*").display().to_string();
    let j = run(&["sources", "--export", &glob, "--format", "json"])
        .ok()
        .json();
    let rows = j.as_array().unwrap();
    assert_eq!(rows.len(), files.len());
    for r in rows {
        let n = |k: &str| r[k].as_i64().unwrap();
        assert_eq!(
            n("rows"),
            n("accepted") + n("duplicates") + n("ignored") + n("rejected") + n("incomplete"),
            "every item in one bucket: {r:#}"
        );
    }
    for (row, (name, _, kind)) in rows.iter().zip(&files) {
        assert!(row["path"].as_str().unwrap().ends_with(name));
        assert_eq!(row["format"], *kind, "{name}");
        // the cost report has two USD rows and a GBP one; the headless run used two models
        let (accepted, rejected) = match *name {
            "a-cost.json" => (2, 1),
            "j-result.json" => (2, 0),
            _ => (1, 0),
        };
        assert_eq!(row["accepted"], accepted, "{name}: {row:#}");
        assert_eq!(row["rejected"], rejected, "{name}: {row:#}");
    }
    // what each file says, before reconciliation: 1M Sonnet input tokens priced at $3
    let cost = |name: &str| {
        nano(
            &rows
                .iter()
                .find(|r| r["path"].as_str().unwrap().ends_with(name))
                .unwrap()["cost_usd"],
        )
    };
    assert_eq!(cost("b-usage.json"), 3_000_000_000);
    assert_eq!(cost("g-cursor.csv"), 250_000_000);
    assert_eq!(cost("h-copilot.csv"), 120_000_000);
    assert_eq!(cost("k-analytics.json"), 50_000_000); // 5 cents
    assert_eq!(cost("l-cursor-api.json"), 20_000_000); // 2 cents
}

/// A headless CI run saved as `pr-2/result.json` is booked to PR #2 of the only configured
/// repository by the explicit signal.
#[test]
fn headless_results_in_pr_directories_attribute_explicitly() {
    let a = app();
    let dir = a._dir.path().join("ci").join("pr-2");
    std::fs::create_dir_all(&dir).unwrap();
    let result = write(
        &dir,
        "result.json",
        r#"{"type":"result","subtype":"success","is_error":false,"result":"PRIVATE-RESULT","session_id":"ci-1","total_cost_usd":0.2,"modelUsage":{"claude-sonnet-4-5":{"inputTokens":10,"outputTokens":10,"costUSD":0.2}}}"#,
    );
    let r = with_exports(&a, &[&result], &["--format", "json"]).ok();
    assert!(!r.stdout.contains("PRIVATE-RESULT"));
    let j = r.json();
    assert_eq!(nano(&j["summary"]["explicit_cost_usd"]), 200_000_000);
    let p2 = j["prs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["number"] == 2)
        .unwrap();
    assert_eq!(nano(&p2["cost_usd"]), CODEX_CALL + 200_000_000);
    assert!(
        p2["signals"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("explicit")),
        "{p2:#}"
    );
}

/// OpenTelemetry beside transcripts: an `api_request` event the transcript already has (same
/// request id) and the metrics of a session with a transcript are duplicates; an event of a
/// call the transcripts lack (a CI run) is new.
#[test]
fn telemetry_never_counts_a_transcript_call_twice() {
    let dir = tempfile::tempdir().unwrap();
    let event = |req: &str, session: &str, cost: &str| {
        format!(
            r#"{{"resourceLogs":[{{"resource":{{"attributes":[]}},"scopeLogs":[{{"logRecords":[{{"timeUnixNano":"1790812800000000000","body":{{"stringValue":"claude_code.api_request"}},"attributes":[{{"key":"event.name","value":{{"stringValue":"api_request"}}}},{{"key":"session.id","value":{{"stringValue":"{session}"}}}},{{"key":"model","value":{{"stringValue":"claude-sonnet-4-5"}}}},{{"key":"cost_usd","value":{{"doubleValue":{cost}}}}},{{"key":"input_tokens","value":{{"intValue":"10"}}}},{{"key":"request_id","value":{{"stringValue":"{req}"}}}}]}}]}}]}}]}}"#
        )
    };
    let metric = r#"{"resourceMetrics":[{"resource":{"attributes":[]},"scopeMetrics":[{"metrics":[{"name":"claude_code.cost.usage","sum":{"aggregationTemporality":1,"dataPoints":[{"startTimeUnixNano":"1790812800000000000","timeUnixNano":"1790812860000000000","asDouble":9.5,"attributes":[{"key":"session.id","value":{"stringValue":"11111111-1111-4111-8111-111111111111"}},{"key":"model","value":{"stringValue":"claude-sonnet-4-5"}}]}]}}]}]}]}"#;
    let text = [
        event("req_01A", "11111111-1111-4111-8111-111111111111", "0.5"),
        event("req_ci_1", "ci-session", "0.25"),
        metric.to_string(),
    ]
    .join("\n");
    let otel = write(dir.path(), "otel.jsonl", &text);
    let j = run(&[
        "sources",
        "--claude",
        "fixtures/claude",
        "--export",
        &otel,
        "--format",
        "json",
    ])
    .ok()
    .json();
    let o = row(&j, "format", "otel");
    assert_eq!(o["rows"], 3);
    assert_eq!(
        (o["accepted"].as_i64(), o["duplicates"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(nano(&o["cost_usd"]), 250_000_000);
    // alone, both events count; the metric still duplicates its session's event
    let j = run(&["sources", "--export", &otel, "--format", "json"])
        .ok()
        .json();
    assert_eq!(
        (j[0]["accepted"].as_i64(), j[0]["duplicates"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(nano(&j[0]["cost_usd"]), 750_000_000);
}
