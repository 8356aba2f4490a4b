//! The outcome tables as polars frames (SPEC §4): `prs` (one row per PR/MR), `pr_markers`
//! (one row per PR × AI marker: agent, evidence, model), `pr_commits` (one row per PR ×
//! commit) and `commits`. Times are `Datetime(μs, UTC)`; list-valued facts live in the long
//! tables, so every column of `prs` is a scalar and joins stay plain joins.

use polars::prelude::*;

use super::{Outcomes, Pr};

pub(crate) fn times(name: &str, values: impl Iterator<Item = Option<i64>>) -> Column {
    Int64Chunked::from_iter_options(name.into(), values)
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_column()
}

pub(crate) fn strs<'a>(name: &str, values: impl Iterator<Item = Option<&'a str>>) -> Column {
    let mut b = StringChunkedBuilder::new(name.into(), 0);
    for v in values {
        b.append_option(v);
    }
    b.finish().into_column()
}

fn ints(name: &str, values: impl Iterator<Item = Option<u64>>) -> Column {
    Int64Chunked::from_iter_options(
        name.into(),
        values.map(|v| v.map(|x| i64::try_from(x).unwrap_or(i64::MAX))),
    )
    .into_column()
}

fn bools(name: &str, values: impl Iterator<Item = bool>) -> Column {
    BooleanChunked::from_iter_values(name.into(), values).into_column()
}

/// One row per PR.
pub fn prs_frame(o: &Outcomes) -> PolarsResult<DataFrame> {
    let p = &o.prs;
    let cols = vec![
        strs("repo", p.iter().map(|x| Some(&*x.repo))),
        ints("number", p.iter().map(|x| Some(x.number))),
        strs("title", p.iter().map(|x| x.title.as_deref())),
        strs("kind", p.iter().map(|x| Some(x.kind.as_str()))),
        strs("state", p.iter().map(|x| Some(x.state.as_str()))),
        strs("head_branch", p.iter().map(|x| x.head_branch.as_deref())),
        strs("base_branch", p.iter().map(|x| x.base_branch.as_deref())),
        strs("author", p.iter().map(|x| x.author.as_deref())),
        times("created_at", p.iter().map(|x| x.created_at)),
        times("merged_at", p.iter().map(|x| x.merged_at)),
        times("closed_at", p.iter().map(|x| x.closed_at)),
        times("first_commit_at", p.iter().map(|x| x.first_commit_at)),
        strs("merge_sha", p.iter().map(|x| x.merge_sha.as_deref())),
        ints(
            "commits",
            p.iter().map(|x| Some(x.commit_shas.len() as u64)),
        ),
        ints("additions", p.iter().map(|x| x.additions)),
        ints("deletions", p.iter().map(|x| x.deletions)),
        ints("changed_files", p.iter().map(|x| x.changed_files)),
        bools("ai_assisted", p.iter().map(Pr::ai_assisted)),
        p.iter()
            .map(|x| Some(Series::new(PlSmallStr::EMPTY, x.ai_agents())))
            .collect::<ListChunked>()
            .with_name("ai_agents".into())
            .into_column(),
        bools("is_revert", p.iter().map(|x| x.is_revert)),
        bools("reverted", p.iter().map(|x| x.reverted)),
        times("reverted_at", p.iter().map(|x| x.reverted_at)),
        strs("origin", p.iter().map(|x| Some(x.origin.as_str()))),
    ];
    DataFrame::new(p.len(), cols)
}

/// One row per PR and AI marker.
pub fn pr_markers_frame(o: &Outcomes) -> PolarsResult<DataFrame> {
    let rows: Vec<(&Pr, &super::Marker)> = o
        .prs
        .iter()
        .flat_map(|p| p.markers.iter().map(move |m| (p, m)))
        .collect();
    let cols = vec![
        strs("repo", rows.iter().map(|(p, _)| Some(&*p.repo))),
        ints("number", rows.iter().map(|(p, _)| Some(p.number))),
        strs("agent", rows.iter().map(|(_, m)| Some(m.agent.as_str()))),
        strs(
            "evidence",
            rows.iter().map(|(_, m)| Some(m.evidence.as_str())),
        ),
        strs("model", rows.iter().map(|(_, m)| m.model.as_deref())),
    ];
    DataFrame::new(rows.len(), cols)
}

/// One row per PR and commit.
pub fn pr_commits_frame(o: &Outcomes) -> PolarsResult<DataFrame> {
    let rows: Vec<(&Pr, &String)> = o
        .prs
        .iter()
        .flat_map(|p| p.commit_shas.iter().map(move |s| (p, s)))
        .collect();
    let cols = vec![
        strs("repo", rows.iter().map(|(p, _)| Some(&*p.repo))),
        ints("number", rows.iter().map(|(p, _)| Some(p.number))),
        strs("sha", rows.iter().map(|(_, s)| Some(s.as_str()))),
    ];
    DataFrame::new(rows.len(), cols)
}

/// One row per commit.
pub fn commits_frame(o: &Outcomes) -> PolarsResult<DataFrame> {
    let c = &o.commits;
    let cols = vec![
        strs("repo", c.iter().map(|x| Some(&*x.repo))),
        strs("sha", c.iter().map(|x| Some(x.sha()))),
        strs("kind", c.iter().map(|x| Some(x.kind.as_str()))),
        ints("pr", c.iter().map(|x| x.pr)),
        bools("mainline", c.iter().map(|x| x.mainline)),
        strs("author", c.iter().map(|x| Some(x.author()))),
        strs("author_email", c.iter().map(|x| Some(x.author_email()))),
        times("authored_at", c.iter().map(|x| Some(x.authored_at))),
        times("committed_at", c.iter().map(|x| Some(x.committed_at))),
        strs("subject", c.iter().map(|x| Some(x.subject()))),
        bools("ai", c.iter().map(|x| !x.markers.is_empty())),
        ints(
            "additions",
            c.iter().map(|x| x.stats.as_ref().map(|s| s.additions)),
        ),
        ints(
            "deletions",
            c.iter().map(|x| x.stats.as_ref().map(|s| s.deletions)),
        ),
        bools("is_revert", c.iter().map(|x| x.is_revert)),
    ];
    DataFrame::new(c.len(), cols)
}
