//! Anthropic Admin API exports (reference/formats.md §1.1–1.2): the messages usage report
//! (tokens per bucket, priced by costper: cache writes are the nested
//! `cache_creation.ephemeral_{5m,1h}_input_tokens`, never a flat field) and the cost report
//! (`amount` is a decimal **string in cents**: `"54.702"` = $0.54702).

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{ExportKind, ExportOut, blank, json_amount, line_of, pages, parse_ts, text, to_nano};
use crate::ingest::record::{CostBasis, RejectReason, Text, record_id};

#[derive(Deserialize)]
struct Bucket<'a> {
    starting_at: Option<&'a str>,
    ending_at: Option<&'a str>,
    #[serde(borrow, default)]
    results: Vec<&'a RawValue>,
}

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

/// Walks every bucket's results, giving each item's raw text, line and bucket times.
fn each_item<'a>(
    text: &'a str,
    out: &mut ExportOut,
    mut f: impl FnMut(&mut ExportOut, &'a RawValue, u64, i64, Option<i64>),
) -> anyhow::Result<()> {
    let buckets = pages(text).map_err(|e| anyhow::anyhow!("not a report: {e}"))?;
    for b in buckets {
        let line = line_of(text, b.get());
        let bucket: Bucket = match serde_json::from_str(b.get()) {
            Ok(x) => x,
            Err(e) => {
                out.rows += 1;
                out.reject(line, RejectReason::InvalidJson, format!("bucket: {e}"));
                continue;
            }
        };
        let start = bucket.starting_at.and_then(parse_ts);
        let end = bucket.ending_at.and_then(parse_ts);
        for item in bucket.results {
            out.rows += 1;
            let line = line_of(text, item.get());
            match start {
                Some(s) => f(out, item, line, s, end),
                None => out.reject(
                    line,
                    RejectReason::MissingTimestamp,
                    "the bucket has no valid starting_at",
                ),
            }
        }
    }
    Ok(())
}

fn opt(s: Option<&str>) -> &str {
    s.unwrap_or("")
}

/// The messages usage report.
pub fn usage(text_in: &str, file: u32) -> anyhow::Result<ExportOut> {
    let mut out = ExportOut::default();
    let provider = Text::from("anthropic");
    let workflow = Text::from("anthropic-api");
    each_item(text_in, &mut out, |out, raw, line, start, end| {
        let it: UsageItem = match serde_json::from_str(raw.get()) {
            Ok(x) => x,
            Err(e) => return out.reject(line, RejectReason::InvalidJson, e.to_string()),
        };
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
        r.workflow = Some(match &r.api_key_id {
            Some(k) => Text::from(format!("api:{k}")),
            None => workflow.clone(),
        });
        out.records.push(r);
    })?;
    Ok(out)
}

/// The cost report.
pub fn cost(text_in: &str, file: u32) -> anyhow::Result<ExportOut> {
    let mut out = ExportOut::default();
    let provider = Text::from("anthropic");
    let workflow = Text::from("anthropic-api");
    each_item(text_in, &mut out, |out, raw, line, start, end| {
        let it: CostItem = match serde_json::from_str(raw.get()) {
            Ok(x) => x,
            Err(e) => return out.reject(line, RejectReason::InvalidJson, e.to_string()),
        };
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
