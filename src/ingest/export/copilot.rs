//! GitHub Copilot usage reports (reference/formats.md §5.1). The premium request / metered
//! usage report: one row per day × user × model (× repository and workflow for Actions);
//! `net_amount` (dollars) is billed, `quantity` is premium requests already multiplied by
//! the model's multiplier. The legacy premium request analytics report
//! (`Timestamp,User,Model,Requests Used,Exceeds Monthly Quota,…`) states no money: requests
//! beyond the quota are estimated at GitHub's $0.04 per premium request, the rest at $0.

use super::{ExportKind, ExportOut, Header, Row, blank, csv_rows, parse_ts};
use crate::ingest::record::{CostBasis, RejectReason, Text};
use crate::money;

/// GitHub's price of a premium request beyond the plan's allowance (nano-USD).
const OVERAGE_NANO: i64 = 40_000_000;

/// `5/29/26` (a re-saved spreadsheet) as a UTC day.
fn us_date(s: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(s, "%m/%d/%y")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%m/%d/%Y"))
        .ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros())
}

pub fn read<'a>(input: impl Into<super::Input<'a>>, file: u32) -> anyhow::Result<ExportOut> {
    let mut out = ExportOut::default();
    let provider = &Text::from("github");
    let workflow = &Text::from("copilot");
    csv_rows(input, &mut out, &[], || {
        move |out: &mut ExportOut, h: &Header, row: &Row| {
            let line = row.line;
            let legacy = h.col(&["Requests Used"]).is_some();
            let date = row.get(h.col(&["date", "usage_at", "Timestamp"]));
            let Some(d) = date else {
                return out.reject(line, RejectReason::MissingTimestamp, "empty date");
            };
            let Some(ts) = parse_ts(d).or_else(|| us_date(d)) else {
                return out.reject(line, RejectReason::InvalidTimestamp, format!("date `{d}`"));
            };
            let mut r = blank(ExportKind::Copilot, file, line);
            let model = row
                .text(h.col(&["model", "Model"]))
                .unwrap_or_else(|| Text::from("copilot (no model)"));
            if legacy {
                let requests = match money::parse_decimal(
                    row.get(h.col(&["Requests Used"])).unwrap_or("0"),
                    9,
                ) {
                    Ok(v) => v,
                    Err(e) => {
                        return out.reject(
                            line,
                            RejectReason::InvalidNumber,
                            format!("Requests Used: {e}"),
                        );
                    }
                };
                let exceeds = row
                    .get(h.col(&["Exceeds Monthly Quota"]))
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"));
                let cost = if exceeds {
                    money::div_round(requests * OVERAGE_NANO as i128, 1_000_000_000)
                } else {
                    0
                };
                r.cost = Some(cost as i64);
                r.cost_basis = Some(CostBasis::Estimated);
                r.requests = u64::try_from(money::div_round(requests, 1_000_000_000)).unwrap_or(0);
                r.ts_end = None;
            } else {
                let Some(net) = row.get(h.col(&["net_amount"])) else {
                    return out.reject(line, RejectReason::MissingField, "empty net_amount");
                };
                let cost = match money::parse_usd(net) {
                    Ok(v) => v,
                    Err(e) => {
                        return out.reject(
                            line,
                            RejectReason::InvalidNumber,
                            format!("net_amount: {e}"),
                        );
                    }
                };
                let quantity = row.get(h.col(&["quantity"])).unwrap_or("0");
                let q = match money::parse_decimal(quantity, 0) {
                    Ok(v) => v,
                    Err(e) => {
                        return out.reject(
                            line,
                            RejectReason::InvalidNumber,
                            format!("quantity: {e}"),
                        );
                    }
                };
                r.cost = Some(cost);
                r.cost_basis = Some(CostBasis::Billed);
                r.requests = u64::try_from(q).unwrap_or(0);
                r.ts_end = Some(ts + 86_400_000_000);
            }
            r.record_id = row.id("copilot");
            r.ts = ts;
            r.provider = provider.clone();
            r.model_raw = model.clone();
            r.model = model;
            r.actor = row.text(h.col(&["username", "User"]));
            r.workspace = row.text(h.col(&["organization"]));
            r.project = row.text(h.col(&["cost_center_name"]));
            r.entrypoint = row.text(h.col(&["sku", "product"]));
            if let Some(repo) = row.get(h.col(&["repository"])) {
                r.tags = Some(Text::from(format!(
                    "repo:{}",
                    repo.replace([',', ' '], "_")
                )));
            }
            r.workflow = Some(match row.get(h.col(&["workflow_path", "workflow_name"])) {
                Some(w) => Text::from(format!("copilot:{w}")),
                None => workflow.clone(),
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
    fn net_amount_is_billed_and_legacy_overage_is_estimated() {
        let text = "date,username,product,sku,model,quantity,unit_type,applied_cost_per_quantity,gross_amount,discount_amount,net_amount,exceeds_quota,total_monthly_quota,organization,cost_center_name
2026-10-01,octo-dev1,copilot,copilot_premium_request,Claude Sonnet 4.5,12,requests,0.04,0.48,0.48,0,False,300,acme,Platform
2026-10-01,octo-dev2,copilot,copilot_premium_request,GPT-5,3.6,requests,0.04,0.144,0,0.144,True,300,acme,Platform
5/29/26,octo-dev2,copilot,copilot_premium_request,GPT-5,1,requests,0.04,0.04,0,0.04,True,300,acme,Platform
";
        let out = read(text, 0).unwrap();
        assert!(out.rejects.is_empty(), "{:?}", out.rejects);
        let c: Vec<i64> = out.records.iter().filter_map(|r| r.cost).collect();
        assert_eq!(c, vec![0, 144_000_000, 40_000_000]);
        assert_eq!(out.records[1].requests, 4); // 3.6 multiplied requests, rounded
        assert_eq!(out.records[2].ts, 1_780_012_800_000_000); // 5/29/26 = 2026-05-29
        let legacy = "Timestamp,User,Model,Requests Used,Exceeds Monthly Quota,Total Monthly Quota
2026-10-01T10:00:00Z,octo,GPT-5,2.5,TRUE,300
2026-10-01T11:00:00Z,octo,GPT-5,7,FALSE,300
";
        let out = read(legacy, 0).unwrap();
        let c: Vec<i64> = out.records.iter().filter_map(|r| r.cost).collect();
        assert_eq!(c, vec![100_000_000, 0]);
        assert_eq!(out.records[0].cost_basis, Some(CostBasis::Estimated));
    }
}
