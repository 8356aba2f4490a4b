//! The `costper report` figures over attributed usage (SPEC §8 "Headline figures", §9): the
//! summary, per-model and per-workflow tables, per-PR costs, unattributed spend by reason,
//! and the `--by` views. Money stays integer nano-USD; every table is sorted on stable keys.
//!
//! Row-level dimensions (model, workflow, branch, session, day, week, month) aggregate usage
//! rows, so tokens and calls are never double counted when a row is split between PRs;
//! PR-level dimensions (pr, repo, author) aggregate the split buckets.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::Attributed;
use crate::report::frame::list_values;
use crate::report::{Col, Table, Value};

/// A column of a result frame and how to show it.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    Int,
    Usd,
    Share,
    Ts,
    Date,
    List,
    Bool,
}

fn epoch_days(d: i32) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_num_days_from_ce_opt(d.checked_add(719_163)?)
}

/// Converts `df` into a [`Table`] with `spec` = (column, title, kind, optional).
fn to_table(df: &DataFrame, spec: &[(&str, &str, Kind, bool)]) -> PolarsResult<Table> {
    let mut columns = Vec::new();
    let mut values: Vec<Vec<Value>> = Vec::new();
    for (name, title, kind, optional) in spec {
        // tokens are detail in human formats (-v): the tables stay readable
        let detail = name.ends_with("_tokens") && *name != "total_tokens";
        columns.push(if detail {
            Col::detail(name, title)
        } else if *optional {
            Col::optional(name, title)
        } else {
            Col::new(name, title)
        });
        let c = df.column(name)?;
        let v: Vec<Value> = match kind {
            Kind::Str => c.str()?.iter().map(Value::opt_str).collect(),
            Kind::Int => c
                .cast(&DataType::Int64)?
                .i64()?
                .iter()
                .map(|x| x.map_or(Value::Null, Value::Int))
                .collect(),
            Kind::Usd => c.i64()?.iter().map(Value::opt_usd).collect(),
            Kind::Share => c
                .f64()?
                .iter()
                .map(|x| {
                    x.filter(|f| f.is_finite())
                        .map_or(Value::Null, Value::Share)
                })
                .collect(),
            Kind::Ts => c
                .cast(&DataType::Int64)?
                .i64()?
                .iter()
                .map(|x| x.map_or(Value::Null, Value::Ts))
                .collect(),
            Kind::Date => c
                .cast(&DataType::Int32)?
                .i32()?
                .iter()
                .map(|x| x.and_then(epoch_days).map_or(Value::Null, Value::Date))
                .collect(),
            Kind::Bool => c
                .bool()?
                .iter()
                .map(|x| x.map_or(Value::Null, Value::Bool))
                .collect(),
            Kind::List => list_values(df, name)?,
        };
        values.push(v);
    }
    Ok(Table::from_columns(columns, values))
}

/// Integer division rounded to the nearest nano-dollar (halves away from zero).
pub fn div_round(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    let (a, b) = (i128::from(a), i128::from(b));
    let q = (2 * a.abs() + b.abs()) / (2 * b.abs());
    let q = if (a < 0) != (b < 0) { -q } else { q };
    i64::try_from(q).ok()
}

/// Inputs to the views besides the attribution.
pub struct Context<'a> {
    pub a: &'a Attributed,
    /// The `prs` frame of the outcomes (all PRs).
    pub prs: &'a DataFrame,
    /// `repo`, `number` of PRs merged in the period.
    pub merged: &'a DataFrame,
    /// The period's first instant (microseconds, UTC) when `--since` is given.
    pub period_start: Option<i64>,
}

/// A left join on (repo, number).
trait OnPr {
    fn on_pr(self, right: LazyFrame) -> LazyFrame;
}

impl OnPr for LazyFrame {
    fn on_pr(self, right: LazyFrame) -> LazyFrame {
        self.join(
            right,
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Left),
        )
    }
}

fn prs_key() -> Expr {
    col("repo") + lit("#") + col("number").cast(DataType::String)
}

/// Buckets joined with their usage row's dimensions and their PR's facts.
fn joined(cx: &Context) -> PolarsResult<LazyFrame> {
    let usage = cx.a.usage.clone().lazy().select([
        col("row"),
        col("ts"),
        col("day"),
        col("week"),
        col("month"),
        col("model"),
        col("workflow"),
        col("session_id").alias("session"),
        col("branch"),
    ]);
    let merged = cx.merged.clone().lazy().select([
        col("repo"),
        col("number"),
        lit(true).alias("merged_in_period"),
    ]);
    let prs = cx.prs.clone().lazy().select([
        col("repo"),
        col("number"),
        col("state"),
        col("author"),
        col("reverted"),
    ]);
    Ok(cx
        .a
        .buckets
        .clone()
        .lazy()
        .join(
            usage,
            [col("row")],
            [col("row")],
            JoinArgs::new(JoinType::Left),
        )
        .on_pr(prs)
        .on_pr(merged)
        .with_columns([
            col("merged_in_period").fill_null(lit(false)),
            col("reason").is_null().alias("attributed"),
        ]))
}

fn sum_if(cond: Expr, name: &str) -> Expr {
    col("cost").filter(cond).sum().alias(name)
}

/// The summary figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub input_cost: i64,
    pub attributed_cost: i64,
    pub unattributed_cost: i64,
    /// Attributed to PRs merged in the period.
    pub merged_cost: i64,
    /// Attributed to PRs still open, or merged after the period (work in progress at its end).
    pub wip_cost: i64,
    /// Attributed to PRs merged before the period (spend within the grace window, tags).
    pub earlier_cost: i64,
    pub abandoned_cost: i64,
    pub reverted_cost: i64,
    pub explicit_cost: i64,
    pub commit_cost: i64,
    pub branch_cost: i64,
    pub calls: i64,
    pub unpriced_calls: i64,
    pub merged_prs: i64,
    /// Merged PRs in the period with attributed spend.
    pub costed_merged_prs: i64,
    pub median_pr_cost: Option<i64>,
    pub p90_pr_cost: Option<i64>,
    /// The first and last usage row of the period (microseconds, UTC).
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
}

/// Nearest-rank percentile of sorted values (`p` in 1..=100): an actual PR's cost, exact.
fn nearest_rank(sorted: &[i64], p: u64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (p * n).div_ceil(100).max(1);
    sorted.get((rank - 1) as usize).copied()
}

pub fn summary(cx: &Context) -> PolarsResult<Summary> {
    let j = joined(cx)?;
    let df = j
        .clone()
        .select([
            col("cost").sum().alias("input"),
            sum_if(col("attributed"), "attributed"),
            sum_if(col("attributed").not(), "unattributed"),
            sum_if(col("attributed").and(col("merged_in_period")), "merged"),
            sum_if(col("reason").eq(lit("abandoned")), "abandoned"),
            sum_if(
                col("attributed").and(col("reverted").fill_null(lit(false))),
                "reverted",
            ),
            sum_if(
                col("signal").eq(lit("explicit")).and(col("attributed")),
                "explicit",
            ),
            sum_if(
                col("signal").eq(lit("commit")).and(col("attributed")),
                "commit",
            ),
            sum_if(
                col("signal").eq(lit("branch")).and(col("attributed")),
                "branch",
            ),
            col("requests").sum().alias("calls"),
            col("requests")
                .filter(col("cost").is_null())
                .sum()
                .alias("unpriced"),
            col("ts").cast(DataType::Int64).min().alias("first_ts"),
            col("ts").cast(DataType::Int64).max().alias("last_ts"),
        ])
        .collect()?;
    let g = |n: &str| first_int(&df, n);
    // open PRs vs PRs merged after the period: the period's end decides, so split by state
    let wip = j
        .clone()
        .filter(col("attributed").and(col("merged_in_period").not()))
        .select([
            sum_if(col("state").eq(lit("open")), "open"),
            sum_if(col("state").eq(lit("merged")), "merged_elsewhere"),
        ])
        .collect()?;
    let w = |n: &str| first_int(&wip, n);
    let per_pr = pr_costs(cx)?;
    let mut costs: Vec<i64> = per_pr
        .clone()
        .lazy()
        .filter(col("merged_in_period").and(col("cost").gt(lit(0))))
        .select([col("cost")])
        .collect()?
        .column("cost")?
        .i64()?
        .iter()
        .flatten()
        .collect();
    costs.sort_unstable();
    let (open, merged_elsewhere) = (w("open")?, w("merged_elsewhere")?);
    let earlier = earlier_cost(cx, &j)?;
    Ok(Summary {
        input_cost: g("input")?,
        attributed_cost: g("attributed")?,
        unattributed_cost: g("unattributed")?,
        merged_cost: g("merged")?,
        wip_cost: open + merged_elsewhere - earlier,
        earlier_cost: earlier,
        abandoned_cost: g("abandoned")?,
        reverted_cost: g("reverted")?,
        explicit_cost: g("explicit")?,
        commit_cost: g("commit")?,
        branch_cost: g("branch")?,
        calls: g("calls")?,
        unpriced_calls: g("unpriced")?,
        merged_prs: cx.merged.height() as i64,
        costed_merged_prs: costs.len() as i64,
        median_pr_cost: nearest_rank(&costs, 50),
        p90_pr_cost: nearest_rank(&costs, 90),
        first_ts: df.column("first_ts")?.i64()?.get(0),
        last_ts: df.column("last_ts")?.i64()?.get(0),
    })
}

/// Cost attributed to PRs merged before the period began (spend in the grace window after
/// the merge, or explicitly tagged).
fn earlier_cost(cx: &Context, j: &LazyFrame) -> PolarsResult<i64> {
    let Some(start) = cx.period_start else {
        return Ok(0);
    };
    let prs = cx.prs.clone().lazy().select([
        col("repo"),
        col("number"),
        col("merged_at").cast(DataType::Int64).alias("m_at"),
    ]);
    let df = j
        .clone()
        .filter(
            col("attributed")
                .and(col("merged_in_period").not())
                .and(col("state").eq(lit("merged"))),
        )
        .on_pr(prs)
        .filter(col("m_at").lt(lit(start)))
        .select([col("cost").sum().alias("c")])
        .collect()?;
    first_int(&df, "c")
}

/// Column `n` of `df` as integers (cast when it is another integer, date or time type).
pub(crate) fn ints(df: &DataFrame, n: &str) -> PolarsResult<Int64Chunked> {
    Ok(df.column(n)?.cast(&DataType::Int64)?.i64()?.clone())
}

/// The integer in the first row of column `n` (a one-row aggregate), 0 when null or empty.
pub(crate) fn first_int(df: &DataFrame, n: &str) -> PolarsResult<i64> {
    Ok(ints(df, n)?.get(0).unwrap_or(0))
}

/// Column `n` of `df` as text (cast when it is not).
pub(crate) fn strs(df: &DataFrame, n: &str) -> PolarsResult<StringChunked> {
    Ok(df.column(n)?.cast(&DataType::String)?.str()?.clone())
}

/// A group of [`cost_by`]: key values, cost (nano-USD), requests.
pub type Group = (Vec<Option<String>>, i64, i64);

/// Usage rows grouped by `keys` (columns of the usage frame, read as text: `day` as
/// `YYYY-MM-DD`): each group's key values, cost (nano-USD, priced rows) and requests, sorted
/// by the keys. For `check`'s budgets, caps and model policies.
pub fn cost_by(cx: &Context, keys: &[&str]) -> PolarsResult<Vec<Group>> {
    let df =
        cx.a.usage
            .clone()
            .lazy()
            .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
            .agg([
                col("cost").sum().alias("c"),
                col("requests").sum().alias("n"),
            ])
            .sort(keys.to_vec(), Default::default())
            .collect()?;
    let texts: Vec<Column> = keys
        .iter()
        .map(|k| df.column(k).and_then(|c| c.cast(&DataType::String)))
        .collect::<PolarsResult<_>>()?;
    let texts: Vec<&StringChunked> = texts.iter().map(|c| c.str()).collect::<PolarsResult<_>>()?;
    let c = df.column("c")?.cast(&DataType::Int64)?;
    let n = df.column("n")?.cast(&DataType::Int64)?;
    let (c, n) = (c.i64()?, n.i64()?);
    Ok((0..df.height())
        .map(|i| {
            (
                texts.iter().map(|t| t.get(i).map(str::to_string)).collect(),
                c.get(i).unwrap_or(0),
                n.get(i).unwrap_or(0),
            )
        })
        .collect())
}

/// (policy index, workflow, model) → (cost in nano-USD, calls).
pub type Violations = BTreeMap<(usize, String, String), (i64, i64)>;

/// Calls of models a policy does not allow: (policy index, workflow, model) → (cost,
/// calls). The first policy that applies to a call (its workflow / repo / branch patterns)
/// decides for it. `check`'s policy rules and the waste finder's `disallowed_model` items.
pub fn policy_violations(
    cx: &Context,
    policies: &[crate::config::ModelPolicy],
) -> PolarsResult<Violations> {
    let mut out = Violations::new();
    if policies.is_empty() {
        return Ok(out);
    }
    for (k, cost, calls) in cost_by(cx, &["workflow", "repo", "branch", "model"])? {
        let v = |i: usize| k[i].as_deref().unwrap_or("");
        let Some(pi) = policies.iter().position(|p| p.applies(v(0), v(1), v(2))) else {
            continue;
        };
        if !policies[pi].allows(v(3)) {
            let e = out
                .entry((pi, v(0).to_string(), v(3).to_string()))
                .or_default();
            e.0 += cost;
            e.1 += calls;
        }
    }
    Ok(out)
}

/// Attributed cost per PR: `repo`, `number`, `cost`, `requests`, `models`, `signals`,
/// `confidence` (the weakest), `merged_in_period`, `abandoned`.
fn pr_costs(cx: &Context) -> PolarsResult<DataFrame> {
    joined(cx)?
        .filter(col("number").is_not_null())
        .group_by([col("repo"), col("number")])
        .agg([
            col("cost").sum().alias("cost"),
            col("requests").sum().alias("requests"),
            col("model")
                .unique()
                .sort(Default::default())
                .alias("models"),
            col("signal")
                .unique()
                .sort(Default::default())
                .alias("signals"),
            when(col("confidence").eq(lit("low")).any(true))
                .then(lit("low"))
                .when(col("confidence").eq(lit("medium")).any(true))
                .then(lit("medium"))
                .otherwise(lit("high"))
                .alias("confidence"),
            col("merged_in_period").first().alias("merged_in_period"),
            col("reason")
                .eq(lit("abandoned"))
                .any(true)
                .alias("abandoned"),
        ])
        .sort(["repo", "number"], Default::default())
        .collect()
}

/// `--by pr` and the report's `prs` section: PRs with attributed (or abandoned) spend, and
/// every PR merged in the period; most expensive first. `top` limits the rows.
pub fn pr_table(cx: &Context, top: Option<usize>) -> PolarsResult<Table> {
    let costs = pr_costs(cx)?;
    let merged =
        cx.merged
            .clone()
            .lazy()
            .select([col("repo"), col("number"), lit(true).alias("m")]);
    let prs = cx
        .prs
        .clone()
        .lazy()
        .on_pr(costs.lazy())
        .on_pr(merged)
        .filter(col("cost").is_not_null().or(col("m").is_not_null()))
        .with_columns([
            col("m").is_not_null().alias("merged_in_period"),
            (col("state")
                .eq(lit("open"))
                .or(col("state").eq(lit("merged")).and(col("m").is_null())))
            .and(col("cost").is_not_null())
            .alias("wip"),
            col("cost").fill_null(lit(0i64)),
            col("requests").fill_null(lit(0i64)),
        ])
        .sort_by_exprs(
            [col("cost"), col("repo"), col("number")],
            SortMultipleOptions::default().with_order_descending_multi([true, false, false]),
        );
    let prs = match top {
        Some(n) => prs.limit(n as IdxSize),
        None => prs,
    }
    .collect()?;
    to_table(
        &prs,
        &[
            ("repo", "Repo", Kind::Str, false),
            ("number", "PR", Kind::Int, false),
            ("title", "Title", Kind::Str, false),
            ("state", "State", Kind::Str, false),
            ("kind", "Kind", Kind::Str, false),
            ("head_branch", "Branch", Kind::Str, false),
            ("author", "Author", Kind::Str, true),
            ("merged_at", "Merged", Kind::Ts, false),
            ("cost", "Cost", Kind::Usd, false),
            ("requests", "Calls", Kind::Int, false),
            ("models", "Models", Kind::List, false),
            ("signals", "Signals", Kind::List, false),
            ("confidence", "Confidence", Kind::Str, false),
            ("ai_assisted", "AI marked", Kind::Bool, false),
            ("ai_agents", "Agents", Kind::List, true),
            ("reverted", "Reverted", Kind::Bool, true),
            ("additions", "Added", Kind::Int, true),
            ("deletions", "Deleted", Kind::Int, true),
            ("merged_in_period", "Merged in period", Kind::Bool, true),
            ("wip", "In progress", Kind::Bool, true),
        ],
    )
    .map(|mut t| {
        for c in &mut t.columns {
            if c.name == "cost" {
                c.name = "cost_usd".into();
            }
        }
        t
    })
}

/// Unattributed spend by reason (every reason listed, zero or not, in a fixed order).
pub fn unattributed_table(cx: &Context) -> PolarsResult<Table> {
    let df = joined(cx)?
        .filter(col("attributed").not())
        .group_by([col("reason")])
        .agg([
            col("cost").sum().alias("cost"),
            col("requests").sum().alias("requests"),
            col("row").n_unique().cast(DataType::Int64).alias("rows"),
        ])
        .collect()?;
    let total: i64 = cx.a.buckets.column("cost")?.i64()?.sum().unwrap_or(0);
    let reasons = df.column("reason")?.str()?;
    let costs = df.column("cost")?.i64()?;
    let reqs = df.column("requests")?.i64()?;
    let rows = (0..df.height()).filter_map(|i| {
        Some((
            reasons.get(i)?.to_string(),
            (costs.get(i).unwrap_or(0), reqs.get(i).unwrap_or(0)),
        ))
    });
    let found: std::collections::BTreeMap<String, (i64, i64)> = rows.collect();
    let rows = super::REASONS
        .iter()
        .map(|r| {
            let (c, n) = found.get(*r).copied().unwrap_or((0, 0));
            vec![
                Value::Str((*r).to_string()),
                Value::Usd(c),
                Value::Int(n),
                if total != 0 {
                    Value::Share(c as f64 / total as f64)
                } else {
                    Value::Null
                },
            ]
        })
        .collect();
    Ok(Table::new(
        vec![
            Col::new("reason", "Reason"),
            Col::new("cost_usd", "Cost"),
            Col::new("requests", "Calls"),
            Col::new("share", "Share of spend"),
        ],
        rows,
    ))
}

/// A dimension of `--by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    Model,
    Workflow,
    Repo,
    Author,
    Branch,
    Session,
    Day,
    Week,
    Month,
}

impl Dim {
    pub fn name(self) -> &'static str {
        match self {
            Dim::Model => "model",
            Dim::Workflow => "workflow",
            Dim::Repo => "repo",
            Dim::Author => "author",
            Dim::Branch => "branch",
            Dim::Session => "session",
            Dim::Day => "day",
            Dim::Week => "week",
            Dim::Month => "month",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Dim::Model => "Model",
            Dim::Workflow => "Workflow",
            Dim::Repo => "Repo",
            Dim::Author => "PR author",
            Dim::Branch => "Branch",
            Dim::Session => "Session",
            Dim::Day => "Day",
            Dim::Week => "Week",
            Dim::Month => "Month",
        }
    }

    /// Whether every bucket of a usage row has the same value (then tokens and calls come
    /// from the rows themselves).
    fn row_level(self) -> bool {
        !matches!(self, Dim::Repo | Dim::Author)
    }
}

/// Spend by one dimension: cost, attributed and unattributed cost, calls, PRs touched,
/// merged PRs touched and the cost attributed to them per PR; for row-level dimensions also
/// tokens, cost per call and cache-read share.
pub fn dim_table(cx: &Context, dim: Dim) -> PolarsResult<Table> {
    let name = dim.name();
    let j = joined(cx)?;
    let merged_key = when(col("attributed").and(col("merged_in_period")))
        .then(prs_key())
        .otherwise(lit(NULL).cast(DataType::String));
    let attributed_key = when(col("attributed"))
        .then(prs_key())
        .otherwise(lit(NULL).cast(DataType::String));
    let b = j.group_by([col(name)]).agg([
        col("cost").sum().alias("cost"),
        col("cost")
            .filter(col("cost").is_not_null())
            .count()
            .alias("priced"),
        sum_if(col("attributed"), "attributed_cost"),
        sum_if(col("attributed").not(), "unattributed_cost"),
        sum_if(
            col("attributed").and(col("merged_in_period")),
            "merged_cost",
        ),
        col("requests").sum().alias("b_requests"),
        attributed_key
            .drop_nulls()
            .n_unique()
            .cast(DataType::Int64)
            .alias("prs"),
        merged_key
            .drop_nulls()
            .n_unique()
            .cast(DataType::Int64)
            .alias("merged_prs"),
    ]);
    let row_level = dim.row_level();
    let out = if row_level {
        let u =
            cx.a.usage
                .clone()
                .lazy()
                .with_column(col("session_id").alias("session"))
                .group_by([col(name)])
                .agg([
                    col("requests").sum().alias("requests"),
                    col("input_tokens").sum().alias("input_tokens"),
                    col("output_tokens").sum().alias("output_tokens"),
                    col("cache_read_tokens").sum().alias("cache_read_tokens"),
                    (col("cache_write_5m_tokens") + col("cache_write_1h_tokens"))
                        .sum()
                        .alias("cache_write_tokens"),
                    col("total_tokens").sum().alias("total_tokens"),
                ]);
        b.join(
            u,
            [col(name)],
            [col(name)],
            JoinArgs {
                nulls_equal: true,
                ..JoinArgs::new(JoinType::Left)
            },
        )
        .with_columns([(col("cache_read_tokens").cast(DataType::Float64)
            / (col("input_tokens") + col("cache_read_tokens") + col("cache_write_tokens"))
                .cast(DataType::Float64))
        .alias("cache_read_share")])
    } else {
        b.with_column(col("b_requests").alias("requests"))
    };
    let mut df = out
        .sort_by_exprs(
            [col("cost"), col(name)],
            SortMultipleOptions::default()
                .with_order_descending_multi([true, false])
                .with_nulls_last(true),
        )
        .collect()?;
    if matches!(dim, Dim::Day | Dim::Week | Dim::Month) {
        df = df.sort([name], SortMultipleOptions::default().with_nulls_last(true))?;
    }
    // cost per call and per merged PR touched, exact to the nano-dollar
    let costs = df.column("cost")?.i64()?.clone();
    let priced = df.column("priced")?.cast(&DataType::Int64)?;
    let priced = priced.i64()?;
    let calls = df.column("requests")?.cast(&DataType::Int64)?;
    let calls = calls.i64()?;
    let merged_cost = df.column("merged_cost")?.i64()?.clone();
    let merged_prs = df.column("merged_prs")?.i64()?.clone();
    let per_call: Vec<Option<i64>> = (0..df.height())
        .map(|i| match (priced.get(i), costs.get(i), calls.get(i)) {
            (Some(p), Some(c), Some(n)) if p > 0 => div_round(c, n),
            _ => None,
        })
        .collect();
    let per_pr: Vec<Option<i64>> = (0..df.height())
        .map(|i| {
            div_round(
                merged_cost.get(i).unwrap_or(0),
                merged_prs.get(i).unwrap_or(0),
            )
        })
        .collect();
    df.with_column(Column::new("cost_per_call".into(), per_call))?;
    df.with_column(Column::new("cost_per_merged_pr".into(), per_pr))?;
    let cost_known: Vec<Option<i64>> = (0..df.height())
        .map(|i| match priced.get(i) {
            Some(p) if p > 0 => costs.get(i),
            _ => None,
        })
        .collect();
    df.with_column(Column::new("cost".into(), cost_known))?;

    let key_kind = match dim {
        Dim::Day | Dim::Week => Kind::Date,
        _ => Kind::Str,
    };
    let mut spec: Vec<(&str, &str, Kind, bool)> = vec![
        (name, dim.title(), key_kind, false),
        ("cost", "Cost", Kind::Usd, false),
        ("attributed_cost", "Attributed", Kind::Usd, false),
        ("unattributed_cost", "Unattributed", Kind::Usd, false),
        ("requests", "Calls", Kind::Int, false),
    ];
    if row_level {
        spec.extend([
            ("cost_per_call", "Per call", Kind::Usd, false),
            ("input_tokens", "Input", Kind::Int, false),
            ("output_tokens", "Output", Kind::Int, false),
            ("cache_read_tokens", "Cache read", Kind::Int, false),
            ("cache_write_tokens", "Cache write", Kind::Int, true),
            ("total_tokens", "Total tokens", Kind::Int, false),
            ("cache_read_share", "Cache-read share", Kind::Share, false),
        ]);
    }
    spec.extend([
        ("prs", "PRs touched", Kind::Int, false),
        ("merged_prs", "Merged PRs touched", Kind::Int, false),
        ("merged_cost", "On merged PRs", Kind::Usd, false),
        ("cost_per_merged_pr", "Per merged PR", Kind::Usd, false),
    ]);
    let mut t = to_table(&df, &spec)?;
    for c in &mut t.columns {
        let renamed = match c.name.as_str() {
            "cost" => "cost_usd",
            "attributed_cost" => "attributed_cost_usd",
            "unattributed_cost" => "unattributed_cost_usd",
            "cost_per_call" => "cost_per_call_usd",
            "merged_cost" => "merged_pr_cost_usd",
            "cost_per_merged_pr" => "cost_per_merged_pr_usd",
            _ => continue,
        };
        c.name = renamed.into();
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_division_and_percentiles() {
        assert_eq!(div_round(10, 4), Some(3)); // 2.5 → 3
        assert_eq!(div_round(9, 4), Some(2)); // 2.25 → 2
        assert_eq!(div_round(-10, 4), Some(-3));
        assert_eq!(div_round(1, 0), None);
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(nearest_rank(&v, 50), Some(5));
        assert_eq!(nearest_rank(&v, 90), Some(9));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
    }
}
