//! Claude Code transcripts (`projects/<slug>/<session>.jsonl`, subagents in
//! `<session>/subagents/agent-*.jsonl`).
//!
//! Every line is *skimmed*, not parsed: [`members`] walks the JSON structure, jumping over
//! string bodies with SIMD `memchr2` (only `"` and `\` matter inside a string) and over nested
//! values by bracket depth, and hands back raw slices of the values costper keeps. Only those
//! small values (ids, model, `usage`, cwd, branch…) are decoded, with serde; `message.content`,
//! `toolUseResult` and thinking blocks — nearly all the bytes — are never decoded or allocated.
//! A line that is not a complete JSON object is rejected. Only `type: "assistant"` lines with
//! a `message.usage` are calls; `<synthetic>` messages are not API calls; `user` lines are
//! scanned for `git commit` output (commit links).
//!
//! Dedup ([`dedup`]): Claude Code writes one line per content block, each repeating the
//! response's `message.id`, `requestId` and (growing) `usage`. Lines with the same
//! (`message.id`, `requestId`) are one call: the kept line is a main-chain line over a
//! sidechain line, then the largest token total, then one that records `speed`, then the
//! smallest (path, line) — a total order, so the result never depends on file or thread
//! order, and each chunk can drop its own losers first ([`best_per_key`]). A sidechain line
//! whose `message.id` also appears under another `requestId` is a `/btw` replay of that
//! message and is dropped. Lines without `message.id` are never merged.

use std::borrow::Cow;
use std::path::Path;
use std::sync::LazyLock;

use foldhash::{HashMap, HashMapExt, HashSet};
use memchr::memmem::Finder;
use serde::Deserialize;

use super::record::{RejectReason, Text};
use super::skim::{self, Skim, bool_value, serde_message, str_value};
use crate::pricing::Tokens;

/// One API call as read from a transcript line (before dedup and pricing). Strings repeated
/// across lines share one allocation per chunk ([`Interner`]).
#[derive(Debug, Clone)]
pub struct ClaudeCall {
    pub message_id: Option<Box<str>>,
    pub request_id: Option<Box<str>>,
    pub is_sidechain: bool,
    pub has_speed: bool,
    pub fast: bool,
    pub ts: i64,
    pub model_raw: Text,
    pub tokens: Tokens,
    pub cache_creation_total: u64,
    pub reasoning: u64,
    pub session_id: Option<Text>,
    pub cwd: Option<Text>,
    pub branch: Option<Text>,
    pub version: Option<Text>,
    pub entrypoint: Option<Text>,
    /// File index and line (absolute once chunks are merged).
    pub file: u32,
    pub line: u64,
}

impl ClaudeCall {
    fn token_total(&self) -> u64 {
        self.tokens
            .input
            .saturating_add(self.tokens.output)
            .saturating_add(self.tokens.cache_read)
            .saturating_add(self.cache_creation_total)
    }
}

/// A commit seen in tool output, before its line number is final.
#[derive(Debug, Clone)]
pub struct RawLink {
    pub session_id: Option<Text>,
    pub ts: Option<i64>,
    pub cwd: Option<Text>,
    pub branch: String,
    pub sha: String,
    pub line: u64,
}

/// What one line turned out to be.
#[derive(Debug)]
pub enum Outcome {
    Call(Box<ClaudeCall>),
    Ignored,
    Rejected(RejectReason, String),
    /// Unterminated last line that does not parse: a session still being written.
    Incomplete,
}

/// Shares repeated strings (session id, cwd, branch, version, model) within a chunk.
#[derive(Debug, Default)]
pub struct Interner(HashSet<Text>);

impl Interner {
    /// Forgets the strings, keeping the table's memory.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn get(&mut self, s: &str) -> Text {
        if let Some(a) = self.0.get(s) {
            return a.clone();
        }
        let a = Text::from(s);
        self.0.insert(a.clone());
        a
    }
}

#[derive(Deserialize, Default)]
struct Usage<'a> {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
    #[serde(default)]
    cache_creation: Option<CacheCreation>,
    #[serde(borrow, default)]
    speed: Option<Cow<'a, str>>,
    #[serde(default)]
    server_tool_use: Option<ServerToolUse>,
    #[serde(default)]
    output_tokens_details: Option<OutputDetails>,
}

#[derive(Deserialize, Default)]
struct CacheCreation {
    #[serde(default)]
    ephemeral_5m_input_tokens: Option<u64>,
    #[serde(default)]
    ephemeral_1h_input_tokens: Option<u64>,
}

#[derive(Deserialize, Default)]
struct ServerToolUse {
    #[serde(default)]
    web_search_requests: Option<u64>,
}

#[derive(Deserialize, Default)]
struct OutputDetails {
    #[serde(default)]
    thinking_tokens: Option<u64>,
}

/// The raw values of the top-level keys costper reads.
#[derive(Default)]
struct Top<'a> {
    kind: Option<&'a [u8]>,
    timestamp: Option<&'a [u8]>,
    session_id: Option<&'a [u8]>,
    cwd: Option<&'a [u8]>,
    git_branch: Option<&'a [u8]>,
    version: Option<&'a [u8]>,
    is_sidechain: Option<&'a [u8]>,
    request_id: Option<&'a [u8]>,
    entrypoint: Option<&'a [u8]>,
    message: Option<&'a [u8]>,
}

impl<'a> Top<'a> {
    fn set(&mut self, key: &[u8], value: &'a [u8]) {
        let slot = match key {
            b"type" => &mut self.kind,
            b"timestamp" => &mut self.timestamp,
            b"sessionId" => &mut self.session_id,
            b"cwd" => &mut self.cwd,
            b"gitBranch" => &mut self.git_branch,
            b"version" => &mut self.version,
            b"isSidechain" => &mut self.is_sidechain,
            b"requestId" => &mut self.request_id,
            b"entrypoint" => &mut self.entrypoint,
            b"message" => &mut self.message,
            _ => return,
        };
        *slot = Some(value);
    }
}

/// Parses an RFC 3339 timestamp into microseconds since the epoch (UTC).
pub fn parse_ts(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.timestamp_micros())
}

/// A string field as a shared, non-empty string.
fn text(v: Option<&[u8]>, field: &str, strings: &mut Interner) -> Result<Option<Text>, String> {
    match v {
        None => Ok(None),
        Some(v) => Ok(str_value(v, field)?
            .filter(|s| !s.is_empty())
            .map(|s| strings.get(&s))),
    }
}

/// Classifies one line. `links` receives any commit links found on it.
pub fn parse_line(
    raw: &[u8],
    unterminated: bool,
    file: u32,
    line: u64,
    strings: &mut Interner,
    links: &mut Vec<RawLink>,
) -> Outcome {
    let bytes = raw.trim_ascii();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.is_empty() {
        return Outcome::Ignored;
    }
    let reject = |reason, detail: String| {
        if unterminated {
            Outcome::Incomplete
        } else {
            Outcome::Rejected(reason, detail)
        }
    };
    let mut top = Top::default();
    match skim::object(bytes, |k, v| top.set(k, v)) {
        Ok(()) => {}
        Err(Skim::Truncated) => {
            return reject(
                RejectReason::NotJson,
                "not a complete JSON object (truncated or corrupted line)".into(),
            );
        }
        Err(Skim::Syntax(what, at)) => {
            let reason = if at == 0 {
                RejectReason::NotJson
            } else {
                RejectReason::InvalidJson
            };
            return reject(reason, format!("{what} (column {})", at + 1));
        }
    }
    match top.kind {
        Some(b"\"assistant\"") => match assistant(&top, file, line, strings) {
            Ok(Some(call)) => Outcome::Call(Box::new(call)),
            Ok(None) => Outcome::Ignored,
            Err((reason, detail)) => Outcome::Rejected(reason, detail),
        },
        Some(b"\"user\"") => {
            let found = find_commit_links(bytes);
            if !found.is_empty() {
                let ts = top
                    .timestamp
                    .and_then(|v| str_value(v, "timestamp").ok().flatten())
                    .and_then(|t| parse_ts(&t));
                let session_id = text(top.session_id, "sessionId", strings).unwrap_or(None);
                let cwd = text(top.cwd, "cwd", strings).unwrap_or(None);
                for (branch, sha) in found {
                    links.push(RawLink {
                        session_id: session_id.clone(),
                        ts,
                        cwd: cwd.clone(),
                        branch,
                        sha,
                        line,
                    });
                }
            }
            Outcome::Ignored
        }
        _ => Outcome::Ignored,
    }
}

/// An assistant line: a call when it has `message.usage` and a real model.
fn assistant(
    top: &Top<'_>,
    file: u32,
    line: u64,
    strings: &mut Interner,
) -> Result<Option<ClaudeCall>, (RejectReason, String)> {
    let invalid = |detail: String| (RejectReason::InvalidJson, detail);
    let Some(message) = top.message else {
        return Ok(None);
    };
    let (mut id, mut model, mut usage) = (None, None, None);
    if message != b"null" {
        skim::members(message, 0, |k, v| match k {
            b"id" => id = Some(v),
            b"model" => model = Some(v),
            b"usage" => usage = Some(v),
            _ => {}
        })
        .map_err(|_| invalid("`message` is not an object".into()))?;
    }
    let Some(usage) = usage.filter(|u| *u != b"null") else {
        return Ok(None);
    };
    let model = match model {
        Some(m) => str_value(m, "message.model").map_err(invalid)?,
        None => None,
    };
    let model = match model.filter(|m| !m.is_empty()) {
        Some(m) if m == "<synthetic>" => return Ok(None),
        Some(m) => strings.get(&m),
        None => {
            return Err((
                RejectReason::MissingModel,
                "assistant usage line without message.model".into(),
            ));
        }
    };
    let usage: Usage<'_> = serde_json::from_slice(usage)
        .map_err(|e| invalid(format!("`message.usage`: {}", serde_message(&e))))?;
    let ts = match top.timestamp {
        None | Some(b"null") => {
            return Err((
                RejectReason::MissingTimestamp,
                "usage line without a timestamp".into(),
            ));
        }
        Some(v) => {
            let t = str_value(v, "timestamp")
                .map_err(invalid)?
                .unwrap_or_default();
            parse_ts(&t).ok_or_else(|| {
                (
                    RejectReason::InvalidTimestamp,
                    format!("timestamp `{}` is not RFC 3339", truncate(&t, 40)),
                )
            })?
        }
    };
    let owned =
        |v: Option<&[u8]>, field: &str| -> Result<Option<Box<str>>, (RejectReason, String)> {
            Ok(match v {
                Some(v) => str_value(v, field)
                    .map_err(invalid)?
                    .filter(|s| !s.is_empty())
                    .map(|s| s.into_owned().into_boxed_str()),
                None => None,
            })
        };
    let flat_creation = usage.cache_creation_input_tokens.unwrap_or(0);
    let (w5, w1) = match &usage.cache_creation {
        Some(cc) => {
            let e5 = cc.ephemeral_5m_input_tokens.unwrap_or(0);
            let e1 = cc.ephemeral_1h_input_tokens.unwrap_or(0);
            // Writes the split does not account for are 5-minute writes (older logs).
            (e5 + flat_creation.saturating_sub(e5 + e1), e1)
        }
        None => (flat_creation, 0),
    };
    let speed = usage.speed.as_deref();
    Ok(Some(ClaudeCall {
        message_id: owned(id, "message.id")?,
        request_id: owned(top.request_id, "requestId")?,
        is_sidechain: match top.is_sidechain {
            Some(v) => bool_value(v, "isSidechain")
                .map_err(invalid)?
                .unwrap_or(false),
            None => false,
        },
        has_speed: speed.is_some(),
        fast: speed == Some("fast"),
        ts,
        model_raw: model,
        tokens: Tokens {
            input: usage.input_tokens.unwrap_or(0),
            output: usage.output_tokens.unwrap_or(0),
            cache_read: usage.cache_read_input_tokens.unwrap_or(0),
            cache_write_5m: w5,
            cache_write_1h: w1,
            web_search_requests: usage
                .server_tool_use
                .and_then(|s| s.web_search_requests)
                .unwrap_or(0),
        },
        cache_creation_total: w5 + w1,
        reasoning: usage
            .output_tokens_details
            .and_then(|d| d.thinking_tokens)
            .unwrap_or(0),
        session_id: text(top.session_id, "sessionId", strings).map_err(invalid)?,
        cwd: text(top.cwd, "cwd", strings).map_err(invalid)?,
        branch: text(top.git_branch, "gitBranch", strings).map_err(invalid)?,
        version: text(top.version, "version", strings).map_err(invalid)?,
        entrypoint: text(top.entrypoint, "entrypoint", strings).map_err(invalid)?,
        file,
        line,
    }))
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// Finds `git commit` summary lines — `[<branch> <sha>] ` or `[<branch> (root-commit) <sha>] `
/// or `[detached HEAD <sha>] ` — at the start of a JSON string or right after an escaped
/// newline, in raw JSON bytes (also inside JSON nested in a string). Returns (branch, sha).
pub fn find_commit_links(bytes: &[u8]) -> Vec<(String, String)> {
    // A summary's `[` follows the opening quote of a string or an escaped newline; searching
    // for those two-byte patterns skips the many other `[` of code in tool output.
    let mut starts: Vec<usize> = QUOTE_BRACKET
        .find_iter(bytes)
        .map(|p| p + 1)
        .chain(NEWLINE_BRACKET.find_iter(bytes).map(|p| p + 2))
        .collect();
    starts.sort_unstable();
    let mut out: Vec<(String, String)> = Vec::new();
    for p in starts {
        if let Some(found) = commit_at(&bytes[p + 1..])
            && !out.contains(&found)
        {
            out.push(found);
        }
    }
    out
}

static QUOTE_BRACKET: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"["));
static NEWLINE_BRACKET: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\\n["));

fn commit_at(rest: &[u8]) -> Option<(String, String)> {
    let (branch, mut i) = if rest.starts_with(b"detached HEAD ") {
        ("HEAD".to_string(), "detached HEAD ".len())
    } else {
        let end = rest.iter().take(256).position(|&b| b == b' ')?;
        let name = &rest[..end];
        if name.is_empty()
            || name
                .iter()
                .any(|&b| matches!(b, b']' | b'[' | b'"' | b'\\') || b < 0x20)
        {
            return None;
        }
        (std::str::from_utf8(name).ok()?.to_string(), end + 1)
    };
    if rest[i..].starts_with(b"(root-commit) ") {
        i += "(root-commit) ".len();
    }
    let hex = rest[i..]
        .iter()
        .take(41)
        .take_while(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        .count();
    if !(7..=40).contains(&hex) || !rest[i + hex..].starts_with(b"] ") {
        return None;
    }
    let sha = std::str::from_utf8(&rest[i..i + hex]).ok()?.to_string();
    Some((branch, sha))
}

/// The project directory name (slug) and the session id implied by a transcript's path
/// relative to its root: `<slug>/<session>.jsonl` or `<slug>/<session>/subagents/<agent>.jsonl`.
pub fn path_parts(root: &Path, file: &Path) -> (Option<String>, Option<String>) {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let comps: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let slug = if comps.len() >= 2 {
        Some(comps[0].clone())
    } else {
        None
    };
    let session = match comps.iter().position(|c| c == "subagents") {
        Some(i) if i >= 1 => Some(comps[i - 1].clone()),
        _ => file.file_stem().map(|s| s.to_string_lossy().into_owned()),
    };
    (slug, session)
}

/// Claude Code's project directory name for a working directory: every UTF-16 code unit that
/// is not an ASCII letter or digit becomes `-`.
pub fn slug_of(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for ch in path.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else {
            for _ in 0..ch.len_utf16() {
                out.push('-');
            }
        }
    }
    out
}

fn slug_matches(dir_slug: &str, candidate: &str) -> bool {
    let s = slug_of(candidate);
    // Claude Code cuts names over 200 characters and appends a hash.
    s == dir_slug
        || (dir_slug.len() > 200
            && s.len() > 200
            && s.as_bytes()[..200] == dir_slug.as_bytes()[..200])
}

/// The project a call belongs to: the working directory Claude Code was started in, found as
/// the deepest ancestor of the line's `cwd` whose slug is the transcript's directory name
/// (a session may `cd` into subdirectories). Falls back to the directory name.
pub fn project_of(dir_slug: Option<&str>, cwd: Option<&str>) -> Option<String> {
    match (dir_slug, cwd) {
        (Some(slug), Some(cwd)) => Path::new(cwd)
            .ancestors()
            .find(|a| slug_matches(slug, &a.to_string_lossy()))
            .map(|a| a.to_string_lossy().into_owned())
            .or_else(|| Some(slug.to_string())),
        (Some(slug), None) => Some(slug.to_string()),
        (None, Some(cwd)) => Some(cwd.to_string()),
        (None, None) => None,
    }
}

/// Whether `x` is preferred over `y` among lines of one call: main chain, larger token total,
/// records `speed`, then smaller (path, line). A total order: the result of dedup does not depend
/// on the order lines are seen in.
fn preferred(x: &ClaudeCall, y: &ClaudeCall, paths: &[&str]) -> bool {
    let key = |c: &ClaudeCall| {
        (
            c.is_sidechain,
            std::cmp::Reverse(c.token_total()),
            !c.has_speed,
            paths[c.file as usize],
            c.line,
        )
    };
    key(x) < key(y)
}

/// First dedup pass: the preferred line per (`message.id`, `requestId`). Returns keep flags;
/// lines without `message.id` are always kept. Safe to run on any subset first (a chunk),
/// because the preference is a total order.
pub fn best_per_key(calls: &[ClaudeCall], paths: &[&str]) -> Vec<bool> {
    let mut keep = vec![false; calls.len()];
    let mut best: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, c) in calls.iter().enumerate() {
        match &c.message_id {
            Some(m) => {
                let key = (&**m, c.request_id.as_deref().unwrap_or(""));
                match best.get(&key) {
                    Some(&j) if !preferred(c, &calls[j], paths) => {}
                    _ => {
                        best.insert(key, i);
                    }
                }
            }
            None => keep[i] = true,
        }
    }
    for i in best.into_values() {
        keep[i] = true;
    }
    keep
}

/// Full dedup: [`best_per_key`], then, per `message.id`, sidechain replays of a message under
/// another `requestId` are dropped (main-chain lines win; among sidechain-only lines the
/// preferred one). Returns keep flags.
pub fn dedup(calls: &[ClaudeCall], paths: &[&str]) -> Vec<bool> {
    let mut keep = best_per_key(calls, paths);
    let mut by_message: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in calls.iter().enumerate() {
        if let (true, Some(m)) = (keep[i], &c.message_id) {
            by_message.entry(m).or_default().push(i);
        }
    }
    for group in by_message.into_values().filter(|g| g.len() > 1) {
        let any_main = group.iter().any(|&i| !calls[i].is_sidechain);
        let winner = group.iter().copied().reduce(|a, b| {
            if preferred(&calls[a], &calls[b], paths) {
                a
            } else {
                b
            }
        });
        for &i in &group {
            keep[i] = if any_main {
                !calls[i].is_sidechain
            } else {
                Some(i) == winner
            };
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(line: &str) -> ClaudeCall {
        let mut links = Vec::new();
        match parse_line(
            line.as_bytes(),
            false,
            0,
            1,
            &mut Interner::default(),
            &mut links,
        ) {
            Outcome::Call(c) => *c,
            other => panic!("expected a call, got {other:?}"),
        }
    }

    const LINE: &str = r#"{"parentUuid":"p","isSidechain":false,"cwd":"/home/dev/acme-api","sessionId":"s1","version":"2.1.63","gitBranch":"feat/x","message":{"model":"claude-opus-4-6","id":"msg_1","type":"message","role":"assistant","content":[{"type":"thinking","thinking":"secret \"usage\": reasoning"}],"usage":{"input_tokens":3,"cache_creation_input_tokens":12000,"cache_read_input_tokens":15000,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":12000},"output_tokens":9,"service_tier":"standard","server_tool_use":{"web_search_requests":2}}},"requestId":"req_1","type":"assistant","uuid":"u","timestamp":"2026-02-02T21:55:18.284Z"}"#;

    #[test]
    fn parses_an_assistant_usage_line() {
        let c = call(LINE);
        assert_eq!(c.message_id.as_deref(), Some("msg_1"));
        assert_eq!(c.request_id.as_deref(), Some("req_1"));
        assert_eq!(&*c.model_raw, "claude-opus-4-6");
        assert_eq!(
            c.tokens,
            Tokens {
                input: 3,
                output: 9,
                cache_read: 15_000,
                cache_write_5m: 0,
                cache_write_1h: 12_000,
                web_search_requests: 2
            }
        );
        assert_eq!(c.ts, 1_770_069_318_284_000);
        assert_eq!(c.branch.as_deref(), Some("feat/x"));
        assert!(!c.fast && !c.has_speed);
    }

    #[test]
    fn keys_inside_content_are_not_top_level_keys() {
        // a tool input with keys named like envelope fields must not be read as them
        let c = call(
            r#"{"type":"assistant","message":{"content":[{"type":"tool_use","input":{"timestamp":"1999-01-01T00:00:00Z","model":"fake","usage":{"input_tokens":999}}}],"id":"m","model":"claude-haiku-4-5","usage":{"input_tokens":7,"output_tokens":1}},"timestamp":"2026-01-01T00:00:00Z","sessionId":"s"}"#,
        );
        assert_eq!(&*c.model_raw, "claude-haiku-4-5");
        assert_eq!(c.tokens.input, 7);
        assert_eq!(c.ts, 1_767_225_600_000_000);
    }

    #[test]
    fn every_truncation_of_a_line_is_rejected_or_incomplete() {
        let mut links = Vec::new();
        let mut strings = Interner::default();
        for cut in 1..LINE.len() {
            let part = &LINE.as_bytes()[..cut];
            let o = parse_line(part, true, 0, 1, &mut strings, &mut links);
            assert!(matches!(o, Outcome::Incomplete), "cut {cut}: {o:?}");
            let o = parse_line(part, false, 0, 1, &mut strings, &mut links);
            assert!(matches!(o, Outcome::Rejected(..)), "cut {cut}: {o:?}");
        }
    }

    #[test]
    fn escaped_strings_are_decoded() {
        let c = call(
            r#"{"type":"assistant","cwd":"C:\\src\\app","gitBranch":"feat\/\u00e9t\u00e9","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m","model":"claude-haiku-4-5","usage":{"input_tokens":1}}}"#,
        );
        assert_eq!(c.cwd.as_deref(), Some(r"C:\src\app"));
        assert_eq!(c.branch.as_deref(), Some("feat/été"));
    }

    #[test]
    fn cache_creation_without_split_is_five_minute() {
        let c = call(
            r#"{"type":"assistant","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m","model":"claude-haiku-4-5","usage":{"input_tokens":1,"output_tokens":2,"cache_creation_input_tokens":500}}}"#,
        );
        assert_eq!((c.tokens.cache_write_5m, c.tokens.cache_write_1h), (500, 0));
    }

    #[test]
    fn classifies_non_calls_and_bad_lines() {
        let mut links = Vec::new();
        let mut p = |s: &str, unterminated| {
            parse_line(
                s.as_bytes(),
                unterminated,
                0,
                1,
                &mut Interner::default(),
                &mut links,
            )
        };
        assert!(matches!(
            p(r#"{"type":"summary","summary":"x","leafUuid":"y"}"#, false),
            Outcome::Ignored
        ));
        assert!(matches!(
            p(
                r#"{"type":"user","message":{"role":"user","content":"hi"}}"#,
                false
            ),
            Outcome::Ignored
        ));
        assert!(matches!(
            p(
                r#"{"type":"assistant","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m","model":"<synthetic>","usage":{"input_tokens":0,"output_tokens":0}}}"#,
                false
            ),
            Outcome::Ignored
        ));
        // a user line whose tool result mentions usage (Task tool) is not a call
        assert!(matches!(
            p(
                r#"{"type":"user","toolUseResult":{"usage":{"input_tokens":50}},"timestamp":"2026-01-01T00:00:00Z"}"#,
                false
            ),
            Outcome::Ignored
        ));
        assert!(matches!(p("", false), Outcome::Ignored));
        assert!(matches!(
            p(
                r#"{"type":"assistant","message":{"usage":{"input_tok"#,
                false
            ),
            Outcome::Rejected(RejectReason::NotJson, _)
        ));
        assert!(matches!(
            p(
                r#"{"type":"assistant","message":{"usage":{"input_tok"#,
                true
            ),
            Outcome::Incomplete
        ));
        assert!(matches!(
            p(
                r#"{"type":"assistant","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m","model":"x","usage":{"input_tokens":-5}}}"#,
                false
            ),
            Outcome::Rejected(RejectReason::InvalidJson, _)
        ));
        assert!(matches!(
            p(
                r#"{"type":"assistant","message":{"id":"m","model":"x","usage":{"input_tokens":5}}}"#,
                false
            ),
            Outcome::Rejected(RejectReason::MissingTimestamp, _)
        ));
        assert!(matches!(
            p(
                r#"{"type":"assistant","timestamp":"yesterday","message":{"id":"m","model":"x","usage":{"input_tokens":5}}}"#,
                false
            ),
            Outcome::Rejected(RejectReason::InvalidTimestamp, _)
        ));
        assert!(matches!(
            p(
                r#"{"type":"assistant","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m","usage":{"input_tokens":5}}}"#,
                false
            ),
            Outcome::Rejected(RejectReason::MissingModel, _)
        ));
        // invalid UTF-8 inside skipped content does not matter; inside a kept field it rejects
        let mut bad =
            br#"{"type":"assistant","timestamp":"2026-01-01T00:00:00Z","cwd":"/x"#.to_vec();
        bad.extend_from_slice(b"\xff\xfe");
        bad.extend_from_slice(br#"","message":{"id":"m","model":"x","usage":{"input_tokens":5}}}"#);
        assert!(matches!(
            parse_line(&bad, false, 0, 1, &mut Interner::default(), &mut links),
            Outcome::Rejected(RejectReason::InvalidJson, _)
        ));
    }

    #[test]
    fn finds_commit_links_in_tool_output() {
        let line = r#"{"type":"user","sessionId":"s1","timestamp":"2026-01-02T03:04:05Z","cwd":"/w","message":{"role":"user","content":[{"tool_use_id":"t1","type":"tool_result","content":"[feat/login 1a2b3c4] Add login form\n 2 files changed, 10 insertions(+)"}]},"toolUseResult":{"stdout":"[feat/login 1a2b3c4] Add login form\n 2 files changed"}}"#;
        let mut links = Vec::new();
        assert!(matches!(
            parse_line(
                line.as_bytes(),
                false,
                0,
                7,
                &mut Interner::default(),
                &mut links
            ),
            Outcome::Ignored
        ));
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].branch, "feat/login");
        assert_eq!(links[0].sha, "1a2b3c4");
        assert_eq!(links[0].session_id.as_deref(), Some("s1"));
        assert_eq!(links[0].line, 7);

        assert_eq!(
            find_commit_links(br#""x\n[main (root-commit) abcdef0] init""#),
            vec![("main".into(), "abcdef0".into())]
        );
        assert_eq!(
            find_commit_links(br#""[detached HEAD 0123456789abcdef] wip""#),
            vec![("HEAD".into(), "0123456789abcdef".into())]
        );
        // not at the start of output, too short, uppercase, no trailing "] "
        assert!(find_commit_links(br#""see [main 1a2b3c4] here""#).is_empty());
        assert!(find_commit_links(br#""[main 1a2b3c] x""#).is_empty());
        assert!(find_commit_links(br#""[main 1A2B3C4D] x""#).is_empty());
        assert!(find_commit_links(br#""[main 1a2b3c4]""#).is_empty());
    }

    #[test]
    fn slugs_and_projects() {
        assert_eq!(slug_of("/home/dev/acme.api_v2"), "-home-dev-acme-api-v2");
        assert_eq!(slug_of("C:\\src\\x"), "C--src-x");
        assert_eq!(slug_of("/a/é😀"), "-a----");
        assert_eq!(
            project_of(
                Some("-home-dev-acme-api"),
                Some("/home/dev/acme.api/src/lib")
            )
            .as_deref(),
            Some("/home/dev/acme.api")
        );
        assert_eq!(
            project_of(Some("-home-dev-acme-api"), Some("/elsewhere")).as_deref(),
            Some("-home-dev-acme-api")
        );
        assert_eq!(project_of(None, Some("/w")).as_deref(), Some("/w"));
        let root = Path::new("/r/projects");
        assert_eq!(
            path_parts(root, Path::new("/r/projects/-p/abc.jsonl")),
            (Some("-p".into()), Some("abc".into()))
        );
        assert_eq!(
            path_parts(
                root,
                Path::new("/r/projects/-p/abc/subagents/agent-1.jsonl")
            ),
            (Some("-p".into()), Some("abc".into()))
        );
    }

    fn c(
        msg: Option<&str>,
        req: Option<&str>,
        side: bool,
        out: u64,
        file: u32,
        line: u64,
    ) -> ClaudeCall {
        ClaudeCall {
            message_id: msg.map(Into::into),
            request_id: req.map(Into::into),
            is_sidechain: side,
            has_speed: false,
            fast: false,
            ts: 0,
            model_raw: Text::from("m"),
            tokens: Tokens {
                output: out,
                ..Tokens::default()
            },
            cache_creation_total: 0,
            reasoning: 0,
            session_id: None,
            cwd: None,
            branch: None,
            version: None,
            entrypoint: None,
            file,
            line,
        }
    }

    #[test]
    fn dedup_keeps_the_largest_streamed_line_and_drops_sidechain_replays() {
        let calls = vec![
            c(Some("m1"), Some("r1"), false, 1, 0, 1),
            c(Some("m1"), Some("r1"), false, 90, 0, 2), // final streamed line: kept
            c(Some("m1"), Some("r1"), false, 40, 0, 3),
            c(Some("m1"), Some("r9"), true, 500, 1, 1), // /btw replay: dropped
            c(Some("m2"), Some("r2"), true, 7, 1, 2),   // a real subagent call: kept
            c(None, Some("r3"), false, 5, 0, 4),        // no message id: kept
            c(None, Some("r3"), false, 5, 0, 5),        // …never merged
            c(Some("m3"), Some("r3"), true, 3, 1, 3),   // sidechain-only message, two requests:
            c(Some("m3"), Some("r4"), true, 8, 1, 4),   // the larger is kept
        ];
        let paths = ["/a.jsonl", "/b.jsonl"];
        let keep = dedup(&calls, &paths);
        assert_eq!(
            keep,
            vec![false, true, false, false, true, true, true, false, true]
        );
        // any input order gives the same choice
        let mut rev = calls.clone();
        rev.reverse();
        let mut keep_rev = dedup(&rev, &paths);
        keep_rev.reverse();
        assert_eq!(keep, keep_rev);
    }

    #[test]
    fn dedup_tie_breaks_by_path_then_line() {
        let calls = vec![
            c(Some("m"), Some("r"), false, 5, 1, 1),
            c(Some("m"), Some("r"), false, 5, 0, 9),
        ];
        assert_eq!(dedup(&calls, &["/a", "/b"]), vec![false, true]);
    }
}
