//! Changed lines (`--stats`): per commit, the diff against its first parent; per merge PR, the
//! merge against its first parent (the PR's net change). libgit2 without rename detection, so
//! the numbers equal `git diff --no-renames --numstat` (binary files count no lines). Commits
//! are diffed in parallel with one `Repository` per rayon worker (`Repository` is `Send`, not
//! `Sync`). A missing object skips that commit with a warning; it never aborts the run. A PR
//! export's own numbers (GitHub's diff) take precedence for PRs. A rebase-merged PR's numbers
//! are the sums over its commits (a file changed by two commits counts twice in `files`).

use std::collections::BTreeMap;

use anyhow::Result;
use git2::{Oid, Repository};
use rayon::prelude::*;

use super::git::{self, Repo};
use super::{Commit, PrKind, Stats};

fn diff_stats(repo: &Repository, oid: Oid) -> Result<Stats, git2::Error> {
    let commit = repo.find_commit(oid)?;
    let tree = commit.tree()?;
    let parent_tree = match commit.parent_count() {
        0 => None,
        _ => Some(commit.parent(0)?.tree()?),
    };
    let diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), None)?;
    let s = diff.stats()?;
    Ok(Stats {
        additions: s.insertions() as u64,
        deletions: s.deletions() as u64,
        files: s.files_changed() as u64,
    })
}

/// Fills commit stats (not for merges: a merge repeats its PR) and PR stats.
pub(crate) fn fill(
    repo: &Repo,
    commits: &mut [Commit],
    prs: &mut super::PrMap,
    warnings: &mut Vec<String>,
) -> Result<()> {
    // consecutive diffs share trees
    git2::opts::enable_caching(true);
    let git_dir = repo.repo.path().to_path_buf();
    let jobs: Vec<(usize, Oid)> = commits
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Oid::from_str(c.sha()).ok().map(|o| (i, o)))
        .collect();
    let results: Vec<(usize, Option<Result<Stats, git2::Error>>)> = jobs
        .par_iter()
        .map_init(
            || Repository::open(&git_dir),
            |r, &(i, oid)| match r {
                Ok(r) => (i, Some(diff_stats(r, oid))),
                Err(_) => (i, None),
            },
        )
        .collect();
    let mut merge_stats: BTreeMap<usize, Stats> = BTreeMap::new();
    let mut missing = Vec::new();
    for (i, r) in results {
        match r {
            Some(Ok(s)) if commits[i].parent_count >= 2 => {
                merge_stats.insert(i, s);
            }
            Some(Ok(s)) => commits[i].stats = Some(Box::new(s)),
            Some(Err(e)) if git::is_missing(&e) => missing.push(commits[i].sha().to_string()),
            Some(Err(e)) => return Err(e.into()),
            None => anyhow::bail!("cannot reopen {} for line stats", git_dir.display()),
        }
    }
    missing.sort();
    for sha in &missing {
        warnings.push(format!(
            "{}: commit {} has a missing object; its line stats were skipped",
            repo.path.display(),
            &sha[..7.min(sha.len())]
        ));
    }
    let by_sha: BTreeMap<&str, usize> = commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.sha(), i))
        .collect();
    for pr in prs.values_mut() {
        if pr.additions.is_some() {
            continue; // the export's numbers
        }
        let total = match pr.kind {
            PrKind::Merge => pr
                .merge_sha
                .as_deref()
                .and_then(|s| by_sha.get(s))
                .and_then(|i| merge_stats.get(i).copied()),
            PrKind::Squash | PrKind::Rebase => {
                let parts: Option<Vec<Stats>> = pr
                    .commit_shas
                    .iter()
                    .map(|s| {
                        by_sha
                            .get(s.as_str())
                            .and_then(|&i| commits[i].stats.as_deref().copied())
                    })
                    .collect();
                parts.map(|p| {
                    p.iter().fold(Stats::default(), |a, s| Stats {
                        additions: a.additions + s.additions,
                        deletions: a.deletions + s.deletions,
                        files: a.files + s.files,
                    })
                })
            }
            PrKind::ExportOnly => None,
        };
        if let Some(t) = total {
            pr.additions = Some(t.additions);
            pr.deletions = Some(t.deletions);
            pr.changed_files = Some(t.files);
        }
    }
    Ok(())
}
