//! Finding inputs. Explicit `--claude` / `--codex` paths replace auto-discovery; without
//! them costper looks where the agents write by default and says what it used:
//!
//! * Claude Code: every directory of `CLAUDE_CONFIG_DIR` (comma list; a directory containing
//!   `projects/` or a `projects` directory itself) — which replaces the defaults — else
//!   `$XDG_CONFIG_HOME/claude/projects` (default `~/.config/claude/projects`) and
//!   `~/.claude/projects`.
//! * Codex: `sessions/` and `archived_sessions/` of every directory of `CODEX_HOME` (comma
//!   list), default `~/.codex`.
//!
//! Files are `*.jsonl` found recursively (subagent transcripts live in
//! `<session>/subagents/`), sorted by path, de-duplicated by canonical path so a directory
//! reachable twice (a symlinked config dir) is read once. Symlinked directories are not
//! descended into (no cycles); symlinked files are read.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::record::SourceKind;

/// How a root was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootOrigin {
    Flag,
    Env(&'static str),
    Default,
}

/// One input location and the files found under it.
#[derive(Debug, Clone)]
pub struct Root {
    pub kind: SourceKind,
    pub path: PathBuf,
    pub origin: RootOrigin,
    pub files: Vec<PathBuf>,
}

/// The environment discovery reads (injected, so tests never touch the real home).
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub home: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
    pub claude_config_dir: Option<String>,
    pub codex_home: Option<String>,
}

impl Env {
    pub fn from_process() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Env {
            home: var("HOME").map(PathBuf::from),
            xdg_config_home: var("XDG_CONFIG_HOME").map(PathBuf::from),
            claude_config_dir: var("CLAUDE_CONFIG_DIR"),
            codex_home: var("CODEX_HOME"),
        }
    }

    fn expand(&self, p: &str) -> PathBuf {
        let p = p.trim();
        match (p.strip_prefix("~/"), &self.home) {
            (Some(rest), Some(home)) => home.join(rest),
            _ if p == "~" => self.home.clone().unwrap_or_else(|| PathBuf::from(p)),
            _ => PathBuf::from(p),
        }
    }
}

/// What discovery found, plus remarks for the user.
#[derive(Debug, Default)]
pub struct Discovered {
    pub roots: Vec<Root>,
    pub notes: Vec<String>,
}

/// Resolves the inputs of a run.
pub fn discover(
    claude_flags: &[PathBuf],
    codex_flags: &[PathBuf],
    env: &Env,
) -> Result<Discovered> {
    let mut out = Discovered::default();
    let explicit = !claude_flags.is_empty() || !codex_flags.is_empty();
    for p in claude_flags {
        let path = explicit_path(p, "--claude")?;
        let path = if path.join("projects").is_dir() {
            path.join("projects")
        } else {
            path
        };
        out.roots
            .push(root(SourceKind::ClaudeCode, path, RootOrigin::Flag)?);
    }
    for p in codex_flags {
        let path = explicit_path(p, "--codex")?;
        let mut any = false;
        for sub in ["sessions", "archived_sessions"] {
            if path.join(sub).is_dir() {
                out.roots
                    .push(root(SourceKind::Codex, path.join(sub), RootOrigin::Flag)?);
                any = true;
            }
        }
        if !any {
            out.roots
                .push(root(SourceKind::Codex, path, RootOrigin::Flag)?);
        }
    }
    if !explicit {
        discover_defaults(env, &mut out)?;
    }
    dedup_files(&mut out);
    Ok(out)
}

fn explicit_path(p: &Path, flag: &str) -> Result<PathBuf> {
    match std::fs::metadata(p) {
        Ok(_) => Ok(p.to_path_buf()),
        Err(e) => bail!("{flag} {}: {e}", p.display()),
    }
}

fn discover_defaults(env: &Env, out: &mut Discovered) -> Result<()> {
    // Claude Code
    if let Some(list) = &env.claude_config_dir {
        for item in list.split(',').filter(|s| !s.trim().is_empty()) {
            let dir = env.expand(item);
            let projects = if dir.file_name().is_some_and(|n| n == "projects") && dir.is_dir() {
                Some(dir.clone())
            } else if dir.join("projects").is_dir() {
                Some(dir.join("projects"))
            } else {
                None
            };
            match projects {
                Some(p) => out.roots.push(root(
                    SourceKind::ClaudeCode,
                    p,
                    RootOrigin::Env("CLAUDE_CONFIG_DIR"),
                )?),
                None => out.notes.push(format!(
                    "CLAUDE_CONFIG_DIR entry {} has no projects/ directory; skipped",
                    dir.display()
                )),
            }
        }
    } else {
        let mut candidates = Vec::new();
        match (&env.xdg_config_home, &env.home) {
            (Some(x), _) => candidates.push(x.join("claude").join("projects")),
            (None, Some(h)) => candidates.push(h.join(".config").join("claude").join("projects")),
            _ => {}
        }
        if let Some(h) = &env.home {
            candidates.push(h.join(".claude").join("projects"));
        }
        for c in candidates {
            if c.is_dir() {
                out.roots
                    .push(root(SourceKind::ClaudeCode, c, RootOrigin::Default)?);
            }
        }
    }
    // Codex
    let (homes, origin) = match &env.codex_home {
        Some(list) => (
            list.split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| env.expand(s))
                .collect::<Vec<_>>(),
            RootOrigin::Env("CODEX_HOME"),
        ),
        None => (
            env.home.iter().map(|h| h.join(".codex")).collect(),
            RootOrigin::Default,
        ),
    };
    for home in homes {
        for sub in ["sessions", "archived_sessions"] {
            let d = home.join(sub);
            if d.is_dir() {
                out.roots.push(root(SourceKind::Codex, d, origin.clone())?);
            }
        }
    }
    Ok(())
}

fn root(kind: SourceKind, path: PathBuf, origin: RootOrigin) -> Result<Root> {
    let mut files = Vec::new();
    let meta = std::fs::metadata(&path);
    match meta {
        Ok(m) if m.is_file() => files.push(path.clone()),
        Ok(_) => walk(&path, &mut files)?,
        Err(e) => bail!("{}: {e}", path.display()),
    }
    files.sort();
    Ok(Root {
        kind,
        path,
        origin,
        files,
    })
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => bail!("cannot list {}: {e}", dir.display()),
    };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "jsonl")
            && (ft.is_file() || (ft.is_symlink() && path.is_file()))
        {
            files.push(path);
        }
    }
    Ok(())
}

/// A file reachable through two roots (or twice through one) is read once, under the first
/// root in order.
fn dedup_files(out: &mut Discovered) {
    let mut seen = BTreeSet::new();
    let mut dropped = 0usize;
    for r in &mut out.roots {
        r.files.retain(|f| {
            let key = std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
            let fresh = seen.insert(key);
            if !fresh {
                dropped += 1;
            }
            fresh
        });
    }
    if dropped > 0 {
        out.notes.push(format!(
            "{dropped} file(s) reachable through more than one input path were read once"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "").unwrap();
    }

    #[test]
    fn default_locations_and_env_overrides() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        touch(&h.join(".claude/projects/-p/s1.jsonl"));
        touch(&h.join(".claude/projects/-p/s1/subagents/agent-a.jsonl"));
        touch(&h.join(".config/claude/projects/-q/s2.jsonl"));
        touch(&h.join(".claude/projects/-p/notes.txt"));
        touch(&h.join(".codex/sessions/2026/01/02/rollout-x.jsonl"));
        touch(&h.join(".codex/archived_sessions/rollout-y.jsonl"));
        let env = Env {
            home: Some(h.to_path_buf()),
            ..Env::default()
        };
        let d = discover(&[], &[], &env).unwrap();
        let summary: Vec<(SourceKind, usize)> =
            d.roots.iter().map(|r| (r.kind, r.files.len())).collect();
        assert_eq!(
            summary,
            vec![
                (SourceKind::ClaudeCode, 1),
                (SourceKind::ClaudeCode, 2),
                (SourceKind::Codex, 1),
                (SourceKind::Codex, 1)
            ]
        );
        assert!(d.roots.iter().all(|r| r.origin == RootOrigin::Default));

        // CLAUDE_CONFIG_DIR replaces the defaults; invalid entries are reported.
        let other = tempfile::tempdir().unwrap();
        touch(&other.path().join("cfg/projects/-r/s3.jsonl"));
        let env = Env {
            home: Some(h.to_path_buf()),
            claude_config_dir: Some(format!(
                "{},{}",
                other.path().join("cfg").display(),
                other.path().join("nope").display()
            )),
            ..Env::default()
        };
        let d = discover(&[], &[], &env).unwrap();
        let claude: Vec<_> = d
            .roots
            .iter()
            .filter(|r| r.kind == SourceKind::ClaudeCode)
            .collect();
        assert_eq!(claude.len(), 1);
        assert_eq!(claude[0].files.len(), 1);
        assert_eq!(claude[0].origin, RootOrigin::Env("CLAUDE_CONFIG_DIR"));
        assert!(d.notes.iter().any(|n| n.contains("nope")));
    }

    #[test]
    fn explicit_paths_replace_discovery_and_missing_ones_are_errors() {
        let home = tempfile::tempdir().unwrap();
        touch(&home.path().join(".claude/projects/-p/s1.jsonl"));
        let mine = tempfile::tempdir().unwrap();
        touch(&mine.path().join("a.jsonl"));
        let env = Env {
            home: Some(home.path().to_path_buf()),
            ..Env::default()
        };
        let d = discover(&[mine.path().to_path_buf()], &[], &env).unwrap();
        assert_eq!(d.roots.len(), 1);
        assert_eq!(d.roots[0].files, vec![mine.path().join("a.jsonl")]);
        let err = discover(&[mine.path().join("missing")], &[], &env).unwrap_err();
        assert!(err.to_string().contains("--claude"), "{err}");
        assert!(err.to_string().contains("missing"), "{err}");
    }

    #[test]
    fn the_same_file_through_two_roots_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        touch(&dir.path().join("projects/-p/s.jsonl"));
        let p = dir.path().join("projects");
        let d = discover(&[p.clone(), p], &[], &Env::default()).unwrap();
        let total: usize = d.roots.iter().map(|r| r.files.len()).sum();
        assert_eq!(total, 1);
        assert_eq!(d.notes.len(), 1);
    }
}
