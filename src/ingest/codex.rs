//! Codex CLI sessions (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl`, also
//! `archived_sessions/`). Lines are `{"timestamp", "type", "payload"}`; costper reads
//! `session_meta` (session id, cwd, git branch/commit/remote, fork parent), `turn_context`
//! (the active model) and `event_msg` / `token_count` (usage), and skips everything else
//! without deserializing it (apart from a scan for `git commit` output).
//!
//! Usage per event is `last_token_usage`, or the difference of cumulative
//! `total_token_usage` when only totals are logged; an event whose cumulative total did not
//! move is a repeat and counted as a duplicate. OpenAI's `input_tokens` include cached
//! tokens: costper stores uncached input and cache reads separately; reasoning tokens are
//! part of output.
//!
//! Forks and subagents (`forked_from_id`, `source.subagent.thread_spawn.parent_thread_id`)
//! start by replaying the parent's `token_count` events. When the parent's file is present,
//! the child's leading events whose cumulative totals occur in the parent are the replay;
//! without the parent, the leading run of two or more events logged in the same second as the
//! first one is. Replayed events are counted as duplicates, never as usage. When two files
//! hold the same session (an archived copy), the one with more events is read (ties: the
//! active `sessions/` copy, then path order).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;
use std::sync::LazyLock;

use memchr::memmem::Finder;
use serde::Deserialize;

use super::claude::{RawLink, find_commit_links, parse_ts};
use super::record::{RejectReason, Text};
use super::skim::json_error;
use crate::pricing::Tokens;

/// Token counts as Codex logs them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
pub struct CodexUsage {
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub cached_input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default)]
    pub reasoning_output_tokens: u64,
    #[serde(default)]
    pub total_tokens: u64,
}

impl CodexUsage {
    fn minus(&self, prev: &CodexUsage) -> CodexUsage {
        CodexUsage {
            input_tokens: self.input_tokens.saturating_sub(prev.input_tokens),
            cached_input_tokens: self
                .cached_input_tokens
                .saturating_sub(prev.cached_input_tokens),
            output_tokens: self.output_tokens.saturating_sub(prev.output_tokens),
            reasoning_output_tokens: self
                .reasoning_output_tokens
                .saturating_sub(prev.reasoning_output_tokens),
            total_tokens: self.total_tokens.saturating_sub(prev.total_tokens),
        }
    }

    fn is_zero(&self) -> bool {
        self.input_tokens == 0
            && self.cached_input_tokens == 0
            && self.output_tokens == 0
            && self.reasoning_output_tokens == 0
    }

    /// Normalized counts: uncached input, cache reads, output (reasoning included).
    pub fn tokens(&self) -> Tokens {
        let cached = self.cached_input_tokens.min(self.input_tokens);
        Tokens {
            input: self.input_tokens - cached,
            cache_read: cached,
            output: self.output_tokens,
            ..Tokens::default()
        }
    }
}

/// One `token_count` event.
#[derive(Debug, Clone)]
pub struct TokenEvent {
    pub line: u64,
    pub ts: i64,
    pub total: Option<CodexUsage>,
    pub last: Option<CodexUsage>,
    /// Active model; `None` before any `turn_context` (early logs).
    pub model: Option<Text>,
    pub cwd: Option<Text>,
}

/// Everything read from one rollout file.
#[derive(Debug, Default)]
pub struct CodexFile {
    pub file: u32,
    pub session_id: Option<Text>,
    pub parent_id: Option<Text>,
    pub cwd: Option<Text>,
    pub git_branch: Option<Text>,
    pub git_commit: Option<Text>,
    pub git_remote: Option<Text>,
    pub cli_version: Option<Text>,
    pub originator: Option<Text>,
    pub model_provider: Option<Text>,
    pub events: Vec<TokenEvent>,
    pub links: Vec<RawLink>,
    pub rejects: Vec<(u64, RejectReason, String)>,
    pub lines: u64,
    pub ignored: u64,
    pub incomplete: u64,
}

#[derive(Deserialize)]
struct MetaLine<'a> {
    #[serde(borrow, default)]
    payload: Option<MetaPayload<'a>>,
}

#[derive(Deserialize)]
struct MetaPayload<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cwd: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cli_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    originator: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    model_provider: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    forked_from_id: Option<Cow<'a, str>>,
    #[serde(default)]
    source: Option<serde_json::Value>,
    #[serde(borrow, default)]
    git: Option<Git<'a>>,
}

#[derive(Deserialize)]
struct Git<'a> {
    #[serde(borrow, default)]
    commit_hash: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    branch: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    repository_url: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct TurnLine<'a> {
    #[serde(borrow, default)]
    payload: Option<TurnPayload<'a>>,
}

#[derive(Deserialize)]
struct TurnPayload<'a> {
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cwd: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct TokenLine<'a> {
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    payload: Option<TokenPayload<'a>>,
}

#[derive(Deserialize)]
struct TokenPayload<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    info: Option<Info>,
}

#[derive(Deserialize)]
struct Info {
    #[serde(default)]
    total_token_usage: Option<CodexUsage>,
    #[serde(default)]
    last_token_usage: Option<CodexUsage>,
}

fn owned(s: Option<Cow<'_, str>>) -> Option<Text> {
    s.filter(|v| !v.is_empty()).map(|v| Text::from(v.as_ref()))
}

static SESSION_META: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(br#""type":"session_meta""#));
static TURN_CONTEXT: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(br#""type":"turn_context""#));
static TOKEN_COUNT: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(br#""type":"token_count""#));
static EVENT_MSG: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(br#""type":"event_msg""#));
static FUNCTION_OUTPUT: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(b"function_call_output"));

/// Reads one rollout file.
pub fn read_file(path: &Path, file: u32) -> io::Result<CodexFile> {
    read_from(BufReader::with_capacity(256 << 10, File::open(path)?), file)
}

/// Reads one rollout from any reader.
pub fn read_from(mut reader: impl BufRead, file: u32) -> io::Result<CodexFile> {
    let mut out = CodexFile {
        file,
        ..CodexFile::default()
    };
    let mut buf = Vec::new();
    let mut model: Option<Text> = None;
    let mut cwd: Option<Text> = None;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        out.lines += 1;
        let line = out.lines;
        let unterminated = buf.last() != Some(&b'\n');
        let bytes = buf.trim_ascii();
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if bytes.is_empty() {
            out.ignored += 1;
            continue;
        }
        let mut reject = |reason, detail: String| {
            if unterminated {
                out.incomplete += 1;
            } else {
                out.rejects.push((line, reason, detail));
            }
        };
        if bytes[0] != b'{' || bytes[bytes.len() - 1] != b'}' {
            reject(
                RejectReason::NotJson,
                "not a complete JSON object (truncated or corrupted line)".into(),
            );
            continue;
        }
        if SESSION_META.find(bytes).is_some() {
            match serde_json::from_slice::<MetaLine<'_>>(bytes) {
                Ok(MetaLine { payload: Some(p) }) => {
                    if out.session_id.is_none() {
                        out.session_id = owned(p.id);
                        out.parent_id = owned(p.forked_from_id).or_else(|| {
                            p.source
                                .as_ref()
                                .and_then(|s| s.pointer("/subagent/thread_spawn/parent_thread_id"))
                                .and_then(|v| v.as_str())
                                .filter(|s| !s.is_empty())
                                .map(Text::from)
                        });
                        out.cli_version = owned(p.cli_version);
                        out.originator = owned(p.originator);
                        out.model_provider = owned(p.model_provider);
                        if let Some(g) = p.git {
                            out.git_branch = owned(g.branch);
                            out.git_commit = owned(g.commit_hash);
                            out.git_remote = owned(g.repository_url);
                        }
                    }
                    let c = owned(p.cwd);
                    if out.cwd.is_none() {
                        out.cwd.clone_from(&c);
                    }
                    if c.is_some() {
                        cwd = c;
                    }
                    out.ignored += 1;
                }
                Ok(_) => out.ignored += 1,
                Err(e) => reject(RejectReason::InvalidJson, json_error(&e)),
            }
            continue;
        }
        if TURN_CONTEXT.find(bytes).is_some() {
            match serde_json::from_slice::<TurnLine<'_>>(bytes) {
                Ok(t) => {
                    if let Some(p) = t.payload {
                        if let Some(m) = owned(p.model) {
                            model = Some(m);
                        }
                        if let Some(c) = owned(p.cwd) {
                            cwd = Some(c);
                        }
                    }
                    out.ignored += 1;
                }
                Err(e) => reject(RejectReason::InvalidJson, json_error(&e)),
            }
            continue;
        }
        if TOKEN_COUNT.find(bytes).is_some() && EVENT_MSG.find(bytes).is_some() {
            let parsed = match serde_json::from_slice::<TokenLine<'_>>(bytes) {
                Ok(t) => t,
                Err(e) => {
                    reject(RejectReason::InvalidJson, json_error(&e));
                    continue;
                }
            };
            let Some(payload) = parsed
                .payload
                .filter(|p| p.kind.as_deref() == Some("token_count"))
            else {
                out.ignored += 1;
                continue;
            };
            let Some(info) = payload.info else {
                out.ignored += 1; // rate-limit-only event
                continue;
            };
            if info.total_token_usage.is_none() && info.last_token_usage.is_none() {
                out.ignored += 1;
                continue;
            }
            let ts = match parsed.timestamp.as_deref() {
                None => {
                    reject(
                        RejectReason::MissingTimestamp,
                        "token_count event without a timestamp".into(),
                    );
                    continue;
                }
                Some(t) => match parse_ts(t) {
                    Some(ts) => ts,
                    None => {
                        reject(
                            RejectReason::InvalidTimestamp,
                            format!("timestamp `{t}` is not RFC 3339"),
                        );
                        continue;
                    }
                },
            };
            out.events.push(TokenEvent {
                line,
                ts,
                total: info.total_token_usage,
                last: info.last_token_usage,
                model: model.clone(),
                cwd: cwd.clone(),
            });
            continue;
        }
        if FUNCTION_OUTPUT.find(bytes).is_some() {
            for (branch, sha) in find_commit_links(bytes) {
                let ts = serde_json::from_slice::<TokenLine<'_>>(bytes)
                    .ok()
                    .and_then(|t| t.timestamp.as_deref().and_then(parse_ts));
                out.links.push(RawLink {
                    session_id: None,
                    ts,
                    cwd: cwd.clone(),
                    branch,
                    sha,
                    line,
                });
            }
        }
        out.ignored += 1;
    }
    for l in &mut out.links {
        l.session_id.clone_from(&out.session_id);
    }
    Ok(out)
}

/// One usage event that survived replay and repeat detection.
#[derive(Debug, Clone)]
pub struct CodexCall {
    pub file: usize,
    pub event: usize,
    pub usage: CodexUsage,
}

/// Per-file counts from [`finalize`].
#[derive(Debug, Default, Clone, Copy)]
pub struct FileCounts {
    pub accepted: u64,
    pub duplicates: u64,
    pub ignored: u64,
}

/// Chooses the files to read per session, skips fork replays and repeated totals, and turns
/// cumulative totals into per-call usage. `paths[i]` is the path of `files[i]`.
pub fn finalize(files: &[CodexFile], paths: &[&str]) -> (Vec<CodexCall>, Vec<FileCounts>) {
    let mut counts = vec![FileCounts::default(); files.len()];
    // One file per session id.
    let mut chosen: HashMap<&str, usize> = HashMap::new();
    for (i, f) in files.iter().enumerate() {
        let Some(id) = f.session_id.as_deref() else {
            continue;
        };
        let rank = |j: usize| {
            (
                std::cmp::Reverse(files[j].events.len()),
                paths[j].contains("archived_sessions"),
                paths[j],
            )
        };
        match chosen.get(id) {
            Some(&j) if rank(j) <= rank(i) => {}
            _ => {
                chosen.insert(id, i);
            }
        }
    }
    let is_chosen = |i: usize| {
        files[i]
            .session_id
            .as_deref()
            .is_none_or(|id| chosen.get(id) == Some(&i))
    };

    let mut calls = Vec::new();
    for (i, f) in files.iter().enumerate() {
        if !is_chosen(i) {
            counts[i].duplicates += f.events.len() as u64;
            continue;
        }
        let parent_totals: Option<HashSet<CodexUsage>> = f
            .parent_id
            .as_deref()
            .and_then(|p| chosen.get(p))
            .map(|&pi| files[pi].events.iter().filter_map(|e| e.total).collect());
        let replay = match (&f.parent_id, parent_totals) {
            (None, _) => 0,
            (Some(_), Some(totals)) => f
                .events
                .iter()
                .take_while(|e| e.total.is_some_and(|t| totals.contains(&t)))
                .count(),
            (Some(_), None) => {
                let first_second = f.events.first().map(|e| e.ts.div_euclid(1_000_000));
                let run = f
                    .events
                    .iter()
                    .take_while(|e| Some(e.ts.div_euclid(1_000_000)) == first_second)
                    .count();
                if run >= 2 { run } else { 0 }
            }
        };
        counts[i].duplicates += replay as u64;
        let mut prev: Option<CodexUsage> = f.events[..replay].iter().rev().find_map(|e| e.total);
        for (k, e) in f.events.iter().enumerate().skip(replay) {
            if let (Some(t), Some(p)) = (e.total, prev)
                && t == p
            {
                counts[i].duplicates += 1;
                continue;
            }
            let usage = match (e.last, e.total) {
                (Some(last), _) => last,
                (None, Some(total)) => total.minus(&prev.unwrap_or_default()),
                // read_file records only events with at least one of the two
                (None, None) => continue,
            };
            if e.total.is_some() {
                prev = e.total;
            }
            if usage.is_zero() {
                counts[i].ignored += 1;
                continue;
            }
            counts[i].accepted += 1;
            calls.push(CodexCall {
                file: i,
                event: k,
                usage,
            });
        }
    }
    (calls, counts)
}

/// Session id from a rollout file name (`rollout-2025-09-10T12-00-00-<uuid>.jsonl`).
pub fn session_from_name(path: &Path) -> Option<Text> {
    let stem = path.file_stem()?.to_string_lossy();
    if stem.len() > 36 && stem.starts_with("rollout-") {
        Some(Text::from(&stem[stem.len() - 36..]))
    } else {
        Some(Text::from(stem.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, lines: &[&str]) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        p
    }

    fn tc(ts: &str, total: (u64, u64, u64), last: Option<(u64, u64, u64)>) -> String {
        let u = |(i, c, o): (u64, u64, u64)| {
            format!(
                r#"{{"input_tokens":{i},"cached_input_tokens":{c},"output_tokens":{o},"reasoning_output_tokens":0,"total_tokens":{}}}"#,
                i + o
            )
        };
        let last = last.map_or("null".to_string(), u);
        format!(
            r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{},"last_token_usage":{last},"model_context_window":272000}},"rate_limits":{{}}}}}}"#,
            u(total)
        )
    }

    const META: &str = r#"{"timestamp":"2026-01-05T10:00:00.000Z","type":"session_meta","payload":{"id":"s-parent","timestamp":"2026-01-05T10:00:00.000Z","cwd":"/w/app","originator":"codex_cli_rs","cli_version":"0.50.0","instructions":"PRIVATE","git":{"commit_hash":"abc","branch":"feat/a","repository_url":"git@github.com:o/app.git"}}}"#;
    const TURN: &str = r#"{"timestamp":"2026-01-05T10:00:01.000Z","type":"turn_context","payload":{"cwd":"/w/app","model":"gpt-5-codex","effort":"high"}}"#;

    #[test]
    fn reads_meta_models_and_usage() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "rollout-a.jsonl",
            &[
                META,
                r#"{"timestamp":"2026-01-05T10:00:00.500Z","type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":{}}}"#,
                TURN,
                &tc(
                    "2026-01-05T10:00:05.000Z",
                    (1000, 200, 50),
                    Some((1000, 200, 50)),
                ),
                &tc(
                    "2026-01-05T10:00:09.000Z",
                    (1000, 200, 50),
                    Some((1000, 200, 50)),
                ), // repeat
                &tc("2026-01-05T10:00:20.000Z", (3000, 1200, 80), None), // totals only
                r#"{"timestamp":"2026-01-05T10:00:21.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":"c","output":"{\"output\":\"[feat/a 0badc0de] fix\\n\"}"}}"#,
                r#"{"timestamp":"2026-01-05T10:00:22.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":-1}}}}"#,
            ],
        );
        let f = read_file(&p, 0).unwrap();
        assert_eq!(f.session_id.as_deref(), Some("s-parent"));
        assert_eq!(f.git_branch.as_deref(), Some("feat/a"));
        assert_eq!(f.git_remote.as_deref(), Some("git@github.com:o/app.git"));
        assert_eq!(f.events.len(), 3);
        assert_eq!(f.events[0].model.as_deref(), Some("gpt-5-codex"));
        assert_eq!(f.links.len(), 1);
        assert_eq!(f.links[0].sha, "0badc0de");
        assert_eq!(f.rejects.len(), 1);
        assert_eq!(f.rejects[0].0, 8);
        let (calls, counts) = finalize(std::slice::from_ref(&f), &["/x/sessions/rollout-a.jsonl"]);
        assert_eq!(calls.len(), 2);
        assert_eq!(
            calls[0].usage.tokens(),
            Tokens {
                input: 800,
                cache_read: 200,
                output: 50,
                ..Tokens::default()
            }
        );
        // second call = totals difference: 2000 in (1000 cached), 30 out
        assert_eq!(
            calls[1].usage.tokens(),
            Tokens {
                input: 1000,
                cache_read: 1000,
                output: 30,
                ..Tokens::default()
            }
        );
        assert_eq!(counts[0].duplicates, 1);
        assert_eq!(counts[0].accepted, 2);
    }

    #[test]
    fn fork_replays_are_skipped_with_and_without_the_parent() {
        let dir = tempfile::tempdir().unwrap();
        let parent = write(
            dir.path(),
            "rollout-p.jsonl",
            &[
                META,
                TURN,
                &tc("2026-01-05T10:00:05Z", (100, 0, 10), Some((100, 0, 10))),
                &tc("2026-01-05T10:00:06Z", (300, 0, 30), Some((200, 0, 20))),
            ],
        );
        let child_meta = r#"{"timestamp":"2026-01-05T11:00:00Z","type":"session_meta","payload":{"id":"s-child","forked_from_id":"s-parent","cwd":"/w/app"}}"#;
        let child = write(
            dir.path(),
            "rollout-c.jsonl",
            &[
                child_meta,
                TURN,
                // replay of the parent's events at the spawn second
                &tc("2026-01-05T11:00:00Z", (100, 0, 10), Some((100, 0, 10))),
                &tc("2026-01-05T11:00:00Z", (300, 0, 30), Some((200, 0, 20))),
                // the child's own call
                &tc("2026-01-05T11:00:30Z", (700, 0, 70), Some((400, 0, 40))),
            ],
        );
        let pf = read_file(&parent, 0).unwrap();
        let cf = read_file(&child, 1).unwrap();
        let (calls, counts) = finalize(&[pf, cf], &["/p", "/c"]);
        let child_calls: Vec<_> = calls.iter().filter(|c| c.file == 1).collect();
        assert_eq!(child_calls.len(), 1);
        assert_eq!(child_calls[0].usage.input_tokens, 400);
        assert_eq!(counts[1].duplicates, 2);

        // parent absent: the same-second run is the replay
        let cf = read_file(&child, 0).unwrap();
        let (calls, counts) = finalize(&[cf], &["/c"]);
        assert_eq!(calls.len(), 1);
        assert_eq!(counts[0].duplicates, 2);
    }

    #[test]
    fn an_archived_copy_of_a_session_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let lines = [
            META,
            TURN,
            &tc("2026-01-05T10:00:05Z", (100, 0, 10), Some((100, 0, 10))),
        ];
        let a = write(dir.path(), "a.jsonl", &lines);
        let b = write(dir.path(), "b.jsonl", &lines);
        let files = [read_file(&a, 0).unwrap(), read_file(&b, 1).unwrap()];
        let (calls, counts) = finalize(
            &files,
            &["/h/archived_sessions/a.jsonl", "/h/sessions/b.jsonl"],
        );
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].file, 1);
        assert_eq!(counts[0].duplicates, 1);
    }

    #[test]
    fn session_ids_from_file_names() {
        assert_eq!(
            session_from_name(Path::new(
                "/x/rollout-2025-09-10T12-00-00-0199a213-81c0-7800-8aa1-bbab2a035a53.jsonl"
            ))
            .as_deref(),
            Some("0199a213-81c0-7800-8aa1-bbab2a035a53")
        );
    }
}
