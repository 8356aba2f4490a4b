//! Test harness: runs the `costper` binary from the repository root with a clean
//! environment and an empty temporary HOME, so nothing on the developer's machine leaks in.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "exit code; stderr:\n{}", self.stderr);
        self
    }
}

/// The repository root (fixtures are addressed relative to it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `costper` command in the repository root with a clean environment.
pub fn cmd(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_costper"));
    c.current_dir(root()).env_clear().env("HOME", home);
    c
}

pub fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs costper with `args` and an empty HOME.
pub fn run(args: &[&str]) -> Run {
    let home = tempfile::tempdir().expect("tempdir");
    finish(cmd(home.path()).args(args).output().expect("costper runs"))
}

/// Runs with extra environment variables.
pub fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let home = tempfile::tempdir().expect("tempdir");
    let mut c = cmd(home.path());
    for (k, v) in env {
        c.env(k, v);
    }
    finish(c.args(args).output().expect("costper runs"))
}

/// Finds the row whose `key` field equals `value` in a JSON array.
#[track_caller]
pub fn row<'a>(rows: &'a serde_json::Value, key: &str, value: &str) -> &'a serde_json::Value {
    rows.as_array()
        .expect("array")
        .iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no row with {key} = {value} in {rows:#}"))
}

/// Money in nano-USD from a JSON number. Exact below ~$9M (the f64 holds the printed
/// 9-decimal value to well under half a nano); the 9-decimal text itself is checked by
/// `money_is_printed_with_nine_decimals`.
#[track_caller]
pub fn nano(v: &serde_json::Value) -> i64 {
    let f = v
        .as_f64()
        .unwrap_or_else(|| panic!("`{v}` is not a number"));
    (f * 1e9).round() as i64
}

/// Sum of `cost_usd` over the rows that have one (nano-USD).
pub fn total_cost(rows: &serde_json::Value) -> i64 {
    rows.as_array()
        .expect("array")
        .iter()
        .filter(|r| !r["cost_usd"].is_null())
        .map(|r| nano(&r["cost_usd"]))
        .sum()
}

pub const CLAUDE: &[&str] = &["--claude", "fixtures/claude"];
pub const CODEX: &[&str] = &["--codex", "fixtures/codex"];
pub const EDGE: &[&str] = &["--claude", "fixtures/claude-edge"];

pub fn args<'a>(parts: &[&[&'a str]]) -> Vec<&'a str> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

/// Copies the directory tree `from` into `to` (created if missing).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}
