//! Cursor dashboard usage-events CSV (reference/formats.md §4.1): one row per request.
//! `Cost` may be `0.12`, `$0.01`, `Free` or `Included` (included in the plan: billed $0);
//! cache writes are `Input (w/ Cache Write)` − `Input (w/o Cache Write)`. Individual exports
//! have no `User`, older ones no agent ids, and some carry `Requests` instead of `Cost`
//! (then costper prices the tokens).

use super::{ExportKind, ExportOut, blank, csv_rows, parse_ts};
use crate::ingest::record::{CostBasis, RejectReason, Text};
use crate::money;

pub fn read(text: &str, file: u32) -> anyhow::Result<ExportOut> {
    let mut out = ExportOut::default();
    let provider = Text::from("cursor");
    let workflow = Text::from("cursor");
    let mut ids = super::Occurrences::default();
    let mut cols = None;
    csv_rows(text, &mut out, &[], |out, h, row| {
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
        let (date, user, kind, model, max, with_cw, without_cw, read, output, cost, agent, auto) =
            *c;
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
                let lower = t.to_ascii_lowercase();
                let nano = if lower.starts_with("free") || lower.starts_with("included") {
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
                        return out.reject(line, RejectReason::InvalidNumber, format!("Cost: {e}"));
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
        r.record_id = ids.id("cursor", row);
        r.ts = ts;
        r.provider = provider.clone();
        r.model_raw = m.clone();
        r.model = m;
        r.requests = 1;
        r.actor = row.text(user);
        // Max Mode (larger context at a higher rate) is a tag, not Anthropic's fast mode
        if row.get(max).is_some_and(|v| v.eq_ignore_ascii_case("yes")) {
            r.tags = Some(Text::from("max_mode"));
        }
        r.project = row.text(agent).or_else(|| row.text(auto));
        r.entrypoint = row.text(kind);
        r.workflow = Some(if row.get(agent).is_some() {
            Text::from("cursor-agent")
        } else {
            workflow.clone()
        });
        out.records.push(r);
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
