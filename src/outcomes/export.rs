//! PR exports, the ground truth git cannot provide alone: GitHub CLI
//! (`gh pr list --json …`, docs/outcomes.md has the exact command) and GitLab's merge request
//! API (`GET /projects/:id/merge_requests`). Both are JSON arrays; the format is told by the
//! keys (`iid` → GitLab, `number` → GitHub). An entry that cannot be read is reported with the
//! file and its position and skipped; a file that is not a JSON array is an error.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;

use crate::ingest::claude::parse_ts;

/// A PR's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrState {
    Merged,
    Closed,
    Open,
}

impl PrState {
    pub fn as_str(self) -> &'static str {
        match self {
            PrState::Merged => "merged",
            PrState::Closed => "closed",
            PrState::Open => "open",
        }
    }
}

/// A commit listed in an export (GitHub lists the first 100 per PR).
#[derive(Debug, Clone, Default)]
pub struct ExportCommit {
    pub oid: String,
    pub headline: String,
    pub message: String,
    pub authored_at: Option<i64>,
    /// (name, email) of each author.
    pub authors: Vec<(String, String)>,
}

/// One PR/MR as exported.
#[derive(Debug, Clone)]
pub struct ExportPr {
    pub platform: &'static str,
    pub number: u64,
    pub title: Option<String>,
    pub url: Option<String>,
    pub state: PrState,
    pub draft: bool,
    pub author: Option<String>,
    pub created_at: Option<i64>,
    pub merged_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub base_branch: Option<String>,
    pub head_branch: Option<String>,
    pub additions: Option<u64>,
    pub deletions: Option<u64>,
    pub changed_files: Option<u64>,
    pub labels: Vec<String>,
    /// The commit the merge created on the base branch (merge or squash commit; for a rebase
    /// merge, the last rebased commit).
    pub merge_sha: Option<String>,
    /// GitLab: the squash commit when the MR was squashed.
    pub squash_sha: Option<String>,
    pub commits: Vec<ExportCommit>,
}

/// A file's PRs, plus entries that could not be read.
#[derive(Debug, Default)]
pub struct ExportFile {
    pub prs: Vec<ExportPr>,
    pub rejected: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Login {
    login: Option<String>,
    username: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Oid {
    oid: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Label {
    Name { name: String },
    Plain(String),
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct GhCommit {
    oid: Option<String>,
    message_headline: Option<String>,
    message_body: Option<String>,
    authored_date: Option<String>,
    authors: Vec<GhAuthor>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GhAuthor {
    name: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GhPr {
    number: u64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    is_draft: Option<bool>,
    #[serde(default)]
    author: Option<Login>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    merged_at: Option<String>,
    #[serde(default)]
    closed_at: Option<String>,
    #[serde(default)]
    base_ref_name: Option<String>,
    #[serde(default)]
    head_ref_name: Option<String>,
    #[serde(default)]
    additions: Option<u64>,
    #[serde(default)]
    deletions: Option<u64>,
    #[serde(default)]
    changed_files: Option<u64>,
    #[serde(default)]
    labels: Vec<Label>,
    #[serde(default)]
    merge_commit: Option<Oid>,
    #[serde(default)]
    commits: Vec<GhCommit>,
}

#[derive(Deserialize)]
struct GlMr {
    iid: u64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    web_url: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    draft: Option<bool>,
    #[serde(default)]
    work_in_progress: Option<bool>,
    #[serde(default)]
    author: Option<Login>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    merged_at: Option<String>,
    #[serde(default)]
    closed_at: Option<String>,
    #[serde(default)]
    source_branch: Option<String>,
    #[serde(default)]
    target_branch: Option<String>,
    #[serde(default)]
    labels: Vec<Label>,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    #[serde(default)]
    squash_commit_sha: Option<String>,
    #[serde(default)]
    changes_count: Option<Value>,
}

fn ts(field: &str, v: &Option<String>) -> Result<Option<i64>, String> {
    match v.as_deref() {
        None | Some("") => Ok(None),
        Some(s) => parse_ts(s)
            .map(Some)
            .ok_or_else(|| format!("`{field}` is not an RFC 3339 time: {s}")),
    }
}

fn labels(ls: Vec<Label>) -> Vec<String> {
    let mut out: Vec<String> = ls
        .into_iter()
        .map(|l| match l {
            Label::Name { name } => name,
            Label::Plain(s) => s,
        })
        .collect();
    out.sort();
    out
}

fn login(a: Option<Login>) -> Option<String> {
    a.and_then(|a| a.login.or(a.username).or(a.name))
}

fn github(v: Value) -> Result<ExportPr, String> {
    let p: GhPr = serde_json::from_value(v).map_err(|e| e.to_string())?;
    let merged_at = ts("mergedAt", &p.merged_at)?;
    let state = match p.state.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("MERGED") => PrState::Merged,
        Some("CLOSED") => PrState::Closed,
        Some("OPEN") => PrState::Open,
        None if merged_at.is_some() => PrState::Merged,
        None => return Err("no `state` and no `mergedAt`".into()),
        Some(other) => return Err(format!("unknown state `{other}`")),
    };
    let mut commits = Vec::with_capacity(p.commits.len());
    for c in p.commits {
        let headline = c.message_headline.unwrap_or_default();
        let message = match c.message_body.as_deref() {
            Some(b) if !b.is_empty() => format!("{headline}\n\n{b}"),
            _ => headline.clone(),
        };
        commits.push(ExportCommit {
            oid: c.oid.unwrap_or_default(),
            headline,
            message,
            authored_at: ts("commits.authoredDate", &c.authored_date)?,
            authors: c
                .authors
                .into_iter()
                .map(|a| (a.name.unwrap_or_default(), a.email.unwrap_or_default()))
                .collect(),
        });
    }
    Ok(ExportPr {
        platform: "github",
        number: p.number,
        title: p.title,
        url: p.url,
        state,
        draft: p.is_draft.unwrap_or(false),
        author: login(p.author),
        created_at: ts("createdAt", &p.created_at)?,
        merged_at,
        closed_at: ts("closedAt", &p.closed_at)?,
        base_branch: p.base_ref_name,
        head_branch: p.head_ref_name,
        additions: p.additions,
        deletions: p.deletions,
        changed_files: p.changed_files,
        labels: labels(p.labels),
        merge_sha: p.merge_commit.and_then(|m| m.oid),
        squash_sha: None,
        commits,
    })
}

fn gitlab(v: Value) -> Result<ExportPr, String> {
    let m: GlMr = serde_json::from_value(v).map_err(|e| e.to_string())?;
    let merged_at = ts("merged_at", &m.merged_at)?;
    let state = match m.state.as_deref() {
        Some("merged") => PrState::Merged,
        Some("closed") | Some("locked") => PrState::Closed,
        Some("opened") => PrState::Open,
        None if merged_at.is_some() => PrState::Merged,
        None => return Err("no `state` and no `merged_at`".into()),
        Some(other) => return Err(format!("unknown state `{other}`")),
    };
    // "changes_count" is a string and may be "1000+"
    let changed_files = match &m.changes_count {
        Some(Value::String(s)) => s.trim_end_matches('+').parse().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    Ok(ExportPr {
        platform: "gitlab",
        number: m.iid,
        title: m.title,
        url: m.web_url,
        state,
        draft: m.draft.or(m.work_in_progress).unwrap_or(false),
        author: login(m.author),
        created_at: ts("created_at", &m.created_at)?,
        merged_at,
        closed_at: ts("closed_at", &m.closed_at)?,
        base_branch: m.target_branch,
        head_branch: m.source_branch,
        additions: None,
        deletions: None,
        changed_files,
        labels: labels(m.labels),
        merge_sha: m.merge_commit_sha,
        squash_sha: m.squash_commit_sha,
        commits: Vec::new(),
    })
}

/// Reads an export file.
pub fn read(path: &Path) -> Result<ExportFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read PR export {}", path.display()))?;
    parse(&text, path)
}

/// Parses the text of a PR export read from `path`.
pub fn parse(text: &str, path: &Path) -> Result<ExportFile> {
    let root: Value = serde_json::from_str(text)
        .with_context(|| format!("PR export {} is not valid JSON", path.display()))?;
    let Value::Array(items) = root else {
        bail!(
            "PR export {} must be a JSON array (the output of `gh pr list --json …` or the \
             GitLab merge requests API)",
            path.display()
        );
    };
    let mut out = ExportFile::default();
    for (i, item) in items.into_iter().enumerate() {
        let parsed = if item.get("iid").is_some() {
            gitlab(item)
        } else if item.get("number").is_some() {
            github(item)
        } else {
            Err("neither `number` (GitHub) nor `iid` (GitLab)".into())
        };
        match parsed {
            Ok(pr) => out.prs.push(pr),
            Err(e) => out
                .rejected
                .push(format!("{} entry {}: {e}", path.display(), i + 1)),
        }
    }
    Ok(out)
}

/// `owner/name` of a PR/MR web URL (`https://github.com/o/n/pull/1`,
/// `https://gitlab.com/g/p/-/merge_requests/7`).
pub fn url_slug(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let path = &rest[rest.find('/')? + 1..];
    let path = path
        .split_once("/-/")
        .map(|(p, _)| p)
        .or_else(|| path.rsplit_once("/pull/").map(|(p, _)| p))
        .or_else(|| path.rsplit_once("/pulls/").map(|(p, _)| p))?;
    Some(path.trim_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(json: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("prs.json");
        std::fs::write(&p, json).unwrap();
        (dir, p)
    }

    #[test]
    fn github_export() {
        let (_d, p) = write(
            r#"[{"number":12,"title":"Add login","url":"https://github.com/acme/api/pull/12","state":"MERGED","isDraft":false,
                "author":{"login":"jane","id":"x","name":"Jane"},"createdAt":"2026-10-01T10:00:00Z","mergedAt":"2026-10-02T12:00:00Z","closedAt":"2026-10-02T12:00:00Z",
                "baseRefName":"main","headRefName":"feat/login","additions":40,"deletions":2,"changedFiles":3,
                "labels":[{"id":"1","name":"ai","description":"","color":"fff"}],"mergeCommit":{"oid":"abc123"},
                "commits":[{"oid":"c1","messageHeadline":"wip","messageBody":"Co-authored-by: Claude <noreply@anthropic.com>","authoredDate":"2026-10-01T09:00:00Z","committedDate":"2026-10-01T09:00:00Z","authors":[{"name":"Jane","email":"jane@x","id":"","login":"jane"}]}]},
               {"number":13,"state":"CLOSED","mergedAt":null,"mergeCommit":null},
               {"title":"no number"},
               {"number":14,"state":"MERGED","mergedAt":"yesterday"}]"#,
        );
        let f = read(&p).unwrap();
        assert_eq!(f.prs.len(), 2);
        let pr = &f.prs[0];
        assert_eq!(
            (pr.number, pr.state, pr.platform),
            (12, PrState::Merged, "github")
        );
        assert_eq!(pr.merge_sha.as_deref(), Some("abc123"));
        assert_eq!(pr.labels, ["ai"]);
        assert_eq!(
            pr.commits[0].message,
            "wip\n\nCo-authored-by: Claude <noreply@anthropic.com>"
        );
        assert_eq!(f.prs[1].state, PrState::Closed);
        assert_eq!(f.rejected.len(), 2);
        assert!(f.rejected[0].contains("entry 3"), "{:?}", f.rejected);
        assert!(f.rejected[1].contains("entry 4") && f.rejected[1].contains("mergedAt"));
    }

    #[test]
    fn gitlab_export() {
        let (_d, p) = write(
            r#"[{"id":1,"iid":7,"title":"MR","state":"merged","created_at":"2026-10-01T10:00:00.000Z","merged_at":"2026-10-03T10:00:00.000Z",
                 "author":{"id":1,"username":"bob","name":"Bob"},"source_branch":"feat/x","target_branch":"main","labels":["backend"],
                 "merge_commit_sha":null,"squash_commit_sha":"def456","changes_count":"1000+","web_url":"https://gitlab.com/g/p/-/merge_requests/7"}]"#,
        );
        let f = read(&p).unwrap();
        let mr = &f.prs[0];
        assert_eq!(
            (mr.number, mr.platform, mr.state),
            (7, "gitlab", PrState::Merged)
        );
        assert_eq!(mr.squash_sha.as_deref(), Some("def456"));
        assert_eq!(mr.changed_files, Some(1000));
        assert_eq!(mr.author.as_deref(), Some("bob"));
    }

    #[test]
    fn bad_files() {
        let (_d, p) = write(r#"{"number":1}"#);
        assert!(read(&p).unwrap_err().to_string().contains("JSON array"));
        let (_d, p) = write("not json");
        assert!(read(&p).unwrap_err().to_string().contains("prs.json"));
    }

    #[test]
    fn slugs() {
        assert_eq!(
            url_slug("https://github.com/acme/api/pull/12").as_deref(),
            Some("acme/api")
        );
        assert_eq!(
            url_slug("https://gitlab.com/g/sub/p/-/merge_requests/7").as_deref(),
            Some("g/sub/p")
        );
        assert_eq!(
            url_slug("https://gitea.example/o/r/pulls/3").as_deref(),
            Some("o/r")
        );
    }
}
