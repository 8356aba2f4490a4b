//! The waste finder (docs/waste.md): spend that bought nothing, or bought it dearly. One
//! item per PR, session or (workflow, model), with its dollars, its share of all spend and
//! why it is listed:
//!
//! * `abandoned_pr` — spend on a PR closed unmerged;
//! * `reverted_pr` — spend on a PR that was reverted;
//! * `no_outcome_session` — a session whose every call stayed unattributed because its
//!   branch never had a PR (`no_pr`) or only outside the window (`outside_window`);
//! * `premium_small_pr` — spend on premium models for a merged PR of few changed lines;
//! * `low_cache_session` — a session re-sending its context uncached (cache reads below a
//!   share of its prompt tokens);
//! * `no_output_calls` — calls that produced no output at all (errors, aborted and retried
//!   requests), per session;
//! * `runaway_session` — a session costing many times its workflow's median session;
//! * `disallowed_model` — calls of a model a `[[policy]]` does not allow.
//!
//! Kinds overlap (an abandoned PR's session may also be a runaway): each item stands on
//! its own, and their sum is not a total.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::views::{Context, ints, strs};
use crate::config::{ModelPolicy, WasteConfig, wildcard};
use crate::money::format_usd_human;
use crate::report::{Col, Table, Value};

/// The kinds, in the order they are listed.
pub const KINDS: &[&str] = &[
    "abandoned_pr",
    "reverted_pr",
    "no_outcome_session",
    "premium_small_pr",
    "low_cache_session",
    "no_output_calls",
    "runaway_session",
    "disallowed_model",
];

struct Item {
    kind: &'static str,
    item: String,
    cost: i64,
    requests: i64,
    detail: String,
}

fn usd(n: i64) -> String {
    format_usd_human(n, 2)
}

/// Buckets with their usage row's session, model, workflow, branch, tokens, and their PR's
/// state, revert flag and size.
fn joined(cx: &Context) -> LazyFrame {
    let usage = cx.a.usage.clone().lazy().select([
        col("row"),
        col("session_id"),
        col("model"),
        col("workflow"),
        col("branch"),
        col("input_tokens"),
        col("output_tokens"),
        col("cache_read_tokens"),
        col("cache_write_5m_tokens"),
        col("cache_write_1h_tokens"),
    ]);
    let prs = cx.prs.clone().lazy().select([
        col("repo"),
        col("number"),
        col("state").alias("p_state"),
        col("reverted").alias("p_reverted"),
        (col("additions").cast(DataType::Int64) + col("deletions").cast(DataType::Int64))
            .alias("p_lines"),
    ]);
    let merged =
        cx.merged
            .clone()
            .lazy()
            .select([col("repo"), col("number"), lit(true).alias("p_merged")]);
    let on_pr = |l: LazyFrame, r: LazyFrame| {
        l.join(
            r,
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Left),
        )
    };
    on_pr(
        on_pr(
            cx.a.buckets.clone().lazy().join(
                usage,
                [col("row")],
                [col("row")],
                JoinArgs::new(JoinType::Left),
            ),
            prs,
        ),
        merged,
    )
}

fn pr_items(
    j: &LazyFrame,
    kind: &'static str,
    filter: Expr,
    why: &dyn Fn(&str, i64) -> String,
    out: &mut Vec<Item>,
) -> PolarsResult<()> {
    let df = j
        .clone()
        .filter(filter)
        .group_by([col("repo"), col("number")])
        .agg([
            col("cost").sum().alias("c"),
            col("requests").sum().alias("n"),
        ])
        .filter(col("c").gt(lit(0i64)))
        .collect()?;
    let (repo, number, c, n) = (
        strs(&df, "repo")?,
        ints(&df, "number")?,
        ints(&df, "c")?,
        ints(&df, "n")?,
    );
    for i in 0..df.height() {
        let item = format!(
            "{}#{}",
            repo.get(i).unwrap_or("?"),
            number.get(i).unwrap_or(0)
        );
        let calls = n.get(i).unwrap_or(0);
        out.push(Item {
            kind,
            detail: why(&item, calls),
            item,
            cost: c.get(i).unwrap_or(0),
            requests: calls,
        });
    }
    Ok(())
}

/// The waste items of the period, most expensive first within each kind.
pub fn find(cx: &Context, cfg: &WasteConfig, policies: &[ModelPolicy]) -> PolarsResult<Table> {
    let j = joined(cx);
    let mut items: Vec<Item> = Vec::new();

    pr_items(
        &j,
        "abandoned_pr",
        col("reason").eq(lit("abandoned")),
        &|_, n| format!("closed unmerged; {n} call(s)"),
        &mut items,
    )?;
    pr_items(
        &j,
        "reverted_pr",
        col("reason")
            .is_null()
            .and(col("p_reverted").fill_null(lit(false))),
        &|_, n| format!("reverted after merging; {n} call(s)"),
        &mut items,
    )?;

    // sessions: attribution status, cost, cache share, workflow
    let sessions = j
        .clone()
        .filter(col("session_id").is_not_null())
        .group_by([col("session_id")])
        .agg([
            col("cost").sum().alias("c"),
            col("requests").sum().alias("n"),
            col("reason")
                .eq(lit("no_pr"))
                .or(col("reason").eq(lit("outside_window")))
                .fill_null(lit(false))
                .all(true)
                .alias("no_outcome"),
            col("workflow").first().alias("workflow"),
            col("branch").first().alias("branch"),
            col("repo").first().alias("repo"),
        ])
        .sort(["session_id"], Default::default())
        .collect()?;
    // tokens per session from the usage rows (not the split buckets); a dead call is one
    // that cost money and produced no output
    let dead = col("output_tokens")
        .eq(lit(0i64))
        .and(col("cost").gt(lit(0i64)));
    let tokens =
        cx.a.usage
            .clone()
            .lazy()
            .filter(col("session_id").is_not_null())
            .group_by([col("session_id")])
            .agg([
                (col("input_tokens")
                    + col("cache_read_tokens")
                    + col("cache_write_5m_tokens")
                    + col("cache_write_1h_tokens"))
                .sum()
                .alias("prompt"),
                col("cache_read_tokens").sum().alias("read"),
                col("cost").filter(dead.clone()).sum().alias("dead_cost"),
                col("requests").filter(dead).sum().alias("dead_n"),
            ])
            .collect()?;
    let sessions = sessions
        .lazy()
        .join(
            tokens.lazy(),
            [col("session_id")],
            [col("session_id")],
            JoinArgs::new(JoinType::Left),
        )
        .sort(["session_id"], Default::default())
        .collect()?;
    let (sid, wf, branch, repo) = (
        strs(&sessions, "session_id")?,
        strs(&sessions, "workflow")?,
        strs(&sessions, "branch")?,
        strs(&sessions, "repo")?,
    );
    let (c, n, prompt, read, dead_c, dead_n) = (
        ints(&sessions, "c")?,
        ints(&sessions, "n")?,
        ints(&sessions, "prompt")?,
        ints(&sessions, "read")?,
        ints(&sessions, "dead_cost")?,
        ints(&sessions, "dead_n")?,
    );
    let no_outcome = sessions.column("no_outcome")?.bool()?.clone();
    // median session cost per workflow (nearest rank, an actual session's cost)
    let mut by_wf: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for i in 0..sessions.height() {
        by_wf
            .entry(wf.get(i).unwrap_or("").to_string())
            .or_default()
            .push(c.get(i).unwrap_or(0));
    }
    let medians: BTreeMap<String, i64> = by_wf
        .into_iter()
        .map(|(w, mut v)| {
            v.sort_unstable();
            let m = v[(v.len() - 1) / 2];
            (w, m)
        })
        .collect();
    for i in 0..sessions.height() {
        let s = sid.get(i).unwrap_or("").to_string();
        let cost = c.get(i).unwrap_or(0);
        let calls = n.get(i).unwrap_or(0);
        if no_outcome.get(i) == Some(true) && cost > 0 {
            items.push(Item {
                kind: "no_outcome_session",
                item: s.clone(),
                cost,
                requests: calls,
                detail: format!(
                    "branch `{}` of {} never had a PR in its window",
                    branch.get(i).unwrap_or(""),
                    repo.get(i).unwrap_or("?")
                ),
            });
        }
        let (p, r) = (prompt.get(i).unwrap_or(0), read.get(i).unwrap_or(0));
        if cost >= cfg.min_session_usd && p > 0 {
            let share = r as f64 / p as f64;
            if share < cfg.min_cache_read_share {
                items.push(Item {
                    kind: "low_cache_session",
                    item: s.clone(),
                    cost,
                    requests: calls,
                    detail: format!(
                        "cache reads are {:.0}% of its prompt tokens (threshold {:.0}%)",
                        share * 100.0,
                        cfg.min_cache_read_share * 100.0
                    ),
                });
            }
        }
        let dc = dead_c.get(i).unwrap_or(0);
        if dc > 0 {
            items.push(Item {
                kind: "no_output_calls",
                item: s.clone(),
                cost: dc,
                requests: dead_n.get(i).unwrap_or(0),
                detail: "calls that produced no output (errors, aborted or retried requests)"
                    .into(),
            });
        }
        let w = wf.get(i).unwrap_or("");
        let median = medians.get(w).copied().unwrap_or(0);
        let factor = i64::try_from(cfg.runaway_factor).unwrap_or(i64::MAX);
        if cost >= cfg.runaway_min_usd && median > 0 && cost > median.saturating_mul(factor) {
            items.push(Item {
                kind: "runaway_session",
                item: s,
                cost,
                requests: calls,
                detail: format!(
                    "{:.1}× the median `{w}` session ({})",
                    cost as f64 / median as f64,
                    usd(median)
                ),
            });
        }
    }

    // premium models on small merged PRs
    let small = j
        .clone()
        .filter(
            col("reason")
                .is_null()
                .and(col("p_merged").fill_null(lit(false)))
                .and(col("p_lines").is_not_null())
                .and(
                    col("p_lines")
                        .lt_eq(lit(i64::try_from(cfg.small_pr_lines).unwrap_or(i64::MAX))),
                ),
        )
        .group_by([col("repo"), col("number"), col("model")])
        .agg([
            col("cost").sum().alias("c"),
            col("requests").sum().alias("n"),
            col("p_lines").first().alias("lines"),
        ])
        .sort(["repo", "number", "model"], Default::default())
        .collect()?;
    let (repo, number, model) = (
        strs(&small, "repo")?,
        ints(&small, "number")?,
        strs(&small, "model")?,
    );
    let (c, n, lines) = (
        ints(&small, "c")?,
        ints(&small, "n")?,
        ints(&small, "lines")?,
    );
    /// Premium spend of one small PR: cost, calls, lines changed, models.
    #[derive(Default)]
    struct Small {
        cost: i64,
        calls: i64,
        lines: i64,
        models: Vec<String>,
    }
    let mut per_pr: BTreeMap<(String, i64), Small> = BTreeMap::new();
    for i in 0..small.height() {
        let m = model.get(i).unwrap_or("");
        if !cfg.premium_models.iter().any(|p| wildcard(p, m)) {
            continue;
        }
        let e = per_pr
            .entry((
                repo.get(i).unwrap_or("?").to_string(),
                number.get(i).unwrap_or(0),
            ))
            .or_default();
        e.cost += c.get(i).unwrap_or(0);
        e.calls += n.get(i).unwrap_or(0);
        e.lines = lines.get(i).unwrap_or(0);
        e.models.push(m.to_string());
    }
    for ((r, num), s) in per_pr {
        if s.cost <= 0 {
            continue;
        }
        items.push(Item {
            kind: "premium_small_pr",
            item: format!("{r}#{num}"),
            cost: s.cost,
            requests: s.calls,
            detail: format!(
                "{} line(s) changed (small: ≤ {}), on {}",
                s.lines,
                cfg.small_pr_lines,
                s.models.join(", ")
            ),
        });
    }

    // models a policy does not allow
    for ((pi, w, m), (cost, calls)) in super::views::policy_violations(cx, policies)? {
        items.push(Item {
            kind: "disallowed_model",
            item: format!("{w}: {m}"),
            cost,
            requests: calls,
            detail: format!("policy[{pi}] allows {}", policies[pi].allow.join(", ")),
        });
    }

    // all spend of the period (the shares' denominator): the usage's cost, not a whole summary
    let total = cx.a.usage.column("cost")?.i64()?.sum().unwrap_or(0);
    let order = |k: &str| KINDS.iter().position(|x| *x == k).unwrap_or(KINDS.len());
    items.sort_by(|a, b| {
        order(a.kind)
            .cmp(&order(b.kind))
            .then(b.cost.cmp(&a.cost))
            .then(a.item.cmp(&b.item))
    });
    let rows = items
        .into_iter()
        .map(|it| {
            vec![
                Value::Str(it.kind.into()),
                Value::Str(it.item),
                Value::Usd(it.cost),
                if total > 0 {
                    Value::Share(it.cost as f64 / total as f64)
                } else {
                    Value::Null
                },
                Value::Int(it.requests),
                Value::Str(it.detail),
            ]
        })
        .collect();
    Ok(Table {
        columns: vec![
            Col::new("kind", "Kind"),
            Col::new("item", "PR / session / model"),
            Col::new("cost_usd", "Cost"),
            Col::new("share", "Share of spend"),
            Col::new("requests", "Calls"),
            Col::new("detail", "Why"),
        ],
        rows,
        total: None,
        notes: vec!["kinds overlap: items are not to be added up".into()],
    })
}
