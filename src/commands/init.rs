//! `costper init`: writes a commented `costper.toml` from what this machine shows — the agent
//! log locations that were read, the git repositories the sessions' working directories
//! belong to (plus the one costper runs in; linked worktrees count as their repository),
//! each repository's remote and mainline, suggested `paths` patterns for sessions logged in
//! directories that do not exist here, the time zone, and the workflow labels seen. Every
//! entry carries the figures behind it as a comment, the file is checked by the same parser
//! `report` uses before it is written (atomically), and an existing file is only replaced
//! with `--force`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::{Ctx, write_atomically};
use crate::ExitStatus;
use crate::cli::InitArgs;
use crate::config::{Config, DEFAULT_FILE};
use crate::ingest::{Ingested, RootOrigin};
use crate::money::format_usd_human;
use crate::outcomes::git::Repo;

/// Spend seen in one place.
#[derive(Debug, Default, Clone)]
struct Seen {
    cost: i64,
    calls: u64,
    sessions: BTreeSet<String>,
}

impl Seen {
    fn add(&mut self, cost: Option<i64>, calls: u64, session: Option<&str>) {
        self.cost += cost.unwrap_or(0);
        self.calls += calls;
        if let Some(s) = session {
            self.sessions.insert(s.to_string());
        }
    }

    fn merge(&mut self, o: &Seen) {
        self.cost += o.cost;
        self.calls += o.calls;
        self.sessions.extend(o.sessions.iter().cloned());
    }

    fn describe(&self) -> String {
        format!(
            "{} in {} call(s), {} session(s)",
            format_usd_human(self.cost, 2),
            self.calls,
            self.sessions.len()
        )
    }
}

/// A repository found on this machine.
struct FoundRepo {
    /// Its main work tree (or the bare repository's directory).
    path: PathBuf,
    id: String,
    remote: Option<String>,
    mainline: Option<String>,
    /// Spend in its work trees.
    seen: Seen,
    /// It contains the current directory.
    here: bool,
    /// Suggested patterns for checkouts elsewhere, with what backs each.
    elsewhere: BTreeMap<String, Seen>,
}

pub fn run(ctx: &Ctx, a: &InitArgs) -> Result<ExitStatus> {
    let target = ctx
        .args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_FILE));
    if target.exists() && !a.force {
        bail!(
            "{} already exists; pass --force to replace it, or -o FILE to write elsewhere",
            target.display()
        );
    }
    let prices = ctx.prices()?;
    let ing = ctx.load(&prices)?;
    let base = absolute(target.parent().unwrap_or(Path::new("")));
    let home = ctx.env.home.clone();
    let repos = find_repos(&ing, &ctx.args.repo)?;
    let text = render(&ing, &repos, &base, home.as_deref(), detect_tz());
    // the file must load exactly as `report` will read it
    if let Err(e) = Config::parse(&text, &target) {
        bail!("internal error: the generated config does not parse ({e:#}); please report it");
    }
    write_atomically(&target, |w| Ok(w.write_all(text.as_bytes())?))?;
    let sources = ing.sources.len();
    ctx.diag.note(&format!(
        "wrote {}: {sources} log location(s), {} repositor{}; review it, add PR exports \
         (`prs = [...]`), then run `costper report`",
        target.display(),
        repos.len(),
        if repos.len() == 1 { "y" } else { "ies" }
    ));
    Ok(ExitStatus::Success)
}

fn absolute(p: &Path) -> PathBuf {
    let p = if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    };
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The directory of the repository containing `dir`: its main work tree, or the bare
/// repository itself. Linked worktrees resolve to their main repository.
fn repo_root(dir: &Path) -> Option<PathBuf> {
    let r = git2::Repository::discover(dir).ok()?;
    let common = r.commondir().to_path_buf();
    let main = if r.is_worktree() {
        git2::Repository::open(&common).ok()?
    } else {
        r
    };
    let root = main.workdir().unwrap_or(main.path()).to_path_buf();
    Some(absolute(&root))
}

/// Repositories given with `--repo`, of the sessions' working directories and of the current
/// directory — that one first, then most spend first; working directories not on this
/// machine become suggested path patterns of the repository whose directory name they
/// contain.
fn find_repos(ing: &Ingested, given: &[PathBuf]) -> Result<Vec<FoundRepo>> {
    let mut by_cwd: BTreeMap<&str, Seen> = BTreeMap::new();
    for r in &ing.records {
        if let Some(cwd) = r.cwd.as_deref() {
            by_cwd
                .entry(cwd)
                .or_default()
                .add(r.cost, r.requests, r.session_id.as_deref());
        }
    }
    let mut roots: BTreeMap<PathBuf, Seen> = BTreeMap::new();
    let mut missing: Vec<(&str, &Seen)> = Vec::new();
    let mut cache: BTreeMap<PathBuf, Option<PathBuf>> = BTreeMap::new();
    for (cwd, seen) in &by_cwd {
        let dir = Path::new(cwd);
        if !dir.is_dir() {
            missing.push((cwd, seen));
            continue;
        }
        let root = cache
            .entry(dir.to_path_buf())
            .or_insert_with(|| repo_root(dir))
            .clone();
        if let Some(root) = root {
            roots.entry(root).or_default().merge(seen);
        }
    }
    for p in given {
        match repo_root(p) {
            Some(root) => {
                roots.entry(root).or_default();
            }
            None => bail!("--repo {}: not a git repository", p.display()),
        }
    }
    let here = std::env::current_dir().ok().and_then(|d| repo_root(&d));
    if let Some(h) = &here {
        roots.entry(h.clone()).or_default();
    }
    let mut out: Vec<FoundRepo> = roots
        .into_iter()
        .filter_map(|(path, seen)| {
            let repo = Repo::open(&path).ok()?;
            Some(FoundRepo {
                id: repo.id(),
                remote: repo.origin_url(),
                mainline: repo.mainline(None).ok().and_then(|m| m.branch),
                here: here.as_ref() == Some(&path),
                path,
                seen,
                elsewhere: BTreeMap::new(),
            })
        })
        .collect();
    for (cwd, seen) in missing {
        if let Some((i, pattern)) = elsewhere_pattern(cwd, &out) {
            out[i].elsewhere.entry(pattern).or_default().merge(seen);
        }
    }
    out.sort_by(|a, b| {
        b.here
            .cmp(&a.here)
            .then(b.seen.cost.cmp(&a.seen.cost))
            .then(a.path.cmp(&b.path))
    });
    Ok(out)
}

/// For a working directory that is not on this machine, the repository whose directory name
/// is one of its components (the last such component), and a pattern for that checkout:
/// `/home/<user>/…` and `/Users/<user>/…` become `/home/*/…`.
fn elsewhere_pattern(cwd: &str, repos: &[FoundRepo]) -> Option<(usize, String)> {
    let parts: Vec<&str> = cwd.split('/').collect();
    for end in (1..parts.len()).rev() {
        let name = parts[end];
        let Some(i) = repos.iter().position(|r| {
            r.path.file_name().and_then(|n| n.to_str()) == Some(name)
                || r.id.rsplit('/').next() == Some(name)
        }) else {
            continue;
        };
        let mut p: Vec<&str> = parts[..=end].to_vec();
        if p.len() > 3 && p[0].is_empty() && matches!(p[1], "home" | "Users") {
            p[2] = "*";
        }
        return Some((i, p.join("/")));
    }
    None
}

/// Zone names (without `Etc/`) that are UTC.
const UTC_ALIASES: &[&str] = &[
    "UTC",
    "UCT",
    "Universal",
    "Zulu",
    "GMT",
    "GMT0",
    "GMT+0",
    "GMT-0",
    "Greenwich",
];

/// The machine's IANA time zone: `TZ`, else /etc/timezone, else the /etc/localtime link.
fn detect_tz() -> Option<String> {
    let valid = |s: &str| {
        let s = s.trim().trim_start_matches(':');
        let tz = s.parse::<chrono_tz::Tz>().ok()?;
        let name = tz.name().trim_start_matches("Etc/");
        Some(if UTC_ALIASES.contains(&name) {
            "UTC".to_string()
        } else {
            tz.name().to_string()
        })
    };
    if let Some(tz) = std::env::var("TZ").ok().as_deref().and_then(valid) {
        return Some(tz);
    }
    if let Some(tz) = std::fs::read_to_string("/etc/timezone")
        .ok()
        .as_deref()
        .and_then(valid)
    {
        return Some(tz);
    }
    let link = std::fs::read_link("/etc/localtime").ok()?;
    let s = link.to_string_lossy();
    let (_, name) = s.split_once("zoneinfo/")?;
    valid(name)
}

/// A TOML string literal.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// How a path is written in the file: relative to the file's directory when inside it, `~/…`
/// under the home directory, else absolute.
fn show_path(p: &Path, base: &Path, home: Option<&Path>) -> String {
    if let Ok(rel) = p.strip_prefix(base) {
        let r = rel.display().to_string();
        return if r.is_empty() { ".".into() } else { r };
    }
    if let Some(h) = home
        && let Ok(rel) = p.strip_prefix(h)
    {
        return format!("~/{}", rel.display());
    }
    p.display().to_string()
}

fn day(ts: Option<i64>) -> String {
    ts.and_then(chrono::DateTime::from_timestamp_micros)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "?".into())
}

fn render(
    ing: &Ingested,
    repos: &[FoundRepo],
    base: &Path,
    home: Option<&Path>,
    tz: Option<String>,
) -> String {
    let mut t = String::new();
    let w = &mut t;
    let _ = writeln!(
        w,
        "# costper.toml — written by `costper init` from what this machine shows.\n\
         # Reference: docs/config.md. Paths are relative to this file; `~/` is the home\n\
         # directory. Command-line inputs (--claude, --codex, --repo, --prs, --tz, --prices)\n\
         # replace the ones here.\n"
    );
    match tz {
        Some(tz) if tz != "UTC" => {
            let _ = writeln!(
                w,
                "tz = {}                # this machine's zone: days, weeks and months",
                quote(&tz)
            );
        }
        _ => {
            let _ = writeln!(
                w,
                "# tz = \"Europe/Berlin\"      # days, weeks and months (default UTC)"
            );
        }
    }
    let _ = writeln!(
        w,
        "# prices = \"my_prices.json\"  # extra or overriding prices (LiteLLM JSON or costper TOML)\n"
    );

    // sources
    let _ = writeln!(
        w,
        "[sources]\n# Agent logs. Without this section costper reads the default locations."
    );
    let mut claude = Vec::new();
    let mut codex = Vec::new();
    let mut exports = Vec::new();
    for s in &ing.sources {
        let line = format!(
            "  {},  # {} file(s), {} accepted call(s), {}, {} … {}{}",
            quote(&show_path(&absolute(&s.path), base, home)),
            s.files,
            s.accepted,
            format_usd_human(s.cost, 2),
            day(s.first_ts),
            day(s.last_ts),
            match &s.origin {
                RootOrigin::Env(v) => format!(" (from {v})"),
                _ => String::new(),
            }
        );
        match s.kind {
            crate::ingest::SourceKind::ClaudeCode => claude.push(line),
            crate::ingest::SourceKind::Codex => codex.push(line),
            crate::ingest::SourceKind::Export(_) => exports.push(line),
            crate::ingest::SourceKind::Archive => {}
        }
    }
    for (key, lines, example) in [
        ("claude", &claude, "~/.claude/projects"),
        ("codex", &codex, "~/.codex/sessions"),
        ("exports", &exports, "billing/*.csv"),
    ] {
        if lines.is_empty() {
            let why = if key == "exports" {
                "provider billing exports (docs/sources.md)"
            } else {
                "none found here"
            };
            let _ = writeln!(w, "# {key} = [{}]  # {why}", quote(example));
        } else {
            let _ = writeln!(w, "{key} = [\n{}\n]", lines.join("\n"));
        }
    }
    let _ = writeln!(w);

    // repositories
    if repos.is_empty() {
        let _ = writeln!(
            w,
            "# No git repository found (neither here nor in the sessions' directories).\n\
             # [[repo]]\n\
             # path = \"../api\"                      # work tree or bare clone on this machine\n\
             # paths = [\"/home/*/src/api\"]          # where checkouts live on other machines\n\
             # prs = [\"api-prs.json\"]               # PR export (docs/outcomes.md)\n"
        );
    }
    for r in repos {
        let mut why = Vec::new();
        if r.here {
            why.push("the current directory".to_string());
        }
        if r.seen.calls > 0 {
            why.push(format!("sessions here: {}", r.seen.describe()));
        }
        let _ = writeln!(w, "# {} — {}", r.id, why.join("; "));
        let _ = writeln!(w, "[[repo]]");
        let _ = writeln!(w, "path = {}", quote(&show_path(&r.path, base, home)));
        if let Some(url) = &r.remote {
            let _ = writeln!(w, "# origin: {url}");
        }
        if r.elsewhere.is_empty() {
            let _ = writeln!(
                w,
                "# paths = [\"/home/*/src/{}\"]  # checkouts on other machines",
                r.path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            );
        } else {
            let _ = writeln!(
                w,
                "# Sessions were logged in these directories, which do not exist here (other\n\
                 # machines?). Uncomment the ones that are checkouts of this repository:"
            );
            let _ = writeln!(w, "# paths = [");
            for (p, seen) in &r.elsewhere {
                let _ = writeln!(w, "#   {},  # {}", quote(p), seen.describe());
            }
            let _ = writeln!(w, "# ]");
        }
        let slug = r.id.as_str();
        let _ = writeln!(
            w,
            "# prs = [\"{name}-prs.json\"]  # gh pr list --repo {slug} --state all --limit 10000 \\\n\
             #   --json number,title,url,state,isDraft,author,createdAt,mergedAt,closedAt,baseRefName,headRefName,additions,deletions,changedFiles,labels,mergeCommit,commits > {name}-prs.json",
            name = slug.rsplit('/').next().unwrap_or(slug),
        );
        match &r.mainline {
            Some(b) => {
                let _ = writeln!(
                    w,
                    "branch = {}  # the mainline PRs merge into (detected)",
                    quote(b)
                );
            }
            None => {
                let _ = writeln!(
                    w,
                    "# branch = \"main\"  # no main/master/origin HEAD found: name the mainline"
                );
            }
        }
        let _ = writeln!(w);
    }

    // attribution
    let _ = writeln!(
        w,
        "[attribution]\n\
         lookback = \"14d\"   # a branch's spend counts from PR creation − lookback …\n\
         grace = \"1h\"       # … until merge/close + grace\n\
         default_branches = []  # never matched to PRs, besides main, master, develop, trunk, HEAD\n"
    );

    // workflows
    let mut labels: BTreeMap<(String, String), Seen> = BTreeMap::new();
    for r in &ing.records {
        labels
            .entry((
                r.workflow.as_deref().unwrap_or("").to_string(),
                r.entrypoint.as_deref().unwrap_or("").to_string(),
            ))
            .or_default()
            .add(r.cost, r.requests, r.session_id.as_deref());
    }
    let _ = writeln!(
        w,
        "# Workflows: the first matching rule names a row's workflow; without a match it keeps\n\
         # its source's label. Conditions: source, actor, api_key, workspace, project, tag,\n\
         # branch, repo, entrypoint (`*` matches any text)."
    );
    if !labels.is_empty() {
        let _ = writeln!(w, "# Seen in these logs (label, entrypoint):");
        for ((label, entry), seen) in &labels {
            let entry = if entry.is_empty() { "-" } else { entry };
            let _ = writeln!(w, "#   {label:<16} {entry:<12} {}", seen.describe());
        }
    }
    let _ = writeln!(
        w,
        "#\n\
         # [[workflow]]\n\
         # name = \"ci-review\"\n\
         # entrypoint = \"sdk*\"\n\
         #\n\
         # [[workflow]]\n\
         # name = \"docs\"\n\
         # branch = \"docs/*\""
    );
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(path: &str, id: &str) -> FoundRepo {
        FoundRepo {
            path: PathBuf::from(path),
            id: id.into(),
            remote: None,
            mainline: Some("main".into()),
            seen: Seen::default(),
            here: false,
            elsewhere: BTreeMap::new(),
        }
    }

    #[test]
    fn other_machines_directories_become_patterns() {
        let repos = vec![found("/w/api", "acme/api"), found("/w/web", "acme/web")];
        assert_eq!(
            elsewhere_pattern("/home/bob/src/api/crates/x", &repos),
            Some((0, "/home/*/src/api".into()))
        );
        assert_eq!(
            elsewhere_pattern("/Users/ana/web", &repos),
            Some((1, "/Users/*/web".into()))
        );
        assert_eq!(
            elsewhere_pattern("/builds/acme/api", &repos),
            Some((0, "/builds/acme/api".into()))
        );
        assert_eq!(elsewhere_pattern("/home/bob/other", &repos), None);
    }

    #[test]
    fn paths_are_relative_home_or_absolute() {
        let base = Path::new("/w/cfg");
        let home = Some(Path::new("/home/me"));
        assert_eq!(show_path(Path::new("/w/cfg"), base, home), ".");
        assert_eq!(show_path(Path::new("/w/cfg/api"), base, home), "api");
        assert_eq!(
            show_path(Path::new("/home/me/.claude/projects"), base, home),
            "~/.claude/projects"
        );
        assert_eq!(show_path(Path::new("/srv/x"), base, home), "/srv/x");
    }

    #[test]
    fn an_empty_machine_still_gets_a_valid_commented_file() {
        let text = render(&Ingested::default(), &[], Path::new("/w"), None, None);
        let c = Config::parse(&text, Path::new("/w/costper.toml")).unwrap();
        assert!(c.repos.is_empty() && c.sources.claude.is_empty());
        assert!(text.contains("# [[repo]]"), "{text}");
        assert_eq!(c.windows().unwrap(), (14 * 86_400_000_000, 3_600_000_000));
    }
}
