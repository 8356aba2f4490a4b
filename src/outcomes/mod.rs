//! Outcomes: what the spend bought, read from git history and PR exports.
//!
//! Per repository ([`load`]): walk the first-parent chain of the mainline, classify each
//! mainline commit (merge PR, squash PR, direct push, non-PR merge; [`patterns`]), take a merge
//! PR's commits from `M^1..M^2`, find AI markers in every commit ([`markers`]) and git-ai notes,
//! link reverts to the PRs they revert, join a PR export when given ([`export`]; it is ground
//! truth: it adds times, authors, labels, unmerged and rebase-merged PRs, and every disagreement
//! with git is reported), and optionally count changed lines ([`stats`]).

pub mod export;
pub mod frame;
pub mod git;
pub mod graph;
pub mod markers;
pub mod pack;
pub mod patterns;
pub mod scan;
pub mod stats;
pub mod walk;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::LazyLock;

use anyhow::{Context, Result};
use foldhash::{HashMap, HashMapExt, HashSet};
use git2::Oid;
use rayon::prelude::*;
use regex::Regex;

use crate::ingest::Text;
pub use export::PrState;
use markers::Marker;
use patterns::{Patterns, PrRef, split_message};

/// What a commit is in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitKind {
    /// A mainline merge commit that landed a PR.
    Merge,
    /// A mainline single commit that landed a PR (squash, Gerrit change, …).
    Squash,
    /// A mainline commit that came from a rebase-merged PR (known from the export).
    Rebase,
    /// A mainline commit with no PR.
    Direct,
    /// A mainline merge that is not a PR (`Merge branch 'main' into x`, `Merge tag`).
    NonPrMerge,
    /// A commit brought in by a mainline merge (`M^1..M^2`).
    Branch,
}

impl CommitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CommitKind::Merge => "merge",
            CommitKind::Squash => "squash",
            CommitKind::Rebase => "rebase",
            CommitKind::Direct => "direct",
            CommitKind::NonPrMerge => "non_pr_merge",
            CommitKind::Branch => "branch",
        }
    }
}

/// How a PR landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrKind {
    Merge,
    Squash,
    Rebase,
    /// Known only from the export (unmerged, or its merge commit is not in this history).
    ExportOnly,
}

impl PrKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrKind::Merge => "merge",
            PrKind::Squash => "squash",
            PrKind::Rebase => "rebase",
            PrKind::ExportOnly => "export_only",
        }
    }
}

/// Where a PR's record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrOrigin {
    Git,
    Export,
    Both,
}

impl PrOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            PrOrigin::Git => "git",
            PrOrigin::Export => "export",
            PrOrigin::Both => "both",
        }
    }
}

/// Lines changed (libgit2, no rename detection: like `git diff --no-renames --numstat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub additions: u64,
    pub deletions: u64,
    pub files: u64,
}

/// A commit of the `commits` table.
#[derive(Debug, Clone)]
pub struct Commit {
    pub repo: Text,
    /// The sha, author, author email, committer email and subject, one after the other in
    /// one allocation (one instead of five for each of the many commits read); read them
    /// through the methods of the same names.
    text: Box<str>,
    /// Where each of the first four ends in `text`.
    ends: [u32; 4],
    pub parent_count: u32,
    pub authored_at: i64,
    pub committed_at: i64,
    pub mainline: bool,
    pub kind: CommitKind,
    pub pr: Option<u64>,
    pub markers: Vec<Marker>,
    /// Boxed: only `--stats` fills it, and every commit record carries the field.
    pub stats: Option<Box<Stats>>,
    pub is_revert: bool,
    /// The commit this one reverts (full sha when known).
    pub reverts_sha: Option<Box<str>>,
    /// The (possibly abbreviated) sha its message names in `This reverts commit <sha>`.
    reverts_named: Option<Box<str>>,
}

impl Commit {
    fn part(&self, i: usize) -> &str {
        let start = match i {
            0 => 0,
            _ => self.ends.get(i - 1).map_or(0, |&e| e as usize),
        };
        let end = self.ends.get(i).map_or(self.text.len(), |&e| e as usize);
        self.text.get(start..end).unwrap_or_default()
    }

    /// The full sha, lowercase hex.
    pub fn sha(&self) -> &str {
        self.part(0)
    }

    pub fn author(&self) -> &str {
        self.part(1)
    }

    pub fn author_email(&self) -> &str {
        self.part(2)
    }

    pub fn committer_email(&self) -> &str {
        self.part(3)
    }

    /// The first line of the message.
    pub fn subject(&self) -> &str {
        self.part(4)
    }
}

/// A PR/MR of the `prs` table.
#[derive(Debug, Clone)]
pub struct Pr {
    pub repo: Text,
    pub number: u64,
    pub kind: PrKind,
    pub state: PrState,
    pub platform: &'static str,
    /// The pattern that identified it in git, or `export`.
    pub pattern: String,
    pub title: Option<String>,
    pub head_branch: Option<String>,
    pub base_branch: Option<String>,
    pub author: Option<String>,
    pub created_at: Option<i64>,
    pub merged_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// Earliest author time of its commits.
    pub first_commit_at: Option<i64>,
    pub merge_sha: Option<String>,
    pub commit_shas: Vec<String>,
    /// The commits the PR's branch had as exported (before a squash or rebase rewrote them):
    /// what an agent session saw when it committed.
    pub branch_shas: Vec<String>,
    pub additions: Option<u64>,
    pub deletions: Option<u64>,
    pub changed_files: Option<u64>,
    pub labels: Vec<String>,
    pub markers: Vec<Marker>,
    pub is_revert: bool,
    /// What it reverts: `#N` or a sha.
    pub reverts: Option<String>,
    pub reverted: bool,
    /// What reverted it: `#N` or a sha.
    pub reverted_by: Option<String>,
    pub reverted_at: Option<i64>,
    pub origin: PrOrigin,
}

impl Pr {
    pub fn ai_assisted(&self) -> bool {
        !self.markers.is_empty()
    }

    pub fn ai_agents(&self) -> Vec<String> {
        let s: BTreeSet<&str> = self.markers.iter().map(|m| m.agent.as_str()).collect();
        s.into_iter().map(str::to_string).collect()
    }

    pub fn ai_models(&self) -> Vec<String> {
        let s: BTreeSet<&str> = self
            .markers
            .iter()
            .filter_map(|m| m.model.as_deref())
            .collect();
        s.into_iter().map(str::to_string).collect()
    }

    pub fn ai_evidence(&self) -> Vec<String> {
        let s: BTreeSet<&str> = self.markers.iter().map(|m| m.evidence.as_str()).collect();
        s.into_iter().map(str::to_string).collect()
    }
}

/// A repository as read.
#[derive(Debug, Clone)]
pub struct RepoInfo {
    pub id: Text,
    pub path: PathBuf,
    pub origin_url: Option<String>,
    /// What was walked (`refs/remotes/origin/main`, `HEAD (detached at …)`).
    pub mainline: String,
    pub branch: Option<String>,
    pub tip: String,
    pub shallow: bool,
    /// Whether git's commit-graph gave the history's shape.
    pub commit_graph: bool,
    /// Otherwise how many commits were read ahead from the packs for it.
    pub read_ahead: u64,
    pub mainline_commits: u64,
    pub commits: u64,
    pub notes: u64,
    pub exports: Vec<PathBuf>,
    /// Work trees of the repository (the main one and linked `git worktree`s), absolute.
    pub workdirs: Vec<PathBuf>,
}

/// A place where the export and git disagree, or git is ambiguous.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Disagreement {
    pub repo: String,
    pub number: Option<u64>,
    pub what: String,
}

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub repos: Vec<PathBuf>,
    /// Export files and, when given right after a `--repo`, that repository's index.
    pub exports: Vec<(PathBuf, Option<usize>)>,
    pub branch: Option<String>,
    /// Per repository (by index), a mainline branch that overrides `branch`.
    pub repo_branches: Vec<Option<String>>,
    pub patterns: Vec<String>,
    pub stats: bool,
}

/// Everything read from the repositories and exports.
#[derive(Debug, Default)]
pub struct Outcomes {
    pub repos: Vec<RepoInfo>,
    pub prs: Vec<Pr>,
    pub commits: Vec<Commit>,
    pub warnings: Vec<String>,
    pub disagreements: Vec<Disagreement>,
}

fn re(p: &str) -> Regex {
    Regex::new(p).unwrap_or_else(|e| panic!("built-in pattern `{p}`: {e}"))
}

static REVERT_SUBJECT: LazyLock<Regex> = LazyLock::new(|| re(r#"^(?:Revert|Reapply) "(.*)""#));

/// Whether a subject or title is git's revert form, [`REVERT_SUBJECT`]; its literal start is
/// checked first, since nearly every commit is not a revert.
fn is_revert_subject(text: &str) -> bool {
    (text.starts_with("Revert \"") || text.starts_with("Reapply \""))
        && REVERT_SUBJECT.is_match(text)
}
static REVERTS_SHA: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^This reverts commit ([0-9a-fA-F]{7,40})"));

/// Reads all repositories and exports.
pub fn load(opts: &Options) -> Result<Outcomes> {
    let patterns = Patterns::new(&opts.patterns)?;
    let mut out = Outcomes::default();
    let mut opened = Vec::new();
    for path in &opts.repos {
        let repo = git::Repo::open(path)?;
        opened.push(repo);
    }
    // pair exports with repositories: explicit (after its --repo), by URL, or the only one
    let mut exports_of: Vec<Vec<(PathBuf, export::ExportFile)>> =
        (0..opened.len()).map(|_| Vec::new()).collect();
    for (path, paired) in &opts.exports {
        let file = export::read(path)?;
        out.warnings.extend(
            file.rejected
                .iter()
                .map(|r| format!("PR export entry skipped: {r}")),
        );
        let target = match paired {
            Some(i) => Some(*i),
            None => pair_by_url(&opened, &file).or(if opened.len() == 1 { Some(0) } else { None }),
        };
        let Some(i) = target else {
            anyhow::bail!(
                "cannot tell which repository the PR export {} belongs to: its PR URLs match no \
                 repository's origin remote; put --prs right after its --repo",
                path.display()
            );
        };
        exports_of[i].push((path.clone(), file));
    }
    for (i, (repo, exports)) in opened.iter().zip(exports_of).enumerate() {
        let branch = opts
            .repo_branches
            .get(i)
            .cloned()
            .flatten()
            .or_else(|| opts.branch.clone());
        read_repo(repo, exports, branch.as_deref(), opts, &patterns, &mut out)
            .with_context(|| format!("repository {}", repo.path.display()))?;
    }
    out.prs
        .sort_by(|a, b| (&a.repo, a.number).cmp(&(&b.repo, b.number)));
    // in place: commits are large, and (repo, sha) is unique unless a repository was given
    // twice, when the equal commits are identical
    out.commits.sort_unstable_by(|a, b| {
        (&a.repo, a.committed_at, a.sha()).cmp(&(&b.repo, b.committed_at, b.sha()))
    });
    out.disagreements.sort();
    Ok(out)
}

fn pair_by_url(repos: &[git::Repo], file: &export::ExportFile) -> Option<usize> {
    let slug = file
        .prs
        .iter()
        .find_map(|p| p.url.as_deref().and_then(export::url_slug))?;
    repos.iter().position(|r| {
        r.origin_url()
            .and_then(|u| git::remote_slug(&u))
            .is_some_and(|s| s.eq_ignore_ascii_case(&slug))
    })
}

/// PRs by number, stored in one vector (a `Pr` is large: none gets an allocation of its own,
/// none moves when another is added) and found through an index.
#[derive(Default)]
pub(crate) struct PrMap {
    slots: Vec<Option<Pr>>,
    index: HashMap<u64, usize>,
}

impl PrMap {
    pub(crate) fn get(&self, number: u64) -> Option<&Pr> {
        self.slots.get(*self.index.get(&number)?)?.as_ref()
    }

    pub(crate) fn get_mut(&mut self, number: u64) -> Option<&mut Pr> {
        self.slots.get_mut(*self.index.get(&number)?)?.as_mut()
    }

    /// Adds a PR, replacing the one with its number.
    pub(crate) fn insert(&mut self, pr: Pr) {
        match self.index.get(&pr.number) {
            Some(&i) => self.slots[i] = Some(pr),
            None => {
                self.index.insert(pr.number, self.slots.len());
                self.slots.push(Some(pr));
            }
        }
    }

    /// Takes a PR out.
    pub(crate) fn take(&mut self, number: u64) -> Option<Pr> {
        let i = self.index.remove(&number)?;
        self.slots.get_mut(i)?.take()
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &Pr> {
        self.slots.iter().flatten()
    }

    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut Pr> {
        self.slots.iter_mut().flatten()
    }

    /// The PRs, in no particular order (the caller sorts).
    pub(crate) fn into_vec(self) -> Vec<Pr> {
        somes_in_place(self.slots)
    }
}

/// The values of `slots`, moved within the same allocation (which keeps its capacity) when
/// an `Option<T>` is no larger than a `T`; `flatten` would copy them into a new one.
pub(crate) fn somes_in_place<T>(slots: Vec<Option<T>>) -> Vec<T> {
    #[allow(clippy::filter_map_identity)]
    slots.into_iter().filter_map(|s| s).collect()
}

/// The values of `slots` without the `None`s, or the first error, moved in one pass within
/// the same allocation (as [`somes_in_place`]).
pub(crate) fn values_in_place<T>(slots: Vec<Result<Option<T>>>) -> Result<Vec<T>> {
    slots.into_iter().filter_map(Result::transpose).collect()
}

/// The per-repository work.
fn read_repo(
    repo: &git::Repo,
    exports: Vec<(PathBuf, export::ExportFile)>,
    branch: Option<&str>,
    opts: &Options,
    patterns: &Patterns,
    out: &mut Outcomes,
) -> Result<()> {
    let id: Text = Text::from(repo.id());
    let mainline = repo.mainline(branch)?;
    git::check_readable(repo, &mainline)?;
    let history = repo.history();
    let shallow = repo.is_shallow();
    let decoder = walk::Decoder { id: &id, patterns };
    let walk::Walk {
        mut commits,
        landed,
        cut,
        with_graph,
        read_ahead,
    } = walk::walk(&history, mainline.tip, &decoder)?;
    let oldest = (landed.len().checked_sub(1))
        .map(|i| short(Some(commits[i].sha())))
        .unwrap_or_default();

    let mut absent: HashSet<Oid> = HashSet::default();
    // the walk put the mainline first in `commits`, newest first
    let mainline_len = landed.len();
    // the PRs named: where the commit is, the commits a PR merge brought in, the reference
    let mut refs: Vec<(usize, std::ops::Range<usize>, PrRef)> = Vec::with_capacity(landed.len());
    // oldest first
    for (at, walk::Landed { pr, merged }) in landed.into_iter().enumerate().rev() {
        let commit = &commits[at];
        let mut members = 0..0;
        if let Some(merged) = merged {
            if merged.range.is_empty() && !merged.missing.is_empty() {
                out.warnings.push(format!(
                    "{id}: the commits merged by {} are not in this clone (shallow or \
                     incomplete); that merge counts without them",
                    short(Some(commit.sha()))
                ));
            } else {
                absent.extend(merged.missing);
            }
            if commit.kind == CommitKind::Merge {
                members = merged.range;
            }
        }
        if let Some(r) = pr {
            refs.push((at, members, r));
        }
    }
    let missing = absent.len() as u64 + u64::from(cut && !shallow);
    if shallow {
        out.warnings.push(format!(
            "{id} is a shallow clone: history before {oldest} is not available; PRs merged \
             earlier are missing (fetch with --unshallow for the full history)"
        ));
    }
    if missing > 0 && !shallow {
        out.warnings.push(format!(
            "{id}: {missing} commit object(s) are missing from the repository; they were skipped"
        ));
    }

    // git-ai notes
    let notes = repo.ai_notes()?;
    let mut note_count = 0u64;
    let by_sha: HashMap<&str, usize> = match notes.is_empty() {
        true => HashMap::new(),
        false => (commits.iter().enumerate())
            .map(|(i, c)| (c.sha(), i))
            .collect(),
    };
    let annotated: Vec<(usize, &String)> = notes
        .iter()
        .filter_map(|(oid, text)| Some((*by_sha.get(oid.to_string().as_str())?, text)))
        .collect();
    drop(by_sha);
    for (i, text) in annotated {
        note_count += 1;
        commits[i].markers.extend(markers::in_git_ai_note(text));
        commits[i].markers.sort();
        commits[i].markers.dedup();
    }

    // PRs found in git, built in parallel straight into their places in the map, then taken
    // newest landing first: a number seen again on an older commit (a re-landed cherry-pick)
    // keeps the newer landing
    type Landing = (usize, std::ops::Range<usize>, Vec<u64>);
    let (landings, slots): (Vec<Landing>, Vec<Option<Pr>>) = (refs.into_par_iter().rev())
        .map(|(at, members, mut r)| {
            let numbers = std::mem::take(&mut r.numbers);
            let pr = (numbers.first())
                .map(|&n| git_pr(&id, &commits, at, members.clone(), r, n, &mainline));
            ((at, members, numbers), pr)
        })
        .unzip();
    let mut prs = PrMap {
        index: HashMap::with_capacity(slots.len()),
        slots,
    };
    let mut landed: HashMap<u64, usize> = HashMap::with_capacity(landings.len());
    let mut again = |number: u64, at: usize, landed: &mut HashMap<u64, usize>| {
        let Some(&prev) = landed.get(&number) else {
            landed.insert(number, at);
            return false;
        };
        out.disagreements.push(Disagreement {
            repo: id.to_string(),
            number: Some(number),
            what: format!(
                "PR #{number} appears on two mainline commits ({} and {}); the newer is counted",
                short(Some(commits[prev].sha())),
                short(Some(commits[at].sha()))
            ),
        });
        true
    };
    for (slot, (at, _, numbers)) in landings.iter().enumerate() {
        // a bors batch: the same facts under each further number
        let batch: Vec<Pr> = match (&prs.slots[slot], numbers.get(1..)) {
            (Some(pr), Some(more)) => (more.iter())
                .map(|&number| Pr {
                    number,
                    ..pr.clone()
                })
                .collect(),
            _ => Vec::new(),
        };
        if let Some(&number) = numbers.first() {
            match again(number, *at, &mut landed) {
                true => prs.slots[slot] = None,
                false => {
                    prs.index.insert(number, slot);
                }
            }
        }
        for pr in batch {
            if !again(pr.number, *at, &mut landed) {
                prs.insert(pr);
            }
        }
    }
    // each landing's commits take its first number
    for (at, members, numbers) in landings {
        let first = numbers.first().copied();
        for m in members {
            commits[m].pr = first;
        }
        commits[at].pr = first;
    }
    let export_paths: Vec<PathBuf> = exports.iter().map(|(p, _)| p.clone()).collect();
    for (path, file) in exports {
        join_export(&id, &path, file, &mut commits, mainline_len, &mut prs, out);
    }

    link_reverts(&mut commits, &mut prs);

    if opts.stats {
        stats::fill(repo, &mut commits, &mut prs, &mut out.warnings)?;
    }

    out.repos.push(RepoInfo {
        id: id.clone(),
        path: repo.path.clone(),
        origin_url: repo.origin_url(),
        mainline: mainline.reference.clone(),
        branch: mainline.branch.clone(),
        tip: mainline.tip.to_string(),
        shallow,
        commit_graph: with_graph,
        read_ahead,
        mainline_commits: commits.iter().filter(|c| c.mainline).count() as u64,
        commits: commits.len() as u64,
        notes: note_count,
        exports: export_paths,
        workdirs: repo.workdirs(),
    });
    if out.prs.is_empty() {
        out.prs = prs.into_vec();
    } else {
        out.prs.extend(prs.into_vec());
    }
    if out.commits.is_empty() {
        out.commits = commits;
    } else {
        out.commits.extend(commits);
    }
    Ok(())
}

/// The PR numbered `number` that a mainline commit landed, from git alone.
fn git_pr(
    id: &Text,
    commits: &[Commit],
    at: usize,
    members: std::ops::Range<usize>,
    r: PrRef,
    number: u64,
    mainline: &git::Mainline,
) -> Pr {
    let c = &commits[at];
    let mut shas: Vec<(i64, &str)> = (members.clone())
        .map(|m| (commits[m].authored_at, commits[m].sha()))
        .collect();
    if c.kind == CommitKind::Squash {
        shas.push((c.authored_at, c.sha()));
    }
    shas.sort_unstable();
    let first_commit_at = shas.first().map(|(t, _)| *t);
    let commit_shas: Vec<String> = shas.iter().map(|(_, s)| s.to_string()).collect();
    let author = match c.kind {
        CommitKind::Merge => (members.clone())
            .min_by_key(|&m| (commits[m].authored_at, commits[m].sha()))
            .map(|m| commits[m].author().to_string())
            .or_else(|| Some(c.author().to_string())),
        _ => Some(c.author().to_string()),
    };
    let mut markers: Vec<Marker> = c.markers.clone();
    for m in members {
        markers.extend(commits[m].markers.iter().cloned());
    }
    if let Some(b) = r.head_branch.as_deref().and_then(markers::in_branch) {
        markers.push(b);
    }
    markers.sort();
    markers.dedup();
    Pr {
        repo: id.clone(),
        number,
        kind: if c.kind == CommitKind::Merge {
            PrKind::Merge
        } else {
            PrKind::Squash
        },
        state: PrState::Merged,
        platform: r.platform,
        pattern: r.pattern,
        title: r.title,
        head_branch: r.head_branch,
        base_branch: r.base_branch.or_else(|| mainline.branch.clone()),
        author,
        created_at: None,
        merged_at: Some(c.committed_at),
        closed_at: Some(c.committed_at),
        first_commit_at,
        merge_sha: Some(c.sha().to_string()),
        commit_shas,
        branch_shas: Vec::new(),
        additions: None,
        deletions: None,
        changed_files: None,
        labels: Vec::new(),
        markers,
        is_revert: false,
        reverts: None,
        reverted: false,
        reverted_by: None,
        reverted_at: None,
        origin: PrOrigin::Git,
    }
}

fn short(sha: Option<&str>) -> String {
    sha.map(|s| s[..7.min(s.len())].to_string())
        .unwrap_or_default()
}

fn commit_of(repo: &Text, raw: git::RawCommit<'_>, mainline: bool, kind: CommitKind) -> Commit {
    let markers = markers::in_commit(
        &raw.message,
        (&raw.author_name, &raw.author_email),
        (&raw.committer_name, &raw.committer_email),
    );
    let (subject, _) = split_message(&raw.message);
    // most messages name no reverted commit: a substring search spares building captures
    static REVERTS: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("This reverts commit "));
    let reverts_named = (REVERTS.find(raw.message.as_bytes()))
        .and_then(|_| REVERTS_SHA.captures(&raw.message))
        .map(|k| k[1].to_ascii_lowercase().into());
    // a candidate; `link_reverts` finds what it reverts
    let is_revert = is_revert_subject(subject) || reverts_named.is_some();
    // the message itself is not kept: what is needed from it is read here
    let mut text = String::with_capacity(
        40 + raw.author_name.len()
            + raw.author_email.len()
            + raw.committer_email.len()
            + subject.len(),
    );
    git::hex_into(raw.oid, &mut text);
    // each part's start is where the one before it ends
    let mut ends = [0u32; 4];
    let parts = [
        &*raw.author_name,
        &*raw.author_email,
        &*raw.committer_email,
        subject,
    ];
    for (end, part) in ends.iter_mut().zip(parts) {
        *end = u32::try_from(text.len()).unwrap_or(u32::MAX);
        text.push_str(part);
    }
    Commit {
        repo: repo.clone(),
        text: text.into_boxed_str(),
        ends,
        parent_count: u32::try_from(raw.parents).unwrap_or(u32::MAX),
        authored_at: raw.authored_at,
        committed_at: raw.committed_at,
        mainline,
        kind,
        pr: None,
        markers,
        stats: None,
        is_revert,
        reverts_sha: None,
        reverts_named,
    }
}

/// Joins one export: ground truth for numbers, times, authors, labels, unmerged and
/// rebase-merged PRs. Every disagreement with git is recorded.
#[allow(clippy::too_many_arguments)]
fn join_export(
    id: &Text,
    path: &std::path::Path,
    file: export::ExportFile,
    commits: &mut [Commit],
    mainline_len: usize,
    prs: &mut PrMap,
    out: &mut Outcomes,
) {
    let mut disagree = |number: Option<u64>, what: String| {
        out.disagreements.push(Disagreement {
            repo: id.to_string(),
            number,
            what,
        })
    };
    let by_sha: HashMap<String, usize> = commits
        .iter()
        .enumerate()
        .filter(|(_, c)| c.mainline)
        .map(|(i, c)| (c.sha().to_string(), i))
        .collect();
    let mut exported: BTreeSet<u64> = BTreeSet::new();
    let mut merged_range: Option<(i64, i64)> = None;
    for e in file.prs {
        exported.insert(e.number);
        if let Some(t) = e.merged_at {
            merged_range = Some(match merged_range {
                Some((lo, hi)) => (lo.min(t), hi.max(t)),
                None => (t, t),
            });
        }
        let landed = e.squash_sha.as_deref().or(e.merge_sha.as_deref());
        let at = match (e.state, landed) {
            (PrState::Merged, Some(sha)) => by_sha.get(sha.to_ascii_lowercase().as_str()).copied(),
            _ => None,
        };
        if let (PrState::Merged, Some(sha), None) = (e.state, landed, at) {
            disagree(
                Some(e.number),
                format!(
                    "the export says PR #{} landed as {}, which is not on the walked mainline \
                     (merged elsewhere, or history not fetched)",
                    e.number,
                    short(Some(sha))
                ),
            );
        }
        let mut pr = match (at, at.and_then(|i| commits[i].pr)) {
            // git knows this commit's PR
            (Some(i), Some(n)) => {
                let git_pr = prs.take(n);
                if n != e.number {
                    disagree(
                        Some(e.number),
                        format!(
                            "commit {} is PR #{n} by its message but PR #{} in the export; the \
                             export is used",
                            short(Some(commits[i].sha())),
                            e.number
                        ),
                    );
                    for c in commits.iter_mut().filter(|c| c.pr == Some(n)) {
                        c.pr = Some(e.number);
                    }
                }
                let mut p = git_pr.unwrap_or_else(|| blank_pr(id, e.number));
                p.number = e.number;
                p.origin = PrOrigin::Both;
                p
            }
            // a mainline commit without a PR message: a rebase merge. Its commits are the run
            // of mainline commits ending at it whose subjects match the export's commits.
            (Some(i), None) => {
                let mut p = blank_pr(id, e.number);
                p.kind = PrKind::Rebase;
                p.origin = PrOrigin::Both;
                let wanted: Vec<&str> = e
                    .commits
                    .iter()
                    .rev()
                    .map(|c| c.headline.as_str())
                    .collect();
                let mut members = vec![i];
                // the mainline is `commits[..mainline_len]`, newest first: older ones follow
                for (j, c) in commits.iter().enumerate().take(mainline_len).skip(i + 1) {
                    let Some(want) = wanted.get(j - i) else {
                        break;
                    };
                    if c.subject() != &**want || c.pr.is_some() {
                        break;
                    }
                    members.push(j);
                }
                for &j in &members {
                    commits[j].kind = CommitKind::Rebase;
                    commits[j].pr = Some(e.number);
                    p.markers.extend(commits[j].markers.iter().cloned());
                }
                let mut shas: Vec<(i64, String)> = members
                    .iter()
                    .map(|&j| (commits[j].authored_at, commits[j].sha().to_string()))
                    .collect();
                shas.sort();
                p.first_commit_at = shas.first().map(|(t, _)| *t);
                p.commit_shas = shas.into_iter().map(|(_, s)| s).collect();
                p.merge_sha = Some(commits[i].sha().to_string());
                p.merged_at = Some(commits[i].committed_at);
                p
            }
            (None, _) => {
                let mut p = blank_pr(id, e.number);
                p.merge_sha = landed.map(str::to_string);
                p
            }
        };
        // the export's facts win
        pr.state = e.state;
        pr.platform = e.platform;
        if e.title.is_some() {
            pr.title = e.title.clone();
        }
        if e.author.is_some() {
            pr.author = e.author.clone();
        }
        pr.created_at = e.created_at.or(pr.created_at);
        pr.merged_at = e.merged_at.or(if e.state == PrState::Merged {
            pr.merged_at
        } else {
            None
        });
        pr.closed_at = e.closed_at.or(pr.closed_at);
        if e.head_branch.is_some() {
            pr.head_branch = e.head_branch.clone();
        }
        if e.base_branch.is_some() {
            pr.base_branch = e.base_branch.clone();
        }
        pr.additions = e.additions.or(pr.additions);
        pr.deletions = e.deletions.or(pr.deletions);
        pr.changed_files = e.changed_files.or(pr.changed_files);
        pr.labels = e.labels.clone();
        for c in &e.commits {
            let (name, email) = c.authors.first().cloned().unwrap_or_default();
            pr.markers
                .extend(markers::in_commit(&c.message, (&name, &email), ("", "")));
            if !c.oid.is_empty() {
                if pr.kind == PrKind::ExportOnly {
                    pr.commit_shas.push(c.oid.clone());
                }
                pr.branch_shas.push(c.oid.clone());
            }
            if let Some(t) = c.authored_at {
                pr.first_commit_at = Some(pr.first_commit_at.map_or(t, |f| f.min(t)));
            }
        }
        if let Some(b) = pr.head_branch.as_deref().and_then(markers::in_branch) {
            pr.markers.push(b);
        }
        pr.markers.sort();
        pr.markers.dedup();
        prs.insert(pr);
    }
    // PRs git found that the export does not list, within the export's period
    if let Some((lo, hi)) = merged_range {
        for pr in prs.values() {
            if pr.origin == PrOrigin::Git
                && !exported.contains(&pr.number)
                && pr.merged_at.is_some_and(|t| t >= lo && t <= hi)
            {
                disagree(
                    Some(pr.number),
                    format!(
                        "PR #{} ({}) is in git but not in the export {}",
                        pr.number,
                        short(pr.merge_sha.as_deref()),
                        path.display()
                    ),
                );
            }
        }
    }
}

pub(crate) fn blank_pr(id: &Text, number: u64) -> Pr {
    Pr {
        repo: id.clone(),
        number,
        kind: PrKind::ExportOnly,
        state: PrState::Merged,
        platform: "export",
        pattern: "export".into(),
        title: None,
        head_branch: None,
        base_branch: None,
        author: None,
        created_at: None,
        merged_at: None,
        closed_at: None,
        first_commit_at: None,
        merge_sha: None,
        commit_shas: Vec::new(),
        branch_shas: Vec::new(),
        additions: None,
        deletions: None,
        changed_files: None,
        labels: Vec::new(),
        markers: Vec::new(),
        is_revert: false,
        reverts: None,
        reverted: false,
        reverted_by: None,
        reverted_at: None,
        origin: PrOrigin::Export,
    }
}

/// Links revert commits to what they revert: `This reverts commit <sha>` first, else the
/// subject `Revert "<original subject>"` matched to the newest earlier mainline commit. A PR
/// containing a revert (or titled `Revert "…"`) is a revert PR; the PR it reverts is marked
/// reverted, with what reverted it and when (the revert's landing on the mainline).
fn link_reverts(commits: &mut [Commit], prs: &mut PrMap) {
    // Reverts were flagged while decoding. Each names its victim by sha (`This reverts commit
    // <sha>`, possibly abbreviated) or only by subject (`Revert "<subject>"`); rather than
    // indexing every commit, look up only what the reverts name.
    let queries: Vec<(usize, Option<&str>, Option<&str>)> = (commits.iter().enumerate())
        .filter(|(_, c)| c.is_revert)
        .map(|(i, c)| {
            let sha = c.reverts_named.as_deref();
            let subject = (REVERT_SUBJECT.captures(c.subject()))
                .and_then(|k| k.get(1))
                .map(|m| m.as_str());
            (i, sha, subject)
        })
        .collect();
    let mut by_sha: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_subject: HashMap<&str, Vec<usize>> = HashMap::new();
    for (_, sha, subject) in &queries {
        if let Some(sha) = sha {
            by_sha.insert(sha, Vec::new());
        }
        if let Some(subject) = subject {
            by_subject.insert(subject, Vec::new());
        }
    }
    let lengths: BTreeSet<usize> = by_sha.keys().map(|k| k.len()).collect();
    if !by_sha.is_empty() || !by_subject.is_empty() {
        for (j, c) in commits.iter().enumerate() {
            for &n in &lengths {
                if let Some(hits) = c.sha().get(..n).and_then(|p| by_sha.get_mut(p)) {
                    hits.push(j);
                }
            }
            if c.mainline
                && let Some(hits) = by_subject.get_mut(c.subject())
            {
                hits.push(j);
            }
        }
    }
    let mut links: Vec<(usize, Option<usize>)> = Vec::with_capacity(queries.len());
    for (i, sha, subject) in &queries {
        let c = &commits[*i];
        // an ambiguous abbreviation resolves to nothing
        let by_message = match sha
            .as_deref()
            .and_then(|s| by_sha.get(s))
            .map(Vec::as_slice)
        {
            Some(&[j]) => Some(j),
            _ => None,
        };
        // else the newest earlier mainline commit with the reverted subject
        let victim = by_message.or_else(|| {
            (by_subject.get((*subject)?)?.iter())
                .filter(|&&j| j != *i && commits[j].committed_at <= c.committed_at)
                .max_by_key(|&&j| (commits[j].committed_at, commits[j].sha()))
                .copied()
        });
        links.push((*i, victim));
    }
    drop(queries);
    for (r, victim) in links {
        commits[r].is_revert = true;
        commits[r].reverts_sha = victim.map(|v| commits[v].sha().into());
        let revert_pr = commits[r].pr;
        let revert_ref = match revert_pr {
            Some(n) => format!("#{n}"),
            None => commits[r].sha().to_string(),
        };
        let revert_at = match revert_pr.and_then(|n| prs.get(n)) {
            Some(p) => p.merged_at,
            None => Some(commits[r].committed_at),
        };
        let victim_pr = victim.and_then(|v| commits[v].pr);
        if let Some(p) = revert_pr.and_then(|n| prs.get_mut(n)) {
            p.is_revert = true;
            p.reverts = match (victim_pr, victim) {
                (Some(n), _) => Some(format!("#{n}")),
                (None, Some(v)) => Some(commits[v].sha().to_string()),
                (None, None) => p.reverts.take(),
            };
        }
        if let Some(p) = victim_pr.and_then(|n| prs.get_mut(n))
            && victim_pr != revert_pr
        {
            p.reverted = true;
            p.reverted_by = Some(revert_ref);
            p.reverted_at = revert_at;
        }
    }
    for p in prs.values_mut() {
        if p.title.as_deref().is_some_and(is_revert_subject) {
            p.is_revert = true;
        }
    }
}

/// Runs git in `dir` for unit tests: no user or system config, fixed identities and dates;
/// panics with git's output on failure.
#[cfg(test)]
pub(crate) fn test_git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@example.com")
        .env("GIT_COMMITTER_NAME", "C")
        .env("GIT_COMMITTER_EMAIL", "c@example.com")
        .env("GIT_AUTHOR_DATE", "@1790812800 +0000")
        .env("GIT_COMMITTER_DATE", "@1790812800 +0000")
        .args(["-c", "init.defaultBranch=main", "-c", "gc.auto=0"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {:?}", out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}
