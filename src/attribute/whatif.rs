//! What-if routing (docs/waste.md#what-if-routing-costper-whatif): the period's usage re-priced as if the calls of some
//! models had gone to others — same tokens, the other model's prices on the call's day.
//!
//! A swapped call keeps what it cost relative to list price: its what-if cost is its cost ×
//! (the new model's list price ÷ the old model's list price) for its tokens, so billed and
//! reconciled costs stay on their basis (a call that cost 7% above list stays 7% above).
//! Calls of models not swapped, calls without a price, and billed rows without tokens keep
//! their cost. Per-PR figures split each call's what-if cost between its PRs exactly as
//! attribution split its cost.

use chrono::DateTime;
use polars::prelude::*;

use super::views::{Context, first_int, ints, strs};
use super::{opt_ints, split_column};
use crate::config::wildcard;
use crate::money::div_round;
use crate::pricing::{PriceTable, ServiceTier, Tokens};
use crate::report::{Col, Table, Value};

/// One swap: calls of models matching `from` (and the workflow / repo patterns, when
/// given) priced as `to`.
#[derive(Debug, Clone)]
pub struct Swap {
    pub from: String,
    /// Index of the target model in the price table.
    pub to: usize,
    pub to_name: String,
    pub workflow: Option<String>,
    pub repo: Option<String>,
}

/// The usage with `whatif_cost` (nano-USD, null when the cost is) and `swapped_to` (the
/// target model of swapped calls, else null), and the buckets with their split
/// `whatif_cost`.
pub struct Repriced {
    pub usage: DataFrame,
    pub buckets: DataFrame,
}

fn text_col<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<&'a StringChunked> {
    df.column(name)?.str()
}

/// Re-prices the usage of `cx` with `swaps` (the first matching swap applies to a call).
pub fn reprice(cx: &Context, prices: &PriceTable, swaps: &[Swap]) -> PolarsResult<Repriced> {
    let u = &cx.a.usage;
    let ts = u.column("ts")?.cast(&DataType::Int64)?;
    let ts = ts.i64()?;
    let (model, workflow, repo) = (
        text_col(u, "model")?,
        text_col(u, "workflow")?,
        text_col(u, "repo")?,
    );
    let cost = u.column("cost")?.i64()?;
    let (input, output, read, w5, w1) = (
        ints(u, "input_tokens")?,
        ints(u, "output_tokens")?,
        ints(u, "cache_read_tokens")?,
        ints(u, "cache_write_5m_tokens")?,
        ints(u, "cache_write_1h_tokens")?,
    );
    let mut whatif: Vec<Option<i64>> = Vec::with_capacity(u.height());
    let mut swapped: Vec<Option<String>> = Vec::with_capacity(u.height());
    let n = |c: &Int64Chunked, i: usize| c.get(i).and_then(|v| u64::try_from(v).ok()).unwrap_or(0);
    for i in 0..u.height() {
        let m = model.get(i).unwrap_or("");
        let c = cost.get(i);
        let swap = swaps.iter().find(|s| {
            wildcard(&s.from, m)
                && s.workflow
                    .as_deref()
                    .is_none_or(|w| wildcard(w, workflow.get(i).unwrap_or("")))
                && s.repo
                    .as_deref()
                    .is_none_or(|r| wildcard(r, repo.get(i).unwrap_or("")))
        });
        let tokens = Tokens {
            input: n(&input, i),
            output: n(&output, i),
            cache_read: n(&read, i),
            cache_write_5m: n(&w5, i),
            cache_write_1h: n(&w1, i),
            web_search_requests: 0,
        };
        let day = ts
            .get(i)
            .and_then(DateTime::from_timestamp_micros)
            .map(|t| t.date_naive())
            .unwrap_or_default();
        let repriced = match (swap, c, prices.resolve(m)) {
            (Some(s), Some(c), Some(from)) if tokens != Tokens::default() => {
                let a = prices
                    .price(from.model, day, &tokens, false, ServiceTier::Standard)
                    .cost_nano;
                let b = prices
                    .price(s.to, day, &tokens, false, ServiceTier::Standard)
                    .cost_nano;
                let v = if a > 0 {
                    i64::try_from(div_round(c as i128 * b as i128, a as i128)).unwrap_or(c)
                } else {
                    b
                };
                Some((v, s.to_name.clone()))
            }
            _ => None,
        };
        match repriced {
            Some((v, to)) => {
                whatif.push(Some(v));
                swapped.push(Some(to));
            }
            None => {
                whatif.push(c);
                swapped.push(None);
            }
        }
    }
    let mut usage = u.clone();
    usage.with_column(opt_ints("whatif_cost", whatif.iter().copied()))?;
    usage.with_column(Column::new("swapped_to".into(), swapped))?;

    // buckets: each row's what-if cost split like its cost (same shares, same order)
    let w = usage.select(["row", "whatif_cost"])?;
    let mut b =
        cx.a.buckets
            .clone()
            .lazy()
            .join(
                w.lazy(),
                [col("row")],
                [col("row")],
                JoinArgs::new(JoinType::Left),
            )
            .sort(
                ["row", "repo", "number"],
                SortMultipleOptions::default().with_nulls_last(true),
            )
            .with_row_index("bi", None)
            .with_columns([(col("bi").cast(DataType::Int64)
                - col("bi").cast(DataType::Int64).min().over([col("row")])?)
            .alias("pos")])
            .collect()?;
    let split = split_column(&b, "whatif_cost")?;
    b.with_column(split)?;
    Ok(Repriced {
        usage,
        buckets: b.drop_many(["bi", "pos"]),
    })
}

/// Cost, what-if cost and savings per `dim` of the usage (`workflow`, `model`, `repo`),
/// most savings first.
pub fn by_dim(r: &Repriced, dim: &str) -> PolarsResult<Table> {
    let df = r
        .usage
        .clone()
        .lazy()
        .group_by([col(dim)])
        .agg([
            col("cost").sum().alias("c"),
            col("whatif_cost").sum().alias("w"),
            col("requests").sum().alias("n"),
            col("requests")
                .filter(col("swapped_to").is_not_null())
                .sum()
                .alias("s"),
            col("swapped_to")
                .drop_nulls()
                .unique()
                .sort(Default::default())
                .alias("to"),
        ])
        .with_column((col("c") - col("w")).alias("saved"))
        .sort_by_exprs(
            [col("saved"), col(dim)],
            SortMultipleOptions::default()
                .with_order_descending_multi([true, false])
                .with_nulls_last(true),
        )
        .collect()?;
    let key = df.column(dim)?.cast(&DataType::String)?;
    let key = key.str()?;
    let (c, w, n, sw) = (
        ints(&df, "c")?,
        ints(&df, "w")?,
        ints(&df, "n")?,
        ints(&df, "s")?,
    );
    let to = crate::report::frame::list_values(&df, "to")?;
    let rows = (0..df.height())
        .map(|i| {
            vec![
                key.get(i)
                    .map_or(Value::Null, |k| Value::Str(k.to_string())),
                Value::opt_usd(c.get(i)),
                Value::opt_usd(w.get(i)),
                Value::opt_usd(c.get(i).zip(w.get(i)).map(|(c, w)| c - w)),
                Value::Int(n.get(i).unwrap_or(0)),
                Value::Int(sw.get(i).unwrap_or(0)),
                to[i].clone(),
            ]
        })
        .collect();
    Ok(Table::new(
        vec![
            Col::new(dim, &crate::report::table::section_title(dim)),
            Col::new("cost_usd", "Cost"),
            Col::new("whatif_cost_usd", "What-if cost"),
            Col::new("savings_usd", "Savings"),
            Col::new("requests", "Calls"),
            Col::new("swapped_requests", "Calls swapped"),
            Col::new("swapped_to", "Swapped to"),
        ],
        rows,
    ))
}

/// PRs whose cost changes: cost, what-if cost and savings, most savings first.
pub fn by_pr(cx: &Context, r: &Repriced) -> PolarsResult<Table> {
    let titles =
        cx.prs
            .clone()
            .lazy()
            .select([col("repo"), col("number"), col("title"), col("state")]);
    let merged = cx.merged.clone().lazy().select([
        col("repo"),
        col("number"),
        lit(true).alias("merged_in_period"),
    ]);
    let on = |l: LazyFrame, r: LazyFrame| {
        l.join(
            r,
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Left),
        )
    };
    let df = on(
        on(
            r.buckets
                .clone()
                .lazy()
                .filter(col("number").is_not_null())
                .group_by([col("repo"), col("number")])
                .agg([
                    col("cost").sum().alias("c"),
                    col("whatif_cost").sum().alias("w"),
                ])
                .with_column((col("c") - col("w")).alias("saved"))
                .filter(col("saved").neq(lit(0i64))),
            titles,
        ),
        merged,
    )
    .sort_by_exprs(
        [col("saved"), col("repo"), col("number")],
        SortMultipleOptions::default().with_order_descending_multi([true, false, false]),
    )
    .collect()?;
    let (repo, title, state) = (strs(&df, "repo")?, strs(&df, "title")?, strs(&df, "state")?);
    let (number, c, w) = (ints(&df, "number")?, ints(&df, "c")?, ints(&df, "w")?);
    let merged = df.column("merged_in_period")?.bool()?.clone();
    let text = |v: Option<&str>| v.map_or(Value::Null, |t| Value::Str(t.to_string()));
    let rows = (0..df.height())
        .map(|k| {
            vec![
                text(repo.get(k)),
                number.get(k).map_or(Value::Null, Value::Int),
                text(title.get(k)),
                text(state.get(k)),
                Value::Bool(merged.get(k).unwrap_or(false)),
                Value::opt_usd(c.get(k)),
                Value::opt_usd(w.get(k)),
                Value::opt_usd(c.get(k).zip(w.get(k)).map(|(c, w)| c - w)),
            ]
        })
        .collect();
    Ok(Table::new(
        vec![
            Col::new("repo", "Repo"),
            Col::new("number", "PR"),
            Col::new("title", "Title"),
            Col::new("state", "State"),
            Col::new("merged_in_period", "Merged in period"),
            Col::new("cost_usd", "Cost"),
            Col::new("whatif_cost_usd", "What-if cost"),
            Col::new("savings_usd", "Savings"),
        ],
        rows,
    ))
}

/// The totals: cost, what-if cost, savings and their share, calls swapped, and how many of
/// the period's merged PRs the swaps touch.
pub fn summary(cx: &Context, r: &Repriced, prs: &Table) -> PolarsResult<Vec<(Col, Value)>> {
    let df = r
        .usage
        .clone()
        .lazy()
        .select([
            col("cost").sum().alias("c"),
            col("whatif_cost").sum().alias("w"),
            col("requests")
                .filter(col("swapped_to").is_not_null())
                .sum()
                .alias("s"),
        ])
        .collect()?;
    let g = |n: &str| first_int(&df, n);
    let (c, w, s) = (g("c")?, g("w")?, g("s")?);
    let merged_col = prs
        .columns
        .iter()
        .position(|c| c.name == "merged_in_period");
    let touched = prs
        .rows
        .iter()
        .filter(|row| merged_col.is_some_and(|i| row[i] == Value::Bool(true)))
        .count() as i64;
    let merged = cx.merged.height() as i64;
    let share = |a: i64, b: i64| {
        if b > 0 {
            Value::Share(a as f64 / b as f64)
        } else {
            Value::Null
        }
    };
    Ok(vec![
        (Col::new("cost_usd", "Cost"), Value::Usd(c)),
        (Col::new("whatif_cost_usd", "What-if cost"), Value::Usd(w)),
        (Col::new("savings_usd", "Savings"), Value::Usd(c - w)),
        (Col::new("savings_share", "Savings share"), share(c - w, c)),
        (Col::new("swapped_requests", "Calls swapped"), Value::Int(s)),
        (Col::new("merged_prs", "Merged PRs"), Value::Int(merged)),
        (
            Col::new("merged_prs_touched", "Merged PRs touched"),
            Value::Int(touched),
        ),
        (
            Col::new("merged_prs_touched_share", "Share of merged PRs touched"),
            share(touched, merged),
        ),
    ])
}
