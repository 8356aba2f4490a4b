//! `costper ingest --archive DIR`: appends what the inputs hold and the archive does not to
//! the archive (docs/archive.md) — records as read, before reconciliation, each labelled
//! with the machine — and remembers which input files it read, so the next run skips the
//! unchanged ones. Prints what it did: files read and skipped, records new and already
//! archived, files written.

use anyhow::Result;

use super::Ctx;
use crate::ExitStatus;
use crate::cli::IngestArgs;
use crate::ingest::Text;
use crate::ingest::archive;
use crate::report::{Col, Doc, Table, Value};

/// This machine's name: `--machine`, else the host name, else `default`.
fn machine_name(args: &IngestArgs) -> String {
    if let Some(m) = &args.machine {
        return m.clone();
    }
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "default".into())
}

pub fn run(ctx: &Ctx, args: &IngestArgs) -> Result<ExitStatus> {
    let Some(dir) = ctx.archive() else {
        return Err(crate::UsageError(
            "ingest needs --archive DIR (or `archive` in costper.toml)".into(),
        )
        .into());
    };
    std::fs::create_dir_all(&dir)?;
    let machine = machine_name(args);
    let mut seen = archive::load_seen(&dir, &machine);
    let prices = ctx.prices()?;
    let mut opts = ctx.load_options()?;
    opts.archive = None;
    opts.raw = true;
    opts.unchanged = Some(seen.clone());
    let mut ing = ctx.load_with(&opts, &prices)?;
    let (have, skipped) = archive::ids(&dir);
    for (p, why) in &skipped {
        ctx.warn(&format!(
            "{} is not a readable costper archive file ({why}); it was skipped",
            p.display()
        ));
    }
    let label = Text::from(machine.as_str());
    for r in &mut ing.records {
        if r.machine.is_none() {
            r.machine = Some(label.clone());
        }
    }
    let paths: Vec<String> = ing.files.iter().map(|p| p.display().to_string()).collect();
    let written = archive::write(&dir, &ing.records, &ing.commit_links, &have, &paths)?;
    // remember the files read, so the next run skips them while they stay unchanged
    for (p, text) in ing.files.iter().zip(&paths) {
        if let Some(stamp) = archive::stamp(p) {
            seen.insert(text.clone(), stamp);
        }
    }
    archive::save_seen(&dir, &machine, &seen)?;
    let read = ing.records.len() as u64;
    let rows = vec![
        ("archive", Value::Str(dir.display().to_string())),
        ("machine", Value::Str(machine)),
        ("files_read", Value::int(ing.files.len() as u64)),
        ("files_unchanged", Value::int(ing.unchanged_files)),
        ("records_read", Value::int(read)),
        ("records_new", Value::int(written.records)),
        (
            "records_archived_before",
            Value::int(read - written.records),
        ),
        ("commit_links", Value::int(ing.commit_links.len() as u64)),
        ("files_written", Value::int(written.files.len() as u64)),
    ];
    let table = Table::new(
        rows.iter()
            .map(|(k, _)| Col::new(k, &k.replace('_', " ")))
            .collect(),
        vec![rows.into_iter().map(|(_, v)| v).collect()],
    );
    ctx.emit(&Doc::Table(table))?;
    Ok(ExitStatus::Success)
}
