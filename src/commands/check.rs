//! `costper check`: the CI gate. Computes the report (as `report` does) and tests it
//! against thresholds from the flags or `[check]` / `[[policy]]` in costper.toml: cost per
//! merged PR, the cost of any merged PR, the period budget and its forecast run-out date, an
//! actor's monthly spend, the unattributed share, and the models each workflow may use. One
//! row per rule (limit, actual, ok/breach, why) in any output format; every breach is also
//! explained on stderr, and the exit code is 3 when any rule is breached.

use anyhow::Result;
use chrono::{Datelike, Days, NaiveDate};

use super::Ctx;
use super::report::compute;
use crate::ExitStatus;
use crate::attribute::views::{self, cost_by, div_round};
use crate::cli::{BudgetPeriod, CheckArgs};
use crate::config::ModelPolicy;
use crate::money::format_usd_human;
use crate::report::{Col, Doc, Table, Value};

/// One tested rule.
struct Rule {
    name: String,
    limit: Value,
    actual: Value,
    breach: bool,
    detail: String,
}

fn usd(n: i64) -> String {
    format_usd_human(n, 2)
}

/// The first and last day of the period holding `day`.
fn period_bounds(period: BudgetPeriod, day: NaiveDate) -> (NaiveDate, NaiveDate) {
    match period {
        BudgetPeriod::Day => (day, day),
        BudgetPeriod::Week => {
            let start = day - Days::new(u64::from(day.weekday().num_days_from_monday()));
            (start, start + Days::new(6))
        }
        BudgetPeriod::Month => {
            let start = day.with_day(1).unwrap_or(day);
            let next = if day.month() == 12 {
                NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1)
            };
            (start, next.map_or(day, |n| n - Days::new(1)))
        }
    }
}

/// The budget and its forecast: spend of the period up to `as_of`, the trailing 7-day burn
/// rate extended to the period's end, and the day the budget runs out.
fn budget_rules(
    budget: i64,
    period: BudgetPeriod,
    daily: &[(NaiveDate, i64)],
    as_of: NaiveDate,
) -> [Rule; 2] {
    let (start, end) = period_bounds(period, as_of);
    let spent: i64 = daily
        .iter()
        .filter(|(d, _)| *d >= start && *d <= as_of)
        .map(|(_, c)| c)
        .sum();
    let week_start = as_of - Days::new(6);
    let last7: i64 = daily
        .iter()
        .filter(|(d, _)| *d >= week_start && *d <= as_of)
        .map(|(_, c)| c)
        .sum();
    let rate = div_round(last7, 7).unwrap_or(0);
    let left = (end - as_of).num_days();
    let projected = spent.saturating_add(rate.saturating_mul(left));
    let name = match period {
        BudgetPeriod::Month => "month",
        BudgetPeriod::Week => "week",
        BudgetPeriod::Day => "day",
    };
    let runout = if spent >= budget {
        Some(as_of)
    } else if rate > 0 {
        let days = (budget - spent + rate - 1) / rate;
        as_of.checked_add_days(Days::new(u64::try_from(days).unwrap_or(u64::MAX)))
    } else {
        None
    };
    let runout_text = match runout {
        Some(d) if d <= end => format!("the budget runs out on {d}"),
        Some(d) => format!("at this rate the budget would last until {d}"),
        None => "no spend in the last 7 days".into(),
    };
    [
        Rule {
            name: "budget".into(),
            limit: Value::Usd(budget),
            actual: Value::Usd(spent),
            breach: spent > budget,
            detail: format!(
                "{} spent in the {name} {start} … {end} up to {as_of} of a {} budget",
                usd(spent),
                usd(budget)
            ),
        },
        Rule {
            name: "budget_forecast".into(),
            limit: Value::Usd(budget),
            actual: Value::Usd(projected),
            breach: projected > budget,
            detail: format!(
                "trailing 7-day burn {}/day → {} by {end}; {runout_text}",
                usd(rate),
                usd(projected)
            ),
        },
    ]
}

fn policy_name(i: usize, p: &ModelPolicy) -> String {
    let mut scope = Vec::new();
    for (k, v) in [
        ("workflow", &p.workflow),
        ("repo", &p.repo),
        ("branch", &p.branch),
    ] {
        if let Some(v) = v {
            scope.push(format!("{k}={v}"));
        }
    }
    if scope.is_empty() {
        format!("policy[{i}]")
    } else {
        format!("policy[{i}] {}", scope.join(" "))
    }
}

pub fn run(ctx: &Ctx, args: &CheckArgs) -> Result<ExitStatus> {
    let cfg = &ctx.config.check;
    let max_cost_per_pr = args.max_cost_per_pr.or(cfg.max_cost_per_pr);
    let max_pr_cost = args.max_pr_cost.or(cfg.max_pr_cost);
    let budget = args.budget.or(cfg.budget);
    let period = args
        .period
        .or(match cfg.period.as_deref() {
            Some("week") => Some(BudgetPeriod::Week),
            Some("day") => Some(BudgetPeriod::Day),
            _ => None,
        })
        .unwrap_or(BudgetPeriod::Month);
    let max_actor = args.max_actor_cost.or(cfg.max_actor_cost);
    let max_share = args.max_unattributed_share.or(cfg.max_unattributed_share);
    let policies = &ctx.config.policies;
    if max_cost_per_pr.is_none()
        && max_pr_cost.is_none()
        && budget.is_none()
        && max_actor.is_none()
        && max_share.is_none()
        && policies.is_empty()
    {
        return Err(crate::UsageError(
            "no thresholds: give --max-cost-per-pr, --max-pr-cost, --budget, --max-actor-cost \
             or --max-unattributed-share, or [check] / [[policy]] in costper.toml"
                .into(),
        )
        .into());
    }

    let c = compute(ctx)?;
    let cx = c.context();
    let s = views::summary(&cx)?;
    let mut rules: Vec<Rule> = Vec::new();

    if let Some(limit) = max_cost_per_pr {
        let actual = div_round(s.merged_cost, s.merged_prs);
        rules.push(Rule {
            name: "max_cost_per_pr".into(),
            limit: Value::Usd(limit),
            actual: Value::opt_usd(actual),
            breach: actual.is_some_and(|a| a > limit),
            detail: match actual {
                Some(a) => format!(
                    "{} attributed to {} merged PR(s): {} per merged PR",
                    usd(s.merged_cost),
                    s.merged_prs,
                    usd(a)
                ),
                None => "no PR merged in the period".into(),
            },
        });
    }

    if let Some(limit) = max_pr_cost {
        let t = views::pr_table(&cx, None)?;
        let col = |n: &str| t.columns.iter().position(|c| c.name == n);
        let (repo, number, cost, merged) = (
            col("repo"),
            col("number"),
            col("cost_usd"),
            col("merged_in_period"),
        );
        let mut over: Vec<(i64, String)> = Vec::new();
        let mut max = None::<i64>;
        for r in &t.rows {
            let get = |i: Option<usize>| i.and_then(|i| r.get(i));
            if !matches!(get(merged), Some(Value::Bool(true))) {
                continue;
            }
            let Some(Value::Usd(c)) = get(cost) else {
                continue;
            };
            max = Some(max.map_or(*c, |m: i64| m.max(*c)));
            if *c > limit {
                let name = match (get(repo), get(number)) {
                    (Some(Value::Str(r)), Some(Value::Int(n))) => format!("{r}#{n}"),
                    _ => "?".into(),
                };
                over.push((*c, name));
            }
        }
        over.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        rules.push(Rule {
            name: "max_pr_cost".into(),
            limit: Value::Usd(limit),
            actual: Value::opt_usd(max),
            breach: !over.is_empty(),
            detail: if over.is_empty() {
                "no merged PR above the limit".into()
            } else {
                format!(
                    "{} merged PR(s) above the limit: {}",
                    over.len(),
                    over.iter()
                        .map(|(c, n)| format!("{n} {}", usd(*c)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        });
    }

    if let Some(limit) = budget {
        let daily: Vec<(NaiveDate, i64)> = cost_by(&cx, &["day"])?
            .into_iter()
            .filter_map(|(k, c, _)| {
                let d = k.first()?.as_deref()?;
                Some((NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?, c))
            })
            .collect();
        let as_of = ctx.args.until.or(daily.last().map(|d| d.0));
        match as_of {
            Some(day) => rules.extend(budget_rules(limit, period, &daily, day)),
            None => rules.push(Rule {
                name: "budget".into(),
                limit: Value::Usd(limit),
                actual: Value::Usd(0),
                breach: false,
                detail: "no spend in the period".into(),
            }),
        }
    }

    if let Some(limit) = max_actor {
        let mut over = Vec::new();
        let mut unknown = 0i64;
        let mut max = None::<i64>;
        for (k, cost, calls) in cost_by(&cx, &["actor", "month"])? {
            match (&k[0], &k[1]) {
                (Some(actor), Some(month)) => {
                    max = Some(max.map_or(cost, |m: i64| m.max(cost)));
                    if cost > limit {
                        over.push(format!("{actor} {} in {month}", usd(cost)));
                    }
                }
                _ => unknown += calls,
            }
        }
        let mut detail = if over.is_empty() {
            "no actor above the limit in any month".to_string()
        } else {
            format!("above the limit: {}", over.join(", "))
        };
        if unknown > 0 {
            detail.push_str(&format!(
                "; {unknown} call(s) name no actor (agent logs do not) and are not capped"
            ));
        }
        rules.push(Rule {
            name: "max_actor_cost".into(),
            limit: Value::Usd(limit),
            actual: Value::opt_usd(max),
            breach: !over.is_empty(),
            detail,
        });
    }

    if let Some(limit) = max_share {
        let share = if s.input_cost > 0 {
            s.unattributed_cost as f64 / s.input_cost as f64
        } else {
            0.0
        };
        rules.push(Rule {
            name: "max_unattributed_share".into(),
            limit: Value::Share(limit),
            actual: Value::Share(share),
            breach: share > limit,
            detail: format!(
                "{} of {} not attributed to a PR (the report's `unattributed` section says why)",
                usd(s.unattributed_cost),
                usd(s.input_cost)
            ),
        });
    }

    let violations = views::policy_violations(&cx, policies)?;
    for (i, p) in policies.iter().enumerate() {
        // this policy's disallowed models, over all the workflows it decides for
        let mut bad: std::collections::BTreeMap<&str, (i64, i64)> = Default::default();
        for ((_, _, model), (cost, calls)) in violations.iter().filter(|(k, _)| k.0 == i) {
            let e = bad.entry(model).or_default();
            e.0 += cost;
            e.1 += calls;
        }
        let bad: Vec<(&str, (i64, i64))> = bad.into_iter().collect();
        let total: i64 = bad.iter().map(|v| v.1.0).sum();
        rules.push(Rule {
            name: policy_name(i, p),
            limit: Value::Str(format!("allow {}", p.allow.join(", "))),
            actual: Value::Usd(total),
            breach: !bad.is_empty(),
            detail: if bad.is_empty() {
                "only allowed models".into()
            } else {
                format!(
                    "models not allowed: {}",
                    bad.iter()
                        .map(|(m, (c, n))| format!("{m} ({} in {n} call(s))", usd(*c)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        });
    }

    let breaches: Vec<&Rule> = rules.iter().filter(|r| r.breach).collect();
    if !breaches.is_empty() && !ctx.diag.quiet {
        eprintln!(
            "costper check: {} of {} rule(s) breached:",
            breaches.len(),
            rules.len()
        );
        for r in &breaches {
            eprintln!("  {}: {}", r.name, r.detail);
        }
    }
    let status = if breaches.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Breach
    };
    let table = Table::new(
        vec![
            Col::new("rule", "Rule"),
            Col::new("limit", "Limit"),
            Col::new("actual", "Actual"),
            Col::new("status", "Status"),
            Col::new("detail", "Detail"),
        ],
        rules
            .into_iter()
            .map(|r| {
                vec![
                    Value::Str(r.name),
                    r.limit,
                    r.actual,
                    Value::Str(if r.breach { "breach" } else { "ok" }.into()),
                    Value::Str(r.detail),
                ]
            })
            .collect(),
    );
    ctx.emit(&Doc::Table(table))?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods() {
        assert_eq!(
            period_bounds(BudgetPeriod::Month, d("2026-02-14")),
            (d("2026-02-01"), d("2026-02-28"))
        );
        assert_eq!(
            period_bounds(BudgetPeriod::Month, d("2026-12-31")),
            (d("2026-12-01"), d("2026-12-31"))
        );
        // 2026-10-14 is a Wednesday
        assert_eq!(
            period_bounds(BudgetPeriod::Week, d("2026-10-14")),
            (d("2026-10-12"), d("2026-10-18"))
        );
    }

    /// $10/day for the first 10 days of October, budget $200: spent $100, burn $10/day,
    /// 21 days left → $310 projected; the remaining $100 lasts 10 days: runs out 2026-10-20.
    #[test]
    fn budget_forecast_by_hand() {
        let daily: Vec<(NaiveDate, i64)> = (1..=10)
            .map(|day| {
                (
                    NaiveDate::from_ymd_opt(2026, 10, day).unwrap(),
                    10_000_000_000,
                )
            })
            .collect();
        let [spent, forecast] = budget_rules(
            200_000_000_000,
            BudgetPeriod::Month,
            &daily,
            d("2026-10-10"),
        );
        assert!(!spent.breach);
        assert_eq!(spent.actual, Value::Usd(100_000_000_000));
        assert!(forecast.breach);
        assert_eq!(forecast.actual, Value::Usd(310_000_000_000));
        assert!(
            forecast.detail.contains("runs out on 2026-10-20"),
            "{}",
            forecast.detail
        );
        // a budget of $400 holds
        let [_, ok] = budget_rules(
            400_000_000_000,
            BudgetPeriod::Month,
            &daily,
            d("2026-10-10"),
        );
        assert!(!ok.breach);
        assert!(
            ok.detail.contains("would last until 2026-11-09"),
            "{}",
            ok.detail
        );
    }
}
