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

/// The usage columns [`usage_view`] reads.
pub const USAGE_VIEW_COLUMNS: &[&str] = &[
    "ts",
    "source",
    "model",
    "session_id",
    "project",
    "branch",
    "input_tokens",
    "output_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "reasoning_tokens",
    "total_tokens",
    "web_search_requests",
    "requests",
    "cost",
];

/// Groups usage by `q.dims`. `usage` needs [`USAGE_VIEW_COLUMNS`].
pub fn usage_view(usage: &DataFrame, q: &UsageQuery) -> PolarsResult<Table> {
    let lf = with_calendar(usage.clone().lazy(), &q.tz, q.since, q.until)?
        .with_column(col("session_id").alias("session"));
    let keys: Vec<Expr> = q.dims.iter().map(|d| col(d.name())).collect();
    let has = |d: UsageDim| q.dims.contains(&d);
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
            "models" => {
                let lists = df.column("models")?.list()?;
                (0..height)
                    .map(|i| {
                        let items = lists
                            .get_as_series(i)
                            .and_then(|s| {
                                s.str().ok().map(|ca| {
                                    ca.iter().flatten().map(str::to_string).collect::<Vec<_>>()
                                })
                            })
                            .unwrap_or_default();
                        Value::List(items)
                    })
                    .collect()
            }
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
    let rows: Vec<Vec<Value>> = (0..height)
        .map(|i| cols_values.iter().map(|c| c[i].clone()).collect())
        .collect();
    Ok(Table {
        columns,
        rows,
        total: None,
        notes: Vec::new(),
    })
}
