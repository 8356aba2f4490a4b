//! `costper whatif`: the report's usage re-priced with other models (docs/waste.md) —
//! `--swap A=B` (several allowed; `A` may be a pattern), limited to a workflow or a
//! repository, or a policy file of swaps applied as a whole — with savings per workflow, per
//! model and per PR, and the share of merged PRs the swaps touch.

use anyhow::{Context as _, Result};
use serde::Deserialize;

use super::Ctx;
use super::report::compute;
use crate::ExitStatus;
use crate::attribute::whatif::{self, Swap};
use crate::cli::{WhatifArgs, WhatifView};
use crate::pricing::PriceTable;
use crate::report::{Doc, Section};

/// A policy file: `[[swap]]` tables with `from`, `to`, and optional `workflow`, `repo`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    swap: Vec<PolicySwap>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySwap {
    from: String,
    to: String,
    workflow: Option<String>,
    repo: Option<String>,
}

fn target(prices: &PriceTable, name: &str, what: &str) -> Result<(usize, String)> {
    match prices.resolve(name) {
        Some(r) => Ok((r.model, prices.models[r.model].id.clone())),
        None => Err(crate::UsageError(format!(
            "{what}: `{name}` is not a model costper has prices for (see `costper prices`)"
        ))
        .into()),
    }
}

fn swaps(ctx: &Ctx, a: &WhatifArgs, prices: &PriceTable) -> Result<Vec<Swap>> {
    let mut out = Vec::new();
    for s in &a.swap {
        let Some((from, to)) = s.split_once('=') else {
            return Err(crate::UsageError(format!(
                "--swap {s}: write MODEL_A=MODEL_B (e.g. claude-opus-4-6=claude-sonnet-4-5)"
            ))
            .into());
        };
        let (to, to_name) = target(prices, to.trim(), &format!("--swap {s}"))?;
        out.push(Swap {
            from: from.trim().to_string(),
            to,
            to_name,
            workflow: a.workflow.clone(),
            repo: a.in_repo.clone(),
        });
    }
    if let Some(p) = &a.policy {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the policy file {}", p.display()))?;
        let file: PolicyFile = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!("policy file {}: {}", p.display(), e.to_string().trim_end())
        })?;
        for (i, s) in file.swap.iter().enumerate() {
            let (to, to_name) = target(
                prices,
                &s.to,
                &format!("policy file {}: `swap[{i}].to`", p.display()),
            )?;
            out.push(Swap {
                from: s.from.clone(),
                to,
                to_name,
                workflow: s.workflow.clone(),
                repo: s.repo.clone(),
            });
        }
    }
    if out.is_empty() {
        return Err(crate::UsageError(
            "nothing to swap: give --swap MODEL_A=MODEL_B or --policy FILE".into(),
        )
        .into());
    }
    ctx.diag.detail(&format!("{} swap(s)", out.len()));
    Ok(out)
}

pub fn run(ctx: &Ctx, a: &WhatifArgs) -> Result<ExitStatus> {
    let prices = ctx.prices()?;
    let swaps = swaps(ctx, a, &prices)?;
    let c = compute(ctx)?;
    let cx = c.context();
    let r = whatif::reprice(&cx, &prices, &swaps)?;
    let prs = whatif::by_pr(&cx, &r)?;
    let doc = match a.by {
        Some(WhatifView::Workflow) => Doc::Table(whatif::by_dim(&r, "workflow")?),
        Some(WhatifView::Model) => Doc::Table(whatif::by_dim(&r, "model")?),
        Some(WhatifView::Repo) => Doc::Table(whatif::by_dim(&r, "repo")?),
        Some(WhatifView::Pr) => Doc::Table(prs),
        None => {
            let summary = whatif::summary(&cx, &r, &prs)?;
            let mut by_model = whatif::by_dim(&r, "model")?;
            by_model.notes.push(
                "same tokens at the new model's list prices; each call keeps its cost's ratio \
                 to list price (billed and reconciled costs stay on their basis)"
                    .into(),
            );
            Doc::Sections(vec![
                ("summary".into(), Section::Fields(summary)),
                (
                    "by_workflow".into(),
                    Section::Table(whatif::by_dim(&r, "workflow")?),
                ),
                ("by_model".into(), Section::Table(by_model)),
                ("prs".into(), Section::Table(prs)),
            ])
        }
    };
    ctx.emit(&doc)?;
    Ok(ExitStatus::Success)
}
