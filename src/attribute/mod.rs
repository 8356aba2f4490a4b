//! Attribution: joins spend to outcomes (SPEC §8; semantics in docs/attribution.md).
//!
//! Every usage row gets a repository (an explicit `repo:` tag, else its working directory
//! inside a repository's work tree or one of its `paths` patterns, else a Codex remote URL)
//! and a workflow (config rules, else the source's label). Then the strongest signal that
//! applies decides its PR: `explicit` (a `pr:N` tag), `commit` (the session committed a
//! commit of the PR: rows go to the PR of the session's next commit, rows after its last
//! commit to that commit's PR), `branch` (the row's branch is the PR's head branch and the row
//! lies in the PR's window). A row that several PRs claim equally is split between them, and
//! the nano-dollar remainder goes to the first PRs in (repo, number) order, so shares add up
//! exactly. Rows no PR claims — or claimed by a PR closed unmerged (`abandoned`) — keep a
//! reason. The per-distinct-value decisions (paths, tags, rules, sha prefixes) are made in
//! Rust over small key sets; the joins, windows and splits over rows are polars.
//!
//! The result has one row per (usage row, bucket): every priced nano-dollar of the input is
//! in exactly one bucket, which [`check_conservation`] verifies.

pub mod views;
pub mod waste;
pub mod whatif;

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::config::{WorkflowRule, path_pattern_contains, wildcard};
use crate::ingest::CommitLink;
use crate::outcomes::frame::{strs, times};
use crate::outcomes::{Outcomes, PrState};

/// A repository as attribution sees it.
#[derive(Debug, Clone, Default)]
pub struct RepoSpec {
    pub id: String,
    /// Work trees on this machine (absolute).
    pub workdirs: Vec<String>,
    /// Where its checkouts live on other machines (path patterns).
    pub patterns: Vec<String>,
    /// `owner/name` of its origin remote.
    pub remote: Option<String>,
    /// Its mainline branch.
    pub mainline: Option<String>,
}

/// Attribution settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Microseconds before a PR's creation its branch's spend counts.
    pub lookback: i64,
    /// Microseconds after a PR's merge or close its branch's spend counts.
    pub grace: i64,
    pub default_branches: Vec<String>,
    pub workflows: Vec<WorkflowRule>,
}

/// Branches that never match a PR, besides each repository's mainline and configured ones.
pub const DEFAULT_BRANCHES: &[&str] = &["main", "master", "develop", "trunk", "HEAD"];

/// Usage columns [`attribute`] reads.
pub const INPUT_COLUMNS: &[&str] = &[
    "ts",
    "ts_end",
    "source",
    "model",
    "session_id",
    "cwd",
    "branch",
    "git_remote",
    "tags",
    "actor",
    "api_key_id",
    "workspace",
    "project",
    "entrypoint",
    "workflow",
    "cost",
    "requests",
];

/// The signals, strongest first.
pub const SIGNALS: &[&str] = &["explicit", "commit", "branch"];

/// Unattributed reasons.
pub const REASONS: &[&str] = &[
    "abandoned",
    "no_repo",
    "default_branch",
    "no_pr",
    "outside_window",
    "aggregate_only",
];

/// The attributed usage.
pub struct Attributed {
    /// The usage rows with `row` (index), `repo` (resolved) and `workflow` (resolved).
    pub usage: DataFrame,
    /// One row per (usage row, bucket): `row`, `repo`, `number` (null when unattributed),
    /// `signal`, `confidence`, `reason` (null when attributed), `shares` (how many PRs split
    /// the row), `cost`, `requests` (this bucket's part, exact integers).
    pub buckets: DataFrame,
}

pub(crate) fn opt_ints(name: &str, values: impl Iterator<Item = Option<i64>>) -> Column {
    Int64Chunked::from_iter_options(name.into(), values).into_column()
}

/// Parsed tags: `repo:NAME` and `pr:N` / `pr=N` / `pr:#N` among comma- or space-separated
/// items.
fn tag_refs(tags: &str) -> (Option<String>, Option<i64>) {
    let mut repo = None;
    let mut pr = None;
    for item in tags
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let Some((k, v)) = item.split_once([':', '=']) else {
            continue;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "repo" => repo = Some(v.trim().to_string()),
            "pr" | "pull_request" | "mr" => {
                pr = v.trim().trim_start_matches('#').parse::<i64>().ok().or(pr);
            }
            _ => {}
        }
    }
    (repo, pr)
}

/// The repository of a working directory: the deepest work tree containing it, else the
/// first repository with a matching path pattern.
fn repo_of_cwd(cwd: &str, repos: &[RepoSpec]) -> Option<usize> {
    let cwd = cwd.trim_end_matches('/');
    let inside = |dir: &str| {
        let dir = dir.trim_end_matches('/');
        cwd == dir || (cwd.starts_with(dir) && cwd.as_bytes().get(dir.len()) == Some(&b'/'))
    };
    let mut best: Option<(usize, usize)> = None;
    for (i, r) in repos.iter().enumerate() {
        for w in &r.workdirs {
            if inside(w) && best.is_none_or(|(_, len)| w.len() > len) {
                best = Some((i, w.len()));
            }
        }
    }
    if let Some((i, _)) = best {
        return Some(i);
    }
    repos
        .iter()
        .position(|r| r.patterns.iter().any(|p| path_pattern_contains(p, cwd)))
}

fn repo_of_remote(url: &str, repos: &[RepoSpec]) -> Option<usize> {
    let slug = crate::outcomes::git::remote_slug(url)?;
    repos.iter().position(|r| {
        r.remote
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(&slug))
    })
}

fn key(e: &str) -> Expr {
    col(e).fill_null(lit(""))
}

/// Resolves each distinct (cwd, git_remote, tags) to a repository and an explicit PR.
fn resolve_repos(usage: &DataFrame, repos: &[RepoSpec]) -> PolarsResult<DataFrame> {
    let distinct = usage
        .clone()
        .lazy()
        .select([
            key("cwd").alias("k_cwd"),
            key("git_remote").alias("k_remote"),
            key("tags").alias("k_tags"),
        ])
        .unique_stable(None, UniqueKeepStrategy::First)
        .collect()?;
    let cwds = distinct.column("k_cwd")?.str()?;
    let remotes = distinct.column("k_remote")?.str()?;
    let tags = distinct.column("k_tags")?.str()?;
    let mut repo_col: Vec<Option<String>> = Vec::with_capacity(distinct.height());
    let mut pr_col: Vec<Option<i64>> = Vec::with_capacity(distinct.height());
    for i in 0..distinct.height() {
        let (tag_repo, tag_pr) = tag_refs(tags.get(i).unwrap_or(""));
        let by_tag = tag_repo.and_then(|t| {
            repos
                .iter()
                .find(|r| r.id.eq_ignore_ascii_case(&t) || r.id.rsplit('/').next() == Some(&t))
                .map(|r| r.id.clone())
        });
        let by_cwd = cwds
            .get(i)
            .filter(|c| !c.is_empty())
            .and_then(|c| repo_of_cwd(c, repos));
        let by_remote = remotes
            .get(i)
            .filter(|c| !c.is_empty())
            .and_then(|u| repo_of_remote(u, repos));
        let repo = by_tag
            .or_else(|| by_cwd.or(by_remote).map(|i| repos[i].id.clone()))
            // a PR tag without a repository (a CI result, a gateway row) names a PR of the
            // only repository there is
            .or_else(|| (tag_pr.is_some() && repos.len() == 1).then(|| repos[0].id.clone()));
        pr_col.push(if repo.is_some() { tag_pr } else { None });
        repo_col.push(repo);
    }
    let mut out = distinct;
    out.with_column(strs("repo", repo_col.iter().map(|s| s.as_deref())))?;
    out.with_column(opt_ints("explicit_pr", pr_col.into_iter()))?;
    Ok(out)
}

/// The usage fields workflow rules read (plus the default label).
const WORKFLOW_FIELDS: &[&str] = &[
    "source",
    "actor",
    "api_key_id",
    "workspace",
    "project",
    "tags",
    "branch",
    "repo",
    "entrypoint",
    "workflow",
];

/// Applies the workflow rules to each distinct combination of the fields they read.
fn resolve_workflows(usage: &DataFrame, rules: &[WorkflowRule]) -> PolarsResult<DataFrame> {
    let distinct = usage
        .clone()
        .lazy()
        .select(
            WORKFLOW_FIELDS
                .iter()
                .map(|f| key(f).alias(format!("w_{f}")))
                .collect::<Vec<_>>(),
        )
        .unique_stable(None, UniqueKeepStrategy::First)
        .collect()?;
    let cols: Vec<&StringChunked> = WORKFLOW_FIELDS
        .iter()
        .map(|f| distinct.column(&format!("w_{f}"))?.str())
        .collect::<PolarsResult<_>>()?;
    let get = |f: &str, i: usize| -> &str {
        let j = WORKFLOW_FIELDS.iter().position(|x| *x == f).unwrap_or(0);
        cols[j].get(i).unwrap_or("")
    };
    let matches =
        |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| wildcard(w, have));
    let mut names: Vec<String> = Vec::with_capacity(distinct.height());
    for i in 0..distinct.height() {
        let rule = rules.iter().find(|r| {
            matches(&r.source, get("source", i))
                && matches(&r.actor, get("actor", i))
                && matches(&r.api_key, get("api_key_id", i))
                && matches(&r.workspace, get("workspace", i))
                && matches(&r.project, get("project", i))
                && matches(&r.branch, get("branch", i))
                && matches(&r.repo, get("repo", i))
                && matches(&r.entrypoint, get("entrypoint", i))
                && r.tag.as_deref().is_none_or(|t| {
                    get("tags", i)
                        .split([',', ' ', ';'])
                        .any(|item| wildcard(t, item.trim()))
                })
        });
        names.push(match rule {
            Some(r) => r.name.clone(),
            None => get("workflow", i).to_string(),
        });
    }
    let mut out = distinct;
    out.with_column(strs(
        "workflow_resolved",
        names.iter().map(|s| Some(s.as_str())),
    ))?;
    Ok(out)
}

/// Commit links resolved to (repo, PR): the abbreviated sha must match exactly one commit
/// (among the repository of the link's working directory when it has one, else all). Links to
/// commits outside the read history are dropped; links to commits without a PR keep a null
/// number (the rows before them are not booked by the commit signal).
fn resolve_links(
    links: &[CommitLink],
    o: &Outcomes,
    repos: &[RepoSpec],
) -> PolarsResult<DataFrame> {
    // per repository: sorted (sha, pr)
    let mut index: BTreeMap<&str, Vec<(&str, Option<u64>)>> = BTreeMap::new();
    for c in &o.commits {
        index.entry(&c.repo).or_default().push((c.sha(), c.pr));
    }
    for p in &o.prs {
        for s in p.branch_shas.iter().chain(&p.commit_shas) {
            index
                .entry(&p.repo)
                .or_default()
                .push((s.as_str(), Some(p.number)));
        }
    }
    for v in index.values_mut() {
        v.sort();
        // a sha listed by git (with its PR) and by the export: one entry, the PR preferred
        v.dedup_by(|b, a| {
            if a.0 == b.0 {
                a.1 = a.1.or(b.1);
                true
            } else {
                false
            }
        });
    }
    let find = |repo: &str, sha: &str| -> Vec<(String, Option<u64>)> {
        let Some(v) = index.get(repo) else {
            return Vec::new();
        };
        let start = v.partition_point(|(s, _)| *s < sha);
        v[start..]
            .iter()
            .take_while(|(s, _)| s.starts_with(sha))
            .map(|(_, pr)| (repo.to_string(), *pr))
            .collect()
    };
    let (mut sess, mut ts, mut repo_out, mut num) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for l in links {
        let sha = l.sha.to_ascii_lowercase();
        if sha.len() < 7 {
            continue;
        }
        let within = l.cwd.as_deref().and_then(|c| repo_of_cwd(c, repos));
        let found: Vec<(String, Option<u64>)> = match within {
            Some(i) => find(&repos[i].id, &sha),
            None => repos.iter().flat_map(|r| find(&r.id, &sha)).collect(),
        };
        // distinct commits with this prefix: ambiguous unless exactly one
        if found.len() != 1 {
            continue;
        }
        let (r, pr) = found.into_iter().next().unwrap_or_default();
        sess.push(l.session_id.to_string());
        ts.push(l.ts);
        repo_out.push(r);
        num.push(pr.map(|n| i64::try_from(n).unwrap_or(i64::MAX)));
    }
    DataFrame::new(
        sess.len(),
        vec![
            strs("l_session", sess.iter().map(|s| Some(s.as_str()))),
            times("l_ts", ts.into_iter().map(Some)),
            strs("l_repo", repo_out.iter().map(|s| Some(s.as_str()))),
            opt_ints("l_number", num.into_iter()),
        ],
    )
}

/// The PRs: `p_repo`, `p_number`, `p_state`, `p_branch`, `p_start` (created, else first
/// commit), `p_end` (merged or closed; null while open).
fn pr_frame(o: &Outcomes) -> PolarsResult<DataFrame> {
    let p = &o.prs;
    DataFrame::new(
        p.len(),
        vec![
            strs("p_repo", p.iter().map(|x| Some(&*x.repo))),
            opt_ints(
                "p_number",
                p.iter()
                    .map(|x| Some(i64::try_from(x.number).unwrap_or(i64::MAX))),
            ),
            strs("p_state", p.iter().map(|x| Some(x.state.as_str()))),
            strs("p_branch", p.iter().map(|x| x.head_branch.as_deref())),
            times(
                "p_start",
                p.iter().map(|x| x.created_at.or(x.first_commit_at)),
            ),
            times(
                "p_end",
                p.iter().map(|x| match x.state {
                    PrState::Merged => x.merged_at.or(x.closed_at),
                    PrState::Closed => x.closed_at,
                    PrState::Open => None,
                }),
            ),
        ],
    )
}

fn join(left: LazyFrame, right: LazyFrame, l: &[&str], r: &[&str], how: JoinType) -> LazyFrame {
    left.join(
        right,
        l.iter().map(|c| col(*c)).collect::<Vec<_>>(),
        r.iter().map(|c| col(*c)).collect::<Vec<_>>(),
        JoinArgs::new(how),
    )
}

/// Attributes `usage` (which needs [`INPUT_COLUMNS`]).
pub fn attribute(
    usage: &DataFrame,
    links: &[CommitLink],
    o: &Outcomes,
    repos: &[RepoSpec],
    s: &Settings,
) -> PolarsResult<Attributed> {
    // 1. repository and explicit PR, per distinct (cwd, remote, tags)
    let resolved = resolve_repos(usage, repos)?;
    let mut u = join(
        usage
            .clone()
            .lazy()
            .with_row_index("row", None)
            .with_columns([
                key("cwd").alias("k_cwd"),
                key("git_remote").alias("k_remote"),
                key("tags").alias("k_tags"),
            ]),
        resolved.lazy(),
        &["k_cwd", "k_remote", "k_tags"],
        &["k_cwd", "k_remote", "k_tags"],
        JoinType::Left,
    )
    .drop(cols(["k_cwd", "k_remote", "k_tags"]))
    .sort(["row"], Default::default())
    .collect()?;

    // 2. workflow, per distinct combination of the fields rules read
    if !s.workflows.is_empty() {
        let w = resolve_workflows(&u, &s.workflows)?;
        let keys: Vec<Expr> = WORKFLOW_FIELDS
            .iter()
            .map(|f| key(f).alias(format!("w_{f}")))
            .collect();
        let names: Vec<String> = WORKFLOW_FIELDS.iter().map(|f| format!("w_{f}")).collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        u = join(
            u.lazy().with_columns(keys),
            w.lazy(),
            &name_refs,
            &name_refs,
            JoinType::Left,
        )
        .with_column(col("workflow_resolved").alias("workflow"))
        .drop(cols(
            names
                .iter()
                .map(String::as_str)
                .chain(["workflow_resolved"]),
        ))
        .sort(["row"], Default::default())
        .collect()?;
    }

    let prs = pr_frame(o)?;
    let rows = u.clone().lazy().select([
        col("row"),
        col("ts"),
        col("session_id"),
        col("repo"),
        col("branch"),
        col("explicit_pr"),
    ]);

    // 3a. explicit: a pr tag naming a PR of the row's repository
    let explicit = join(
        rows.clone().filter(col("explicit_pr").is_not_null()),
        prs.clone().lazy(),
        &["repo", "explicit_pr"],
        &["p_repo", "p_number"],
        JoinType::Inner,
    )
    .select([
        col("row"),
        col("repo").alias("c_repo"),
        col("explicit_pr").alias("c_number"),
        lit("explicit").alias("signal"),
    ]);
    let taken = explicit
        .clone()
        .select([col("row"), lit(true).alias("taken")]);
    let not_taken = |lf: LazyFrame, taken: LazyFrame| {
        join(lf, taken, &["row"], &["row"], JoinType::Left)
            .filter(col("taken").is_null())
            .drop(cols(["taken"]))
    };

    // 3b. commit: the PR of the session's next commit (or of its last one)
    let links_df = resolve_links(links, o, repos)?;
    let cand = join(
        not_taken(rows.clone(), taken.clone()).filter(col("session_id").is_not_null()),
        links_df.lazy(),
        &["session_id"],
        &["l_session"],
        JoinType::Inner,
    );
    let chosen = cand
        .clone()
        .group_by([col("row")])
        .agg([
            col("l_ts")
                .filter(col("l_ts").gt_eq(col("ts")))
                .min()
                .alias("next_ts"),
            col("l_ts").max().alias("last_ts"),
        ])
        .select([
            col("row"),
            coalesce(&[col("next_ts"), col("last_ts")]).alias("chosen_ts"),
        ]);
    let commit = join(cand, chosen, &["row"], &["row"], JoinType::Inner)
        .filter(col("l_ts").eq(col("chosen_ts")))
        .filter(col("l_number").is_not_null())
        .select([
            col("row"),
            col("l_repo").alias("c_repo"),
            col("l_number").alias("c_number"),
            lit("commit").alias("signal"),
        ])
        .unique_stable(None, UniqueKeepStrategy::First);
    let taken2 = concat(
        [
            taken.clone(),
            commit
                .clone()
                .select([col("row"), lit(true).alias("taken")])
                .unique_stable(None, UniqueKeepStrategy::First),
        ],
        UnionArgs::default(),
    )?;

    // 3c. branch: the head branch of a PR whose window holds the row
    let mut not_default = col("branch").is_not_null().and(col("branch").neq(lit("")));
    for b in DEFAULT_BRANCHES
        .iter()
        .copied()
        .chain(s.default_branches.iter().map(String::as_str))
    {
        not_default = not_default.and(col("branch").neq(lit(b)));
    }
    let mainlines = mainlines_frame(repos)?;
    let branch_rows = join(
        not_taken(rows.clone(), taken2.clone()).filter(col("repo").is_not_null()),
        mainlines.clone().lazy(),
        &["repo"],
        &["m_repo"],
        JoinType::Left,
    )
    .filter(
        not_default.clone().and(
            col("m_branch")
                .is_null()
                .or(col("branch").neq(col("m_branch"))),
        ),
    );
    let bcand = join(
        branch_rows,
        prs.clone().lazy(),
        &["repo", "branch"],
        &["p_repo", "p_branch"],
        JoinType::Inner,
    );
    let matched_branch = bcand
        .clone()
        .select([col("row"), lit(true).alias("had_pr")])
        .unique_stable(None, UniqueKeepStrategy::First);
    let lookback = lit(s.lookback).cast(DataType::Duration(TimeUnit::Microseconds));
    let grace = lit(s.grace).cast(DataType::Duration(TimeUnit::Microseconds));
    let in_window = bcand.filter(
        col("p_start")
            .is_null()
            .or(col("ts").gt_eq(col("p_start") - lookback))
            .and(
                col("p_end")
                    .is_null()
                    .or(col("ts").lt_eq(col("p_end") + grace)),
            ),
    );
    let before = col("p_start")
        .is_not_null()
        .and(col("p_start").lt_eq(col("ts")));
    let pick = in_window
        .clone()
        .group_by([col("row")])
        .agg([
            col("p_start")
                .filter(before.clone())
                .max()
                .alias("latest_before"),
            col("p_start")
                .filter(before.not())
                .min()
                .alias("earliest_after"),
        ])
        .select([
            col("row"),
            coalesce(&[col("latest_before"), col("earliest_after")]).alias("picked"),
        ]);
    let branch = join(in_window, pick, &["row"], &["row"], JoinType::Left)
        .filter(
            col("picked")
                .is_null()
                .and(col("p_start").is_null())
                .or(col("p_start").eq(col("picked"))),
        )
        .select([
            col("row"),
            col("repo").alias("c_repo"),
            col("p_number").alias("c_number"),
            lit("branch").alias("signal"),
        ]);

    // 4. candidates → buckets: equal split with deterministic remainders
    let cands = concat([explicit, commit, branch], UnionArgs::default())?
        .join(
            prs.clone()
                .lazy()
                .select([col("p_repo"), col("p_number"), col("p_state")]),
            [col("c_repo"), col("c_number")],
            [col("p_repo"), col("p_number")],
            JoinArgs::new(JoinType::Left),
        )
        .sort(["row", "c_repo", "c_number"], Default::default())
        .with_row_index("ci", None)
        .with_columns([
            len()
                .over([col("row")])?
                .cast(DataType::Int64)
                .alias("shares"),
            (col("ci").cast(DataType::Int64)
                - col("ci").cast(DataType::Int64).min().over([col("row")])?)
            .alias("pos"),
        ]);
    let money = u.clone().lazy().select([
        col("row"),
        col("repo"),
        col("ts_end"),
        col("session_id"),
        col("branch"),
        col("cost"),
        col("requests"),
    ]);
    let mut joined_cands =
        join(money.clone(), cands, &["row"], &["row"], JoinType::Inner).collect()?;
    for c in ["cost", "requests"] {
        let split = split_column(&joined_cands, c)?;
        joined_cands.with_column(split)?;
    }
    let attributed = joined_cands.lazy().select([
        col("row"),
        col("c_repo").alias("repo"),
        col("c_number").alias("number"),
        col("signal"),
        when(col("shares").gt(lit(1)))
            .then(lit("low"))
            .when(col("signal").eq(lit("branch")))
            .then(lit("medium"))
            .otherwise(lit("high"))
            .alias("confidence"),
        when(col("p_state").eq(lit("closed")))
            .then(lit("abandoned"))
            .otherwise(lit(NULL).cast(DataType::String))
            .alias("reason"),
        col("shares"),
        col("cost"),
        col("requests"),
    ]);
    let all_taken = concat(
        [
            taken2,
            attributed
                .clone()
                .select([col("row"), lit(true).alias("taken")]),
        ],
        UnionArgs::default(),
    )?
    .unique_stable(None, UniqueKeepStrategy::First);
    let rest = join(
        not_taken(money, all_taken),
        mainlines.lazy(),
        &["repo"],
        &["m_repo"],
        JoinType::Left,
    );
    let rest = join(rest, matched_branch, &["row"], &["row"], JoinType::Left).select([
        col("row"),
        col("repo"),
        lit(NULL).cast(DataType::Int64).alias("number"),
        lit(NULL).cast(DataType::String).alias("signal"),
        lit(NULL).cast(DataType::String).alias("confidence"),
        when(col("ts_end").is_not_null().and(col("session_id").is_null()))
            .then(lit("aggregate_only"))
            .when(col("repo").is_null())
            .then(lit("no_repo"))
            .when(
                not_default.not().or(col("m_branch")
                    .is_not_null()
                    .and(col("branch").eq(col("m_branch")))),
            )
            .then(lit("default_branch"))
            .when(col("had_pr").is_not_null())
            .then(lit("outside_window"))
            .otherwise(lit("no_pr"))
            .alias("reason"),
        lit(1i64).cast(DataType::Int64).alias("shares"),
        col("cost"),
        col("requests"),
    ]);
    let buckets = concat([attributed, rest], UnionArgs::default())?
        .sort(
            ["row", "repo", "number"],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()?;
    Ok(Attributed { usage: u, buckets })
}

/// A row's `c` split into `shares` exact integer parts: each bucket gets
/// `floor(c / shares)`, and the first `c mod shares` buckets (by `pos`) one more unit.
pub(crate) fn split_column(df: &DataFrame, c: &str) -> PolarsResult<Column> {
    let values = df.column(c)?.i64()?;
    let shares = df.column("shares")?.i64()?;
    let pos = df.column("pos")?.i64()?;
    let out: Int64Chunked = values
        .iter()
        .zip(shares.iter())
        .zip(pos.iter())
        .map(|((v, k), p)| {
            let (v, k, p) = (v?, k?.max(1), p?);
            Some(v.div_euclid(k) + i64::from(p < v.rem_euclid(k)))
        })
        .collect();
    Ok(out.with_name(c.into()).into_column())
}

fn mainlines_frame(repos: &[RepoSpec]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        repos.len(),
        vec![
            strs("m_repo", repos.iter().map(|r| Some(r.id.as_str()))),
            strs("m_branch", repos.iter().map(|r| r.mainline.as_deref())),
        ],
    )
}

/// Checks that every usage row's cost and requests are in its buckets exactly.
pub fn check_conservation(a: &Attributed) -> PolarsResult<Result<(), String>> {
    let per_row = a.buckets.clone().lazy().group_by([col("row")]).agg([
        col("cost").sum().alias("b_cost"),
        col("cost").count().alias("b_priced"),
        col("requests").sum().alias("b_requests"),
    ]);
    let df = join(
        a.usage
            .clone()
            .lazy()
            .select([col("row"), col("cost"), col("requests")]),
        per_row,
        &["row"],
        &["row"],
        JoinType::Left,
    )
    .filter(
        col("b_requests")
            .is_null()
            .or(col("b_requests").neq(col("requests")))
            .or(col("cost")
                .is_not_null()
                .and(col("b_cost").neq(col("cost"))))
            .or(col("cost").is_null().and(col("b_priced").gt(lit(0)))),
    )
    .collect()?;
    Ok(if df.height() == 0 {
        Ok(())
    } else {
        Err(format!(
            "{} usage row(s) are not exactly in their buckets",
            df.height()
        ))
    })
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_are_exact_with_remainders_to_the_first_buckets() {
        // 10 nano split three ways: 4 + 3 + 3; -10 (a credit): -3 + -3 + -4 sums exactly too
        let df = df!(
            "cost" => [Some(10i64), Some(10), Some(10), Some(-10), Some(-10), Some(-10), None],
            "shares" => [3i64, 3, 3, 3, 3, 3, 1],
            "pos" => [0i64, 1, 2, 0, 1, 2, 0],
        )
        .unwrap();
        let out = split_column(&df, "cost").unwrap();
        let v: Vec<Option<i64>> = out.i64().unwrap().iter().collect();
        assert_eq!(
            v,
            vec![
                Some(4),
                Some(3),
                Some(3),
                Some(-3),
                Some(-3),
                Some(-4),
                None
            ]
        );
    }

    #[test]
    fn tags_name_repos_and_prs() {
        assert_eq!(tag_refs("pr:12"), (None, Some(12)));
        assert_eq!(
            tag_refs("team:x, pr=#7 repo:api"),
            (Some("api".into()), Some(7))
        );
        assert_eq!(tag_refs("pr:abc"), (None, None));
        assert_eq!(tag_refs(""), (None, None));
    }

    #[test]
    fn workflow_rules_first_match_wins_over_every_field() {
        let rule = |name: &str, f: &dyn Fn(&mut WorkflowRule)| {
            let mut r = WorkflowRule {
                name: name.into(),
                ..Default::default()
            };
            f(&mut r);
            r
        };
        let rules = vec![
            rule("nightly", &|r| r.tag = Some("job:nightly*".into())),
            rule("sdk", &|r| {
                r.entrypoint = Some("sdk*".into());
                r.source = Some("claude_code".into());
            }),
            rule("docs", &|r| {
                r.branch = Some("docs/*".into());
                r.repo = Some("o/web".into());
            }),
            rule("platform", &|r| r.workspace = Some("platform".into())),
            rule("bot", &|r| {
                r.actor = Some("ci-bot".into());
                r.api_key = Some("key_1*".into());
                r.project = Some("p".into());
            }),
        ];
        let s = |v: [Option<&str>; 5]| strs("x", v.into_iter());
        let df = DataFrame::new(
            5,
            vec![
                s([
                    Some("claude_code"),
                    Some("claude_code"),
                    Some("codex"),
                    None,
                    None,
                ])
                .with_name("source".into()),
                s([None, None, None, None, Some("ci-bot")]).with_name("actor".into()),
                s([None, None, None, None, Some("key_123")]).with_name("api_key_id".into()),
                s([None, None, None, Some("platform"), None]).with_name("workspace".into()),
                s([None, None, None, None, Some("p")]).with_name("project".into()),
                s([
                    Some("team:x, job:nightly-7"),
                    Some("team:x"),
                    None,
                    None,
                    None,
                ])
                .with_name("tags".into()),
                s([Some("docs/a"), Some("docs/a"), Some("docs/a"), None, None])
                    .with_name("branch".into()),
                s([Some("o/web"), Some("o/web"), Some("o/api"), None, None])
                    .with_name("repo".into()),
                s([Some("sdk-ts"), Some("sdk-py"), Some("sdk-ts"), None, None])
                    .with_name("entrypoint".into()),
                s([Some("claude-code"); 5]).with_name("workflow".into()),
            ],
        )
        .unwrap();
        let out = resolve_workflows(&df, &rules).unwrap();
        let names: Vec<&str> = out
            .column("workflow_resolved")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        // tag beats entrypoint (first rule); codex fails `sdk`'s source and `docs`' repo;
        // the default label stays when no rule matches
        assert_eq!(
            names,
            vec!["nightly", "sdk", "claude-code", "platform", "bot"]
        );
        let partial = vec![rule("bot", &|r| {
            r.actor = Some("ci-bot".into());
            r.project = Some("other".into());
        })];
        let out = resolve_workflows(&df, &partial).unwrap();
        let last = out
            .column("workflow_resolved")
            .unwrap()
            .str()
            .unwrap()
            .get(4);
        assert_eq!(last, Some("claude-code"), "every condition must hold");
    }

    #[test]
    fn working_directories_resolve_to_the_deepest_repository() {
        let repos = vec![
            RepoSpec {
                id: "o/mono".into(),
                workdirs: vec!["/src/mono".into()],
                ..Default::default()
            },
            RepoSpec {
                id: "o/sub".into(),
                workdirs: vec!["/src/mono/vendor/sub".into()],
                patterns: vec!["/home/*/sub".into()],
                ..Default::default()
            },
        ];
        assert_eq!(repo_of_cwd("/src/mono/x", &repos), Some(0));
        assert_eq!(repo_of_cwd("/src/mono/vendor/sub/y", &repos), Some(1));
        assert_eq!(repo_of_cwd("/src/monolith", &repos), None);
        assert_eq!(repo_of_cwd("/home/bo/sub/z", &repos), Some(1));
        assert_eq!(repo_of_cwd("/elsewhere", &repos), None);
    }
}
