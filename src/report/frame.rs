//! Aggregations over the polars `usage` table for the report views. Calendar buckets are
//! computed in the requested time zone (`day` = local date of the call, `week` = the Monday
//! starting its ISO week, `month` = `YYYY-MM`); `--since/--until` filter on the local day,
//! inclusive. Results are sorted by the view's dimensions, so output order never depends on
//! thread scheduling; money stays integer nano-USD.

use chrono::NaiveDate;
use polars::prelude::*;

use super::{Col, Table, Value};

/// A dimension of a `usage` view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UsageDim {
    Day,
    Week,
    Month,
    Model,
    Session,
    Project,
    Source,
}

impl UsageDim {
    pub fn name(self) -> &'static str {
        match self {
            UsageDim::Day => "day",
            UsageDim::Week => "week",
            UsageDim::Month => "month",
            UsageDim::Model => "model",
            UsageDim::Session => "session",
            UsageDim::Project => "project",
            UsageDim::Source => "source",
        }
    }

    fn title(self) -> &'static str {
        match self {
            UsageDim::Day => "Day",
            UsageDim::Week => "Week",
            UsageDim::Month => "Month",
            UsageDim::Model => "Model",
            UsageDim::Session => "Session",
            UsageDim::Project => "Project",
            UsageDim::Source => "Source",
        }
    }

    fn is_date(self) -> bool {
        matches!(self, UsageDim::Day | UsageDim::Week)
    }
}

/// What to aggregate.
#[derive(Debug, Clone)]
pub struct UsageQuery {
    pub dims: Vec<UsageDim>,
    /// IANA time zone name.
    pub tz: String,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// Token and money columns of every usage view, in order: (column, title).
pub const MEASURES: &[(&str, &str)] = &[
    ("input_tokens", "Input"),
    ("output_tokens", "Output"),
    ("cache_write_5m_tokens", "Cache write 5m"),
    ("cache_write_1h_tokens", "Cache write 1h"),
    ("cache_read_tokens", "Cache read"),
    ("reasoning_tokens", "Reasoning"),
    ("total_tokens", "Total tokens"),
    ("web_search_requests", "Web searches"),
    ("requests", "Calls"),
];

/// Measures a table or Markdown leaves out when they are zero in every row.
const OPTIONAL_MEASURES: &[&str] = &[
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
    "web_search_requests",
];

/// A list-of-strings column as `Value::List`s.
pub(crate) fn list_values(df: &DataFrame, name: &str) -> PolarsResult<Vec<Value>> {
    let lists = df.column(name)?.list()?;
    Ok((0..df.height())
        .map(|i| {
            let items = lists
                .get_as_series(i)
                .and_then(|s| {
                    s.str()
                        .ok()
                        .map(|ca| ca.iter().flatten().map(str::to_string).collect::<Vec<_>>())
                })
                .unwrap_or_default();
            Value::List(items)
        })
        .collect())
}

fn epoch_days_to_date(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(719_163)?)
}

fn date_lit(d: NaiveDate) -> Expr {
    lit(d).cast(DataType::Date)
}

/// Adds the local calendar columns (`day`, `week`, `month`) and applies the period filter.
pub fn with_calendar(
    lf: LazyFrame,
    tz: &str,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> PolarsResult<LazyFrame> {
    let tz = TimeZone::opt_try_new(Some(tz))?.unwrap_or(TimeZone::UTC);
    let mut lf = lf
        .with_column(
            col("ts")
                .dt()
                .convert_time_zone(tz)
                .dt()
                .date()
                .alias("day"),
        )
        .with_columns([
            col("day").dt().truncate(lit("1w")).alias("week"),
            col("day").dt().strftime("%Y-%m").alias("month"),
        ]);
    if let Some(s) = since {
        lf = lf.filter(col("day").gt_eq(date_lit(s)));
    }
    if let Some(u) = until {
        lf = lf.filter(col("day").lt_eq(date_lit(u)));
    }
    Ok(lf)
}

/// The usage columns [`usage_view`] reads for `dims`: the time, the model, the measures and
/// cost, and the session, project, source and branch only when the grouping shows them
/// (strings are the costly columns to build).
pub fn usage_view_columns(dims: &[UsageDim]) -> Vec<&'static str> {
    let has = |d: UsageDim| dims.contains(&d);
    let session = has(UsageDim::Session);
    let mut names = vec!["ts", "model"];
    names.extend(MEASURES.iter().map(|(c, _)| *c));
    names.push("cost");
    for (name, wanted) in [
        ("session_id", session),
        ("project", session || has(UsageDim::Project)),
        ("source", session || has(UsageDim::Source)),
        ("branch", session),
    ] {
        if wanted {
            names.push(name);
        }
    }
    names
}

/// Groups usage by `q.dims`. `usage` needs the columns of [`usage_view_columns`].
pub fn usage_view(usage: &DataFrame, q: &UsageQuery) -> PolarsResult<Table> {
    let has = |d: UsageDim| q.dims.contains(&d);
    let mut lf = with_calendar(usage.clone().lazy(), &q.tz, q.since, q.until)?;
    if has(UsageDim::Session) {
        lf = lf.with_column(col("session_id").alias("session"));
    }
    let keys: Vec<Expr> = q.dims.iter().map(|d| col(d.name())).collect();
    let mut aggs: Vec<Expr> = MEASURES
        .iter()
        .map(|(c, _)| col(*c).sum().alias(*c))
        .collect();
    aggs.push(col("cost").sum().alias("cost_nano"));
    aggs.push(
        col("cost")
            .count()
            .cast(DataType::Int64)
            .alias("priced_rows"),
    );
    aggs.push(
        col("requests")
            .filter(col("cost").is_null())
            .sum()
            .alias("unpriced_requests"),
    );
    if !has(UsageDim::Model) {
        aggs.push(
            col("model")
                .unique()
                .sort(Default::default())
                .alias("models"),
        );
    }
    let session = has(UsageDim::Session);
    if session {
        aggs.push(col("ts").min().cast(DataType::Int64).alias("first_ts"));
        aggs.push(col("ts").max().cast(DataType::Int64).alias("last_ts"));
        if !has(UsageDim::Project) {
            aggs.push(col("project").drop_nulls().first().alias("project"));
        }
        if !has(UsageDim::Source) {
            aggs.push(col("source").first().alias("source"));
        }
        aggs.push(col("branch").drop_nulls().first().alias("branch"));
    }
    let mut out = lf.group_by(keys).agg(aggs);
    let casts: Vec<Expr> = q
        .dims
        .iter()
        .filter(|d| d.is_date())
        .map(|d| col(d.name()).cast(DataType::Int32))
        .collect();
    if !casts.is_empty() {
        out = out.with_columns(casts);
    }
    let names: Vec<PlSmallStr> = q.dims.iter().map(|d| d.name().into()).collect();
    let df = out
        .sort(
            names,
            SortMultipleOptions::default()
                .with_nulls_last(true)
                .with_maintain_order(true),
        )
        .collect()?;

    let mut columns: Vec<Col> = q
        .dims
        .iter()
        .map(|d| Col::new(d.name(), d.title()))
        .collect();
    if session {
        if !has(UsageDim::Project) {
            columns.push(Col::new("project", "Project"));
        }
        if !has(UsageDim::Source) {
            columns.push(Col::new("source", "Source"));
        }
        columns.push(Col::new("branch", "Branch"));
        columns.push(Col::new("first_ts", "First"));
        columns.push(Col::new("last_ts", "Last"));
    }
    if !has(UsageDim::Model) {
        columns.push(Col::new("models", "Models"));
    }
    for (c, t) in MEASURES {
        columns.push(if OPTIONAL_MEASURES.contains(c) {
            Col::optional(c, t)
        } else {
            Col::new(c, t)
        });
    }
    columns.push(Col::new("cost_usd", "Cost"));
    columns.push(Col::optional("unpriced_requests", "Unpriced calls"));

    let height = df.height();
    let mut cols_values: Vec<Vec<Value>> = Vec::with_capacity(columns.len());
    for c in &columns {
        let name = c.name.as_str();
        let values: Vec<Value> = match name {
            "cost_usd" => {
                let cost = df.column("cost_nano")?.i64()?;
                let priced = df.column("priced_rows")?.i64()?;
                (0..height)
                    .map(|i| match (priced.get(i), cost.get(i)) {
                        (Some(p), Some(c)) if p > 0 => Value::Usd(c),
                        _ => Value::Null,
                    })
                    .collect()
            }
            "first_ts" | "last_ts" => df
                .column(name)?
                .i64()?
                .iter()
                .map(|v| v.map_or(Value::Null, Value::Ts))
                .collect(),
            "models" => list_values(&df, "models")?,
            "day" | "week" => df
                .column(name)?
                .i32()?
                .iter()
                .map(|v| {
                    v.and_then(epoch_days_to_date)
                        .map_or(Value::Null, Value::Date)
                })
                .collect(),
            _ if MEASURES.iter().any(|(m, _)| *m == name) || name == "unpriced_requests" => df
                .column(name)?
                .i64()?
                .iter()
                .map(|v| Value::Int(v.unwrap_or(0)))
                .collect(),
            _ => df.column(name)?.str()?.iter().map(Value::opt_str).collect(),
        };
        cols_values.push(values);
    }
    Ok(Table::from_columns(columns, cols_values))
}

/// The local calendar day of a `Datetime(UTC)` expression in `tz`.
fn local_day(e: Expr, tz: &str) -> PolarsResult<Expr> {
    let tz = TimeZone::opt_try_new(Some(tz))?.unwrap_or(TimeZone::UTC);
    Ok(e.dt().convert_time_zone(tz).dt().date())
}

/// PRs whose event — merge for merged PRs, close for closed ones, creation for open ones —
/// falls on a local day within `since..=until` (all PRs without a period).
pub fn prs_in_period(
    prs: &DataFrame,
    tz: &str,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> PolarsResult<DataFrame> {
    let event = when(col("state").eq(lit("merged")))
        .then(col("merged_at"))
        .when(col("state").eq(lit("closed")))
        .then(col("closed_at"))
        .otherwise(col("created_at"));
    let mut lf = prs
        .clone()
        .lazy()
        .with_column(local_day(event, tz)?.alias("event_day"));
    if let Some(s) = since {
        lf = lf.filter(col("event_day").gt_eq(date_lit(s)));
    }
    if let Some(u) = until {
        lf = lf.filter(col("event_day").lt_eq(date_lit(u)));
    }
    lf.drop(cols(["event_day"])).collect()
}

/// Outcome figures over a `prs` frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrFigures {
    pub merged: i64,
    pub merge: i64,
    pub squash: i64,
    pub rebase: i64,
    pub export_only: i64,
    pub closed_unmerged: i64,
    pub open: i64,
    pub ai_assisted: i64,
    pub reverted: i64,
    pub reverts: i64,
    /// Hours from PR creation to merge (needs an export).
    pub cycle_median_h: Option<f64>,
    pub cycle_p90_h: Option<f64>,
    /// Hours from the first commit to merge.
    pub lead_median_h: Option<f64>,
    pub lead_p90_h: Option<f64>,
    /// Hours from merge to revert.
    pub revert_median_h: Option<f64>,
    pub first_merged_at: Option<i64>,
    pub last_merged_at: Option<i64>,
}

fn hours(later: &str, earlier: &str) -> Expr {
    (col(later) - col(earlier))
        .cast(DataType::Int64)
        .cast(DataType::Float64)
        / lit(3_600_000_000.0)
}

/// Counts and time figures of merged PRs (negative spans — clock skew — are left out).
pub fn pr_figures(prs: &DataFrame) -> PolarsResult<PrFigures> {
    let merged = || col("state").eq(lit("merged"));
    let count = |e: Expr, name: &str| e.cast(DataType::Int64).sum().alias(name);
    let span = |later: &str, earlier: &str, cond: Expr| {
        let h = hours(later, earlier);
        h.clone().filter(cond.and(h.gt_eq(lit(0.0))))
    };
    let df = prs
        .clone()
        .lazy()
        .select([
            count(merged(), "merged"),
            count(merged().and(col("kind").eq(lit("merge"))), "merge"),
            count(merged().and(col("kind").eq(lit("squash"))), "squash"),
            count(merged().and(col("kind").eq(lit("rebase"))), "rebase"),
            count(
                merged().and(col("kind").eq(lit("export_only"))),
                "export_only",
            ),
            count(col("state").eq(lit("closed")), "closed"),
            count(col("state").eq(lit("open")), "open"),
            count(merged().and(col("ai_assisted")), "ai"),
            count(merged().and(col("reverted")), "reverted"),
            count(merged().and(col("is_revert")), "reverts"),
            span("merged_at", "created_at", merged())
                .median()
                .alias("cycle_median"),
            span("merged_at", "created_at", merged())
                .quantile(lit(0.9), QuantileMethod::Linear)
                .alias("cycle_p90"),
            span("merged_at", "first_commit_at", merged())
                .median()
                .alias("lead_median"),
            span("merged_at", "first_commit_at", merged())
                .quantile(lit(0.9), QuantileMethod::Linear)
                .alias("lead_p90"),
            span("reverted_at", "merged_at", merged().and(col("reverted")))
                .median()
                .alias("revert_median"),
            col("merged_at")
                .filter(merged())
                .min()
                .cast(DataType::Int64)
                .alias("first_merged"),
            col("merged_at")
                .filter(merged())
                .max()
                .cast(DataType::Int64)
                .alias("last_merged"),
        ])
        .collect()?;
    let i = |name: &str| -> PolarsResult<i64> { Ok(df.column(name)?.i64()?.get(0).unwrap_or(0)) };
    let f = |name: &str| -> PolarsResult<Option<f64>> {
        Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.get(0))
    };
    let t = |name: &str| -> PolarsResult<Option<i64>> { Ok(df.column(name)?.i64()?.get(0)) };
    Ok(PrFigures {
        merged: i("merged")?,
        merge: i("merge")?,
        squash: i("squash")?,
        rebase: i("rebase")?,
        export_only: i("export_only")?,
        closed_unmerged: i("closed")?,
        open: i("open")?,
        ai_assisted: i("ai")?,
        reverted: i("reverted")?,
        reverts: i("reverts")?,
        cycle_median_h: f("cycle_median")?,
        cycle_p90_h: f("cycle_p90")?,
        lead_median_h: f("lead_median")?,
        lead_p90_h: f("lead_p90")?,
        revert_median_h: f("revert_median")?,
        first_merged_at: t("first_merged")?,
        last_merged_at: t("last_merged")?,
    })
}

/// AI-assisted merged PRs per agent: `agent`, `prs`, `share` (of all merged PRs),
/// `evidence`, `models`; most PRs first.
pub fn agent_table(prs: &DataFrame, markers: &DataFrame) -> PolarsResult<Table> {
    let merged = prs
        .clone()
        .lazy()
        .filter(col("state").eq(lit("merged")))
        .select([col("repo"), col("number")]);
    let total = prs
        .column("state")?
        .str()?
        .iter()
        .filter(|s| *s == Some("merged"))
        .count();
    let m = markers.clone().lazy().join(
        merged,
        [col("repo"), col("number")],
        [col("repo"), col("number")],
        JoinArgs::new(JoinType::Inner),
    );
    let df = m
        .group_by([col("agent")])
        .agg([
            (col("repo") + lit("#") + col("number").cast(DataType::String))
                .n_unique()
                .cast(DataType::Int64)
                .alias("prs"),
            col("evidence")
                .unique()
                .sort(Default::default())
                .alias("evidence"),
            col("model")
                .drop_nulls()
                .unique()
                .sort(Default::default())
                .alias("models"),
        ])
        .sort_by_exprs(
            [col("prs"), col("agent")],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .collect()?;
    let agents = df.column("agent")?.str()?;
    let counts = df.column("prs")?.i64()?;
    let evidence = list_values(&df, "evidence")?;
    let models = list_values(&df, "models")?;
    let rows = (0..df.height())
        .map(|i| {
            let n = counts.get(i).unwrap_or(0);
            vec![
                Value::opt_str(agents.get(i)),
                Value::Int(n),
                if total > 0 {
                    Value::Share(n as f64 / total as f64)
                } else {
                    Value::Null
                },
                evidence[i].clone(),
                models[i].clone(),
            ]
        })
        .collect();
    Ok(Table::new(
        vec![
            Col::new("agent", "Agent"),
            Col::new("prs", "Merged PRs"),
            Col::new("share", "Share of merged"),
            Col::new("evidence", "Evidence"),
            Col::new("models", "Models"),
        ],
        rows,
    ))
}

/// Mainline commit counts in the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitCounts {
    pub mainline: i64,
    pub direct: i64,
    pub non_pr_merge: i64,
}

/// Counts mainline commits committed on a local day within `since..=until`.
pub fn commit_counts(
    commits: &DataFrame,
    tz: &str,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> PolarsResult<CommitCounts> {
    let mut lf = commits
        .clone()
        .lazy()
        .filter(col("mainline"))
        .with_column(local_day(col("committed_at"), tz)?.alias("day"));
    if let Some(s) = since {
        lf = lf.filter(col("day").gt_eq(date_lit(s)));
    }
    if let Some(u) = until {
        lf = lf.filter(col("day").lt_eq(date_lit(u)));
    }
    let count = |kind: &str| {
        col("kind")
            .eq(lit(kind))
            .cast(DataType::Int64)
            .sum()
            .alias(kind)
    };
    let df = lf
        .select([
            len().cast(DataType::Int64).alias("mainline"),
            count("direct"),
            count("non_pr_merge"),
        ])
        .collect()?;
    let get = |n: &str| -> PolarsResult<i64> { Ok(df.column(n)?.i64()?.get(0).unwrap_or(0)) };
    Ok(CommitCounts {
        mainline: get("mainline")?,
        direct: get("direct")?,
        non_pr_merge: get("non_pr_merge")?,
    })
}

/// The usage rows whose local day lies in `since..=until`, with `day`, `week` and `month`.
pub fn usage_in_period(
    usage: &DataFrame,
    tz: &str,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> PolarsResult<DataFrame> {
    with_calendar(usage.clone().lazy(), tz, since, until)?.collect()
}

/// `repo`, `number` of the PRs merged on a local day within `since..=until`.
pub fn merged_in_period(
    prs: &DataFrame,
    tz: &str,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> PolarsResult<DataFrame> {
    prs_in_period(prs, tz, since, until)?
        .lazy()
        .filter(col("state").eq(lit("merged")))
        .select([col("repo"), col("number")])
        .collect()
}
