//! Reading a repository with libgit2 (vendored, no network): which branch is the mainline,
//! its first-parent chain, the commits each merge brought in (`M^1..M^2`), git-ai notes, and
//! what a shallow clone is missing. Works on work trees, bare clones and detached HEADs.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use git2::{ErrorCode, Oid, Repository};

/// A commit as read from git (message decoded lossily: git does not promise UTF-8).
#[derive(Debug, Clone)]
pub struct RawCommit {
    pub oid: Oid,
    pub parents: Vec<Oid>,
    pub author_name: String,
    pub author_email: String,
    /// Microseconds since the epoch.
    pub authored_at: i64,
    pub committer_name: String,
    pub committer_email: String,
    pub committed_at: i64,
    pub message: String,
}

/// The mainline of a repository and how it was chosen.
#[derive(Debug, Clone)]
pub struct Mainline {
    /// What was walked, e.g. `refs/remotes/origin/main` or `HEAD (detached at 1a2b3c4)`.
    pub reference: String,
    /// The short branch name PRs merge into (`main`), when known.
    pub branch: Option<String>,
    pub tip: Oid,
}

/// An opened repository.
pub struct Repo {
    pub repo: Repository,
    pub path: PathBuf,
}

impl Repo {
    /// Opens a work tree (or a directory inside one) or a bare clone.
    pub fn open(path: &Path) -> Result<Repo> {
        let repo = Repository::open(path)
            .or_else(|_| Repository::discover(path))
            .with_context(|| format!("--repo {}: not a git repository", path.display()))?;
        Ok(Repo {
            repo,
            path: path.to_path_buf(),
        })
    }

    /// A short identifier: `owner/name` from the `origin` remote, else the directory name.
    pub fn id(&self) -> String {
        if let Ok(remote) = self.repo.find_remote("origin")
            && let Ok(url) = remote.url()
            && let Some(slug) = remote_slug(url)
        {
            return slug;
        }
        let dir = self.repo.workdir().unwrap_or_else(|| self.repo.path());
        let name = dir
            .components()
            .next_back()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        name.trim_end_matches(".git").to_string()
    }

    /// The URL of the `origin` remote, if any.
    pub fn origin_url(&self) -> Option<String> {
        let remote = self.repo.find_remote("origin").ok()?;
        remote.url().ok().map(str::to_string)
    }

    /// Finds the mainline: `--branch` when given (local branch, then `origin/<branch>`, then
    /// any revision), else `origin/HEAD`, `main`, `master`, `origin/main`, `origin/master`,
    /// and finally HEAD.
    pub fn mainline(&self, branch: Option<&str>) -> Result<Mainline> {
        let r = &self.repo;
        let resolve = |name: &str| -> Option<Oid> {
            r.find_reference(name)
                .ok()
                .and_then(|rf| rf.resolve().ok())
                .and_then(|rf| rf.target())
        };
        if let Some(b) = branch {
            for (name, short) in [
                (format!("refs/heads/{b}"), b.to_string()),
                (format!("refs/remotes/origin/{b}"), b.to_string()),
            ] {
                if let Some(tip) = resolve(&name) {
                    return Ok(Mainline {
                        reference: name,
                        branch: Some(short),
                        tip,
                    });
                }
            }
            let obj = r
                .revparse_single(b)
                .with_context(|| format!("--branch {b}: no such branch or revision"))?;
            let tip = obj
                .peel_to_commit()
                .with_context(|| format!("--branch {b}"))?
                .id();
            return Ok(Mainline {
                reference: b.to_string(),
                branch: Some(b.to_string()),
                tip,
            });
        }
        if let Ok(head) = r.find_reference("refs/remotes/origin/HEAD")
            && let Ok(Some(target)) = head.symbolic_target()
            && let Some(tip) = resolve(target)
        {
            let short = target
                .trim_start_matches("refs/remotes/origin/")
                .to_string();
            return Ok(Mainline {
                reference: target.to_string(),
                branch: Some(short),
                tip,
            });
        }
        for (name, short) in [
            ("refs/heads/main", "main"),
            ("refs/heads/master", "master"),
            ("refs/remotes/origin/main", "main"),
            ("refs/remotes/origin/master", "master"),
        ] {
            if let Some(tip) = resolve(name) {
                return Ok(Mainline {
                    reference: name.to_string(),
                    branch: Some(short.to_string()),
                    tip,
                });
            }
        }
        let head = r
            .head()
            .context("no main or master branch and no HEAD; name the mainline with --branch")?;
        let tip = head
            .target()
            .context("HEAD does not point at a commit; name the mainline with --branch")?;
        let detached = r.head_detached().unwrap_or(false);
        let (reference, branch) = if detached {
            (format!("HEAD (detached at {})", short_sha(tip)), None)
        } else {
            let name = head.shorthand().unwrap_or("HEAD").to_string();
            (format!("HEAD ({name})"), Some(name))
        };
        Ok(Mainline {
            reference,
            branch,
            tip,
        })
    }

    /// The first-parent chain from `tip`, newest first. In a shallow clone the walk ends at
    /// the shallow boundary.
    pub fn first_parent_chain(&self, tip: Oid) -> Result<Vec<Oid>> {
        let mut walk = self.repo.revwalk()?;
        walk.push(tip)?;
        walk.simplify_first_parent()?;
        let mut out = Vec::new();
        for oid in walk {
            match oid {
                Ok(oid) => out.push(oid),
                // a shallow or incomplete clone: stop where history ends
                Err(e) if is_missing(&e) => break,
                Err(e) => return Err(e).context("walking the mainline"),
            }
        }
        Ok(out)
    }

    /// Commits reachable from `include` but not from `exclude` (a merge's `M^1..M^2`).
    pub fn range(&self, exclude: Oid, include: Oid) -> Result<Vec<Oid>, git2::Error> {
        let mut walk = self.repo.revwalk()?;
        walk.push(include)?;
        walk.hide(exclude)?;
        walk.collect()
    }

    /// Reads a commit.
    pub fn read(&self, oid: Oid) -> Result<RawCommit, git2::Error> {
        let c = self.repo.find_commit(oid)?;
        let a = c.author();
        let m = c.committer();
        let micros = |t: git2::Time| t.seconds() * 1_000_000;
        Ok(RawCommit {
            oid,
            parents: c.parent_ids().collect(),
            author_name: String::from_utf8_lossy(a.name_bytes()).into_owned(),
            author_email: String::from_utf8_lossy(a.email_bytes()).into_owned(),
            authored_at: micros(a.when()),
            committer_name: String::from_utf8_lossy(m.name_bytes()).into_owned(),
            committer_email: String::from_utf8_lossy(m.email_bytes()).into_owned(),
            committed_at: micros(m.when()),
            message: String::from_utf8_lossy(c.message_bytes()).into_owned(),
        })
    }

    /// All notes under `refs/notes/ai` (git-ai), by annotated commit.
    pub fn ai_notes(&self) -> Result<Vec<(Oid, String)>> {
        let notes = match self.repo.notes(Some("refs/notes/ai")) {
            Ok(n) => n,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).context("reading refs/notes/ai"),
        };
        let mut out = Vec::new();
        for n in notes {
            let (note_blob, commit) = n.context("reading refs/notes/ai")?;
            let Ok(blob) = self.repo.find_blob(note_blob) else {
                continue;
            };
            out.push((commit, String::from_utf8_lossy(blob.content()).into_owned()));
        }
        Ok(out)
    }

    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }
}

/// Whether a git error means an object is not in the repository (shallow or damaged clone).
pub fn is_missing(e: &git2::Error) -> bool {
    e.code() == ErrorCode::NotFound || e.class() == git2::ErrorClass::Odb
}

/// First 7 hex digits.
pub fn short_sha(oid: Oid) -> String {
    let s = oid.to_string();
    s[..7.min(s.len())].to_string()
}

/// `owner/name` of a remote URL (`git@github.com:owner/name.git`,
/// `https://gitlab.com/group/sub/name`, `ssh://git@host:22/owner/name.git`).
pub fn remote_slug(url: &str) -> Option<String> {
    let url = url.trim().trim_end_matches('/');
    let url = url.strip_suffix(".git").unwrap_or(url);
    let path = if let Some(i) = url.find("://") {
        let rest = &url[i + 3..];
        &rest[rest.find('/')? + 1..]
    } else if let Some(i) = url.find(':') {
        &url[i + 1..]
    } else {
        return None;
    };
    let path = path.trim_start_matches('/');
    if path.split('/').filter(|s| !s.is_empty()).count() < 2 {
        return None;
    }
    Some(path.to_string())
}

/// Reads a repository's mainline and fails early with a clear message when it has none.
pub fn check_readable(repo: &Repo, mainline: &Mainline) -> Result<()> {
    if repo.repo.find_commit(mainline.tip).is_err() {
        bail!(
            "{}: {} points at {}, which is not in the repository",
            repo.path.display(),
            mainline.reference,
            short_sha(mainline.tip)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_slugs() {
        assert_eq!(
            remote_slug("git@github.com:acme/api.git").as_deref(),
            Some("acme/api")
        );
        assert_eq!(
            remote_slug("https://gitlab.com/group/sub/name").as_deref(),
            Some("group/sub/name")
        );
        assert_eq!(
            remote_slug("ssh://git@host:22/owner/name.git").as_deref(),
            Some("owner/name")
        );
        assert_eq!(remote_slug("/srv/git/name.git"), None);
    }
}
