//! `costper report`: spend joined to outcomes — cost per merged PR, per workflow and per
//! model, unattributed spend by reason — as one multi-section report or a single `--by`
//! table. Reads agent logs like `usage`, repositories and PR exports like `prs` (from the
//! command line or `costper.toml`), attributes every row ([`crate::attribute`]) and checks
//! that the input cost equals attributed plus unattributed cost before printing anything.

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use chrono::TimeZone as _;

use super::Ctx;
use super::sources::sources_table;
use crate::ExitStatus;
use crate::attribute::views::{self, Context, Dim, Summary, div_round};
use crate::attribute::{self, Attributed, RepoSpec, Settings};
use crate::cli::{ReportArgs, ReportView};
use crate::ingest::Ingested;
use crate::ingest::frame::usage_frame_columns;
use crate::outcomes::Outcomes;
use crate::outcomes::frame::prs_frame;
use crate::report::frame::{merged_in_period, usage_in_period};
use crate::report::{Col, Doc, Section, Table, Value};

/// Version of the report's JSON layout (docs/output.md); bumped only on incompatible changes.
pub const SCHEMA_VERSION: i64 = 1;

/// Usage columns the report reads besides [`attribute::INPUT_COLUMNS`].
const TOKEN_COLUMNS: &[&str] = &[
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "total_tokens",
];

/// Everything a report is computed from.
pub struct Computed {
    pub ing: Ingested,
    pub outcomes: Outcomes,
    pub attributed: Attributed,
    pub prs: polars::prelude::DataFrame,
    pub merged: polars::prelude::DataFrame,
    pub period_start: Option<i64>,
}

impl Computed {
    /// What the views read.
    pub fn context(&self) -> Context<'_> {
        Context {
            a: &self.attributed,
            prs: &self.prs,
            merged: &self.merged,
            period_start: self.period_start,
        }
    }
}

pub fn run(ctx: &Ctx, args: &ReportArgs) -> Result<ExitStatus> {
    let c = compute(ctx)?;
    let doc = document(ctx, &c, args)?;
    ctx.emit(&doc)?;
    Ok(ExitStatus::Success)
}

/// The repositories as attribution sees them: work trees, the config's path patterns (for
/// the `[[repo]]` with the same path), the origin remote and the mainline.
fn repo_specs(ctx: &Ctx, o: &Outcomes) -> Vec<RepoSpec> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    o.repos
        .iter()
        .map(|r| {
            let here = canon(&r.path);
            let patterns = ctx
                .config
                .repos
                .iter()
                .filter(|c| canon(&c.path) == here)
                .flat_map(|c| c.paths.iter().cloned())
                .collect();
            RepoSpec {
                id: r.id.to_string(),
                workdirs: r.workdirs.iter().map(|p| p.display().to_string()).collect(),
                patterns,
                remote: r
                    .origin_url
                    .as_deref()
                    .and_then(crate::outcomes::git::remote_slug),
                mainline: r.branch.clone(),
            }
        })
        .collect()
}

/// The first instant of `--since` in the report's time zone, microseconds UTC.
fn period_start(ctx: &Ctx) -> Option<i64> {
    let day = ctx.args.since?;
    let tz: chrono_tz::Tz = ctx.tz.parse().ok()?;
    let midnight = day.and_hms_opt(0, 0, 0)?;
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.timestamp_micros())
}

/// Loads inputs and outcomes and attributes the usage of the period.
pub fn compute(ctx: &Ctx) -> Result<Computed> {
    let prices = ctx.prices()?;
    let ing = ctx.load(&prices)?;
    let outcomes = if ctx.repo_paths().is_empty() {
        let msg = "no repository given (--repo PATH or [[repo]] in costper.toml): all spend is \
                   unattributed (no_repo)";
        ctx.warn(msg);
        Outcomes::default()
    } else {
        ctx.outcomes(false)?
    };
    let clock = std::time::Instant::now();
    let columns: Vec<&str> = attribute::INPUT_COLUMNS
        .iter()
        .chain(TOKEN_COLUMNS)
        .copied()
        .collect();
    let usage = usage_frame_columns(&ing, &columns)?;
    let usage = usage_in_period(&usage, &ctx.tz, ctx.args.since, ctx.args.until)?;
    let (lookback, grace) = ctx.config.windows()?;
    let settings = Settings {
        lookback,
        grace,
        default_branches: ctx.config.attribution.default_branches.clone(),
        workflows: ctx.config.workflows.clone(),
    };
    let repos = repo_specs(ctx, &outcomes);
    let attributed = attribute::attribute(&usage, &ing.commit_links, &outcomes, &repos, &settings)
        .context("attributing usage to PRs")?;
    if let Err(e) = attribute::check_conservation(&attributed)? {
        bail!("internal error: attribution lost money ({e}); please report this");
    }
    ctx.diag.timing("attribute", clock.elapsed());
    let prs = prs_frame(&outcomes)?;
    let merged = merged_in_period(&prs, &ctx.tz, ctx.args.since, ctx.args.until)?;
    Ok(Computed {
        ing,
        outcomes,
        attributed,
        prs,
        merged,
        period_start: period_start(ctx),
    })
}

fn usd(n: i64) -> Value {
    Value::Usd(n)
}

fn share(part: i64, whole: i64) -> Value {
    if whole != 0 {
        Value::Share(part as f64 / whole as f64)
    } else {
        Value::Null
    }
}

/// The summary section's fields (stable names of SPEC §9).
pub fn summary_fields(s: &Summary) -> Vec<(Col, Value)> {
    let f = |name: &str, title: &str, v: Value| (Col::new(name, title), v);
    vec![
        f("input_cost_usd", "Input cost", usd(s.input_cost)),
        f(
            "attributed_cost_usd",
            "Attributed to PRs",
            usd(s.attributed_cost),
        ),
        f(
            "unattributed_cost_usd",
            "Unattributed",
            usd(s.unattributed_cost),
        ),
        f(
            "attributed_share",
            "Attributed share",
            share(s.attributed_cost, s.input_cost),
        ),
        f("merged_prs", "Merged PRs", Value::Int(s.merged_prs)),
        f(
            "costed_merged_prs",
            "Merged PRs with AI spend",
            Value::Int(s.costed_merged_prs),
        ),
        f(
            "cost_per_merged_pr_usd",
            "Cost per merged PR",
            Value::opt_usd(div_round(s.merged_cost, s.merged_prs)),
        ),
        f(
            "fully_loaded_cost_per_merged_pr_usd",
            "Fully loaded cost per merged PR",
            Value::opt_usd(div_round(s.input_cost, s.merged_prs)),
        ),
        f(
            "median_pr_cost_usd",
            "Median cost of a merged PR with AI spend",
            Value::opt_usd(s.median_pr_cost),
        ),
        f(
            "p90_pr_cost_usd",
            "p90 cost of a merged PR with AI spend",
            Value::opt_usd(s.p90_pr_cost),
        ),
        f(
            "merged_pr_cost_usd",
            "On PRs merged in the period",
            usd(s.merged_cost),
        ),
        f("wip_cost_usd", "On work in progress", usd(s.wip_cost)),
        f(
            "earlier_pr_cost_usd",
            "On PRs merged before the period",
            usd(s.earlier_cost),
        ),
        f(
            "abandoned_cost_usd",
            "On abandoned PRs",
            usd(s.abandoned_cost),
        ),
        f("reverted_cost_usd", "On reverted PRs", usd(s.reverted_cost)),
        f(
            "explicit_cost_usd",
            "Attributed by tag",
            usd(s.explicit_cost),
        ),
        f(
            "commit_cost_usd",
            "Attributed by commit",
            usd(s.commit_cost),
        ),
        f(
            "branch_cost_usd",
            "Attributed by branch",
            usd(s.branch_cost),
        ),
        f("requests", "Calls", Value::Int(s.calls)),
        f(
            "unpriced_requests",
            "Unpriced calls",
            Value::Int(s.unpriced_calls),
        ),
    ]
}

fn period_fields(ctx: &Ctx, s: &Summary) -> Vec<(Col, Value)> {
    vec![
        (
            Col::new("since", "Since"),
            ctx.args.since.map_or(Value::Null, Value::Date),
        ),
        (
            Col::new("until", "Until"),
            ctx.args.until.map_or(Value::Null, Value::Date),
        ),
        (Col::new("tz", "Time zone"), Value::Str(ctx.tz.clone())),
        (
            Col::new("first_ts", "First call"),
            Value::opt_ts(s.first_ts),
        ),
        (Col::new("last_ts", "Last call"), Value::opt_ts(s.last_ts)),
    ]
}

fn warnings_table(ctx: &Ctx) -> Table {
    Table::new(
        vec![Col::new("message", "Message")],
        ctx.warnings
            .borrow()
            .iter()
            .map(|w| vec![Value::Str(w.clone())])
            .collect(),
    )
}

/// Billed ÷ estimated as a decimal with 6 places (exact integer arithmetic).
fn factor(billed: i64, estimated: i64) -> Value {
    if estimated <= 0 {
        return Value::Null;
    }
    let micro = crate::money::div_round(billed as i128 * 1_000_000, estimated as i128);
    let sign = if micro < 0 { "-" } else { "" };
    let m = micro.abs();
    Value::Num(format!("{sign}{}.{:06}", m / 1_000_000, m % 1_000_000))
}

/// One row per scope where logs met a bill (docs/reconciliation.md).
pub fn reconciliation_table(ing: &Ingested) -> Table {
    let rows = ing
        .reconciliation
        .iter()
        .map(|s| {
            vec![
                Value::Date(s.day),
                Value::Str(s.provider.to_string()),
                s.model.as_ref().map_or(
                    Value::Str(crate::ingest::reconcile::ALL_MODELS.into()),
                    |m| Value::Str(m.to_string()),
                ),
                Value::int(s.log_rows),
                Value::Usd(s.estimated),
                Value::int(s.bill_rows),
                Value::Usd(s.billed),
                factor(s.billed, s.estimated),
                Value::Bool(s.applied),
                Value::int(s.superseded_rows),
                Value::Usd(s.superseded),
            ]
        })
        .collect();
    Table::new(
        vec![
            Col::new("day", "Day (UTC)"),
            Col::new("provider", "Provider"),
            Col::new("model", "Model"),
            Col::new("log_rows", "Log calls"),
            Col::new("estimated_usd", "Estimated"),
            Col::new("bill_rows", "Bill rows"),
            Col::new("billed_usd", "Billed"),
            Col::new("factor", "Billed ÷ estimated"),
            Col::new("applied", "Scaled"),
            Col::optional("superseded_rows", "Token rows set aside"),
            Col::optional("superseded_usd", "Their estimate"),
        ],
        rows,
    )
}

/// What was read: agent log roots (as `costper sources`), repositories and PR exports.
fn inputs_table(ing: &Ingested, o: &Outcomes) -> Table {
    let sources = sources_table(ing);
    let pick = |name: &str| sources.columns.iter().position(|c| c.name == name);
    let (path, format, rows, cost) = (
        pick("path"),
        pick("format"),
        pick("accepted"),
        pick("cost_usd"),
    );
    let mut out: Vec<Vec<Value>> = sources
        .rows
        .iter()
        .map(|r| {
            let get = |i: Option<usize>| i.and_then(|i| r.get(i).cloned()).unwrap_or(Value::Null);
            vec![get(format), get(path), get(rows), get(cost)]
        })
        .collect();
    for r in &o.repos {
        let prs = o.prs.iter().filter(|p| p.repo == r.id).count();
        out.push(vec![
            Value::Str("git".into()),
            Value::Str(r.path.display().to_string()),
            Value::int(prs as u64),
            Value::Null,
        ]);
        for e in &r.exports {
            out.push(vec![
                Value::Str("pr_export".into()),
                Value::Str(e.display().to_string()),
                Value::Null,
                Value::Null,
            ]);
        }
    }
    Table::new(
        vec![
            Col::new("kind", "Kind"),
            Col::new("path", "Path"),
            Col::new("records", "Records / PRs"),
            Col::new("cost_usd", "Cost"),
        ],
        out,
    )
}

fn dim_of(v: ReportView) -> Option<Dim> {
    Some(match v {
        ReportView::Pr | ReportView::Waste => return None,
        ReportView::Model => Dim::Model,
        ReportView::Workflow => Dim::Workflow,
        ReportView::Repo => Dim::Repo,
        ReportView::Author => Dim::Author,
        ReportView::Branch => Dim::Branch,
        ReportView::Session => Dim::Session,
        ReportView::Day => Dim::Day,
        ReportView::Week => Dim::Week,
        ReportView::Month => Dim::Month,
    })
}

/// The waste finder's items (docs/waste.md).
fn waste_table(ctx: &Ctx, cx: &Context) -> Result<Table> {
    Ok(crate::attribute::waste::find(
        cx,
        &ctx.config.waste,
        &ctx.config.policies,
    )?)
}

/// Spend per day and model (`daily`: the HTML report's spend-over-time chart).
fn daily_table(cx: &Context) -> Result<Table> {
    let rows = views::cost_by(cx, &["day", "model"])?
        .into_iter()
        .map(|(k, cost, calls)| {
            let day = k[0]
                .as_deref()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map_or(Value::Null, Value::Date);
            vec![
                day,
                k[1].clone().map_or(Value::Null, Value::Str),
                Value::Usd(cost),
                Value::Int(calls),
            ]
        })
        .collect();
    Ok(Table::new(
        vec![
            Col::new("day", "Day"),
            Col::new("model", "Model"),
            Col::new("cost_usd", "Cost"),
            Col::new("requests", "Calls"),
        ],
        rows,
    ))
}

/// Upper bounds (USD) of the cost-per-PR buckets; fixed, so distributions compare over time.
const PR_BUCKETS: &[i64] = &[0, 1, 5, 10, 25, 50, 100, 250, 500];

/// How many PRs merged in the period fall in each cost bucket (`pr_distribution`).
fn distribution_table(prs: &Table) -> Table {
    let col = |n: &str| prs.columns.iter().position(|c| c.name == n);
    let (cost, merged) = (col("cost_usd"), col("merged_in_period"));
    let costs: Vec<i64> = prs
        .rows
        .iter()
        .filter(|r| merged.is_some_and(|i| r[i] == Value::Bool(true)))
        .filter_map(|r| match cost.map(|i| &r[i]) {
            Some(Value::Usd(c)) => Some(*c),
            _ => None,
        })
        .collect();
    let nano = |usd: i64| usd * 1_000_000_000;
    let mut rows = Vec::new();
    for (i, &lo) in PR_BUCKETS.iter().enumerate() {
        let hi = PR_BUCKETS.get(i + 1).copied();
        let n = costs
            .iter()
            .filter(|&&c| c >= nano(lo) && hi.is_none_or(|h| c < nano(h)))
            .count();
        let label = match hi {
            Some(h) => format!("${lo}–{h}"),
            None => format!("${lo}+"),
        };
        rows.push(vec![
            Value::Str(label),
            Value::Usd(nano(lo)),
            hi.map_or(Value::Null, |h| Value::Usd(nano(h))),
            Value::int(n as u64),
        ]);
    }
    Table::new(
        vec![
            Col::new("bucket", "Cost"),
            Col::new("from_usd", "From"),
            Col::new("to_usd", "Below"),
            Col::new("prs", "Merged PRs"),
        ],
        rows,
    )
}

/// Keeps the `n` rows with the highest `cost_usd` (ties: the earlier row), in the table's
/// order; a total row still covers every row, and a note says so.
fn keep_top(t: &mut Table, n: usize) {
    let total = t.rows.len();
    if total <= n {
        return;
    }
    let Some(c) = t.columns.iter().position(|c| c.name == "cost_usd") else {
        return;
    };
    let cost = |r: &Vec<Value>| match r.get(c) {
        Some(Value::Usd(v)) => *v,
        _ => i64::MIN,
    };
    let mut order: Vec<usize> = (0..total).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(cost(&t.rows[i])), i));
    let mut keep = vec![false; total];
    for &i in &order[..n] {
        keep[i] = true;
    }
    let mut i = 0;
    t.rows.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    let covered = if t.total.is_some() {
        "; the total covers all of them"
    } else {
        ""
    };
    t.notes.push(format!(
        "the {n} most expensive of {total} rows (--top){covered}"
    ));
}

/// The report document.
pub fn document(ctx: &Ctx, c: &Computed, args: &ReportArgs) -> Result<Doc> {
    let cx = c.context();
    if let Some(view) = args.by {
        let mut t = match dim_of(view) {
            Some(d) => views::dim_table(&cx, d)?,
            None if view == ReportView::Waste => waste_table(ctx, &cx)?,
            None => views::pr_table(&cx, None)?,
        };
        if let Some(n) = args.top.filter(|&n| n > 0) {
            keep_top(&mut t, n);
        }
        return Ok(Doc::Table(t));
    }
    let s = views::summary(&cx)?;
    let top = Some(args.top.unwrap_or(10)).filter(|&n| n > 0);
    let mut prs = views::pr_table(&cx, None)?;
    let distribution = distribution_table(&prs);
    if let Some(n) = top {
        prs.rows.truncate(n); // most expensive first
    }
    if let Some(n) = top
        && prs.rows.len() == n
    {
        prs.notes.push(format!(
            "the {n} most expensive PRs; --by pr lists them all"
        ));
    }
    Ok(Doc::Sections(vec![
        (
            "schema_version".into(),
            Section::Scalar(Value::Int(SCHEMA_VERSION)),
        ),
        ("period".into(), Section::Fields(period_fields(ctx, &s))),
        ("summary".into(), Section::Fields(summary_fields(&s))),
        (
            "by_model".into(),
            Section::Table(views::dim_table(&cx, Dim::Model)?),
        ),
        (
            "by_workflow".into(),
            Section::Table(views::dim_table(&cx, Dim::Workflow)?),
        ),
        ("daily".into(), Section::Data(daily_table(&cx)?)),
        ("prs".into(), Section::Table(prs)),
        ("pr_distribution".into(), Section::Table(distribution)),
        (
            "unattributed".into(),
            Section::Table(views::unattributed_table(&cx)?),
        ),
        ("waste".into(), Section::Table(waste_table(ctx, &cx)?)),
        (
            "reconciliation".into(),
            Section::Table(reconciliation_table(&c.ing)),
        ),
        ("warnings".into(), Section::Table(warnings_table(ctx))),
        (
            "inputs".into(),
            Section::Table(inputs_table(&c.ing, &c.outcomes)),
        ),
    ]))
}
