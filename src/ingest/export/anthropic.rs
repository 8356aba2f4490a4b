//! Anthropic Admin API exports (reference/formats.md §1.1–1.2): the messages usage report
//! (tokens per bucket, priced by costper: cache writes are the nested
//! `cache_creation.ephemeral_{5m,1h}_input_tokens`, never a flat field) and the cost report
//! (`amount` is a decimal **string in cents**: `"54.702"` = $0.54702).

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{
    ExportKind, ExportOut, Header, Input, Row, api_workflow, blank, csv_rows, each_typed,
    json_amount, opt, parse_ts, text, to_nano,
};
use crate::ingest::record::{CostBasis, RejectReason, Text, UsageRecord, record_id};

#[derive(Deserialize, Default)]
struct CacheCreation {
    #[serde(default)]
    ephemeral_1h_input_tokens: u64,
    #[serde(default)]
    ephemeral_5m_input_tokens: u64,
}

#[derive(Deserialize, Default)]
struct ServerToolUse {
    #[serde(default)]
    web_search_requests: u64,
}

#[derive(Deserialize)]
struct UsageItem<'a> {
    #[serde(default)]
    uncached_input_tokens: u64,
    #[serde(default)]
    cache_creation: Option<CacheCreation>,
    #[serde(default)]
    cache_read_input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    server_tool_use: Option<ServerToolUse>,
    api_key_id: Option<&'a str>,
    workspace_id: Option<&'a str>,
    account_id: Option<&'a str>,
    service_account_id: Option<&'a str>,
    model: Option<&'a str>,
    service_tier: Option<&'a str>,
    context_window: Option<&'a str>,
    inference_geo: Option<&'a str>,
    speed: Option<&'a str>,
}

#[derive(Deserialize)]
struct CostItem<'a> {
    currency: Option<&'a str>,
    amount: Option<&'a RawValue>,
    workspace_id: Option<&'a str>,
    description: Option<&'a str>,
    cost_type: Option<&'a str>,
    context_window: Option<&'a str>,
    model: Option<&'a str>,
    service_tier: Option<&'a str>,
    token_type: Option<&'a str>,
    inference_geo: Option<&'a str>,
}

/// The messages usage report (API JSON or the Console's usage CSV).
pub fn usage<'a>(input: impl Into<Input<'a>>, file: u32) -> anyhow::Result<ExportOut> {
    let input = input.into();
    let Some(text_in) = input.json() else {
        return console_usage(input, file);
    };
    let mut out = ExportOut::default();
    let provider = Text::from("anthropic");
    let workflow = Text::from("anthropic-api");
    each_typed(text_in, &mut out, |out, it: UsageItem, line, start, end| {
        let Some(model) = text(it.model) else {
            return out.reject(
                line,
                RejectReason::MissingModel,
                "no model: export the usage report with group_by[]=model so it can be priced",
            );
        };
        let cc = it.cache_creation.unwrap_or_default();
        let mut r = blank(ExportKind::AnthropicUsage, file, line);
        r.tokens.input = it.uncached_input_tokens;
        r.tokens.output = it.output_tokens;
        r.tokens.cache_read = it.cache_read_input_tokens;
        r.tokens.cache_write_5m = cc.ephemeral_5m_input_tokens;
        r.tokens.cache_write_1h = cc.ephemeral_1h_input_tokens;
        r.tokens.web_search_requests = it.server_tool_use.unwrap_or_default().web_search_requests;
        if r.tokens == Default::default() {
            out.ignored += 1;
            return;
        }
        r.record_id = record_id(&[
            "anthropic_usage",
            &start.to_string(),
            &end.unwrap_or(0).to_string(),
            opt(it.api_key_id),
            opt(it.workspace_id),
            opt(it.account_id),
            opt(it.service_account_id),
            &model,
            opt(it.service_tier),
            opt(it.context_window),
            opt(it.inference_geo),
            opt(it.speed),
        ]);
        r.ts = start;
        r.ts_end = Some(end.unwrap_or(start));
        r.provider = provider.clone();
        r.model_raw = model.clone();
        r.model = model;
        r.api_key_id = text(it.api_key_id);
        r.workspace = text(it.workspace_id);
        r.actor = text(it.account_id).or_else(|| text(it.service_account_id));
        r.batch = it.service_tier == Some("batch");
        r.fast = it.speed == Some("fast");
        r.context_known = it.context_window.map(|c| c.starts_with("200k"));
        r.workflow = Some(api_workflow(r.api_key_id.as_ref(), &workflow));
        out.records.push(r);
    })?;
    Ok(out)
}

/// The cost report (API JSON or the Console's cost CSV).
pub fn cost<'a>(input: impl Into<Input<'a>>, file: u32) -> anyhow::Result<ExportOut> {
    let input = input.into();
    let Some(text_in) = input.json() else {
        return console_cost(input, file);
    };
    let mut out = ExportOut::default();
    let provider = Text::from("anthropic");
    let workflow = Text::from("anthropic-api");
    each_typed(text_in, &mut out, |out, it: CostItem, line, start, end| {
        let currency = it.currency.unwrap_or("USD");
        if !currency.eq_ignore_ascii_case("USD") {
            return out.reject(
                line,
                RejectReason::Currency,
                format!("amount in {currency}: costper adds up USD only"),
            );
        }
        let Some(amount) = it.amount else {
            return out.reject(line, RejectReason::MissingField, "no amount");
        };
        // cents: scale 7 gives nano-USD
        let nano = match json_amount(amount, 7).and_then(to_nano) {
            Ok(v) => v,
            Err(e) => return out.reject(line, RejectReason::InvalidNumber, format!("amount: {e}")),
        };
        let cost_type = opt(it.cost_type);
        let model = text(it.model).unwrap_or_else(|| {
            Text::from(match cost_type {
                "" | "tokens" => format!("anthropic {}", crate::ingest::reconcile::ALL_MODELS),
                other => format!("anthropic {other}"),
            })
        });
        let mut r = blank(ExportKind::AnthropicCost, file, line);
        r.record_id = record_id(&[
            "anthropic_cost",
            &start.to_string(),
            &end.unwrap_or(0).to_string(),
            opt(it.workspace_id),
            opt(it.description),
            cost_type,
            opt(it.model),
            opt(it.token_type),
            opt(it.context_window),
            opt(it.service_tier),
            opt(it.inference_geo),
        ]);
        r.ts = start;
        r.ts_end = Some(end.unwrap_or(start));
        r.provider = provider.clone();
        r.model_raw = model.clone();
        r.model = model;
        r.cost = Some(nano);
        r.cost_basis = Some(CostBasis::Billed);
        r.workspace = text(it.workspace_id);
        r.workflow = Some(workflow.clone());
        out.records.push(r);
    })?;
    Ok(out)
}

#[derive(Deserialize)]
struct Actor<'a> {
    #[serde(rename = "type")]
    kind: Option<&'a str>,
    email_address: Option<&'a str>,
    api_key_name: Option<&'a str>,
}

#[derive(Deserialize, Default)]
struct AnalyticsTokens {
    #[serde(default)]
    input: u64,
    #[serde(default)]
    output: u64,
    #[serde(default)]
    cache_read: u64,
    #[serde(default)]
    cache_creation: u64,
}

#[derive(Deserialize)]
struct EstimatedCost<'a> {
    currency: Option<&'a str>,
    #[serde(borrow)]
    amount: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ModelBreakdown<'a> {
    model: Option<&'a str>,
    #[serde(default)]
    tokens: AnalyticsTokens,
    #[serde(borrow)]
    estimated_cost: Option<EstimatedCost<'a>>,
}

#[derive(Deserialize)]
struct AnalyticsRecord<'a> {
    date: Option<&'a str>,
    #[serde(borrow)]
    actor: Option<Actor<'a>>,
    terminal_type: Option<&'a str>,
    customer_type: Option<&'a str>,
    #[serde(borrow, default)]
    model_breakdown: Vec<ModelBreakdown<'a>>,
}

/// The Claude Code Analytics API (`usage_report/claude_code`): one record per actor, day
/// and model, with Anthropic's estimate (`estimated_cost.amount`, **cents**) — an estimate,
/// reconciled like token exports (a bill of the same day wins).
pub fn analytics(text_in: &str, file: u32) -> anyhow::Result<ExportOut> {
    let mut out = ExportOut::default();
    let provider = Text::from("anthropic");
    for raw in super::pages(text_in).map_err(|e| anyhow::anyhow!("not a report: {e}"))? {
        let line = super::line_of(text_in, raw.get());
        out.rows += 1;
        let rec: AnalyticsRecord = match serde_json::from_str(raw.get()) {
            Ok(r) => r,
            Err(e) => {
                out.reject(line, RejectReason::InvalidJson, e.to_string());
                continue;
            }
        };
        let Some(ts) = rec.date.and_then(parse_ts) else {
            out.reject(line, RejectReason::MissingTimestamp, "no valid date");
            continue;
        };
        let actor = rec.actor.as_ref();
        let who = actor.and_then(|a| a.email_address.or(a.api_key_name));
        let api = actor.is_some_and(|a| a.kind == Some("api_actor"));
        if rec.model_breakdown.is_empty() {
            out.ignored += 1;
        }
        for m in &rec.model_breakdown {
            let Some(model) = text(m.model) else {
                out.reject(
                    line,
                    RejectReason::MissingModel,
                    "model_breakdown without a model",
                );
                continue;
            };
            let mut r = blank(ExportKind::ClaudeCodeAnalytics, file, line);
            if let Some(c) = &m.estimated_cost {
                let currency = c.currency.unwrap_or("USD");
                if !currency.eq_ignore_ascii_case("USD") {
                    out.reject(
                        line,
                        RejectReason::Currency,
                        format!("estimate in {currency}: costper adds up USD only"),
                    );
                    continue;
                }
                if let Some(a) = c.amount {
                    match json_amount(a, 7).and_then(to_nano) {
                        Ok(v) => {
                            r.cost = Some(v);
                            r.cost_basis = Some(CostBasis::Estimated);
                        }
                        Err(e) => {
                            out.reject(
                                line,
                                RejectReason::InvalidNumber,
                                format!("estimated_cost: {e}"),
                            );
                            continue;
                        }
                    }
                }
            }
            r.tokens.input = m.tokens.input;
            r.tokens.output = m.tokens.output;
            r.tokens.cache_read = m.tokens.cache_read;
            r.tokens.cache_write_5m = m.tokens.cache_creation;
            r.record_id = record_id(&[
                "claude_code_analytics",
                &ts.to_string(),
                actor.and_then(|a| a.kind).unwrap_or(""),
                who.unwrap_or(""),
                opt(rec.terminal_type),
                opt(rec.customer_type),
                &model,
            ]);
            r.ts = ts;
            r.ts_end = Some(ts + 86_400_000_000);
            r.provider = provider.clone();
            r.model_raw = model.clone();
            r.model = model;
            r.actor = who.map(Text::from);
            r.entrypoint = text(rec.terminal_type);
            r.workflow = Some(if api {
                api_workflow(r.actor.as_ref(), &Text::from("claude-code-ci"))
            } else {
                Text::from("claude-code")
            });
            out.records.push(r);
        }
    }
    Ok(out)
}

/// A Console CSV row's day (`usage_date_utc`: the UTC day and its end) and what the file's
/// records share.
struct ConsoleDay<'a> {
    h: &'a Header,
    ts: i64,
    end: i64,
    file: u32,
    provider: &'a Text,
}

impl ConsoleDay<'_> {
    /// `row`'s record with what both Console CSVs fill alike: its id (`tag`, then the row's
    /// values of the `key` columns), its day, the provider and the model.
    fn record(
        &self,
        kind: ExportKind,
        row: &Row,
        tag: &str,
        key: &[&str],
        model: Text,
    ) -> UsageRecord {
        let key: Vec<&str> = std::iter::once(tag)
            .chain(key.iter().map(|c| row.get(self.h.col(&[c])).unwrap_or("")))
            .collect();
        let mut r = blank(kind, self.file, row.line);
        r.record_id = record_id(&key);
        r.ts = self.ts;
        r.ts_end = Some(self.end);
        r.provider = self.provider.clone();
        r.model_raw = model.clone();
        r.model = model;
        r
    }
}

/// The rows of a Console CSV with their day; a row without a valid day is rejected here.
fn console_rows(
    input: Input,
    file: u32,
    each: impl Fn(&mut ExportOut, &ConsoleDay, &Row) + Sync,
) -> anyhow::Result<ExportOut> {
    let mut out = ExportOut::default();
    let each = &each;
    let provider = &Text::from("anthropic");
    csv_rows(input, &mut out, &[], || {
        move |out: &mut ExportOut, h: &Header, row: &Row| {
            let Some(d) = row.get(h.col(&["usage_date_utc"])) else {
                return out.reject(
                    row.line,
                    RejectReason::MissingTimestamp,
                    "empty usage_date_utc",
                );
            };
            let Some(ts) = parse_ts(d) else {
                return out.reject(
                    row.line,
                    RejectReason::InvalidTimestamp,
                    format!("usage_date_utc `{d}`"),
                );
            };
            let day = ConsoleDay {
                h,
                ts,
                end: ts + 86_400_000_000,
                file,
                provider,
            };
            each(out, &day, row);
        }
    })?;
    Ok(out)
}

/// Console usage CSV: one row per day × model × key × workspace (key *names*, display text
/// such as `≤ 200k` for the context window; older exports have one cache-write column).
fn console_usage(input: Input, file: u32) -> anyhow::Result<ExportOut> {
    let workflow = &Text::from("anthropic-api");
    console_rows(input, file, |out, day, row| {
        let h = day.h;
        let Some(model) = row.text(h.col(&["model_version", "model"])) else {
            return out.reject(row.line, RejectReason::MissingModel, "empty model_version");
        };
        let counts = (|| -> Result<[u64; 6], String> {
            Ok([
                row.count(
                    h.col(&["usage_input_tokens_no_cache"]),
                    "usage_input_tokens_no_cache",
                )?,
                row.count(
                    h.col(&[
                        "usage_input_tokens_cache_write_5m",
                        "usage_input_tokens_cache_write",
                    ]),
                    "cache writes (5m)",
                )?,
                row.count(
                    h.col(&["usage_input_tokens_cache_write_1h"]),
                    "usage_input_tokens_cache_write_1h",
                )?,
                row.count(
                    h.col(&["usage_input_tokens_cache_read"]),
                    "usage_input_tokens_cache_read",
                )?,
                row.count(h.col(&["usage_output_tokens"]), "usage_output_tokens")?,
                row.count(h.col(&["web_search_count"]), "web_search_count")?,
            ])
        })();
        let [input, w5, w1, read, output, web] = match counts {
            Ok(v) => v,
            Err(e) => return out.reject(row.line, RejectReason::InvalidNumber, e),
        };
        if [input, w5, w1, read, output, web] == [0; 6] {
            out.ignored += 1;
            return;
        }
        let key = [
            "usage_date_utc",
            "model_version",
            "api_key",
            "workspace",
            "usage_type",
            "context_window",
            "inference_geo",
            "speed",
        ];
        let mut r = day.record(
            ExportKind::AnthropicUsage,
            row,
            "anthropic_console_usage",
            &key,
            model,
        );
        r.tokens.input = input;
        r.tokens.cache_write_5m = w5;
        r.tokens.cache_write_1h = w1;
        r.tokens.cache_read = read;
        r.tokens.output = output;
        r.tokens.web_search_requests = web;
        r.api_key_id = row.text(h.col(&["api_key"]));
        r.workflow = Some(api_workflow(r.api_key_id.as_ref(), workflow));
        r.workspace = row.text(h.col(&["workspace"]));
        r.batch = row
            .get(h.col(&["usage_type"]))
            .is_some_and(|u| u.eq_ignore_ascii_case("batch"));
        r.fast = row
            .get(h.col(&["speed"]))
            .is_some_and(|u| u.eq_ignore_ascii_case("fast"));
        r.context_known = row
            .get(h.col(&["context_window"]))
            .map(|c| c.contains("200k") && !c.starts_with('≤') && !c.starts_with("0-"));
        out.records.push(r);
    })
}

/// Console cost CSV: `cost_usd` in dollars per day × model (a display name) × token type.
fn console_cost(input: Input, file: u32) -> anyhow::Result<ExportOut> {
    let workflow = &Text::from("anthropic-api");
    console_rows(input, file, |out, day, row| {
        let h = day.h;
        let Some(c) = row.get(h.col(&["cost_usd"])) else {
            return out.reject(row.line, RejectReason::MissingField, "empty cost_usd");
        };
        let nano = match crate::money::parse_usd(c) {
            Ok(v) => v,
            Err(e) => {
                return out.reject(
                    row.line,
                    RejectReason::InvalidNumber,
                    format!("cost_usd: {e}"),
                );
            }
        };
        let model = row.text(h.col(&["model"])).unwrap_or_else(|| {
            Text::from(format!(
                "anthropic {}",
                crate::ingest::reconcile::ALL_MODELS
            ))
        });
        let key = [
            "usage_date_utc",
            "model",
            "workspace",
            "api_key",
            "api_key_id",
            "usage_type",
            "context_window",
            "token_type",
            "cost_type",
            "inference_geo",
            "speed",
        ];
        let mut r = day.record(
            ExportKind::AnthropicCost,
            row,
            "anthropic_console_cost",
            &key,
            model,
        );
        r.cost = Some(nano);
        r.cost_basis = Some(CostBasis::Billed);
        r.api_key_id = row.text(h.col(&["api_key", "api_key_id"]));
        r.workspace = row.text(h.col(&["workspace"]));
        r.workflow = Some(workflow.clone());
        out.records.push(r);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// reference/formats.md §1.2: "54.702" cents is $0.54702 = 182,340 input tokens at $3/M.
    #[test]
    fn cost_report_amounts_are_cents() {
        let text = r#"{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[
  {"currency":"USD","amount":"54.702","workspace_id":"wrkspc_1","description":"Claude Sonnet 4.5 Usage - Input Tokens","cost_type":"tokens","context_window":"0-200k","model":"claude-sonnet-4-5-20250929","service_tier":"standard","token_type":"uncached_input_tokens","inference_geo":null},
  {"currency":"USD","amount":"3.0","workspace_id":null,"description":"Web Search","cost_type":"web_search","context_window":null,"model":null,"service_tier":null,"token_type":null,"inference_geo":null},
  {"currency":"EUR","amount":"1","cost_type":"tokens"},
  {"currency":"USD","amount":"lots","cost_type":"tokens"}
]}],"has_more":false,"next_page":null}"#;
        let out = cost(text, 0).unwrap();
        assert_eq!(out.rows, 4);
        let costs: Vec<i64> = out.records.iter().filter_map(|r| r.cost).collect();
        assert_eq!(costs, vec![547_020_000, 30_000_000]);
        assert_eq!(&*out.records[1].model, "anthropic web_search");
        assert_eq!(out.records[0].ts_end, Some(1_790_899_200_000_000));
        let reasons: Vec<(u64, RejectReason)> =
            out.rejects.iter().map(|(l, r, _)| (*l, *r)).collect();
        assert_eq!(
            reasons,
            vec![
                (4, RejectReason::Currency),
                (5, RejectReason::InvalidNumber)
            ]
        );
    }

    #[test]
    fn analytics_estimates_are_cents_per_actor_and_model() {
        let text = r#"{"data":[
 {"date":"2026-10-01T00:00:00Z","actor":{"type":"user_actor","email_address":"dev1@example.com"},"customer_type":"api","terminal_type":"vscode",
  "core_metrics":{"num_sessions":4},"model_breakdown":[{"model":"claude-sonnet-4-5-20250929","tokens":{"input":84000,"output":30500,"cache_read":2100000,"cache_creation":120000},"estimated_cost":{"currency":"USD","amount":1235}}]},
 {"date":"2026-10-01T00:00:00Z","actor":{"type":"api_actor","api_key_name":"ci-bot"},"terminal_type":"non-interactive",
  "model_breakdown":[{"model":"claude-haiku-4-5-20251001","tokens":{"input":50000},"estimated_cost":{"currency":"USD","amount":"17"}}]}
],"has_more":false,"next_page":null}"#;
        let out = analytics(text, 0).unwrap();
        let c: Vec<i64> = out.records.iter().filter_map(|r| r.cost).collect();
        assert_eq!(c, vec![12_350_000_000, 170_000_000]);
        assert_eq!(out.records[0].actor.as_deref(), Some("dev1@example.com"));
        assert_eq!(out.records[1].workflow.as_deref(), Some("api:ci-bot"));
        assert_eq!(out.records[0].ts_end, Some(1_790_899_200_000_000));
    }

    #[test]
    fn console_csvs() {
        let usage_csv = "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens,web_search_count,inference_geo,speed
2026-10-01,claude-sonnet-4-5-20250929,ci-bot,Default,standard,≤ 200k,182340,48210,0,2410988,61877,3,global,
2026-10-01,claude-opus-4-7,dev-laptop,Default,standard,≤ 200k,9120,0,15002,120400,4410.0,0,global,
2026-10-02,claude-opus-4-7,dev-laptop,Default,standard,≤ 200k,1.5,0,0,0,0,0,global,
";
        let out = usage(usage_csv, 0).unwrap();
        assert_eq!(out.records.len(), 2);
        assert_eq!(out.records[1].tokens.output, 4410);
        assert_eq!(out.records[0].workflow.as_deref(), Some("api:ci-bot"));
        assert_eq!(out.records[0].context_known, Some(false));
        assert_eq!(out.rejects[0].1, RejectReason::InvalidNumber);
        let cost_csv = "usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,cost_usd,list_price_usd,cost_type,inference_geo,speed,api_key_id,api_key_status
2026-10-01,Claude Sonnet 4.5,Default,ci-bot,message,≤ 200k,input_no_cache,0.55,0.55,token,global,,apikey_01AAA,active
2026-10-01,Claude Sonnet 4.5,Default,ci-bot,message,≤ 200k,input_cache_read,0.72,7.23,token,global,,apikey_01AAA,active
2026-10-01,Claude Sonnet 4.5,Default,ci-bot,message,≤ 200k,output,0.93,0.93,token,global,,apikey_01AAA,active
";
        let out = cost(cost_csv, 0).unwrap();
        let c: Vec<i64> = out.records.iter().filter_map(|r| r.cost).collect();
        assert_eq!(c, vec![550_000_000, 720_000_000, 930_000_000]);
        assert_eq!(&*out.records[0].model_raw, "Claude Sonnet 4.5");
    }

    #[test]
    fn usage_report_reads_the_nested_cache_writes() {
        let text = r#"{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[
 {"uncached_input_tokens":182340,"cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":48210},"cache_read_input_tokens":2410988,"output_tokens":61877,"server_tool_use":{"web_search_requests":3},"api_key_id":"apikey_01","workspace_id":null,"model":"claude-sonnet-4-5-20250929","service_tier":null,"context_window":null,"inference_geo":null},
 {"uncached_input_tokens":5,"output_tokens":1,"model":null},
 {"uncached_input_tokens":0,"output_tokens":0,"model":"claude-opus-4-7"}
]}]}"#;
        let out = usage(text, 0).unwrap();
        assert_eq!((out.rows, out.ignored, out.rejects.len()), (3, 1, 1));
        let r = &out.records[0];
        assert_eq!(r.tokens.cache_write_5m, 48_210);
        assert_eq!(r.tokens.web_search_requests, 3);
        assert_eq!(r.workflow.as_deref(), Some("api:apikey_01"));
        assert_eq!(out.rejects[0].1, RejectReason::MissingModel);
    }
}
