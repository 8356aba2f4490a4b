//! Reconciliation of agent-log estimates with provider bills (SPEC §8 "Reconciliation";
//! docs/reconciliation.md). Logs undercount and price at list; bills are what is paid. For
//! each scope — (UTC day, provider, model) — that both cover, the log rows are scaled so that
//! together they cost exactly the bill (each row's share by its estimate, nano-dollar
//! remainders to the largest fractions, ties to the earlier row), and the bill's rows are
//! consumed: their money now lives in the log rows, which carry sessions, branches and
//! commits that attribution can use. A bill without a model ("all models") covers the day's
//! log rows no per-model bill covered. Billed spend no log covers stays as it is (attributed
//! `aggregate_only`). Where a provider states both money and tokens for the same day, the
//! money wins and the token rows are set aside, so nothing is counted twice.
//!
//! The sum of all records after reconciliation equals, exactly: bills (consumed or not) +
//! estimates no bill covers — the invariant the tests hold.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate};

use super::record::{CostBasis, Text, UsageRecord};

/// Models of bills that cover every model of their provider and day.
pub const ALL_MODELS: &str = "(all models)";

/// One reconciled (or set-aside) scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub day: NaiveDate,
    pub provider: Text,
    /// `None` for a bill covering all models.
    pub model: Option<Text>,
    pub log_rows: u64,
    /// Σ log estimates of the scope (nano-USD).
    pub estimated: i64,
    pub bill_rows: u64,
    /// Σ billed (nano-USD).
    pub billed: i64,
    /// Whether the log rows were scaled to the bill (`--no-reconcile`: the estimates stand
    /// and the bill's rows are set aside).
    pub applied: bool,
    /// Token-only export rows set aside because the provider billed the same day.
    pub superseded_rows: u64,
    pub superseded: i64,
}

impl Scope {
    /// A scope where only token rows were set aside (no log met the bill).
    fn set_aside(day: NaiveDate, provider: Text, (rows, cost): (u64, i64)) -> Scope {
        Scope {
            day,
            provider,
            model: None,
            log_rows: 0,
            estimated: 0,
            bill_rows: 0,
            billed: 0,
            applied: false,
            superseded_rows: rows,
            superseded: cost,
        }
    }
}

fn day_of(ts: i64) -> NaiveDate {
    DateTime::from_timestamp_micros(ts)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// Scales `costs` (all ≥ 0, Σ > 0) to sum exactly to `target`: floor of the proportional
/// share, then one unit each to the largest remainders (earlier index first on ties).
pub fn scale_exact(costs: &[i64], target: i64) -> Vec<i64> {
    let total: i128 = costs.iter().map(|&c| c as i128).sum();
    debug_assert!(total > 0);
    let t = target as i128;
    let mut out = Vec::with_capacity(costs.len());
    let mut rems: Vec<(i128, usize)> = Vec::with_capacity(costs.len());
    for (i, &c) in costs.iter().enumerate() {
        let num = t * c as i128;
        out.push(num.div_euclid(total));
        rems.push((num.rem_euclid(total), i));
    }
    let mut left = t - out.iter().sum::<i128>();
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in rems {
        if left <= 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out.into_iter()
        .map(|v| v.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
        .collect()
}

/// Reconciles `records` in place (rows set aside or consumed are removed) and returns the
/// scopes, sorted by day, provider and model.
pub fn reconcile(records: &mut Vec<UsageRecord>, apply: bool) -> Vec<Scope> {
    #[derive(Default)]
    struct Group {
        logs: Vec<usize>,
        bills: Vec<usize>,
        tokens: Vec<usize>,
    }
    let mut groups: BTreeMap<(NaiveDate, Text), Group> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        let g = groups
            .entry((day_of(r.ts), r.provider.clone()))
            .or_default();
        // detail rows (agent logs, per-request gateway rows) are scaled; aggregates are bills
        if r.source.is_agent_side() || r.ts_end.is_none() {
            g.logs.push(i);
        } else if r.cost_basis == Some(CostBasis::Billed) {
            g.bills.push(i);
        } else {
            g.tokens.push(i);
        }
    }
    let mut remove = vec![false; records.len()];
    let mut scopes = Vec::new();
    for ((day, provider), g) in groups {
        let mut superseded = (0u64, 0i64);
        // money beats tokens for the same provider and day
        let reference = if g.bills.is_empty() {
            g.tokens.clone()
        } else {
            for &i in &g.tokens {
                remove[i] = true;
                superseded.0 += 1;
                superseded.1 += records[i].cost.unwrap_or(0);
            }
            g.bills.clone()
        };
        if g.logs.is_empty() || reference.is_empty() {
            if superseded.0 > 0 {
                scopes.push(Scope::set_aside(day, provider, superseded));
            }
            continue;
        }
        let mut by_model: BTreeMap<Option<Text>, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for &i in &reference {
            let m = &records[i].model;
            let key = (!m.ends_with(ALL_MODELS)).then(|| m.clone());
            by_model.entry(key).or_default().1.push(i);
        }
        let mut covered_by_model = Vec::new();
        for &i in &g.logs {
            let key = Some(records[i].model.clone());
            match by_model.get_mut(&key) {
                Some(e) => e.0.push(i),
                None => covered_by_model.push(i),
            }
        }
        // an all-models bill takes the logs no per-model bill took
        if let Some(e) = by_model.get_mut(&None) {
            e.0 = covered_by_model;
        }
        let mut first = true;
        for (model, (logs, bills)) in by_model {
            if logs.is_empty() {
                continue; // billed spend no log covers stays as it is
            }
            let priced: Vec<usize> = logs
                .iter()
                .copied()
                .filter(|&i| records[i].cost.is_some())
                .collect();
            let estimates: Vec<i64> = priced
                .iter()
                .map(|&i| records[i].cost.unwrap_or(0).max(0))
                .collect();
            let estimated: i64 = estimates.iter().sum();
            let billed: i64 = bills.iter().map(|&i| records[i].cost.unwrap_or(0)).sum();
            // nothing to scale: the bill stays as it is, the (zero) estimates too
            if estimated <= 0 {
                continue;
            }
            if apply {
                for (&i, v) in priced.iter().zip(scale_exact(&estimates, billed)) {
                    records[i].cost = Some(v);
                    records[i].cost_basis = Some(CostBasis::Reconciled);
                }
            }
            for &i in &bills {
                remove[i] = true;
            }
            let (sr, s) = if first { superseded } else { (0, 0) };
            first = false;
            scopes.push(Scope {
                day,
                provider: provider.clone(),
                model,
                log_rows: logs.len() as u64,
                estimated,
                bill_rows: bills.len() as u64,
                billed,
                applied: apply,
                superseded_rows: sr,
                superseded: s,
            });
        }
        if first && superseded.0 > 0 {
            scopes.push(Scope::set_aside(day, provider, superseded));
        }
    }
    let mut i = 0;
    records.retain(|_| {
        i += 1;
        !remove[i - 1]
    });
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::export::{ExportKind, blank};
    use crate::ingest::record::SourceKind;

    #[test]
    fn exact_scaling_gives_remainders_to_the_largest_fractions() {
        // 10 over 1:1:1 → 3.33 each: 4, 3, 3
        assert_eq!(scale_exact(&[1, 1, 1], 10), vec![4, 3, 3]);
        // 100 over 1:2:3 → 16.67, 33.33, 50 → 17, 33, 50
        assert_eq!(scale_exact(&[1, 2, 3], 100), vec![17, 33, 50]);
        assert_eq!(scale_exact(&[5, 0], 7), vec![7, 0]);
        // credits scale too: -10 over 1:1:1 → -3.33: -4, -3, -3 sums to -10
        assert_eq!(scale_exact(&[1, 1, 1], -10).iter().sum::<i64>(), -10);
    }

    fn log(model: &str, ts: i64, cost: i64) -> UsageRecord {
        let mut r = blank(ExportKind::Focus, 0, 0);
        r.source = SourceKind::ClaudeCode;
        r.provider = "anthropic".into();
        r.model = model.into();
        r.ts = ts;
        r.cost = Some(cost);
        r.cost_basis = Some(CostBasis::Estimated);
        r
    }

    fn bill(kind: ExportKind, model: &str, ts: i64, cost: i64, basis: CostBasis) -> UsageRecord {
        let mut r = blank(kind, 0, 0);
        r.provider = "anthropic".into();
        r.model = model.into();
        r.ts = ts;
        r.ts_end = Some(ts + 86_400_000_000);
        r.cost = Some(cost);
        r.cost_basis = Some(basis);
        r
    }

    const DAY1: i64 = 1_790_812_800_000_000; // 2026-10-01
    const DAY2: i64 = DAY1 + 86_400_000_000;

    /// Day 1: sonnet logs $0.30 + $0.10 billed $0.50 (×1.25 → 0.375 + 0.125); opus logs
    /// $0.20, no opus bill but an all-models bill of $0.22 → 0.22; a web-search bill of
    /// $0.03 no log covers stays. A token export of the same day is set aside. Day 2: logs
    /// only, they stand.
    #[test]
    fn bills_scale_the_logs_they_cover_and_totals_are_exact() {
        let mut rs = vec![
            log("claude-sonnet-4-5", DAY1 + 10, 300_000_000),
            log("claude-sonnet-4-5", DAY1 + 20, 100_000_000),
            log("claude-opus-4-7", DAY1 + 30, 200_000_000),
            bill(
                ExportKind::AnthropicCost,
                "claude-sonnet-4-5",
                DAY1,
                500_000_000,
                CostBasis::Billed,
            ),
            bill(
                ExportKind::AnthropicCost,
                "anthropic (all models)",
                DAY1,
                220_000_000,
                CostBasis::Billed,
            ),
            bill(
                ExportKind::AnthropicCost,
                "anthropic web_search",
                DAY1,
                30_000_000,
                CostBasis::Billed,
            ),
            bill(
                ExportKind::AnthropicUsage,
                "claude-sonnet-4-5",
                DAY1,
                999_000_000,
                CostBasis::Estimated,
            ),
            log("claude-sonnet-4-5", DAY2, 70_000_000),
        ];
        let scopes = reconcile(&mut rs, true);
        let costs: Vec<(&str, i64)> = rs.iter().map(|r| (&*r.model, r.cost.unwrap())).collect();
        assert_eq!(
            costs,
            vec![
                ("claude-sonnet-4-5", 375_000_000),
                ("claude-sonnet-4-5", 125_000_000),
                ("claude-opus-4-7", 220_000_000),
                ("anthropic web_search", 30_000_000),
                ("claude-sonnet-4-5", 70_000_000),
            ]
        );
        // bills 0.50 + 0.22 + 0.03 + day-2 estimate 0.07
        assert_eq!(rs.iter().filter_map(|r| r.cost).sum::<i64>(), 820_000_000);
        assert_eq!(scopes.len(), 2);
        assert_eq!(scopes[0].model, None);
        assert_eq!(
            (scopes[0].estimated, scopes[0].billed),
            (200_000_000, 220_000_000)
        );
        assert_eq!(scopes[0].superseded_rows, 1);
        assert_eq!(scopes[1].model.as_deref(), Some("claude-sonnet-4-5"));
        assert_eq!(
            (scopes[1].estimated, scopes[1].billed),
            (400_000_000, 500_000_000)
        );
        assert_eq!(rs[0].cost_basis, Some(CostBasis::Reconciled));

        // --no-reconcile: the estimates stand, covered bills are set aside
        let mut rs2 = vec![
            log("claude-sonnet-4-5", DAY1 + 10, 300_000_000),
            bill(
                ExportKind::AnthropicCost,
                "claude-sonnet-4-5",
                DAY1,
                500_000_000,
                CostBasis::Billed,
            ),
        ];
        let s = reconcile(&mut rs2, false);
        assert_eq!(rs2.len(), 1);
        assert_eq!(rs2[0].cost, Some(300_000_000));
        assert!(!s[0].applied);
    }
}
