//! `costper prs`: outcomes only — merged PRs and how they landed, AI-assisted share by agent,
//! cycle and lead times, reverts — from git history and optional PR exports. `--since/--until`
//! select PRs by their event day (merge, close, or creation for open PRs) and commits by
//! commit day.

use std::collections::BTreeSet;

use anyhow::Result;

use super::Ctx;
use crate::cli::{PrsArgs, PrsView};
use crate::outcomes::frame::{commits_frame, pr_markers_frame, prs_frame};
use crate::outcomes::{Outcomes, Pr};
use crate::report::frame::{agent_table, commit_counts, pr_figures, prs_in_period};
use crate::report::{Col, Doc, Section, Table, Value};
use crate::{ExitStatus, UsageError};

pub fn run(ctx: &Ctx, args: &PrsArgs) -> Result<ExitStatus> {
    if ctx.repo_paths().is_empty() {
        return Err(UsageError(
            "costper prs needs --repo PATH (a git work tree or bare clone; repeatable) or \
             [[repo]] entries in costper.toml"
                .into(),
        )
        .into());
    }
    let o = ctx.outcomes(args.stats)?;
    let prs_df = prs_frame(&o)?;
    let kept_df = prs_in_period(&prs_df, &ctx.tz, ctx.args.since, ctx.args.until)?;
    let keep: BTreeSet<(String, u64)> = {
        let repos = kept_df.column("repo")?.str()?;
        let numbers = kept_df.column("number")?.i64()?;
        (0..kept_df.height())
            .filter_map(|i| {
                Some((
                    repos.get(i)?.to_string(),
                    u64::try_from(numbers.get(i)?).ok()?,
                ))
            })
            .collect()
    };
    let kept: Vec<&Pr> = o
        .prs
        .iter()
        .filter(|p| keep.contains(&(p.repo.to_string(), p.number)))
        .collect();
    let doc = match args.by {
        Some(PrsView::Pr) => Doc::Table(pr_table(&kept)),
        Some(PrsView::Commit) => Doc::Table(commit_table(ctx, &o)?),
        Some(PrsView::Agent) => Doc::Table(agent_table(&kept_df, &pr_markers_frame(&o)?)?),
        Some(PrsView::Repo) => Doc::Table(repo_table(&o)),
        None => Doc::Sections(vec![
            (
                "summary".into(),
                Section::Fields(summary(ctx, &o, &kept_df)?),
            ),
            (
                "ai_agents".into(),
                Section::Table(agent_table(&kept_df, &pr_markers_frame(&o)?)?),
            ),
            ("repos".into(), Section::Table(repo_table(&o))),
            ("prs".into(), Section::Table(pr_table(&kept))),
            (
                "disagreements".into(),
                Section::Table(disagreement_table(&o)),
            ),
        ]),
    };
    ctx.emit(&doc)?;
    Ok(ExitStatus::Success)
}

fn hours(h: Option<f64>) -> Value {
    h.map_or(Value::Null, |h| Value::Num(format!("{h:.2}")))
}

fn share(part: i64, whole: i64) -> Value {
    if whole > 0 {
        Value::Share(part as f64 / whole as f64)
    } else {
        Value::Null
    }
}

fn summary(
    ctx: &Ctx,
    o: &Outcomes,
    kept: &polars::prelude::DataFrame,
) -> Result<Vec<(Col, Value)>> {
    let f = pr_figures(kept)?;
    let c = commit_counts(&commits_frame(o)?, &ctx.tz, ctx.args.since, ctx.args.until)?;
    let i = |n: i64| Value::Int(n);
    Ok(vec![
        (
            Col::new("repos", "Repositories"),
            Value::int(o.repos.len() as u64),
        ),
        (
            Col::new("mainline_commits", "Mainline commits"),
            i(c.mainline),
        ),
        (Col::new("merged_prs", "Merged PRs"), i(f.merged)),
        (Col::new("merge_prs", "  by merge commit"), i(f.merge)),
        (Col::new("squash_prs", "  squashed"), i(f.squash)),
        (Col::new("rebase_prs", "  rebased"), i(f.rebase)),
        (
            Col::new("export_only_prs", "  not on the mainline"),
            i(f.export_only),
        ),
        (Col::new("direct_pushes", "Direct pushes"), i(c.direct)),
        (
            Col::new("non_pr_merges", "Non-PR merges"),
            i(c.non_pr_merge),
        ),
        (
            Col::new("closed_unmerged_prs", "Closed unmerged"),
            i(f.closed_unmerged),
        ),
        (Col::new("open_prs", "Open"), i(f.open)),
        (
            Col::new("ai_assisted_prs", "AI-assisted merged PRs"),
            i(f.ai_assisted),
        ),
        (
            Col::new("ai_assisted_share", "AI-assisted share"),
            share(f.ai_assisted, f.merged),
        ),
        (Col::new("reverted_prs", "Reverted PRs"), i(f.reverted)),
        (
            Col::new("revert_rate", "Revert rate"),
            share(f.reverted, f.merged),
        ),
        (Col::new("revert_prs", "Revert PRs"), i(f.reverts)),
        (
            Col::new(
                "median_cycle_time_hours",
                "Median cycle time (h, created→merged)",
            ),
            hours(f.cycle_median_h),
        ),
        (
            Col::new("p90_cycle_time_hours", "p90 cycle time (h)"),
            hours(f.cycle_p90_h),
        ),
        (
            Col::new(
                "median_lead_time_hours",
                "Median lead time (h, first commit→merged)",
            ),
            hours(f.lead_median_h),
        ),
        (
            Col::new("p90_lead_time_hours", "p90 lead time (h)"),
            hours(f.lead_p90_h),
        ),
        (
            Col::new("median_time_to_revert_hours", "Median time to revert (h)"),
            hours(f.revert_median_h),
        ),
        (
            Col::new("first_merged_at", "First merge"),
            Value::opt_ts(f.first_merged_at),
        ),
        (
            Col::new("last_merged_at", "Last merge"),
            Value::opt_ts(f.last_merged_at),
        ),
        (
            Col::new("disagreements", "Export/git disagreements"),
            Value::int(o.disagreements.len() as u64),
        ),
    ])
}

fn list(v: Vec<String>) -> Value {
    Value::List(v)
}

fn span_hours(later: Option<i64>, earlier: Option<i64>) -> Value {
    match (later, earlier) {
        (Some(l), Some(e)) if l >= e => Value::Num(format!("{:.2}", (l - e) as f64 / 3.6e9)),
        _ => Value::Null,
    }
}

/// One row per PR.
pub fn pr_table(prs: &[&Pr]) -> Table {
    let columns = vec![
        Col::new("repo", "Repo"),
        Col::new("number", "PR"),
        Col::new("kind", "Landed by"),
        Col::new("state", "State"),
        Col::new("title", "Title"),
        Col::new("author", "Author"),
        Col::detail("head_branch", "Branch"),
        Col::detail("base_branch", "Base"),
        Col::detail("created_at", "Created"),
        Col::new("merged_at", "Merged"),
        Col::detail("closed_at", "Closed"),
        Col::detail("first_commit_at", "First commit"),
        Col::detail("merge_sha", "Merge commit"),
        Col::new("commits", "Commits"),
        Col::optional("additions", "+"),
        Col::optional("deletions", "-"),
        Col::detail("changed_files", "Files"),
        Col::detail("labels", "Labels"),
        Col::new("ai_assisted", "AI"),
        Col::new("ai_agents", "Agents"),
        Col::optional("ai_models", "Models"),
        Col::detail("ai_evidence", "Evidence"),
        Col::optional("is_revert", "Revert"),
        Col::detail("reverts", "Reverts"),
        Col::optional("reverted", "Reverted"),
        Col::detail("reverted_by", "Reverted by"),
        Col::detail("cycle_time_hours", "Cycle (h)"),
        Col::detail("lead_time_hours", "Lead (h)"),
        Col::detail("origin", "Source"),
        Col::detail("platform", "Platform"),
        Col::detail("pattern", "Pattern"),
    ];
    let rows = prs
        .iter()
        .map(|p| {
            vec![
                Value::Str(p.repo.to_string()),
                Value::int(p.number),
                Value::Str(p.kind.as_str().into()),
                Value::Str(p.state.as_str().into()),
                Value::opt_str(p.title.as_deref()),
                Value::opt_str(p.author.as_deref()),
                Value::opt_str(p.head_branch.as_deref()),
                Value::opt_str(p.base_branch.as_deref()),
                Value::opt_ts(p.created_at),
                Value::opt_ts(p.merged_at),
                Value::opt_ts(p.closed_at),
                Value::opt_ts(p.first_commit_at),
                Value::opt_str(p.merge_sha.as_deref()),
                Value::int(p.commit_shas.len() as u64),
                p.additions.map_or(Value::Null, Value::int),
                p.deletions.map_or(Value::Null, Value::int),
                p.changed_files.map_or(Value::Null, Value::int),
                list(p.labels.clone()),
                Value::Bool(p.ai_assisted()),
                list(p.ai_agents()),
                list(p.ai_models()),
                list(p.ai_evidence()),
                Value::Bool(p.is_revert),
                Value::opt_str(p.reverts.as_deref()),
                Value::Bool(p.reverted),
                Value::opt_str(p.reverted_by.as_deref()),
                span_hours(p.merged_at, p.created_at),
                span_hours(p.merged_at, p.first_commit_at),
                Value::Str(p.origin.as_str().into()),
                Value::Str(p.platform.into()),
                Value::Str(p.pattern.clone()),
            ]
        })
        .collect();
    Table::new(columns, rows)
}

fn commit_table(ctx: &Ctx, o: &Outcomes) -> Result<Table> {
    let columns = vec![
        Col::new("repo", "Repo"),
        Col::new("sha", "Commit"),
        Col::new("kind", "Kind"),
        Col::new("pr", "PR"),
        Col::detail("mainline", "Mainline"),
        Col::new("author", "Author"),
        Col::detail("author_email", "Email"),
        Col::detail("authored_at", "Authored"),
        Col::new("committed_at", "Committed"),
        Col::new("subject", "Subject"),
        Col::new("ai_agents", "Agents"),
        Col::optional("ai_models", "Models"),
        Col::detail("ai_evidence", "Evidence"),
        Col::detail("ai_markers", "Markers"),
        Col::optional("additions", "+"),
        Col::optional("deletions", "-"),
        Col::optional("files", "Files"),
        Col::optional("is_revert", "Revert"),
        Col::detail("reverts", "Reverts"),
    ];
    let rows = o
        .commits
        .iter()
        .filter(|c| {
            let d = crate::report::local_day(c.committed_at, &ctx.tz);
            ctx.args.since.is_none_or(|s| d.is_some_and(|d| d >= s))
                && ctx.args.until.is_none_or(|u| d.is_some_and(|d| d <= u))
        })
        .map(|c| {
            let agents: BTreeSet<&str> = c.markers.iter().map(|m| m.agent.as_str()).collect();
            let models: BTreeSet<&str> = c
                .markers
                .iter()
                .filter_map(|m| m.model.as_deref())
                .collect();
            let evidence: BTreeSet<&str> = c.markers.iter().map(|m| m.evidence.as_str()).collect();
            let strs = |s: BTreeSet<&str>| Value::List(s.into_iter().map(str::to_string).collect());
            vec![
                Value::Str(c.repo.to_string()),
                Value::Str(c.sha().to_string()),
                Value::Str(c.kind.as_str().into()),
                c.pr.map_or(Value::Null, Value::int),
                Value::Bool(c.mainline),
                Value::Str(c.author().to_string()),
                Value::Str(c.author_email().to_string()),
                Value::Ts(c.authored_at),
                Value::Ts(c.committed_at),
                Value::Str(c.subject().to_string()),
                strs(agents),
                strs(models),
                strs(evidence),
                Value::List(c.markers.iter().map(|m| m.label()).collect()),
                c.stats
                    .as_ref()
                    .map_or(Value::Null, |s| Value::int(s.additions)),
                c.stats
                    .as_ref()
                    .map_or(Value::Null, |s| Value::int(s.deletions)),
                c.stats
                    .as_ref()
                    .map_or(Value::Null, |s| Value::int(s.files)),
                Value::Bool(c.is_revert),
                Value::opt_str(c.reverts_sha.as_deref()),
            ]
        })
        .collect();
    Ok(Table::new(columns, rows))
}

fn repo_table(o: &Outcomes) -> Table {
    let columns = vec![
        Col::new("repo", "Repo"),
        Col::new("path", "Path"),
        Col::new("mainline", "Mainline"),
        Col::detail("tip", "Tip"),
        Col::new("shallow", "Shallow"),
        Col::new("mainline_commits", "Mainline commits"),
        Col::new("commits", "Commits read"),
        Col::optional("notes", "git-ai notes"),
        Col::optional("exports", "PR exports"),
        Col::detail("origin_url", "Remote"),
    ];
    let rows = o
        .repos
        .iter()
        .map(|r| {
            vec![
                Value::Str(r.id.to_string()),
                Value::Str(r.path.display().to_string()),
                Value::Str(r.mainline.clone()),
                Value::Str(r.tip.clone()),
                Value::Bool(r.shallow),
                Value::int(r.mainline_commits),
                Value::int(r.commits),
                Value::int(r.notes),
                Value::List(r.exports.iter().map(|p| p.display().to_string()).collect()),
                Value::opt_str(r.origin_url.as_deref()),
            ]
        })
        .collect();
    Table::new(columns, rows)
}

fn disagreement_table(o: &Outcomes) -> Table {
    Table::new(
        vec![
            Col::new("repo", "Repo"),
            Col::new("number", "PR"),
            Col::new("what", "Disagreement"),
        ],
        o.disagreements
            .iter()
            .map(|d| {
                vec![
                    Value::Str(d.repo.clone()),
                    d.number.map_or(Value::Null, Value::int),
                    Value::Str(d.what.clone()),
                ]
            })
            .collect(),
    )
}
