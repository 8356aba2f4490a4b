//! The normalized `usage` table as a polars `DataFrame` (SPEC §4): one row per priced unit,
//! money as `Int64` nano-USD (`cost`, null when unpriced), `ts` as `Datetime(μs, UTC)`,
//! tokens as `Int64`. Every later join and aggregation starts from this frame.

use std::fmt::Write as _;

use polars::prelude::*;

use super::{Ingested, UsageRecord};

fn strings<'a>(
    name: &str,
    records: &'a [UsageRecord],
    f: impl Fn(&'a UsageRecord) -> Option<&'a str>,
) -> Column {
    let mut b = StringChunkedBuilder::new(name.into(), records.len());
    for r in records {
        b.append_option(f(r));
    }
    b.finish().into_column()
}

/// A string column written through one reused buffer (no allocation per row).
fn formatted(name: &str, records: &[UsageRecord], f: impl Fn(&mut String, &UsageRecord)) -> Column {
    let mut b = StringChunkedBuilder::new(name.into(), records.len());
    let mut buf = String::new();
    for r in records {
        buf.clear();
        f(&mut buf, r);
        b.append_value(&buf);
    }
    b.finish().into_column()
}

// Numeric columns take their vector as it is (`from_vec`); `Column::new` on a vector copies
// it, a second fresh allocation per column that a 10M-row frame pays in page faults.
fn ints(name: &str, records: &[UsageRecord], f: impl Fn(&UsageRecord) -> u64) -> Column {
    let values: Vec<i64> = (records.iter())
        .map(|r| i64::try_from(f(r)).unwrap_or(i64::MAX))
        .collect();
    Int64Chunked::from_vec(name.into(), values).into_column()
}

fn bools(name: &str, records: &[UsageRecord], f: impl Fn(&UsageRecord) -> bool) -> Column {
    BooleanChunked::from_iter_values(name.into(), records.iter().map(f)).into_column()
}

fn datetimes(values: Int64Chunked) -> Column {
    values
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_column()
}

/// Column names of the usage table, in order.
pub const USAGE_COLUMNS: &[&str] = &[
    "record_id",
    "ts",
    "ts_end",
    "source",
    "provider",
    "model",
    "model_raw",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
    "web_search_requests",
    "total_tokens",
    "requests",
    "cost",
    "cost_basis",
    "session_id",
    "request_id",
    "actor",
    "api_key_id",
    "workspace",
    "project",
    "repo",
    "branch",
    "cwd",
    "machine",
    "workflow",
    "tags",
    "origin",
    "git_remote",
    "entrypoint",
    "agent_version",
    "is_sidechain",
    "fast",
    "long_context",
];

/// Builds the full `usage` frame.
pub fn usage_frame(ing: &Ingested) -> PolarsResult<DataFrame> {
    usage_frame_columns(ing, USAGE_COLUMNS)
}

/// Builds the `usage` frame with only `names` (in that order) — a query materializes the
/// columns it reads, nothing else; the columns are built in parallel. Unknown names are an
/// error.
pub fn usage_frame_columns(ing: &Ingested, names: &[&str]) -> PolarsResult<DataFrame> {
    use rayon::prelude::*;
    let columns = names
        .par_iter()
        .map(|name| {
            column(ing, name)
                .ok_or_else(|| polars_err!(ColumnNotFound: "`{name}` is not a usage column"))
        })
        .collect::<PolarsResult<Vec<Column>>>()?;
    DataFrame::new(ing.records.len(), columns)
}

fn column(ing: &Ingested, name: &str) -> Option<Column> {
    let r = &ing.records;
    Some(match name {
        "record_id" => formatted(name, r, |buf, x| {
            // same text as record_id_hex, without an allocation per row
            let _ = write!(buf, "{:032x}", x.record_id);
        }),
        "ts" => datetimes(Int64Chunked::from_vec(
            name.into(),
            r.iter().map(|x| x.ts).collect(),
        )),
        "ts_end" => datetimes(Int64Chunked::from_iter_options(
            name.into(),
            r.iter().map(|x| x.ts_end),
        )),
        "source" => strings(name, r, |x| Some(x.source.as_str())),
        "provider" => strings(name, r, |x| Some(&*x.provider)),
        "model" => strings(name, r, |x| Some(&*x.model)),
        "model_raw" => strings(name, r, |x| Some(&*x.model_raw)),
        "input_tokens" => ints(name, r, |x| x.tokens.input),
        "output_tokens" => ints(name, r, |x| x.tokens.output),
        "cache_read_tokens" => ints(name, r, |x| x.tokens.cache_read),
        "cache_write_5m_tokens" => ints(name, r, |x| x.tokens.cache_write_5m),
        "cache_write_1h_tokens" => ints(name, r, |x| x.tokens.cache_write_1h),
        "reasoning_tokens" => ints(name, r, |x| x.reasoning_tokens),
        "web_search_requests" => ints(name, r, |x| x.tokens.web_search_requests),
        "total_tokens" => ints(name, r, super::total_tokens),
        "requests" => ints(name, r, |x| x.requests),
        "cost" => {
            Int64Chunked::from_iter_options(name.into(), r.iter().map(|x| x.cost)).into_column()
        }
        "cost_basis" => strings(name, r, |x| x.cost_basis.map(|b| b.as_str())),
        "session_id" => strings(name, r, |x| x.session_id.as_deref()),
        "request_id" => strings(name, r, |x| x.request_id.as_deref()),
        "actor" => strings(name, r, |x| x.actor.as_deref()),
        "api_key_id" => strings(name, r, |x| x.api_key_id.as_deref()),
        "workspace" => strings(name, r, |x| x.workspace.as_deref()),
        "project" => strings(name, r, |x| x.project.as_deref()),
        "repo" => strings(name, r, |x| x.repo.as_deref()),
        "branch" => strings(name, r, |x| x.branch.as_deref()),
        "cwd" => strings(name, r, |x| x.cwd.as_deref()),
        "machine" => strings(name, r, |x| x.machine.as_deref()),
        "workflow" => strings(name, r, |x| x.workflow.as_deref()),
        "tags" => strings(name, r, |x| x.tags.as_deref()),
        "origin" => {
            let paths: Vec<String> = ing.files.iter().map(|p| p.display().to_string()).collect();
            formatted(name, r, |buf, x| {
                let _ = write!(buf, "{}:{}", paths[x.origin.file as usize], x.origin.line);
            })
        }
        "git_remote" => strings(name, r, |x| x.git_remote.as_deref()),
        "entrypoint" => strings(name, r, |x| x.entrypoint.as_deref()),
        "agent_version" => strings(name, r, |x| x.agent_version.as_deref()),
        "is_sidechain" => bools(name, r, |x| x.is_sidechain),
        "fast" => bools(name, r, |x| x.fast),
        "long_context" => bools(name, r, |x| x.long_context),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_column_can_be_built() {
        let ing = Ingested::default();
        let df = usage_frame(&ing).unwrap();
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(names, USAGE_COLUMNS);
        assert!(usage_frame_columns(&ing, &["nope"]).is_err());
    }
}
