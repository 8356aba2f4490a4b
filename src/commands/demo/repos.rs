//! The demo organisation's repositories and PR exports, built with libgit2 (no git program
//! needed): fixed authors and times give the same commit ids on every machine.
//!
//! acme/acme-api: PR #101 `feat/login` (merge commit, the session that wrote it committed
//! its first commit), #102 `fix/rate-limit` (squash, Claude co-authored) reverted by #104,
//! #103 `feat/search-api` closed unmerged (abandoned). acme/acme-web: #55 `feat/checkout`
//! (merge), #56 `chore/deps` (squash), #57 `feat/search` still open.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use git2::{Oid, Repository, Signature, Time};
use serde_json::json;

const DEV: (&str, &str) = ("Dana Dev", "dana@acme.example");
const GITHUB: (&str, &str) = ("GitHub", "noreply@github.com");

/// 2026-10-`day` `hour`:00 UTC in seconds.
fn at(day: u32, hour: u32) -> i64 {
    1_790_812_800 + i64::from(day - 1) * 86_400 + i64::from(hour) * 3_600
}

fn iso(day: u32, hour: u32) -> String {
    format!("2026-10-{day:02}T{hour:02}:00:00Z")
}

/// A repository being written: the files of each branch, as maps.
struct Builder {
    repo: Repository,
    files: BTreeMap<String, BTreeMap<String, String>>,
    tips: BTreeMap<String, Oid>,
}

impl Builder {
    fn new(path: &Path, url: &str) -> Result<Builder> {
        let repo = Repository::init(path)
            .with_context(|| format!("cannot create a repository in {}", path.display()))?;
        repo.remote("origin", url)?;
        Ok(Builder {
            repo,
            files: BTreeMap::new(),
            tips: BTreeMap::new(),
        })
    }

    /// Commits `files` on `branch` (created from `from` when new) and returns the commit.
    #[allow(clippy::too_many_arguments)]
    fn commit(
        &mut self,
        branch: &str,
        from: Option<&str>,
        message: &str,
        (author, committer): ((&str, &str), (&str, &str)),
        when: i64,
        files: &[(&str, &str)],
        merge_of: Option<&str>,
    ) -> Result<Oid> {
        let mut state = match (self.files.get(branch), from) {
            (Some(f), _) => f.clone(),
            (None, Some(base)) => self.files.get(base).cloned().unwrap_or_default(),
            (None, None) => BTreeMap::new(),
        };
        if let Some(other) = merge_of {
            state.extend(self.files.get(other).cloned().unwrap_or_default());
        }
        for (name, body) in files {
            state.insert(name.to_string(), body.to_string());
        }
        let mut tb = self.repo.treebuilder(None)?;
        for (name, body) in &state {
            let blob = self.repo.blob(body.as_bytes())?;
            tb.insert(name, blob, 0o100644)?;
        }
        let tree = self.repo.find_tree(tb.write()?)?;
        let time = Time::new(when, 0);
        let a = Signature::new(author.0, author.1, &time)?;
        let c = Signature::new(committer.0, committer.1, &time)?;
        let mut parents = Vec::new();
        for b in std::iter::once(
            self.tips
                .get(branch)
                .or_else(|| from.and_then(|f| self.tips.get(f))),
        )
        .chain(std::iter::once(merge_of.and_then(|m| self.tips.get(m))))
        .flatten()
        {
            parents.push(self.repo.find_commit(*b)?);
        }
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        let oid = self.repo.commit(
            Some(&format!("refs/heads/{branch}")),
            &a,
            &c,
            message,
            &tree,
            &refs,
        )?;
        self.files.insert(branch.to_string(), state);
        self.tips.insert(branch.to_string(), oid);
        Ok(oid)
    }

    fn finish(self) -> Result<()> {
        self.repo.set_head("refs/heads/main")?;
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn pr(
    repo: &str,
    n: u32,
    head: &str,
    title: &str,
    state: &str,
    created: String,
    end: Option<String>,
    sha: Option<Oid>,
) -> serde_json::Value {
    let merged = state == "MERGED";
    json!({
        "number": n, "title": title, "url": format!("https://github.com/acme/{repo}/pull/{n}"),
        "state": state, "isDraft": false, "author": {"login": "dana"},
        "createdAt": created,
        "mergedAt": if merged { json!(end) } else { json!(null) },
        "closedAt": end, "baseRefName": "main", "headRefName": head,
        "mergeCommit": sha.map(|s| json!({"oid": s.to_string()})),
        "labels": [], "additions": null, "deletions": null, "changedFiles": null,
    })
}

/// Builds both repositories under `root/repos` and their exports under `root/exports`;
/// returns the abbreviated ids of the two commits sessions made (login, checkout).
pub fn generate(root: &Path) -> Result<[String; 2]> {
    let human = (DEV, DEV);
    let merged_by = (DEV, GITHUB);
    let exports = root.join("exports");
    std::fs::create_dir_all(&exports)?;

    // acme-api
    let mut api = Builder::new(
        &root.join("repos/acme-api"),
        "git@github.com:acme/acme-api.git",
    )?;
    api.commit(
        "main",
        None,
        "Initial commit\n",
        human,
        at(1, 8),
        &[("README.md", "acme api\n")],
        None,
    )?;
    let login = api.commit(
        "feat/login",
        Some("main"),
        "Add login form\n",
        human,
        at(6, 11),
        &[("login.rs", "fn login() {}\n")],
        None,
    )?;
    let m101 = api.commit(
        "main",
        None,
        "Merge pull request #101 from acme/feat/login\n\nLogin form\n",
        merged_by,
        at(7, 9),
        &[],
        Some("feat/login"),
    )?;
    let s102 = api.commit(
        "main",
        None,
        "Fix rate limiter (#102)\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
        merged_by,
        at(8, 15),
        &[("limiter.rs", "fn limit() {}\n")],
        None,
    )?;
    let r104 = api.commit(
        "main",
        None,
        &format!("Revert \"Fix rate limiter (#102)\" (#104)\n\nThis reverts commit {s102}.\n"),
        merged_by,
        at(10, 12),
        &[("limiter.rs", "\n")],
        None,
    )?;
    api.finish()?;
    let api_prs = json!([
        pr(
            "acme-api",
            101,
            "feat/login",
            "Login form",
            "MERGED",
            iso(5, 8),
            Some(iso(7, 9)),
            Some(m101)
        ),
        pr(
            "acme-api",
            102,
            "fix/rate-limit",
            "Fix rate limiter",
            "MERGED",
            iso(8, 8),
            Some(iso(8, 15)),
            Some(s102)
        ),
        pr(
            "acme-api",
            103,
            "feat/search-api",
            "Search API",
            "CLOSED",
            iso(9, 8),
            Some(iso(11, 17)),
            None
        ),
        pr(
            "acme-api",
            104,
            "revert-102-fix/rate-limit",
            "Revert \"Fix rate limiter\"",
            "MERGED",
            iso(10, 11),
            Some(iso(10, 12)),
            Some(r104)
        ),
    ]);
    std::fs::write(
        exports.join("acme-api-prs.json"),
        serde_json::to_string_pretty(&api_prs)?,
    )?;

    // acme-web
    let mut web = Builder::new(
        &root.join("repos/acme-web"),
        "git@github.com:acme/acme-web.git",
    )?;
    web.commit(
        "main",
        None,
        "Initial commit\n",
        human,
        at(1, 8),
        &[("README.md", "acme web\n")],
        None,
    )?;
    let checkout = web.commit(
        "feat/checkout",
        Some("main"),
        "Checkout: validate cart\n",
        human,
        at(7, 11),
        &[("checkout.ts", "export {}\n")],
        None,
    )?;
    let m55 = web.commit(
        "main",
        None,
        "Merge pull request #55 from acme/feat/checkout\n\nCheckout\n",
        merged_by,
        at(8, 10),
        &[],
        Some("feat/checkout"),
    )?;
    let s56 = web.commit(
        "main",
        None,
        "Bump dependencies (#56)\n",
        merged_by,
        at(12, 16),
        &[("package.json", "{}\n")],
        None,
    )?;
    web.finish()?;
    let web_prs = json!([
        pr(
            "acme-web",
            55,
            "feat/checkout",
            "Checkout",
            "MERGED",
            iso(6, 8),
            Some(iso(8, 10)),
            Some(m55)
        ),
        pr(
            "acme-web",
            56,
            "chore/deps",
            "Bump dependencies",
            "MERGED",
            iso(12, 8),
            Some(iso(12, 16)),
            Some(s56)
        ),
        pr(
            "acme-web",
            57,
            "feat/search",
            "Search",
            "OPEN",
            iso(14, 8),
            None,
            None
        ),
    ]);
    std::fs::write(
        exports.join("acme-web-prs.json"),
        serde_json::to_string_pretty(&web_prs)?,
    )?;

    let short = |o: Oid| o.to_string()[..7].to_string();
    Ok([short(login), short(checkout)])
}
