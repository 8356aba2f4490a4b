//! `costper prs`: real repositories built in temp dirs (tests/cli/gitrepo.rs), every merge
//! style, AI markers, reverts, git-ai notes, PR exports (including a rebase-merged PR),
//! bare and shallow clones, detached HEAD, a missing object — exact classifications and counts.

use crate::common::*;
use crate::gitrepo::{GITHUB, GitRepo, HUMAN, git_in};

/// The "acme" history (oldest first):
/// c0 direct; PR #1 merge (feat/login, 2 commits with Claude markers); PR #2 squash with a
/// Codex trailer after `---------`; d1 direct (a git-ai note that starts with `---`); a
/// direct "Bump version"; PR #3 merge whose branch merged main in (3 branch commits, a git-ai
/// note → Claude);
/// a non-PR `Merge branch 'hotfix'`; PR #4 squash revert of #2; PR #5 merge from
/// `claude/…` authored by claude[bot]; h2 direct by a human named Claude; a1 direct by aider.
pub struct Acme {
    pub repo: GitRepo,
    pub s2: String,
    pub m1: String,
    pub m3: String,
    pub m5: String,
}

pub fn acme() -> Acme {
    let mut r = GitRepo::new();
    r.commit("Initial commit", HUMAN, HUMAN);
    r.branch("feat/login");
    r.commit(
        "Login form skeleton\n\nCo-Authored-By: Claude Opus 4.6 (1M context) <noreply@anthropic.com>\n",
        HUMAN,
        HUMAN,
    );
    r.commit(
        "Login validation\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
        HUMAN,
        HUMAN,
    );
    r.checkout("main");
    let m1 = r.merge(
        "feat/login",
        "Merge pull request #1 from acme/feat/login\n\nAdd login form\n",
        GITHUB,
    );
    let s2 = r.commit(
        "Add search (#2)\n\n* wip search\n\n* more search\n\n---------\n\nCo-authored-by: Codex <noreply@openai.com>\n",
        HUMAN,
        GITHUB,
    );
    let d1 = r.commit("Fix typo in README", HUMAN, HUMAN);
    r.note(&d1, "---\n{\"prompts\":{\"p1\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"x\",\"model\":\"gpt-5\"}}}}");
    r.branch("feat/x");
    r.commit("X part one", HUMAN, HUMAN);
    r.checkout("main");
    r.commit("Bump version", HUMAN, HUMAN);
    r.checkout("feat/x");
    r.merge("main", "Merge branch 'main' into feat/x", HUMAN);
    let x2 = r.commit("X part two", HUMAN, HUMAN);
    r.note(
        &x2,
        "src/x.rs\n  s_0123456789abcd::t_0123456789abcd 1-4\n---\n{\"schema_version\":\"authorship/3.0.0\",\"sessions\":{\"s_0123456789abcd\":{\"agent_id\":{\"tool\":\"claude\",\"id\":\"y\",\"model\":\"claude-opus-4-6\"}}}}",
    );
    r.checkout("main");
    let m3 = r.merge(
        "feat/x",
        "Merge pull request #3 from acme/feat/x\n\nFeature X\n",
        GITHUB,
    );
    r.branch("hotfix");
    r.commit("Hotfix thing", HUMAN, HUMAN);
    r.checkout("main");
    r.merge("hotfix", "Merge branch 'hotfix'", HUMAN);
    r.commit(
        &format!("Revert \"Add search (#2)\" (#4)\n\nThis reverts commit {s2}.\n"),
        HUMAN,
        GITHUB,
    );
    r.branch("claude/issue-5-20261001-1200");
    let bot = (
        "claude[bot]",
        "209825114+claude[bot]@users.noreply.github.com",
    );
    r.commit("Fix flaky test", bot, bot);
    r.checkout("main");
    let m5 = r.merge(
        "claude/issue-5-20261001-1200",
        "Merge pull request #5 from acme/claude/issue-5-20261001-1200\n\nFix flaky test\n",
        GITHUB,
    );
    r.commit(
        "Tune colors\n\nCo-authored-by: Claude Shannon <claude@shannon.example>\n",
        ("Claude Monet", "claude@monet.example"),
        ("Claude Monet", "claude@monet.example"),
    );
    r.commit(
        "aider: rename helper",
        ("Jane Dev (aider)", "jane@example.com"),
        HUMAN,
    );
    Acme {
        repo: r,
        s2,
        m1,
        m3,
        m5,
    }
}

fn prs_json(args: &[&str]) -> serde_json::Value {
    let mut a = vec!["prs", "--format", "json"];
    a.extend_from_slice(args);
    run(&a).ok().json()
}

fn number(rows: &serde_json::Value, n: u64) -> &serde_json::Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["number"] == n)
        .unwrap_or_else(|| panic!("no PR #{n} in {rows:#}"))
}

fn strings(v: &serde_json::Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

#[test]
fn classifies_the_acme_history() {
    let a = acme();
    let v = prs_json(&["--repo", a.repo.path_str()]);
    let s = &v["summary"];
    assert_eq!(s["mainline_commits"], 11);
    assert_eq!(s["merged_prs"], 5);
    assert_eq!(
        (s["merge_prs"].as_i64(), s["squash_prs"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(s["direct_pushes"], 5);
    assert_eq!(s["non_pr_merges"], 1);
    assert_eq!(s["ai_assisted_prs"], 4);
    assert_eq!(s["ai_assisted_share"].as_f64(), Some(0.8));
    assert_eq!(s["reverted_prs"], 1);
    assert_eq!(s["revert_rate"].as_f64(), Some(0.2));
    assert_eq!(s["revert_prs"], 1);

    let prs = &v["prs"];
    assert_eq!(prs.as_array().unwrap().len(), 5);
    let p1 = number(prs, 1);
    assert_eq!(p1["kind"], "merge");
    assert_eq!(p1["title"], "Add login form");
    assert_eq!(p1["head_branch"], "feat/login");
    assert_eq!(p1["base_branch"], "main");
    assert_eq!(p1["merge_sha"], a.m1.as_str());
    assert_eq!(p1["commits"], 2);
    assert_eq!(strings(&p1["ai_agents"]), ["claude"]);
    assert_eq!(strings(&p1["ai_models"]), ["claude-opus-4-6"]);
    assert_eq!(strings(&p1["ai_evidence"]), ["body", "trailer"]);

    let p2 = number(prs, 2);
    assert_eq!(
        (p2["kind"].as_str(), p2["commits"].as_i64()),
        (Some("squash"), Some(1))
    );
    assert_eq!(p2["title"], "Add search");
    assert_eq!(strings(&p2["ai_agents"]), ["codex"]);
    assert_eq!(
        (p2["reverted"].as_bool(), p2["reverted_by"].as_str()),
        (Some(true), Some("#4"))
    );

    let p3 = number(prs, 3);
    assert_eq!(p3["merge_sha"], a.m3.as_str());
    assert_eq!(
        p3["commits"], 3,
        "x1, the merge of main into the branch, x2"
    );
    assert_eq!(strings(&p3["ai_agents"]), ["claude"]);
    assert_eq!(strings(&p3["ai_evidence"]), ["note"]);

    let p4 = number(prs, 4);
    assert_eq!(
        (p4["is_revert"].as_bool(), p4["reverts"].as_str()),
        (Some(true), Some("#2"))
    );
    assert_eq!(p4["ai_assisted"], false);

    let p5 = number(prs, 5);
    assert_eq!(p5["merge_sha"], a.m5.as_str());
    assert_eq!(strings(&p5["ai_agents"]), ["claude"]);
    assert_eq!(
        strings(&p5["ai_evidence"]),
        ["author", "branch", "committer"]
    );

    let agents = &v["ai_agents"];
    assert_eq!(agents[0]["agent"], "claude");
    assert_eq!(agents[0]["prs"], 3);
    assert_eq!(agents[1]["agent"], "codex");
    assert_eq!(agents[1]["prs"], 1);
    assert_eq!(agents.as_array().unwrap().len(), 2);
}

#[test]
fn commits_view_marks_direct_work_and_never_names_a_human_an_agent() {
    let a = acme();
    let rows = prs_json(&["--repo", a.repo.path_str(), "--by", "commit"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 18);
    let by_subject = |s: &str| {
        rows.iter()
            .find(|r| r["subject"] == s)
            .unwrap_or_else(|| panic!("no commit {s}"))
    };
    assert_eq!(
        strings(&by_subject("Tune colors")["ai_agents"]),
        Vec::<&str>::new()
    );
    assert_eq!(
        strings(&by_subject("aider: rename helper")["ai_agents"]),
        ["aider"]
    );
    assert_eq!(
        strings(&by_subject("Fix typo in README")["ai_agents"]),
        ["cursor"]
    );
    assert_eq!(by_subject("Fix typo in README")["kind"], "direct");
    assert_eq!(by_subject("Hotfix thing")["kind"], "branch");
    assert_eq!(by_subject("Hotfix thing")["pr"], serde_json::Value::Null);
    assert_eq!(by_subject("Merge branch 'hotfix'")["kind"], "non_pr_merge");
    assert_eq!(by_subject("Merge branch 'main' into feat/x")["pr"], 3);
    let revert = by_subject("Revert \"Add search (#2)\" (#4)");
    assert_eq!(revert["is_revert"], true);
    assert_eq!(revert["reverts"], a.s2.as_str());
}

/// What a merge brought in is `M^1..M^2` (and `M^3…` of an octopus): a branch forked from an
/// unmerged branch gets only its own commits; an octopus gets all its branches'. With git's
/// commit-graph the walk differs and the result does not.
#[test]
fn branches_of_branches_octopus_merges_and_the_commit_graph() {
    let mut r = GitRepo::new();
    r.commit("Initial commit", HUMAN, HUMAN);
    r.branch("a");
    r.commit("A one", HUMAN, HUMAN);
    r.branch("c");
    r.commit("C one", HUMAN, HUMAN);
    r.checkout("main");
    r.merge("a", "Merge pull request #10 from acme/a\n\nA\n", GITHUB);
    r.merge("c", "Merge pull request #11 from acme/c\n\nC\n", GITHUB);
    r.branch("x");
    r.commit("X one", HUMAN, HUMAN);
    r.checkout("main");
    r.branch("y");
    r.commit("Y one", HUMAN, HUMAN);
    r.commit("Y two", HUMAN, HUMAN);
    r.checkout("main");
    r.commit("Main moves", HUMAN, HUMAN);
    r.merge_all(&["x", "y"], "Merge branches 'x' and 'y'");
    let path = r.path_str();

    let prs = prs_json(&["--repo", path]);
    assert_eq!(number(&prs["prs"], 10)["commits"], 1);
    assert_eq!(number(&prs["prs"], 11)["commits"], 1);
    let rows = prs_json(&["--repo", path, "--by", "commit"]);
    let by_subject = |s: &str| {
        (rows.as_array().unwrap().iter())
            .find(|c| c["subject"] == s)
            .unwrap_or_else(|| panic!("no commit {s}"))
            .clone()
    };
    assert_eq!(by_subject("A one")["pr"], 10);
    assert_eq!(by_subject("C one")["pr"], 11);
    for s in ["X one", "Y one", "Y two"] {
        assert_eq!(by_subject(s)["kind"], "branch", "{s}");
        assert_eq!(by_subject(s)["mainline"], false, "{s}");
    }
    assert_eq!(
        by_subject("Merge branches 'x' and 'y'")["kind"],
        "non_pr_merge"
    );
    assert_eq!(rows.as_array().unwrap().len(), 10);

    r.git(&["commit-graph", "write", "--reachable"]);
    let graph = run(&["prs", "--repo", path, "--format", "json", "-vv"]).ok();
    assert!(graph.stderr.contains("commit-graph"), "{}", graph.stderr);
    assert!(graph.json() == prs);
    assert!(prs_json(&["--repo", path, "--by", "commit"]) == rows);
}

/// One repository, one mainline commit per platform format.
#[test]
fn every_platform_format() {
    let mut r = GitRepo::new();
    r.commit("Initial commit", HUMAN, HUMAN);
    let merges: &[(&str, &str)] = &[
        (
            "b10",
            "Merge pull request #10 from acme/b10\n\nGitHub merge",
        ),
        ("b11", "PR title merge (#11)"),
        (
            "b13",
            "Merge branch 'b13' into 'main'\n\nGitLab\n\nSee merge request acme/app!13",
        ),
        (
            "b14",
            "Merged in b14 (pull request #14)\n\nBitbucket Cloud\n\nApproved-by: A",
        ),
        (
            "b15",
            "Merge pull request #15 in PROJ/repo from b15 to main",
        ),
        (
            "b16",
            "Pull request #16: Bitbucket 7\n\nMerge in PROJ/repo from b16 to main",
        ),
        ("b18", "Merge pull request 18 from b18 into main"),
        (
            "b19",
            "Merge pull request 'Gitea merge' (#19) from b19 into main",
        ),
        ("b21", "Merge #21 #22\n\n21: a r=x a=y\n22: b r=x a=z"),
        ("b23", "Auto merge of #23 - user:b23, r=reviewer"),
        ("b30", "Merge remote-tracking branch 'origin/b30'"),
    ];
    let squashes: &[&str] = &[
        "Squashed feature (#12)",
        "Merged PR 17: Azure squash",
        "Gerrit change\n\nChange-Id: I0123456789abcdef0123456789abcdef01234567\nReviewed-on: https://review.example.org/c/repo/+/20\n",
        "Phabricator\n\nDifferential Revision: https://reviews.example.org/D24",
        "fix: backport (#25) (#26)",
    ];
    for (branch, msg) in merges {
        r.branch(branch);
        r.commit(&format!("work on {branch}"), HUMAN, HUMAN);
        r.checkout("main");
        r.merge(branch, msg, GITHUB);
    }
    for msg in squashes {
        r.commit(msg, HUMAN, GITHUB);
    }
    let v = prs_json(&["--repo", r.path_str()]);
    let prs = &v["prs"];
    let got: Vec<(u64, &str, &str)> = prs
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["number"].as_u64().unwrap(),
                p["kind"].as_str().unwrap(),
                p["platform"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (10, "merge", "github"),
            (11, "merge", "github"),
            (12, "squash", "github"),
            (13, "merge", "gitlab"),
            (14, "merge", "bitbucket"),
            (15, "merge", "bitbucket"),
            (16, "merge", "bitbucket"),
            (17, "squash", "azure_devops"),
            (18, "merge", "azure_devops"),
            (19, "merge", "gitea"),
            (20, "squash", "gerrit"),
            (21, "merge", "bors"),
            (22, "merge", "bors"),
            (23, "merge", "homu"),
            (24, "squash", "phabricator"),
            (26, "squash", "github"),
        ]
    );
    assert_eq!(number(prs, 13)["head_branch"], "b13");
    assert_eq!(number(prs, 16)["title"], "Bitbucket 7");
    assert_eq!(number(prs, 19)["head_branch"], "b19");
    assert_eq!(number(prs, 23)["head_branch"], "b23");
    assert_eq!(v["summary"]["non_pr_merges"], 1);
    assert_eq!(v["summary"]["direct_pushes"], 1);
}

#[test]
fn custom_patterns_are_tried_first() {
    let mut r = GitRepo::new();
    r.commit("Initial commit", HUMAN, HUMAN);
    r.commit("Ship it\n\nLanded-PR: 77", HUMAN, HUMAN);
    let v = prs_json(&[
        "--repo",
        r.path_str(),
        "--pr-pattern",
        r"^Landed-PR: (?P<n>\d+)$",
    ]);
    assert_eq!(number(&v["prs"], 77)["pattern"], "custom_1");
    let bad = run(&["prs", "--repo", r.path_str(), "--pr-pattern", "PR (\\d+)"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("named group"), "{}", bad.stderr);
}

/// A gh export: #1 merge (joined), #2 squash, #6 rebase-merged (2 mainline commits), #7 closed
/// unmerged with a Cursor trailer, #8 open, #9 merged elsewhere (not on main), and #3 #4 #5
/// in git but missing from the export → disagreements.
#[test]
fn pr_export_joins_git_and_adds_what_git_cannot_see() {
    let mut a = acme();
    a.repo.commit("Rebased part 1", HUMAN, GITHUB);
    let r2 = a.repo.commit("Rebased part 2", HUMAN, GITHUB);
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("acme-prs.json");
    let json = serde_json::json!([
        {"number": 1, "title": "Add login form", "url": "https://github.com/acme/app/pull/1", "state": "MERGED",
         "author": {"login": "jane"}, "createdAt": "2026-10-01T00:30:00Z", "mergedAt": "2026-10-01T04:00:00Z",
         "closedAt": "2026-10-01T04:00:00Z", "baseRefName": "main", "headRefName": "feat/login",
         "additions": 120, "deletions": 4, "changedFiles": 6, "labels": [{"name": "feature"}],
         "mergeCommit": {"oid": a.m1}, "commits": []},
        {"number": 2, "title": "Add search", "state": "MERGED", "createdAt": "2026-10-01T03:00:00Z",
         "mergedAt": "2026-10-01T05:00:00Z", "mergeCommit": {"oid": a.s2}, "commits": []},
        {"number": 6, "title": "Rebased feature", "state": "MERGED", "author": {"login": "bob"},
         "createdAt": "2026-10-01T10:00:00Z", "mergedAt": "2026-10-01T20:00:00Z", "headRefName": "feat/rebased",
         "mergeCommit": {"oid": r2},
         "commits": [{"oid": "aaaa", "messageHeadline": "Rebased part 1", "messageBody": "", "authoredDate": "2026-10-01T09:00:00Z", "authors": []},
                     {"oid": "bbbb", "messageHeadline": "Rebased part 2", "messageBody": "", "authoredDate": "2026-10-01T09:30:00Z", "authors": []}]},
        {"number": 7, "title": "Abandoned idea", "state": "CLOSED", "createdAt": "2026-10-02T00:00:00Z",
         "closedAt": "2026-10-03T00:00:00Z", "mergedAt": null, "mergeCommit": null, "headRefName": "cursor/idea",
         "commits": [{"oid": "cccc", "messageHeadline": "Try idea", "messageBody": "Co-authored-by: Cursor <cursoragent@cursor.com>", "authors": [{"name": "Jane", "email": "jane@example.com"}]}]},
        {"number": 8, "title": "Still open", "state": "OPEN", "createdAt": "2026-10-04T00:00:00Z", "mergeCommit": null},
        {"number": 9, "title": "Merged to a release branch", "state": "MERGED", "createdAt": "2026-10-01T01:00:00Z",
         "mergedAt": "2026-10-01T13:00:00Z", "mergeCommit": {"oid": "0123456789012345678901234567890123456789"}}
    ]);
    std::fs::write(&export, json.to_string()).unwrap();
    let v = prs_json(&[
        "--repo",
        a.repo.path_str(),
        "--prs",
        export.to_str().unwrap(),
    ]);
    let prs = &v["prs"];
    let p1 = number(prs, 1);
    assert_eq!(
        (p1["origin"].as_str(), p1["author"].as_str()),
        (Some("both"), Some("jane"))
    );
    assert_eq!(p1["created_at"], "2026-10-01T00:30:00.000Z");
    assert_eq!(p1["cycle_time_hours"].as_f64(), Some(3.5));
    assert_eq!(p1["additions"], 120);
    assert_eq!(strings(&p1["labels"]), ["feature"]);
    let p6 = number(prs, 6);
    assert_eq!(
        (p6["kind"].as_str(), p6["commits"].as_i64()),
        (Some("rebase"), Some(2))
    );
    assert_eq!(p6["merge_sha"], r2.as_str());
    let p7 = number(prs, 7);
    assert_eq!(
        (p7["state"].as_str(), p7["kind"].as_str()),
        (Some("closed"), Some("export_only"))
    );
    assert_eq!(strings(&p7["ai_agents"]), ["cursor"]);
    assert_eq!(number(prs, 8)["state"], "open");
    assert_eq!(number(prs, 9)["kind"], "export_only");
    let s = &v["summary"];
    assert_eq!(s["merged_prs"], 7);
    assert_eq!(s["rebase_prs"], 1);
    assert_eq!(s["export_only_prs"], 1);
    assert_eq!(s["closed_unmerged_prs"], 1);
    assert_eq!(s["open_prs"], 1);
    let what: Vec<(u64, &str)> = v["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["number"].as_u64().unwrap(), d["what"].as_str().unwrap()))
        .collect();
    assert_eq!(what.len(), 4, "{what:#?}");
    for (i, n) in [3, 4, 5].into_iter().enumerate() {
        assert!(
            what[i].0 == n && what[i].1.contains("not in the export"),
            "{what:#?}"
        );
    }
    assert!(what[3].0 == 9 && what[3].1.contains("not on the walked mainline"));
}

#[test]
fn bare_clones_detached_heads_and_several_repos() {
    let a = acme();
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("acme.git");
    git_in(
        dir.path(),
        &[
            "clone",
            "-q",
            "--bare",
            a.repo.path_str(),
            bare.to_str().unwrap(),
        ],
        &[],
    );
    let v = prs_json(&["--repo", bare.to_str().unwrap()]);
    assert_eq!(v["summary"]["merged_prs"], 5);

    // a detached checkout with no main/master: HEAD is the mainline
    let det = dir.path().join("detached");
    git_in(
        dir.path(),
        &["clone", "-q", a.repo.path_str(), det.to_str().unwrap()],
        &[],
    );
    git_in(&det, &["checkout", "-q", "--detach", "HEAD~3"], &[]);
    git_in(&det, &["branch", "-q", "-D", "main"], &[]);
    git_in(&det, &["remote", "remove", "origin"], &[]);
    let v = prs_json(&["--repo", det.to_str().unwrap()]);
    assert!(
        v["repos"][0]["mainline"]
            .as_str()
            .unwrap()
            .starts_with("HEAD (detached at ")
    );
    assert_eq!(v["summary"]["merged_prs"], 4, "#5 is after HEAD~3");

    // --branch picks another mainline
    let v = prs_json(&["--repo", a.repo.path_str(), "--branch", "feat/x"]);
    assert_eq!(v["repos"][0]["mainline"], "refs/heads/feat/x");

    // two repositories at once
    let v = prs_json(&["--repo", a.repo.path_str(), "--repo", det.to_str().unwrap()]);
    assert_eq!(v["summary"]["repos"], 2);
    assert_eq!(v["summary"]["merged_prs"], 9);
}

#[test]
fn shallow_clones_say_what_is_missing() {
    let a = acme();
    let dir = tempfile::tempdir().unwrap();
    let sh = dir.path().join("shallow");
    let url = format!("file://{}", a.repo.path_str());
    git_in(
        dir.path(),
        &["clone", "-q", "--depth", "3", &url, sh.to_str().unwrap()],
        &[],
    );
    let r = run(&["prs", "--repo", sh.to_str().unwrap(), "--format", "json"]).ok();
    assert!(r.stderr.contains("shallow clone"), "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["repos"][0]["shallow"], true);
    assert_eq!(v["summary"]["mainline_commits"], 3);
    let strict = run(&["prs", "--repo", sh.to_str().unwrap(), "--strict"]);
    assert_eq!(strict.code, 1);
}

#[test]
fn line_stats_and_a_missing_object() {
    let mut r = GitRepo::new();
    r.commit("Initial commit", HUMAN, HUMAN);
    r.commit_file("Add ten lines (#1)", HUMAN, GITHUB, "src/ten.txt", 10);
    let broken = r.commit_file("Add five lines (#2)", HUMAN, GITHUB, "src/five.txt", 5);
    let v = prs_json(&["--repo", r.path_str(), "--stats"]);
    assert_eq!(number(&v["prs"], 1)["additions"], 10);
    assert_eq!(number(&v["prs"], 2)["additions"], 5);
    // delete the blob of src/five.txt: its commit's stats are skipped, nothing aborts
    let blob = r.rev(&format!("{broken}:src/five.txt"));
    std::fs::remove_file(
        r.path
            .join(".git/objects")
            .join(&blob[..2])
            .join(&blob[2..]),
    )
    .unwrap();
    let out = run(&["prs", "--repo", r.path_str(), "--stats", "--format", "json"]).ok();
    assert!(
        out.stderr
            .contains(&format!("commit {} has a missing object", &broken[..7])),
        "{}",
        out.stderr
    );
    let v = out.json();
    assert_eq!(number(&v["prs"], 1)["additions"], 10);
    assert_eq!(number(&v["prs"], 2)["additions"], serde_json::Value::Null);
}

#[test]
fn period_and_formats() {
    let a = acme();
    // PRs #1, #2 merged on 2026-10-01 (hours 4 and 5); the rest later that day or after
    let v = prs_json(&["--repo", a.repo.path_str(), "--until", "2026-10-01"]);
    assert!(v["summary"]["merged_prs"].as_i64().unwrap() >= 2);
    let all = prs_json(&["--repo", a.repo.path_str(), "--since", "2026-10-02"]);
    assert_eq!(all["summary"]["merged_prs"], 0);
    let r = run(&[
        "prs",
        "--repo",
        a.repo.path_str(),
        "--by",
        "pr",
        "--format",
        "csv",
    ])
    .ok();
    assert!(
        r.stdout.starts_with("repo,number,kind,state,title,"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.lines().count(), 6);
    let r = run(&["prs", "--repo", a.repo.path_str(), "--format", "csv"]);
    assert_eq!(r.code, 2, "the full report has several sections");
    let r = run(&[
        "prs",
        "--repo",
        a.repo.path_str(),
        "--by",
        "agent",
        "--format",
        "markdown",
    ])
    .ok();
    assert!(
        r.stdout.starts_with("| Agent | Merged PRs |"),
        "{}",
        r.stdout
    );
    let r = run(&["prs"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--repo"), "{}", r.stderr);
    let r = run(&["prs", "--repo", "/no/such/repo"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("/no/such/repo"), "{}", r.stderr);
}
