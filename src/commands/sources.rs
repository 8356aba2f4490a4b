//! `costper sources`: what each input contributed — files, lines, accepted, duplicates,
//! ignored, rejected, incomplete, date range, cost — or, with `--rejected`, every refused line
//! with its file, line and reason. Covers everything read, whatever `--since/--until` say.

use std::collections::BTreeMap;

use anyhow::Result;

use super::Ctx;
use super::usage::add_total;
use crate::ExitStatus;
use crate::cli::SourcesArgs;
use crate::ingest::{Ingested, RootOrigin};
use crate::report::{Col, Doc, Table, Value};

pub fn run(ctx: &Ctx, args: &SourcesArgs) -> Result<ExitStatus> {
    let prices = ctx.prices()?;
    let ing = ctx.load(&prices)?;
    let table = if args.rejected {
        rejected_table(&ing)
    } else {
        sources_table(&ing)
    };
    ctx.emit(&Doc::Table(table))?;
    Ok(ExitStatus::Success)
}

/// One row per input root.
pub fn sources_table(ing: &Ingested) -> Table {
    let columns = vec![
        Col::new("path", "Path"),
        Col::new("format", "Format"),
        Col::new("found_by", "Found by"),
        Col::new("files", "Files"),
        Col::new("rows", "Lines"),
        Col::new("accepted", "Accepted"),
        Col::new("duplicates", "Duplicates"),
        Col::new("ignored", "Ignored"),
        Col::new("rejected", "Rejected"),
        Col::optional("rejected_reasons", "Rejected by reason"),
        Col::optional("incomplete", "Incomplete"),
        Col::new("first_ts", "First"),
        Col::new("last_ts", "Last"),
        Col::new("cost_usd", "Cost"),
        Col::new("currency", "Currency"),
        Col::optional("unpriced_requests", "Unpriced calls"),
    ];
    // rejections per input root and reason
    let mut reasons: Vec<BTreeMap<&str, u64>> = vec![BTreeMap::new(); ing.sources.len()];
    for r in &ing.rejects {
        let root = ing.root_of(r.origin);
        *reasons[root].entry(r.reason.as_str()).or_default() += 1;
    }
    let rows = ing
        .sources
        .iter()
        .zip(&reasons)
        .map(|(s, reasons)| {
            let found_by = match &s.origin {
                RootOrigin::Flag => "flag".to_string(),
                RootOrigin::Env(v) => format!("env {v}"),
                RootOrigin::Default => "default location".to_string(),
            };
            vec![
                Value::Str(s.path.display().to_string()),
                Value::Str(s.kind.as_str().into()),
                Value::Str(found_by),
                Value::int(s.files),
                Value::int(s.rows),
                Value::int(s.accepted),
                Value::int(s.duplicates),
                Value::int(s.ignored),
                Value::int(s.rejected),
                Value::List(reasons.iter().map(|(r, n)| format!("{r}: {n}")).collect()),
                Value::int(s.incomplete),
                Value::opt_ts(s.first_ts),
                Value::opt_ts(s.last_ts),
                // unknown only when there are records and none of them is priced
                if s.accepted > 0 && s.priced == 0 {
                    Value::Null
                } else {
                    Value::Usd(s.cost)
                },
                Value::Str("USD".into()),
                Value::int(s.unpriced_requests),
            ]
        })
        .collect();
    let mut t = Table {
        columns,
        rows,
        total: None,
        notes: vec![
            "lines = accepted + duplicates + ignored + rejected + incomplete; \
             `costper sources --rejected` lists rejected lines"
                .into(),
        ],
    };
    add_total(&mut t, 3);
    t
}

/// One row per rejected line.
pub fn rejected_table(ing: &Ingested) -> Table {
    let columns = vec![
        Col::new("path", "Path"),
        Col::new("line", "Line"),
        Col::new("reason", "Reason"),
        Col::new("detail", "Detail"),
    ];
    let rows = ing
        .rejects
        .iter()
        .map(|r| {
            vec![
                Value::Str(ing.path_of(r.origin).display().to_string()),
                Value::int(r.origin.line),
                Value::Str(r.reason.as_str().into()),
                Value::Str(r.detail.clone()),
            ]
        })
        .collect();
    Table::new(columns, rows)
}
