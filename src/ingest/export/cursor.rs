//! Cursor dashboard usage-events CSV (reference/formats.md §4.1): one row per request.
//! `Cost` may be `0.12`, `$0.01`, `Free` or `Included` (included in the plan: billed $0);
//! cache writes are `Input (w/ Cache Write)` − `Input (w/o Cache Write)`. Individual exports
//! have no `User`, older ones no agent ids, and some carry `Requests` instead of `Cost`
//! (then costper prices the tokens).

use super::{ExportKind, ExportOut, Header, Row, blank, csv_rows, parse_ts};
use crate::ingest::record::{CostBasis, RejectReason, Text};
use crate::money;

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct TokenUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    cache_write_tokens: u64,
    #[serde(default)]
    cache_read_tokens: u64,
    total_cents: Option<serde_json::Number>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    timestamp: Option<serde_json::Value>,
    model: Option<String>,
    kind: Option<String>,
    max_mode: Option<bool>,
    token_usage: Option<TokenUsage>,
    charged_cents: Option<serde_json::Number>,
    user_email: Option<String>,
    is_headless: Option<bool>,
}

/// The Admin API's `POST /teams/filtered-usage-events` pages (`usageEvents`): `timestamp`
/// is epoch milliseconds as a string; money is `chargedCents` (after discounts), else
/// `tokenUsage.totalCents`, in **cents**.
fn api_events(text: &str, file: u32) -> anyhow::Result<ExportOut> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Page<'a> {
        #[serde(borrow)]
        usage_events: Vec<&'a serde_json::value::RawValue>,
    }
    let pages: Vec<Page> = match serde_json::from_str::<Page>(text) {
        Ok(p) => vec![p],
        Err(_) => serde_json::from_str(text)
            .map_err(|e| anyhow::anyhow!("not filtered-usage-events pages: {e}"))?,
    };
    let mut out = ExportOut::default();
    for raw in pages.into_iter().flat_map(|p| p.usage_events) {
        out.rows += 1;
        let line = super::line_of(text, raw.get());
        let ev: Event = match serde_json::from_str(raw.get()) {
            Ok(e) => e,
            Err(e) => {
                out.reject(line, RejectReason::InvalidJson, e.to_string());
                continue;
            }
        };
        let ms = match &ev.timestamp {
            Some(serde_json::Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            _ => None,
        };
        let Some(ms) = ms else {
            out.reject(
                line,
                RejectReason::MissingTimestamp,
                "no epoch-ms timestamp",
            );
            continue;
        };
        let Some(model) = ev.model.as_deref().filter(|m| !m.is_empty()) else {
            out.reject(line, RejectReason::MissingModel, "no model");
            continue;
        };
        let t = ev.token_usage.unwrap_or_default();
        let mut r = blank(ExportKind::Cursor, file, line);
        if let Some(c) = ev.charged_cents.as_ref().or(t.total_cents.as_ref()) {
            match money::parse_decimal(&c.to_string(), 7) {
                Ok(v) => {
                    r.cost = i64::try_from(v).ok();
                    r.cost_basis = Some(CostBasis::Billed);
                }
                Err(e) => {
                    out.reject(line, RejectReason::InvalidNumber, format!("cents: {e}"));
                    continue;
                }
            }
        }
        r.tokens.input = t.input_tokens;
        r.tokens.output = t.output_tokens;
        r.tokens.cache_write_5m = t.cache_write_tokens;
        r.tokens.cache_read = t.cache_read_tokens;
        let user = ev.user_email.clone().unwrap_or_default();
        r.record_id = crate::ingest::record::record_id(&[
            "cursor_api",
            &ms.to_string(),
            &user,
            model,
            ev.kind.as_deref().unwrap_or(""),
        ]);
        r.ts = ms * 1000;
        r.provider = Text::from("cursor");
        r.model_raw = Text::from(model);
        r.model = r.model_raw.clone();
        r.requests = 1;
        r.actor = ev.user_email.as_deref().map(Text::from);
        r.entrypoint = ev.kind.as_deref().map(Text::from);
        if ev.max_mode == Some(true) {
            r.tags = Some(Text::from("max_mode"));
        }
        r.workflow = Some(Text::from(if ev.is_headless == Some(true) {
            "cursor-agent"
        } else {
            "cursor"
        }));
        out.records.push(r);
    }
    Ok(out)
}

pub fn read<'a>(input: impl Into<super::Input<'a>>, file: u32) -> anyhow::Result<ExportOut> {
    let input = input.into();
    if let Some(text) = input.json() {
        return api_events(text, file);
    }
    let mut out = ExportOut::default();
    let provider = &Text::from("cursor");
    let workflow = &Text::from("cursor");
    let agent_workflow = &Text::from("cursor-agent");
    let max_mode = &Text::from("max_mode");
    csv_rows(input, &mut out, &[], || {
        let mut cols = None;
        move |out: &mut ExportOut, h: &Header, row: &Row| {
            let c = cols.get_or_insert_with(|| {
                (
                    h.col(&["Date"]),
                    h.col(&["User"]),
                    h.col(&["Kind"]),
                    h.col(&["Model"]),
                    h.col(&["Max Mode"]),
                    h.col(&["Input (w/ Cache Write)"]),
                    h.col(&["Input (w/o Cache Write)"]),
                    h.col(&["Cache Read"]),
                    h.col(&["Output Tokens", "Output"]),
                    h.col(&["Cost"]),
                    h.col(&["Cloud Agent ID"]),
                    h.col(&["Automation ID"]),
                )
            });
            let (
                date,
                user,
                kind,
                model,
                max,
                with_cw,
                without_cw,
                read,
                output,
                cost,
                agent,
                auto,
            ) = *c;
            let line = row.line;
            let Some(d) = row.get(date) else {
                return out.reject(line, RejectReason::MissingTimestamp, "empty Date");
            };
            let Some(ts) = parse_ts(d) else {
                return out.reject(line, RejectReason::InvalidTimestamp, format!("Date `{d}`"));
            };
            let Some(m) = row.text(model) else {
                return out.reject(line, RejectReason::MissingModel, "empty Model");
            };
            let counts = (|| -> Result<[u64; 4], String> {
                Ok([
                    row.count(with_cw, "Input (w/ Cache Write)")?,
                    row.count(without_cw, "Input (w/o Cache Write)")?,
                    row.count(read, "Cache Read")?,
                    row.count(output, "Output Tokens")?,
                ])
            })();
            let [with, without, cache_read, out_tokens] = match counts {
                Ok(v) => v,
                Err(e) => return out.reject(line, RejectReason::InvalidNumber, e),
            };
            let mut r = blank(ExportKind::Cursor, file, line);
            match row.get(cost) {
                Some(v) => {
                    let t = v.trim_start_matches('$').trim();
                    let starts =
                        |p: &str| t.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
                    let nano = if starts("free") || starts("included") {
                        Ok(0)
                    } else {
                        money::parse_usd(t)
                    };
                    match nano {
                        Ok(n) => {
                            r.cost = Some(n);
                            r.cost_basis = Some(CostBasis::Billed);
                        }
                        Err(e) => {
                            return out.reject(
                                line,
                                RejectReason::InvalidNumber,
                                format!("Cost: {e}"),
                            );
                        }
                    }
                }
                // no Cost column (a `Requests` export) or an empty cell: priced from tokens
                None if cost.is_some() => {
                    r.cost = Some(0);
                    r.cost_basis = Some(CostBasis::Billed);
                }
                None => {}
            }
            r.tokens.input = without;
            r.tokens.cache_write_5m = with.saturating_sub(without);
            r.tokens.cache_read = cache_read;
            r.tokens.output = out_tokens;
            r.record_id = row.id("cursor");
            r.ts = ts;
            r.provider = provider.clone();
            r.model_raw = m.clone();
            r.model = m;
            r.requests = 1;
            r.actor = row.text(user);
            // Max Mode (larger context at a higher rate) is a tag, not Anthropic's fast mode
            if row.get(max).is_some_and(|v| v.eq_ignore_ascii_case("yes")) {
                r.tags = Some(max_mode.clone());
            }
            r.project = row.text(agent).or_else(|| row.text(auto));
            r.entrypoint = row.text(kind);
            r.workflow = Some(if row.get(agent).is_some() {
                agent_workflow.clone()
            } else {
                workflow.clone()
            });
            out.records.push(r);
        }
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_api_events_are_cents_and_epoch_ms() {
        let text = r#"{"totalUsageEventsCount":2,"usageEvents":[
  {"timestamp":"1790503200000","model":"claude-4.5-sonnet-thinking","kind":"Usage-based","maxMode":false,"tokenUsage":{"inputTokens":1200,"outputTokens":2300,"cacheWriteTokens":12000,"cacheReadTokens":54000,"totalCents":21.07},"chargedCents":21.07,"userEmail":"dev1@example.com"},
  {"timestamp":"1790503452511","model":"gpt-5","kind":"Usage-based","tokenUsage":{"inputTokens":8100,"outputTokens":640,"totalCents":1.65},"userEmail":"dev1@example.com"}]}"#;
        let out = read(text, 0).unwrap();
        let c: Vec<i64> = out.records.iter().filter_map(|r| r.cost).collect();
        assert_eq!(c, vec![210_700_000, 16_500_000]);
        assert_eq!(out.records[0].ts, 1_790_503_200_000_000);
        assert_eq!(out.records[0].tokens.cache_write_5m, 12_000);
    }

    #[test]
    fn dollar_signs_included_rows_and_cache_writes() {
        let text = "Date,User,Cloud Agent ID,Automation ID,Kind,Model,Max Mode,Input (w/ Cache Write),Input (w/o Cache Write),Cache Read,Output Tokens,Total Tokens,Cost
\"2026-10-01T10:00:00.000Z\",\"dev1@example.com\",\"\",\"\",\"Included\",\"claude-4.5-sonnet-thinking\",\"No\",\"13200\",\"1200\",\"54000\",\"2300\",\"69500\",\"0.21\"
\"2026-10-01T10:04:12.511Z\",\"dev1@example.com\",\"\",\"\",\"Usage-based\",\"gpt-5\",\"No\",\"8100\",\"8100\",\"0\",\"640\",\"8740\",\"$0.02\"
\"2026-10-01T11:30:03.002Z\",\"dev2@example.com\",\"bc-7f3e\",\"\",\"Errored, No Charge\",\"claude-4.5-opus\",\"Yes\",\"0\",\"0\",\"0\",\"0\",\"0\",\"Included\"
\"2026-10-01T11:31:00.000Z\",\"dev2@example.com\",\"\",\"\",\"Usage-based\",\"gpt-5\",\"No\",\"-5\",\"0\",\"0\",\"0\",\"0\",\"0.01\"
";
        let out = read(text, 0).unwrap();
        let costs: Vec<Option<i64>> = out.records.iter().map(|r| r.cost).collect();
        assert_eq!(costs, vec![Some(210_000_000), Some(20_000_000), Some(0)]);
        let r = &out.records[0];
        assert_eq!(
            (r.tokens.input, r.tokens.cache_write_5m, r.tokens.cache_read),
            (1200, 12_000, 54_000)
        );
        assert_eq!(out.records[2].workflow.as_deref(), Some("cursor-agent"));
        assert_eq!(out.records[2].tags.as_deref(), Some("max_mode"));
        assert_eq!(out.rejects.len(), 1);
        assert_eq!(
            (out.rejects[0].0, out.rejects[0].1),
            (5, RejectReason::InvalidNumber)
        );
    }
}
