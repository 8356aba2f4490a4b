//! The normalized unit every source produces: one [`UsageRecord`] per priced unit (an API
//! call for agent logs), plus the side records parsers find on the way ([`CommitLink`],
//! [`Reject`]). Column names and meanings follow SPEC §4 and docs/schema.md; prompt and
//! response text never enters these types.

use std::fmt;
use std::sync::Arc;

use crate::pricing::Tokens;

/// A string shared between records (sessions, paths, models repeat on every call), behind a
/// thin pointer: 8 bytes, and an optional one too (an `Arc<str>` is 16), which matters with
/// 18 of them in every record and millions of records.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Text(Arc<Box<str>>);

/// By the text; a shared string (the repository of every commit, the source of every record)
/// is equal to itself without reading it, which keeps sorts by such keys cheap.
impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        match Arc::ptr_eq(&self.0, &other.0) {
            true => std::cmp::Ordering::Equal,
            false => (**self.0).cmp(&**other.0),
        }
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Text {
    /// The empty string, shared (per thread): a placeholder costs no allocation.
    pub fn empty() -> Text {
        thread_local!(static EMPTY: Text = Text::from(""));
        EMPTY.with(Text::clone)
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(Arc::new(Box::from(s)))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(Arc::new(s.into_boxed_str()))
    }
}

impl From<Box<str>> for Text {
    fn from(s: Box<str>) -> Text {
        Text(Arc::new(s))
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::from(s.as_str())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        **self.0 == *other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        **self.0 == **other
    }
}

/// Which parser produced a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceKind {
    ClaudeCode,
    Codex,
    /// A provider billing or usage export.
    Export(super::export::ExportKind),
    /// A costper archive (only as an input location: its records keep their own source).
    Archive,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::ClaudeCode => "claude_code",
            SourceKind::Codex => "codex",
            SourceKind::Export(k) => k.as_str(),
            SourceKind::Archive => "archive",
        }
    }

    /// Human label used in messages.
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::ClaudeCode => "Claude Code transcripts",
            SourceKind::Codex => "Codex sessions",
            SourceKind::Export(k) => k.label(),
            SourceKind::Archive => "costper archive",
        }
    }

    /// Agent logs (estimates per call, with sessions), as opposed to provider exports.
    pub fn is_log(self) -> bool {
        matches!(self, SourceKind::ClaudeCode | SourceKind::Codex)
    }

    /// What the agents themselves report (logs, telemetry) rather than what a provider
    /// bills: never a reference that other rows are scaled to.
    pub fn is_agent_side(self) -> bool {
        use super::export::ExportKind;
        self.is_log()
            || matches!(
                self,
                SourceKind::Export(ExportKind::Otel | ExportKind::ClaudeResult)
            )
    }
}

/// Provenance: file (index into the run's file table) and 1-based line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub file: u32,
    pub line: u64,
}

/// Whether a record's cost is what a provider billed, costper's estimate from tokens, or an
/// estimate scaled to a bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostBasis {
    Billed,
    Estimated,
    Reconciled,
}

impl CostBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            CostBasis::Billed => "billed",
            CostBasis::Estimated => "estimated",
            CostBasis::Reconciled => "reconciled",
        }
    }
}

/// One priced unit of usage.
#[derive(Debug, Clone)]
pub struct UsageRecord {
    /// Stable id derived from the source's natural key (128-bit xxh3; written as 32 hex
    /// digits).
    pub record_id: u128,
    /// Start (or call time), microseconds since the Unix epoch, UTC.
    pub ts: i64,
    /// Bucket end for aggregated sources; `None` for calls.
    pub ts_end: Option<i64>,
    pub source: SourceKind,
    /// `anthropic`, `openai`, `google`, … (from the price table, else from the model name).
    pub provider: Text,
    /// Canonical model id when the model is priced, else the raw name.
    pub model: Text,
    pub model_raw: Text,
    pub tokens: Tokens,
    /// Reasoning/thinking tokens; informational, already part of `tokens.output`.
    pub reasoning_tokens: u64,
    pub requests: u64,
    /// nano-USD; `None` = unpriced (unknown model) — never a silent zero.
    pub cost: Option<i64>,
    pub cost_basis: Option<CostBasis>,
    pub session_id: Option<Text>,
    pub request_id: Option<Text>,
    pub actor: Option<Text>,
    pub api_key_id: Option<Text>,
    pub workspace: Option<Text>,
    pub project: Option<Text>,
    pub repo: Option<Text>,
    pub branch: Option<Text>,
    pub cwd: Option<Text>,
    pub machine: Option<Text>,
    pub workflow: Option<Text>,
    pub tags: Option<Text>,
    pub origin: Origin,
    /// Git remote the session ran against (Codex `session_meta.git.repository_url`).
    pub git_remote: Option<Text>,
    /// Claude Code `entrypoint` (`cli`, `sdk-cli`, `claude-vscode`, …).
    pub entrypoint: Option<Text>,
    /// Agent version (Claude Code `version`, Codex `cli_version`).
    pub agent_version: Option<Text>,
    pub is_sidechain: bool,
    pub fast: bool,
    pub long_context: bool,
    /// Batch API usage (priced at the batch rate).
    pub batch: bool,
    /// The long-context tier as an export states it; `None` = decided per request from
    /// the prompt size (aggregated rows without it are priced at the standard tier).
    pub context_known: Option<bool>,
}

/// A commit a session made, seen in tool output (`[branch abc1234] subject`). Only the
/// branch and the abbreviated sha are kept, never the subject or any other text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CommitLink {
    pub source: SourceKind,
    pub session_id: Text,
    pub ts: i64,
    pub sha: String,
    pub branch: String,
    pub cwd: Option<Text>,
    pub origin: Origin,
}

/// Why an input line was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RejectReason {
    /// Not a complete JSON object line.
    NotJson,
    /// JSON that does not have the expected shape or types.
    InvalidJson,
    MissingTimestamp,
    InvalidTimestamp,
    MissingModel,
    /// A money or count field that is not a number.
    InvalidNumber,
    /// A currency other than USD (costper never sums currencies).
    Currency,
    /// A required field or column is missing or empty.
    MissingField,
    /// A CSV row that cannot be read (bad quoting, invalid UTF-8).
    InvalidCsv,
}

impl RejectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::NotJson => "not_json",
            RejectReason::InvalidJson => "invalid_json",
            RejectReason::MissingTimestamp => "missing_timestamp",
            RejectReason::InvalidTimestamp => "invalid_timestamp",
            RejectReason::MissingModel => "missing_model",
            RejectReason::InvalidNumber => "invalid_number",
            RejectReason::Currency => "currency",
            RejectReason::MissingField => "missing_field",
            RejectReason::InvalidCsv => "invalid_csv",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused input line, with enough detail to find and fix it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reject {
    pub origin: Origin,
    pub reason: RejectReason,
    pub detail: String,
}

/// Stable record id from a natural key: xxh3-128 of the parts, each followed by a NUL byte.
/// Keys up to 256 bytes (nearly all: it runs once per input row) are joined on the stack.
pub fn record_id(parts: &[&str]) -> u128 {
    let len: usize = parts.iter().map(|p| p.len() + 1).sum();
    let mut stack = [0u8; 256];
    let mut heap = Vec::new();
    let buf: &mut [u8] = if len <= stack.len() {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        &mut heap
    };
    let mut at = 0;
    for p in parts {
        buf[at..at + p.len()].copy_from_slice(p.as_bytes());
        at += p.len() + 1;
    }
    xxhash_rust::xxh3::xxh3_128(buf)
}

/// A record id as written in outputs: 32 lowercase hex digits.
pub fn record_id_hex(id: u128) -> String {
    format!("{id:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_a_thin_pointer_and_compares_as_its_string() {
        assert_eq!(std::mem::size_of::<Text>(), 8);
        assert_eq!(std::mem::size_of::<Option<Text>>(), 8);
        let a = Text::from("claude-sonnet-4-5");
        let b = Text::from(String::from("claude-sonnet-4-5"));
        assert_eq!(a, b);
        assert!(a == "claude-sonnet-4-5");
        let mut sorted = [Text::from("b"), Text::from("a")];
        sorted.sort();
        assert_eq!(sorted[0], "a");
        // every export row becomes a record: its size is the memory (and page faults) of a
        // large export; 432 bytes when Text was an Arc<str>
        assert!(
            std::mem::size_of::<UsageRecord>() <= 288,
            "UsageRecord is {} bytes",
            std::mem::size_of::<UsageRecord>()
        );
        let set: std::collections::HashSet<Text> = [a.clone()].into_iter().collect();
        assert!(set.contains("claude-sonnet-4-5"), "looked up by &str");
        assert_eq!(
            format!("{a} {a:?}"),
            "claude-sonnet-4-5 \"claude-sonnet-4-5\""
        );
    }

    #[test]
    fn record_ids_are_stable_and_separator_safe() {
        // A fixed value: the id is part of the archive format and must never change.
        // (independently: python3 -c "import xxhash; print(xxhash.xxh3_128_hexdigest(b'a\\x00b\\x00'))")
        assert_eq!(
            record_id_hex(record_id(&["a", "b"])),
            "b061d902c67ac49e07b999952ccfc0e4"
        );
        assert_ne!(record_id(&["ab", ""]), record_id(&["a", "b"]));
        // past the stack buffer: the same definition
        let long = "x".repeat(300);
        let mut joined = long.clone().into_bytes();
        joined.extend_from_slice(b"\0y\0");
        assert_eq!(
            record_id(&[&long, "y"]),
            xxhash_rust::xxh3::xxh3_128(&joined)
        );
        assert_eq!(record_id_hex(1), "00000000000000000000000000000001");
    }
}
