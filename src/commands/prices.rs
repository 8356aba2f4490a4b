//! `costper prices [MODEL]`: the price table (one row per model, prices in USD per million
//! tokens) or, for one model name, how it resolves and every price period that applies to it.

use anyhow::{Result, bail};
use chrono::{Days, NaiveDate};

use super::Ctx;
use crate::ExitStatus;
use crate::cli::PricesArgs;
use crate::money::format_per_mtok;
use crate::pricing::{ModelPrice, Period, PriceOrigin, PriceTable, normalize_model_name};
use crate::report::{Col, Doc, Section, Table, Value};

pub fn run(ctx: &Ctx, args: &PricesArgs) -> Result<ExitStatus> {
    let table = ctx.prices()?;
    let doc = match &args.model {
        Some(name) => model_doc(&table, name)?,
        None => Doc::Table(list_table(&table, args.provider.as_deref(), args.date)),
    };
    ctx.emit(&doc)?;
    Ok(ExitStatus::Success)
}

fn rate(v: i64) -> Value {
    Value::Num(format_per_mtok(v))
}

/// The base rates and the long-context tier: columns shared by both views.
fn rate_columns() -> Vec<Col> {
    vec![
        Col::new("input_usd_per_mtok", "Input"),
        Col::new("output_usd_per_mtok", "Output"),
        Col::new("cache_read_usd_per_mtok", "Cache read"),
        Col::new("cache_write_5m_usd_per_mtok", "Write 5m"),
        Col::new("cache_write_1h_usd_per_mtok", "Write 1h"),
        Col::new("long_context_threshold", "Long ctx >"),
        Col::new("long_context_input_usd_per_mtok", "LC input"),
        Col::new("long_context_output_usd_per_mtok", "LC output"),
    ]
}

fn rate_values(p: &Period) -> Vec<Value> {
    let lc = p.long_context.as_ref();
    vec![
        rate(p.rates.input),
        rate(p.rates.output),
        rate(p.rates.cache_read),
        rate(p.rates.cache_write_5m),
        rate(p.rates.cache_write_1h),
        lc.map_or(Value::Null, |l| Value::int(l.threshold)),
        lc.map_or(Value::Null, |l| rate(l.rates.input)),
        lc.map_or(Value::Null, |l| rate(l.rates.output)),
    ]
}

fn fast_multiplier(m: &ModelPrice) -> Value {
    // thousandths → the same digits as a nano-USD amount scaled by 10^6
    m.fast_multiplier_milli
        .map_or(Value::Null, |f| Value::Num(format_per_mtok(f * 1_000_000)))
}

fn origin_text(m: &ModelPrice) -> String {
    match &m.origin {
        PriceOrigin::Bundled => "bundled".into(),
        PriceOrigin::File(p) => p.display().to_string(),
    }
}

fn list_table(table: &PriceTable, provider: Option<&str>, date: Option<NaiveDate>) -> Table {
    let mut columns = vec![
        Col::new("model", "Model"),
        Col::new("provider", "Provider"),
        Col::new("from", "From"),
    ];
    columns.extend(rate_columns());
    columns.extend([
        Col::new("fast_multiplier", "Fast ×"),
        Col::new("periods", "Periods"),
        Col::new("source", "Source"),
    ]);
    let rows = table
        .models
        .iter()
        .filter(|m| provider.is_none_or(|p| m.provider.eq_ignore_ascii_case(p)))
        .map(|m| {
            let p = match date {
                Some(d) => m.period_on(d),
                None => m.periods.last().unwrap_or(&m.periods[0]),
            };
            let mut row = vec![
                Value::Str(m.id.clone()),
                Value::Str(m.provider.clone()),
                p.from.map_or(Value::Null, Value::Date),
            ];
            row.extend(rate_values(p));
            row.extend([
                fast_multiplier(m),
                Value::int(m.periods.len() as u64),
                Value::Str(if m.origin == PriceOrigin::Bundled {
                    p.source.clone()
                } else {
                    origin_text(m)
                }),
            ]);
            row
        })
        .collect();
    let when = match date {
        Some(d) => format!("in force on {d}"),
        None => "latest period of each model".into(),
    };
    Table {
        columns,
        rows,
        total: None,
        notes: vec![format!(
            "USD per million tokens, {when}; bundled table as of {} (sources: {}); \
             `costper prices MODEL` shows every period",
            table.as_of,
            table
                .sources
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )],
    }
}

fn period_row(p: &Period, next: Option<&Period>) -> Vec<Value> {
    let until = next
        .and_then(|n| n.from)
        .and_then(|d| d.checked_sub_days(Days::new(1)));
    let lc = p.long_context.as_ref();
    let mut row = vec![
        p.from.map_or(Value::Null, Value::Date),
        until.map_or(Value::Null, Value::Date),
    ];
    row.extend(rate_values(p));
    row.extend([
        lc.map_or(Value::Null, |l| rate(l.rates.cache_read)),
        lc.map_or(Value::Null, |l| rate(l.rates.cache_write_5m)),
        lc.map_or(Value::Null, |l| rate(l.rates.cache_write_1h)),
        // femto-USD per request → USD per 1000 requests = femto / 1e12
        if p.web_search_per_request > 0 {
            Value::Num(format_per_mtok(p.web_search_per_request / 1_000))
        } else {
            Value::Null
        },
        p.batch.map_or(Value::Null, |b| rate(b.input)),
        p.batch.map_or(Value::Null, |b| rate(b.output)),
        Value::Str(p.source.clone()),
    ]);
    row
}

fn model_doc(table: &PriceTable, name: &str) -> Result<Doc> {
    let Some(res) = table.resolve(name) else {
        let norm = normalize_model_name(name, true);
        let stem: String = norm.split('-').take(2).collect::<Vec<_>>().join("-");
        let similar: Vec<&str> = table
            .models
            .iter()
            .filter(|m| !stem.is_empty() && normalize_model_name(&m.id, true).starts_with(&stem))
            .map(|m| m.id.as_str())
            .take(8)
            .collect();
        let hint = if similar.is_empty() {
            String::new()
        } else {
            format!("; similar: {}", similar.join(", "))
        };
        bail!(
            "no price for model `{name}`{hint}. Usage of it is reported as unpriced; add a price \
             with --prices FILE (LiteLLM JSON or costper TOML, see docs/pricing.md)"
        );
    };
    let m = &table.models[res.model];
    let fields = vec![
        (Col::new("input", "Name"), Value::Str(name.to_string())),
        (Col::new("model", "Model"), Value::Str(m.id.clone())),
        (
            Col::new("match", "Matched by"),
            Value::Str(res.how.describe()),
        ),
        (
            Col::new("provider", "Provider"),
            Value::Str(m.provider.clone()),
        ),
        (
            Col::new("origin", "Prices from"),
            Value::Str(origin_text(m)),
        ),
        (
            Col::new("aliases", "Aliases"),
            Value::List(m.aliases.clone()),
        ),
        (
            Col::new("fast_multiplier", "Fast mode ×"),
            fast_multiplier(m),
        ),
    ];
    let mut columns = vec![Col::new("from", "From"), Col::new("until", "Until")];
    columns.extend(rate_columns());
    columns.extend([
        Col::new("long_context_cache_read_usd_per_mtok", "LC read"),
        Col::new("long_context_cache_write_5m_usd_per_mtok", "LC write 5m"),
        Col::new("long_context_cache_write_1h_usd_per_mtok", "LC write 1h"),
        Col::new("web_search_usd_per_1k", "Web search /1k"),
        Col::new("batch_input_usd_per_mtok", "Batch input"),
        Col::new("batch_output_usd_per_mtok", "Batch output"),
        Col::new("source", "Source"),
    ]);
    let rows = m
        .periods
        .iter()
        .enumerate()
        .map(|(i, p)| period_row(p, m.periods.get(i + 1)))
        .collect();
    let periods = Table {
        columns,
        rows,
        total: None,
        notes: vec![
            "USD per million tokens. Long context: when a request's prompt (input + cache reads + \
             cache writes) exceeds the threshold, the whole request is billed at the LC rates."
                .into(),
        ],
    };
    Ok(Doc::Sections(vec![
        ("resolution".into(), Section::Fields(fields)),
        ("periods".into(), Section::Table(periods)),
    ]))
}
