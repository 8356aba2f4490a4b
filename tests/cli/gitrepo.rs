//! Builds real git repositories for the tests with the git CLI, reproducibly: fixed names,
//! emails and dates (one hour apart), no user or system config, verbatim messages — the same
//! commands give the same SHAs on every machine.

use std::path::{Path, PathBuf};
use std::process::Command;

/// 2026-10-01T00:00:00Z.
const START: i64 = 1_790_812_800;

pub const HUMAN: (&str, &str) = ("Jane Dev", "jane@example.com");
pub const GITHUB: (&str, &str) = ("GitHub", "noreply@github.com");

pub struct GitRepo {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
    clock: i64,
}

/// Runs git in `dir` with a clean, fixed environment; panics with git's stderr on failure.
pub fn git_in(dir: &Path, args: &[&str], env: &[(&str, String)]) -> String {
    let home = dir.join(".no-home");
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("LC_ALL", "C")
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(["-c", "core.autocrlf=false", "-c", "gc.auto=0"])
        .args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl GitRepo {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("repo");
        std::fs::create_dir_all(&path).unwrap();
        git_in(&path, &["init", "-q"], &[]);
        GitRepo {
            _dir: dir,
            path,
            clock: START,
        }
    }

    pub fn path_str(&self) -> &str {
        self.path.to_str().unwrap()
    }

    fn identity(
        &mut self,
        author: (&str, &str),
        committer: (&str, &str),
    ) -> Vec<(&'static str, String)> {
        self.clock += 3600;
        let date = format!("@{} +0000", self.clock);
        vec![
            ("GIT_AUTHOR_NAME", author.0.to_string()),
            ("GIT_AUTHOR_EMAIL", author.1.to_string()),
            ("GIT_AUTHOR_DATE", date.clone()),
            ("GIT_COMMITTER_NAME", committer.0.to_string()),
            ("GIT_COMMITTER_EMAIL", committer.1.to_string()),
            ("GIT_COMMITTER_DATE", date),
        ]
    }

    pub fn git(&self, args: &[&str]) -> String {
        git_in(&self.path, args, &[])
    }

    /// Writes `lines` lines to `file` and commits everything with `message`.
    pub fn commit_file(
        &mut self,
        message: &str,
        author: (&str, &str),
        committer: (&str, &str),
        file: &str,
        lines: usize,
    ) -> String {
        let p = self.path.join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let body: String = (0..lines)
            .map(|i| format!("{file} line {i} at {}\n", self.clock))
            .collect();
        std::fs::write(&p, body).unwrap();
        self.git(&["add", "-A"]);
        let env = self.identity(author, committer);
        git_in(
            &self.path,
            &["commit", "-q", "--cleanup=verbatim", "-m", message],
            &env,
        );
        self.rev("HEAD")
    }

    /// A commit touching a file named after the subject.
    pub fn commit(
        &mut self,
        message: &str,
        author: (&str, &str),
        committer: (&str, &str),
    ) -> String {
        let name: String = message
            .lines()
            .next()
            .unwrap_or("x")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(40)
            .collect();
        self.commit_file(message, author, committer, &format!("src/{name}.txt"), 3)
    }

    /// `git merge --no-ff` of `branch` into the current branch with `message`.
    pub fn merge(&mut self, branch: &str, message: &str, committer: (&str, &str)) -> String {
        let env = self.identity(committer, committer);
        git_in(
            &self.path,
            &[
                "merge",
                "-q",
                "--no-ff",
                "--cleanup=verbatim",
                "-m",
                message,
                branch,
            ],
            &env,
        );
        self.rev("HEAD")
    }

    /// An octopus merge (`git merge --no-ff`) of several branches.
    pub fn merge_all(&mut self, branches: &[&str], message: &str) -> String {
        let env = self.identity(HUMAN, HUMAN);
        let mut args = vec![
            "merge",
            "-q",
            "--no-ff",
            "--cleanup=verbatim",
            "-m",
            message,
        ];
        args.extend_from_slice(branches);
        git_in(&self.path, &args, &env);
        self.rev("HEAD")
    }

    pub fn checkout(&self, branch: &str) {
        self.git(&["checkout", "-q", branch]);
    }

    pub fn branch(&self, name: &str) {
        self.git(&["checkout", "-q", "-b", name]);
    }

    pub fn rev(&self, r: &str) -> String {
        self.git(&["rev-parse", r])
    }

    /// Adds a git-ai note (`refs/notes/ai`).
    pub fn note(&mut self, sha: &str, text: &str) {
        let env = self.identity(HUMAN, HUMAN);
        git_in(
            &self.path,
            &["notes", "--ref=ai", "add", "-f", "-m", text, sha],
            &env,
        );
    }
}
