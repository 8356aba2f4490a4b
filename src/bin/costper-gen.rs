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
//!
//!   costper-gen claude --dir DIR --mb N [--seed S]
//!
//! writes a Claude Code corpus of about N MB under `DIR/projects/`, shaped like real ones:
//! 40 projects, session files from ~100 KB to ~100 MB (log-uniform), lines of 2–4 KB (large
//! tool outputs and thinking blocks), 1–4 streamed lines per API response, subagent
//! transcripts, `summary` and `file-history-snapshot` lines, three models.
//!
//!   costper-gen billing --rows N [--seed S] > usage.csv
//!
//! writes a Cursor team usage-events CSV (one row per request, the billing export that grows
//! largest) with N rows over 180 days of 2026: 400 users, six models, `$` costs with four
//! to six decimals, `Included` and `Free` rows, Max Mode, cache reads and writes, in
//! time order as Cursor exports them.

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
         writes a git fast-import stream to stdout (pipe into `git fast-import --quiet`)\n\
         usage: costper-gen claude --dir DIR --mb N [--seed S]\n\
         writes a Claude Code corpus of about N MB under DIR/projects/\n\
         usage: costper-gen billing --rows N [--seed S]\n\
         writes a Cursor usage-events CSV of N rows to stdout"
    );
    ExitCode::from(2)
}

/// Filler text of `n` bytes (no characters JSON would escape).
fn filler(rng: &mut Rng, n: usize) -> String {
    const WORDS: &[&str] = &[
        "fn", "let", "match", "return", "self", "struct", "impl", "error", "value", "test",
        "cargo", "build", "ok", "file", "line", "column", "where", "into", "iter", "map",
    ];
    let mut s = String::with_capacity(n + 8);
    while s.len() < n {
        s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
        s.push(if rng.below(12) == 0 { '\n' } else { ' ' });
    }
    s.truncate(n);
    s.replace('\n', "\\n")
}

/// One session transcript of about `bytes` bytes; returns the bytes written.
fn claude_session(
    rng: &mut Rng,
    path: &std::path::Path,
    session: &str,
    cwd: &str,
    bytes: u64,
    sidechain: bool,
) -> io::Result<u64> {
    const MODELS: &[&str] = &[
        "claude-sonnet-4-5-20250929",
        "claude-opus-4-6",
        "claude-haiku-4-5-20251001",
    ];
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    let mut written = 0u64;
    let mut t = 1_790_812_800 + rng.below(28 * 86_400) as i64;
    let mut call = 0u64;
    let model = MODELS[rng.below(3) as usize];
    let mut context = 8_000 + rng.below(20_000);
    // October 2026 (a session may run past the 31st: it stays on the 31st)
    let ts = |t: i64| {
        let secs = t % 86_400;
        let day = 1 + (t - 1_790_812_800) / 86_400;
        format!(
            "2026-10-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            day.clamp(1, 31),
            secs / 3600,
            (secs / 60) % 60,
            secs % 60,
            (t * 7) % 1000
        )
    };
    let side = if sidechain { "true" } else { "false" };
    while written < bytes {
        t += 5 + rng.below(90) as i64;
        // a tool result with a large output
        let n = 1_500 + rng.below(2_500) as usize;
        let out = filler(rng, n);
        let line = format!(
            "{{\"parentUuid\":null,\"isSidechain\":{side},\"userType\":\"external\",\"cwd\":\"{cwd}\",\"sessionId\":\"{session}\",\"version\":\"2.1.63\",\"gitBranch\":\"feat/x{}\",\"type\":\"user\",\"message\":{{\"role\":\"user\",\"content\":[{{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_{call}\",\"content\":\"{out}\"}}]}},\"uuid\":\"u{call}\",\"timestamp\":\"{}\"}}\n",
            call % 7,
            ts(t)
        );
        w.write_all(line.as_bytes())?;
        written += line.len() as u64;
        // the response, streamed as 1–4 content blocks (thinking first)
        let blocks = 1 + rng.below(4);
        let write = if call == 0 {
            context
        } else {
            200 + rng.below(4_000)
        };
        let read = if call == 0 { 0 } else { context };
        // the context grows until auto-compaction shrinks it
        context += write;
        if context > 180_000 {
            context = 20_000 + rng.below(10_000);
        }
        let output = 50 + rng.below(2_000);
        // every streamed line of a response repeats its input tokens
        let input = 3 + rng.below(40);
        for b in 0..blocks {
            let n = 1_000 + rng.below(2_000) as usize;
            let text = filler(rng, n);
            let kind = if b == 0 && blocks > 1 {
                "thinking"
            } else {
                "text"
            };
            let out_tokens = if b + 1 == blocks {
                output
            } else {
                output * (b + 1) / (blocks + 1)
            };
            let line = format!(
                "{{\"parentUuid\":\"u{call}\",\"isSidechain\":{side},\"userType\":\"external\",\"cwd\":\"{cwd}\",\"sessionId\":\"{session}\",\"version\":\"2.1.63\",\"gitBranch\":\"feat/x{}\",\"message\":{{\"model\":\"{model}\",\"id\":\"msg_{session}_{call}\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{{\"type\":\"{kind}\",\"{kind}\":\"{text}\"}}],\"usage\":{{\"input_tokens\":{},\"cache_creation_input_tokens\":{write},\"cache_read_input_tokens\":{read},\"cache_creation\":{{\"ephemeral_5m_input_tokens\":{write},\"ephemeral_1h_input_tokens\":0}},\"output_tokens\":{out_tokens},\"service_tier\":\"standard\"}}}},\"requestId\":\"req_{session}_{call}\",\"type\":\"assistant\",\"uuid\":\"a{call}_{b}\",\"timestamp\":\"{}\"}}\n",
                call % 7,
                input,
                ts(t + 2 + b as i64)
            );
            w.write_all(line.as_bytes())?;
            written += line.len() as u64;
        }
        if call % 50 == 49 {
            let line = format!(
                "{{\"type\":\"summary\",\"summary\":\"{}\",\"leafUuid\":\"u{call}\"}}\n{{\"type\":\"file-history-snapshot\",\"messageId\":\"m{call}\",\"snapshot\":{{\"trackedFileBackups\":{{}}}},\"isSnapshotUpdate\":false}}\n",
                filler(rng, 200)
            );
            w.write_all(line.as_bytes())?;
            written += line.len() as u64;
        }
        call += 1;
    }
    w.flush()?;
    Ok(written)
}

/// A corpus of about `mb` MB under `dir/projects`.
fn claude_corpus(dir: &std::path::Path, mb: u64, seed: u64) -> io::Result<()> {
    let mut rng = Rng(seed);
    let target = mb * 1_000_000;
    let mut total = 0u64;
    let mut n = 0u64;
    while total < target {
        let project = n % 40;
        let cwd = format!("/home/dev/project-{project}");
        let slug = cwd.replace('/', "-");
        // log-uniform sizes between ~100 KB and ~100 MB, capped by what is left
        let exp = 5.0 + (rng.below(1_000) as f64 / 1_000.0) * 3.0;
        let size = (10f64.powf(exp) as u64).min(target - total).max(50_000);
        let session = format!("{:08x}-0000-4000-8000-{:012x}", n, seed);
        let dirp = dir.join("projects").join(&slug);
        total += claude_session(
            &mut rng,
            &dirp.join(format!("{session}.jsonl")),
            &session,
            &cwd,
            size,
            false,
        )?;
        if rng.below(4) == 0 {
            let sub = dirp
                .join(&session)
                .join("subagents")
                .join(format!("agent-{n}.jsonl"));
            total += claude_session(&mut rng, &sub, &session, &cwd, size / 10 + 20_000, true)?;
        }
        n += 1;
    }
    eprintln!("costper-gen: {} sessions, {:.1} MB", n, total as f64 / 1e6);
    Ok(())
}

/// A Cursor usage-events CSV of `rows` rows.
fn billing(out: &mut impl Write, rows: u64, seed: u64) -> io::Result<()> {
    const MODELS: &[(&str, u64)] = &[
        ("claude-4.5-sonnet-thinking", 30),
        ("gpt-5", 25),
        ("claude-4.6-opus", 10),
        ("gpt-5-codex", 15),
        ("auto", 15),
        ("gemini-2.5-pro", 5),
    ];
    let mut rng = Rng(seed);
    writeln!(
        out,
        "Date,User,Kind,Model,Max Mode,Input (w/ Cache Write),Input (w/o Cache Write),\
         Cache Read,Output Tokens,Total Tokens,Cost"
    )?;
    let start: i64 = 1_767_225_600_000; // 2026-01-01, ms
    let span: i64 = 180 * 86_400_000;
    for i in 0..rows {
        let ms = start + (i as i64 * span) / rows.max(1) as i64 + rng.below(1000) as i64;
        let (secs, milli) = (ms / 1000, ms % 1000);
        let (days, rem) = (secs / 86_400, secs % 86_400);
        let (y, m, d) = civil(days);
        let user = rng.below(400);
        let mut pick = rng.below(100);
        let (model, _) = MODELS
            .iter()
            .find(|(_, w)| {
                let hit = pick < *w;
                pick = pick.saturating_sub(*w);
                hit
            })
            .unwrap_or(&MODELS[0]);
        let max = rng.below(10) == 0;
        let without = 200 + rng.below(40_000);
        let with = without
            + if rng.below(3) == 0 {
                rng.below(20_000)
            } else {
                0
            };
        let read = rng.below(400_000);
        let output = rng.below(8_000);
        let cost = match rng.below(10) {
            0..=5 => {
                let micro = (with + read / 10 + output * 5) * (1 + u64::from(max)) / 10;
                format!("${}.{:06}", micro / 1_000_000, micro % 1_000_000)
            }
            6 => format!("${}.{:04}", rng.below(3), rng.below(10_000)),
            7 | 8 => "Included".to_string(),
            _ => "Free".to_string(),
        };
        writeln!(
            out,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z,dev{user}@acme.dev,{},{model},{},\
             {with},{without},{read},{output},{},{cost}",
            rem / 3600,
            rem / 60 % 60,
            rem % 60,
            if i % 7 == 0 {
                "Included in Business"
            } else {
                "Usage-based"
            },
            if max { "Yes" } else { "No" },
            with + read + output,
        )?;
    }
    out.flush()
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's civil_from_days).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("billing") {
        let (mut rows, mut seed) = (1_000_000u64, 11u64);
        let mut it = args[1..].iter();
        while let Some(a) = it.next() {
            match (a.as_str(), it.next().map(|v| v.parse::<u64>())) {
                ("--rows", Some(Ok(n))) => rows = n,
                ("--seed", Some(Ok(n))) => seed = n,
                _ => return usage(),
            }
        }
        let stdout = io::stdout();
        return match billing(&mut BufWriter::new(stdout.lock()), rows, seed) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("costper-gen: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.first().map(String::as_str) == Some("claude") {
        let (mut dir, mut mb, mut seed) = (None, 100u64, 7u64);
        let mut it = args[1..].iter();
        while let Some(a) = it.next() {
            match (a.as_str(), it.next()) {
                ("--dir", Some(d)) => dir = Some(std::path::PathBuf::from(d)),
                ("--mb", Some(n)) => match n.parse() {
                    Ok(n) => mb = n,
                    Err(_) => return usage(),
                },
                ("--seed", Some(n)) => match n.parse() {
                    Ok(n) => seed = n,
                    Err(_) => return usage(),
                },
                _ => return usage(),
            }
        }
        let Some(dir) = dir else { return usage() };
        return match claude_corpus(&dir, mb, seed) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("costper-gen: {e}");
                ExitCode::FAILURE
            }
        };
    }
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
