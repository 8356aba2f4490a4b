//! `costper usage`: spend and tokens from agent logs grouped by day, week, month, model,
//! session, project or source (several at once: `--by day,model`). No git needed.

use std::collections::HashMap;

use anyhow::Result;

use super::Ctx;
use crate::ExitStatus;
use crate::cli::UsageArgs;
use crate::ingest::frame::usage_frame_columns;
use crate::report::frame::{UsageDim, UsageQuery, usage_view, usage_view_columns};
use crate::report::{Col, Doc, Table, Value};

pub fn run(ctx: &Ctx, args: &UsageArgs) -> Result<ExitStatus> {
    let prices = ctx.prices()?;
    let ing = ctx.load(&prices)?;
    let table = usage_table(ctx, &ing, &args.by)?;
    ctx.emit(&Doc::Table(table))?;
    Ok(ExitStatus::Success)
}

/// The usage view of `ing` by `dims`, with a total row and notes.
pub fn usage_table(
    ctx: &Ctx,
    ing: &crate::ingest::Ingested,
    requested: &[UsageDim],
) -> Result<Table> {
    let mut dims: Vec<UsageDim> = Vec::new();
    for d in dims_or_default(requested) {
        if !dims.contains(&d) {
            dims.push(d);
        }
    }
    let clock = std::time::Instant::now();
    let df = usage_frame_columns(ing, &usage_view_columns(&dims))?;
    ctx.diag.timing("usage frame", clock.elapsed());
    let clock = std::time::Instant::now();
    let q = UsageQuery {
        dims: dims.clone(),
        tz: ctx.tz.clone(),
        since: ctx.args.since,
        until: ctx.args.until,
    };
    let mut table = usage_view(&df, &q)?;
    ctx.diag.timing("aggregate", clock.elapsed());
    if dims.contains(&UsageDim::Session) {
        add_commits(&mut table, ing);
    }
    add_total(&mut table, dims.len());
    let unpriced: i64 = column_sum(&table, "unpriced_requests");
    if unpriced > 0 {
        table.notes.push(format!(
            "{unpriced} call(s) have no price (unknown model): their tokens are counted, their \
             cost is not included; see the warnings above"
        ));
    }
    if table.rows.is_empty() {
        table
            .notes
            .push("no usage in the selected period and inputs".to_string());
    }
    Ok(table)
}

/// Adds the commits each session made (abbreviated shas seen in `git commit` output), the
/// link later used to attribute the session's spend to pull requests.
fn add_commits(table: &mut Table, ing: &crate::ingest::Ingested) {
    let mut by_session: HashMap<&str, Vec<String>> = HashMap::new();
    for l in &ing.commit_links {
        by_session
            .entry(&*l.session_id)
            .or_default()
            .push(l.sha.clone());
    }
    let Some(si) = table.columns.iter().position(|c| c.name == "session") else {
        return;
    };
    let at = table
        .columns
        .iter()
        .position(|c| c.name == "models")
        .unwrap_or(table.columns.len());
    table
        .columns
        .insert(at, Col::optional("commits", "Commits"));
    for row in &mut table.rows {
        let shas = match &row[si] {
            Value::Str(s) => by_session.get(s.as_str()).cloned().unwrap_or_default(),
            _ => Vec::new(),
        };
        row.insert(at, Value::List(shas));
    }
}

fn dims_or_default(dims: &[UsageDim]) -> Vec<UsageDim> {
    if dims.is_empty() {
        vec![UsageDim::Day]
    } else {
        dims.to_vec()
    }
}

fn column_sum(t: &Table, name: &str) -> i64 {
    let Some(i) = t.columns.iter().position(|c| c.name == name) else {
        return 0;
    };
    t.rows
        .iter()
        .map(|r| match r[i] {
            Value::Int(n) => n,
            _ => 0,
        })
        .sum()
}

/// A total row: integer and money columns summed, the first column labelled `Total`.
/// Money stays null when no row is priced.
pub fn add_total(t: &mut Table, label_columns: usize) {
    if t.rows.is_empty() {
        return;
    }
    let mut total = vec![Value::Null; t.columns.len()];
    for (i, slot) in total.iter_mut().enumerate() {
        if i < label_columns {
            continue;
        }
        let mut ints: Option<i64> = None;
        let mut usd: Option<i64> = None;
        for r in &t.rows {
            match r[i] {
                Value::Int(n) => ints = Some(ints.unwrap_or(0).saturating_add(n)),
                Value::Usd(n) => usd = Some(usd.unwrap_or(0).saturating_add(n)),
                _ => {}
            }
        }
        *slot = match (usd, ints) {
            (Some(u), _) => Value::Usd(u),
            (None, Some(n)) => Value::Int(n),
            _ => Value::Null,
        };
    }
    total[0] = Value::Str("Total".into());
    t.total = Some(total);
}
