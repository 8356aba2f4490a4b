//! `costper-gen`: synthetic inputs for tests and benchmarks, written to stdout. Deterministic
//! for a given seed. Standalone (does not link the costper library or polars).
//!
//!   costper-gen history --style squash|merge|mixed --commits N [--seed S] \
//!       | git -C repo fast-import --quiet
//!
//! writes a `git fast-import` stream for `refs/heads/main` with exactly N commits: GitHub
//! squash PRs (`Title (#N)`), merge PRs (`Merge pull request #N from org/branch`, 1–4 branch
//! commits), direct pushes, reverts of earlier PRs, and AI markers on about a third of the work
//! (Claude Code and Codex co-author trailers, `Generated with [Claude Code]`, claude[bot]).

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Squash,
    Merge,
    Mixed,
}

struct Gen<W: Write> {
    out: W,
    rng: Rng,
    mark: u64,
    time: i64,
    main: Option<u64>,
    commits: u64,
    next_pr: u64,
    /// (subject, mark) of squash PRs that can be reverted
    landed: Vec<(String, u64)>,
}

const PEOPLE: &[(&str, &str)] = &[
    ("Jane Dev", "jane@example.com"),
    ("Bob Builder", "bob@example.com"),
    ("Ana Ops", "ana@example.com"),
];
const BLOBS: u64 = 64;

impl<W: Write> Gen<W> {
    fn new(out: W, seed: u64) -> Self {
        Gen {
            out,
            rng: Rng(seed),
            mark: BLOBS,
            time: 1_767_225_600, // 2026-01-01
            main: None,
            commits: 0,
            next_pr: 1,
            landed: Vec::new(),
        }
    }

    fn blobs(&mut self) -> io::Result<()> {
        for b in 1..=BLOBS {
            let data = format!("content {b}\n").repeat(1 + (b as usize % 5));
            write!(self.out, "blob\nmark :{b}\ndata {}\n{data}\n", data.len())?;
        }
        Ok(())
    }

    /// An AI marker (or none) for a commit message.
    fn marker(&mut self) -> &'static str {
        match self.rng.below(12) {
            0 | 1 => "\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>",
            2 => {
                "\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"
            }
            3 => "\n\nCo-authored-by: Codex <noreply@openai.com>",
            _ => "",
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn commit(
        &mut self,
        branch: &str,
        author: (&str, &str),
        committer: (&str, &str),
        message: &str,
        from: Option<u64>,
        merge: Option<u64>,
    ) -> io::Result<u64> {
        self.mark += 1;
        self.time += 60 + self.rng.below(7200) as i64;
        self.commits += 1;
        let m = self.mark;
        writeln!(self.out, "commit refs/heads/{branch}\nmark :{m}")?;
        writeln!(
            self.out,
            "author {} <{}> {} +0000",
            author.0, author.1, self.time
        )?;
        writeln!(
            self.out,
            "committer {} <{}> {} +0000",
            committer.0, committer.1, self.time
        )?;
        writeln!(self.out, "data {}\n{message}", message.len())?;
        if let Some(f) = from {
            writeln!(self.out, "from :{f}")?;
        }
        if let Some(p) = merge {
            writeln!(self.out, "merge :{p}")?;
        }
        let file = self.rng.below(500);
        let blob = 1 + self.rng.below(BLOBS);
        writeln!(self.out, "M 100644 :{blob} src/f{file}.txt\n")?;
        Ok(m)
    }

    fn person(&mut self) -> (&'static str, &'static str) {
        PEOPLE[self.rng.below(PEOPLE.len() as u64) as usize]
    }

    fn squash_pr(&mut self) -> io::Result<()> {
        let n = self.next_pr;
        self.next_pr += 1;
        let subject = format!("feat: change {n} (#{n})");
        let msg = format!("{subject}\n\n* work on {n}{}\n", self.marker());
        let author = self.person();
        let m = self.commit(
            "main",
            author,
            ("GitHub", "noreply@github.com"),
            &msg,
            self.main,
            None,
        )?;
        self.main = Some(m);
        self.landed.push((subject, m));
        Ok(())
    }

    fn merge_pr(&mut self, budget: u64) -> io::Result<()> {
        let n = self.next_pr;
        self.next_pr += 1;
        let k = (1 + self.rng.below(4)).min(budget.saturating_sub(1)).max(1);
        let branch = if self.rng.below(8) == 0 {
            format!("claude/issue-{n}")
        } else {
            format!("feat/pr-{n}")
        };
        let mut tip = self.main;
        for i in 0..k {
            let msg = format!("Work {i} for {n}{}\n", self.marker());
            let author = if branch.starts_with("claude/") {
                (
                    "claude[bot]",
                    "209825114+claude[bot]@users.noreply.github.com",
                )
            } else {
                self.person()
            };
            tip = Some(self.commit("pr", author, author, &msg, tip, None)?);
        }
        let msg = format!("Merge pull request #{n} from acme/{branch}\n\nChange {n}\n");
        let m = self.commit(
            "main",
            ("GitHub", "noreply@github.com"),
            ("GitHub", "noreply@github.com"),
            &msg,
            self.main,
            tip,
        )?;
        self.main = Some(m);
        Ok(())
    }

    fn direct(&mut self) -> io::Result<()> {
        let n = self.commits;
        let marker = self.marker();
        let msg = format!("chore: tidy {n}{marker}\n");
        let author = self.person();
        let m = self.commit("main", author, author, &msg, self.main, None)?;
        self.main = Some(m);
        Ok(())
    }

    fn revert(&mut self) -> io::Result<()> {
        let i = self.rng.below(self.landed.len() as u64) as usize;
        let (subject, _) = self.landed.swap_remove(i);
        let n = self.next_pr;
        self.next_pr += 1;
        // a squash-merged revert PR (the victim's sha is not known to the stream writer:
        // the subject links it)
        let msg = format!("Revert \"{subject}\" (#{n})\n");
        let author = self.person();
        let m = self.commit(
            "main",
            author,
            ("GitHub", "noreply@github.com"),
            &msg,
            self.main,
            None,
        )?;
        self.main = Some(m);
        Ok(())
    }

    fn history(&mut self, style: Style, total: u64) -> io::Result<()> {
        self.blobs()?;
        // every merge then has a mainline parent
        let author = self.person();
        self.main = Some(self.commit("main", author, author, "Initial commit\n", None, None)?);
        while self.commits < total {
            let left = total - self.commits;
            match style {
                Style::Squash => match self.rng.below(20) {
                    0 if !self.landed.is_empty() => self.revert()?,
                    1 | 2 => self.direct()?,
                    _ => self.squash_pr()?,
                },
                Style::Merge => match self.rng.below(20) {
                    0 | 1 => self.direct()?,
                    _ if left >= 2 => self.merge_pr(left)?,
                    _ => self.direct()?,
                },
                Style::Mixed => match self.rng.below(20) {
                    0 if !self.landed.is_empty() => self.revert()?,
                    1..=3 => self.direct()?,
                    4..=11 => self.squash_pr()?,
                    _ if left >= 2 => self.merge_pr(left)?,
                    _ => self.direct()?,
                },
            }
        }
        writeln!(self.out, "done")?;
        self.out.flush()
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: costper-gen history --style squash|merge|mixed --commits N [--seed S]\n\
         writes a git fast-import stream to stdout (pipe into `git fast-import --quiet`)"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some("history") {
        return usage();
    }
    let mut style = Style::Mixed;
    let mut commits = 1000u64;
    let mut seed = 42u64;
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        let v = it.next();
        match (a.as_str(), v.map(String::as_str)) {
            ("--style", Some("squash")) => style = Style::Squash,
            ("--style", Some("merge")) => style = Style::Merge,
            ("--style", Some("mixed")) => style = Style::Mixed,
            ("--commits", Some(n)) => match n.parse() {
                Ok(n) => commits = n,
                Err(_) => return usage(),
            },
            ("--seed", Some(n)) => match n.parse() {
                Ok(n) => seed = n,
                Err(_) => return usage(),
            },
            _ => return usage(),
        }
    }
    let stdout = io::stdout();
    let mut g = Gen::new(BufWriter::new(stdout.lock()), seed);
    match g.history(style, commits) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("costper-gen: {e}");
            ExitCode::FAILURE
        }
    }
}
