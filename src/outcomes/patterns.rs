//! Which pull request (or merge request, change, revision) a mainline commit landed, read
//! from its message. One row per platform format in [`BUILTIN`] (sources in
//! reference/outcomes.md §1.1); user patterns (`--pr-pattern`) are tried first.
//!
//! A merge commit (2+ parents) whose message matches is a *merge* PR, a single-parent commit a
//! *squash* PR (Gerrit and Phabricator changes land as single commits, too). `Merge branch 'main'
//! into feature`, `Merge remote-tracking branch …` and `Merge tag …` are not PRs. GitHub's
//! ` (#N)` suffix takes the **last** match: backports and reverts keep the original number
//! (`Revert "fix (#929)" (#949)` is PR 949).

use std::sync::LazyLock;

use anyhow::{Context, Result, bail};
use regex::Regex;

/// Where a pattern looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Subject,
    /// Any line of the body.
    Body,
    /// The whole message (subject and body), multi-line mode.
    Message,
}

/// One recognizable format. Named groups: `n` (the number, required), `ns` (several `#N`),
/// `branch` (head), `base`, `title`. A `subject` refinement, when set, must also match the
/// subject (e.g. Bitbucket Server 7: `Pull request #N: …` plus a `Merge in … from … to …` body).
#[derive(Debug)]
pub struct Pattern {
    pub name: String,
    pub platform: &'static str,
    pub field: Field,
    pub regex: Regex,
    /// For body patterns: an extra subject regex supplying `branch`/`base`/`title`.
    pub subject: Option<Regex>,
    /// Text every match contains: a cheap test that skips the regex for most commits.
    pub needle: Option<&'static str>,
}

/// A PR reference found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrRef {
    /// Usually one; a bors batch merges several.
    pub numbers: Vec<u64>,
    pub platform: &'static str,
    pub pattern: String,
    pub head_branch: Option<String>,
    pub base_branch: Option<String>,
    pub title: Option<String>,
}

/// What a mainline commit is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    Pr(PrRef),
    /// A merge commit that is not a PR (`Merge branch 'main' into x`, `Merge tag`, unknown).
    NonPrMerge,
    /// A single-parent commit with no PR reference.
    Direct,
}

struct Builtin {
    name: &'static str,
    platform: &'static str,
    field: Field,
    regex: &'static str,
    subject: Option<&'static str>,
    /// A literal in every match of `regex` (checked by a test).
    needle: &'static str,
}

/// The built-in formats, tried in this order (specific ones before GitHub's generic ` (#N)`).
const BUILTIN: &[Builtin] = &[
    Builtin {
        name: "bitbucket_server_merge",
        platform: "bitbucket",
        field: Field::Subject,
        regex: r"^Merge pull request #(?P<n>\d+) in (?P<repo>\S+) from (?P<branch>\S+) to (?P<base>\S+)",
        subject: None,
        needle: "Merge pull request #",
    },
    Builtin {
        name: "github_merge",
        platform: "github",
        field: Field::Subject,
        regex: r"^Merge pull request #(?P<n>\d+) from (?:[^/\s]+/)?(?P<branch>\S+)",
        subject: None,
        needle: "Merge pull request #",
    },
    Builtin {
        name: "gitea_merge",
        platform: "gitea",
        field: Field::Subject,
        regex: r"^Merge pull request '(?P<title>.*)' \(#(?P<n>\d+)\) from (?:\S+:)?(?P<branch>\S+) into (?P<base>\S+)",
        subject: None,
        needle: "Merge pull request '",
    },
    Builtin {
        name: "azure_devops_merged",
        platform: "azure_devops",
        field: Field::Subject,
        regex: r"^Merged PR (?P<n>\d+): (?P<title>.*)",
        subject: None,
        needle: "Merged PR ",
    },
    Builtin {
        name: "azure_devops_merge",
        platform: "azure_devops",
        field: Field::Subject,
        regex: r"^Merge pull request (?P<n>\d+) from (?P<branch>\S+) into (?P<base>\S+)",
        subject: None,
        needle: "Merge pull request ",
    },
    Builtin {
        name: "bitbucket_cloud_merge",
        platform: "bitbucket",
        field: Field::Subject,
        regex: r"^Merged in (?P<branch>\S+) \(pull request #(?P<n>\d+)\)",
        subject: None,
        needle: "Merged in ",
    },
    Builtin {
        name: "bitbucket_server_7",
        platform: "bitbucket",
        field: Field::Body,
        regex: r"(?m)^Merge in \S+ from (?P<branch>\S+) to (?P<base>\S+)\s*$",
        subject: Some(r"^Pull request #(?P<n>\d+): (?P<title>.*)"),
        needle: "Merge in ",
    },
    Builtin {
        name: "gitlab_merge",
        platform: "gitlab",
        field: Field::Body,
        regex: r"(?m)^See merge request \S*!(?P<n>\d+)\s*$",
        subject: Some(r"^Merge branch '(?P<branch>[^']+)' into '(?P<base>[^']+)'"),
        needle: "See merge request ",
    },
    Builtin {
        name: "homu",
        platform: "homu",
        field: Field::Subject,
        regex: r"^Auto merge of #(?P<n>\d+) - [^:]+:(?P<branch>\S+), r=",
        subject: None,
        needle: "Auto merge of #",
    },
    Builtin {
        name: "bors",
        platform: "bors",
        field: Field::Subject,
        regex: r"^Merge (?P<ns>#\d+(?: #\d+)*)\s*$",
        subject: None,
        needle: "Merge #",
    },
    Builtin {
        name: "gerrit",
        platform: "gerrit",
        field: Field::Body,
        regex: r"(?m)^Reviewed-on: https?://\S*?(?P<n>\d+)/?\s*$",
        subject: None,
        needle: "Reviewed-on: ",
    },
    Builtin {
        name: "phabricator",
        platform: "phabricator",
        field: Field::Body,
        regex: r"(?m)^Differential Revision: \S*/D(?P<n>\d+)\s*$",
        subject: None,
        needle: "Differential Revision: ",
    },
    Builtin {
        name: "github_squash",
        platform: "github",
        field: Field::Subject,
        // greedy prefix: the last ` (#N)` wins
        regex: r"^(?P<title>.*)\(#(?P<n>\d+)\)\s*$",
        subject: None,
        needle: "(#",
    },
];

/// Merge subjects that are never PRs.
static NOT_PR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^Merge (?:branch|branches|tag|remote-tracking branch|commit) ")
        .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});

static BORS_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"#(\d+)").unwrap_or_else(|e| panic!("built-in pattern: {e}")));

/// The pattern table: user patterns first, then the built-ins.
#[derive(Debug)]
pub struct Patterns(Vec<Pattern>);

impl Patterns {
    /// The built-in table plus user regexes (each must have a named group `n`; optional
    /// `branch`, `base`, `title`), matched against the whole message in multi-line mode.
    pub fn new(user: &[String]) -> Result<Self> {
        let mut all = Vec::new();
        for (i, u) in user.iter().enumerate() {
            let regex = Regex::new(&format!("(?m){u}"))
                .with_context(|| format!("--pr-pattern `{u}` is not a valid regex"))?;
            if !regex.capture_names().flatten().any(|n| n == "n") {
                bail!("--pr-pattern `{u}` needs a named group `(?P<n>…)` for the PR number");
            }
            all.push(Pattern {
                name: format!("custom_{}", i + 1),
                platform: "custom",
                field: Field::Message,
                regex,
                subject: None,
                needle: None,
            });
        }
        for b in BUILTIN {
            all.push(Pattern {
                name: b.name.to_string(),
                platform: b.platform,
                field: b.field,
                regex: Regex::new(b.regex)
                    .with_context(|| format!("built-in pattern {}", b.name))?,
                subject: b
                    .subject
                    .map(Regex::new)
                    .transpose()
                    .with_context(|| format!("built-in pattern {}", b.name))?,
                needle: Some(b.needle),
            });
        }
        Ok(Patterns(all))
    }

    /// Classifies a mainline commit from its message and parent count.
    pub fn classify(&self, message: &str, parents: usize) -> Class {
        let (subject, body) = split_message(message);
        for p in &self.0 {
            let text = match p.field {
                Field::Subject => subject,
                Field::Body => body,
                Field::Message => message,
            };
            // `Merge branch 'main' into feat (#12)` is a plain merge, not PR 12
            if p.name == "github_squash" && is_plain_merge(subject) {
                continue;
            }
            if p.needle.is_some_and(|n| !text.contains(n)) {
                continue;
            }
            let Some(caps) = p.regex.captures(text) else {
                continue;
            };
            let subject_caps = match &p.subject {
                Some(s) => match s.captures(subject) {
                    Some(c) => Some(c),
                    // Bitbucket 7 needs both; for GitLab the number is in the body alone
                    None if p.name == "bitbucket_server_7" => continue,
                    None => None,
                },
                None => None,
            };
            let group = |name: &str| {
                caps.name(name)
                    .or_else(|| subject_caps.as_ref().and_then(|c| c.name(name)))
                    .map(|m| m.as_str().trim().to_string())
                    .filter(|s| !s.is_empty())
            };
            let numbers: Vec<u64> = match caps.name("ns") {
                Some(ns) => BORS_NUMBER
                    .captures_iter(ns.as_str())
                    .filter_map(|c| c[1].parse().ok())
                    .collect(),
                None => group("n")
                    .and_then(|n| n.parse().ok())
                    .into_iter()
                    .collect(),
            };
            if numbers.is_empty() {
                continue;
            }
            let title = group("title").or_else(|| match (p.field, parents) {
                // GitHub merge commits carry the PR title as the first body line
                (Field::Subject, 2..) if p.name == "github_merge" => body
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .map(str::to_string),
                _ => None,
            });
            return Class::Pr(PrRef {
                numbers,
                platform: p.platform,
                pattern: p.name.clone(),
                head_branch: group("branch"),
                base_branch: group("base"),
                title: title.or_else(|| Some(subject.trim().to_string())),
            });
        }
        if parents >= 2 {
            Class::NonPrMerge
        } else {
            Class::Direct
        }
    }
}

/// Subject (first line) and body (after the blank line) of a commit message.
pub fn split_message(message: &str) -> (&str, &str) {
    match message.find('\n') {
        Some(i) => (message[..i].trim_end_matches('\r'), &message[i + 1..]),
        None => (message, ""),
    }
}

/// Whether a merge subject is one of the merges that are never PRs.
pub fn is_plain_merge(subject: &str) -> bool {
    NOT_PR.is_match(subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A needle must be in every match: here, literal text at the top level of the regex (the
    /// classification tests below check the patterns still match what they should).
    #[test]
    fn needles_are_literal_parts_of_their_patterns() {
        let group = Regex::new(r"\(\?P<\w+>").unwrap();
        for b in BUILTIN {
            let literal = group.replace_all(b.regex, "").replace('\\', "");
            assert!(literal.contains(b.needle), "{}: {}", b.name, b.needle);
        }
    }

    fn pr(msg: &str, parents: usize) -> PrRef {
        match Patterns::new(&[]).unwrap().classify(msg, parents) {
            Class::Pr(p) => p,
            other => panic!("{msg:?}: expected a PR, got {other:?}"),
        }
    }

    fn class(msg: &str, parents: usize) -> Class {
        Patterns::new(&[]).unwrap().classify(msg, parents)
    }

    #[test]
    fn github() {
        let p = pr(
            "Merge pull request #123 from acme/feat/login\n\nAdd login form",
            2,
        );
        assert_eq!(p.numbers, [123]);
        assert_eq!(p.head_branch.as_deref(), Some("feat/login"));
        assert_eq!(p.title.as_deref(), Some("Add login form"));
        assert_eq!(p.pattern, "github_merge");
        let p = pr("Fix Windows CI flakes (#1739)", 2);
        assert_eq!((p.numbers[0], p.pattern.as_str()), (1739, "github_squash"));
        let p = pr(
            "build: migrate tooling (#1306)\n\n* one\n\n---------\n\nCo-authored-by: x <y>",
            1,
        );
        assert_eq!(p.numbers, [1306]);
        assert_eq!(p.title.as_deref(), Some("build: migrate tooling"));
        // backport / revert: the last number is the PR that landed
        assert_eq!(pr("fix: x (#123) (#130)", 1).numbers, [130]);
        assert_eq!(pr("Revert \"fix: a (#929)\" (#949)", 1).numbers, [949]);
    }

    #[test]
    fn other_platforms() {
        let p = pr(
            "Merge branch 'feat/x' into 'main'\n\nAdd x\n\nSee merge request acme/app!42",
            2,
        );
        assert_eq!((p.numbers[0], p.platform), (42, "gitlab"));
        assert_eq!(p.head_branch.as_deref(), Some("feat/x"));
        assert_eq!(p.base_branch.as_deref(), Some("main"));
        assert_eq!(pr("Squashed\n\nSee merge request !7", 1).numbers, [7]);
        let p = pr(
            "Merged in feature/abc (pull request #12)\n\nTitle\n\nApproved-by: A",
            2,
        );
        assert_eq!(
            (p.numbers[0], p.head_branch.as_deref()),
            (12, Some("feature/abc"))
        );
        let p = pr(
            "Merge pull request #5 in PROJ/repo from feature/x to master\n\n* commit 'abc':",
            2,
        );
        assert_eq!(
            (p.numbers[0], p.pattern.as_str()),
            (5, "bitbucket_server_merge")
        );
        assert_eq!(p.base_branch.as_deref(), Some("master"));
        let p = pr(
            "Pull request #77: Add thing\n\nMerge in PROJ/repo from feature/y to main",
            2,
        );
        assert_eq!((p.numbers[0], p.title.as_deref()), (77, Some("Add thing")));
        assert_eq!(p.head_branch.as_deref(), Some("feature/y"));
        let p = pr("Merged PR 8324: feat: thing", 1);
        assert_eq!((p.numbers[0], p.platform), (8324, "azure_devops"));
        let p = pr("Merge pull request 9 from dev/x into main", 2);
        assert_eq!(
            (p.numbers[0], p.pattern.as_str()),
            (9, "azure_devops_merge")
        );
        let p = pr(
            "Merge pull request 'Add y' (#31) from me/repo:feat-y into main",
            2,
        );
        assert_eq!(
            (p.numbers[0], p.head_branch.as_deref()),
            (31, Some("feat-y"))
        );
        assert_eq!(p.title.as_deref(), Some("Add y"));
        let p = pr(
            "fix thing\n\nChange-Id: I0123456789abcdef0123456789abcdef01234567\nReviewed-on: https://go-review.googlesource.com/c/go/+/24151\n",
            1,
        );
        assert_eq!((p.numbers[0], p.platform), (24151, "gerrit"));
        let p = pr("Merge #1 #2\n\n1: a r=x a=y\n2: b r=x a=z", 2);
        assert_eq!((p.numbers.clone(), p.platform), (vec![1, 2], "bors"));
        let p = pr(
            "Auto merge of #107679 - est31:less_import_overhead, r=compiler-errors",
            2,
        );
        assert_eq!(
            (p.numbers[0], p.head_branch.as_deref()),
            (107679, Some("less_import_overhead"))
        );
        let p = pr(
            "x\n\nDifferential Revision: https://reviews.example.org/D123",
            1,
        );
        assert_eq!((p.numbers[0], p.platform), (123, "phabricator"));
    }

    #[test]
    fn non_prs() {
        assert_eq!(
            class("Merge branch 'main' into feature", 2),
            Class::NonPrMerge
        );
        assert_eq!(
            class("Merge remote-tracking branch 'origin/main'", 2),
            Class::NonPrMerge
        );
        assert_eq!(class("Merge tag 'v1.0'", 2), Class::NonPrMerge);
        assert_eq!(class("Fix a typo", 1), Class::Direct);
        assert_eq!(class("Something odd", 3), Class::NonPrMerge);
        assert_eq!(
            class("Merge branch 'main' into feat (#12)", 2),
            Class::NonPrMerge
        );
        assert!(is_plain_merge("Merge branch 'main' into feature"));
        assert!(!is_plain_merge("Merge pull request #1 from a/b"));
    }

    #[test]
    fn user_patterns_come_first_and_are_checked() {
        let p = Patterns::new(&[r"^Landed-PR: (?P<n>\d+)$".to_string()]).unwrap();
        match p.classify("Ship it (#5)\n\nLanded-PR: 99", 1) {
            Class::Pr(r) => assert_eq!((r.numbers[0], r.pattern.as_str()), (99, "custom_1")),
            other => panic!("{other:?}"),
        }
        assert!(Patterns::new(&["(".to_string()]).is_err());
        let err = Patterns::new(&["PR (\\d+)".to_string()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("named group"), "{err}");
    }
}
