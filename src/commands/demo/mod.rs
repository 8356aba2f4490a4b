//! `costper demo`: a synthetic organisation generated at run time into a temporary
//! directory — two git repositories with merge, squash, reverted and abandoned PRs and their
//! `gh pr list` exports, agent transcripts from a developer's machine (Claude Code sessions
//! with subagents and commits, a Codex session), a session outside any repository, an
//! Anthropic cost report for one day, and the `costper.toml` that ties them together — then
//! the full `costper report` on it. Same bytes on every run; nothing to install.
//! `--keep DIR` leaves the inputs in DIR, where `costper report --config DIR/costper.toml`
//! gives the same report.

mod logs;
mod repos;

use std::path::Path;

use anyhow::{Context as _, Result};

use super::Ctx;
use super::report::{compute, document};
use crate::ExitStatus;
use crate::cli::{DemoArgs, ReportArgs};
use crate::ingest::{self, Env, LoadOptions, SourceKind};
use crate::report::{Doc, Section, Value};

pub use logs::Rng;

/// The day the demo's cost report covers, and how much the bill exceeds the logs' estimate
/// (real logs miss calls: retries, other machines) in percent.
const BILLED_DAY: u32 = 6;
const BILL_PERCENT: i64 = 107;

const CONFIG: &str = r#"# The demo organisation (written by `costper demo`).
[sources]
claude = ["claude/projects"]
codex = ["codex/sessions"]
exports = ["exports/anthropic-cost-2026-10.json"]

# The transcripts come from a developer's laptop: /home/dev/… there.
[[repo]]
path = "repos/acme-api"
paths = ["/home/*/acme-api"]
prs = ["exports/acme-api-prs.json"]

[[repo]]
path = "repos/acme-web"
paths = ["/home/*/acme-web"]
prs = ["exports/acme-web-prs.json"]

[[workflow]]
name = "dependency-updates"
branch = "chore/*"
"#;

/// Writes Anthropic's cost report for 2026-10-06: per model, the transcripts' estimate of
/// that day plus [`BILL_PERCENT`], in cents as the API writes them.
fn bill(ctx: &Ctx, root: &Path, claude: &Path) -> Result<()> {
    let prices = ctx.prices()?;
    let opts = LoadOptions {
        claude: vec![claude.to_path_buf()],
        env: Env::default(),
        ..LoadOptions::default()
    };
    let ing = ingest::load(&opts, &prices)?;
    let day = format!("2026-10-{BILLED_DAY:02}");
    let mut per_model: std::collections::BTreeMap<&str, i64> = Default::default();
    for r in &ing.records {
        let d = chrono::DateTime::from_timestamp_micros(r.ts)
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        if d == day && r.source == SourceKind::ClaudeCode {
            *per_model.entry(&r.model).or_default() += r.cost.unwrap_or(0);
        }
    }
    let results: Vec<serde_json::Value> = per_model
        .iter()
        .map(|(model, nano)| {
            let billed = nano * BILL_PERCENT / 100;
            // nano-USD → cents with 7 decimals
            let cents = format!("{}.{:07}", billed / 10_000_000, billed % 10_000_000);
            serde_json::json!({"currency": "USD", "amount": cents, "workspace_id": null,
                "description": format!("{model} usage"), "cost_type": "tokens",
                "context_window": "0-200k", "model": model, "service_tier": "standard",
                "token_type": null, "inference_geo": null})
        })
        .collect();
    let report = serde_json::json!({"data": [{"starting_at": format!("{day}T00:00:00Z"),
        "ending_at": format!("2026-10-{:02}T00:00:00Z", BILLED_DAY + 1), "results": results}],
        "has_more": false, "next_page": null});
    std::fs::write(
        root.join("exports/anthropic-cost-2026-10.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    Ok(())
}

/// Writes every demo input under `root`.
pub fn generate(ctx: &Ctx, root: &Path) -> Result<()> {
    let links = repos::generate(root)?;
    let (claude, _codex) = logs::generate(root, [&links[0], &links[1]])?;
    bill(ctx, root, &claude)?;
    std::fs::write(root.join("costper.toml"), CONFIG)
        .with_context(|| format!("cannot write {}", root.display()))?;
    Ok(())
}

/// Shows paths inside the demo directory relative to it (they differ on every run).
fn relative(doc: &mut Doc, root: &Path) {
    let prefix = format!("{}/", root.display());
    let fix = |v: &mut Value| {
        if let Value::Str(s) = v
            && s.contains(&prefix)
        {
            *s = s.replace(&prefix, "");
        }
    };
    let tables: Vec<&mut crate::report::Table> = match doc {
        Doc::Table(t) => vec![t],
        Doc::Sections(s) => s
            .iter_mut()
            .filter_map(|(_, sec)| match sec {
                Section::Table(t) | Section::Data(t) => Some(t),
                _ => None,
            })
            .collect(),
    };
    for t in tables {
        t.rows.iter_mut().flatten().for_each(fix);
        for n in &mut t.notes {
            *n = n.replace(&prefix, "");
        }
    }
}

pub fn run(ctx: &Ctx, args: &DemoArgs) -> Result<ExitStatus> {
    let tmp;
    let root = match &args.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            std::fs::canonicalize(dir)?
        }
        None => {
            tmp = tempfile::Builder::new().prefix("costper-demo-").tempdir()?;
            std::fs::canonicalize(tmp.path())?
        }
    };
    generate(ctx, &root)?;
    if args.keep.is_some() {
        ctx.diag.note(&format!(
            "demo inputs written to {}; the same report: costper report --config {}",
            root.display(),
            root.join("costper.toml").display()
        ));
    }
    // the report, from the demo's config alone
    let mut a = ctx.args.clone();
    a.config = Some(root.join("costper.toml"));
    a.claude.clear();
    a.codex.clear();
    a.export.clear();
    a.repo.clear();
    a.prs.clear();
    a.prs_after_repo.clear();
    let demo = Ctx::new(a)?;
    let computed = compute(&demo)?;
    let mut doc = document(
        &demo,
        &computed,
        &ReportArgs {
            by: args.by,
            top: args.top,
        },
    )?;
    relative(&mut doc, &root);
    demo.emit(&doc)?;
    Ok(ExitStatus::Success)
}
