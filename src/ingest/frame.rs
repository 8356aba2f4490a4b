//! The normalized `usage` table as a polars `DataFrame` (SPEC §4): one row per priced unit,
//! money as `Int64` nano-USD (`cost`, null when unpriced), `ts` as `Datetime(μs, UTC)`,
//! tokens as `Int64`. Every later join and aggregation starts from this frame.

use polars::prelude::*;

use super::{Ingested, UsageRecord};

fn strings<'a>(
    name: &str,
    records: &'a [UsageRecord],
    f: impl Fn(&'a UsageRecord) -> Option<&'a str>,
) -> Column {
    Column::new(name.into(), records.iter().map(f).collect::<Vec<_>>())
}

fn ints(name: &str, records: &[UsageRecord], f: impl Fn(&UsageRecord) -> u64) -> Column {
    Column::new(
        name.into(),
        records
            .iter()
            .map(|r| i64::try_from(f(r)).unwrap_or(i64::MAX))
            .collect::<Vec<i64>>(),
    )
}

fn bools(name: &str, records: &[UsageRecord], f: impl Fn(&UsageRecord) -> bool) -> Column {
    Column::new(name.into(), records.iter().map(f).collect::<Vec<bool>>())
}

fn datetimes(name: &str, values: Vec<Option<i64>>) -> Column {
    Int64Chunked::from_iter_options(name.into(), values.into_iter())
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

/// Builds the `usage` frame.
pub fn usage_frame(ing: &Ingested) -> PolarsResult<DataFrame> {
    let r = &ing.records;
    let origins: Vec<String> = r
        .iter()
        .map(|x| format!("{}:{}", ing.path_of(x.origin).display(), x.origin.line))
        .collect();
    let columns = vec![
        strings("record_id", r, |x| Some(&x.record_id)),
        datetimes("ts", r.iter().map(|x| Some(x.ts)).collect()),
        datetimes("ts_end", r.iter().map(|x| x.ts_end).collect()),
        strings("source", r, |x| Some(x.source.as_str())),
        strings("provider", r, |x| Some(&x.provider)),
        strings("model", r, |x| Some(&x.model)),
        strings("model_raw", r, |x| Some(&x.model_raw)),
        ints("input_tokens", r, |x| x.tokens.input),
        ints("output_tokens", r, |x| x.tokens.output),
        ints("cache_read_tokens", r, |x| x.tokens.cache_read),
        ints("cache_write_5m_tokens", r, |x| x.tokens.cache_write_5m),
        ints("cache_write_1h_tokens", r, |x| x.tokens.cache_write_1h),
        ints("reasoning_tokens", r, |x| x.reasoning_tokens),
        ints("web_search_requests", r, |x| x.tokens.web_search_requests),
        ints("total_tokens", r, super::total_tokens),
        ints("requests", r, |x| x.requests),
        Column::new("cost".into(), r.iter().map(|x| x.cost).collect::<Vec<_>>()),
        strings("cost_basis", r, |x| x.cost_basis.map(|b| b.as_str())),
        strings("session_id", r, |x| x.session_id.as_deref()),
        strings("request_id", r, |x| x.request_id.as_deref()),
        strings("actor", r, |x| x.actor.as_deref()),
        strings("api_key_id", r, |x| x.api_key_id.as_deref()),
        strings("workspace", r, |x| x.workspace.as_deref()),
        strings("project", r, |x| x.project.as_deref()),
        strings("repo", r, |x| x.repo.as_deref()),
        strings("branch", r, |x| x.branch.as_deref()),
        strings("cwd", r, |x| x.cwd.as_deref()),
        strings("machine", r, |x| x.machine.as_deref()),
        strings("workflow", r, |x| x.workflow.as_deref()),
        strings("tags", r, |x| x.tags.as_deref()),
        Column::new("origin".into(), origins),
        strings("git_remote", r, |x| x.git_remote.as_deref()),
        strings("entrypoint", r, |x| x.entrypoint.as_deref()),
        strings("agent_version", r, |x| x.agent_version.as_deref()),
        bools("is_sidechain", r, |x| x.is_sidechain),
        bools("fast", r, |x| x.fast),
        bools("long_context", r, |x| x.long_context),
    ];
    DataFrame::new(r.len(), columns)
}
