//! OpenTelemetry OTLP/JSON files (reference/formats.md §3): what the Collector's `file`
//! exporter writes (one `Export*ServiceRequest` object per line) or a single request
//! object. Read:
//!
//! * Claude Code `api_request` log events — one record per call, with Claude Code's own
//!   cost estimate (`cost_usd_micros`, else `cost_usd`); cache writes are not split by
//!   duration there and count as 5-minute writes.
//! * Claude Code `claude_code.cost.usage` / `claude_code.token.usage` metrics — one record
//!   per data point and attribute set (cost and token points of the same series joined);
//!   delta points are taken as they are, cumulative points differenced (a drop is a
//!   restart). They are aggregates: a session that also has call-level detail (events or a
//!   transcript) keeps the detail and its metric records count as duplicates.
//! * GenAI spans (`gen_ai.usage.*`): one record per span, priced by costper
//!   (`input_tokens` includes the cache reads and writes, which are split out).
//!
//! int64 values may be JSON strings or numbers, numeric attributes strings in old Claude
//! Code versions; all are accepted. Other events, metrics and spans are ignored, their
//! text (prompts, tool parameters, bodies) never read into a record.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{ExportKind, ExportOut, blank, parse_ts};
use crate::ingest::record::{CostBasis, RejectReason, Text, record_id};
use crate::money;

/// An OTLP `AnyValue` as text (numbers as written, so money stays exact).
fn any_text(v: &Value) -> Option<String> {
    let o = v.as_object()?;
    for k in ["stringValue", "intValue", "doubleValue", "boolValue"] {
        match o.get(k) {
            Some(Value::String(s)) => return Some(s.clone()),
            Some(Value::Number(n)) => return Some(n.to_string()),
            Some(Value::Bool(b)) => return Some(b.to_string()),
            _ => {}
        }
    }
    None
}

/// Key/value attributes as text.
fn attrs(v: Option<&Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for kv in v.and_then(Value::as_array).into_iter().flatten() {
        if let (Some(k), Some(val)) = (
            kv.get("key").and_then(Value::as_str),
            kv.get("value").and_then(any_text),
        ) {
            out.insert(k.to_string(), val);
        }
    }
    out
}

/// An int64 that may be a string or a number.
fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn nanos_to_micros(v: Option<&Value>) -> Option<i64> {
    int(v).map(|n| n / 1_000)
}

fn count(a: &BTreeMap<String, String>, k: &str) -> Result<u64, String> {
    match a.get(k) {
        None => Ok(0),
        Some(v) => {
            let n = money::parse_decimal(v, 0).map_err(|e| format!("{k}: {e}"))?;
            u64::try_from(n).map_err(|_| format!("{k}: `{v}` is not a count"))
        }
    }
}

/// Resource attributes that say who or what (team, department, …) become tags; the
/// machine description does not.
fn resource_tags(res: &BTreeMap<String, String>) -> Option<Text> {
    let items: Vec<String> = res
        .iter()
        .filter(|(k, _)| {
            !k.starts_with("service.")
                && !k.starts_with("os.")
                && !k.starts_with("host.")
                && !k.starts_with("telemetry.")
                && !k.starts_with("process.")
        })
        .map(|(k, v)| format!("{k}:{}", v.replace([',', ' '], "_")))
        .collect();
    (!items.is_empty()).then(|| Text::from(items.join(",")))
}

/// A Claude Code metric point, before cost and token points of one series are joined.
#[derive(Default)]
struct Point {
    line: u64,
    cost: Option<i128>,
    input: u64,
    output: u64,
    cache_read: u64,
    cache_creation: u64,
    attrs: BTreeMap<String, String>,
    tags: Option<Text>,
}

pub fn read(text: &str, file: u32) -> anyhow::Result<ExportOut> {
    let mut out = ExportOut::default();
    // series → (last cumulative value, its time), to difference cumulative points
    let mut cumulative: BTreeMap<String, (i128, i64)> = BTreeMap::new();
    // (start, end, attributes without `type`) → the joined point
    let mut points: BTreeMap<(i64, i64, String), Point> = BTreeMap::new();
    let mut any = false;
    for (i, line_text) in text.lines().enumerate() {
        let line = i as u64 + 1;
        if line_text.trim().is_empty() {
            continue;
        }
        let doc: Value = match serde_json::from_str(line_text) {
            Ok(v) => v,
            // a single pretty-printed object spans many lines
            Err(_) if i == 0 => match serde_json::from_str(text) {
                Ok(v) => {
                    read_doc(&v, 1, file, &mut out, &mut cumulative, &mut points);
                    any = true;
                    break;
                }
                Err(e) => anyhow::bail!("not OTLP/JSON: {e}"),
            },
            Err(e) => {
                out.rows += 1;
                out.reject(line, RejectReason::NotJson, e.to_string());
                continue;
            }
        };
        any = true;
        read_doc(&doc, line, file, &mut out, &mut cumulative, &mut points);
    }
    if !any {
        anyhow::bail!("no OTLP/JSON request in the file");
    }
    for ((start, end, key), p) in points {
        let mut r = blank(ExportKind::Otel, file, p.line);
        r.tokens.input = p.input;
        r.tokens.output = p.output;
        r.tokens.cache_read = p.cache_read;
        r.tokens.cache_write_5m = p.cache_creation;
        if let Some(c) = p.cost {
            match i64::try_from(c) {
                Ok(v) => {
                    r.cost = Some(v);
                    r.cost_basis = Some(CostBasis::Estimated);
                }
                Err(_) => {
                    out.reject(p.line, RejectReason::InvalidNumber, "cost out of range");
                    continue;
                }
            }
        }
        if r.tokens == Default::default() && r.cost.unwrap_or(0) == 0 {
            out.ignored += 1;
            continue;
        }
        let model = p
            .attrs
            .get("model")
            .map(|m| Text::from(m.as_str()))
            .unwrap_or_else(|| Text::from("(no model)"));
        r.record_id = record_id(&["otel_metric", &start.to_string(), &end.to_string(), &key]);
        r.ts = start;
        r.ts_end = Some(end);
        r.provider = Text::from("anthropic");
        r.model_raw = model.clone();
        r.model = model;
        claude_identity(&mut r, &p.attrs);
        r.tags = p.tags;
        out.records.push(r);
    }
    Ok(out)
}

/// Session, actor, entrypoint and workflow from Claude Code's standard attributes.
fn claude_identity(r: &mut crate::ingest::UsageRecord, a: &BTreeMap<String, String>) {
    let t = |k: &str| a.get(k).map(|v| Text::from(v.as_str()));
    r.session_id = t("session.id");
    r.actor = t("user.email")
        .or_else(|| t("user.account_id"))
        .or_else(|| t("user.account_uuid"));
    r.workspace = t("organization.id");
    r.entrypoint = t("app.entrypoint");
    r.agent_version = t("app.version");
    r.is_sidechain = a
        .get("query_source")
        .is_some_and(|q| q != "main" && q != "repl_main_thread");
    r.fast = a.get("speed").is_some_and(|s| s == "fast");
    r.workflow = Some(match (t("workflow.name"), r.entrypoint.as_deref()) {
        (Some(w), _) => w,
        (None, Some(e)) if e.starts_with("sdk") || e.contains("action") => {
            Text::from("claude-code-ci")
        }
        _ => Text::from("claude-code"),
    });
}

fn read_doc(
    doc: &Value,
    line: u64,
    file: u32,
    out: &mut ExportOut,
    cumulative: &mut BTreeMap<String, (i128, i64)>,
    points: &mut BTreeMap<(i64, i64, String), Point>,
) {
    let arr = |v: &Value, k: &str| -> Vec<Value> {
        v.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for rl in arr(doc, "resourceLogs") {
        let res = attrs(rl.get("resource").and_then(|r| r.get("attributes")));
        for sl in arr(&rl, "scopeLogs") {
            for lr in arr(&sl, "logRecords") {
                out.rows += 1;
                log_record(&lr, &res, line, file, out);
            }
        }
    }
    for rm in arr(doc, "resourceMetrics") {
        let res = attrs(rm.get("resource").and_then(|r| r.get("attributes")));
        for sm in arr(&rm, "scopeMetrics") {
            for m in arr(&sm, "metrics") {
                let name = m.get("name").and_then(Value::as_str).unwrap_or("");
                let Some(sum) = m.get("sum") else {
                    continue;
                };
                let temporality = int(sum.get("aggregationTemporality")).unwrap_or(1);
                for dp in arr(sum, "dataPoints") {
                    out.rows += 1;
                    if name != "claude_code.cost.usage" && name != "claude_code.token.usage" {
                        out.ignored += 1;
                        continue;
                    }
                    metric_point(name, temporality, &dp, &res, line, out, cumulative, points);
                }
            }
        }
    }
    for rs in arr(doc, "resourceSpans") {
        let res = attrs(rs.get("resource").and_then(|r| r.get("attributes")));
        for ss in arr(&rs, "scopeSpans") {
            for sp in arr(&ss, "spans") {
                out.rows += 1;
                span(&sp, &res, line, file, out);
            }
        }
    }
}

fn log_record(
    lr: &Value,
    res: &BTreeMap<String, String>,
    line: u64,
    file: u32,
    out: &mut ExportOut,
) {
    let a = attrs(lr.get("attributes"));
    let body = lr.get("body").and_then(any_text).unwrap_or_default();
    let name = a.get("event.name").cloned().unwrap_or(body);
    if name != "api_request" && name != "claude_code.api_request" {
        out.ignored += 1;
        return;
    }
    let ts = a
        .get("event.timestamp")
        .and_then(|t| parse_ts(t))
        .or_else(|| nanos_to_micros(lr.get("timeUnixNano")))
        .or_else(|| nanos_to_micros(lr.get("observedTimeUnixNano")));
    let Some(ts) = ts else {
        return out.reject(
            line,
            RejectReason::MissingTimestamp,
            "api_request without a time",
        );
    };
    let Some(model) = a.get("model") else {
        return out.reject(
            line,
            RejectReason::MissingModel,
            "api_request without a model",
        );
    };
    let tokens = (|| -> Result<[u64; 4], String> {
        Ok([
            count(&a, "input_tokens")?,
            count(&a, "output_tokens")?,
            count(&a, "cache_read_tokens")?,
            count(&a, "cache_creation_tokens")?,
        ])
    })();
    let [input, output, cache_read, cache_creation] = match tokens {
        Ok(v) => v,
        Err(e) => return out.reject(line, RejectReason::InvalidNumber, e),
    };
    // micro-dollars at scale 3 and dollars at scale 9 are both nano-USD
    let cost = a
        .get("cost_usd_micros")
        .map(|m| money::parse_decimal(m, 3))
        .or_else(|| a.get("cost_usd").map(|d| money::parse_decimal(d, 9)));
    let mut r = blank(ExportKind::Otel, file, line);
    match cost {
        None => {} // priced by costper
        Some(Ok(v)) => match i64::try_from(v) {
            Ok(n) => {
                r.cost = Some(n);
                r.cost_basis = Some(CostBasis::Estimated);
            }
            Err(_) => return out.reject(line, RejectReason::InvalidNumber, "cost out of range"),
        },
        Some(Err(e)) => return out.reject(line, RejectReason::InvalidNumber, format!("cost: {e}")),
    }
    r.tokens.input = input;
    r.tokens.output = output;
    r.tokens.cache_read = cache_read;
    r.tokens.cache_write_5m = cache_creation;
    let request = a.get("request_id").cloned();
    let session = a.get("session.id").cloned().unwrap_or_default();
    r.record_id = match &request {
        Some(q) => record_id(&["otel_api_request", q]),
        None => record_id(&[
            "otel_api_request",
            &session,
            &ts.to_string(),
            model,
            a.get("event.sequence").map_or("", String::as_str),
        ]),
    };
    r.ts = ts;
    r.provider = Text::from("anthropic");
    r.model_raw = Text::from(model.as_str());
    r.model = r.model_raw.clone();
    r.requests = 1;
    r.request_id = request.map(Text::from);
    claude_identity(&mut r, &a);
    r.tags = resource_tags(res);
    out.records.push(r);
}

#[allow(clippy::too_many_arguments)]
fn metric_point(
    name: &str,
    temporality: i64,
    dp: &Value,
    res: &BTreeMap<String, String>,
    line: u64,
    out: &mut ExportOut,
    cumulative: &mut BTreeMap<String, (i128, i64)>,
    points: &mut BTreeMap<(i64, i64, String), Point>,
) {
    let a = attrs(dp.get("attributes"));
    let (Some(start), Some(end)) = (
        nanos_to_micros(dp.get("startTimeUnixNano")),
        nanos_to_micros(dp.get("timeUnixNano")),
    ) else {
        return out.reject(
            line,
            RejectReason::MissingTimestamp,
            "data point without times",
        );
    };
    let raw = match (dp.get("asDouble"), dp.get("asInt")) {
        (Some(Value::Number(n)), _) => n.to_string(),
        (_, Some(v)) => int(Some(v)).map(|i| i.to_string()).unwrap_or_default(),
        _ => String::new(),
    };
    // cost in nano-USD, tokens as counts
    let scale = if name == "claude_code.cost.usage" {
        9
    } else {
        0
    };
    let value = match money::parse_decimal(&raw, scale) {
        Ok(v) => v,
        Err(e) => return out.reject(line, RejectReason::InvalidNumber, format!("{name}: {e}")),
    };
    let series: String = std::iter::once(name.to_string())
        .chain(a.iter().map(|(k, v)| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join("\u{1}");
    let (start, value) = if temporality == 2 {
        // cumulative: the increase since the previous point of the series (a drop is a
        // restart, whose value counts from its start)
        let prev = cumulative.insert(format!("{series}\u{1}{start}"), (value, end));
        match prev {
            Some((p, at)) if value >= p => (at, value - p),
            _ => (start, value),
        }
    } else {
        (start, value)
    };
    if value == 0 {
        out.ignored += 1;
        return;
    }
    let key: String = a
        .iter()
        .filter(|(k, _)| k.as_str() != "type")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\u{1}");
    let p = points.entry((start, end, key)).or_insert_with(|| Point {
        line,
        attrs: a
            .iter()
            .filter(|(k, _)| k.as_str() != "type")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        tags: resource_tags(res),
        ..Point::default()
    });
    let v = u64::try_from(value).unwrap_or(0);
    if scale == 9 {
        p.cost = Some(p.cost.unwrap_or(0) + value);
    } else {
        match a.get("type").map(String::as_str) {
            Some("input") => p.input += v,
            Some("output") => p.output += v,
            Some("cacheRead") => p.cache_read += v,
            Some("cacheCreation") => p.cache_creation += v,
            _ => out.ignored += 1,
        }
    }
}

fn span(sp: &Value, res: &BTreeMap<String, String>, line: u64, file: u32, out: &mut ExportOut) {
    let a = attrs(sp.get("attributes"));
    let has = |k: &str| a.contains_key(k);
    if !has("gen_ai.usage.input_tokens")
        && !has("gen_ai.usage.output_tokens")
        && !has("gen_ai.usage.prompt_tokens")
    {
        out.ignored += 1;
        return;
    }
    let Some(ts) = nanos_to_micros(sp.get("startTimeUnixNano")) else {
        return out.reject(
            line,
            RejectReason::MissingTimestamp,
            "span without startTimeUnixNano",
        );
    };
    let Some(model) = a
        .get("gen_ai.response.model")
        .or_else(|| a.get("gen_ai.request.model"))
    else {
        return out.reject(
            line,
            RejectReason::MissingModel,
            "GenAI span without a model",
        );
    };
    let tokens = (|| -> Result<[u64; 4], String> {
        let input = if has("gen_ai.usage.input_tokens") {
            count(&a, "gen_ai.usage.input_tokens")?
        } else {
            count(&a, "gen_ai.usage.prompt_tokens")?
        };
        let output = if has("gen_ai.usage.output_tokens") {
            count(&a, "gen_ai.usage.output_tokens")?
        } else {
            count(&a, "gen_ai.usage.completion_tokens")?
        };
        Ok([
            input,
            output,
            count(&a, "gen_ai.usage.cache_read.input_tokens")?,
            count(&a, "gen_ai.usage.cache_creation.input_tokens")?,
        ])
    })();
    let [input, output, read, created] = match tokens {
        Ok(v) => v,
        Err(e) => return out.reject(line, RejectReason::InvalidNumber, e),
    };
    let mut r = blank(ExportKind::Otel, file, line);
    // input_tokens includes the cache reads and writes
    r.tokens.input = input.saturating_sub(read).saturating_sub(created);
    r.tokens.output = output;
    r.tokens.cache_read = read;
    r.tokens.cache_write_5m = created;
    let trace = sp.get("traceId").and_then(Value::as_str).unwrap_or("");
    let span_id = sp.get("spanId").and_then(Value::as_str).unwrap_or("");
    r.record_id = record_id(&["otel_span", trace, span_id]);
    r.ts = ts;
    let provider = a
        .get("gen_ai.provider.name")
        .or_else(|| a.get("gen_ai.system"))
        .map(|p| p.split('.').next().unwrap_or(p).to_string())
        .unwrap_or_default();
    r.provider = Text::from(provider);
    r.model_raw = Text::from(model.as_str());
    r.model = r.model_raw.clone();
    r.requests = 1;
    r.session_id = a
        .get("gen_ai.conversation.id")
        .map(|s| Text::from(s.as_str()));
    r.request_id = a.get("gen_ai.response.id").map(|s| Text::from(s.as_str()));
    r.tags = resource_tags(res);
    r.workflow = Some(Text::from(
        res.get("service.name").map_or("otel", String::as_str),
    ));
    out.records.push(r);
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}},{"key":"team.id","value":{"stringValue":"platform"}}]},"scopeLogs":[{"scope":{"name":"com.anthropic.claude_code.events"},"logRecords":[{"timeUnixNano":"1790000000123000000","body":{"stringValue":"claude_code.api_request"},"attributes":[{"key":"event.name","value":{"stringValue":"api_request"}},{"key":"event.timestamp","value":{"stringValue":"2026-09-21T13:33:20.123Z"}},{"key":"session.id","value":{"stringValue":"s-1"}},{"key":"user.email","value":{"stringValue":"dev1@example.com"}},{"key":"model","value":{"stringValue":"claude-sonnet-4-5-20250929"}},{"key":"cost_usd","value":{"doubleValue":0.0421}},{"key":"input_tokens","value":{"intValue":"1200"}},{"key":"output_tokens","value":{"intValue":910}},{"key":"cache_read_tokens","value":{"stringValue":"88000"}},{"key":"cache_creation_tokens","value":{"intValue":"2400"}},{"key":"request_id","value":{"stringValue":"req_1"}}]},{"timeUnixNano":"1790000000200000000","body":{"stringValue":"claude_code.user_prompt"},"attributes":[{"key":"event.name","value":{"stringValue":"user_prompt"}},{"key":"prompt","value":{"stringValue":"PRIVATE"}}]}]}]}]}"#;

    #[test]
    fn api_request_events_keep_claude_codes_cost() {
        let out = read(EVENT, 0).unwrap();
        assert_eq!((out.rows, out.ignored), (2, 1));
        let r = &out.records[0];
        assert_eq!(r.cost, Some(42_100_000));
        assert_eq!(
            (r.tokens.input, r.tokens.output, r.tokens.cache_read),
            (1200, 910, 88_000)
        );
        assert_eq!(r.session_id.as_deref(), Some("s-1"));
        assert_eq!(r.tags.as_deref(), Some("team.id:platform"));
        assert_eq!(r.request_id.as_deref(), Some("req_1"));
    }

    /// Delta points add up; cumulative points are differenced per series (5 then 8 → 5 + 3).
    #[test]
    fn metrics_delta_and_cumulative() {
        let point = |temporality: i64, start: &str, end: &str, cost: &str, tokens: u64| {
            format!(
                r#"{{"resourceMetrics":[{{"resource":{{"attributes":[]}},"scopeMetrics":[{{"metrics":[{{"name":"claude_code.cost.usage","sum":{{"aggregationTemporality":{temporality},"dataPoints":[{{"startTimeUnixNano":"{start}","timeUnixNano":"{end}","asDouble":{cost},"attributes":[{{"key":"session.id","value":{{"stringValue":"s"}}}},{{"key":"model","value":{{"stringValue":"claude-sonnet-4-5"}}}}]}}]}}}},{{"name":"claude_code.token.usage","sum":{{"aggregationTemporality":{temporality},"dataPoints":[{{"startTimeUnixNano":"{start}","timeUnixNano":"{end}","asInt":"{tokens}","attributes":[{{"key":"type","value":{{"stringValue":"input"}}}},{{"key":"session.id","value":{{"stringValue":"s"}}}},{{"key":"model","value":{{"stringValue":"claude-sonnet-4-5"}}}}]}}]}}}}]}}]}}]}}"#
            )
        };
        let delta = [
            point(1, "1790000000000000000", "1790000060000000000", "0.5", 100),
            point(1, "1790000060000000000", "1790000120000000000", "0.25", 50),
        ]
        .join("\n");
        let out = read(&delta, 0).unwrap();
        let c: Vec<i64> = out.records.iter().filter_map(|r| r.cost).collect();
        assert_eq!(c, vec![500_000_000, 250_000_000]);
        assert_eq!(out.records[0].tokens.input, 100);
        let cum = [
            point(2, "1790000000000000000", "1790000060000000000", "5", 100),
            point(2, "1790000000000000000", "1790000120000000000", "8", 160),
        ]
        .join("\n");
        let out = read(&cum, 0).unwrap();
        let total: i64 = out.records.iter().filter_map(|r| r.cost).sum();
        assert_eq!(total, 8_000_000_000);
        let tokens: u64 = out.records.iter().map(|r| r.tokens.input).sum();
        assert_eq!(tokens, 160);
    }

    #[test]
    fn genai_spans_split_cached_input() {
        let text = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"pr-review-bot"}}]},"scopeSpans":[{"spans":[{"traceId":"5b8e","spanId":"eee1","name":"chat","startTimeUnixNano":1790000000000000000,"attributes":[{"key":"gen_ai.provider.name","value":{"stringValue":"anthropic"}},{"key":"gen_ai.response.model","value":{"stringValue":"claude-sonnet-4-5-20250929"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"91600"}},{"key":"gen_ai.usage.cache_read.input_tokens","value":{"intValue":"88000"}},{"key":"gen_ai.usage.cache_creation.input_tokens","value":{"intValue":"2400"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"910"}}]},{"traceId":"5b8e","spanId":"eee2","name":"tool","startTimeUnixNano":"1790000000000000000","attributes":[]}]}]}]}"#;
        let out = read(text, 0).unwrap();
        assert_eq!((out.rows, out.ignored), (2, 1));
        let r = &out.records[0];
        assert_eq!(
            (r.tokens.input, r.tokens.cache_read, r.tokens.cache_write_5m),
            (1200, 88_000, 2400)
        );
        assert_eq!(r.cost, None); // priced by costper
        assert_eq!(r.workflow.as_deref(), Some("pr-review-bot"));
    }
}
