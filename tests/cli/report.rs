//! `costper report`: a synthetic organisation — two repositories built with git, a PR export,
//! agent transcripts from two machines, a config file — whose per-PR, per-workflow, per-model
//! and unattributed figures equal hand-derived values to the nano-dollar.
//!
//! Every call below is claude-sonnet-4-5 with 100,000 input tokens: 100,000 × $3 / 1M =
//! $0.30 = 300,000,000 nano-USD.

use std::path::Path;

use crate::common::*;
use crate::gitrepo::{GITHUB, GitRepo, HUMAN};

pub const CALL: i64 = 300_000_000;

/// An original (pre-squash) commit of PR #3, known only from the export.
const SEARCH_ORIG: &str = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";

pub struct Org {
    _dir: tempfile::TempDir,
    api: GitRepo,
    web: GitRepo,
    pub config: String,
    pub claude: String,
}

pub fn call(session: &str, cwd: &str, branch: &str, ts: &str, id: &str) -> String {
    serde_json::json!({
        "type": "assistant", "sessionId": session, "cwd": cwd, "gitBranch": branch,
        "timestamp": ts, "requestId": format!("req_{id}"), "version": "2.1.63",
        "message": {"id": format!("msg_{id}"), "model": "claude-sonnet-4-5", "role": "assistant",
            "content": [{"type": "text", "text": "PRIVATE-RESPONSE"}],
            "usage": {"input_tokens": 100000, "output_tokens": 0,
                "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}
    })
    .to_string()
}

fn commit_line(session: &str, cwd: &str, branch: &str, ts: &str, sha7: &str) -> String {
    let out = format!("[{branch} {sha7}] Add search\n 1 file changed");
    serde_json::json!({
        "type": "user", "sessionId": session, "cwd": cwd, "gitBranch": branch, "timestamp": ts,
        "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
            "content": out}]},
        "toolUseResult": {"stdout": out}
    })
    .to_string()
}

pub fn write_session(dir: &Path, session: &str, lines: &[String]) {
    let p = dir
        .join("projects")
        .join("p")
        .join(format!("{session}.jsonl"));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, lines.join("\n") + "\n").unwrap();
}

/// See the module docs and docs/attribution.md for what each session tests.
pub fn org() -> Org {
    let dir = tempfile::tempdir().unwrap();
    // acme/api: clock starts at 2026-10-01T00:00Z, +1h per commit
    let mut api = GitRepo::new();
    api.git(&["remote", "add", "origin", "https://github.com/acme/api.git"]);
    api.commit("Initial commit", HUMAN, HUMAN); // 01:00
    api.branch("feat/login");
    api.commit("Login form", HUMAN, HUMAN); // 02:00
    api.checkout("main");
    let m1 = api.merge(
        "feat/login",
        "Merge pull request #1 from acme/feat/login\n\nLogin\n",
        GITHUB,
    ); // 03:00
    api.branch("fix");
    api.commit("Fix crash", HUMAN, HUMAN); // 04:00
    api.checkout("main");
    let m2 = api.merge(
        "fix",
        "Merge pull request #2 from acme/fix\n\nFix\n",
        GITHUB,
    ); // 05:00
    api.git(&["branch", "-D", "fix"]);
    api.branch("fix");
    api.commit("Fix leak", HUMAN, HUMAN); // 06:00
    api.checkout("main");
    let m4 = api.merge(
        "fix",
        "Merge pull request #4 from acme/fix\n\nFix 2\n",
        GITHUB,
    ); // 07:00
    let s3 = api.commit("Add search (#3)", HUMAN, GITHUB); // 08:00
    let r6 = api.commit(
        &format!("Revert \"Add search (#3)\" (#6)\n\nThis reverts commit {s3}.\n"),
        HUMAN,
        GITHUB,
    ); // 09:00

    // acme/web: one git-only PR from feat/ui (no export: window from its first commit)
    let mut web = GitRepo::new();
    web.git(&["remote", "add", "origin", "https://github.com/acme/web.git"]);
    web.commit("Initial commit", HUMAN, HUMAN); // 01:00
    web.branch("feat/ui");
    web.commit("New UI", HUMAN, HUMAN); // 02:00
    web.checkout("main");
    web.merge(
        "feat/ui",
        "Merge pull request #1 from acme/feat/ui\n\nUI\n",
        GITHUB,
    ); // 03:00

    let export = dir.path().join("api-prs.json");
    let pr = |n: u32, head: &str, state: &str, created: &str, end: &str, sha: &str| {
        let merged = state == "MERGED";
        serde_json::json!({
            "number": n, "title": format!("PR {n}"), "url": format!("https://github.com/acme/api/pull/{n}"),
            "state": state, "author": {"login": "jane"}, "createdAt": created,
            "mergedAt": if merged { serde_json::json!(end) } else { serde_json::Value::Null },
            "closedAt": end, "baseRefName": "main", "headRefName": head,
            "mergeCommit": if sha.is_empty() { serde_json::Value::Null } else { serde_json::json!({"oid": sha}) },
            "additions": 10, "deletions": 2,
            "commits": if n == 3 {
                serde_json::json!([{"oid": SEARCH_ORIG, "messageHeadline": "Add search", "authors": []}])
            } else { serde_json::json!([]) }
        })
    };
    let prs = serde_json::json!([
        pr(
            1,
            "feat/login",
            "MERGED",
            "2026-10-01T01:30:00Z",
            "2026-10-01T03:00:00Z",
            &m1
        ),
        pr(
            2,
            "fix",
            "MERGED",
            "2026-10-01T03:30:00Z",
            "2026-10-01T05:00:00Z",
            &m2
        ),
        pr(
            3,
            "feat/search",
            "MERGED",
            "2026-10-01T07:00:00Z",
            "2026-10-01T08:00:00Z",
            &s3
        ),
        pr(
            4,
            "fix",
            "MERGED",
            "2026-10-01T05:30:00Z",
            "2026-10-01T07:00:00Z",
            &m4
        ),
        pr(
            5,
            "feat/dead",
            "CLOSED",
            "2026-10-01T02:00:00Z",
            "2026-10-01T06:00:00Z",
            ""
        ),
        pr(
            6,
            "revert-3",
            "MERGED",
            "2026-10-01T08:30:00Z",
            "2026-10-01T09:00:00Z",
            &r6
        ),
    ]);
    std::fs::write(&export, prs.to_string()).unwrap();

    let claude = dir.path().join("claude");
    let a = api.path_str().to_string();
    let w = web.path_str().to_string();
    let sub = format!("{a}/src");
    let day = |t: &str| format!("2026-10-01T{t}:00.000Z");
    // A: two calls on feat/login inside PR #1's window → branch → #1
    write_session(
        &claude,
        "sA",
        &[
            call("sA", &a, "feat/login", &day("01:40"), "A1"),
            call("sA", &a, "feat/login", &day("02:10"), "A2"),
        ],
    );
    // B: a branch with no PR, but the session committed PR #3's original commit → commit → #3
    write_session(
        &claude,
        "sB",
        &[
            call("sB", &sub, "wip-search", &day("07:10"), "B1"),
            commit_line("sB", &sub, "wip-search", &day("07:20"), &SEARCH_ORIG[..7]),
            call("sB", &sub, "wip-search", &day("07:30"), "B2"),
        ],
    );
    // C and D: the branch name `fix` was used by #2 and then #4
    write_session(&claude, "sC", &[call("sC", &a, "fix", &day("05:10"), "C1")]);
    write_session(&claude, "sD", &[call("sD", &a, "fix", &day("06:30"), "D1")]);
    // E: on main; F: the abandoned PR's branch; G: outside any repository; H: a branch
    // without PR; I: feat/login a month before PR #1
    write_session(
        &claude,
        "sE",
        &[call("sE", &a, "main", &day("02:00"), "E1")],
    );
    write_session(
        &claude,
        "sF",
        &[call("sF", &a, "feat/dead", &day("03:00"), "F1")],
    );
    write_session(
        &claude,
        "sG",
        &[call(
            "sG",
            "/tmp/scratch-xyz",
            "feat/login",
            &day("02:20"),
            "G1",
        )],
    );
    write_session(
        &claude,
        "sH",
        &[call("sH", &a, "feat/nopr", &day("04:00"), "H1")],
    );
    write_session(
        &claude,
        "sI",
        &[call(
            "sI",
            &a,
            "feat/login",
            "2026-09-01T00:00:00.000Z",
            "I1",
        )],
    );
    // J: a second machine where the checkout lives in /home/bob/src/api
    write_session(
        &claude,
        "sJ",
        &[call(
            "sJ",
            "/home/bob/src/api/pkg",
            "feat/login",
            &day("02:30"),
            "J1",
        )],
    );
    // K: acme/web, inside the lookback of its git-only PR #1
    write_session(
        &claude,
        "sK",
        &[call("sK", &w, "feat/ui", &day("01:45"), "K1")],
    );

    let config = dir.path().join("costper.toml");
    std::fs::write(
        &config,
        format!(
            "[[repo]]\npath = {a:?}\npaths = [\"/home/*/src/api\"]\nprs = [{:?}]\n\n\
             [[repo]]\npath = {w:?}\n\n\
             [[workflow]]\nname = \"login\"\nbranch = \"feat/login*\"\n",
            export.display().to_string()
        ),
    )
    .unwrap();
    Org {
        config: config.display().to_string(),
        claude: claude.display().to_string(),
        _dir: dir,
        api,
        web,
    }
}

fn report(o: &Org, extra: &[&str]) -> Run {
    let mut a = vec!["report", "--config", &o.config, "--claude", &o.claude];
    a.extend_from_slice(extra);
    run(&a).ok()
}

fn pr_cost(rows: &serde_json::Value, repo: &str, number: i64) -> i64 {
    let r = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repo"] == repo && r["number"] == number)
        .unwrap_or_else(|| panic!("no PR {repo}#{number} in {rows:#}"));
    nano(&r["cost_usd"])
}

#[test]
fn synthetic_organisation_to_the_nano_dollar() {
    let o = org();
    assert!(o.api.path.exists() && o.web.path.exists());
    let r = report(&o, &["--format", "json"]);
    let j = r.json();
    assert_eq!(j["schema_version"], 1);
    let s = &j["summary"];
    assert_eq!(nano(&s["input_cost_usd"]), 13 * CALL, "{s:#}");
    assert_eq!(nano(&s["attributed_cost_usd"]), 8 * CALL, "{s:#}");
    assert_eq!(nano(&s["unattributed_cost_usd"]), 5 * CALL);
    assert_eq!(s["merged_prs"], 6);
    assert_eq!(s["costed_merged_prs"], 5);
    assert_eq!(nano(&s["cost_per_merged_pr_usd"]), 8 * CALL / 6);
    assert_eq!(
        nano(&s["fully_loaded_cost_per_merged_pr_usd"]),
        13 * CALL / 6
    );
    assert_eq!(nano(&s["median_pr_cost_usd"]), CALL);
    assert_eq!(nano(&s["p90_pr_cost_usd"]), 3 * CALL);
    assert_eq!(nano(&s["reverted_cost_usd"]), 2 * CALL);
    assert_eq!(nano(&s["abandoned_cost_usd"]), CALL);
    assert_eq!(nano(&s["commit_cost_usd"]), 2 * CALL);
    assert_eq!(nano(&s["branch_cost_usd"]), 6 * CALL);
    assert_eq!(nano(&s["wip_cost_usd"]), 0);
    assert_eq!(s["requests"], 13);

    // per PR
    let prs = &j["prs"];
    assert_eq!(pr_cost(prs, "acme/api", 1), 3 * CALL); // A (2) + J, other machine
    assert_eq!(pr_cost(prs, "acme/api", 3), 2 * CALL); // commit signal
    assert_eq!(pr_cost(prs, "acme/api", 2), CALL); // reused branch, first PR
    assert_eq!(pr_cost(prs, "acme/api", 4), CALL); // reused branch, second PR
    assert_eq!(pr_cost(prs, "acme/web", 1), CALL); // git-only PR of the second repo
    let p3 = prs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repo"] == "acme/api" && r["number"] == 3)
        .unwrap();
    assert_eq!(p3["signals"], serde_json::json!(["commit"]));
    assert_eq!(p3["reverted"], true);

    // unattributed, every reason once
    let un = &j["unattributed"];
    for (reason, calls) in [
        ("abandoned", 1),
        ("no_repo", 1),
        ("default_branch", 1),
        ("no_pr", 1),
        ("outside_window", 1),
        ("aggregate_only", 0),
    ] {
        assert_eq!(
            nano(&row(un, "reason", reason)["cost_usd"]),
            calls * CALL,
            "{reason}"
        );
    }

    // workflows: the config rule takes feat/login* (A, G, I, J)
    let wf = &j["by_workflow"];
    let login = row(wf, "workflow", "login");
    assert_eq!(nano(&login["cost_usd"]), 5 * CALL);
    assert_eq!(nano(&login["attributed_cost_usd"]), 3 * CALL);
    assert_eq!(login["merged_prs"], 1);
    assert_eq!(nano(&login["cost_per_merged_pr_usd"]), 3 * CALL);
    let cc = row(wf, "workflow", "claude-code");
    assert_eq!(nano(&cc["cost_usd"]), 8 * CALL);
    assert_eq!(cc["merged_prs"], 4);
    assert_eq!(nano(&cc["cost_per_merged_pr_usd"]), 5 * CALL / 4);

    let model = row(&j["by_model"], "model", "claude-sonnet-4-5");
    assert_eq!(nano(&model["cost_usd"]), 13 * CALL);
    assert_eq!(model["requests"], 13);
    assert_eq!(nano(&model["cost_per_call_usd"]), CALL);
    assert_eq!(model["prs"], 5);
    assert_eq!(model["input_tokens"], 1_300_000);

    // conservation in the single-table views too
    for by in [
        "pr", "model", "workflow", "repo", "author", "branch", "session", "day",
    ] {
        let t = report(&o, &["--by", by, "--format", "json"]).json();
        let total: i64 = t
            .as_array()
            .unwrap()
            .iter()
            .map(|r| nano(&r["cost_usd"]))
            .sum();
        let expect = if by == "pr" { 9 * CALL } else { 13 * CALL }; // PRs: attributed + abandoned
        assert_eq!(total, expect, "--by {by}: {t:#}");
    }
}

#[test]
fn report_output_is_identical_across_threads_and_formats_agree() {
    let o = org();
    let one = report(&o, &["--format", "json", "--threads", "1"]).stdout;
    let three = report(&o, &["--format", "json", "--threads", "3"]).stdout;
    assert_eq!(one, three);
    let csv = report(&o, &["--by", "pr", "--format", "csv"]).stdout;
    assert!(csv.starts_with("repo,number,title,state"), "{csv}");
    let md = report(&o, &["--format", "markdown"]).stdout;
    assert!(md.contains("Cost per merged PR"), "{md}");
    let table = report(&o, &[]).stdout;
    assert!(table.contains("$0.40"), "{table}"); // 8 × $0.30 / 6 merged PRs
    assert!(!one.contains("PRIVATE-RESPONSE"));
}

#[test]
fn period_filters_rows_and_merged_prs() {
    let o = org();
    // September only: the one call from a month before PR #1, nothing merged
    let j = report(&o, &["--format", "json", "--until", "2026-09-30"]).json();
    assert_eq!(nano(&j["summary"]["input_cost_usd"]), CALL);
    assert_eq!(j["summary"]["merged_prs"], 0);
    assert!(j["summary"]["cost_per_merged_pr_usd"].is_null());
    assert_eq!(
        nano(&row(&j["unattributed"], "reason", "outside_window")["cost_usd"]),
        CALL
    );
}

#[test]
fn config_errors_name_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("costper.toml");
    std::fs::write(&cfg, "[attribution]\nlookback = \"two weeks\"\n").unwrap();
    let r = run(&[
        "report",
        "--config",
        cfg.to_str().unwrap(),
        "--claude",
        "fixtures/claude",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("costper.toml"), "{}", r.stderr);
    assert!(r.stderr.contains("attribution.lookback"), "{}", r.stderr);
}

#[test]
fn without_repositories_everything_is_unattributed() {
    let j = run(&["report", "--claude", "fixtures/claude", "--format", "json"])
        .ok()
        .json();
    let s = &j["summary"];
    assert_eq!(s["input_cost_usd"], s["unattributed_cost_usd"]);
    assert_eq!(nano(&s["attributed_cost_usd"]), 0);
    assert_eq!(
        nano(&row(&j["unattributed"], "reason", "no_repo")["cost_usd"]),
        nano(&s["input_cost_usd"])
    );
}

/// acme/app: PR #1 (feat/a) merged just before 2026-10-01, PR #2 (feat/b) merged on
/// 2026-10-02, PR #3 (feat/open) still open and checked out in a linked worktree.
pub struct App {
    pub _dir: tempfile::TempDir,
    _app: GitRepo,
    pub config: String,
    pub claude: String,
    pub codex: String,
}

/// A Codex rollout on another machine: its cwd is in no configured repository, its
/// session_meta names the remote. 100,000 input tokens of gpt-5 ($1.25/M) = $0.125.
pub const CODEX_CALL: i64 = 125_000_000;

pub fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let mut app = GitRepo::new();
    app.git(&["remote", "add", "origin", "git@github.com:acme/app.git"]);
    app.commit("Initial commit", HUMAN, HUMAN);
    app.branch("feat/a");
    app.commit("A", HUMAN, HUMAN);
    app.checkout("main");
    let m1 = app.merge("feat/a", "Merge pull request #1 from acme/feat/a\n", GITHUB);
    app.branch("feat/b");
    app.commit("B", HUMAN, HUMAN);
    app.checkout("main");
    let m2 = app.merge("feat/b", "Merge pull request #2 from acme/feat/b\n", GITHUB);
    let wt = dir.path().join("wt-open");
    app.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feat/open",
        wt.to_str().unwrap(),
    ]);

    let pr = |n: u32, head: &str, created: &str, merged: Option<&str>, sha: &str| {
        serde_json::json!({
            "number": n, "title": format!("PR {n}"), "url": format!("https://github.com/acme/app/pull/{n}"),
            "state": if merged.is_some() { "MERGED" } else { "OPEN" }, "author": {"login": "jane"},
            "createdAt": created, "mergedAt": merged, "closedAt": merged,
            "baseRefName": "main", "headRefName": head,
            "mergeCommit": if sha.is_empty() { serde_json::Value::Null } else { serde_json::json!({"oid": sha}) },
        })
    };
    let export = dir.path().join("app-prs.json");
    let prs = serde_json::json!([
        pr(
            1,
            "feat/a",
            "2026-09-30T20:00:00Z",
            Some("2026-09-30T23:45:00Z"),
            &m1
        ),
        pr(
            2,
            "feat/b",
            "2026-10-01T03:30:00Z",
            Some("2026-10-02T05:00:00Z"),
            &m2
        ),
        pr(3, "feat/open", "2026-10-01T04:00:00Z", None, ""),
    ]);
    std::fs::write(&export, prs.to_string()).unwrap();

    let claude = dir.path().join("claude");
    let a = app.path_str().to_string();
    // S1: the Agent SDK (entrypoint sdk-ts) on feat/a before the merge → #1, workflow ci-review
    let mut s1: serde_json::Value =
        serde_json::from_str(&call("s1", &a, "feat/a", "2026-09-30T22:30:00.000Z", "S1")).unwrap();
    s1["entrypoint"] = "sdk-ts".into();
    write_session(&claude, "s1", &[s1.to_string()]);
    // S4: feat/a 30 minutes after the merge (grace) → #1, merged before a --since 2026-10-01
    write_session(
        &claude,
        "s4",
        &[call("s4", &a, "feat/a", "2026-10-01T00:30:00.000Z", "S4")],
    );
    // S2: in the linked worktree of the open PR → #3, work in progress
    let w = format!("{}/src", wt.display());
    write_session(
        &claude,
        "s2",
        &[call(
            "s2",
            &w,
            "feat/open",
            "2026-10-01T04:30:00.000Z",
            "S2",
        )],
    );
    // S3: Codex on a CI runner whose checkout path is unknown; the remote names the repo
    let codex = dir.path().join("codex");
    let rollout = codex.join("sessions/2026/10/01");
    std::fs::create_dir_all(&rollout).unwrap();
    let ts = "2026-10-01T04:10:00.000Z";
    let usage = serde_json::json!({"input_tokens": 100000, "cached_input_tokens": 0,
        "output_tokens": 0, "reasoning_output_tokens": 0, "total_tokens": 100000});
    let lines = [
        serde_json::json!({"timestamp": ts, "type": "session_meta", "payload": {
            "id": "c3", "timestamp": ts, "cwd": "/runner/work/checkout", "originator": "codex_exec",
            "cli_version": "0.63.0", "git": {"branch": "feat/b",
            "repository_url": "https://github.com/acme/app.git"}}}),
        serde_json::json!({"timestamp": ts, "type": "turn_context", "payload": {
            "cwd": "/runner/work/checkout", "model": "gpt-5"}}),
        serde_json::json!({"timestamp": ts, "type": "event_msg", "payload": {"type": "token_count",
            "info": {"total_token_usage": usage, "last_token_usage": usage}}}),
    ];
    std::fs::write(
        rollout.join("rollout-2026-10-01T04-10-00-c3.jsonl"),
        lines.map(|l| l.to_string()).join("\n") + "\n",
    )
    .unwrap();

    let config = dir.path().join("costper.toml");
    std::fs::write(
        &config,
        format!(
            "[[repo]]\npath = {a:?}\nprs = [{:?}]\n\n\
             [[workflow]]\nname = \"ci-review\"\nentrypoint = \"sdk*\"\n",
            export.display().to_string()
        ),
    )
    .unwrap();
    App {
        config: config.display().to_string(),
        claude: claude.display().to_string(),
        codex: codex.display().to_string(),
        _dir: dir,
        _app: app,
    }
}

fn app_report(a: &App, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "report", "--config", &a.config, "--claude", &a.claude, "--codex", &a.codex, "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    run(&args).ok().json()
}

#[test]
fn worktrees_codex_remotes_entrypoints_and_work_in_progress() {
    let a = app();
    let j = app_report(&a, &[]);
    let s = &j["summary"];
    assert_eq!(nano(&s["input_cost_usd"]), 3 * CALL + CODEX_CALL, "{s:#}");
    assert_eq!(
        nano(&s["unattributed_cost_usd"]),
        0,
        "{:#}",
        j["unattributed"]
    );
    assert_eq!(s["merged_prs"], 2);
    assert_eq!(nano(&s["merged_pr_cost_usd"]), 2 * CALL + CODEX_CALL);
    assert_eq!(nano(&s["wip_cost_usd"]), CALL); // the open PR in the worktree
    assert_eq!(nano(&s["earlier_pr_cost_usd"]), 0);
    let prs = &j["prs"];
    assert_eq!(pr_cost(prs, "acme/app", 1), 2 * CALL);
    assert_eq!(pr_cost(prs, "acme/app", 2), CODEX_CALL); // by the Codex remote
    assert_eq!(pr_cost(prs, "acme/app", 3), CALL); // by the worktree
    let wf = &j["by_workflow"];
    assert_eq!(nano(&row(wf, "workflow", "ci-review")["cost_usd"]), CALL);
    assert_eq!(
        nano(&row(wf, "workflow", "claude-code")["cost_usd"]),
        2 * CALL
    );
    // codex exec is how Codex runs in CI
    assert_eq!(
        nano(&row(wf, "workflow", "codex-ci")["cost_usd"]),
        CODEX_CALL
    );

    // from 2026-10-01: S1 is before the period; S4 went to #1, merged before it
    let j = app_report(&a, &["--since", "2026-10-01"]);
    let s = &j["summary"];
    assert_eq!(nano(&s["input_cost_usd"]), 2 * CALL + CODEX_CALL, "{s:#}");
    assert_eq!(s["merged_prs"], 1);
    assert_eq!(nano(&s["earlier_pr_cost_usd"]), CALL);
    assert_eq!(nano(&s["merged_pr_cost_usd"]), CODEX_CALL);
    assert_eq!(nano(&s["cost_per_merged_pr_usd"]), CODEX_CALL);
    assert_eq!(nano(&s["wip_cost_usd"]), CALL);

    // until 2026-10-01: #2 merges after the period, so its spend is work in progress too
    let j = app_report(&a, &["--until", "2026-10-01"]);
    let s = &j["summary"];
    assert_eq!(s["merged_prs"], 1, "{s:#}");
    assert_eq!(nano(&s["merged_pr_cost_usd"]), 2 * CALL);
    assert_eq!(nano(&s["wip_cost_usd"]), CALL + CODEX_CALL);
    assert!(s["cost_per_merged_pr_usd"].is_number());

    // --top keeps the most expensive PRs
    let j = app_report(&a, &["--top", "1"]);
    let prs = j["prs"].as_array().unwrap();
    assert_eq!(prs.len(), 1, "{prs:#?}");
    assert_eq!(prs[0]["number"], 1);
    let t = app_report(&a, &["--by", "pr", "--top", "2"]);
    assert_eq!(t.as_array().unwrap().len(), 2);
    let t = app_report(&a, &["--by", "workflow", "--top", "1"]);
    assert_eq!(t.as_array().unwrap().len(), 1);
    assert_eq!(t[0]["workflow"], "claude-code");
    let table = run(&[
        "report", "--config", &a.config, "--claude", &a.claude, "--codex", &a.codex, "--by",
        "workflow", "--top", "1",
    ])
    .ok()
    .stdout;
    assert!(table.contains("most expensive of 3 rows"), "{table}");
}
