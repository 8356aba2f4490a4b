//! `costper init`: the file it writes from a machine's logs and repositories, that `report`
//! then reads as written; never replacing a file without `--force`.

use crate::common::*;
use crate::gitrepo::{GitRepo, HUMAN};
use crate::report::{call, write_session};

struct Machine {
    home: tempfile::TempDir,
    cfg: tempfile::TempDir,
    api: GitRepo,
}

fn machine() -> Machine {
    let home = tempfile::tempdir().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let mut api = GitRepo::new();
    api.git(&["remote", "add", "origin", "https://github.com/acme/api.git"]);
    api.commit("Initial commit", HUMAN, HUMAN);
    let wt = cfg.path().join("api-wt");
    api.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feat/x",
        wt.to_str().unwrap(),
    ]);
    let claude = home.path().join(".claude");
    let a = api.path_str();
    let ts = "2026-10-01T10:00:00.000Z";
    write_session(&claude, "s1", &[call("s1", a, "main", ts, "1")]);
    let w = format!("{}/src", wt.display());
    write_session(&claude, "s2", &[call("s2", &w, "feat/x", ts, "2")]);
    write_session(
        &claude,
        "s3",
        &[call("s3", "/home/bob/src/repo/pkg", "feat/y", ts, "3")],
    );
    write_session(
        &claude,
        "s4",
        &[call("s4", "/nonexistent/scratch", "main", ts, "4")],
    );
    Machine { home, cfg, api }
}

fn costper(m: &Machine, args: &[&str]) -> Run {
    finish(
        cmd(m.home.path())
            .current_dir(m.cfg.path())
            .args(args)
            .output()
            .expect("costper runs"),
    )
}

#[test]
fn init_writes_what_it_finds_and_report_reads_it() {
    let m = machine();
    let r = costper(&m, &["init"]).ok();
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("1 repository"), "{}", r.stderr);
    let file = m.cfg.path().join("costper.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let api = std::fs::canonicalize(&m.api.path).unwrap();
    for want in [
        // the default location, written portably
        "claude = [\n  \"~/.claude/projects\",  # 4 file(s), 4 accepted call(s), $1.20",
        // the sessions in the work tree and in its linked worktree belong to one repository
        "# acme/api — sessions here: $0.60 in 2 call(s), 2 session(s)",
        &format!("path = \"{}\"", api.display()),
        "# origin: https://github.com/acme/api.git",
        "branch = \"main\"  # the mainline PRs merge into (detected)",
        // bob's checkout on another machine, by the directory name
        "#   \"/home/*/src/repo\",  # $0.30 in 1 call(s), 1 session(s)",
        "gh pr list --repo acme/api --state all",
        "#   claude-code      -            $1.20 in 4 call(s), 4 session(s)",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(!text.contains("scratch"), "{text}");

    // report reads it as written: the first two calls are in the repository, the others not
    let j = costper(&m, &["report", "--format", "json"]).ok().json();
    let un = &j["unattributed"];
    assert_eq!(nano(&row(un, "reason", "no_repo")["cost_usd"]), 600_000_000);
    assert_eq!(
        nano(&row(un, "reason", "default_branch")["cost_usd"]),
        300_000_000
    );
    assert_eq!(nano(&row(un, "reason", "no_pr")["cost_usd"]), 300_000_000);

    // uncommenting the suggested pattern puts bob's session into the repository
    let text = text.replace("#   \"/home/*/src/repo\"", "  \"/home/*/src/repo\"");
    let text = text
        .replace("# paths = [", "paths = [")
        .replace("\n# ]", "\n]");
    std::fs::write(&file, text).unwrap();
    let j = costper(&m, &["report", "--format", "json"]).ok().json();
    let un = &j["unattributed"];
    assert_eq!(nano(&row(un, "reason", "no_repo")["cost_usd"]), 300_000_000);
    assert_eq!(nano(&row(un, "reason", "no_pr")["cost_usd"]), 600_000_000);
}

#[test]
fn init_never_replaces_a_file_without_force() {
    let m = machine();
    let file = m.cfg.path().join("costper.toml");
    std::fs::write(&file, "not = [valid toml\n").unwrap();
    let r = costper(&m, &["init"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "not = [valid toml\n"
    );
    // a broken file does not stop --force, and -o writes elsewhere
    costper(&m, &["init", "--force"]).ok();
    assert!(std::fs::read_to_string(&file).unwrap().contains("[[repo]]"));
    let other = m.cfg.path().join("ci/costper.toml");
    std::fs::create_dir_all(other.parent().unwrap()).unwrap();
    costper(&m, &["init", "-o", other.to_str().unwrap()]).ok();
    costper(&m, &["report", "--config", other.to_str().unwrap()]).ok();
}
